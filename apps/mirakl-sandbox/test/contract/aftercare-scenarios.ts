import { contractScenario } from './contract-scenario';

/** OR28, OR29, OR30: refunds and cancellations, and Mirakl's refusals of them. */
export const aftercareScenarios = [
  contractScenario({
    operation: 'OR29',
    covers: 'a whole order cancelled in SHIPPING; ORDER_INVALID_STATE before',
    async run(ctx) {
      const c = ctx.client();
      expect((await ctx.refusal(c.cancelOrder(ctx.place()))).miraklCode).toBe('ORDER_INVALID_STATE');
      const id = await ctx.inShipping();
      expect(await c.cancelOrder(id)).toEqual({ outcome: 'sent' });
      expect((await c.getOrder(id))?.order_state).toBe('CANCELED');
    },
  }),
  contractScenario({
    operation: 'OR30',
    covers: 'line quantities cancelled; an amount over the line refused',
    async run(ctx) {
      const c = ctx.client();
      const id = await ctx.inShipping(undefined, { lines: [{ offerSku: 'A', quantity: 2, unitPrice: 10 }] });
      const order = (await c.getOrder(id))!;
      const line = order.order_lines[0].order_line_id;
      const cancel = { order_line_id: line, quantity: 1, amount: 10, shipping_amount: 0, reason_code: 'OOS' };
      expect((await c.cancelLines(order, [cancel])).outcome).toBe('sent');
      expect((await c.getOrder(id))?.order_lines[0].cancelations).toHaveLength(1); // OR11 lists it
      expect((await ctx.refusal(c.cancelLines(order, [{ ...cancel, amount: 99 }]))).status).toBe(400);
    },
  }),
  contractScenario({
    operation: 'OR28',
    covers: 'a refund on a shipped line with taxes; refused before shipment',
    async run(ctx) {
      const c = ctx.client();
      const id = await ctx.inShipping();
      let order = (await c.getOrder(id))!;
      const refund = {
        order_line_id: order.order_lines[0].order_line_id,
        amount: 5,
        shipping_amount: 0,
        reason_code: 'DAMAGED',
        quantity: 1,
        taxes: [{ code: 'TVA', amount: 0.83 }],
        shipping_taxes: [],
      };
      expect((await ctx.refusal(c.refundLines(order, [refund]))).miraklCode).toBe('ORDER_INVALID_STATE');
      await c.shipOrder(id);
      order = (await c.getOrder(id))!;
      expect((await c.refundLines(order, [refund])).outcome).toBe('sent');
      expect((await c.getOrder(id))?.order_lines[0].refunds).toHaveLength(1); // OR11 lists it
    },
  }),
];
