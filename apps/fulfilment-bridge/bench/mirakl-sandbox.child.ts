import { MiraklSandbox, demoMarketplaces } from '@seller-bridge/mirakl-sandbox';

/**
 * The Mirakl sandbox in its own process for the benchmark (a real Mirakl is another machine; in process it
 * would share the service's one JavaScript thread). Places `SHIPMENTS` orders, accepted and in SHIPPING, sends
 * `{base, orders, ceilingOrders}` to the parent (CEILING_ORDERS more for the raw ceiling), and answers `report` with what the marketplace holds.
 */
async function main(): Promise<void> {
  const total = Number(process.env.SHIPMENTS ?? 2000);
  const ceiling = Number(process.env.CEILING_ORDERS ?? 0);
  const MP = 'decathlon-fr';
  const mirakl = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: 'bench' });
  const orders: { id: string; lineId: string }[] = [];
  for (let i = 0; i < total + ceiling; i++) {
    const id = mirakl.orders.place(MP, {
      customerId: `B-${i}`,
      shippingTypeCode: 'EXP',
      lines: [{ offerSku: `SKU-${i % 100}`, quantity: 1, unitPrice: 20 }],
    });
    const lineId = (mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] })
      .order_lines[0].order_line_id;
    mirakl.orders.accept(MP, id, [{ id: lineId, accepted: true }]);
    orders.push({ id, lineId });
  }
  mirakl.clock.advance(3 * 60_000);
  const base = await mirakl.listen();
  process.on('message', (msg: unknown) => {
    if (msg === 'report')
      process.send!({
        shipped: orders.filter(
          (o) => (mirakl.orders.get(MP, o.id)!.order as { order_state: string }).order_state === 'SHIPPED',
        ).length,
        trackingUpdates: mirakl.orders.trackingUpdates.length,
      });
    if (msg === 'stop') void mirakl.close().then(() => process.exit(0));
  });
  // The last CEILING_ORDERS orders are for the raw ceiling (OR23 + OR24 from a bare client), not the run.
  process.send!({ base, orders: orders.slice(0, total), ceilingOrders: orders.slice(total) });
}

void main();
