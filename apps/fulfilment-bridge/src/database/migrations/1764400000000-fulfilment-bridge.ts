import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * fulfilment-bridge's tables. Every piece of work (an order to post, a shipment to send) is a row with its
 * state and its next attempt, so a restart or an outage loses nothing: workers pick due rows with
 * `FOR UPDATE SKIP LOCKED`, so several replicas share them without doing one twice.
 */
export class FulfilmentBridge1764400000000 implements MigrationInterface {
  name = 'FulfilmentBridge1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fb_order (
        marketplace text NOT NULL,
        order_id text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posted', 'cancelled', 'failed')),
        released jsonb NOT NULL,
        customer jsonb NOT NULL,
        body jsonb NOT NULL,
        line_map jsonb NOT NULL,
        shipping_type_code text,
        unmapped_charges text[] NOT NULL DEFAULT '{}',
        erp_number text,
        erp_created_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        cancel_requested boolean NOT NULL DEFAULT false,
        erp_cancelled boolean NOT NULL DEFAULT false,
        released_at timestamptz NOT NULL,
        posted_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (marketplace, order_id)
      )`);
    await q.query(
      `CREATE INDEX fb_order_due ON fb_order (next_attempt_at) WHERE state = 'pending' OR (state = 'posted' AND cancel_requested AND NOT erp_cancelled)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX fb_order_erp_number ON fb_order (erp_number) WHERE erp_number IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE fb_shipment (
        shipment_id text PRIMARY KEY,
        marketplace text NOT NULL,
        order_id text NOT NULL,
        carrier_name text NOT NULL,
        tracking_number text,
        tracking_url text,
        shipped_at timestamptz NOT NULL,
        lines jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'held', 'waiting_parcels', 'shipped', 'cancelled', 'failed')),
        hold_reason text,
        carrier_code text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        received_at timestamptz NOT NULL,
        done_at timestamptz
      )`);
    await q.query(`CREATE INDEX fb_shipment_due ON fb_shipment (next_attempt_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX fb_shipment_order ON fb_shipment (marketplace, order_id)`);
    await q.query(
      `CREATE INDEX fb_shipment_held ON fb_shipment (marketplace, lower(carrier_name)) WHERE state = 'held'`,
    );
    await q.query(`
      CREATE TABLE fb_carrier_mapping (
        marketplace text NOT NULL,
        warehouse_carrier_key text NOT NULL,
        warehouse_carrier text NOT NULL,
        carrier_code text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (marketplace, warehouse_carrier_key)
      )`);
    // Lines the marketplace cancelled, kept even when the cancellation arrives before the release event.
    await q.query(`
      CREATE TABLE fb_marketplace_cancellation (
        marketplace text NOT NULL,
        order_id text NOT NULL,
        line_ids text[] NOT NULL,
        PRIMARY KEY (marketplace, order_id)
      )`);
    await q.query(`CREATE TABLE fb_feed_cursor (name text PRIMARY KEY, seq bigint NOT NULL DEFAULT 0)`);
    await q.query(`
      CREATE TABLE fb_exception (
        exception_id text PRIMARY KEY,
        type text NOT NULL,
        open boolean NOT NULL,
        raised_at timestamptz NOT NULL,
        resolved_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'fb_exception',
      'fb_feed_cursor',
      'fb_marketplace_cancellation',
      'fb_carrier_mapping',
      'fb_shipment',
      'fb_order',
    ])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
