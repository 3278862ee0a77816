import 'reflect-metadata';
import { migrateCommand } from '@seller-bridge/service-kit';
import { FulfilmentBridgeConfig } from './config/fulfilment-bridge.config';
import { FULFILMENT_ENTITIES, FULFILMENT_MIGRATIONS } from './database/data-source';

/** `pnpm migrate`: applies pending migrations to the service's database, then exits. */
migrateCommand(FulfilmentBridgeConfig, FULFILMENT_ENTITIES, FULFILMENT_MIGRATIONS);
