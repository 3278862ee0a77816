import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { CLOCK, SystemClock, type Clock } from '../clock/clock';
import type { BackboneConfig } from '../config/backbone.config';
import { loadConfig } from '../config/load-config';
import { serviceDataSourceOptions } from '../database/data-source';
import { HealthController } from '../health/health.controller';
import { createKafka, createProducer } from '../kafka/kafka.factory';
import { CorrelationMiddleware } from '../logging/correlation.middleware';
import { createLogger } from '../logging/logger';
import { BackboneMetrics } from '../metrics/backbone-metrics';
import { MetricsController } from '../metrics/metrics.controller';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxWriter } from '../outbox/outbox.writer';
import type { BackboneModuleOptions } from './backbone-module.options';
import { ConsumersHost } from './consumers.host';
import {
  BACKBONE_CONFIG,
  BACKBONE_LOGGER,
  BACKBONE_OPTIONS,
  KAFKA,
  KAFKA_ADMIN,
  KAFKA_PRODUCER,
} from './tokens';

/**
 * Everything a service needs from the backbone, in one import:
 * `BackboneModule.forRoot({ config: MyServiceConfig, entities, migrations, produces })`.
 * Provides the validated config, the TypeORM data source, the outbox writer and relay, Kafka consumers for
 * every `@ConsumesEvent` method, `/metrics`, `/health/live`, `/health/ready`, and JSON logs.
 */
@Module({})
export class BackboneModule implements NestModule {
  static forRoot<C extends BackboneConfig>(options: BackboneModuleOptions<C>): DynamicModule {
    // Validated before anything connects: a bad variable stops the service with its name in the message.
    const config = options.configValues ?? loadConfig(options.config);
    const logger = createLogger(config.SERVICE_NAME, config.LOG_LEVEL);
    return {
      module: BackboneModule,
      global: true,
      imports: [
        DiscoveryModule,
        TerminusModule,
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            autoLogging: { ignore: (req) => /^\/(metrics|health)/.test(req.url ?? '') },
            customProps: (req) => ({ correlationId: req.headers['x-correlation-id'] }),
          },
        }),
        TypeOrmModule.forRoot({
          ...serviceDataSourceOptions({
            url: config.DATABASE_URL,
            entities: options.entities,
            migrations: options.migrations,
            applicationName: config.SERVICE_NAME,
            logger: logger.child({ component: 'typeorm' }),
          }),
          retryAttempts: 5,
          retryDelay: 1000,
        }),
      ],
      controllers: [MetricsController, HealthController],
      providers: [
        { provide: BACKBONE_OPTIONS, useValue: options },
        { provide: BACKBONE_CONFIG, useValue: config },
        { provide: options.config, useValue: config },
        { provide: BACKBONE_LOGGER, useValue: logger },
        { provide: CLOCK, useClass: SystemClock },
        { provide: Registry, useFactory: () => new Registry() },
        {
          provide: BackboneMetrics,
          inject: [Registry],
          useFactory: (r: Registry) => new BackboneMetrics(r, config.SERVICE_NAME),
        },
        {
          provide: KAFKA,
          useFactory: () =>
            createKafka({
              clientId: config.KAFKA_CLIENT_ID ?? config.SERVICE_NAME,
              brokers: config.KAFKA_BROKERS,
              logger,
            }),
        },
        { provide: KAFKA_PRODUCER, inject: [KAFKA], useFactory: (k: Kafka) => createProducer(k) },
        { provide: KAFKA_ADMIN, inject: [KAFKA], useFactory: (k: Kafka) => k.admin() },
        { provide: OutboxWriter, inject: [CLOCK], useFactory: (clock: Clock) => new OutboxWriter(clock) },
        {
          provide: OutboxRelay,
          inject: [DataSource, KAFKA_PRODUCER, BackboneMetrics],
          useFactory: (ds: DataSource, producer, metrics: BackboneMetrics) =>
            new OutboxRelay(ds, producer, metrics, (logger as Logger).child({ component: 'outbox-relay' }), {
              batchSize: config.OUTBOX_BATCH_SIZE,
              pollMs: config.OUTBOX_POLL_MS,
              afterPublish: options.relayAfterPublish,
            }),
        },
        ConsumersHost,
      ],
      exports: [
        BACKBONE_CONFIG,
        options.config,
        BACKBONE_LOGGER,
        CLOCK,
        BackboneMetrics,
        OutboxWriter,
        OutboxRelay,
        KAFKA,
        KAFKA_PRODUCER,
        KAFKA_ADMIN,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
