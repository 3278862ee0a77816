import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock imports Mirakl ends FAILED are sent again a bounded number of times (src/publishing/README.md): per
 * marketplace and SKU, how many imports carrying it failed in a row. The row goes when an import carrying the
 * SKU completes, or when the pusher gives up on it (so a later change of the SKU gets its retries again).
 */
export class StockImportRetries1764320000000 implements MigrationInterface {
  name = 'StockImportRetries1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stock_import_failure (
        marketplace    text NOT NULL,
        sku            text NOT NULL,
        failed_imports int  NOT NULL CHECK (failed_imports > 0),
        last_import_id text,
        updated_at     timestamptz NOT NULL,
        PRIMARY KEY (marketplace, sku)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stock_import_failure`);
  }
}
