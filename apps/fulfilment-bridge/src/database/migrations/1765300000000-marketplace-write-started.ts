import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a parcel's first write to the marketplace (OR23/OR24) was about to go out, committed before it: a parcel
 * claimed again without it never reached Mirakl, so its order may still be taken as released (no OR11 read,
 * which Mirakl allows once a minute); with it, the order is read from Mirakl first (it may be SHIPPED already).
 */
export class MarketplaceWriteStarted1765300000000 implements MigrationInterface {
  name = 'MarketplaceWriteStarted1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fb_shipment ADD COLUMN marketplace_write_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fb_shipment DROP COLUMN marketplace_write_at`);
  }
}
