import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { loadConfig } from '@seller-bridge/service-kit';
import {
  createTestDatabase,
  testBrokers,
  waitFor,
  type TestDatabase,
} from '@seller-bridge/service-kit/testing';
import { AppModule } from '../src/app.module';
import { DEMO_ENTITIES, DEMO_MIGRATIONS } from '../src/database/data-source';
import { DemoConfig } from '../src/demo.config';
import { OrderReceivedConsumer } from '../src/orders/order-received.consumer';
import { OrderSimulator } from '../src/orders/order-simulator.service';

describe('backbone-demo service', () => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase('demo', DEMO_MIGRATIONS, DEMO_ENTITIES);
    const config = loadConfig(DemoConfig, {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      DEMO_ORDERS_PER_SECOND: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // each run its own consumer groups, so earlier runs' messages on the shared topics count as already seen
      SERVICE_NAME: `demo-${db.name.slice(-8)}`,
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config)] }).compile();
    app = moduleRef.createNestApplication();
    app.enableShutdownHooks();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('carries orders out through the outbox and back through the inbox, twice, each effect once', async () => {
    const simulator = app.get(OrderSimulator);
    const ids = await Promise.all(Array.from({ length: 20 }, () => simulator.placeOne()));
    const confirmed = async () => {
      const rows: { order_id: string }[] = await db.dataSource.query(
        `SELECT order_id FROM demo_order WHERE state = 'CONFIRMED' AND order_id = ANY($1)`,
        [ids],
      );
      return rows.length === ids.length;
    };
    expect(await waitFor(confirmed, 30000)).toBe(true);
    // The topics are shared with earlier runs and this service's groups start from the beginning, so count
    // what concerns this run's orders: exactly one state change emitted per order, none twice.
    const keys = (
      await db.dataSource.query(
        `SELECT marketplace || ':' || order_id AS k FROM demo_order WHERE order_id = ANY($1)`,
        [ids],
      )
    ).map((r: { k: string }) => r.k);
    const emitted: { topic: string; n: number }[] = await db.dataSource.query(
      `SELECT topic, count(*)::int AS n FROM backbone_outbox WHERE message_key = ANY($1) GROUP BY topic ORDER BY topic`,
      [keys],
    );
    expect(emitted).toEqual([
      { topic: 'orders.order.received.v1', n: 20 },
      { topic: 'orders.order.state-changed.v1', n: 20 },
    ]);
    expect(app.get(OrderReceivedConsumer).handled).toBeGreaterThanOrEqual(20);
  });

  it('answers liveness, readiness with database and Kafka, and Prometheus metrics', async () => {
    const server = app.getHttpServer();
    await request(server).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(server).get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, kafka: { status: 'up' } });
    const metrics = await request(server).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    const value = (re: RegExp) => Number(metrics.text.match(re)?.[1] ?? NaN);
    expect(
      value(
        /backbone_messages_consumed_total\{topic="orders.order.received.v1",outcome="handled",service="demo-[^"]+"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(20);
    expect(
      value(
        /backbone_messages_produced_total\{topic="orders.order.received.v1",service="demo-[^"]+"\} (\d+)/,
      ),
    ).toBe(20);
    expect(metrics.text).toMatch(/backbone_outbox_backlog\{service="demo-[^"]+"\} 0/);
    expect(metrics.text).toMatch(/backbone_consumer_lag\{topic="orders.order.received.v1",partition="\d+"/);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('gives each HTTP request a correlation id, keeping a well-formed one from the caller', async () => {
    const server = app.getHttpServer();
    const mine = await request(server).get('/health/live').set('x-correlation-id', 'req-123');
    expect(mine.headers['x-correlation-id']).toBe('req-123');
    const hostile = await request(server)
      .get('/health/live')
      .set('x-correlation-id', '<script>alert(1)</script>');
    expect(hostile.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
