import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { encodeEvent, type TopicDefinition } from '@seller-bridge/contracts';
import { DeadLetterHeader } from '../src/consumer/dead-letter';
import { TopicConsumer } from '../src/consumer/topic-consumer';
import { PermanentError, TransientError } from '../src/errors/backbone-errors';
import {
  createTestDatabase,
  createTopics,
  readTopic,
  testKafka,
  uniqueTestTopic,
  waitFor,
  type TestDatabase,
  type TestEvent,
} from '../src/testing';
import { Harness } from './harness';

describe(TopicConsumer.name, () => {
  const kafka = testKafka('consumer-spec');
  let db: TestDatabase;
  let h: Harness;
  let raw: Producer;

  beforeAll(async () => {
    db = await createTestDatabase('consumer');
    await db.dataSource.query(
      `CREATE TABLE effects (event_id uuid NOT NULL, topic text NOT NULL, seq int NOT NULL)`,
    );
  });
  beforeEach(async () => {
    h = new Harness(kafka, db.dataSource, db.url);
    raw = await h.producer();
  });
  afterEach(async () => h.close());
  afterAll(async () => db.drop());

  async function topicWithDlq(partitions = 1): Promise<TopicDefinition<TestEvent>> {
    const t = uniqueTestTopic();
    await createTopics(kafka, [t.name], partitions);
    await createTopics(kafka, [`${t.name}.dlq`], 1);
    return t;
  }

  function valid(topic: TopicDefinition<TestEvent>, seq: number, eventId?: string) {
    const e = encodeEvent(topic, { key: 'k', seq }, { marketplace: 'test-mp', eventId });
    return { key: e.key, value: e.value, headers: e.headers, eventId: e.envelope.eventId };
  }

  const withoutEventId = (headers: Record<string, string>) => {
    const { ['event-id']: _gone, ...rest } = headers;
    return rest;
  };

  const recordEffect =
    (topic: string) =>
    async (
      event: { eventId: string; payload: TestEvent },
      ctx: { manager: { query: (sql: string, params: unknown[]) => Promise<unknown> } },
    ) => {
      await ctx.manager.query(`INSERT INTO effects (event_id, topic, seq) VALUES ($1, $2, $3)`, [
        event.eventId,
        topic,
        event.payload.seq,
      ]);
    };
  const effects = async (topic: string): Promise<{ event_id: string; seq: number }[]> =>
    db.dataSource.query(`SELECT event_id, seq FROM effects WHERE topic = $1 ORDER BY seq`, [topic]);

  it('dead-letters poison messages with their reason and keeps the partition flowing', async () => {
    const topic = await topicWithDlq(1);
    const good1 = valid(topic, 1);
    const badPayload = valid(topic, 2);
    const good2 = valid(topic, 3);
    await raw.send({
      topic: topic.name,
      messages: [
        { key: good1.key, value: good1.value, headers: good1.headers },
        { key: 'k', value: '{"key": "k", "seq": ', headers: valid(topic, 9).headers }, // invalid JSON
        { key: 'k', value: JSON.stringify({ key: 'k', seq: 'two' }), headers: badPayload.headers }, // invalid payload
        { key: 'k', value: good1.value, headers: withoutEventId(good1.headers) }, // no event id
        { key: good2.key, value: good2.value, headers: good2.headers },
      ],
    });
    await h.consumer<TestEvent>(topic, recordEffect(topic.name));
    expect(await waitFor(async () => (await effects(topic.name)).length === 2, 20000)).toBe(true);
    expect((await effects(topic.name)).map((e) => e.seq)).toEqual([1, 3]);

    const dlq = await readTopic(kafka, `${topic.name}.dlq`, { count: 3, timeoutMs: 15000 });
    expect(dlq.map((m) => m.headers[DeadLetterHeader.code])).toEqual([
      'INVALID_JSON',
      'INVALID_PAYLOAD',
      'MISSING_HEADER',
    ]);
    expect(dlq[0].value).toBe('{"key": "k", "seq": '); // the original bytes, for replay
    expect(dlq[1].headers[DeadLetterHeader.reason]).toMatch(/seq/);
    expect(dlq[1].headers[DeadLetterHeader.originalTopic]).toBe(topic.name);
    expect(dlq[1].headers[DeadLetterHeader.originalOffset]).toBe('2');
    expect(dlq[1].headers[DeadLetterHeader.consumerGroup]).toBe(`test.${topic.name}`);
    expect(dlq[1].headers['event-id']).toBe(badPayload.eventId); // original headers kept
    expect(
      await h.metricValue('backbone_messages_dead_lettered_total', {
        topic: topic.name,
        code: 'INVALID_JSON',
      }),
    ).toBe(1);
  });

  it('retries a transient failure with back-off and applies the effect once', async () => {
    const topic = await topicWithDlq();
    const m = valid(topic, 7);
    let calls = 0;
    await h.consumer<TestEvent>(topic, async (event, ctx) => {
      calls++;
      // The effect is written before the failure: the rollback must undo it, or it would be applied 3 times.
      await recordEffect(topic.name)(event, ctx);
      if (calls <= 2) throw new TransientError('ERP_UNAVAILABLE', 'back office answered 503');
    });
    await raw.send({ topic: topic.name, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
    expect(await waitFor(async () => (await effects(topic.name)).length === 1, 20000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(calls).toBe(3);
    expect(await effects(topic.name)).toEqual([{ event_id: m.eventId, seq: 7 }]);
    expect(
      await h.metricValue('backbone_handler_retries_total', { topic: topic.name, code: 'ERP_UNAVAILABLE' }),
    ).toBe(2);
    expect(await h.metricValue('backbone_messages_dead_lettered_total', { topic: topic.name })).toBe(0);
  });

  it('dead-letters after the last attempt, and at once on a permanent error', async () => {
    const topic = await topicWithDlq();
    const transient = valid(topic, 1);
    const permanent = valid(topic, 2);
    const attempts = new Map<number, number>();
    await h.consumer<TestEvent>(
      topic,
      async (event) => {
        attempts.set(event.payload.seq, (attempts.get(event.payload.seq) ?? 0) + 1);
        if (event.payload.seq === 1) throw new TransientError('MIRAKL_5XX', 'Mirakl answered 502');
        throw new PermanentError('UNKNOWN_SKU', 'SKU-404 is not in the product master');
      },
      { maxAttempts: 3 },
    );
    await raw.send({
      topic: topic.name,
      messages: [transient, permanent].map((x) => ({ key: x.key, value: x.value, headers: x.headers })),
    });
    const dlq = await readTopic(kafka, `${topic.name}.dlq`, { count: 2, timeoutMs: 20000 });
    expect(dlq.map((d) => [d.headers[DeadLetterHeader.code], d.headers[DeadLetterHeader.attempts]])).toEqual([
      ['MIRAKL_5XX', '3'],
      ['UNKNOWN_SKU', '1'],
    ]);
    expect(dlq[1].headers[DeadLetterHeader.reason]).toBe('SKU-404 is not in the product master');
    expect(Object.fromEntries(attempts)).toEqual({ 1: 3, 2: 1 });
  });

  it('handles a batch in one transaction; a failure inside it falls back to one by one, each effect once, in order', async () => {
    const topic = await topicWithDlq(1);
    const ms = Array.from({ length: 10 }, (_, i) => valid(topic, i + 1));
    const copyOf3 = ms[2]; // redelivered inside the same batch
    await raw.send({
      topic: topic.name,
      messages: [...ms.slice(0, 3), copyOf3, ...ms.slice(3)].map((x) => ({
        key: x.key,
        value: x.value,
        headers: x.headers,
      })),
    });
    const calls = new Map<number, number>();
    await h.consumer<TestEvent>(topic, async (event, ctx) => {
      const n = (calls.get(event.payload.seq) ?? 0) + 1;
      calls.set(event.payload.seq, n);
      await recordEffect(topic.name)(event, ctx);
      if (event.payload.seq === 6 && n === 1)
        throw new TransientError('ERP_TIMEOUT', 'back office timed out');
    });
    expect(await waitFor(async () => (await effects(topic.name)).length >= 10, 20000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const rows = await db.dataSource.query(`SELECT seq FROM effects WHERE topic = $1 ORDER BY ctid`, [
      topic.name,
    ]);
    expect(rows.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // committed in offset order
    expect(calls.get(6)).toBe(2); // its chunk attempt counted as attempt 1
    expect(calls.get(10)).toBe(1); // after the failure: never ran in the rolled-back chunk
    expect(
      await h.metricValue('backbone_messages_consumed_total', { topic: topic.name, outcome: 'handled' }),
    ).toBe(10);
    expect(
      await h.metricValue('backbone_messages_consumed_total', { topic: topic.name, outcome: 'duplicate' }),
    ).toBe(1);
    expect(
      await h.metricValue('backbone_handler_retries_total', { topic: topic.name, code: 'ERP_TIMEOUT' }),
    ).toBe(1);
  });

  it('gives a batch handler the new events of a chunk at once, and each event alone after the chunk fails', async () => {
    const topic = await topicWithDlq(1);
    const ms = Array.from({ length: 6 }, (_, i) => valid(topic, i + 1));
    await raw.send({
      topic: topic.name,
      messages: [...ms, ms[1]].map((x) => ({ key: x.key, value: x.value, headers: x.headers })),
    });
    const calls: number[][] = [];
    await h.consumer<TestEvent>(topic, {
      batch: async (events, ctx) => {
        calls.push(events.map((e) => e.payload.seq));
        for (const e of events) {
          await ctx.manager.query(`INSERT INTO effects (event_id, topic, seq) VALUES ($1, $2, $3)`, [
            e.eventId,
            topic.name,
            e.payload.seq,
          ]);
        }
        if (events.length > 1) throw new TransientError('ERP_TIMEOUT', 'back office timed out');
        if (events[0].payload.seq === 4) throw new PermanentError('UNKNOWN_SKU', 'SKU of line 4 is unknown');
      },
    });
    const dlq = await readTopic(kafka, `${topic.name}.dlq`, { count: 1, timeoutMs: 20000 });
    expect(await waitFor(async () => (await effects(topic.name)).length === 5, 20000)).toBe(true);
    expect((await effects(topic.name)).map((e) => e.seq)).toEqual([1, 2, 3, 5, 6]); // each once, 4 dead-lettered
    expect(calls[0]).toEqual([1, 2, 3, 4, 5, 6]); // one call for the chunk, the copy of 2 left out
    expect(calls.slice(1)).toEqual([[1], [2], [3], [4], [5], [6]]);
    expect(dlq[0].headers[DeadLetterHeader.code]).toBe('UNKNOWN_SKU');
    expect(
      await h.metricValue('backbone_messages_consumed_total', { topic: topic.name, outcome: 'duplicate' }),
    ).toBe(1);
  });

  it('handles events whose ids a producer wrote in upper case, in a chunk as alone', async () => {
    const topic = await topicWithDlq(1);
    const ms = [1, 2, 3].map((seq) => valid(topic, seq, randomUUID().toUpperCase()));
    await raw.send({
      topic: topic.name,
      messages: ms.map((x) => ({ key: x.key, value: x.value, headers: x.headers })),
    });
    await h.consumer<TestEvent>(topic, recordEffect(topic.name));
    expect(await waitFor(async () => (await effects(topic.name)).length === 3, 20000)).toBe(true);
    await raw.send({
      topic: topic.name,
      messages: [ms[0]].map((x) => ({ key: x.key, value: x.value, headers: x.headers })),
    });
    expect(
      await h.waitForMetric(
        'backbone_messages_consumed_total',
        { topic: topic.name, outcome: 'duplicate' },
        1,
      ),
    ).toBe(true);
    expect((await effects(topic.name)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('handles an event delivered twice only once', async () => {
    const topic = await topicWithDlq(3);
    const m = valid(topic, 5);
    await h.consumer<TestEvent>(topic, recordEffect(topic.name));
    for (let i = 0; i < 3; i++)
      await raw.send({ topic: topic.name, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
    expect(
      await h.waitForMetric(
        'backbone_messages_consumed_total',
        { topic: topic.name, outcome: 'duplicate' },
        2,
      ),
    ).toBe(true);
    expect(await effects(topic.name)).toHaveLength(1);
  });

  it('does not let a slow topic stall another', async () => {
    const slow = await topicWithDlq();
    const fast = await topicWithDlq();
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    let slowStarted = false;
    await h.consumer<TestEvent>(slow, async () => {
      slowStarted = true;
      await blocked;
    });
    await h.consumer<TestEvent>(fast, recordEffect(fast.name));
    const s = valid(slow, 1);
    await raw.send({ topic: slow.name, messages: [{ key: s.key, value: s.value, headers: s.headers }] });
    expect(await waitFor(() => slowStarted, 15000)).toBe(true);
    const fastMessages = [1, 2, 3].map((i) => valid(fast, i));
    await raw.send({
      topic: fast.name,
      messages: fastMessages.map((x) => ({ key: x.key, value: x.value, headers: x.headers })),
    });
    expect(await waitFor(async () => (await effects(fast.name)).length === 3, 15000)).toBe(true);
    expect(slowStarted).toBe(true);
    release();
  });
});
