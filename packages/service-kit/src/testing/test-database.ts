import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createServiceDataSource, runMigrations, type ClassRef } from '../database/data-source';

/** Server URL tests create their databases on (a real PostgreSQL; never a mock). */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  url: string;
  name: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/** Creates a fresh, migrated database for one test file; `drop()` removes it. */
export async function createTestDatabase(
  label: string,
  migrations: ClassRef[] = [],
  entities: ClassRef[] = [],
): Promise<TestDatabase> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(testServerUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  const dataSource = createServiceDataSource({ url, migrations, entities, poolSize: 20 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return {
    url,
    name,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      const c = new Client({ connectionString: testServerUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
