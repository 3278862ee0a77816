import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { encodeEvent, Topics, type ShipmentConfirmed } from '@seller-bridge/contracts';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@seller-bridge/service-kit';
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
 * is another machine). Prints the figures as JSON.
 */
async function main(): Promise<void> {
  const total = Number(process.env.SHIPMENTS ?? 2000);
  const rate = Number(process.env.RATE ?? 250);
  const MP = 'decathlon-fr';
  const db = await createTestDatabase('fulfilment_bench', FULFILMENT_MIGRATIONS, FULFILMENT_ENTITIES);
  const mirakl = fork(join(__dirname, 'mirakl-sandbox.child.js'), {
    env: { ...process.env, SHIPMENTS: String(total) },
  });
  const ask = <T>(msg?: string) =>
    new Promise<T>((resolve) => {
      mirakl.once('message', (m) => resolve(m as T));
      if (msg) mirakl.send(msg);
    });
  const { base, orders } = await ask<{ base: string; orders: { id: string; lineId: string }[] }>();
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
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  await producer.disconnect();
  await app.close();
  mirakl.send('stop');
  await db.drop();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
