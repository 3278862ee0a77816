import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { createTopicsAndWait } from '../kafka/kafka.factory';

export function testBrokers(): string[] {
  return (process.env.TEST_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

export function testKafka(clientId = 'test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** A logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger() {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(
      admin,
      topics.map((topic) => ({ topic, numPartitions })),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts a service's consumer groups (`<service>.<topic>`) at the current end of their topics. A test that
 * runs a whole service on the shared local broker then sees only what it sends, not every event earlier
 * tests left on the same topics (a new group otherwise starts from the beginning, as it should in production).
 * Topics are created when missing.
 */
export async function startConsumerGroupsAtEnd(
  kafka: Kafka,
  service: string,
  topics: string[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length)
      await createTopicsAndWait(
        admin,
        missing.map((topic) => ({ topic })),
      ); // one created meanwhile by a test beside this one is fine
    // In parallel: finding a new group's coordinator takes the broker a few seconds per group. A topic just
    // created (here or by a test starting beside this one) may not have its leaders known yet: ask again.
    await Promise.all(
      topics.map(async (topic) => {
        for (let attempt = 1; ; attempt++) {
          try {
            const ends = await admin.fetchTopicOffsets(topic);
            await admin.setOffsets({
              groupId: `${service}.${topic}`,
              topic,
              partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
            });
            return;
          } catch (err) {
            const retriable = (err as { retriable?: boolean }).retriable === true;
            if (!retriable || attempt >= 40) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      }),
    );
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function stringHeaders(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined) out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}

/**
 * Reads a topic from the beginning with a throwaway group until `count` messages arrived (or the time is up),
 * then waits `settleMs` more to catch any extra message, and returns all of them in arrival order.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  opts: { count: number; timeoutMs?: number; settleMs?: number },
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(6).toString('hex')}` });
  const got: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let reached!: () => void;
  const done = new Promise<void>((r) => (reached = r));
  await consumer.run({
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      got.push({
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
        headers: stringHeaders(message.headers),
      });
      if (got.length >= opts.count) reached();
    },
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, opts.timeoutMs ?? 30_000))]);
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 500));
  await consumer.disconnect();
  return got;
}

/** Polls `check` until it returns true or the time is up; returns whether it became true. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
