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
import type { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { AppModule, FULFILMENT_CONSUMES } from '../src/app.module';
import { FulfilmentBridgeConfig } from '../src/config/fulfilment-bridge.config';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const BO_KEY = 'test-backoffice-key';

/** The service's config for a test: its own database and consumer groups, fast retries. */
export function testConfig(o: {
  dbUrl: string;
  dbName: string;
  backofficeUrl: string;
  marketplaces: { code: string; baseUrl: string; apiKey: string }[];
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
