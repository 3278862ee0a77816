import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import {
  encodeEvent,
  money,
  Topics,
  type OrderReadyForFulfilment,
  type TopicDefinition,
} from '@seller-bridge/contracts';
import { loadConfig } from '@seller-bridge/service-kit';
import { startConsumerGroupsAtEnd, testBrokers, testKafka } from '@seller-bridge/service-kit/testing';
import request from 'supertest';
import { BackofficeSandbox, type BackofficeSandboxOptions } from '@seller-bridge/backoffice-sandbox';
import { MiraklSandbox, demoMarketplaces } from '@seller-bridge/mirakl-sandbox';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { FULFILMENT_ENTITIES, FULFILMENT_MIGRATIONS } from '../src/database/data-source';
import { AppModule, FULFILMENT_CONSUMES } from '../src/app.module';
import { FulfilmentBridgeConfig } from '../src/config/fulfilment-bridge.config';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const BO_KEY = 'test-backoffice-key';
/** The back-office sandbox's admin token in these specs. */
export const BO_ADMIN = 'bo-admin';

/** The service's config for a test: its own database and consumer groups, fast retries. */
export function testConfig(o: {
  dbUrl: string;
  dbName: string;
  backofficeUrl: string;
  /** `settings`: more of the marketplace's settings (e.g. `multiShipment`). */
  marketplaces: { code: string; baseUrl: string; apiKey: string; settings?: Record<string, unknown> }[];
  extra?: Record<string, string>;
}): FulfilmentBridgeConfig {
  for (const m of o.marketplaces)
    process.env[`FB_TEST_KEY_${m.code.replace(/-/g, '_').toUpperCase()}`] = m.apiKey;
  return loadConfig(FulfilmentBridgeConfig, {
    DATABASE_URL: o.dbUrl,
    KAFKA_BROKERS: testBrokers().join(','),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SERVICE_NAME: `fb-${o.dbName.slice(-8)}`,
    BACKOFFICE_URL: o.backofficeUrl,
    BACKOFFICE_API_KEY: BO_KEY,
    ADMIN_TOKEN,
    WORKER_POLL_MS: '50',
    BACKOFFICE_FEED_POLL_MS: '100',
    RETRY_BASE_MS: '200',
    RETRY_MAX_MS: '2000',
    BACKOFFICE_TIMEOUT_MS: '2000',
    CONSUMER_RETRY_BASE_MS: '50',
    MARKETPLACES: JSON.stringify(
      o.marketplaces.map((m) => ({
        code: m.code,
        baseUrl: m.baseUrl,
        apiKeyEnv: `FB_TEST_KEY_${m.code.replace(/-/g, '_').toUpperCase()}`,
        unlimitedCalls: true,
        ...m.settings,
      })),
    ),
    ...o.extra,
  });
}

/** Starts the whole service (consumers, workers, HTTP) on its config; consumer groups begin at the topics' end. */
export async function startService(
  config: FulfilmentBridgeConfig,
  firstStart = true,
): Promise<INestApplication> {
  if (firstStart)
    await startConsumerGroupsAtEnd(
      testKafka('fb-test-admin'),
      config.SERVICE_NAME,
      FULFILMENT_CONSUMES.map((t) => t.name),
    );
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config)] }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: true, rawBody: true });
  app.enableShutdownHooks();
  await app.init();
  return app;
}

export class EventSender {
  private readonly producer = testKafka('fb-test').producer({ idempotent: true, maxInFlightRequests: 1 });
  async connect() {
    await this.producer.connect();
  }
  async disconnect() {
    await this.producer.disconnect();
  }
  async send<P extends object>(topic: TopicDefinition<P>, payloads: P[], marketplace = 'decathlon-fr') {
    const encoded = payloads.map((p) => encodeEvent(topic, p, { marketplace }));
    await this.producer.send({
      topic: topic.name,
      messages: encoded.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
    });
    return encoded;
  }
  /** Sends already-encoded messages again (a redelivery: same event ids). */
  async resend(encoded: ReturnType<typeof encodeEvent>[]) {
    await this.producer.send({
      topic: encoded[0].topic,
      messages: encoded.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
    });
  }
}

/** A released order as order-gateway publishes it (EUR, tax included, commission and its VAT per line). */
export function releasedOrder(
  orderId: string,
  o: { marketplace?: string; skus?: string[]; extraChargeType?: string; shippingType?: string } = {},
): OrderReadyForFulfilment {
  const mp = o.marketplace ?? 'decathlon-fr';
  const skus = o.skus ?? ['SHOE-0001'];
  return {
    marketplace: mp,
    orderId,
    commercialId: orderId.replace(/-A$/, ''),
    miraklState: 'SHIPPING',
    currency: 'EUR',
    createdAt: '2026-11-27T08:00:00.000Z',
    miraklUpdatedAt: '2026-11-27T08:05:00.000Z',
    ...(o.shippingType ? { shippingTypeCode: o.shippingType } : {}),
    deadlines: {},
    customer: {
      marketplaceCustomerId: `CUST-${orderId}`,
      firstName: 'Jeanne',
      lastName: 'Martin',
      shippingAddress: {
        firstName: 'Jeanne',
        lastName: 'Martin',
        street1: '3 rue de la Paix',
        city: 'Lyon',
        zipCode: '69002',
        country: 'FRA',
      },
    },
    lines: skus.map((sku, i) => ({
      lineId: `${orderId}-${i + 1}`,
      sku,
      quantity: 2,
      unitPrice: money(7899, 'EUR'),
      price: money(15798, 'EUR'),
      shippingPrice: money(i === 0 ? 499 : 0, 'EUR'),
      taxes: [{ code: 'TVA', amount: money(2633, 'EUR') }],
      shippingTaxes: i === 0 ? [{ code: 'TVA', amount: money(83, 'EUR') }] : [],
      charges: [
        { type: 'COMMISSION', amount: money(1896, 'EUR') },
        { type: 'COMMISSION_VAT', amount: money(379, 'EUR') },
        ...(o.extraChargeType ? [{ type: o.extraChargeType, amount: money(150, 'EUR') }] : []),
      ],
      miraklState: 'SHIPPING',
    })),
    totalPrice: money(15798 * skus.length + 499, 'EUR'),
  };
}

export { Topics };

/**
 * An order placed on the Mirakl sandbox and accepted; the sandbox clock then passes the debit, so it is in
 * SHIPPING unless `debited` is false. Returns its id and line ids.
 */
export function acceptedSandboxOrder(
  mirakl: MiraklSandbox,
  marketplace: string,
  input: Parameters<MiraklSandbox['orders']['place']>[1],
  debited = true,
): { id: string; lineIds: string[] } {
  const id = mirakl.orders.place(marketplace, input);
  const lines = (mirakl.orders.get(marketplace, id)!.order as { order_lines: { order_line_id: string }[] })
    .order_lines;
  mirakl.orders.accept(
    marketplace,
    id,
    lines.map((l) => ({ id: l.order_line_id, accepted: true })),
  );
  if (debited) mirakl.clock.advance(3 * 60_000);
  return { id, lineIds: lines.map((l) => l.order_line_id) };
}

export interface WorldOptions {
  /** Prefix of the spec's own database. */
  database: string;
  /** The marketplaces the service works with (default: decathlon-fr). */
  marketplaces?: string[];
  /**
   * `true` (default): the marketplaces are served by a Mirakl sandbox. `false`: no Mirakl at all, an address
   * nothing answers on (specs of the ERP side only).
   */
  mirakl?: boolean;
  /** More of each marketplace's settings (e.g. `{ multiShipment: true }`). */
  marketplaceSettings?: Record<string, unknown>;
  /** The back-office sandbox's options beyond its API key and admin token. */
  backoffice?: Omit<BackofficeSandboxOptions, 'apiKey' | 'adminToken'>;
  /** More configuration variables. */
  extra?: Record<string, string>;
  /** Replicas of the service on the one database and consumer group (default 1; 0: the spec starts them). */
  replicas?: number;
}

/**
 * What most specs stand on: their own database, a Mirakl sandbox (or none), a back-office sandbox, the
 * service's config, the service itself (one or more replicas) and a producer of the events it consumes.
 */
export class FulfilmentWorld {
  readonly apps: INestApplication[] = [];
  readonly events = new EventSender();

  private constructor(
    readonly db: TestDatabase,
    readonly bo: BackofficeSandbox,
    readonly boUrl: string,
    readonly config: FulfilmentBridgeConfig,
    private readonly miraklSandbox: MiraklSandbox | undefined,
  ) {}

  static async start(o: WorldOptions): Promise<FulfilmentWorld> {
    const db = await createTestDatabase(o.database, FULFILMENT_MIGRATIONS, FULFILMENT_ENTITIES);
    const mirakl =
      o.mirakl === false
        ? undefined
        : new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: 'm-admin' });
    const base = mirakl ? await mirakl.listen() : undefined;
    const bo = new BackofficeSandbox({ apiKey: BO_KEY, adminToken: BO_ADMIN, ...o.backoffice });
    const boUrl = await bo.listen();
    const config = testConfig({
      dbUrl: db.url,
      dbName: db.name,
      backofficeUrl: `${boUrl}/api`,
      marketplaces: (o.marketplaces ?? ['decathlon-fr']).map((code) => ({
        code,
        baseUrl: base ? `${base}/mp/${code}` : 'http://127.0.0.1:9',
        apiKey: base ? `sandbox-key-${code}` : 'unused-key',
        settings: o.marketplaceSettings,
      })),
      extra: o.extra,
    });
    const world = new FulfilmentWorld(db, bo, boUrl, config, mirakl);
    for (let i = 0; i < (o.replicas ?? 1); i++) await world.startReplica();
    await world.events.connect();
    return world;
  }

  /** The Mirakl sandbox (the world must have one). */
  get mirakl(): MiraklSandbox {
    if (!this.miraklSandbox) throw new Error('this world has no Mirakl sandbox');
    return this.miraklSandbox;
  }

  /** The first replica. */
  get app(): INestApplication {
    return this.apps[0];
  }

  /** Starts one more replica of the service (the first one moves its consumer groups to the topics' end). */
  async startReplica(): Promise<INestApplication> {
    const app = await startService(this.config, this.apps.length === 0);
    this.apps.push(app);
    return app;
  }

  /** Stops the first replica and starts it again (its work is in PostgreSQL, not in memory). */
  async restart(): Promise<INestApplication> {
    const old = this.apps.shift();
    await old?.close();
    const app = await startService(this.config, false);
    this.apps.unshift(app);
    return app;
  }

  /** Maps warehouse carriers to marketplace carrier codes by the admin CSV import. */
  async mapCarriers(marketplace: string, codes: Record<string, string>): Promise<void> {
    const csv = ['warehouse_carrier,carrier_code', ...Object.entries(codes).map(([w, c]) => `${w},${c}`)];
    await request(this.app.getHttpServer())
      .post(`/carrier-mappings/${marketplace}/import`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .set('content-type', 'text/csv')
      .send(csv.join('\n'))
      .expect(201);
  }

  async stop(): Promise<void> {
    await this.events.disconnect();
    for (const app of this.apps.splice(0)) await app.close();
    await this.miraklSandbox?.close();
    await this.bo.close();
    await this.db.drop();
  }
}
