import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DemoOrder1764100001000 implements MigrationInterface {
  name = 'DemoOrder1764100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE demo_order (
        marketplace text NOT NULL,
        order_id    text NOT NULL,
        state       text NOT NULL,
        line_count  int  NOT NULL,
        total_minor bigint NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (marketplace, order_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE demo_order`);
  }
}
