import { sumCents } from './cents';
import { cycleSummary, PAYOUT_BUCKETS } from './cycle-summary';
import { DAY, ledgerFixture } from './ledger-fixture';
import { SellerLedger } from './seller-ledger';
import { SandboxClock } from '../sandbox-clock';
import { demoMarketplaces } from '../marketplace';

const shippedAtOf = (f: ReturnType<typeof ledgerFixture>, id: string) =>
  Date.parse(f.orders.get(f.mp, id)!.history.find((h) => h.state === 'SHIPPED')!.at);

const amounts = (views: { line: { type: string; cents: number } }[]) =>
  views.map((v) => [v.line.type, v.line.cents]);

describe(SellerLedger.name, () => {
  it('books nothing before the debit, then the order money when the order reaches SHIPPING, all PENDING', () => {
    const f = ledgerFixture();
    const id = f.orders.place(f.mp, {
      customerId: 'C-1',
      lines: [{ offerSku: 'A', quantity: 2, unitPrice: 10 }],
      shippingPrice: 4.99,
    });
    f.orders.accept(f.mp, id, [{ id: `${id}-1`, accepted: true }]);
    expect(f.linesOf(id)).toEqual([]);

    f.clock.advance(f.settings.debitMs);
    const lines = f.linesOf(id);
    // 20.00 tax included (3.33 TVA), shipping 4.99 (0.83 TVA inside), commission 12% = 2.40 + 0.48 VAT.
    expect(amounts(lines)).toEqual([
      ['ORDER_AMOUNT', 1667],
      ['ORDER_AMOUNT_TAX', 333],
      ['ORDER_SHIPPING_AMOUNT', 416],
      ['ORDER_SHIPPING_AMOUNT_TAX', 83],
      ['COMMISSION_FEE', -240],
      ['COMMISSION_VAT', -48],
    ]);
    expect(lines.map((v) => v.state)).toEqual(Array(6).fill('PENDING'));
    expect(lines.map((v) => v.balanceCents)).toEqual([1667, 2000, 2416, 2499, 2259, 2211]);
    expect(lines[0].line.entities).toMatchObject({ order: { id }, order_line: { id: `${id}-1` } });
    expect(lines[5].line.entities).toMatchObject({ shop_tax: { code: 'TVA', rate: 20 } });
  });

  it('makes the lines PAYABLE when the order is received, not when it ships (default)', () => {
    const f = ledgerFixture();
    const id = f.debited([{ offerSku: 'A', quantity: 1, unitPrice: 30 }]);
    f.orders.ship(f.mp, id);
    const shippedAt = shippedAtOf(f, id);
    expect(new Set(f.linesOf(id).map((v) => v.state))).toEqual(new Set(['PENDING']));
    f.clock.advance(DAY + 5_000);
    expect(f.orders.get(f.mp, id)!.order.order_state).toBe('RECEIVED');
    expect(f.linesOf(id).map((v) => [v.state, v.lastUpdated])).toEqual(
      Array(6).fill(['PAYABLE', shippedAt + DAY]),
    );
  });

  it('makes the lines PAYABLE at shipment where the marketplace pays on shipment', () => {
    const f = ledgerFixture({ marketplaces: { 'decathlon-fr': { payableOn: 'SHIPPED' } } });
    const id = f.debited([{ offerSku: 'A', quantity: 1, unitPrice: 30 }]);
    f.orders.ship(f.mp, id);
    const shippedAt = shippedAtOf(f, id);
    expect(f.linesOf(id).map((v) => [v.state, v.lastUpdated])).toEqual(Array(6).fill(['PAYABLE', shippedAt]));
  });

  it('books a refund as its reversal lines, once, payable with the order', () => {
    const f = ledgerFixture();
    const id = f.debited([{ offerSku: 'A', quantity: 2, unitPrice: 10 }], 0);
    f.orders.ship(f.mp, id);
    const refund = {
      refund_id: 'R-1',
      order_line_id: `${id}-1`,
      amount: 10,
      shipping_amount: 0,
      taxes: [{ code: 'TVA', amount: 1.67 }],
      shipping_taxes: [],
      commission_amount: 1.2,
      commission_taxes: [{ code: 'TVA', amount: 0.24 }],
    };
    f.refund(id, refund);
    f.refund(id, refund); // the same refund seen twice
    const refunds = f.linesOf(id).filter((v) => v.line.type.startsWith('REFUND_'));
    expect(amounts(refunds)).toEqual([
      ['REFUND_ORDER_AMOUNT', -833],
      ['REFUND_ORDER_AMOUNT_TAX', -167],
      ['REFUND_COMMISSION_FEE', 120],
      ['REFUND_COMMISSION_VAT', 24],
    ]);
    expect(refunds[0].line.entities).toMatchObject({ refund: { id: 'R-1' }, order_line: { id: `${id}-1` } });
    expect(refunds.map((v) => v.state)).toEqual(Array(4).fill('PENDING'));
    f.clock.advance(DAY);
    expect(new Set(f.linesOf(id).map((v) => v.state))).toEqual(new Set(['PAYABLE']));
    expect(sumCents(f.linesOf(id).map((v) => v.line.cents))).toBe(2000 - 288 - 1000 + 144);
  });

  it('gives everything back, to the cent, when a debited order is cancelled', () => {
    const f = ledgerFixture();
    const id = f.debited(
      [
        { offerSku: 'A', quantity: 3, unitPrice: 3.33 },
        { offerSku: 'B', quantity: 1, unitPrice: 7.77, commissionRate: 0.155 },
      ],
      5.55,
    );
    const at = f.clock.now();
    f.ledger.record({
      kind: 'cancelation',
      marketplace: f.mp,
      orderId: id,
      at,
      order: f.snapshot(id),
      cancelations: [
        {
          cancelation_id: 'C-1',
          order_line_id: `${id}-1`,
          quantity: 1,
          amount: 3.33,
          shipping_amount: 1,
          reason_code: 'OUT_OF_STOCK',
        },
      ],
    });
    const afterPartial = sumCents(f.linesOf(id).map((v) => v.line.cents));
    expect(afterPartial).toBeGreaterThan(0);
    f.ledger.record({
      kind: 'state',
      marketplace: f.mp,
      orderId: id,
      from: 'SHIPPING',
      to: 'CANCELED',
      at,
      order: f.snapshot(id),
    });
    const lines = f.linesOf(id);
    expect(sumCents(lines.map((v) => v.line.cents))).toBe(0);
    for (const type of ['ORDER_AMOUNT', 'ORDER_SHIPPING_AMOUNT_TAX', 'COMMISSION_FEE', 'COMMISSION_VAT'])
      expect(
        sumCents(lines.filter((v) => v.line.type.replace('REFUND_', '') === type).map((v) => v.line.cents)),
      ).toBe(0);
    expect(new Set(lines.map((v) => v.state))).toEqual(new Set(['PAYABLE']));
  });

  it('closes a cycle on the clock: pays exactly the payable balance, carries what is not payable yet', () => {
    const f = ledgerFixture();
    const received = f.debited([{ offerSku: 'A', quantity: 3, unitPrice: 50 }]);
    f.orders.ship(f.mp, received);
    f.clock.advance(DAY); // received: payable
    f.clock.advance(f.ledger.nextCloseAt(f.mp) - f.clock.now() - 3_600_000);
    const shipped = f.debited([{ offerSku: 'B', quantity: 1, unitPrice: 80 }]);
    f.orders.ship(f.mp, shipped); // an hour before the close: not received by then
    const payable = sumCents(f.linesOf(received).map((v) => v.line.cents));

    f.clock.advance(f.ledger.nextCloseAt(f.mp) - f.clock.now());
    const [cycle] = f.ledger.cycles(f.mp);
    const all = f.linesOf();
    const inCycle = all.filter((v) => v.line.paid?.cycleId === cycle.id && v.line.type !== 'PAYMENT');
    const payment = all.filter((v) => v.line.type === 'PAYMENT');
    const subscription = -3999 - 800;
    expect(cycle.transferredCents).toBe(payable + subscription);
    expect(sumCents(inCycle.map((v) => v.line.cents))).toBe(cycle.transferredCents);
    expect(amounts(payment)).toEqual([['PAYMENT', -cycle.transferredCents]]);
    expect(payment[0].line.paid?.cycleId).toBe(cycle.id);
    expect(f.linesOf(received).map((v) => v.state)).toEqual(Array(6).fill('PAID'));
    expect(f.linesOf(shipped).map((v) => [v.state, v.line.paid])).toEqual(
      Array(6).fill(['PENDING', undefined]),
    );
    expect(sumCents(PAYOUT_BUCKETS.map((b) => cycle.summaryCents[`total_${b}_incl_tax`]))).toBe(
      cycle.transferredCents,
    );
    expect(cycle.summaryCents.total_non_payable_orders_incl_tax).toBe(8000 + 499); // shipping included
    const [document] = f.ledger.documents(f.mp);
    const fees = inCycle.filter((v) => /COMMISSION|SUBSCRIPTION/.test(v.line.type));
    expect(document.operatorCents).toBe(0 - sumCents(fees.map((v) => v.line.cents)));
    expect(inCycle.every((v) => v.line.paid?.documentNumber === document.number)).toBe(true);
    expect(all.at(-1)!.balanceCents).toBe(sumCents(f.linesOf(shipped).map((v) => v.line.cents)));

    f.clock.advance(DAY); // the second order is received: paid at the next close
    f.clock.advance(f.ledger.nextCloseAt(f.mp) - f.clock.now());
    const second = f.ledger.cycles(f.mp)[1];
    expect(second.transferredCents).toBe(
      sumCents(f.linesOf(shipped).map((v) => v.line.cents)) + subscription,
    );
    expect(f.linesOf(shipped).every((v) => v.line.paid?.cycleId === second.id)).toBe(true);
  });

  it('pays nothing when the payable balance is negative, and carries it into the next cycle', () => {
    const f = ledgerFixture();
    const first = f.ledger.closeCycleNow(f.mp);
    expect([first.transferredCents, first.documentId]).toEqual([0, undefined]);
    expect(amounts(f.linesOf())).toEqual([
      ['SUBSCRIPTION_FEE', -3999],
      ['SUBSCRIPTION_VAT', -800],
    ]);
    expect(f.linesOf().map((v) => v.state)).toEqual(['PAYABLE', 'PAYABLE']);

    const id = f.debited([{ offerSku: 'A', quantity: 2, unitPrice: 100 }]);
    f.orders.ship(f.mp, id);
    f.clock.advance(DAY);
    const second = f.ledger.closeCycleNow(f.mp);
    const order = sumCents(f.linesOf(id).map((v) => v.line.cents));
    expect(second.transferredCents).toBe(order - 2 * 4799);
    expect(f.linesOf().filter((v) => v.state !== 'PAID')).toEqual([]);
    expect(f.linesOf().at(-1)!.balanceCents).toBe(0);
  });

  it('books an operator line of a type the client has never seen, payable at once', () => {
    const f = ledgerFixture();
    const line = f.ledger.addLine(f.mp, { type: 'GREEN_PACKAGING_FEE', cents: -150, reference: 'ECO-1' });
    const [view] = f.linesOf();
    expect([view.line, view.state]).toEqual([line, 'PAYABLE']);
    expect(cycleSummary([line], []).total_other_invoices_incl_tax).toBe(-150);
    expect(() => f.ledger.addLine(f.mp, { type: 'PAYMENT', cents: 100 })).toThrow(RangeError);
    expect(() => f.ledger.addLine(f.mp, { type: 'X_FEE', cents: 100, orderId: 'NOPE-A' })).toThrow(
      'not debited',
    );
  });

  it('refuses settings it cannot honour', () => {
    const mps = new Map(demoMarketplaces().map((m) => [m.code, m]));
    expect(() => new SellerLedger(new SandboxClock(), mps, { marketplaces: { nope: {} } })).toThrow(
      'unknown',
    );
    expect(() => new SellerLedger(new SandboxClock(), mps, { defaults: { cycleMs: 5 } })).toThrow('cycleMs');
    expect(
      () => new SellerLedger(new SandboxClock(), mps, { defaults: { subscriptionFeeCents: 1.5 } }),
    ).toThrow('subscriptionFeeCents');
  });
});
