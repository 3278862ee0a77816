import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MiraklApiError } from '@seller-bridge/mirakl-client';
import { BACKBONE_LOGGER, type BackboneLogger } from '@seller-bridge/service-kit';
import { DataSource } from 'typeorm';
import { BackofficeClient, type FeedChange } from '../backoffice/backoffice-client';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { returnedRows } from '../database/rows';
import { ExceptionLog } from '../exceptions/exception-log';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { WorkLoop } from '../marketplaces/work-loop';
import { FulfilmentBridgeMetrics } from '../metrics/fulfilment-bridge.metrics';

/**
 * Sales orders cancelled by a user in the ERP (`sales_order.cancelled`, `cancelled_by: erp`, from the change
 * feed) → OR29 on the marketplace while the order may still be cancelled there (SHIPPING, `can_cancel`).
 * Our own API cancellations (`cancelled_by: api`) came from the marketplace and are skipped. The cursor
 * moves only past changes handled, so a marketplace that does not answer is tried again on the next read.
 */
@Injectable()
export class ErpCancellationReader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: WorkLoop;

  constructor(
    private readonly ds: DataSource,
    private readonly bo: BackofficeClient,
    private readonly exceptions: ExceptionLog,
    private readonly metrics: FulfilmentBridgeMetrics,
    private readonly config: FulfilmentBridgeConfig,
    @Inject(MARKETPLACE_CLIENTS) private readonly clients: MarketplaceClients,
    @Inject(BACKBONE_LOGGER) private readonly logger: BackboneLogger,
  ) {
    this.loop = new WorkLoop(
      'erp-cancellations',
      () => this.readOnce(),
      config.BACKOFFICE_FEED_POLL_MS,
      logger,
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.BACKOFFICE_FEED_ENABLED) this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async readOnce(): Promise<number> {
    await this.ds.query(
      `INSERT INTO fb_feed_cursor (name) VALUES ('erp-cancellations') ON CONFLICT DO NOTHING`,
    );
    return this.ds.transaction(async (m) => {
      const [cursor] = returnedRows<{ seq: string }>(
        await m.query(
          `SELECT seq FROM fb_feed_cursor WHERE name = 'erp-cancellations' FOR UPDATE SKIP LOCKED`,
        ),
      );
      if (!cursor) return 0;
      const page = await this.bo.changes(Number(cursor.seq), ['sales_order.cancelled'], 200);
      let last = Number(cursor.seq);
      for (const c of page.changes) {
        await this.handle(m.connection, c);
        last = c.seq;
      }
      if (page.changes.length === 0) last = page.last_seq;
      await m.query(`UPDATE fb_feed_cursor SET seq = $1 WHERE name = 'erp-cancellations'`, [last]);
      return page.changes.length;
    });
  }

  private async handle(ds: DataSource, c: FeedChange): Promise<void> {
    const data = (c.data ?? {}) as {
      cancelled_by?: string;
      reason?: string;
      external_reference?: { marketplace?: string; order_id?: string };
    };
    if (data.cancelled_by !== 'erp') return;
    const mp = data.external_reference?.marketplace;
    const orderId = data.external_reference?.order_id;
    const client = mp ? this.clients.get(mp) : undefined;
    if (!mp || !orderId || !client) return;
    const order = await client.getOrder(orderId); // a failure throws: the cursor stays, the change comes again
    if (!order || order.order_state === 'CANCELED') return;
    if (order.order_state !== 'SHIPPING' || order.can_cancel === false) {
      await ds.transaction((m) =>
        this.exceptions.raise(m, {
          exceptionId: `MARKETPLACE_CANCEL_NOT_ALLOWED:${mp}:${orderId}`,
          type: 'MARKETPLACE_CANCEL_NOT_ALLOWED',
          owner: 'operations',
          marketplace: mp,
          entities: [
            { kind: 'order', id: `${mp}:${orderId}` },
            { kind: 'sales-order', id: String(c.sales_order_number ?? '') },
          ],
          reason: `Sales order ${String(c.sales_order_number)} was cancelled in the ERP, but order ${orderId} is ${order.order_state} on ${mp} and cannot be cancelled there.`,
          resolution:
            'Cancel or refund the order in the marketplace back office, or restore the sales order.',
        }),
      );
      return;
    }
    try {
      const r = await client.cancelOrder(orderId);
      this.metrics.miraklWrites.inc({
        marketplace: mp,
        operation: 'OR29',
        outcome: r.outcome === 'sent' ? 'sent' : 'already',
      });
    } catch (err) {
      if (err instanceof MiraklApiError && !err.transient) {
        this.metrics.miraklWrites.inc({ marketplace: mp, operation: 'OR29', outcome: 'refused' });
        this.logger.warn({ marketplace: mp, orderId, err: err.message }, 'OR29 refused');
        await ds.transaction((m) =>
          this.exceptions.raise(m, {
            exceptionId: `MARKETPLACE_CANCEL_NOT_ALLOWED:${mp}:${orderId}`,
            type: 'MARKETPLACE_CANCEL_NOT_ALLOWED',
            owner: 'operations',
            marketplace: mp,
            entities: [{ kind: 'order', id: `${mp}:${orderId}` }],
            reason: `The marketplace refused to cancel order ${orderId} (OR29): ${err.message}`,
            resolution: 'Cancel or refund the order in the marketplace back office.',
          }),
        );
        return;
      }
      throw err;
    }
    await ds.query(
      `UPDATE fb_order SET state = 'cancelled', erp_cancelled = true, updated_at = now() WHERE marketplace = $1 AND order_id = $2`,
      [mp, orderId],
    );
    this.logger.info(
      { marketplace: mp, orderId, salesOrder: c.sales_order_number },
      'ERP cancellation sent to the marketplace (OR29)',
    );
  }
}
