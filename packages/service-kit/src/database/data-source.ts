import pino from 'pino';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import { ParameterFreeTypeOrmLogger } from './typeorm-logger';
import { BackboneTables1764100000000 } from './migrations/1764100000000-backbone-tables';
import { BackboneLease1764110000000 } from './migrations/1764110000000-backbone-lease';
import { BackboneOutboxKeyOrder1765900000000 } from './migrations/1765900000000-backbone-outbox-key-order';
import { BackboneOutboxSeqAtInsert1766000000000 } from './migrations/1766000000000-backbone-outbox-seq-at-insert';

/** The backbone's own migrations; every service lists them before its own. */
export const BACKBONE_MIGRATIONS = [
  BackboneTables1764100000000,
  BackboneLease1764110000000,
  BackboneOutboxKeyOrder1765900000000,
  BackboneOutboxSeqAtInsert1766000000000,
];

/** A class (entity or migration), as TypeORM takes them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ClassRef = new (...args: any[]) => unknown;

export interface ServiceDataSourceOptions {
  url: string;
  /** The service's entities. */
  entities?: MixedList<ClassRef | string | EntitySchema>;
  /** The service's migrations, after the backbone's. */
  migrations?: ClassRef[];
  poolSize?: number;
  applicationName?: string;
  /** Where TypeORM's messages go (never with query parameters); a JSON logger on stderr by default. */
  logger?: pino.Logger;
}

/**
 * TypeORM options of a service's own database. Schema changes go through migrations run by a command
 * (`pnpm migrate`), never `synchronize`.
 */
export function serviceDataSourceOptions(o: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: o.url,
    entities: o.entities ?? [],
    migrations: [...BACKBONE_MIGRATIONS, ...(o.migrations ?? [])],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    // Failed statements go to the service's logger without their parameters (personal data, amounts).
    logging: ['error', 'warn', 'migration'],
    logger: new ParameterFreeTypeOrmLogger(
      o.logger ??
        pino({ level: process.env.LOG_LEVEL ?? 'info', base: { component: 'typeorm' } }, pino.destination(2)),
    ),
    maxQueryExecutionTime: 5_000,
    poolSize: o.poolSize ?? 10,
    applicationName: o.applicationName,
  } as DataSourceOptions;
}

export function createServiceDataSource(o: ServiceDataSourceOptions): DataSource {
  return new DataSource(serviceDataSourceOptions(o));
}

/** Runs pending migrations in one transaction each; returns the names applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const wasInitialized = dataSource.isInitialized;
  if (!wasInitialized) await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    if (!wasInitialized) await dataSource.destroy();
  }
}
