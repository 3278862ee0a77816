import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { encodeEvent, Topics, type ShipmentConfirmed } from '@seller-bridge/contracts';
import { fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { MiraklClient } from '@seller-bridge/mirakl-client';
import { loadConfig } from '@seller-bridge/service-kit';
import {
  benchDate,
  cpuSeconds,
  fmt,
  machineLine,
  pgbenchCommitRate,
  recordBenchmark,
} from '@seller-bridge/service-kit/bench';
import {
  createTestDatabase,
  startConsumerGroupsAtEnd,
  testBrokers,
  testKafka,
  waitFor,
} from '@seller-bridge/service-kit/testing';
import { AppModule, FULFILMENT_CONSUMES } from '../src/app.module';
import { CarrierMappingService } from '../src/carrier-mapping/carrier-mapping.service';
import { FulfilmentBridgeConfig } from '../src/config/fulfilment-bridge.config';
import { FULFILMENT_ENTITIES, FULFILMENT_MIGRATIONS } from '../src/database/data-source';

/**
 * Shipments/s from a warehouse confirmation (published on `backoffice.shipment.confirmed.v1`) to SHIPPED on the
 * Mirakl sandbox (OR11 read, OR23 tracking, OR24 ship), and the latency of each: `pnpm bench` from the app.
 * Offers SHIPMENTS confirmations at RATE per second; the Mirakl sandbox runs in a child process (a real Mirakl
 * is another machine). Target (issue 6): at least 200 shipments/s with p99 under 1 s.
 *
 * Ceilings measured in the same run, before the service starts: PostgreSQL's commit rate (pgbench) and the
 * sandbox's own rate for the same two writes (OR23 then OR24 per order, 32 at a time from a bare Mirakl
 * client: no Kafka, no database). Prints the figures and records them in docs/benchmarks.md
 * (BENCH_NO_WRITE=1 to skip).
 *
 *   RATE=250 SHIPMENTS=4000 pnpm --filter @seller-bridge/fulfilment-bridge bench
 */
async function main(): Promise<void> {
  const total = Number(process.env.SHIPMENTS ?? 2000);
  const rate = Number(process.env.RATE ?? 250);
  const MP = 'decathlon-fr';
  const db = await createTestDatabase('fulfilment_bench', FULFILMENT_MIGRATIONS, FULFILMENT_ENTITIES);
  const CEILING = 1000;
  const mirakl = fork(join(__dirname, 'mirakl-sandbox.child.js'), {
    env: { ...process.env, SHIPMENTS: String(total), CEILING_ORDERS: String(CEILING) },
  });
  const ask = <T>(msg?: string) =>
    new Promise<T>((resolve) => {
      mirakl.once('message', (m) => resolve(m as T));
      if (msg) mirakl.send(msg);
    });
  type Placed = { id: string; lineId: string };
  const { base, orders, ceilingOrders } = await ask<{
    base: string;
    orders: Placed[];
    ceilingOrders: Placed[];
  }>();
  const pg = pgbenchCommitRate();
  const rawRate = await rawShipRate(base, MP, ceilingOrders);
  process.env.FB_BENCH_KEY = 'sandbox-key-decathlon-fr';
  const config = loadConfig(FulfilmentBridgeConfig, {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testBrokers().join(','),
    LOG_LEVEL: 'error',
    SERVICE_NAME: `fb-bench-${db.name.slice(-6)}`,
    BACKOFFICE_URL: 'http://127.0.0.1:9/api',
    BACKOFFICE_API_KEY: 'unused-bench-key',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    BACKOFFICE_FEED_ENABLED: 'false',
    WORKER_POLL_MS: '20',
    WORKER_CONCURRENCY: process.env.CONCURRENCY ?? '32',
    WORKER_LANES: process.env.LANES ?? '2',
    MARKETPLACES: JSON.stringify([
      { code: MP, baseUrl: `${base}/mp/${MP}`, apiKeyEnv: 'FB_BENCH_KEY', unlimitedCalls: true },
    ]),
  });

  await startConsumerGroupsAtEnd(
    testKafka('fb-bench-admin'),
    config.SERVICE_NAME,
    FULFILMENT_CONSUMES.map((t) => t.name),
  );
  const app = await NestFactory.create(AppModule.register(config), { logger: false });
  await app.init();
  await app.get(CarrierMappingService).put(MP, { warehouseCarrier: 'DPD Next Day', carrierCode: 'DPD' });
  const producer = testKafka('fb-bench').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const sentAt = new Map<string, number>();
  const cpuBefore = cpuSeconds();
  const started = Date.now();
  const batch = Math.max(1, Math.round(rate / 20));
  for (let i = 0; i < total; i += batch) {
    const due = started + (i / rate) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const events = orders.slice(i, i + batch).map((o, k) => {
      const s: ShipmentConfirmed = {
        marketplace: MP,
        orderId: o.id,
        shipmentId: `BENCH-${i + k}`,
        lines: [{ lineId: o.lineId, sku: 'x', quantity: 1 }],
        carrierName: 'DPD Next Day',
        trackingNumber: `T${i + k}`,
        shippedAt: new Date().toISOString(),
      };
      return encodeEvent(Topics.shipmentConfirmed, s, { marketplace: MP });
    });
    const now = Date.now();
    for (let k = 0; k < events.length; k++) sentAt.set(`BENCH-${i + k}`, now);
    await producer.send({
      topic: Topics.shipmentConfirmed.name,
      messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
    });
  }
  const sentAll = Date.now();
  const allShipped = await waitFor(
    async () => {
      const r = (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM fb_shipment WHERE state = 'shipped'`,
      )) as { n: number }[];
      return r[0].n === total;
    },
    600_000,
    200,
  );
  const rows = (await db.dataSource.query(
    `SELECT shipment_id, done_at FROM fb_shipment WHERE state = 'shipped'`,
  )) as {
    shipment_id: string;
    done_at: Date;
  }[];
  const latencies = rows
    .map((r) => new Date(r.done_at).getTime() - sentAt.get(r.shipment_id)!)
    .sort((a, b) => a - b);
  const lastDone = Math.max(...rows.map((r) => new Date(r.done_at).getTime()));
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const truth = await ask<{ shipped: number; trackingUpdates: number }>('report');
  const figures = {
    at: new Date().toISOString(),
    shipments: total,
    offeredPerSecond: rate,
    concurrency: config.WORKER_CONCURRENCY,
    lanes: config.WORKER_LANES,
    allShipped,
    shippedOnMirakl: truth.shipped,
    trackingUpdates: truth.trackingUpdates,
    sendSeconds: (sentAll - started) / 1000,
    shipmentsPerSecond: Math.round((rows.length / ((lastDone - started) / 1000)) * 10) / 10,
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1) },
    peakRssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
  const cpu = cpuSeconds();
  const seconds = (lastDone - started) / 1000;
  const met = figures.shipmentsPerSecond >= 200 && pct(99) < 1000 && allShipped;
  process.stdout.write(
    `${JSON.stringify({ ...figures, ceilings: { pg, rawShipRate: rawRate } }, null, 2)}\n`,
  );
  if (process.env.BENCH_NO_WRITE !== '1') {
    recordBenchmark(
      resolve(__dirname, '../../../../docs/benchmarks.md'),
      'fulfilment-bridge: warehouse confirmation → SHIPPED on Mirakl',
      'A `backoffice.shipment.confirmed.v1` event per order → fulfilment-bridge (carrier mapped, order read, OR23 tracking, OR24 ship, read-back before any retry) → SHIPPED on the Mirakl sandbox (own process, rate limits off). Script: `pnpm --filter @seller-bridge/fulfilment-bridge bench` (apps/fulfilment-bridge/bench/shipments.bench.ts). Target (issue 6): ≥ 200 shipments/s, p99 < 1 s.',
      [
        `### ${benchDate()} — ${fmt(total)} shipments offered at ${rate}/s`,
        '',
        `Machine: ${machineLine([`PostgreSQL and Kafka 3.9.2 on the same machine`])}. ${config.WORKER_LANES} lanes × ${config.WORKER_CONCURRENCY} in flight, worker poll ${config.WORKER_POLL_MS} ms.`,
        '',
        `Ceilings, same run: PostgreSQL ${pg}; the sandbox alone, OR23 + OR24 per order from a bare client (32 in flight, no Kafka, no database): ${fmt(rawRate)} orders shipped/s.`,
        '',
        '| measure | value |',
        '| --- | --- |',
        `| offered | ${fmt(total)} confirmations at ${rate}/s (sent in ${figures.sendSeconds.toFixed(1)} s) |`,
        `| shipped on the sandbox | ${fmt(truth.shipped - CEILING)} of ${fmt(total)} (the ceiling's ${fmt(CEILING)} orders apart); ${fmt(truth.trackingUpdates - CEILING)} OR23 applied |`,
        `| throughput (first confirmation sent → last SHIPPED) | **${figures.shipmentsPerSecond} shipments/s** over ${seconds.toFixed(1)} s |`,
        `| latency confirmation → SHIPPED | p50 ${pct(50)} ms, p95 ${pct(95)} ms, **p99 ${pct(99)} ms**, max ${latencies.at(-1)} ms |`,
        `| CPU during the run | this process (service + producer) ${(cpu.node - cpuBefore.node).toFixed(1)} s, PostgreSQL ${(cpu.postgres - cpuBefore.postgres).toFixed(1)} s, Kafka ${(cpu.kafka - cpuBefore.kafka).toFixed(1)} s (sandbox: own process) |`,
        `| peak RSS of this process | ${figures.peakRssMb} MB |`,
        `| target (≥ 200 shipments/s, p99 < 1 s) | **${met ? 'met' : 'not met'}** |`,
      ].join('\n'),
    );
    process.stdout.write('recorded in docs/benchmarks.md\n');
  }
  await producer.disconnect();
  await app.close();
  mirakl.send('stop');
  await db.drop();
}

/** The sandbox's own rate for OR23 then OR24, 32 orders at a time, from a bare client: the ceiling. */
async function rawShipRate(base: string, mp: string, orders: { id: string }[]): Promise<number> {
  const client = new MiraklClient(
    { marketplace: mp, baseUrl: `${base}/mp/${mp}`, apiKey: `sandbox-key-${mp}` },
    { unlimited: true },
  );
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = next++; i < orders.length; i = next++) {
        await client.updateTracking(orders[i].id, { carrierCode: 'DPD', trackingNumber: `RAW-${i}` });
        await client.shipOrder(orders[i].id);
      }
    }),
  );
  return orders.length / ((performance.now() - t0) / 1000);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
