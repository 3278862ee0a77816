import pino from 'pino';
import { createServiceDataSource } from '../src/database/data-source';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/** A failed statement is logged without its parameters: they carry customer data and amounts. */
describe('TypeORM logging', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('typeorm_logging');
  });
  afterAll(async () => db?.drop());

  it('logs a failed statement with its text and error, never its parameters', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const ds = createServiceDataSource({ url: db.url, logger });
    await ds.initialize();
    try {
      await ds.query(`CREATE TABLE customer (name text NOT NULL UNIQUE)`);
      await ds.query(`INSERT INTO customer (name) VALUES ($1)`, ['Camille Martin, 3 rue de la Paix']);
      await expect(
        ds.query(`INSERT INTO customer (name) VALUES ($1)`, ['Camille Martin, 3 rue de la Paix']),
      ).rejects.toThrow(/duplicate key/);
    } finally {
      await ds.destroy();
    }
    const failed = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'database statement failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].query).toBe('INSERT INTO customer (name) VALUES ($1)');
    expect(failed[0].err).toMatch(/duplicate key/);
    expect(lines.join('\n')).not.toContain('Camille');
  });
});
