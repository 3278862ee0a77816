import { Kafka, logLevel, Partitioners, type Admin, type Producer, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * All Kafka client construction lives here, so that a move from kafkajs to another client
 * (e.g. @confluentinc/kafka-javascript, which keeps the kafkajs API) touches one folder.
 */
export function createKafka(opts: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  const log = opts.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  });
}

/**
 * The producer of the outbox relay and the dead-letter writer: idempotent, acks from all in-sync replicas,
 * one request in flight so a retried batch cannot overtake the next one (per-key order), and the
 * Java-compatible murmur2 partitioner set explicitly, so other clients put a key on the same partition.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Creates the topics that are missing (and their dead-letter topics); existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: string[], numPartitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: topic.endsWith('.dlq') ? 1 : numPartitions,
      replicationFactor: -1,
    })),
  });
  return missing;
}
