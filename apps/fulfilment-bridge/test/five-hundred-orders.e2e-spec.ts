import 'reflect-metadata';
import { BackofficeSandbox, CARRIER_SERVICES } from '@seller-bridge/backoffice-sandbox';
import { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import type { OrderReadyForFulfilment } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { EventSender, releasedOrder, Topics, FulfilmentWorld, BO_ADMIN } from './harness';

/**
 * 500 orders on two marketplaces, from release to SHIPPED with tracking on the Mirakl sandbox, through the
 * back-office sandbox's ERP and warehouse (some orders leave in two parcels), with faults on both sides:
 * 10 % of back-office calls answer 5xx, 10 % of Mirakl writes land and lose their answer. The release events
 * stand in for order-gateway (this test does not run it). None may be duplicated in the ERP.
 */
describe('500 orders from release to SHIPPED', () => {
  const MPS = ['decathlon-fr', 'carrefour-es'] as const;
  const TOTAL = 500;
  let mirakl: MiraklSandbox;
  let bo: BackofficeSandbox;
  let boUrl: string;
  let events: EventSender;
  let w: FulfilmentWorld;

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_500',
      marketplaces: [...MPS],
      backoffice: { warehouse: { pickDelayMs: 300, splitRate: 0.2, splitGapMs: 1000 }, tickMs: 100 },
      extra: { WORKER_CONCURRENCY: '16' },
    });
    ({ bo, boUrl, events } = w);
    mirakl = w.mirakl;
    const stock = Array.from({ length: 20 }, (_, i) => `SHOE-${String(i + 1).padStart(4, '0')}`).flatMap(
      (sku) => ['LYON-1', 'MADRID-2'].map((warehouse) => ({ sku, warehouse, on_hand: 5000 })),
    );
    const put = await fetch(`${boUrl}/admin/stock`, {
      method: 'PUT',
      headers: { 'x-admin-token': BO_ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ stock }),
    });
    expect(put.ok).toBe(true);
    for (const mp of MPS) {
      const code = mp === 'carrefour-es' ? 'SEUR' : 'COLISSIMO';
      await w.mapCarriers(
        mp,
        Object.fromEntries(
          Object.keys(CARRIER_SERVICES).map((c) => [
            c,
            c.startsWith('DPD') && mp === 'decathlon-fr' ? 'DPD' : code,
          ]),
        ),
      );
    }
  }, 90_000);

  afterAll(() => w?.stop());

  it('ships every order once on the marketplace with tracking, and posts each once to the ERP', async () => {
    const placed: { mp: (typeof MPS)[number]; id: string; released: OrderReadyForFulfilment }[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const mp = i % 5 === 4 ? 'carrefour-es' : 'decathlon-fr';
      const skus = Array.from(
        { length: 1 + (i % 2) },
        (_, k) => `SHOE-${String(((i + k) % 20) + 1).padStart(4, '0')}`,
      );
      const id = mirakl.orders.place(mp, {
        customerId: `C-${i % 50}`,
        shippingTypeCode: i % 3 === 0 ? 'EXP' : 'STD',
        lines: skus.map((sku) => ({ offerSku: sku, quantity: 2, unitPrice: 78.99 })),
      });
      const lines = (mirakl.orders.get(mp, id)!.order as { order_lines: { order_line_id: string }[] })
        .order_lines;
      mirakl.orders.accept(
        mp,
        id,
        lines.map((l) => ({ id: l.order_line_id, accepted: true })),
      );
      const released = releasedOrder(id, {
        marketplace: mp,
        skus,
        shippingType: i % 3 === 0 ? 'EXP' : 'STD',
      });
      released.lines.forEach((l, k) => (l.lineId = lines[k].order_line_id));
      if (mp === 'carrefour-es') {
        released.customer.shippingAddress = {
          ...released.customer.shippingAddress!,
          city: 'Madrid',
          zipCode: '28001',
          country: 'ESP',
        };
        released.currency = 'EUR';
      }
      placed.push({ mp, id, released });
    }
    mirakl.clock.advance(3 * 60_000);
    for (const mp of MPS) mirakl.faults.set(mp, { ...mirakl.faults.get(mp)!, dropAfterWriteRate: 0.1 });
    await fetch(`${boUrl}/admin/faults`, {
      method: 'PUT',
      headers: { 'x-admin-token': 'bo-admin', 'content-type': 'application/json' },
      body: JSON.stringify({ error5xxRate: 0.1 }),
    });
    const started = Date.now();
    for (const mp of MPS)
      await events.send(
        Topics.orderReadyForFulfilment,
        placed.filter((p) => p.mp === mp).map((p) => p.released),
        mp,
      );
    const state = (mp: string, id: string) =>
      (mirakl.orders.get(mp, id)!.order as { order_state: string }).order_state;
    const allShipped = await waitFor(
      () => placed.every((p) => state(p.mp, p.id) === 'SHIPPED'),
      100_000,
      500,
    );
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`500 orders released → SHIPPED on the marketplace in ${seconds.toFixed(1)} s\n`);
    expect(
      placed
        .filter((p) => state(p.mp, p.id) !== 'SHIPPED')
        .map((p) => `${p.mp}:${p.id}:${state(p.mp, p.id)}`),
    ).toEqual([]);
    expect(allShipped).toBe(true);

    expect(bo.backOffice.orders.duplicates()).toEqual([]);
    for (const p of placed) {
      expect(bo.backOffice.orders.byExternalReference(p.mp, p.id)).toHaveLength(1);
      const order = mirakl.orders.get(p.mp, p.id)!.order as {
        shipping_tracking?: string;
        shipping_carrier_code?: string;
      };
      const parcels = bo.backOffice.warehouse.shipments.filter(
        (s) => s.external_reference.marketplace === p.mp && s.external_reference.order_id === p.id,
      );
      expect(parcels.length).toBeGreaterThanOrEqual(1);
      expect(parcels.map((s) => s.tracking_number)).toContain(order.shipping_tracking);
      expect(order.shipping_carrier_code).toEqual(
        p.mp === 'carrefour-es' ? 'SEUR' : expect.stringMatching(/^(COLISSIMO|DPD)$/),
      );
      expect(mirakl.orders.trackingUpdates.filter((t) => t.orderId === p.id)).toHaveLength(1);
    }
  }, 120_000);
});
