import { randomUUID } from 'node:crypto';
import { Topics, type EventEnvelope, type MarketplacePolled } from '@seller-bridge/contracts';
import type { MiraklOrder } from '@seller-bridge/mirakl-client';
import { demoMarketplaces } from '@seller-bridge/mirakl-sandbox';
import type { SimulationOptions } from './simulation-options';
import type { SimulationWorld } from './simulation-world';

export interface OrderRoleFigures {
  ordersDecided: number;
  /** Orders with at least one accepted line. */
  ordersAccepted: number;
  /** Orders refused as a whole. */
  ordersRefused: number;
  linesAccepted: number;
  unitsAccepted: number;
  /** Refused lines by reason: no stock left, SKU unknown, or refused with its order (no partial acceptance). */
  linesRefused: { NO_STOCK: number; UNKNOWN_SKU: number; WHOLE_ORDER: number };
  unitsRefusedNoStock: number;
  /** Polls after which catalogue-sync's consumer lagged (reservations taken at the next step). */
  laggedPolls: number;
  /** OR21 found the order already decided (should not happen: the order role decides once). */
  alreadyDecided: number;
}

const PARTIAL = new Map(demoMarketplaces().map((m) => [m.code, m.partialAcceptance]));

/**
 * What order-gateway will do (decision 0008, steps 1–4), with catalogue-sync's reservation ledger called as its
 * Kafka consumer calls it: poll OR11 by update date with an overlap, reserve each new order in one
 * transaction (SKUs locked first, in order), accept the reserved lines and refuse the others with OR21 (the
 * whole order where the marketplace forbids partial acceptance), release what was refused, and record the
 * poll (`orders.marketplace.polled.v1`) for the stock pusher's orders-first gate.
 */
export class OrderRole {
  readonly figures: OrderRoleFigures = {
    ordersDecided: 0,
    ordersAccepted: 0,
    ordersRefused: 0,
    linesAccepted: 0,
    unitsAccepted: 0,
    linesRefused: { NO_STOCK: 0, UNKNOWN_SKU: 0, WHOLE_ORDER: 0 },
    unitsRefusedNoStock: 0,
    laggedPolls: 0,
    alreadyDecided: 0,
  };
  /** `<marketplace>/<order line id>` of every accepted line. */
  readonly acceptedLines = new Set<string>();
  private readonly lastPollAt = new Map<string, number>();
  private readonly decided = new Set<string>();
  private readonly waiting = new Map<string, Map<string, MiraklOrder>>();

  constructor(
    private readonly world: SimulationWorld,
    private readonly options: SimulationOptions,
    private readonly random: () => number,
  ) {}

  async run(marketplace: string): Promise<void> {
    const client = this.world.clients.get(marketplace)!;
    const startedAt = this.world.clock.now().getTime();
    const last = this.lastPollAt.get(marketplace);
    const seen: MiraklOrder[] = [];
    const filter =
      last === undefined
        ? {}
        : { startUpdateDate: new Date(last - this.options.pollOverlapMs).toISOString() };
    for await (const order of client.listOrders(filter)) seen.push(order);
    this.lastPollAt.set(marketplace, startedAt);

    const waiting = this.waiting.get(marketplace) ?? new Map<string, MiraklOrder>();
    this.waiting.set(marketplace, waiting);
    for (const o of seen)
      if (o.order_state === 'WAITING_ACCEPTANCE' && !this.decided.has(`${marketplace}/${o.order_id}`))
        waiting.set(o.order_id, o);
    if (this.options.bypassReservations) return this.decide(marketplace, [...waiting.values()], undefined);

    await this.recordPoll(
      marketplace,
      startedAt,
      seen.filter((o) => o.order_state !== 'STAGING').map((o) => o.order_id),
    );
    if (waiting.size > 0 && this.random() < this.options.consumerLagShare) {
      this.figures.laggedPolls++;
      return; // catalogue-sync has the poll but not yet the orders: the next push is gated
    }
    const orders = [...waiting.values()];
    const outcomes = await this.world.tx(async (m) => {
      await this.world.reservations.lockSkusInOrder(
        m,
        orders.flatMap((o) => o.order_lines.map((l) => l.offer_sku)),
      );
      const all = [];
      for (const o of orders)
        all.push(
          await this.world.reservations.reserveOrder(m, {
            marketplace,
            orderId: o.order_id,
            lines: o.order_lines.map((l) => ({
              lineId: l.order_line_id,
              sku: l.offer_sku,
              quantity: l.quantity,
            })),
          }),
        );
      return all;
    });
    await this.decide(marketplace, orders, outcomes);
  }

  /** OR21 for each order, then the releases catalogue-sync makes on `accepted`/`refused` (0008 step 4). */
  private async decide(
    marketplace: string,
    orders: MiraklOrder[],
    outcomes: { orderLineId: string; outcome: string }[][] | undefined,
  ): Promise<void> {
    const client = this.world.clients.get(marketplace)!;
    for (const [i, o] of orders.entries()) {
      const outcome = new Map(outcomes?.[i].map((l) => [l.orderLineId, l.outcome]));
      const reserved = (id: string) => !outcomes || outcome.get(id) === 'reserved';
      const whole = !PARTIAL.get(marketplace) && o.order_lines.some((l) => !reserved(l.order_line_id));
      const accepted = (id: string) => reserved(id) && !whole;
      const sent = await client.acceptOrder(
        o.order_id,
        o.order_lines.map((l) => ({ id: l.order_line_id, accepted: accepted(l.order_line_id) })),
      );
      if (sent.outcome === 'already-decided') this.figures.alreadyDecided++;
      this.decided.add(`${marketplace}/${o.order_id}`);
      this.waiting.get(marketplace)!.delete(o.order_id);
      this.figures.ordersDecided++;

      const refused = o.order_lines.filter((l) => !accepted(l.order_line_id));
      for (const l of o.order_lines) {
        if (accepted(l.order_line_id)) {
          this.acceptedLines.add(`${marketplace}/${l.order_line_id}`);
          this.figures.linesAccepted++;
          this.figures.unitsAccepted += l.quantity;
        } else if (reserved(l.order_line_id)) this.figures.linesRefused.WHOLE_ORDER++;
        else if (outcome.get(l.order_line_id) === 'unknown-sku') this.figures.linesRefused.UNKNOWN_SKU++;
        else {
          this.figures.linesRefused.NO_STOCK++;
          this.figures.unitsRefusedNoStock += l.quantity;
        }
      }
      if (refused.length === o.order_lines.length) this.figures.ordersRefused++;
      else this.figures.ordersAccepted++;
      if (!outcomes || refused.length === 0) continue;
      // orders.order.refused.v1 releases the whole order; orders.order.accepted.v1 its refused lines.
      await this.world.tx((m) =>
        refused.length === o.order_lines.length
          ? this.world.reservations.release(m, marketplace, o.order_id, 'ORDER_REFUSED')
          : this.world.reservations.release(
              m,
              marketplace,
              o.order_id,
              'LINE_REFUSED',
              refused.map((l) => l.order_line_id),
            ),
      );
    }
  }

  /** `orders.marketplace.polled.v1`, handled by catalogue-sync's own consumer method. */
  private async recordPoll(marketplace: string, visibleAt: number, orderIds: string[]): Promise<void> {
    const payload: MarketplacePolled = {
      marketplace,
      visibleAt: new Date(visibleAt).toISOString(),
      orderIds,
      finishedAt: this.world.clock.now().toISOString(),
    };
    const event: EventEnvelope<MarketplacePolled> = {
      eventId: randomUUID(),
      type: Topics.marketplacePolled.type,
      schemaVersion: Topics.marketplacePolled.version,
      occurredAt: payload.finishedAt!,
      correlationId: randomUUID(),
      marketplace,
      key: marketplace,
      payload,
    };
    await this.world.tx((manager) =>
      this.world.orderEvents.onPolled(event, {
        manager,
        attempt: 1,
        topic: Topics.marketplacePolled.name,
        partition: 0,
        offset: '0',
      }),
    );
  }
}
