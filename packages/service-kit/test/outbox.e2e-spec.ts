import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { laneOf } from '../src/outbox/outbox-lane';
import { OutboxRelay } from '../src/outbox/outbox.relay';
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

describe(OutboxRelay.name, () => {
  const kafka = testKafka('outbox-spec');
  let db: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    db = await createTestDatabase('outbox');
    await db.dataSource.query(
      `CREATE TABLE effects (event_id uuid PRIMARY KEY, key text NOT NULL, seq int NOT NULL)`,
    );
    await db.dataSource.query(`CREATE TABLE counters (key text PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
  });
  beforeEach(() => {
    h = new Harness(kafka, db.dataSource, db.url);
  });
  afterEach(async () => h.close());
  afterAll(async () => db.drop());

  const emit = (m: EntityManager, topic: ReturnType<typeof uniqueTestTopic>, e: TestEvent) =>
    h.writer.emit(m, topic, e, { marketplace: 'test-mp' });

  it('publishes nothing from a rolled-back transaction and exactly the events of a committed one', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name]);
    await expect(
      db.dataSource.transaction(async (m) => {
        await emit(m, topic, { key: 'a', seq: 1, note: 'rolled back' });
        await emit(m, topic, { key: 'b', seq: 2, note: 'rolled back' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const committed = await db.dataSource.transaction(async (m) => [
      await emit(m, topic, { key: 'a', seq: 3 }),
      await emit(m, topic, { key: 'c', seq: 4 }),
    ]);
    await h.relay();
    const msgs = await readTopic(kafka, topic.name, { count: 3, timeoutMs: 8000, settleMs: 1000 });
    expect(msgs.map((x) => x.headers['event-id']).sort()).toEqual([...committed].sort());
    expect(msgs.map((x) => JSON.parse(x.value!).note)).not.toContain('rolled back');
    const byId = new Map(msgs.map((x) => [x.headers['event-id'], x]));
    const first = byId.get(committed[0])!;
    expect(first.key).toBe('a');
    expect(first.headers).toMatchObject({
      'event-type': topic.type,
      'schema-version': '1',
      marketplace: 'test-mp',
      'content-type': 'application/json',
    });
    expect(JSON.parse(first.value!)).toEqual({ key: 'a', seq: 3 });
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM backbone_outbox WHERE published_at IS NULL`,
    );
    expect(n).toBe(0);
  });

  it('refuses to record an event outside a transaction or with an invalid payload', async () => {
    const topic = uniqueTestTopic();
    await expect(h.writer.emit(db.dataSource.manager, topic, { key: 'k', seq: 1 })).rejects.toThrow(
      /inside a transaction/,
    );
    await expect(
      db.dataSource.transaction((m) => emit(m, topic, { key: 'k', seq: -1 })),
    ).rejects.toMatchObject({ code: 'INVALID_EVENT_EMITTED' });
  });

  it('writes a transaction’s events at its commit, numbered in emit order, without those of a rolled-back savepoint', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name]);
    const rowsOf = (): Promise<{ message_key: string; seq: string | null }[]> =>
      db.dataSource.query(`SELECT message_key, seq FROM backbone_outbox WHERE topic = $1 ORDER BY seq`, [
        topic.name,
      ]);
    await db.dataSource.transaction(async (m) => {
      await emit(m, topic, { key: 'k1', seq: 1 });
      await m.transaction((inner) => emit(inner, topic, { key: 'k1', seq: 3 })); // released
      const rolledBack = (level: EntityManager) =>
        level
          .transaction(async (inner) => {
            await emit(inner, topic, { key: 'k2', seq: 2, note: 'rolled back' });
            throw new Error('savepoint rolled back');
          })
          .catch(() => undefined);
      await rolledBack(m); // a sibling savepoint rolled back after the released one: k1/3 stays
      await m.transaction(async (inner) => {
        await rolledBack(inner); // two levels down
        await emit(inner, topic, { key: 'k3', seq: 4 });
      });
      expect(await m.query(`SELECT 1 FROM backbone_outbox WHERE topic = $1`, [topic.name])).toEqual([]);
    });
    const rows = await rowsOf();
    expect(rows.map((r) => r.message_key)).toEqual(['k1', 'k1', 'k3']);
    expect(rows.every((r) => r.seq !== null)).toBe(true); // numbered as written, not by the trigger later
    await h.relay();
    const msgs = await readTopic(kafka, topic.name, { count: 3, timeoutMs: 8000, settleMs: 1000 });
    const seqsOf = (m: typeof msgs, key: string) =>
      m.filter((x) => x.key === key).map((x) => JSON.parse(x.value!).seq);
    expect([seqsOf(msgs, 'k1'), seqsOf(msgs, 'k2'), seqsOf(msgs, 'k3')]).toEqual([[1, 3], [], [4]]);

    // A row inserted any other way (no seq) is still numbered at its commit by the migration's trigger.
    await db.dataSource.query(
      `INSERT INTO backbone_outbox (event_id, lane, topic, message_key, headers, payload, occurred_at)
       SELECT gen_random_uuid(), lane, topic, message_key, headers, '{"key":"k1","seq":5}', now()
       FROM backbone_outbox WHERE topic = $1 ORDER BY seq LIMIT 1`,
      [topic.name],
    );
    expect((await rowsOf()).map((r) => r.seq !== null)).toEqual([true, true, true, true]);
    const all = await readTopic(kafka, topic.name, { count: 4, timeoutMs: 8000 });
    expect([seqsOf(all, 'k1'), seqsOf(all, 'k3')]).toEqual([[1, 3, 5], [4]]);
  });

  it('loses nothing when the relay is killed between publish and mark, and the duplicate has no second effect', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name, `${topic.name}.dlq`]);
    const ids = await db.dataSource.transaction(async (m) => {
      const out: string[] = [];
      for (let i = 0; i < 40; i++) out.push(await emit(m, topic, { key: `k${i % 7}`, seq: i }));
      return out;
    });
    // A real process, SIGKILLed by the hook right after Kafka acknowledged the batch and before the commit.
    const child = spawn(process.execPath, [join(__dirname, '../dist/testing/relay-crash.child.js')], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exit = await new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    expect(exit.signal).toBe('SIGKILL');
    const published = await readTopic(kafka, topic.name, { count: 40, timeoutMs: 10000 });
    expect(published).toHaveLength(40); // it did publish…
    const [{ n: pending }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM backbone_outbox WHERE published_at IS NULL`,
    );
    expect(pending).toBe(40); // …but never marked: the rows are still due

    await h.consumer<TestEvent>(topic, async (event, ctx) => {
      await ctx.manager.query(`INSERT INTO effects (event_id, key, seq) VALUES ($1, $2, $3)`, [
        event.eventId,
        event.payload.key,
        event.payload.seq,
      ]);
    });
    await h.relay();
    const all = await readTopic(kafka, topic.name, { count: 80, timeoutMs: 15000 });
    expect(all).toHaveLength(80); // every event went out twice
    expect(await h.waitForMetric('backbone_messages_consumed_total', { outcome: 'duplicate' }, 40)).toBe(
      true,
    );
    const effects: { event_id: string }[] = await db.dataSource.query(`SELECT event_id FROM effects`);
    expect(effects.map((e) => e.event_id).sort()).toEqual([...ids].sort()); // each effect exactly once
    expect(await h.metricValue('backbone_messages_consumed_total', { outcome: 'handled' })).toBe(40);
  });

  it('lets two relays run at once without waiting for each other or publishing a row twice', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name]);
    const relayA = await h.relay({ batchSize: 50 }, false);
    // A relay that holds every lane (as a slow relay would) does not make another one wait: it finds no lane.
    const blocker = db.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    await blocker.query(`SELECT lane FROM backbone_outbox_lane FOR UPDATE`);
    await db.dataSource.transaction((m) => emit(m, topic, { key: 'x', seq: 0 }));
    const t0 = Date.now();
    expect(await relayA.publishBatch()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);
    await blocker.rollbackTransaction();
    await blocker.release();

    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        (async () => {
          for (let b = 0; b < 25; b++) {
            ids.push(
              ...(await db.dataSource.transaction(async (m) => {
                const out: string[] = [];
                for (let i = 0; i < 10; i++)
                  out.push(await emit(m, topic, { key: `k${(w * 31 + b * 7 + i) % 13}`, seq: i }));
                return out;
              })),
            );
          }
        })(),
      ),
    );
    await Promise.all([relayA.start(), h.relay({ batchSize: 50 })]);
    const msgs = await readTopic(kafka, topic.name, { count: 1001, timeoutMs: 20000, settleMs: 1500 });
    const seen = msgs.map((x) => x.headers['event-id']);
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    expect(seen.length).toBe(1001);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM backbone_outbox WHERE published_at IS NULL`,
    );
    expect(n).toBe(0);
  });

  it('keeps per-key order with concurrent producers and two relays', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name]);
    const keys = Array.from({ length: 2 }, (_, i) => `order-${i}`);
    // Ground truth: the order in which the writers' transactions committed, per key. The counter is updated
    // after the event is recorded, so without per-key serialisation in the outbox the relay could publish
    // two events of a key in an order other than their commit order.
    await db.dataSource.query(`INSERT INTO counters (key) SELECT unnest($1::text[])`, [keys]);
    const commitOrder = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 6 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 40; i++) {
            const key = keys[Math.floor(Math.random() * keys.length)]; // writers collide on keys
            const [id, n] = await db.dataSource.transaction(async (m) => {
              const eventId = await emit(m, topic, { key, seq: w * 1000 + i });
              await m.query(`SELECT pg_sleep(random() * 0.02)`);
              const [{ n }] = await m.query(
                `WITH u AS (UPDATE counters SET n = n + 1 WHERE key = $1 RETURNING n) SELECT n FROM u`,
                [key],
              );
              return [eventId, n as number];
            });
            commitOrder.set(id, n);
          }
        })(),
      ),
    );
    // Relays start once every writer has committed, so they see all rows at once: any gap between the order
    // rows were inserted in and the order their transactions committed in would show.
    await Promise.all([h.relay({ batchSize: 20 }), h.relay({ batchSize: 20 })]);
    const msgs = await readTopic(kafka, topic.name, { count: 240, timeoutMs: 20000 });
    expect(msgs).toHaveLength(240);
    for (const key of keys) {
      const order = msgs.filter((m) => m.key === key).map((m) => commitOrder.get(m.headers['event-id'])!);
      expect(order.length).toBeGreaterThan(40);
      expect(order.every((n) => Number.isInteger(n))).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(new Set(msgs.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
    }
  });

  it('makes a commit wait only for commits of the same key, not of its whole lane', async () => {
    const topic = uniqueTestTopic();
    const a = 'order-a';
    const b = Array.from({ length: 1000 }, (_, i) => `order-b${i}`).find((k) => laneOf(k) === laneOf(a))!;
    await createTopics(kafka, [topic.name]);
    // Another transaction committing an event of key a holds a's lock until its commit ends.
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(2828, hashtext($1))`, [a]);
      let aCommitted = false;
      const commitA = db.dataSource
        .transaction((m) => emit(m, topic, { key: a, seq: 1 }))
        .then(() => (aCommitted = true));
      const started = Date.now();
      await db.dataSource.transaction((m) => emit(m, topic, { key: b, seq: 2 })); // same lane, other key
      expect(Date.now() - started).toBeLessThan(2000);
      await new Promise((r) => setTimeout(r, 300));
      expect(aCommitted).toBe(false); // a's commit waits for the other commit of a
      await holder.query('COMMIT');
      await commitA;
      const rows: { message_key: string; seq: string }[] = await db.dataSource.query(
        `SELECT message_key, seq FROM backbone_outbox WHERE topic = $1 ORDER BY seq`,
        [topic.name],
      );
      expect(rows.map((r) => r.message_key)).toEqual([b, a]); // seq follows commit order
    } finally {
      await holder.end();
    }
  });

  it('is woken at once by a commit through its data source, and polls for commits made elsewhere', async () => {
    const topic = uniqueTestTopic();
    await createTopics(kafka, [topic.name]);
    const slow = await h.relay({ pollMs: 60_000 }); // polling so slow that only the commit hook explains a prompt publish
    await waitFor(async () => (await slow.publishBatch()) === 0, 5000); // its first pass is done
    await db.dataSource.transaction((m) => emit(m, topic, { key: 'a', seq: 1 }));
    expect(await readTopic(kafka, topic.name, { count: 1, timeoutMs: 5000 })).toHaveLength(1);

    // A rolled-back transaction leaves nothing to publish and no wake-up behind.
    await db.dataSource
      .transaction(async (m) => {
        await emit(m, topic, { key: 'a', seq: 2 });
        throw new Error('roll back');
      })
      .catch(() => undefined);

    // A commit from elsewhere (another replica, another pool) is not seen by the hook: a relay finds it on its
    // next poll, and the slow one has not polled yet.
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO backbone_outbox (event_id, lane, topic, message_key, headers, payload, occurred_at)
         SELECT gen_random_uuid(), lane, topic, message_key, headers, '{"key":"b","seq":3}', now()
         FROM backbone_outbox WHERE topic = $1 LIMIT 1`,
        [topic.name],
      );
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(await readTopic(kafka, topic.name, { count: 2, timeoutMs: 1000 })).toHaveLength(1);
    await h.relay({ pollMs: 100 });
    // Both committed events, and not the rolled-back one.
    expect(await readTopic(kafka, topic.name, { count: 3, timeoutMs: 4000 })).toHaveLength(2);
  });
});
