import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders taken on hold in the ERP (AFTER_ERP_CONFIRMATION, decision 0011): an `fb_order` row may be a sales
 * order on hold (`on_hold`); the release at SHIPPING is stored as its own body (`release_body`) and sent once
 * (`erp_released`) by the same worker and retries as the posting. The due index covers the new work.
 */
export class OrdersOnHold1765200000000 implements MigrationInterface {
  name = 'OrdersOnHold1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fb_order ADD COLUMN on_hold boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE fb_order ADD COLUMN release_body jsonb`);
    await q.query(`ALTER TABLE fb_order ADD COLUMN erp_released boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE fb_order ADD COLUMN erp_released_at timestamptz`);
    await q.query(`DROP INDEX fb_order_due`);
    await q.query(
      `CREATE INDEX fb_order_due ON fb_order (next_attempt_at)
       WHERE state = 'pending' OR (state = 'posted' AND ((cancel_requested AND NOT erp_cancelled)
                                                         OR (release_body IS NOT NULL AND NOT erp_released)))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX fb_order_due`);
    await q.query(
      `CREATE INDEX fb_order_due ON fb_order (next_attempt_at) WHERE state = 'pending' OR (state = 'posted' AND cancel_requested AND NOT erp_cancelled)`,
    );
    for (const c of ['erp_released_at', 'erp_released', 'release_body', 'on_hold'])
      await q.query(`ALTER TABLE fb_order DROP COLUMN ${c}`);
  }
}
