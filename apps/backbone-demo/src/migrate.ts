import 'reflect-metadata';
import { migrateCommand } from '@seller-bridge/service-kit';
import { DEMO_ENTITIES, DEMO_MIGRATIONS } from './database/data-source';
import { DemoConfig } from './demo.config';

/** `pnpm migrate`: applies pending migrations to the service's database, then exits. */
migrateCommand(DemoConfig, DEMO_ENTITIES, DEMO_MIGRATIONS);
