/**
 * Benchmark, issue 4's second target: a full sync of 1,000,000 offers — wall time and peak memory (targets:
 * under 60 s, under 300 MiB).
 *
 * A fresh test database with catalogue-sync's migrations holds BENCH_OFFERS products, their stock in two
 * warehouses (some of it held for our orders) and reservations. The Mirakl sandbox runs in its own process
 * (call limits off, imports applied at once) and knows every product. The measured run is
 * `OfferFileSync.send` (one REPEATABLE READ snapshot read through a cursor, quantities by the no-oversell
 * rule, the OF01 file written to disk and streamed to Mirakl) then `finish` (Mirakl applies it; the published
 * figures are written back). Peak memory is this process's resident set, sampled every 10 ms from before the
 * sync starts, and its V8 heap. Ceiling of the same run: PostgreSQL streaming the same query's rows with
 * `COPY … TO STDOUT` (psql, to /dev/null). Prints the figures and appends them to docs/benchmarks.md.
 *
 *   pnpm --filter @seller-bridge/catalogue-sync bench:full-sync
 *   BENCH_OFFERS=200000 pnpm --filter @seller-bridge/catalogue-sync bench:full-sync
 */
import 'reflect-metadata';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Registry } from 'prom-client';
import { createLogger, loadConfig, OutboxWriter, SystemClock } from '@seller-bridge/service-kit';
import { createTestDatabase, freePort } from '@seller-bridge/service-kit/testing';
import { createOfferFileSync } from '../src/catalogue/catalogue.providers';
import type { OfferFileSent } from '../src/catalogue/offer-file-sync';
import { CatalogueSyncConfig, marketplaceApiKeys } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { createMarketplaceClients } from '../src/marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { fmt } from '@seller-bridge/service-kit/bench';

const OFFERS = Number(process.env.BENCH_OFFERS ?? 1_000_000);
const MP = 'decathlon-fr';
const ADMIN = 'bench-admin-token';
const MiB = 2 ** 20;
const log = (s: string) => process.stdout.write(`${s}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The Mirakl sandbox in its own process, so its million offers are not in the memory measured here. */
async function startSandbox(): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const main = resolve(__dirname, '../../../mirakl-sandbox/dist/main.js');
  const child = spawn(process.execPath, ['--max-old-space-size=8192', main], {
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_ADMIN_TOKEN: ADMIN,
      SANDBOX_CALL_LIMITS: 'off',
      SANDBOX_DEMO_OFFERS: '0',
      SANDBOX_BUYERS_PER_MINUTE: '0',
      SANDBOX_ACTIVITY_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`the Mirakl sandbox exited (${code})`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('marketplace ready')) ok();
    });
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function admin(base: string, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}/admin${path}`, {
    method,
    headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox admin ${method} ${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** Samples this process's memory until stopped: the peak resident set and V8 heap. */
function memoryPeak(): { stop: () => { rss: number; heap: number } } {
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return { rss, heap };
    },
  };
}

async function main(): Promise<void> {
  const date = execFileSync('date', ['-u', '+%Y-%m-%d %H:%M UTC']).toString().trim();
  const machine = `${execFileSync('nproc').toString().trim()} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, V8 heap limit ${fmt(getHeapStatistics().heap_size_limit / MiB)} MiB`;
  log(`full offer sync benchmark, ${date}, ${machine}: ${fmt(OFFERS)} offers`);

  const db = await createTestDatabase('full_offer_bench', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
  const sandbox = await startSandbox();
  try {
    let t = performance.now();
    await db.dataSource.query(
      `INSERT INTO product (sku, title, category, price_minor, currency, active, master, updated_at)
       SELECT s, 'Product ' || i, 'Sports > Running', 500 + i % 20000, 'EUR', i % 250 <> 0,
         jsonb_build_object('sku', s, 'description', 'Running shoe model ' || i || ', breathable mesh',
           'attributes', jsonb_build_object('colour', 'blue')), now()
       FROM generate_series(1, $1) AS i, LATERAL (SELECT 'SKU-' || lpad(i::text, 8, '0') AS s) k`,
      [OFFERS],
    );
    await db.dataSource.query(
      `INSERT INTO warehouse_stock (sku, warehouse, available, on_hand, held, as_of, source)
       SELECT 'SKU-' || lpad(i::text, 8, '0'), w, (i * 7 + length(w)) % 13, (i * 7 + length(w)) % 13 + (i % 10 = 0)::int,
         (i % 10 = 0)::int, now(), 'backoffice-poll'
       FROM generate_series(1, $1) AS i CROSS JOIN (VALUES ('LYON-1'), ('MADRID-2')) AS ws(w)`,
      [OFFERS],
    );
    await db.dataSource.query(
      `INSERT INTO sku_stock (sku, known, available, reserved, updated_at)
       SELECT 'SKU-' || lpad(i::text, 8, '0'), true, 0, (i % 7 = 0)::int, now() - interval '1 hour'
       FROM generate_series(1, $1) AS i`,
      [OFFERS],
    );
    await db.dataSource.query(`ANALYZE`);
    log(`  seeded the database in ${seconds(performance.now() - t)} s`);
    t = performance.now();
    const CHUNK = 5_000;
    for (let from = 1; from <= OFFERS; from += CHUNK) {
      const products = [];
      for (let i = from; i < Math.min(from + CHUNK, OFFERS + 1); i++)
        products.push({
          sku: `SKU-${String(i).padStart(8, '0')}`,
          title: `Product ${i}`,
          category: 'running',
        });
      await admin(sandbox.base, 'POST', `/marketplaces/${MP}/products`, { products });
    }
    await admin(sandbox.base, 'PUT', `/marketplaces/${MP}/imports`, { waitMs: 0, runMs: 0 });
    log(`  seeded the Mirakl sandbox's products in ${seconds(performance.now() - t)} s`);

    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_API_KEY: 'bench-key-123',
      CATALOGUE_PUSH_ENABLED: 'false',
      MARKETPLACES: JSON.stringify([
        {
          code: MP,
          baseUrl: `${sandbox.base}/mp/${MP}`,
          apiKeyEnv: 'MIRAKL_KEY_DECATHLON_FR',
          safetyBuffer: 1,
          unlimitedCalls: true,
        },
      ]),
    });
    const clock = new SystemClock();
    const metrics = new CatalogueSyncMetrics(new Registry(), clock);
    const sync = createOfferFileSync({
      config,
      dataSource: db.dataSource,
      outbox: new OutboxWriter(clock),
      clock,
      metrics,
      logger: createLogger('catalogue-sync-bench', process.env.BENCH_LOG_LEVEL ?? 'warn'),
    });
    const client = createMarketplaceClients(
      config.MARKETPLACES,
      marketplaceApiKeys(config, { MIRAKL_KEY_DECATHLON_FR: 'sandbox-key-decathlon-fr' }),
    ).get(MP)!;

    global.gc?.();
    const before = process.memoryUsage();
    const peak = memoryPeak();
    const started = performance.now();
    let lastShown = 0;
    const sent = (await sync.send(config.MARKETPLACES[0], client, (p) => {
      if (p.written - lastShown >= 200_000 || (p.written === p.total && lastShown !== p.written)) {
        lastShown = p.written;
        log(
          `  progress ${fmt(p.written)} / ${fmt(p.total)} (${((p.written / p.total) * 100).toFixed(0)} %), ${fmt(p.bytes / MiB)} MiB written, ${seconds(performance.now() - started)} s`,
        );
      }
    })) as OfferFileSent;
    const sentMs = performance.now() - started;
    const sendPeak = peak.stop();
    const peak2 = memoryPeak();
    const finishStarted = performance.now();
    const done = await sync.finish(sent, client, { pollMs: 200, timeoutMs: 15 * 60_000 });
    const finishMs = performance.now() - finishStarted;
    const finishPeak = peak2.stop();
    const totalMs = performance.now() - started;
    if (done.status !== 'COMPLETE' || done.linesInError !== 0)
      throw new Error(`the import ended ${done.status} with ${done.linesInError} lines in error`);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM published_quantity WHERE marketplace = $1`,
      [MP],
    );

    // Ceiling: PostgreSQL alone streaming the rows the sync reads (same query, COPY to /dev/null).
    const copyStarted = performance.now();
    const copy = spawnSync(
      'psql',
      [
        db.url,
        '-q',
        '-c',
        `COPY (SELECT p.sku, p.price_minor, p.currency, p.active, p.master->>'description', p.master->'attributes',
           COALESCE((SELECT SUM(w.available + w.held) FROM warehouse_stock w WHERE w.sku = p.sku), 0), COALESCE(ss.reserved, 0)
           FROM product p LEFT JOIN sku_stock ss ON ss.sku = p.sku ORDER BY p.sku) TO STDOUT`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1024 * MiB },
    );
    const copyMs = copy.status === 0 ? performance.now() - copyStarted : undefined;

    const rssPeak = Math.max(sendPeak.rss, finishPeak.rss);
    const heapPeak = Math.max(sendPeak.heap, finishPeak.heap);
    const met = sentMs < 60_000 && rssPeak < 300 * MiB;
    const lines = [
      `file built and handed to Mirakl (send): **${seconds(sentMs)} s** (build ${seconds(sent.buildMs)} s, upload ${seconds(sent.uploadMs)} s), ${fmt(sent.offers)} offers, ${fmt(sent.bytes / MiB)} MiB`,
      `until Mirakl applied it and the published figures were written back (finish): ${seconds(finishMs)} s (the sandbox's own processing included); total ${seconds(totalMs)} s; ${fmt(n)} published figures recorded`,
      `peak resident memory of the syncing process: **${fmt(rssPeak / MiB)} MiB** (before: ${fmt(before.rss / MiB)} MiB; during send ${fmt(sendPeak.rss / MiB)}, during finish ${fmt(finishPeak.rss / MiB)}); peak V8 heap ${fmt(heapPeak / MiB)} MiB`,
      `ceiling, same run: PostgreSQL streams the same ${fmt(OFFERS)} rows (COPY … TO STDOUT, psql to /dev/null) in ${copyMs === undefined ? 'n/a (psql failed)' : `${seconds(copyMs)} s`}`,
      `target (under 60 s to send, under 300 MiB): ${met ? 'met' : 'NOT met'}`,
    ];
    for (const l of lines) log(`  ${l.replace(/\*\*/g, '')}`);
    const docs = resolve(__dirname, '../../../../docs/benchmarks.md');
    const heading = '## catalogue-sync: full offer sync (1,000,000 offers)';
    const section = readFileSync(docs, 'utf8').includes(heading) ? '' : `\n${heading}\n`;
    appendFileSync(
      docs,
      `${section}\n### ${date} — ${fmt(OFFERS)} offers\n\nMachine: ${machine}. Command: \`pnpm --filter @seller-bridge/catalogue-sync bench:full-sync\`.\n\n` +
        lines.map((l) => `- ${l}`).join('\n') +
        '\n',
    );
    log(`  recorded in ${docs}`);
  } finally {
    sandbox.child.kill('SIGTERM');
    await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
