import 'reflect-metadata';
import { migrateCommand } from '@seller-bridge/service-kit';
import { OrderGatewayConfig } from './config/order-gateway.config';
import { ORDER_GATEWAY_ENTITIES, ORDER_GATEWAY_MIGRATIONS } from './database/data-source';

/** `pnpm migrate`: applies pending migrations to the service's database, then exits. */
migrateCommand(OrderGatewayConfig, ORDER_GATEWAY_ENTITIES, ORDER_GATEWAY_MIGRATIONS);
