import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the stock pusher needs on top of the first schema (src/publishing/README.md):
 * - a stock import is recorded (SENDING) with its lines *before* STO01 is called, so a crash between the
 *   claim's commit and Mirakl's answer loses nothing: the lines are re-queued at the next cycle. Mirakl's
 *   import id is only known after the call, hence nullable;
 * - `published_quantity.stock_import_id` ties each published figure to the batch that carried it, so a batch
 *   that never reached Mirakl (or whose line Mirakl refused) can forget exactly its own figures.
 */
export class StockPush1764300000000 implements MigrationInterface {
  name = 'StockPush1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stock_import ALTER COLUMN import_id DROP NOT NULL`);
    await q.query(`
      ALTER TABLE stock_import
        ADD COLUMN batch      jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN sent_at    timestamptz,
        ADD COLUMN last_error text,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(
      `CREATE INDEX stock_import_open ON stock_import (marketplace, id)
       WHERE status NOT IN ('COMPLETE', 'FAILED', 'CANCELLED', 'REQUEUED', 'SUPERSEDED')`,
    );
    await q.query(`ALTER TABLE published_quantity ADD COLUMN stock_import_id bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE published_quantity DROP COLUMN stock_import_id`);
    await q.query(`DROP INDEX stock_import_open`);
    await q.query(
      `ALTER TABLE stock_import DROP COLUMN batch, DROP COLUMN sent_at, DROP COLUMN last_error, DROP COLUMN updated_at`,
    );
    await q.query(`DELETE FROM stock_import WHERE import_id IS NULL`);
    await q.query(`ALTER TABLE stock_import ALTER COLUMN import_id SET NOT NULL`);
  }
}
