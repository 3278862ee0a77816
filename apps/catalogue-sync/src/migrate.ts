import 'reflect-metadata';
import { createServiceDataSource, loadConfig, redactUrl, runMigrations } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from './config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from './database/data-source';

/** `pnpm migrate`: applies pending migrations to the service's database, then exits. */
async function main(): Promise<void> {
  const config = loadConfig(CatalogueSyncConfig);
  const ds = createServiceDataSource({
    url: config.DATABASE_URL,
    entities: CATALOGUE_ENTITIES,
    migrations: CATALOGUE_MIGRATIONS,
  });
  const applied = await runMigrations(ds);
  process.stdout.write(
    `${config.SERVICE_NAME}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'} on ${redactUrl(config.DATABASE_URL)}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.message ?? err}\n`);
  process.exit(1);
});
