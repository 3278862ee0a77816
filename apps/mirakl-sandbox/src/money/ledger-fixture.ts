import { demoMarketplaces, type MarketplaceSettings } from '../marketplace';
import { OrderBook, type OrderEvent, type OrderLineInput } from '../orders/order-book';
import { SandboxClock } from '../sandbox-clock';
import type { SellerLedgerOptions } from './ledger-settings';
import { SellerLedger } from './seller-ledger';

export const DAY = 24 * 3_600_000;

/**
 * An order book and a seller ledger wired as the sandbox wires them, on a clock the test moves, for the
 * ledger's specs. Delivery takes a day, so received orders (payable by default) are one `advance` away.
 */
export function ledgerFixture(options: SellerLedgerOptions = {}) {
  const clock = new SandboxClock();
  const marketplaces = new Map<string, MarketplaceSettings>(
    demoMarketplaces().map((m) => [
      m.code,
      { ...m, deliveryMs: DAY, closeMs: 30 * DAY, debitFailureRate: 0 },
    ]),
  );
  const orders = new OrderBook(clock, marketplaces);
  const ledger = new SellerLedger(clock, marketplaces, { beforeSettle: () => orders.settle(), ...options });
  orders.onEvent((e) => ledger.record(e));
  const mp = 'decathlon-fr';
  const settings = marketplaces.get(mp)!;

  /** An order taken to SHIPPING (the customer debited). */
  const debited = (lines: OrderLineInput[], shippingPrice?: number, market = mp): string => {
    const id = orders.place(market, { customerId: 'C-1', lines, shippingPrice });
    orders.accept(
      market,
      id,
      lines.map((_, i) => ({ id: `${id}-${i + 1}`, accepted: true })),
    );
    clock.advance(settings.debitMs);
    orders.settle();
    return id;
  };
  const snapshot = (id: string, market = mp): Record<string, unknown> =>
    structuredClone(orders.get(market, id)!.order);
  const refund = (
    id: string,
    r: Omit<Extract<OrderEvent, { kind: 'refund' }>['refunds'][number], 'reason_code' | 'quantity'>,
  ) =>
    ledger.record({
      kind: 'refund',
      marketplace: mp,
      orderId: id,
      at: clock.now(),
      order: snapshot(id),
      refunds: [{ quantity: 1, reason_code: 'DAMAGED', ...r }],
    });
  const linesOf = (id?: string) =>
    ledger
      .lines(mp)
      .filter((v) => id === undefined || (v.line.entities.order as { id?: string } | undefined)?.id === id);
  return { clock, orders, ledger, mp, settings, debited, snapshot, refund, linesOf };
}
