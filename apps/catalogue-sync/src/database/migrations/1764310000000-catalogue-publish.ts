import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Catalogue publishing (P41 products, OF24 offers): what each marketplace was last sent of each SKU and how it
 * answered, the publisher's place in the product table, and the import batches in flight with their lines.
 */
export class CataloguePublish1764310000000 implements MigrationInterface {
  name = 'CataloguePublish1764310000000';

  async up(q: QueryRunner): Promise<void> {
    // Per marketplace and SKU: the product version (product.updated_at) last handled and its outcome. A SKU is
    // sent again only when its product changes, a full sync asks for it, or (unmapped) the category map changes.
    await q.query(`
      CREATE TABLE catalogue_sku (
        marketplace      text NOT NULL,
        sku              text NOT NULL,
        product_version  timestamptz NOT NULL,
        generation       int  NOT NULL DEFAULT 0,
        product_outcome  text NOT NULL CHECK (product_outcome IN ('accepted', 'rejected', 'unmapped')),
        map_hash         text,
        category_code    text,
        -- The latest version the marketplace accepted: set once the product exists there (offers need it).
        accepted_version timestamptz,
        -- The open exception about the product (rejected or unmapped) and about its offer, if any.
        product_exception      text,
        product_exception_type text,
        offer_exception        text,
        updated_at       timestamptz NOT NULL,
        PRIMARY KEY (marketplace, sku)
      )`);
    // One row per marketplace: where the product scan stands (keyset on product.sku) and the full sync.
    await q.query(`
      CREATE TABLE catalogue_lane (
        marketplace          text PRIMARY KEY,
        product_cursor       text NOT NULL DEFAULT '',
        generation           int  NOT NULL DEFAULT 0,
        full_sync_total      bigint,
        full_sync_done       bigint NOT NULL DEFAULT 0,
        full_sync_batches    int NOT NULL DEFAULT 0,
        full_sync_scan_done  boolean NOT NULL DEFAULT false,
        full_sync_started_at timestamptz,
        full_sync_finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE catalogue_batch (
        id              bigserial PRIMARY KEY,
        marketplace     text NOT NULL,
        kind            text NOT NULL CHECK (kind IN ('products', 'offers')),
        status          text NOT NULL CHECK (status IN ('prepared', 'sent', 'retry', 'done')),
        generation      int  NOT NULL DEFAULT 0,
        lines           int  NOT NULL,
        import_id       text,
        attempts        int  NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lines_in_error  int,
        last_error      text,
        created_at      timestamptz NOT NULL,
        sent_at         timestamptz,
        finished_at     timestamptz
      )`);
    // One import of each kind in flight per marketplace: a second preparer fails here instead of sending twice.
    await q.query(
      `CREATE UNIQUE INDEX catalogue_batch_open ON catalogue_batch (marketplace, kind) WHERE status <> 'done'`,
    );
    // The lines of an open batch (deleted when it is done, so the table stays as small as one batch per lane).
    await q.query(`
      CREATE TABLE catalogue_batch_line (
        batch_id      bigint NOT NULL REFERENCES catalogue_batch (id) ON DELETE CASCADE,
        sku           text NOT NULL,
        line          int  NOT NULL,
        version       timestamptz,
        category_code text,
        quantity      int,
        PRIMARY KEY (batch_id, sku)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['catalogue_batch_line', 'catalogue_batch', 'catalogue_lane', 'catalogue_sku'])
      await q.query(`DROP TABLE ${t}`);
  }
}
