import { all, contractScenario, type ContractContext } from './contract-scenario';

/** An order in SHIPPING on carrefour-es (the demo marketplace with several shipments per order). */
async function multiShipmentOrder(ctx: ContractContext) {
  const mp = ctx.marketplace('carrefour-es');
  const id = await ctx.inShipping(mp, { lines: [{ offerSku: 'SKU-1', quantity: 3, unitPrice: 9.5 }] });
  return { c: ctx.client(mp), id, lineId: `${id}-1` };
}

/** ST01, ST11, ST23, ST24 on the multi-shipment demo marketplace: happy paths and per-item errors. */
export const shipmentScenarios = [
  contractScenario({
    operation: 'ST01',
    covers: 'a shipment with tracking, one shipped at creation; per-item error for over-shipping',
    async run(ctx) {
      const { c, id, lineId } = await multiShipmentOrder(ctx);
      const res = await c.createShipments([
        {
          orderId: id,
          lines: [{ orderLineId: lineId, quantity: 1, packageReference: 'P1' }],
          tracking: { carrierCode: 'SEUR', trackingNumber: 'S1' },
          shipped: true,
          warehouseCode: 'WH-1',
        },
        { orderId: id, lines: [{ orderLineId: lineId, quantity: 5 }] },
      ]);
      expect(res.created.map((s) => s.status)).toEqual(['SHIPPED']);
      expect(res.errors).toHaveLength(1);
    },
  }),
  contractScenario({
    operation: 'ST11',
    covers: 'shipments of an order, seek pages of one',
    async run(ctx) {
      const { c, id, lineId } = await multiShipmentOrder(ctx);
      for (const q of [1, 2])
        await c.createShipments([{ orderId: id, lines: [{ orderLineId: lineId, quantity: q }] }]);
      const listed = await all(c.listShipments({ orderIds: [id], shipmentStateCodes: ['SHIPPING'] }, 1));
      expect(listed.map((s) => s.shipment_lines?.[0].quantity)).toEqual([1, 2]);
    },
  }),
  contractScenario({
    operation: 'ST23',
    covers: 'tracking of a shipment; per-item error for an unknown shipment',
    async run(ctx) {
      const { c, id, lineId } = await multiShipmentOrder(ctx);
      const s = (await c.createShipments([{ orderId: id, lines: [{ orderLineId: lineId, quantity: 3 }] }]))
        .created[0];
      const res = await c.updateShipmentTracking([
        { id: s.id, orderId: id, tracking: { carrierCode: 'SEUR', trackingNumber: 'S2' } },
        { id: 'nope', orderId: id, tracking: { carrierCode: 'SEUR', trackingNumber: 'S3' } },
      ]);
      expect([res.updated, res.errors.map((e) => e.shipmentId)]).toEqual([[s.id], ['nope']]);
    },
  }),
  contractScenario({
    operation: 'ST24',
    covers: 'a shipment validated as shipped (the order SHIPPED); per-item error when shipped twice',
    async run(ctx) {
      const { c, id, lineId } = await multiShipmentOrder(ctx);
      const s = (await c.createShipments([{ orderId: id, lines: [{ orderLineId: lineId, quantity: 3 }] }]))
        .created[0];
      expect((await c.validateShipments([{ id: s.id, orderId: id }])).shipped).toEqual([s.id]);
      expect((await c.validateShipments([{ id: s.id, orderId: id }])).errors).toHaveLength(1);
      expect((await c.getOrder(id))?.order_state).toBe('SHIPPED');
    },
  }),
];
