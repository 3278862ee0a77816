import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { createProducer } from '../kafka/kafka.factory';
import { DeadLetterHeader } from './dead-letter';

/** One message of a dead-letter topic, with what its headers say about it. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  eventId: string;
  code: string;
  attempts: number;
  group: string;
  reason: string;
  originalTopic: string;
  failedAt: string;
  message: KafkaMessage;
}

export interface ReplayOptions {
  /** `'all'`, or the event ids to replay (every copy of each). */
  select: 'all' | string[];
  /** Only report what would be replayed. */
  dryRun?: boolean;
  /** Also replay contract failures (`dlq-attempts: 0`), which fail again unless the consumer changed. */
  includeContractFailures?: boolean;
}

export interface ReplayResult {
  /** Every message read from the dead-letter topic (up to its end when the replay started). */
  read: number;
  replayed: DeadLetterEntry[];
  /** Selected but left alone, with why. */
  skipped: { entry: DeadLetterEntry; why: string }[];
}

const text = (v: IHeaders[string]): string =>
  v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : Array.isArray(v) ? text(v[0]) : String(v);

function entryOf(partition: number, message: KafkaMessage): DeadLetterEntry {
  const h = message.headers ?? {};
  return {
    partition,
    offset: message.offset,
    eventId: text(h['event-id']),
    code: text(h[DeadLetterHeader.code]),
    attempts: Number(text(h[DeadLetterHeader.attempts]) || 0),
    group: text(h[DeadLetterHeader.consumerGroup]),
    reason: text(h[DeadLetterHeader.reason]),
    originalTopic: text(h[DeadLetterHeader.originalTopic]),
    failedAt: text(h[DeadLetterHeader.failedAt]),
    message,
  };
}

/**
 * Reads a dead-letter topic from its beginning to its end as of now, leaving no committed offsets behind
 * (a throw-away consumer group, deleted afterwards).
 */
export async function readDeadLetters(kafka: Kafka, dlqTopic: string): Promise<DeadLetterEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `dlq-replay-${randomUUID()}`;
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(dlqTopic))
        .filter((p) => p.high !== p.low)
        .map((p) => [p.partition, BigInt(p.high)]),
    );
    const entries: DeadLetterEntry[] = [];
    if (ends.size === 0) return entries;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
      await new Promise<void>((done, fail) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = ends.get(partition);
              if (end === undefined || BigInt(message.offset) >= end) return;
              entries.push(entryOf(partition, message));
              if (BigInt(message.offset) + 1n >= end) ends.delete(partition);
              if (ends.size === 0) done();
            },
          })
          .catch(fail);
      });
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return entries.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Replays dead letters: produces each selected message's key, value and original headers (every header but
 * `dlq-*`) to its `dlq-original-topic`, with the relay's partitioner, so it lands on its original partition.
 * The event keeps its id: a consumer group that handled it skips it as a duplicate (inbox), the group that
 * gave up handles it. Contract failures are skipped unless asked for: unchanged, they fail the same way.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const entries = await readDeadLetters(kafka, dlqTopic);
  const wanted = options.select === 'all' ? undefined : new Set(options.select.map((id) => id.toLowerCase()));
  const selected = entries.filter((e) => !wanted || wanted.has(e.eventId.toLowerCase()));
  const result: ReplayResult = { read: entries.length, replayed: [], skipped: [] };
  const toSend: DeadLetterEntry[] = [];
  for (const entry of selected) {
    if (!entry.originalTopic) result.skipped.push({ entry, why: 'no dlq-original-topic header' });
    else if (entry.attempts === 0 && !options.includeContractFailures) {
      result.skipped.push({
        entry,
        why: `contract failure (${entry.code}): the producer must send it again`,
      });
    } else toSend.push(entry);
  }
  if (options.dryRun || toSend.length === 0) return { ...result, replayed: toSend };
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    for (const entry of toSend) {
      const headers = Object.fromEntries(
        Object.entries(entry.message.headers ?? {}).filter(([name]) => !name.startsWith('dlq-')),
      );
      await producer.send({
        topic: entry.originalTopic,
        acks: -1,
        messages: [{ key: entry.message.key, value: entry.message.value, headers }],
      });
      result.replayed.push(entry);
    }
  } finally {
    await producer.disconnect();
  }
  return result;
}
