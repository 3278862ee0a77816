import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * order-gateway's schema (decision 0009):
 * - `mirakl_order`: the order book, one row per Mirakl order with its latest state and snapshot, and the
 *   marks that make each published fact happen once (received, decision, release, cancelled lines,
 *   lines with an incident);
 * - `order_state_history`: every state an order was seen in, with Mirakl's `last_updated_date`;
 * - `order_decision`: the decision, persisted before OR21 is sent (status pending → sending → landed), so a
 *   restart resumes the send — with a read-back first when a send may have started;
 * - `erp_confirmation`: ERP sales orders seen (`fulfilment.order.posted.v1`), for AFTER_ERP_CONFIRMATION;
 * - `offer_price`: the back office's selling price per SKU (`backoffice.product.changed.v1`), for the price check;
 * - `poll_cursor`: where each marketplace's next poll starts;
 * - `raised_exception`: exceptions raised, so each is raised (and resolved) once.
 */
export class OrderGateway1764400000000 implements MigrationInterface {
  name = 'OrderGateway1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mirakl_order (
        marketplace              text        NOT NULL,
        order_id                 text        NOT NULL,
        mirakl_state             text        NOT NULL,
        mirakl_updated_at        timestamptz NOT NULL,
        created_at               timestamptz NOT NULL,
        first_seen_at            timestamptz NOT NULL,
        last_seen_at             timestamptz NOT NULL,
        accept_by                timestamptz,
        ship_by                  timestamptz,
        acceptance_decided_at    timestamptz,
        snapshot                 jsonb       NOT NULL,
        received_published_at    timestamptz,
        decision_published_at    timestamptz,
        released_at              timestamptz,
        cancelled_line_ids       text[]      NOT NULL DEFAULT '{}',
        incident_line_ids        text[]      NOT NULL DEFAULT '{}',
        PRIMARY KEY (marketplace, order_id)
      )`);
    await q.query(
      `CREATE INDEX mirakl_order_watched ON mirakl_order (marketplace, mirakl_state)
       WHERE mirakl_state IN ('STAGING', 'WAITING_ACCEPTANCE', 'SHIPPING')`,
    );
    await q.query(`
      CREATE TABLE order_state_history (
        id                bigserial   PRIMARY KEY,
        marketplace       text        NOT NULL,
        order_id          text        NOT NULL,
        from_state        text,
        to_state          text        NOT NULL,
        mirakl_updated_at timestamptz NOT NULL,
        seen_at           timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX order_state_history_order ON order_state_history (marketplace, order_id, id)`,
    );
    await q.query(`
      CREATE TABLE order_decision (
        marketplace     text        NOT NULL,
        order_id        text        NOT NULL,
        status          text        NOT NULL,
        policy          text        NOT NULL,
        lines           jsonb       NOT NULL,
        reservation     jsonb       NOT NULL,
        decided_at      timestamptz NOT NULL,
        attempts        int         NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        outcome         text,
        landed_at       timestamptz,
        PRIMARY KEY (marketplace, order_id),
        CONSTRAINT order_decision_status CHECK (status IN ('waiting-erp', 'pending', 'sending', 'landed', 'superseded'))
      )`);
    await q.query(
      `CREATE INDEX order_decision_todo ON order_decision (marketplace, next_attempt_at)
       WHERE status IN ('pending', 'sending')`,
    );
    await q.query(`
      CREATE TABLE erp_confirmation (
        marketplace      text        NOT NULL,
        order_id         text        NOT NULL,
        erp_order_number text        NOT NULL,
        posted_at        timestamptz NOT NULL,
        PRIMARY KEY (marketplace, order_id)
      )`);
    await q.query(`
      CREATE TABLE offer_price (
        sku         text        PRIMARY KEY,
        price_minor bigint      NOT NULL,
        currency    text        NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE poll_cursor (
        marketplace      text        PRIMARY KEY,
        last_started_at  timestamptz NOT NULL,
        last_finished_at timestamptz NOT NULL,
        orders_seen      int         NOT NULL
      )`);
    await q.query(`
      CREATE TABLE raised_exception (
        exception_id text        PRIMARY KEY,
        type         text        NOT NULL,
        marketplace  text,
        order_id     text,
        raised_at    timestamptz NOT NULL,
        resolved_at  timestamptz
      )`);
    await q.query(`CREATE INDEX raised_exception_order ON raised_exception (marketplace, order_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'raised_exception',
      'poll_cursor',
      'offer_price',
      'erp_confirmation',
      'order_decision',
      'order_state_history',
      'mirakl_order',
    ])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
