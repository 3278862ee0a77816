import type { INestApplication } from '@nestjs/common';
import { BackofficeSandbox } from '../../../backoffice-sandbox/src/index';
import { FulfilmentBridgeConfig } from '../../../fulfilment-bridge/src/config/fulfilment-bridge.config';
import { FULFILMENT_MIGRATIONS } from '../../../fulfilment-bridge/src/database/data-source';
import { BO_KEY, startService, testConfig } from '../../../fulfilment-bridge/test/harness';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import type { World } from './world';

/**
 * fulfilment-bridge and the back-office sandbox beside a {@link World}, in this process like catalogue-sync:
 * fulfilment-bridge's real application (its consumers, posting worker, feed reader) on its own fresh database,
 * on the world's Mirakl sandbox and the real broker. In process rather than as a child process from its built
 * `dist/main.js`: no build has to be fresh before the test, failures show in one stack, and the back office is
 * read and moved directly (its order book, its clock) instead of through its admin API.
 */
export class Fulfilment {
  backoffice!: BackofficeSandbox;
  db!: TestDatabase;
  app!: INestApplication;
  config!: FulfilmentBridgeConfig;

  constructor(
    private readonly world: World,
    private readonly warehouse: { pickDelayMs: number } = { pickDelayMs: 60_000 },
  ) {}

  async start(): Promise<this> {
    this.backoffice = new BackofficeSandbox({
      apiKey: BO_KEY,
      adminToken: 'bo-admin',
      warehouse: this.warehouse,
    });
    const boUrl = await this.backoffice.listen();
    this.db = await createTestDatabase(`og_fb_${this.world.options.label}`, FULFILMENT_MIGRATIONS);
    this.config = testConfig({
      dbUrl: this.db.url,
      dbName: this.db.name,
      backofficeUrl: `${boUrl}/api`,
      marketplaces: this.world.options.marketplaces.map((m) => ({
        code: m.sandbox.code,
        baseUrl: `${this.world.sandboxUrl}/mp/${m.sandbox.code}`,
        apiKey: m.sandbox.apiKey,
      })),
    });
    this.app = await startService(this.config);
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close().catch(() => undefined);
    await this.backoffice?.close();
    await this.db?.drop().catch(() => undefined);
  }

  /** The ERP's sales orders for a marketplace order (more than one is a duplicate). */
  salesOrders(
    mp: string,
    orderId: string,
  ): ReturnType<BackofficeSandbox['backOffice']['orders']['byExternalReference']> {
    return this.backoffice.backOffice.orders.byExternalReference(mp, orderId);
  }

  /** Units of a SKU any channel may still sell, over every warehouse. */
  available(sku: string): number {
    return this.backoffice.backOffice.warehouseSites.reduce((s, w) => {
      const l = this.backoffice.backOffice.stock.get(sku, w.code);
      return s + (l ? l.onHand - l.allocated - l.held : 0);
    }, 0);
  }

  async orderRow(mp: string, orderId: string): Promise<Record<string, any> | undefined> {
    const rows = await this.db.dataSource.query(
      `SELECT * FROM fb_order WHERE marketplace = $1 AND order_id = $2`,
      [mp, orderId],
    );
    return rows[0];
  }
}
