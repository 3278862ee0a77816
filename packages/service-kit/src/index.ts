import 'reflect-metadata';

export * from './config/load-config';
export * from './config/backbone.config';
export * from './config/marketplace-config';
export * from './clock/clock';
export * from './errors/backbone-errors';
export * from './database/data-source';
export * from './database/migrate-command';
export * from './database/typeorm-logger';
export * from './outbox/outbox-lane';
export * from './outbox/outbox.writer';
export * from './outbox/outbox.relay';
export * from './lease';
export * from './kafka/kafka.factory';
export * from './consumer/topic-consumer';
export * from './consumer/consumes-event.decorator';
export * from './consumer/dead-letter';
export * from './consumer/dead-letter-replay';
export * from './consumer/retry-backoff';
export * from './consumer/consumer-lag';
export * from './metrics/backbone-metrics';
export * from './metrics/mirakl-call-metrics';
export * from './logging/correlation';
export * from './logging/logger';
export * from './nest/tokens';
export * from './nest/backbone-module.options';
export * from './nest/backbone.module';
export * from './nest/consumers.host';
export * from './nest/graceful-shutdown';

/** The structured logger type (pino) services receive with `@Inject(BACKBONE_LOGGER)`. */
export type { Logger as BackboneLogger } from 'pino';
/** Nest's logger backed by the same pino instance: `app.useLogger(app.get(NestLogger))`. */
export { Logger as NestLogger } from 'nestjs-pino';
