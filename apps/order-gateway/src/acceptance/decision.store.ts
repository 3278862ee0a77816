import type { EntityManager } from 'typeorm';
import { Topics, type LineDecision, type LineReservation, type Money } from '@seller-bridge/contracts';
import type { OutboxWriter, PendingEvent } from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/order-gateway.config';
import { orderException } from '../exceptions/order-exceptions';
import type { OrderSnapshot } from '../orders/mirakl-order-mapper';
import { validateOrder } from '../validation/line-validation';
import { decide } from './acceptance-policy';
import { awaitingErpConfirmation } from './awaiting-erp';

export type DecisionStatus = 'waiting-erp' | 'pending' | 'sending' | 'landed' | 'superseded';

export interface DecisionOutcome {
  status: DecisionStatus | 'unknown-order' | 'already-decided';
  lines?: LineDecision[];
}

/**
 * Turns the reservation owner's answer into the order's decision, persisted before anything is sent
 * (status `pending`, or `waiting-erp` under AFTER_ERP_CONFIRMATION, which also publishes
 * `orders.order.awaiting-erp-confirmation.v1` so that fulfilment-bridge creates the sales order on hold). The
 * acceptance loop sends it. Runs in the consumer's transaction with its inbox entry: a redelivered answer
 * changes nothing, and an order is decided once (its decision row), so the ERP is asked once.
 */
export class DecisionStore {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly service: string,
  ) {}

  /** One order's decision (see {@link decideOrders}). */
  async decideOrder(
    m: EntityManager,
    settings: MarketplaceSettings,
    orderId: string,
    reservation: readonly LineReservation[],
    now: Date,
  ): Promise<DecisionOutcome> {
    const [r] = await this.decideOrders(m, settings, [{ orderId, reservation }], now);
    return r;
  }

  /**
   * The decisions of a chunk of one marketplace's orders, in a handful of statements: the orders are locked in
   * id order, and every order not yet decided gets its decision row; the exceptions of failed lines are emitted.
   */
  async decideOrders(
    m: EntityManager,
    settings: MarketplaceSettings,
    answers: readonly { orderId: string; reservation: readonly LineReservation[] }[],
    now: Date,
  ): Promise<DecisionOutcome[]> {
    const marketplace = settings.code;
    const ids = [...new Set(answers.map((a) => a.orderId))].sort();
    type Held = {
      order_id: string;
      snapshot: OrderSnapshot;
      mirakl_state: string;
      decision_published_at: Date | null;
    };
    const orders = new Map<string, Held>(
      (
        (await m.query(
          `SELECT order_id, snapshot, mirakl_state, decision_published_at FROM mirakl_order
           WHERE marketplace = $1 AND order_id = ANY($2) ORDER BY order_id FOR UPDATE`,
          [marketplace, ids],
        )) as Held[]
      ).map((r) => [r.order_id, r]),
    );
    const decided = new Set<string>(
      (
        await m.query(`SELECT order_id FROM order_decision WHERE marketplace = $1 AND order_id = ANY($2)`, [
          marketplace,
          ids,
        ])
      ).map((r: { order_id: string }) => r.order_id),
    );
    const confirmed = new Set<string>(
      (
        await m.query(`SELECT order_id FROM erp_confirmation WHERE marketplace = $1 AND order_id = ANY($2)`, [
          marketplace,
          ids,
        ])
      ).map((r: { order_id: string }) => r.order_id),
    );
    const skus = [...new Set([...orders.values()].flatMap((o) => o.snapshot.lines.map((l) => l.sku)))];
    const prices: { sku: string; price_minor: string; currency: string }[] =
      settings.priceTolerance === undefined || skus.length === 0
        ? []
        : await m.query(`SELECT sku, price_minor, currency FROM offer_price WHERE sku = ANY($1)`, [skus]);
    const offerPrices = new Map<string, Money>(
      prices.map((p) => [p.sku, { amountMinor: Number(p.price_minor), currency: p.currency }]),
    );

    const out: DecisionOutcome[] = [];
    const rows: {
      orderId: string;
      status: DecisionStatus;
      lines: string;
      reservation: string;
      outcome: string | null;
    }[] = [];
    const events: PendingEvent<any>[] = [];
    for (const a of answers) {
      const order = orders.get(a.orderId);
      if (!order) {
        out.push({ status: 'unknown-order' });
        continue;
      }
      if (decided.has(a.orderId)) {
        out.push({ status: 'already-decided' });
        continue;
      }
      decided.add(a.orderId);
      const verdicts = validateOrder(order.snapshot, a.reservation, settings, offerPrices);
      const decision = decide(verdicts, settings, confirmed.has(a.orderId));
      // Mirakl no longer waits for a decision (auto-refused, cancelled): record it, send nothing.
      const moot =
        order.decision_published_at !== null ||
        !['STAGING', 'WAITING_ACCEPTANCE'].includes(order.mirakl_state);
      const status: DecisionStatus = moot ? 'superseded' : decision.status;
      rows.push({
        orderId: a.orderId,
        status,
        lines: JSON.stringify(decision.lines),
        reservation: JSON.stringify(a.reservation),
        outcome: moot ? `moot:${order.mirakl_state}` : null,
      });
      for (const v of verdicts)
        for (const f of v.failures)
          events.push({
            topic: Topics.exceptionRaised,
            payload: orderException(
              f.code,
              { marketplace, orderId: a.orderId, lineId: v.lineId, sku: v.sku },
              this.service,
              now,
              f.detail,
            ),
          });
      // The ERP is asked for the sales order (on hold) in this transaction: once per order, with the decision row.
      if (status === 'waiting-erp')
        events.push({
          topic: Topics.orderAwaitingErpConfirmation,
          payload: awaitingErpConfirmation(order.snapshot, decision.lines, now),
        });
      out.push({ status, lines: decision.lines });
    }
    if (rows.length > 0)
      await m.query(
        `INSERT INTO order_decision (marketplace, order_id, status, policy, lines, reservation, decided_at, next_attempt_at, outcome)
         SELECT $1, v.order_id, v.status, $2, v.lines, v.reservation, $3, $3, v.outcome
         FROM unnest($4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[]) AS v(order_id, status, lines, reservation, outcome)`,
        [
          marketplace,
          settings.acceptancePolicy,
          now,
          rows.map((r) => r.orderId),
          rows.map((r) => r.status),
          rows.map((r) => r.lines),
          rows.map((r) => r.reservation),
          rows.map((r) => r.outcome),
        ],
      );
    await this.outbox.emitMany(m, events);
    return out;
  }

  /** The ERP has the sales order: an acceptance waiting for it may go out. */
  async confirmByErp(
    m: EntityManager,
    marketplace: string,
    orderId: string,
    erpOrderNumber: string,
    postedAt: Date,
  ): Promise<boolean> {
    await m.query(
      `INSERT INTO erp_confirmation (marketplace, order_id, erp_order_number, posted_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [marketplace, orderId, erpOrderNumber, postedAt],
    );
    const [, released] = (await m.query(
      `UPDATE order_decision SET status = 'pending', next_attempt_at = now()
       WHERE marketplace = $1 AND order_id = $2 AND status = 'waiting-erp'`,
      [marketplace, orderId],
    )) as [unknown, number];
    return released > 0;
  }
}
