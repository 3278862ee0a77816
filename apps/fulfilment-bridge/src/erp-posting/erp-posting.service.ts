import { Inject, Injectable } from '@nestjs/common';
import { Topics } from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  CLOCK,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
} from '@seller-bridge/service-kit';
import { DataSource, type EntityManager } from 'typeorm';
import { BackofficeClient, type CreatedSalesOrder } from '../backoffice/backoffice-client';
import { BackofficeRefusedError, BackofficeUnavailableError } from '../backoffice/backoffice-errors';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { ExceptionLog } from '../exceptions/exception-log';
import { FulfilmentBridgeMetrics } from '../metrics/fulfilment-bridge.metrics';
import type { CustomerBody, ReleaseBody, SalesOrderBody } from './sales-order-body';
import { retryDelayMs } from './retry-delay';
import { returnedRows } from '../database/rows';

interface DueOrder {
  marketplace: string;
  order_id: string;
  state: 'pending' | 'posted';
  /** null for an order on hold until its release (Mirakl gives names and addresses at SHIPPING). */
  customer: CustomerBody | null;
  body: SalesOrderBody;
  on_hold: boolean;
  release_body: ReleaseBody | null;
  attempts: number;
  erp_number: string | null;
  cancel_requested: boolean;
  released_at: Date;
}

/** The Idempotency-Key of a marketplace order's sales order: stable across retries, restarts and replicas. */
export const idempotencyKey = (marketplace: string, orderId: string) => `${marketplace}:${orderId}`;

/**
 * Posts recorded orders to the ERP, and cancels in the ERP the posted orders the marketplace cancelled.
 * One row is claimed by one replica for a while (`next_attempt_at` pushed past the call's time), so a
 * crashed worker's row comes back by itself. A post whose outcome is unknown (timeout, dropped connection,
 * crash) is never blindly repeated: the next attempt first asks the ERP for the order by external reference,
 * then posts the stored body under the same key, which the ERP answers with the first order.
 */
@Injectable()
export class ErpPostingService {
  constructor(
    private readonly ds: DataSource,
    private readonly erp: BackofficeClient,
    private readonly outbox: OutboxWriter,
    private readonly exceptions: ExceptionLog,
    private readonly metrics: FulfilmentBridgeMetrics,
    private readonly config: FulfilmentBridgeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BACKBONE_LOGGER) private readonly logger: BackboneLogger,
  ) {}

  /** Claims and handles up to `limit` due orders; returns how many it handled. */
  async runDue(limit = this.config.WORKER_CONCURRENCY): Promise<number> {
    const due = await this.claim(limit);
    await Promise.all(due.map((o) => this.handle(o)));
    return due.length;
  }

  private async claim(limit: number): Promise<DueOrder[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + 3 * this.config.BACKOFFICE_TIMEOUT_MS + 5000);
    return this.ds.transaction(async (m) => {
      // Cancelled on the marketplace before any attempt: nothing to post, nothing to cancel.
      await m.query(
        `UPDATE fb_order SET state = 'cancelled', updated_at = $1
         WHERE state = 'pending' AND cancel_requested AND attempts = 0`,
        [now],
      );
      const rows = await m.query(
        `WITH due AS (
           SELECT marketplace, order_id FROM fb_order
           WHERE (state = 'pending' OR (state = 'posted' AND ((cancel_requested AND NOT erp_cancelled)
                                                               OR (release_body IS NOT NULL AND NOT erp_released))))
             AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE fb_order o SET attempts = o.attempts + 1, next_attempt_at = $3, updated_at = $1
         FROM due WHERE o.marketplace = due.marketplace AND o.order_id = due.order_id
         RETURNING o.marketplace, o.order_id, o.state, o.customer, o.body, o.on_hold, o.release_body,
                   o.attempts, o.erp_number, o.cancel_requested, o.released_at`,
        [now, limit, leaseUntil],
      );
      return returnedRows<DueOrder>(rows);
    });
  }

  private async handle(o: DueOrder): Promise<void> {
    try {
      if (o.state === 'posted' && o.cancel_requested) await this.cancelInErp(o);
      else if (o.state === 'posted') await this.releaseInErp(o);
      else await this.post(o);
    } catch (err) {
      await this.failed(o, err);
    }
  }

  private async post(o: DueOrder): Promise<void> {
    // An order on hold has no customer account yet: the ERP takes it by marketplace customer id.
    if (o.customer) await this.erp.ensureCustomer(o.customer);
    let created: CreatedSalesOrder | undefined;
    let replayed = false;
    if (o.attempts > 1) {
      // An earlier attempt may have landed without us hearing the answer.
      created = (await this.erp.salesOrdersFor(o.marketplace, o.order_id))[0];
      replayed = created !== undefined;
    }
    if (!created) {
      try {
        created = await this.erp.postSalesOrder(idempotencyKey(o.marketplace, o.order_id), o.body);
      } catch (err) {
        if (!(err instanceof BackofficeRefusedError && err.apiCode === 'idempotency_key_reused')) throw err;
        created = (await this.erp.salesOrdersFor(o.marketplace, o.order_id))[0];
        if (!created) throw err;
        replayed = true;
      }
    }
    const posted = created;
    const now = this.clock.now();
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE fb_order SET state = 'posted', erp_number = $3, erp_created_at = $4, posted_at = $5,
                last_error = NULL, next_attempt_at = $5, updated_at = $5
         WHERE marketplace = $1 AND order_id = $2`,
        [o.marketplace, o.order_id, posted.number, new Date(posted.created_at), now],
      );
      await this.outbox.emit(m, Topics.orderPostedToErp, {
        marketplace: o.marketplace,
        orderId: o.order_id,
        erpOrderNumber: posted.number,
        postedAt: now.toISOString(),
        erpCreatedAt: new Date(posted.created_at).toISOString(),
      });
      if (o.attempts > 1) await this.resolveUnreachable(m, o);
    });
    this.metrics.ordersPosted.inc({ marketplace: o.marketplace, outcome: replayed ? 'replayed' : 'posted' });
    this.metrics.postingLatency.observe(
      { marketplace: o.marketplace },
      (now.getTime() - new Date(o.released_at).getTime()) / 1000,
    );
    this.logger.info(
      {
        marketplace: o.marketplace,
        orderId: o.order_id,
        erpOrderNumber: posted.number,
        attempts: o.attempts,
        replayed,
        onHold: o.on_hold,
      },
      o.on_hold ? 'order posted to the ERP on hold' : 'order posted to the ERP',
    );
  }

  /**
   * Releases a sales order taken on hold: its customer, then the stored release (address, lines still to
   * ship). The ERP answers the same release again with the order as it is, so a retry after an unknown
   * outcome is safe; `erp_released` makes it once.
   */
  private async releaseInErp(o: DueOrder): Promise<void> {
    if (o.customer) await this.erp.ensureCustomer(o.customer);
    await this.erp.releaseSalesOrder(o.erp_number!, o.release_body!);
    const now = this.clock.now();
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE fb_order SET erp_released = true, erp_released_at = $3, last_error = NULL, updated_at = $3
         WHERE marketplace = $1 AND order_id = $2`,
        [o.marketplace, o.order_id, now],
      );
      if (o.attempts > 1) await this.resolveUnreachable(m, o);
    });
    this.metrics.ordersPosted.inc({ marketplace: o.marketplace, outcome: 'released' });
    this.logger.info(
      { marketplace: o.marketplace, orderId: o.order_id, erpOrderNumber: o.erp_number, attempts: o.attempts },
      'sales order on hold released in the ERP',
    );
  }

  private async cancelInErp(o: DueOrder): Promise<void> {
    try {
      await this.erp.cancelSalesOrder(o.erp_number!, 'cancelled on the marketplace');
    } catch (err) {
      if (!(err instanceof BackofficeRefusedError && err.apiCode === 'already_shipped')) throw err;
      await this.ds.transaction(async (m) => {
        await m.query(
          `UPDATE fb_order SET cancel_requested = false, last_error = $3 WHERE marketplace = $1 AND order_id = $2`,
          [o.marketplace, o.order_id, err.message],
        );
        await this.exceptions.raise(m, {
          exceptionId: `ERP_CANCEL_AFTER_SHIPMENT:${o.marketplace}:${o.order_id}`,
          type: 'ERP_CANCEL_AFTER_SHIPMENT',
          owner: 'operations',
          marketplace: o.marketplace,
          entities: [
            { kind: 'order', id: `${o.marketplace}:${o.order_id}` },
            { kind: 'sales-order', id: o.erp_number! },
          ],
          reason: `The marketplace cancelled order ${o.order_id}, but sales order ${o.erp_number} has already shipped.`,
          resolution: 'Intercept the parcel or arrange a return, and refund the customer on the marketplace.',
        });
      });
      return;
    }
    await this.ds.query(
      `UPDATE fb_order SET state = 'cancelled', erp_cancelled = true, last_error = NULL, updated_at = $3
       WHERE marketplace = $1 AND order_id = $2`,
      [o.marketplace, o.order_id, this.clock.now()],
    );
    this.logger.info(
      { marketplace: o.marketplace, orderId: o.order_id, erpOrderNumber: o.erp_number },
      'sales order cancelled in the ERP',
    );
  }

  private async failed(o: DueOrder, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const now = this.clock.now();
    if (err instanceof BackofficeRefusedError) {
      // The ERP refuses this order as it is (unknown SKU, blocked product…): a person must act.
      await this.ds.transaction(async (m) => {
        await m.query(
          `UPDATE fb_order SET state = CASE WHEN state = 'pending' OR NOT cancel_requested THEN 'failed' ELSE state END,
                  cancel_requested = CASE WHEN state = 'posted' THEN false ELSE cancel_requested END,
                  last_error = $3, updated_at = $4 WHERE marketplace = $1 AND order_id = $2`,
          [o.marketplace, o.order_id, message, now],
        );
        await this.exceptions.raise(m, {
          exceptionId: `ERP_POSTING_REFUSED:${o.marketplace}:${o.order_id}`,
          type: 'ERP_POSTING_REFUSED',
          owner: 'operations',
          marketplace: o.marketplace,
          entities: [{ kind: 'order', id: `${o.marketplace}:${o.order_id}` }],
          reason: message,
          resolution:
            'Fix the cause in the ERP (product, customer, item), then re-queue the order from the admin API.',
        });
      });
      this.metrics.ordersPosted.inc({ marketplace: o.marketplace, outcome: 'refused' });
      this.logger.warn(
        { marketplace: o.marketplace, orderId: o.order_id, code: 'BACKOFFICE_REFUSED', err: message },
        'the ERP refused the order',
      );
      return;
    }
    const delay = Math.max(
      retryDelayMs(o.attempts, this.config.RETRY_BASE_MS, this.config.RETRY_MAX_MS),
      err instanceof BackofficeUnavailableError
        ? Math.min(err.retryAfterMs ?? 0, this.config.RETRY_MAX_MS)
        : 0,
    );
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE fb_order SET next_attempt_at = $3, last_error = $4, updated_at = $5 WHERE marketplace = $1 AND order_id = $2`,
        [o.marketplace, o.order_id, new Date(now.getTime() + delay), message, now],
      );
      if (o.attempts === 5)
        await this.exceptions.raise(m, {
          exceptionId: `ERP_UNREACHABLE:${o.marketplace}:${o.order_id}`,
          type: 'ORDER_NOT_IN_ERP',
          owner: 'integration',
          marketplace: o.marketplace,
          entities: [{ kind: 'order', id: `${o.marketplace}:${o.order_id}` }],
          reason:
            o.state === 'posted'
              ? `Sales order ${o.erp_number} (order ${o.order_id}) is still on hold in the ERP after ${o.attempts} attempts to release it: ${message}`
              : `Order ${o.order_id} is not in the ERP after ${o.attempts} attempts: ${message}`,
          resolution: 'Check that the back office is up and reachable; posting resumes by itself.',
        });
    });
    this.metrics.ordersPosted.inc({ marketplace: o.marketplace, outcome: 'retry' });
    this.logger.warn(
      {
        marketplace: o.marketplace,
        orderId: o.order_id,
        attempts: o.attempts,
        retryInMs: delay,
        err: message,
      },
      'ERP posting failed; will retry',
    );
  }

  private async resolveUnreachable(m: EntityManager, o: DueOrder): Promise<void> {
    await this.exceptions.resolve(
      m,
      `ERP_UNREACHABLE:${o.marketplace}:${o.order_id}`,
      'ORDER_NOT_IN_ERP',
      'the order was posted after the back office came back',
    );
  }
}
