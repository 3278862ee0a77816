import type { ClassConstructor } from 'class-transformer';
import { loadConfig } from '../config/load-config';
import type { BackboneConfig } from '../config/backbone.config';
import { redactUrl } from '../logging/logger';
import { createServiceDataSource, runMigrations, type ClassRef } from './data-source';

/**
 * A service's `pnpm migrate`: loads its configuration, applies the pending migrations (the backbone's and its
 * own) to its database, prints what it did (the password redacted), and exits; any failure is one line on
 * stderr and exit code 1.
 */
export function migrateCommand<C extends BackboneConfig>(
  config: ClassConstructor<C>,
  entities: ClassRef[],
  migrations: ClassRef[],
): void {
  (async () => {
    const c = loadConfig(config);
    const ds = createServiceDataSource({ url: c.DATABASE_URL, entities, migrations });
    const applied = await runMigrations(ds);
    process.stdout.write(
      `${c.SERVICE_NAME}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'} on ${redactUrl(c.DATABASE_URL)}\n`,
    );
  })().catch((err: unknown) => {
    process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}
