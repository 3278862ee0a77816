import { all, contractScenario, type ContractContext } from './contract-scenario';

const DAY = 86_400_000;

/** Orders taken to RECEIVED (payable), one refunded, then the billing cycle closed: every kind of line. */
async function booksWithACycle(ctx: ContractContext): Promise<string[]> {
  const c = ctx.client();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = await ctx.inShipping(undefined, {
      lines: [
        { offerSku: 'A', quantity: 2, unitPrice: 25 },
        { offerSku: 'B', quantity: 1, unitPrice: 12.5 },
      ],
    });
    await c.shipOrder(id);
    ids.push(id);
  }
  const order = (await c.getOrder(ids[0]))!;
  await c.refundLines(order, [
    {
      order_line_id: order.order_lines[1].order_line_id,
      amount: 12.5,
      shipping_amount: 0,
      reason_code: 'DAMAGED',
      quantity: 1,
      taxes: [{ code: 'TVA', amount: 2.08 }],
    },
  ]);
  ctx.sandbox.clock.advance(3 * DAY); // RECEIVED: payable
  ctx.sandbox.ledger.closeCycleNow(ctx.marketplace().code);
  return ids;
}

/** TL02, IV01, SBC11: the seller's money, read by the client's paging. */
export const moneyScenarios = [
  contractScenario({
    operation: 'TL02',
    covers: 'transaction lines of orders, refunds, subscription and payment; seek pages; order id filter',
    async run(ctx) {
      const ids = await booksWithACycle(ctx);
      const c = ctx.client();
      const lines = await all(c.listTransactionLines({}, 5));
      const types = new Set(lines.map((l) => l.type));
      for (const t of [
        'ORDER_AMOUNT',
        'COMMISSION_FEE',
        'REFUND_ORDER_AMOUNT',
        'SUBSCRIPTION_FEE',
        'PAYMENT',
      ])
        expect(types).toContain(t);
      const ofFirst = await all(c.listTransactionLines({ orderIds: [ids[0]] }));
      expect(ofFirst.length).toBeGreaterThan(0);
    },
  }),
  contractScenario({
    operation: 'IV01',
    covers: 'the accounting document of a closed cycle',
    async run(ctx) {
      await booksWithACycle(ctx);
      const docs = await all(ctx.client().listAccountingDocuments());
      expect(docs).toHaveLength(1);
    },
  }),
  contractScenario({
    operation: 'SBC11',
    covers: 'billing cycles with the amount transferred to the seller',
    async run(ctx) {
      await booksWithACycle(ctx);
      const cycles = await all(ctx.client().listBillingCycles());
      expect(cycles.length).toBeGreaterThanOrEqual(1);
    },
  }),
];
