import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Back-office holds (decision 0008, "Holds"): each reserved line is also held in the back office, so other
 * channels cannot sell the unit before the order is an ERP sales order. `warehouse_stock.held` is what the back
 * office holds for our orders (already out of its `available`); the reservation row follows its hold.
 */
export class BackofficeHolds1764340000000 implements MigrationInterface {
  name = 'BackofficeHolds1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE warehouse_stock ADD COLUMN held int NOT NULL DEFAULT 0`);
    // none: no hold asked (holds off, or the line was not reserved); pending: to place (the back office did
    // not answer); held; releasing: to release (refused or cancelled); released; converted: the sales order
    // took it over; refused: the back office refused it after the line was reserved (an exception).
    await q.query(`
      ALTER TABLE reservation
        ADD COLUMN hold_state text NOT NULL DEFAULT 'none'
          CHECK (hold_state IN ('none', 'pending', 'held', 'releasing', 'released', 'converted', 'refused')),
        ADD COLUMN hold_attempts int NOT NULL DEFAULT 0,
        ADD COLUMN hold_next_at timestamptz`);
    await q.query(
      `CREATE INDEX reservation_hold_work ON reservation (hold_next_at) WHERE hold_state IN ('pending', 'releasing')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reservation_hold_work`);
    await q.query(
      `ALTER TABLE reservation DROP COLUMN hold_state, DROP COLUMN hold_attempts, DROP COLUMN hold_next_at`,
    );
    await q.query(`ALTER TABLE warehouse_stock DROP COLUMN held`);
  }
}
