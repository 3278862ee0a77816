import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled reconciliation (src/reconciliation/README.md): the divergences found between what a marketplace
 * holds and what should be there, one row per marketplace, SKU and kind while it is unexplained, and the SKUs
 * a running pass has read from OF21 (so missing offers are found without holding the catalogue in memory).
 */
export class Reconciliation1764330000000 implements MigrationInterface {
  name = 'Reconciliation1764330000000';

  async up(q: QueryRunner): Promise<void> {
    // `suspect`: a quantity below the expected one, seen once (it may be orders not reserved yet): not raised.
    // `open`: raised (event + exception) and its correction queued. The row goes when a pass finds it right.
    await q.query(`
      CREATE TABLE offer_divergence (
        marketplace   text NOT NULL,
        sku           text NOT NULL,
        kind          text NOT NULL CHECK (kind IN ('quantity', 'price', 'missing-offer', 'extra-offer')),
        status        text NOT NULL CHECK (status IN ('suspect', 'open')),
        expected      text,
        found         text,
        exception_id  text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at  timestamptz NOT NULL,
        raised_at     timestamptz,
        PRIMARY KEY (marketplace, sku, kind)
      )`);
    await q.query(
      `CREATE INDEX offer_divergence_open ON offer_divergence (marketplace, kind) WHERE status = 'open'`,
    );
    // The SKUs the pass in progress read from OF21 (one pass per marketplace at a time, under its lease);
    // emptied at the start and the end of each pass.
    await q.query(`
      CREATE TABLE reconciliation_seen (
        marketplace text NOT NULL,
        sku         text NOT NULL,
        PRIMARY KEY (marketplace, sku)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_seen`);
    await q.query(`DROP TABLE offer_divergence`);
  }
}
