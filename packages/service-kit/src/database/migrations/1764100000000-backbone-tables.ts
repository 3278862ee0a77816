import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The commit-time ordering by lane, as this migration created it (revised by 1765900000000, whose `down` restores it). */
export const LANE_ORDER_FUNCTION = `FUNCTION backbone_outbox_order() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        me xid8 := pg_current_xact_id();
        r record;
      BEGIN
        IF current_setting('backbone.outbox_ordered_tx', true) = me::text THEN RETURN NULL; END IF;
        PERFORM set_config('backbone.outbox_ordered_tx', me::text, true);
        FOR r IN SELECT DISTINCT lane FROM backbone_outbox WHERE tx = me AND seq IS NULL ORDER BY lane LOOP
          PERFORM pg_advisory_xact_lock(2827, r.lane);
        END LOOP;
        FOR r IN SELECT id FROM backbone_outbox WHERE tx = me AND seq IS NULL ORDER BY id LOOP
          UPDATE backbone_outbox SET seq = nextval('backbone_outbox_commit_seq') WHERE id = r.id;
        END LOOP;
        RETURN NULL;
      END $$`;

/** The NOTIFY wake-up this migration created (removed by 1765900000000, whose `down` restores it). */
export const OUTBOX_NOTIFY_FUNCTION = `FUNCTION backbone_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('backbone_outbox', ''); RETURN NULL; END $$`;
export const OUTBOX_NOTIFY_TRIGGER = `TRIGGER backbone_outbox_notify AFTER INSERT ON backbone_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION backbone_outbox_notify()`;

/**
 * Tables of the backbone, present in every service's database:
 * - `backbone_outbox`: events committed with the state change that caused them, waiting for the relay.
 *   `lane` is a hash of the message key; a relay holds a lane while it publishes, so one key's events are
 *   published by one relay at a time, in `seq` order.
 * - `seq` is assigned at commit time by a deferred trigger that first locks the transaction's lanes (sorted,
 *   so two committing transactions cannot deadlock): within a lane, `seq` order is commit order, whatever
 *   order the writers inserted in. Writers take no lock while they work.
 * - `backbone_outbox_lane`: one row per lane, locked `FOR UPDATE SKIP LOCKED` by relays.
 * - `backbone_inbox`: event ids a consumer group has handled, written in the handler's transaction.
 * A statement trigger sends NOTIFY on commit so an idle relay wakes at once instead of waiting for its poll.
 */
export class BackboneTables1764100000000 implements MigrationInterface {
  name = 'BackboneTables1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backbone_outbox (
        id           bigserial PRIMARY KEY,
        seq          bigint UNIQUE,
        tx           xid8        NOT NULL DEFAULT pg_current_xact_id(),
        event_id     uuid        NOT NULL UNIQUE,
        lane         smallint    NOT NULL,
        topic        text        NOT NULL,
        message_key  text        NOT NULL,
        headers      jsonb       NOT NULL,
        payload      text        NOT NULL,
        occurred_at  timestamptz NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE SEQUENCE backbone_outbox_commit_seq`);
    await q.query(
      `CREATE INDEX backbone_outbox_pending ON backbone_outbox (lane, seq) WHERE published_at IS NULL`,
    );
    await q.query(`CREATE INDEX backbone_outbox_unordered ON backbone_outbox (tx) WHERE seq IS NULL`);
    await q.query(
      `CREATE INDEX backbone_outbox_published ON backbone_outbox (published_at) WHERE published_at IS NOT NULL`,
    );
    await q.query(`CREATE TABLE backbone_outbox_lane (lane smallint PRIMARY KEY)`);
    await q.query(`INSERT INTO backbone_outbox_lane (lane) SELECT generate_series(0, 15)`);
    await q.query(`
      CREATE TABLE backbone_inbox (
        consumer   text        NOT NULL,
        event_id   uuid        NOT NULL,
        topic      text        NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await q.query(`CREATE INDEX backbone_inbox_handled_at ON backbone_inbox (handled_at)`);
    await q.query(`CREATE ${LANE_ORDER_FUNCTION}`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER backbone_outbox_order AFTER INSERT ON backbone_outbox
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION backbone_outbox_order()`);
    await q.query(`CREATE ${OUTBOX_NOTIFY_FUNCTION}`);
    await q.query(`CREATE ${OUTBOX_NOTIFY_TRIGGER}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER backbone_outbox_notify ON backbone_outbox`);
    await q.query(`DROP TRIGGER backbone_outbox_order ON backbone_outbox`);
    await q.query(`DROP FUNCTION backbone_outbox_order()`);
    await q.query(`DROP FUNCTION backbone_outbox_notify()`);
    await q.query(`DROP TABLE backbone_inbox`);
    await q.query(`DROP TABLE backbone_outbox_lane`);
    await q.query(`DROP TABLE backbone_outbox`);
    await q.query(`DROP SEQUENCE backbone_outbox_commit_seq`);
  }
}
