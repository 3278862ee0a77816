import 'reflect-metadata';
import { migrateCommand } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from './config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from './database/data-source';

/** `pnpm migrate`: applies pending migrations to the service's database, then exits. */
migrateCommand(CatalogueSyncConfig, CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS);
