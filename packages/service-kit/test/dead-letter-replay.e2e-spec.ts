import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { encodeEvent } from '@seller-bridge/contracts';
import { replayDeadLetters } from '../src/consumer/dead-letter-replay';
import { PermanentError } from '../src/errors/backbone-errors';
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

describe('dead-letter replay', () => {
  const kafka = testKafka('dlq-replay-spec');
  let db: TestDatabase;
  let h: Harness;
  let raw: Producer;

  beforeAll(async () => {
    db = await createTestDatabase('dlq_replay');
    await db.dataSource.query(`CREATE TABLE effects (event_id uuid NOT NULL, seq int NOT NULL)`);
  });
  beforeEach(async () => {
    h = new Harness(kafka, db.dataSource, db.url);
    raw = await h.producer();
  });
  afterEach(async () => h.close());
  afterAll(async () => db.drop());

  it('replays a dead letter once its cause is fixed: handled once, a second replay is a duplicate', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name], 3);
    await createTopics(kafka, [`${topic.name}.dlq`], 1);
    const ok = encodeEvent(topic, { key: 'k1', seq: 1 }, { marketplace: 'test-mp' });
    const unknownSku = encodeEvent(topic, { key: 'k2', seq: 2 }, { marketplace: 'test-mp' });
    const badPayload = encodeEvent(topic, { key: 'k3', seq: 3 }, { marketplace: 'test-mp' });
    let skuExists = false;
    await h.consumer<TestEvent>(topic, async (event, ctx) => {
      if (event.payload.seq === 2 && !skuExists)
        throw new PermanentError('UNKNOWN_SKU', 'SKU k2 is not in the product master');
      await ctx.manager.query(`INSERT INTO effects (event_id, seq) VALUES ($1, $2)`, [
        event.eventId,
        event.payload.seq,
      ]);
    });
    await raw.send({
      topic: topic.name,
      messages: [
        { key: ok.key, value: ok.value, headers: ok.headers },
        { key: unknownSku.key, value: unknownSku.value, headers: unknownSku.headers },
        {
          key: badPayload.key,
          value: JSON.stringify({ key: 'k3', seq: 'three' }),
          headers: badPayload.headers,
        },
      ],
    });
    await readTopic(kafka, `${topic.name}.dlq`, { count: 2, timeoutMs: 20000 });
    const effects = async () =>
      (await db.dataSource.query(`SELECT seq FROM effects WHERE event_id = ANY($1::uuid[]) ORDER BY seq`, [
        [ok, unknownSku, badPayload].map((e) => e.envelope.eventId),
      ])) as { seq: number }[];
    expect(await effects()).toEqual([{ seq: 1 }]);

    // A dry run reports and sends nothing; the contract failure is not replayable as it is.
    const dry = await replayDeadLetters(kafka, `${topic.name}.dlq`, { select: 'all', dryRun: true });
    expect(dry.read).toBe(2);
    expect(dry.replayed.map((e) => [e.eventId, e.code, e.attempts, e.originalTopic])).toEqual([
      [unknownSku.envelope.eventId, 'UNKNOWN_SKU', 1, topic.name],
    ]);
    expect(dry.skipped.map((s) => s.entry.code)).toEqual(['INVALID_PAYLOAD']);

    skuExists = true; // the cause is fixed
    const first = await replayDeadLetters(kafka, `${topic.name}.dlq`, {
      select: [unknownSku.envelope.eventId.toUpperCase()],
    });
    expect(first.replayed).toHaveLength(1);
    expect(await waitFor(async () => (await effects()).length === 2, 20000)).toBe(true);
    expect(await effects()).toEqual([{ seq: 1 }, { seq: 2 }]);

    await replayDeadLetters(kafka, `${topic.name}.dlq`, { select: [unknownSku.envelope.eventId] });
    expect(
      await h.waitForMetric(
        'backbone_messages_consumed_total',
        { topic: topic.name, outcome: 'duplicate' },
        1,
      ),
    ).toBe(true);
    expect(await effects()).toEqual([{ seq: 1 }, { seq: 2 }]);
    // The replay went to the original partition (the relay's partitioner), with no dlq-* header.
    const all = await readTopic(kafka, topic.name, { count: 5, timeoutMs: 10000 });
    const copies = all.filter((m) => m.headers['event-id'] === unknownSku.envelope.eventId);
    expect(copies).toHaveLength(3);
    expect(new Set(copies.map((m) => m.partition)).size).toBe(1);
    expect(Object.keys(copies[2].headers).filter((k) => k.startsWith('dlq-'))).toEqual([]);
  });

  it('has a command line that lists a dead-letter topic and refuses bad usage', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name, `${topic.name}.dlq`], 1);
    const e = encodeEvent(topic, { key: 'k', seq: 1 }, { marketplace: 'test-mp' });
    await h.consumer<TestEvent>(topic, async () => {
      throw new PermanentError('UNMAPPED_CARRIER', 'carrier "DPD Next Day" has no code on test-mp');
    });
    await raw.send({ topic: topic.name, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
    await readTopic(kafka, `${topic.name}.dlq`, { count: 1, timeoutMs: 20000 });

    const cli = join(__dirname, '../dist/cli/dlq-replay.cli.js');
    const env = { ...process.env, KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092' };
    const list = spawnSync(process.execPath, [cli, `${topic.name}.dlq`, '--list'], { env, encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(e.envelope.eventId);
    expect(list.stdout).toContain('UNMAPPED_CARRIER');
    expect(list.stdout).toContain('1 message(s)');

    const missing = spawnSync(
      process.execPath,
      [cli, `${topic.name}.dlq`, '00000000-0000-4000-8000-000000000000', '--dry-run'],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain('not found: 00000000-0000-4000-8000-000000000000');

    const usage = spawnSync(process.execPath, [cli, topic.name, '--all'], { env, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: dlq-replay');
  });
});
