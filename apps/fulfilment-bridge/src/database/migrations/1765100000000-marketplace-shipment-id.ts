import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a marketplace takes several shipments per order, each warehouse parcel becomes one marketplace
 * shipment (ST01): its Mirakl id is kept on the parcel's row, written under the order's lock as soon as the
 * shipment exists, so no worker creates it a second time and operations can find it on Mirakl.
 */
export class MarketplaceShipmentId1765100000000 implements MigrationInterface {
  name = 'MarketplaceShipmentId1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fb_shipment ADD COLUMN marketplace_shipment_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE fb_shipment DROP COLUMN marketplace_shipment_id`);
  }
}
