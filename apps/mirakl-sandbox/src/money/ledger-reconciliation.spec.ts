import { includedTax, sumCents, toCents } from './cents';
import { PAYOUT_BUCKETS } from './cycle-summary';
import { DAY, ledgerFixture } from './ledger-fixture';
import { SellerLedger } from './seller-ledger';
import { tl02Line } from './transaction-line';

/** A small seeded generator (mulberry32): the same "random" orders on every run. */
function seeded(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

describe(`${SellerLedger.name} reconciliation`, () => {
  it.each([1, 2, 3])('adds up to the cent over many random orders, refunds and cycles (seed %i)', (seed) => {
    const rnd = seeded(seed);
    const f = ledgerFixture({ marketplaces: { 'decathlon-fr': { subscriptionFeeCents: rnd.int(0, 5000) } } });
    const debited: string[] = [];
    const refundable = new Map<string, number>(); // order line id → cents left to refund
    for (let step = 0; step < 400; step++) {
      const dice = rnd.next();
      if (dice < 0.35) {
        const lines = Array.from({ length: rnd.int(1, 3) }, (_, i) => ({
          offerSku: `S-${i}`,
          quantity: rnd.int(1, 3),
          unitPrice: rnd.int(1, 40_000) / 100,
          commissionRate: [0.05, 0.1, 0.12, 0.155, 0.2][rnd.int(0, 4)],
        }));
        const id = f.orders.place(f.mp, { customerId: 'C', lines, shippingPrice: rnd.int(0, 1500) / 100 });
        const refuseAll = rnd.next() < 0.1;
        f.orders.accept(
          f.mp,
          id,
          lines.map((_, i) => ({
            id: `${id}-${i + 1}`,
            accepted: !refuseAll && (i === 0 || rnd.next() < 0.8),
          })),
        );
        if (!refuseAll) debited.push(id);
      } else if (dice < 0.6) {
        const inShipping = debited.filter((id) => f.orders.get(f.mp, id)!.order.order_state === 'SHIPPING');
        if (inShipping.length > 0) f.orders.ship(f.mp, inShipping[rnd.int(0, inShipping.length - 1)]);
      } else if (dice < 0.75) {
        const shipped = debited.filter((id) =>
          ['SHIPPED', 'RECEIVED'].includes(f.orders.get(f.mp, id)!.order.order_state),
        );
        if (shipped.length === 0) continue;
        const id = shipped[rnd.int(0, shipped.length - 1)];
        const line = (
          f.snapshot(id).order_lines as { order_line_id: string; price: number; order_line_state: string }[]
        ).filter((l) => l.order_line_state !== 'REFUSED')[0];
        const left = refundable.get(line.order_line_id) ?? toCents(line.price);
        const cents = rnd.int(0, left);
        if (cents === 0) continue;
        refundable.set(line.order_line_id, left - cents);
        const commission = Math.round(cents * 0.1);
        f.refund(id, {
          refund_id: `R-${step}`,
          order_line_id: line.order_line_id,
          amount: cents / 100,
          shipping_amount: 0,
          taxes: [{ code: 'TVA', amount: includedTax(cents, 2000) / 100 }],
          shipping_taxes: [],
          commission_amount: commission / 100,
          commission_taxes: [{ code: 'TVA', amount: Math.round(commission * 0.2) / 100 }],
        });
      } else if (dice < 0.8) {
        f.ledger.addLine(f.mp, {
          type: rnd.next() < 0.5 ? 'ORDER_FEE_AMOUNT' : 'NEW_OPERATOR_FEE',
          cents: rnd.int(-999, 999) || 1,
        });
      } else if (dice < 0.83) {
        f.ledger.closeCycleNow(f.mp);
      } else {
        f.clock.advance(rnd.int(0, 2 * DAY));
      }
    }
    f.clock.advance(3 * DAY);

    const views = f.ledger.lines(f.mp);
    const cycles = f.ledger.cycles(f.mp);
    const documents = f.ledger.documents(f.mp);
    expect(cycles.length).toBeGreaterThan(5);
    expect(cycles.filter((c) => c.transferredCents > 0).length).toBeGreaterThan(3);
    for (const cycle of cycles) {
      const lines = views.filter((v) => v.line.paid?.cycleId === cycle.id);
      const payments = lines.filter((v) => v.line.type === 'PAYMENT');
      const others = lines.filter((v) => v.line.type !== 'PAYMENT');
      // Per cycle: Σ lines = payout = −PAYMENT = Σ summary payout buckets = TL02 amounts summed as cents.
      expect(sumCents(others.map((v) => v.line.cents))).toBe(cycle.transferredCents);
      expect(sumCents(payments.map((v) => v.line.cents))).toBe(0 - cycle.transferredCents);
      expect(payments).toHaveLength(cycle.transferredCents > 0 ? 1 : 0);
      expect(sumCents(PAYOUT_BUCKETS.map((b) => cycle.summaryCents[`total_${b}_incl_tax`]))).toBe(
        cycle.transferredCents,
      );
      const json = others.map((v) => tl02Line(v, 'EUR', '2001'));
      expect(sumCents(json.map((l) => toCents(l.amount)))).toBe(cycle.transferredCents);
      // Only lines payable by the close were paid in it.
      for (const v of others) expect(f.ledger.payableAt(v.line)!).toBeLessThanOrEqual(cycle.closedAt);
      const document = documents.find((d) => d.cycleId === cycle.id);
      if (cycle.transferredCents === 0 && others.length === 0) continue;
      const fees = others.filter((v) => /COMMISSION|SUBSCRIPTION/.test(v.line.type));
      expect(document!.operatorCents).toBe(0 - sumCents(fees.map((v) => v.line.cents)));
      expect(document!.transferredCents).toBe(cycle.transferredCents);
    }
    // Paid lines and payments cancel out: the balance is what is not paid yet.
    const unpaid = views.filter((v) => !v.line.paid);
    expect(views.at(-1)!.balanceCents).toBe(sumCents(unpaid.map((v) => v.line.cents)));
    expect(unpaid.every((v) => v.state !== 'PAID')).toBe(true);
    expect(views.filter((v) => v.state === 'PAID').every((v) => v.line.paid)).toBe(true);
    // Each debited order's money, net of refunds, is on the books exactly once.
    const wasDebited = (id: string) =>
      ['SHIPPING', 'SHIPPED', 'RECEIVED', 'CLOSED'].includes(f.orders.get(f.mp, id)!.order.order_state);
    expect(debited.filter(wasDebited).length).toBeGreaterThan(50);
    for (const id of debited.filter(wasDebited)) {
      const order = f.snapshot(id) as {
        order_lines: {
          order_line_state: string;
          price: number;
          shipping_price: number;
          total_commission: number;
        }[];
      };
      const expected = sumCents(
        order.order_lines
          .filter((l) => l.order_line_state !== 'REFUSED')
          .map((l) => toCents(l.price) + toCents(l.shipping_price) - toCents(l.total_commission)),
      );
      const booked = views.filter(
        (v) =>
          (v.line.entities.order as { id: string } | undefined)?.id === id &&
          !v.line.type.startsWith('REFUND_'),
      );
      expect(sumCents(booked.map((v) => v.line.cents))).toBe(expected);
    }
  });
});
