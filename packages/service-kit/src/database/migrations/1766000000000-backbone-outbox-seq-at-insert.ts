import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OutboxWriter now writes a transaction's events at its commit, already numbered (`seq`) under the locks of
 * their keys (decision 0003). The commit-time ordering trigger is kept for rows inserted any other way (a
 * script, an older writer during a rolling deploy), but fires only for those: a row that arrives with its
 * `seq` queues no trigger event and is never updated, so it is written once instead of twice.
 *
 * Measured with pgbench on the 2-core machine (16 clients, 5 events of random keys per transaction):
 * insert + trigger-numbered ~1,420–1,510 transactions/s, numbered at insert ~1,840–1,950/s.
 */
export class BackboneOutboxSeqAtInsert1766000000000 implements MigrationInterface {
  name = 'BackboneOutboxSeqAtInsert1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER backbone_outbox_order ON backbone_outbox`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER backbone_outbox_order AFTER INSERT ON backbone_outbox
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION backbone_outbox_order()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER backbone_outbox_order ON backbone_outbox`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER backbone_outbox_order AFTER INSERT ON backbone_outbox
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION backbone_outbox_order()`);
  }
}
