import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `backbone_lease`: one row per lease name (decision 0007). The lock itself is a PostgreSQL advisory lock; this
 * row records who took it last (`holder_id`, `acquired_at`), when that holder last proved alive (`renewed_at`,
 * skipped while a fenced transaction holds the row) and the fencing `epoch`, incremented by every acquisition.
 * Holders' transactions share-lock the row (assertStillHolder), so the next epoch is written only after them.
 */
export class BackboneLease1764110000000 implements MigrationInterface {
  name = 'BackboneLease1764110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backbone_lease (
        name        text        PRIMARY KEY,
        holder_id   text        NOT NULL,
        epoch       bigint      NOT NULL CHECK (epoch > 0),
        acquired_at timestamptz NOT NULL,
        renewed_at  timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE backbone_lease`);
  }
}
