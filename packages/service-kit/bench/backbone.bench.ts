/**
 * Benchmark `backbone`: events/s and latency from outbox commit to consumer commit (outbox → relay → Kafka →
 * consumer with inbox → commit), with the same machine's raw ceilings measured in the same run: Kafka's own
 * producer throughput (ProducerPerformance, acks=all) and kafkajs' raw producer throughput, and PostgreSQL's
 * commit rate (pgbench, one-row insert transactions), and what the writers alone put into the outbox with
 * nothing else running. Each run also prints the CPU it used per delivered event (node, PostgreSQL and Kafka,
 * from /proc): with two cores, 2,000,000 µs per second divided by that is the most the machine can deliver.
 * Prints the figures and appends them to docs/benchmarks.md.
 *
 * Runs each BENCH_RUNS entry (rate:handler) for BENCH_SECONDS, then once more with the consumer held back to show what each
 * half (writers + relay, consumer) does alone. Needs Kafka and PostgreSQL up (`bash infra/up.sh`).
 *
 *   pnpm bench:backbone        (defaults: 5,000, 3,000 and 1,500 events/s with a per-event handler, 5,000 and
 *                               3,000 with a batch handler, 30 s each, 5 events per transaction,
 *                               16 writers, 6 partitions; about 7 minutes)
 *   BENCH_RUNS=8000:batch,8000:event BENCH_SECONDS=20 BENCH_EVENTS_PER_TX=1 BENCH_WRITERS=32 pnpm bench:backbone
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import {
  cpuSeconds,
  fmt,
  kafkaProducerPerformance,
  kafkajsRawThroughput,
  pgbenchCommitRate,
  recordBenchmark,
} from '../src/bench';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { TopicDefinition } from '@seller-bridge/contracts';
import { SystemClock } from '../src/clock/clock';
import { TopicConsumer } from '../src/consumer/topic-consumer';
import { createServiceDataSource } from '../src/database/data-source';
import { createProducer } from '../src/kafka/kafka.factory';
import { BackboneMetrics } from '../src/metrics/backbone-metrics';
import { OutboxRelay } from '../src/outbox/outbox.relay';
import { OutboxWriter } from '../src/outbox/outbox.writer';
import {
  createTestDatabase,
  createTopics,
  testKafka,
  testLogger,
  uniqueTestTopic,
  type TestEvent,
} from '../src/testing';

const ROOT = join(__dirname, '../../../..');
const env = (k: string, d: number) => Number(process.env[k] ?? d);
type HandlerMode = 'event' | 'batch';
/**
 * Runs: offered rate (events/s) and consumer handler. `event`: one INSERT per event (a handler written the
 * plain way); `batch`: one INSERT per chunk (a `{ batch }` handler). Target rate first, then lower rates to
 * find where latency holds.
 */
const RUNS = (process.env.BENCH_RUNS ?? '5000:event,3000:event,1500:event,5000:batch,3000:batch')
  .split(',')
  .map((r) => {
    const [rate, handler = 'event'] = r.split(':');
    return { rate: Number(rate), handler: handler as HandlerMode };
  });
const TARGET_RATE = 5000;
const SECONDS = env('BENCH_SECONDS', 30);
const PER_TX = env('BENCH_EVENTS_PER_TX', 5);
const WRITERS = env('BENCH_WRITERS', 16);
const PARTITIONS = env('BENCH_PARTITIONS', 6);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const log = (s: string) => process.stdout.write(`${s}\n`);

/** One writer transaction, number `tx`: PER_TX events of rotating order keys; returns their ids. */
function writeTransaction(
  appDb: DataSource,
  writer: OutboxWriter,
  topic: TopicDefinition<TestEvent>,
  tx: number,
): Promise<string[]> {
  return appDb.transaction((m) =>
    writer.emitMany(
      m,
      Array.from({ length: PER_TX }, (_, i) => ({
        topic,
        payload: { key: `order-${(tx * PER_TX + i) % 5000}`, seq: tx * PER_TX + i },
      })),
    ),
  );
}

interface PipelineResult {
  cpu: string;
  produced: number;
  consumed: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  backlogMax: number;
  offered: number;
  /** Decomposition run only: each half alone. */
  alone?: { writersAndRelay: number; consumer: number };
}

/**
 * One run at `rate` events/s for SECONDS. With `decompose`, the consumer starts only after the writers and
 * the relay are done, so each half's own throughput shows (latency figures are then meaningless).
 */
async function pipeline(RATE: number, mode: HandlerMode, decompose = false): Promise<PipelineResult> {
  const db = await createTestDatabase('bench', [], []);
  // The writers stand for the application's own request load: a pool of their own, as separate service
  // instances would have, so they do not starve the relay and consumer of connections.
  const appDb = createServiceDataSource({ url: db.url, poolSize: WRITERS });
  await appDb.initialize();
  await db.dataSource.query(`CREATE TABLE effects (event_id uuid PRIMARY KEY, k text NOT NULL)`);
  const kafka = testKafka('bench');
  const topic = uniqueTestTopic('bench');
  await createTopics(kafka, [topic.name], PARTITIONS);
  await createTopics(kafka, [`${topic.name}.dlq`], 1);
  const metrics = new BackboneMetrics(new Registry(), 'bench');
  const logger = testLogger();
  const clock = new SystemClock();
  const writer = new OutboxWriter(clock);
  const relayProducer = createProducer(kafka);
  await relayProducer.connect();
  const relay = new OutboxRelay(db.dataSource, relayProducer, metrics, logger, {
    batchSize: 1000,
    pollMs: 20,
  });
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let consumed = 0;
  let lastConsumedAt = 0;
  const dlqProducer = createProducer(kafka);
  await dlqProducer.connect();
  const consumer = new TopicConsumer<TestEvent>(
    { kafka, producer: dlqProducer, dataSource: db.dataSource, metrics, logger, clock },
    topic,
    mode === 'event'
      ? async (event, ctx) => {
          await ctx.manager.query(`INSERT INTO effects (event_id, k) VALUES ($1, $2)`, [
            event.eventId,
            event.payload.key,
          ]);
        }
      : {
          batch: async (events, ctx) => {
            await ctx.manager.query(
              `INSERT INTO effects (event_id, k) SELECT * FROM unnest($1::uuid[], $2::text[])`,
              [events.map((e) => e.eventId), events.map((e) => e.payload.key)],
            );
          },
        },
    {
      service: 'bench',
      maxAttempts: 3,
      retryBaseMs: 50,
      retryMaxMs: 500,
      partitionsConsumedConcurrently: PARTITIONS,
      onSettled: (outcome, event) => {
        if (outcome !== 'handled' || !event) return;
        const t = performance.now();
        const c = committedAt.get(event.eventId);
        if (c !== undefined) latencies.push(t - c);
        consumed++;
        lastConsumedAt = t;
      },
    },
  );
  const preload = decompose;
  let alone: PipelineResult['alone'];
  if (!preload) await consumer.start();
  await relay.start();
  relay.wakeOnCommitsOf(appDb); // the writers' pool is in this process too
  await new Promise((r) => setTimeout(r, 2000)); // let the group settle

  const total = RATE * SECONDS;
  const txTotal = Math.ceil(total / PER_TX);
  const txInterval = 1000 / (RATE / PER_TX); // ms between transactions, over all writers
  let nextTx = 0;
  let produced = 0;
  let backlogMax = 0;
  const sampler = setInterval(async () => {
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM backbone_outbox WHERE published_at IS NULL AND seq IS NOT NULL`,
    );
    backlogMax = Math.max(backlogMax, n);
  }, 1000);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (;;) {
        const tx = nextTx++;
        if (tx >= txTotal) return;
        const due = t0 + tx * txInterval;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const ids = await writeTransaction(appDb, writer, topic, tx);
        const at = performance.now();
        for (const id of ids) committedAt.set(id, at);
        produced += ids.length;
      }
    }),
  );
  const writeSeconds = (performance.now() - t0) / 1000;
  if (preload) {
    while (
      (
        await db.dataSource.query(
          `SELECT count(*)::int AS n FROM backbone_outbox WHERE published_at IS NULL AND seq IS NOT NULL`,
        )
      )[0].n > 0
    )
      await new Promise((r) => setTimeout(r, 100));
    const writersAndRelay = produced / ((performance.now() - t0) / 1000);
    const c0 = performance.now();
    await consumer.start();
    while (consumed < produced && performance.now() < c0 + 300_000)
      await new Promise((r) => setTimeout(r, 50));
    alone = { writersAndRelay, consumer: produced / ((performance.now() - c0) / 1000) };
  }
  const deadline = Date.now() + 120_000;
  while (consumed < produced && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  clearInterval(sampler);
  const seconds = (lastConsumedAt - t0) / 1000;
  const cpu1 = cpuSeconds();
  const share = (k: keyof typeof cpu0) => `${Math.round(((cpu1[k] - cpu0[k]) / seconds) * 100)}%`;
  const perEvent = (k: keyof typeof cpu0) => (cpu1[k] - cpu0[k]) / consumed;
  const usPerEvent = Math.round((perEvent('node') + perEvent('postgres') + perEvent('kafka')) * 1e6);
  const cpu = `node (writers, relay, consumer) ${share('node')}, PostgreSQL ${share('postgres')}, Kafka ${share('kafka')} of one core; ${fmt(usPerEvent)} µs of CPU per event`;
  await consumer.stop();
  await relay.stop();
  await relayProducer.disconnect();
  await dlqProducer.disconnect();
  const [{ n: effects }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM effects`);
  await appDb.destroy();
  await db.drop();
  if (effects !== produced)
    throw new Error(`effects ${effects} != produced ${produced}: events lost or doubled`);
  latencies.sort((a, b) => a - b);
  return {
    alone,
    offered: produced / writeSeconds,
    cpu,
    produced,
    consumed,
    seconds,
    rate: consumed / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies[latencies.length - 1],
    backlogMax,
  };
}

/**
 * The writers alone, as fast as they go (no relay, no consumer): how many events/s this machine can put into
 * the outbox at all, 5 per transaction, while nothing else runs. The pipeline cannot deliver more than this.
 */
async function writersAlone(): Promise<{ rate: number; cpu: string }> {
  const db = await createTestDatabase('bench', [], []);
  const appDb = createServiceDataSource({ url: db.url, poolSize: WRITERS });
  await appDb.initialize();
  const topic = uniqueTestTopic('bench');
  const writer = new OutboxWriter(new SystemClock());
  let produced = 0;
  let tx = 0;
  const seconds = Math.min(SECONDS, 15);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < until) {
        const ids = await writeTransaction(appDb, writer, topic, tx++);
        produced += ids.length; // after the await: `produced += await …` would read it before
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds();
  const share = (k: keyof typeof cpu0) => `${Math.round(((cpu1[k] - cpu0[k]) / elapsed) * 100)}%`;
  await appDb.destroy();
  await db.drop();
  return {
    rate: produced / elapsed,
    cpu: `node ${share('node')}, PostgreSQL ${share('postgres')} of one core`,
  };
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const cpu = cpus()[0]?.model ?? 'unknown';
  const pgVersion = execFileSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-Atc', 'show server_version'],
    { encoding: 'utf8' },
  )
    .trim()
    .split(' ')[0];
  const machine = `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka 3.9.2 single-node KRaft, PostgreSQL ${pgVersion}`;
  log(`backbone benchmark, ${date} UTC, ${machine}`);
  log('ceilings of this machine, same run:');
  const kafkaJava = await kafkaProducerPerformance(ROOT, PARTITIONS);
  log(`  Kafka ProducerPerformance: ${kafkaJava}`);
  const kjs = await kafkajsRawThroughput(PARTITIONS);
  log(`  kafkajs raw producer: ${fmt(kjs)} messages/s (400 B, acks=all, idempotent, batches of 500)`);
  const pg = pgbenchCommitRate();
  log(`  PostgreSQL: ${pg}`);
  const alone = await writersAlone();
  log(
    `  the writers alone (${WRITERS}, ${PER_TX} events per transaction, nothing else running): ${fmt(alone.rate)} events/s into the outbox; CPU ${alone.cpu}`,
  );
  log(
    `pipeline: outbox commit -> relay -> Kafka -> consumer (inbox + one effect row per event) commit; ${SECONDS} s per run, ${PER_TX} events per transaction, ${WRITERS} writers, ${PARTITIONS} partitions`,
  );
  const rows: string[] = [];
  let targetMet = false;
  for (const { rate, handler } of RUNS) {
    const r = await pipeline(rate, handler);
    const met = r.rate >= 0.98 * TARGET_RATE && r.p99 < 250;
    if (rate >= TARGET_RATE) targetMet ||= met;
    const line = `${handler} handler, offered ${fmt(rate)}/s (writers managed ${fmt(r.offered)}/s): delivered ${fmt(r.consumed)} of ${fmt(r.produced)} (each effect once) at ${fmt(r.rate)}/s; commit → consumer commit p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms; outbox backlog peak ${fmt(r.backlogMax)}; CPU ${r.cpu}`;
    log(`  ${line}`);
    rows.push(
      `| ${handler} | ${fmt(rate)} | ${fmt(r.offered)} | ${fmt(r.rate)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${fmt(r.backlogMax)} | ${r.cpu} |`,
    );
  }
  const d = await pipeline(TARGET_RATE, 'event', true);
  const decomposition = `(event handler) writers + relay alone ${fmt(d.alone?.writersAndRelay ?? 0)} events/s (offered ${fmt(TARGET_RATE)}); consumer alone, draining the ${fmt(d.produced)} events they left, ${fmt(d.alone?.consumer ?? 0)} events/s`;
  log(`  each half alone: ${decomposition}`);
  log(`  target (>= 5,000 events/s sustained with p99 < 250 ms): ${targetMet ? 'met' : 'NOT met'}`);
  recordBenchmark(
    join(ROOT, 'docs/benchmarks.md'),
    'backbone',
    'Outbox commit → relay → Kafka → consumer commit (inbox + one effect row), script `pnpm bench:backbone` (packages/service-kit/bench/backbone.bench.ts).',
    `### ${date} UTC — ${SECONDS} s per rate, ${PER_TX} events/transaction, ${WRITERS} writers, ${PARTITIONS} partitions\n\n` +
      `Machine: ${machine}\n\n` +
      `Ceilings, same run: Kafka ProducerPerformance ${kafkaJava}; kafkajs raw producer ${fmt(kjs)} messages/s; PostgreSQL ${pg}; the writers alone put ${fmt(alone.rate)} events/s into the outbox (${WRITERS} writers, ${PER_TX} per transaction, nothing else running; CPU ${alone.cpu}).\n\n` +
      `| consumer handler | offered events/s | writers managed | delivered events/s | p50 ms | p99 ms | max ms | outbox backlog peak | CPU (of one core) |\n|---|---|---|---|---|---|---|---|---|\n` +
      `${rows.join('\n')}\n\n` +
      `Each half alone: ${decomposition}.\n\n` +
      `Target ≥ 5,000 events/s sustained with p99 < 250 ms: **${targetMet ? 'met' : 'not met'}**.\n`,
  );
  log('recorded in docs/benchmarks.md');
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
