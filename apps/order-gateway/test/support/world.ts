import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Test } from '@nestjs/testing';
import { encodeEvent, type TopicDefinition } from '@seller-bridge/contracts';
import { CLOCK, loadConfig } from '@seller-bridge/service-kit';
import {
  createTestDatabase,
  startConsumerGroupsAtEnd,
  testBrokers,
  testKafka,
  waitFor,
  type TestDatabase,
} from '@seller-bridge/service-kit/testing';
import {
  demoMarketplaces,
  MiraklSandbox,
  type MarketplaceSettings as SandboxMarketplace,
} from '@seller-bridge/mirakl-sandbox';
import {
  AppModule as CatalogueSyncModule,
  CATALOGUE_SYNC_CONSUMES,
} from '../../../catalogue-sync/src/app.module';
import { CatalogueSyncConfig } from '../../../catalogue-sync/src/config/catalogue-sync.config';
import { CATALOGUE_MIGRATIONS } from '../../../catalogue-sync/src/database/data-source';
import { AppModule } from '../../src/app.module';
import { OrderGatewayConfig } from '../../src/config/order-gateway.config';
import { ORDER_GATEWAY_MIGRATIONS } from '../../src/database/data-source';

export const ADMIN_TOKEN = 'order-gateway-test-admin';

/** A marketplace of the test world: the sandbox's settings and order-gateway's own for it. */
export interface WorldMarketplace {
  sandbox: SandboxMarketplace;
  gateway?: Record<string, unknown>;
}

/** Sandbox marketplaces: the demo ones (decathlon-fr partial, carrefour-es whole order) plus any given. */
export function marketplace(
  code: string,
  base: 'decathlon-fr' | 'carrefour-es',
  sandbox: Partial<SandboxMarketplace> = {},
  gateway: Record<string, unknown> = {},
): WorldMarketplace {
  const demo = demoMarketplaces().find((m) => m.code === base)!;
  return { sandbox: { ...demo, code, apiKey: `key-${code}`, ...sandbox }, gateway };
}

export interface WorldOptions {
  label: string;
  marketplaces: WorldMarketplace[];
  /** Extra order-gateway variables. */
  env?: Record<string, string>;
  /** Extra catalogue-sync variables (its consumer tuning, for the benchmark). */
  catalogueEnv?: Record<string, string>;
  /** Start order-gateway in this process (default true); false: the caller runs it (crash test). */
  startGateway?: boolean;
  sandboxOptions?: { random?: () => number };
}

/**
 * The real pieces around order-gateway in one process: the Mirakl sandbox (HTTP, its own movable clock),
 * catalogue-sync's application (reservation owner: its real OrderEventsConsumer and ReservationLedger, over
 * Kafka, on its own fresh database), and order-gateway's application on its own fresh database, on the real
 * Kafka broker. order-gateway's clock is the sandbox's, so moving the sandbox's clock moves deadlines too.
 */
export class World {
  sandbox!: MiraklSandbox;
  sandboxUrl!: string;
  gatewayDb!: TestDatabase;
  catalogueDb!: TestDatabase;
  catalogue!: INestApplication;
  gateway?: INestApplication;
  gatewayEnv!: Record<string, string>;
  readonly kafka: Kafka = testKafka('order-gateway-test');
  private producer?: ReturnType<ReturnType<typeof testKafka>['producer']>;
  /** OR21 calls that changed an order on the sandbox, by `<marketplace>/<order id>`. */
  readonly acceptApplied = new Map<string, number>();
  /** OR21 calls the sandbox refused (for instance: the order was already decided). */
  readonly acceptRefused = new Map<string, number>();

  constructor(readonly options: WorldOptions) {}

  async start(): Promise<this> {
    const { options } = this;
    this.sandbox = new MiraklSandbox({
      marketplaces: options.marketplaces.map((m) => m.sandbox),
      adminToken: ADMIN_TOKEN,
      ...options.sandboxOptions,
    });
    // The sandbox's truth about decisions: every OR21 that reached its order book, applied or refused.
    const book = this.sandbox.orders;
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
    this.sandboxUrl = await this.sandbox.listen();
    const label = options.label.replace(/[^a-z0-9]/gi, '_').toLowerCase();
    [this.gatewayDb, this.catalogueDb] = await Promise.all([
      createTestDatabase(`order_gateway_${label}`, ORDER_GATEWAY_MIGRATIONS),
      createTestDatabase(`order_gateway_${label}_cs`, CATALOGUE_MIGRATIONS),
    ]);
    const codes = options.marketplaces.map((m) => m.sandbox.code);
    for (const m of options.marketplaces) process.env[envKey(m.sandbox.code)] = m.sandbox.apiKey;

    const csName = `og-cs-${this.catalogueDb.name.slice(-8)}`;
    const csConfig = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: this.catalogueDb.url,
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SERVICE_NAME: csName,
      BACKOFFICE_API_KEY: 'unused-backoffice-key',
      BACKOFFICE_FEED_ENABLED: 'false',
      STOCK_PUSH_ENABLED: 'false',
      CATALOGUE_PUSH_ENABLED: 'false',
      RECONCILE_ENABLED: 'false',
      // No back office in these worlds: reservations are catalogue-sync's alone (decision 0008, "Holds").
      BACKOFFICE_HOLDS_ENABLED: 'false',
      CONSUMER_RETRY_BASE_MS: '50',
      ...options.catalogueEnv,
      MARKETPLACES: JSON.stringify(
        codes.map((code) => ({ code, baseUrl: `${this.sandboxUrl}/mp/${code}`, apiKeyEnv: envKey(code) })),
      ),
    });
    const gwName = `og-${this.gatewayDb.name.slice(-8)}`;
    this.gatewayEnv = {
      DATABASE_URL: this.gatewayDb.url,
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SERVICE_NAME: gwName,
      CONSUMER_RETRY_BASE_MS: '50',
      DEADLINE_CHECK_MS: '200',
      LEASE_RETRY_MS: '200',
      MARKETPLACES: JSON.stringify(
        options.marketplaces.map((m) => ({
          code: m.sandbox.code,
          baseUrl: `${this.sandboxUrl}/mp/${m.sandbox.code}`,
          apiKeyEnv: envKey(m.sandbox.code),
          shopId: m.sandbox.shopId,
          partialAcceptance: m.sandbox.partialAcceptance,
          acceptanceWindowMs: m.sandbox.acceptanceWindowMs,
          pollIntervalMs: 200,
          unlimitedCalls: true,
          ...m.gateway,
        })),
      ),
      ...options.env,
    };
    await warnOfOtherReservationOwners(this.kafka, csName);
    // New consumer groups start at the topics' end: earlier test files' events are not this world's.
    await Promise.all([
      startConsumerGroupsAtEnd(
        this.kafka,
        csName,
        CATALOGUE_SYNC_CONSUMES.map((t) => t.name),
      ),
      startConsumerGroupsAtEnd(this.kafka, gwName, GW_CONSUMES),
    ]);

    const csModule = await Test.createTestingModule({ imports: [CatalogueSyncModule.register(csConfig)] })
      .overrideProvider(CLOCK)
      .useValue({ now: () => new Date(this.sandbox.clock.now()) })
      .compile();
    this.catalogue = csModule.createNestApplication();
    await this.catalogue.init();
    if (options.startGateway !== false) await this.startGateway();
    return this;
  }

  gatewayConfig(): OrderGatewayConfig {
    return loadConfig(OrderGatewayConfig, this.gatewayEnv);
  }

  async startGateway(): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(this.gatewayConfig())] })
      .overrideProvider(CLOCK)
      .useValue({ now: () => new Date(this.sandbox.clock.now()) })
      .compile();
    this.gateway = moduleRef.createNestApplication();
    await this.gateway.init();
    return this.gateway;
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    await this.gateway?.close().catch(() => undefined);
    await this.catalogue?.close().catch(() => undefined);
    await this.sandbox?.close();
    await this.gatewayDb?.drop().catch(() => undefined);
    await this.catalogueDb?.drop().catch(() => undefined);
  }

  /** Back-office stock as catalogue-sync would hold it after reading the back office. */
  async seedStock(stock: Record<string, number>): Promise<void> {
    for (const [sku, available] of Object.entries(stock)) {
      await this.catalogueDb.dataSource.query(
        `INSERT INTO warehouse_stock (sku, warehouse, available, on_hand, as_of, source)
         VALUES ($1, 'LYON-1', $2, $2, now(), 'backoffice-poll')`,
        [sku, available],
      );
      await this.catalogueDb.dataSource.query(
        `INSERT INTO sku_stock (sku, available, known) VALUES ($1, $2, true)`,
        [sku, available],
      );
    }
  }

  /** A buyer's order on the sandbox; returns its Mirakl order id. */
  place(
    mp: string,
    lines: { sku: string; quantity: number; unitPrice?: number }[],
    customerId = 'CUST-1',
  ): string {
    return this.sandbox.orders.place(mp, {
      customerId,
      lines: lines.map((l) => ({ offerSku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? 10 })),
    });
  }

  /** The sandbox's order as Mirakl has it now. */
  order(mp: string, orderId: string): Record<string, any> {
    return this.sandbox.orders.get(mp, orderId)!.order;
  }

  async waitForState(mp: string, orderId: string, states: string[], timeoutMs = 30_000): Promise<boolean> {
    return waitFor(() => states.includes(this.order(mp, orderId).order_state as string), timeoutMs, 50);
  }

  /** Payloads order-gateway recorded for a topic (its outbox: what the relay publishes), for one order key. */
  async published<T = any>(topic: TopicDefinition<any>, key?: string): Promise<T[]> {
    const rows: { payload: string }[] = await this.gatewayDb.dataSource.query(
      `SELECT payload FROM backbone_outbox WHERE topic = $1 ${key ? 'AND message_key = $2' : ''} ORDER BY seq NULLS LAST, event_id`,
      key ? [topic.name, key] : [topic.name],
    );
    return rows.map((r) => JSON.parse(r.payload) as T);
  }

  async decision(
    mp: string,
    orderId: string,
  ): Promise<{ status: string; lines: any[]; outcome: string | null } | undefined> {
    const rows = await this.gatewayDb.dataSource.query(
      `SELECT status, lines, outcome FROM order_decision WHERE marketplace = $1 AND order_id = $2`,
      [mp, orderId],
    );
    return rows[0];
  }

  async reservations(
    mp: string,
    orderId: string,
  ): Promise<{ order_line_id: string; state: string; reason: string }[]> {
    return this.catalogueDb.dataSource.query(
      `SELECT order_line_id, state, reason FROM reservation WHERE marketplace = $1 AND order_id = $2 ORDER BY order_line_id`,
      [mp, orderId],
    );
  }

  /** Publishes an event on the broker as another service would (e.g. fulfilment-bridge). */
  async send<P extends object>(topic: TopicDefinition<P>, payload: P): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    const mp = (payload as { marketplace?: string }).marketplace;
    const e = encodeEvent(topic, payload, { marketplace: mp ?? 'backoffice' });
    await this.producer.send({
      topic: e.topic,
      messages: [{ key: e.key, value: e.value, headers: e.headers }],
    });
  }

  /** order-gateway's `/metrics` text (the kit's registry, as Prometheus scrapes it). */
  async metricsText(): Promise<string> {
    const { BackboneMetrics } = await import('@seller-bridge/service-kit');
    return this.gateway!.get(BackboneMetrics).registry.metrics();
  }

  /** Moves the sandbox's clock (and so order-gateway's and catalogue-sync's) forward. */
  advance(ms: number): void {
    this.sandbox.clock.advance(ms);
    this.sandbox.settle();
  }
}

export const envKey = (code: string) => `OG_TEST_MIRAKL_KEY_${code.toUpperCase().replace(/-/g, '_')}`;

const GW_CONSUMES = [
  'inventory.order-reservation.decided.v1',
  'fulfilment.order.posted.v1',
  'backoffice.product.changed.v1',
];

/**
 * The broker is shared with whatever else runs on this machine. Another reservation owner (a catalogue-sync
 * started by hand) would answer this world's orders too — `unknown-sku`, since its database holds none of
 * these SKUs — and order-gateway acts on the first answer. Such a test failure is the environment's: say so.
 */
async function warnOfOtherReservationOwners(kafka: Kafka, mine: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const candidates = groups
      .map((g) => g.groupId)
      .filter((id) => id.endsWith('.orders.order.received.v1') && !id.startsWith(`${mine}.`));
    if (candidates.length === 0) return;
    const described = await admin.describeGroups(candidates);
    const active = described.groups.filter((g) => g.members.length > 0 && !g.groupId.startsWith('og-cs-'));
    if (active.length > 0)
      process.stderr.write(
        `WARNING: other consumers of orders.order.received.v1 are running on the shared broker (${active
          .map((g) => g.groupId)
          .join(
            ', ',
          )}): another reservation owner answers this test's orders too (unknown SKUs), and tests ` +
          'that check decisions may fail for that reason alone. Stop it, or run the tests on a broker of their own (TEST_KAFKA_BROKERS).\n',
      );
  } finally {
    await admin.disconnect();
  }
}
