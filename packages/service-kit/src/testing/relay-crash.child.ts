/**
 * Test fixture run as its own process: an outbox relay that is SIGKILLed right after Kafka acknowledged its
 * first batch and before it could mark the rows published (the crash window the outbox must survive).
 */
import 'reflect-metadata';
import { Registry } from 'prom-client';
import pino from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { createProducer } from '../kafka/kafka.factory';
import { BackboneMetrics } from '../metrics/backbone-metrics';
import { createServiceDataSource } from '../database/data-source';
import { OutboxRelay } from '../outbox/outbox.relay';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL!;
  const ds = createServiceDataSource({ url });
  await ds.initialize();
  const kafka = new Kafka({
    clientId: 'relay-crash',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = createProducer(kafka);
  await producer.connect();
  const relay = new OutboxRelay(
    ds,
    producer,
    new BackboneMetrics(new Registry(), 'crash'),
    pino({ level: 'silent' }),
    {
      batchSize: 1000,
      pollMs: 50,
      afterPublish: () => {
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => undefined);
      },
    },
  );
  await relay.publishBatch();
}

void main();
