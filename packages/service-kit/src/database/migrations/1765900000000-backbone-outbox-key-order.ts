import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  LANE_ORDER_FUNCTION,
  OUTBOX_NOTIFY_FUNCTION,
  OUTBOX_NOTIFY_TRIGGER,
} from './1764100000000-backbone-tables';

/**
 * The outbox's commit-time ordering, made cheap enough for thousands of events a second (decision 0003).
 *
 * Measured with pgbench on the 2-core machine (5 events per transaction, 16 clients): the outbox insert ran
 * at ~800–930 transactions/s, the same table with no trigger at ~2,200–2,400/s. Two things serialised the
 * commits of every writer, so PostgreSQL could not group their WAL flushes:
 * - the NOTIFY trigger: a transaction that has NOTIFYed takes a cluster-wide lock until its commit is
 *   flushed (PostgreSQL's async.c), so every outbox commit queued behind the one before. Half the rate went
 *   there, whether or not anybody listened. The relay is now woken in process after a commit through its own
 *   data source, and polls for the rest (OutboxRelay).
 * - the lane locks: a transaction locked the lanes of all its events at commit; with 16 lanes and events of
 *   several keys, nearly every pair of transactions shared one. Per-key order only needs the commits of one
 *   key to be serialised, so the lock is now per key (a hash of it): two transactions wait for each other
 *   only when they emit for the same key (or for two keys with the same hash).
 *
 * What stays: `seq` is assigned at commit, in the transaction's insertion order, while the transaction holds
 * the locks of its keys; so for one key `seq` order is commit order, and a relay reading committed rows in
 * `seq` order can never see a key's later event without its earlier one. Locks are taken in hash order, so
 * two committing transactions cannot deadlock.
 *
 * And the relay's read, which slowed down as rows were published. Its pending index was (lane, seq) for rows
 * not published; asked for 16 lanes in `seq` order, PostgreSQL chose a bitmap scan and a sort. A bitmap scan
 * visits every index entry it matches, dead ones included, and never marks them dead, so with rows updated
 * twice each (seq, then published_at) and no vacuum yet, each cycle re-read the table's whole recent history
 * (measured: 830 ms per batch after 120,000 published rows; 5–8 ms with the plan below). Now:
 * - the pending index is on `seq` alone, and only for sequenced rows (a row has no seq until its commit, so
 *   it enters the index once, at commit);
 * - the relay reads through `backbone_outbox_next_batch`, which keeps PostgreSQL on a plain index scan in
 *   `seq` order: it stops after `p_limit` rows, and the dead entries it passes are marked so the next scan
 *   skips them without visiting the table.
 */
export class BackboneOutboxKeyOrder1765900000000 implements MigrationInterface {
  name = 'BackboneOutboxKeyOrder1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS backbone_outbox_notify ON backbone_outbox`);
    await q.query(`DROP FUNCTION IF EXISTS backbone_outbox_notify()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION backbone_outbox_order() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        me xid8 := pg_current_xact_id();
      BEGIN
        IF current_setting('backbone.outbox_ordered_tx', true) = me::text THEN RETURN NULL; END IF;
        PERFORM set_config('backbone.outbox_ordered_tx', me::text, true);
        PERFORM pg_advisory_xact_lock(2828, k.h)
          FROM (SELECT DISTINCT hashtext(message_key) AS h FROM backbone_outbox
                WHERE tx = me AND seq IS NULL ORDER BY 1) k;
        WITH mine AS MATERIALIZED (
               SELECT id FROM backbone_outbox WHERE tx = me AND seq IS NULL ORDER BY id),
             numbered AS MATERIALIZED (
               SELECT id, nextval('backbone_outbox_commit_seq') AS seq FROM mine)
        UPDATE backbone_outbox o SET seq = n.seq FROM numbered n WHERE o.id = n.id;
        RETURN NULL;
      END $$`);
    await q.query(`DROP INDEX backbone_outbox_pending`);
    await q.query(
      `CREATE INDEX backbone_outbox_pending ON backbone_outbox (seq) WHERE published_at IS NULL AND seq IS NOT NULL`,
    );
    await q.query(`
      CREATE FUNCTION backbone_outbox_next_batch(p_lanes smallint[], p_limit int)
      RETURNS TABLE (seq bigint, event_id uuid, topic text, message_key text, headers jsonb, payload text)
      LANGUAGE sql STABLE SET enable_bitmapscan = off AS $$
        SELECT o.seq, o.event_id, o.topic, o.message_key, o.headers, o.payload FROM backbone_outbox o
        WHERE o.published_at IS NULL AND o.seq IS NOT NULL AND o.lane = ANY(p_lanes)
        ORDER BY o.seq LIMIT p_limit $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION backbone_outbox_next_batch(smallint[], int)`);
    await q.query(`DROP INDEX backbone_outbox_pending`);
    await q.query(
      `CREATE INDEX backbone_outbox_pending ON backbone_outbox (lane, seq) WHERE published_at IS NULL`,
    );
    await q.query(`CREATE OR REPLACE ${LANE_ORDER_FUNCTION}`);
    await q.query(`CREATE ${OUTBOX_NOTIFY_FUNCTION}`);
    await q.query(`CREATE ${OUTBOX_NOTIFY_TRIGGER}`);
  }
}
