import type { MiraklOrder } from '@seller-bridge/mirakl-client';
import { all, contractScenario, type ContractContext } from './contract-scenario';

const order = async (ctx: ContractContext, id: string, mp = ctx.marketplace()) =>
  (await ctx.client(mp).getOrder(id)) as MiraklOrder;

/** OR11, OR21, OR23, OR24 as the client drives them: happy paths and Mirakl's refusals. */
export const orderScenarios = [
  contractScenario({
    operation: 'OR11',
    covers: 'pages by Link, ids and states filters, start_update_date; orders in every state the sandbox has',
    async run(ctx) {
      const c = ctx.client();
      const carrefour = ctx.marketplace('carrefour-es');
      const refusedId = ctx.place(carrefour);
      ctx.sandbox.clock.advance(carrefour.acceptanceWindowMs + 1); // auto-refused: no decision date
      const waiting = Array.from({ length: 120 }, () => ctx.place()); // addresses still null
      const shipping = await ctx.inShipping(); // addresses filled, shipping_deadline set
      const tracked = await ctx.inShipping();
      await c.updateTracking(tracked, { carrierCode: 'DPD', trackingNumber: 'DPD-42' });
      await c.shipOrder(tracked); // SHIPPED, with carrier fields

      const listed = await all(c.listOrders({ orderStateCodes: ['WAITING_ACCEPTANCE', 'SHIPPING'] }));
      expect(listed).toHaveLength(121);
      expect(ctx.proxy.exchanges.filter((x) => x.url.includes('/api/orders?')).length).toBeGreaterThanOrEqual(
        2,
      );

      const byIds = await all(c.listOrders({ orderIds: [waiting[0], shipping, tracked] }));
      expect(byIds.map((o) => [o.order_id, o.order_state]).sort()).toEqual(
        [
          [waiting[0], 'WAITING_ACCEPTANCE'],
          [shipping, 'SHIPPING'],
          [tracked, 'SHIPPED'],
        ].sort(),
      );

      ctx.sandbox.clock.advance(60 * 60_000);
      const since = new Date(ctx.sandbox.clock.now()).toISOString();
      const fresh = ctx.place();
      expect((await all(c.listOrders({ startUpdateDate: since }))).map((o) => o.order_id)).toEqual([fresh]);

      const refused = await order(ctx, refusedId, carrefour);
      expect([refused.order_state, refused.acceptance_decision_date]).toEqual(['REFUSED', null]);
    },
  }),
  contractScenario({
    operation: 'OR21',
    covers: 'accepting and refusing lines; 400 missing decision, partial refused, ORDER_INVALID_STATE; 404',
    async run(ctx) {
      const c = ctx.client();
      const id = ctx.place(undefined, {
        lines: [
          { offerSku: 'SKU-1', quantity: 2, unitPrice: 10 },
          { offerSku: 'SKU-2', quantity: 1, unitPrice: 5 },
        ],
      });
      const missing = await ctx.refusal(c.acceptOrder(id, [{ id: `${id}-1`, accepted: true }]));
      expect(missing.status).toBe(400);
      const decisions = [
        { id: `${id}-1`, accepted: true },
        { id: `${id}-2`, accepted: false },
      ];
      expect(await c.acceptOrder(id, decisions)).toEqual({ outcome: 'sent' });
      expect((await order(ctx, id)).order_lines.map((l) => l.order_line_state)).toEqual([
        'WAITING_DEBIT',
        'REFUSED',
      ]);

      const again = await ctx.refusal(c.acceptOrder(id, decisions));
      expect([again.status, again.miraklCode]).toEqual([400, 'ORDER_INVALID_STATE']);
      const unknown = await ctx.refusal(c.acceptOrder('NOPE-A', [{ id: 'NOPE-A-1', accepted: true }]));
      expect(unknown.status).toBe(404);

      const carrefour = ctx.marketplace('carrefour-es');
      const two = ctx.place(carrefour, {
        lines: [
          { offerSku: 'A', quantity: 1, unitPrice: 1 },
          { offerSku: 'B', quantity: 1, unitPrice: 1 },
        ],
      });
      const partial = await ctx.refusal(
        ctx.client(carrefour).acceptOrder(two, [
          { id: `${two}-1`, accepted: true },
          { id: `${two}-2`, accepted: false },
        ]),
      );
      expect(partial.status).toBe(400);
    },
  }),
  contractScenario({
    operation: 'OR23',
    covers: 'carrier_code, carrier_name; 400 unknown code, name forbidden, ORDER_INVALID_STATE; 404',
    async run(ctx) {
      const c = ctx.client();
      const byCode = await ctx.inShipping();
      expect(await c.updateTracking(byCode, { carrierCode: 'COLISSIMO', trackingNumber: '6A1' })).toEqual({
        outcome: 'sent',
      });
      const byName = await ctx.inShipping();
      expect(
        await c.updateTracking(byName, {
          carrierName: 'Royal Mail 48',
          carrierUrl: 'https://www.royalmail.com/track-your-item#/tracking-results/RM1',
          trackingNumber: 'RM1',
        }),
      ).toEqual({ outcome: 'sent' });
      expect((await order(ctx, byName)).shipping_company).toBe('Royal Mail 48');

      const wrongCode = await ctx.refusal(
        c.updateTracking(byCode, { carrierCode: 'Royal Mail', trackingNumber: 'X' }),
      );
      expect([wrongCode.status, wrongCode.miraklCode]).toEqual([400, 'CARRIER_NOT_FOUND']);
      const carrefour = ctx.marketplace('carrefour-es');
      const forbidden = await ctx.refusal(
        ctx
          .client(carrefour)
          .updateTracking(await ctx.inShipping(carrefour), { carrierName: 'X', trackingNumber: 'Y' }),
      );
      expect(forbidden.miraklCode).toBe('CARRIER_NOT_ALLOWED');
      const early = await ctx.refusal(
        c.updateTracking(ctx.place(), { carrierCode: 'DPD', trackingNumber: 'D1' }),
      );
      expect([early.status, early.miraklCode]).toEqual([400, 'ORDER_INVALID_STATE']);
      expect(
        (await ctx.refusal(c.updateTracking('NOPE-A', { carrierCode: 'DPD', trackingNumber: 'D2' }))).status,
      ).toBe(404);
    },
  }),
  contractScenario({
    operation: 'OR24',
    covers: 'shipping; 400 ORDER_INVALID_STATE, mandatory tracking; 404',
    async run(ctx) {
      const c = ctx.client();
      const early = await ctx.refusal(c.shipOrder(ctx.place()));
      expect([early.status, early.miraklCode]).toEqual([400, 'ORDER_INVALID_STATE']);
      const express = await ctx.inShipping(undefined, { shippingTypeCode: 'EXP' });
      const untracked = await ctx.refusal(c.shipOrder(express));
      expect(untracked.miraklMessage).toBe('Tracking details are mandatory for this shipping method.');
      await c.updateTracking(express, { carrierCode: 'COLISSIMO', trackingNumber: '6A2' });
      expect(await c.shipOrder(express)).toEqual({ outcome: 'sent' });
      expect(await c.shipOrder(await ctx.inShipping())).toEqual({ outcome: 'sent' });
      expect((await order(ctx, express)).order_state).toBe('SHIPPED');
      expect((await ctx.refusal(c.shipOrder('NOPE-A'))).status).toBe(404);
    },
  }),
];
