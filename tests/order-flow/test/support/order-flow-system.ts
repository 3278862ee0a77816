import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { BackofficeSandbox, demoCatalogue } from '@seller-bridge/backoffice-sandbox';
import { Topics } from '@seller-bridge/contracts';
import { demoMarketplaces, MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import {
  createTestDatabase,
  freePort,
  readTopic,
  startConsumerGroupsAtEnd,
  testBrokers,
  testKafka,
  waitFor,
  type TestDatabase,
} from '@seller-bridge/service-kit/testing';
import { serviceDir, ServiceProcess } from './service-process';

const SECOND = 1_000;
const BO_KEY = 'order-flow-backoffice-key';
const BO_ADMIN = 'order-flow-backoffice-admin';
const MIRAKL_ADMIN = 'order-flow-mirakl-admin';
export const FB_ADMIN_TOKEN = 'order-flow-fulfilment-admin-token';

/**
 * SKUs the buyers order: light ones only (shoes, helmets, flasks, lamps, fleeces, packs), so every parcel goes
 * with a tracked parcel service; rowers and treadmills (over 30 kg) go by pallet without tracking.
 */
export const SKUS = ['SHOE', 'HELM', 'FLSK', 'LAMP', 'FLEE', 'PACK'].flatMap((family) =>
  [1, 2, 3, 4].map((n) => `${family}-${String(n).padStart(4, '0')}`),
);
const PRICES = new Map(demoCatalogue().products.map((p) => [p.sku, p.priceMinor / 100]));

const OTHER_OWNERS = (groups: string[]) =>
  `other reservation owners are running on the shared broker (${groups.join(', ')}): they answer this ` +
  "run's orders too (UNKNOWN_SKU, their databases know none of these SKUs) and order-gateway may refuse " +
  'orders on their answer. Run this test when no other catalogue-sync runs, or on a broker of its own ' +
  '(TEST_KAFKA_BROKERS).';

export type ErpFault = false | 'unavailable' | 'reset';

export interface PlacedOrder {
  mp: string;
  id: string;
}

/**
 * The whole order flow as the first command runs it, on its own databases, consumer groups and marketplaces:
 * the Mirakl sandbox (two marketplaces with the demo's settings: decathlon-fr accepting lines one by one,
 * carrefour-es whole orders only) and the back-office sandbox (demo catalogue, two warehouses that pick two
 * seconds after posting and split some orders) in this process; catalogue-sync, order-gateway and
 * fulfilment-bridge as their own processes (`node apps/<service>/dist/main.js`), each on a fresh database
 * migrated by its own `dist/migrate.js`, on the real Kafka broker.
 *
 * Isolation on a shared broker: the marketplace codes carry a run id (`decathlon-fr-3fa2c1`), so services of
 * other tests or of the first command skip this run's events (and this run's services skip theirs), and each
 * service's consumer groups start at the topics' end.
 */
export class OrderFlowSystem {
  readonly id = randomBytes(3).toString('hex');
  readonly decathlon = `decathlon-fr-${this.id}`;
  readonly carrefour = `carrefour-es-${this.id}`;
  readonly kafka: Kafka = testKafka('order-flow-test');
  mirakl!: MiraklSandbox;
  bo!: BackofficeSandbox;
  boUrl!: string;
  catalogue!: ServiceProcess;
  gateway!: ServiceProcess;
  bridge!: ServiceProcess;
  readonly dbs: Record<'catalogue' | 'gateway' | 'bridge', TestDatabase> = {} as never;
  /** OR21 calls that changed an order on the sandbox, and those it refused, by `<mp>/<order id>`. */
  readonly acceptApplied = new Map<string, number>();
  readonly acceptRefused = new Map<string, number>();
  private dlqBaseline = new Map<string, Map<number, bigint>>();
  private seq = 0;

  services(): ServiceProcess[] {
    return [this.catalogue, this.gateway, this.bridge].filter(Boolean);
  }

  async start(): Promise<this> {
    const demo = demoMarketplaces();
    const settings = [
      ['decathlon-fr', this.decathlon],
      ['carrefour-es', this.carrefour],
    ].map(([base, code]) => ({
      ...demo.find((m) => m.code === base)!,
      code,
      apiKey: `key-${code}`,
      // The demo's two minutes of debit and five minutes of OR11 margin, shortened to fit a CI run.
      debitMs: 3 * SECOND,
      updateDateMarginMs: 10 * SECOND,
    }));
    this.mirakl = new MiraklSandbox({ marketplaces: settings, adminToken: MIRAKL_ADMIN });
    // The sandbox's truth about decisions: every OR21 that reached its order book, applied or refused.
    const book = this.mirakl.orders;
    const accept = book.accept.bind(book);
    book.accept = (mp, orderId, decisions) => {
      const key = `${mp}/${orderId}`;
      try {
        accept(mp, orderId, decisions);
        this.acceptApplied.set(key, (this.acceptApplied.get(key) ?? 0) + 1);
      } catch (err) {
        this.acceptRefused.set(key, (this.acceptRefused.get(key) ?? 0) + 1);
        throw err;
      }
    };
    const miraklUrl = await this.mirakl.listen();
    this.bo = new BackofficeSandbox({
      apiKey: BO_KEY,
      adminToken: BO_ADMIN,
      warehouse: { pickDelayMs: 2 * SECOND, splitRate: 0.25, splitGapMs: 3 * SECOND },
      tickMs: 100,
    });
    this.boUrl = await this.bo.listen();
    // Plenty of the SKUs ordered in both warehouses: holds take the warehouse with the most available, so
    // orders ship from Lyon and from Madrid, some lines from both (two parcels).
    await this.admin('PUT', '/admin/stock', {
      stock: SKUS.flatMap((sku) =>
        ['LYON-1', 'MADRID-2'].map((warehouse) => ({ sku, warehouse, on_hand: 3_000 })),
      ),
    });

    [this.dbs.catalogue, this.dbs.gateway, this.dbs.bridge] = await Promise.all([
      createTestDatabase('order_flow_cs'),
      createTestDatabase('order_flow_og'),
      createTestDatabase('order_flow_fb'),
    ]);
    const keyEnv = {
      OF_KEY_DECATHLON_FR: `key-${this.decathlon}`,
      OF_KEY_CARREFOUR_ES: `key-${this.carrefour}`,
    };
    const mps = settings.map((s) => ({
      code: s.code,
      baseUrl: `${miraklUrl}/mp/${s.code}`,
      apiKeyEnv: s.code === this.decathlon ? 'OF_KEY_DECATHLON_FR' : 'OF_KEY_CARREFOUR_ES',
      shopId: s.shopId,
      unlimitedCalls: true,
    }));
    const common = {
      ...keyEnv,
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    };
    const [csPort, ogPort, fbPort] = await Promise.all([freePort(), freePort(), freePort()]);
    this.catalogue = new ServiceProcess(
      'catalogue-sync',
      serviceDir('@seller-bridge/catalogue-sync'),
      {
        ...common,
        SERVICE_NAME: `of-cs-${this.id}`,
        DATABASE_URL: this.dbs.catalogue.url,
        BACKOFFICE_URL: `${this.boUrl}/api`,
        BACKOFFICE_API_KEY: BO_KEY,
        BACKOFFICE_FEED_POLL_MS: '200',
        // The order flow only: products, offers and stock are not published in this run (their own tests
        // cover them); reservations, holds and the back office's stock feed are on, as in the first command.
        CATALOGUE_PUSH_ENABLED: 'false',
        STOCK_PUSH_ENABLED: 'false',
        RECONCILE_ENABLED: 'false',
        MARKETPLACES: JSON.stringify(mps),
      },
      csPort,
    );
    this.gateway = new ServiceProcess(
      'order-gateway',
      serviceDir('@seller-bridge/order-gateway'),
      {
        ...common,
        SERVICE_NAME: `of-og-${this.id}`,
        DATABASE_URL: this.dbs.gateway.url,
        LEASE_RETRY_MS: '200',
        MARKETPLACES: JSON.stringify(
          mps.map((m, i) => ({
            ...m,
            partialAcceptance: settings[i].partialAcceptance,
            acceptanceWindowMs: settings[i].acceptanceWindowMs,
            pollIntervalMs: SECOND,
            pollOverlapMs: 2 * SECOND,
          })),
        ),
      },
      ogPort,
    );
    this.bridge = new ServiceProcess(
      'fulfilment-bridge',
      serviceDir('@seller-bridge/fulfilment-bridge'),
      {
        ...common,
        SERVICE_NAME: `of-fb-${this.id}`,
        DATABASE_URL: this.dbs.bridge.url,
        BACKOFFICE_URL: `${this.boUrl}/api`,
        BACKOFFICE_API_KEY: BO_KEY,
        ADMIN_TOKEN: FB_ADMIN_TOKEN,
        WORKER_POLL_MS: '100',
        WORKER_CONCURRENCY: '16',
        BACKOFFICE_FEED_POLL_MS: '200',
        RETRY_BASE_MS: '250',
        // An ERP back after an outage is found within 5 s.
        RETRY_MAX_MS: '5000',
        BACKOFFICE_TIMEOUT_MS: '3000',
        MARKETPLACES: JSON.stringify(mps),
      },
      fbPort,
    );
    // Migrations, one service at a time (2 cores), each with its own entry point.
    for (const s of this.services()) await s.migrate();

    // Fresh databases: every consumer group of these services starts at the topics' end, as the first command
    // does (scripts/reset-consumer-groups.cjs); the dead-letter topics' ends are noted to find this run's.
    const topics = Object.values(Topics).map((t) => t.name);
    for (const s of this.services()) await startConsumerGroupsAtEnd(this.kafka, s.env.SERVICE_NAME, topics);
    await this.noteDeadLetterEnds(topics.map((t) => `${t}.dlq`));

    // Another reservation owner on the broker would answer this run's orders (and this run's catalogue-sync
    // theirs): wait a while for it to finish before starting, then go on with a warning.
    let others = await this.otherReservationOwners();
    if (others.length > 0) {
      process.stderr.write(`WARNING: ${OTHER_OWNERS(others)} Waiting up to 3 minutes for them to stop.\n`);
      await waitFor(
        async () => (others = await this.otherReservationOwners()).length === 0,
        3 * 60_000,
        5_000,
      );
      if (others.length > 0) process.stderr.write(`WARNING: still running: ${others.join(', ')}\n`);
    }
    for (const s of this.services()) s.start();
    await Promise.all(this.services().map((s) => s.ready()));
    // catalogue-sync has read the back office's stock of every SKU ordered (it reserves against it).
    const known = await waitFor(
      async () =>
        (
          await this.dbs.catalogue.dataSource.query(
            `SELECT COUNT(*)::int AS n FROM sku_stock WHERE known AND sku = ANY($1) AND available >= 6000`,
            [SKUS],
          )
        )[0].n === SKUS.length,
      60_000,
      250,
    );
    if (!known)
      throw new Error(`catalogue-sync did not load the back office's stock:\n${await this.report()}`);
    return this;
  }

  async stop(): Promise<void> {
    // SIGTERM first: the services leave their consumer groups at once (a SIGKILLed member stays until the
    // broker's session timeout), then SIGKILL whatever is left.
    await Promise.all(this.services().map((s) => s.kill('SIGTERM')));
    await this.mirakl?.close().catch(() => undefined);
    await this.bo?.close().catch(() => undefined);
    await Promise.all(Object.values(this.dbs).map((db) => db.drop().catch(() => undefined)));
  }

  /** The back office's admin API (faults, stock, the ERP's truth). */
  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.boUrl}${path}`, {
      method,
      headers: { 'x-admin-token': BO_ADMIN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`back office ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Takes the ERP down (every API call answered 503, or every connection dropped) or brings it back. */
  async setErp(down: ErpFault): Promise<void> {
    await this.admin('PUT', '/admin/faults', { down });
  }

  /** fulfilment-bridge's admin API, with its bearer token. */
  async bridgeAdmin<T = unknown>(method: string, path: string, body?: string, type = 'text/csv'): Promise<T> {
    const res = await fetch(`${this.bridge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${FB_ADMIN_TOKEN}`, 'content-type': type },
      body,
    });
    if (!res.ok) throw new Error(`fulfilment-bridge ${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** Loads a carrier mapping file (`warehouse_carrier,carrier_code`) for a marketplace. */
  async mapCarriers(mp: string, rows: [string, string][]): Promise<void> {
    const csv = ['warehouse_carrier,carrier_code', ...rows.map(([w, c]) => `${w},${c}`)].join('\n');
    await this.bridgeAdmin('POST', `/carrier-mappings/${mp}/import`, csv);
  }

  /**
   * One buyer's order: 1 to 3 lines of 1 or 2 units, 40 % on carrefour-es, a third with express shipping
   * (tracking mandatory). Buyers get the sandbox's addresses (French and Spanish).
   */
  place(): PlacedOrder {
    const i = this.seq++;
    const mp = i % 5 === 1 || i % 5 === 3 ? this.carrefour : this.decathlon;
    const lines = Array.from({ length: 1 + (i % 3) }, (_, k) => {
      const sku = SKUS[(i * 7 + k * 5) % SKUS.length];
      return { offerSku: sku, quantity: 1 + ((i + k) % 2), unitPrice: PRICES.get(sku) ?? 10 };
    });
    const id = this.mirakl.orders.place(mp, {
      customerId: `BUYER-${i % 97}`,
      shippingTypeCode: i % 3 === 0 ? 'EXP' : 'STD',
      lines,
    });
    return { mp, id };
  }

  /** Buyers place `count` orders in bursts of `burst` every `everyMs`. */
  async placeOrders(count: number, burst = 25, everyMs = SECOND): Promise<PlacedOrder[]> {
    const placed: PlacedOrder[] = [];
    while (placed.length < count) {
      for (let i = 0; i < burst && placed.length < count; i++) placed.push(this.place());
      if (placed.length < count) await new Promise((r) => setTimeout(r, everyMs));
    }
    return placed;
  }

  order(p: PlacedOrder): Record<string, unknown> {
    return this.mirakl.orders.get(p.mp, p.id)!.order;
  }

  state(p: PlacedOrder): string {
    return this.order(p).order_state as string;
  }

  /** Orders by Mirakl state, per marketplace: `{ "decathlon-fr-…": { SHIPPED: 290, SHIPPING: 10 } }`. */
  stateCounts(orders: PlacedOrder[]): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const p of orders) {
      const m = (out[p.mp] ??= {});
      m[this.state(p)] = (m[this.state(p)] ?? 0) + 1;
    }
    return out;
  }

  /** The ERP's sales orders (its admin truth), by `<marketplace>:<order id>`. */
  async erpOrders(): Promise<Map<string, { number: string; status: string }[]>> {
    const { sales_orders } = (await this.admin('GET', '/admin/sales-orders')) as {
      sales_orders: {
        number: string;
        status: string;
        external_reference: { marketplace: string; order_id: string };
      }[];
    };
    const out = new Map<string, { number: string; status: string }[]>();
    for (const o of sales_orders) {
      const k = `${o.external_reference.marketplace}:${o.external_reference.order_id}`;
      out.set(k, [...(out.get(k) ?? []), { number: o.number, status: o.status }]);
    }
    return out;
  }

  /** The warehouse's parcels, by `<marketplace>:<order id>`. */
  async parcels(): Promise<
    Map<string, { carrier: string; tracking_number: string | null; warehouse: string }[]>
  > {
    const { shipments } = (await this.admin('GET', '/admin/shipments')) as {
      shipments: {
        carrier: string;
        tracking_number: string | null;
        warehouse: string;
        external_reference: { marketplace: string; order_id: string };
      }[];
    };
    const out = new Map<string, { carrier: string; tracking_number: string | null; warehouse: string }[]>();
    for (const s of shipments) {
      const k = `${s.external_reference.marketplace}:${s.external_reference.order_id}`;
      out.set(k, [...(out.get(k) ?? []), s]);
    }
    return out;
  }

  /** Open exceptions (of a type, or all) in fulfilment-bridge's exception record: what operations see. */
  async openExceptions(type?: string): Promise<number> {
    const [{ n }] = (await this.dbs.bridge.dataSource.query(
      `SELECT COUNT(*)::int AS n FROM fb_exception WHERE open AND ($1::text IS NULL OR type = $1)`,
      [type ?? null],
    )) as { n: number }[];
    return n;
  }

  /** fulfilment-bridge's parcels that did not end shipped: `{ state: count }` (failed, held, waiting...). */
  async unshippedParcels(): Promise<Record<string, number>> {
    const rows = (await this.dbs.bridge.dataSource.query(
      `SELECT state, COUNT(*)::int AS n FROM fb_shipment WHERE state <> 'shipped' GROUP BY state`,
    )) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  private async noteDeadLetterEnds(topics: string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      for (const t of topics.filter((x) => existing.has(x))) {
        const ends = await admin.fetchTopicOffsets(t);
        this.dlqBaseline.set(t, new Map(ends.map((e) => [e.partition, BigInt(e.high)])));
      }
      for (const t of topics.filter((x) => !existing.has(x))) this.dlqBaseline.set(t, new Map());
    } finally {
      await admin.disconnect();
    }
  }

  /** Messages this run's services dead-lettered (any `<topic>.dlq` written since the start by their groups). */
  async deadLetters(): Promise<{ topic: string; group: string; code: string; reason: string }[]> {
    const mine = this.services().map((s) => `${s.env.SERVICE_NAME}.`);
    const admin = this.kafka.admin();
    await admin.connect();
    const grown: { topic: string; total: number }[] = [];
    try {
      const existing = new Set(await admin.listTopics());
      for (const [topic, base] of this.dlqBaseline) {
        if (!existing.has(topic)) continue;
        const ends = await admin.fetchTopicOffsets(topic);
        const added = ends.reduce((s, e) => s + Number(BigInt(e.high) - (base.get(e.partition) ?? 0n)), 0);
        if (added > 0)
          grown.push({ topic, total: ends.reduce((s, e) => s + Number(BigInt(e.high) - BigInt(e.low)), 0) });
      }
    } finally {
      await admin.disconnect();
    }
    const out: { topic: string; group: string; code: string; reason: string }[] = [];
    for (const { topic, total } of grown) {
      const base = this.dlqBaseline.get(topic)!;
      const messages = await readTopic(this.kafka, topic, { count: total, timeoutMs: 20_000, settleMs: 200 });
      for (const m of messages) {
        if (BigInt(m.offset) < (base.get(m.partition) ?? 0n)) continue;
        const group = m.headers['dlq-consumer-group'] ?? '';
        if (mine.some((prefix) => group.startsWith(prefix)))
          out.push({ topic, group, code: m.headers['dlq-error-code'], reason: m.headers['dlq-reason'] });
      }
    }
    return out;
  }

  /**
   * Active consumers of `orders.order.received.v1` on the shared broker other than this run's catalogue-sync:
   * catalogue-sync answers every order on the topic, whatever its marketplace, and order-gateway acts on the
   * first answer, so another reservation owner running now (another test's, or the first command's) refuses
   * this run's orders as UNKNOWN_SKU.
   */
  async otherReservationOwners(): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ids = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((id) => id.endsWith('.orders.order.received.v1') && !id.startsWith(`of-cs-${this.id}.`));
      if (ids.length === 0) return [];
      return (await admin.describeGroups(ids)).groups
        .filter((g) => g.members.length > 0)
        .map((g) => g.groupId.replace(/\.orders\.order\.received\.v1$/, ''));
    } finally {
      await admin.disconnect();
    }
  }

  /** What a person needs to see when the run fails: states on every side and the services' log tails. */
  async report(orders: PlacedOrder[] = []): Promise<string> {
    const q = async (db: TestDatabase, sql: string) =>
      JSON.stringify(await db.dataSource.query(sql).catch((e: Error) => `(${e.message})`));
    const others = await this.otherReservationOwners().catch(() => []);
    const lines = [
      ...(others.length > 0 ? [`NOTE: ${OTHER_OWNERS(others)}`] : []),
      `run ${this.id}: ${orders.length} orders; Mirakl states ${JSON.stringify(this.stateCounts(orders))}`,
      `OR21 applied ≠ 1: ${orders.filter((p) => this.acceptApplied.get(`${p.mp}/${p.id}`) !== 1).length}, refused: ${this.acceptRefused.size}`,
      `back office: ${JSON.stringify(
        await this.admin<{ sales_orders: unknown; duplicates?: unknown[] }>('GET', '/admin/truth')
          .then((t) => ({ sales_orders: t.sales_orders, duplicates: t.duplicates?.length }))
          .catch((e: Error) => e.message),
      )}, faults ${JSON.stringify(await this.admin('GET', '/admin/faults').catch(() => '?'))}`,
      `order-gateway decisions: ${await q(this.dbs.gateway, `SELECT d.status, d.outcome, l->>'decision' AS line, l->>'reason' AS reason, COUNT(*)::int AS lines FROM order_decision d, jsonb_array_elements(d.lines) l GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)}`,
      `catalogue-sync reservations: ${await q(this.dbs.catalogue, `SELECT state, hold_state, reason, COUNT(*)::int AS n FROM reservation GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)}`,
      `catalogue-sync rejected lines (first 10): ${await q(this.dbs.catalogue, `SELECT order_id, order_line_id, sku, reason, created_at FROM reservation WHERE state = 'rejected' ORDER BY created_at LIMIT 10`)}`,
      `fulfilment-bridge orders: ${await q(this.dbs.bridge, `SELECT marketplace, state, COUNT(*)::int AS n, MAX(attempts) AS max_attempts, MAX(last_error) AS an_error FROM fb_order GROUP BY 1, 2 ORDER BY 1, 2`)}`,
      `fulfilment-bridge shipments: ${await q(this.dbs.bridge, `SELECT marketplace, state, hold_reason, COUNT(*)::int AS n, MAX(last_error) AS an_error FROM fb_shipment GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)}`,
      `fulfilment-bridge parcels of orders with a failed or held parcel (first 30): ${await q(this.dbs.bridge, `SELECT s.order_id, s.shipment_id, s.state, s.carrier_name, s.tracking_number, s.attempts, s.received_at, s.done_at, s.last_error FROM fb_shipment s WHERE (s.marketplace, s.order_id) IN (SELECT marketplace, order_id FROM fb_shipment WHERE state IN ('failed', 'held')) ORDER BY s.order_id, s.received_at LIMIT 30`)}`,
      `fulfilment-bridge open exceptions (first 20): ${await q(this.dbs.bridge, `SELECT * FROM fb_exception WHERE open ORDER BY raised_at LIMIT 20`)}`,
      ...this.services().map(
        (s) => `--- ${s.name} (pids ${s.pids.join(', ')}; exits ${s.exits}), log tail:\n${s.logTail()}`,
      ),
    ];
    return lines.join('\n');
  }
}
