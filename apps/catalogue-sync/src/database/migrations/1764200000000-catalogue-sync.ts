import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * catalogue-sync's own tables: back-office stock and products, reservations, what is queued for each
 * marketplace, and the feed cursor. Quantities are integers; times are the back office's where named so.
 */
export class CatalogueSync1764200000000 implements MigrationInterface {
  name = 'CatalogueSync1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sku_stock (
        sku            text PRIMARY KEY,
        -- Σ available over the warehouses, and open (or posted, not yet consumed) reservations: the lock target
        available      int  NOT NULL DEFAULT 0,
        reserved       int  NOT NULL DEFAULT 0,
        known          boolean NOT NULL DEFAULT false,
        stock_as_of    timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE warehouse_stock (
        sku            text NOT NULL,
        warehouse      text NOT NULL,
        available      int  NOT NULL,
        on_hand        int  NOT NULL,
        as_of          timestamptz NOT NULL,
        source_version bigint,
        source         text NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sku, warehouse)
      )`);
    await q.query(`
      CREATE TABLE product (
        sku        text PRIMARY KEY,
        title      text NOT NULL,
        category   text NOT NULL,
        price_minor bigint NOT NULL,
        currency   text NOT NULL,
        active     boolean NOT NULL,
        master     jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE reservation (
        marketplace     text NOT NULL,
        order_id        text NOT NULL,
        order_line_id   text NOT NULL,
        sku             text NOT NULL,
        quantity        int  NOT NULL CHECK (quantity > 0),
        state           text NOT NULL CHECK (state IN ('open', 'posted', 'released', 'consumed', 'rejected')),
        reason          text NOT NULL,
        erp_order_number text,
        erp_created_at  timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (marketplace, order_id, order_line_id)
      )`);
    await q.query(`CREATE INDEX reservation_held ON reservation (sku) WHERE state IN ('open', 'posted')`);
    await q.query(`CREATE INDEX reservation_erp ON reservation (erp_order_number) WHERE state = 'posted'`);
    // Allocations the back office reported for a sales order, so a reservation can be consumed whichever of
    // "posted to the ERP" and "the stock counts it" arrives first.
    await q.query(`
      CREATE TABLE erp_allocation (
        erp_order_number text NOT NULL,
        sku              text NOT NULL,
        seen_at          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (erp_order_number, sku)
      )`);
    // Coalescing: one row per marketplace and SKU whose published quantity must be recomputed and pushed.
    await q.query(`
      CREATE TABLE pending_push (
        marketplace text NOT NULL,
        sku         text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('stock', 'offer')),
        queued_at   timestamptz NOT NULL DEFAULT now(),
        -- When the first unpushed change arrived (latency is measured from it).
        first_change_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (marketplace, sku, kind)
      )`);
    await q.query(`CREATE INDEX pending_push_by_mp ON pending_push (marketplace, kind, first_change_at)`);
    // What each marketplace was last told, to push changes only.
    await q.query(`
      CREATE TABLE published_quantity (
        marketplace text NOT NULL,
        sku         text NOT NULL,
        quantity    int  NOT NULL,
        import_id   text,
        pushed_at   timestamptz NOT NULL,
        PRIMARY KEY (marketplace, sku)
      )`);
    // The latest finished poll of each marketplace by order-gateway (orders first, then stock).
    await q.query(`
      CREATE TABLE marketplace_poll (
        marketplace text PRIMARY KEY,
        visible_at  timestamptz NOT NULL,
        order_ids   text[] NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Orders seen (received), whatever their reservation outcome: a poll's orders are all in here once decided.
    await q.query(`
      CREATE TABLE order_seen (
        marketplace text NOT NULL,
        order_id    text NOT NULL,
        decided_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (marketplace, order_id)
      )`);
    await q.query(`
      CREATE TABLE feed_cursor (
        source     text PRIMARY KEY,
        last_seq   bigint NOT NULL,
        as_of      timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE stock_import (
        id           bigserial PRIMARY KEY,
        marketplace  text NOT NULL,
        import_id    text NOT NULL,
        status       text NOT NULL,
        lines        int  NOT NULL,
        lines_in_error int,
        created_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz,
        UNIQUE (marketplace, import_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'stock_import',
      'feed_cursor',
      'order_seen',
      'marketplace_poll',
      'published_quantity',
      'pending_push',
      'erp_allocation',
      'reservation',
      'product',
      'warehouse_stock',
      'sku_stock',
    ])
      await q.query(`DROP TABLE ${t}`);
  }
}
