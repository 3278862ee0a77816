import { waitFor } from '@seller-bridge/service-kit/testing';
import { OrderFlowSystem, type PlacedOrder } from './support/order-flow-system';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/**
 * Issue 6's proof, end to end, with the real services as processes between both sandboxes: buyers place orders
 * on two marketplaces; order-gateway polls and accepts them on catalogue-sync's reservations; Mirakl debits the
 * buyers; fulfilment-bridge posts the SHIPPING orders to the ERP once; the warehouse picks and ships them (some
 * in two parcels, from Lyon and Madrid); fulfilment-bridge sends tracking and ship to the marketplace with the
 * marketplace's carrier codes. The assertions read the outside world only: Mirakl's orders, the ERP's sales
 * orders, the warehouse's parcels, and the dead-letter topics.
 */
describe('order flow: Mirakl → order-gateway → ERP → warehouse → Mirakl, with the real services', () => {
  const sys = new OrderFlowSystem();

  beforeAll(async () => {
    await sys.start();
    // The carrier table operations keep: the services each warehouse books, to the marketplace's codes (SH21).
    // DPD Classic is DPD France's service in France and is delivered by SEUR (DPDgroup) in Spain.
    // Chronopost 13 and GLS Business Parcel are left out, as in the first command: their parcels are held
    // until the test maps them, as a person would.
    await sys.mapCarriers(sys.decathlon, [
      ['Colissimo Expert', 'COLISSIMO'],
      ['DPD Next Day', 'DPD'],
      ['DPD Classic', 'DPD'],
      ['SEUR 24', 'DPD'],
    ]);
    await sys.mapCarriers(sys.carrefour, [
      ['SEUR 24', 'SEUR'],
      ['DPD Classic', 'SEUR'],
      // The sandbox gives buyers of both marketplaces French and Spanish addresses alike, so French domestic
      // services are booked for some carrefour-es orders; SEUR is the only code carrefour-es lists.
      ['Colissimo Expert', 'SEUR'],
      ['DPD Next Day', 'SEUR'],
    ]);
  }, 8 * MINUTE);

  afterAll(async () => {
    await sys.stop();
  }, MINUTE);

  /** Every order SHIPPED with tracking, decided once, posted once, tracked once; nothing dead-lettered. */
  async function expectEachShippedOnce(orders: PlacedOrder[]): Promise<void> {
    // Mirakl says SHIPPED as soon as OR24 went out; fulfilment-bridge records its parcels as shipped after its
    // batch ends. Parcels claimed by the process killed mid-flow stay claimed for 60 s (the claim), then come
    // back, read SHIPPED and are recorded as `already`. Wait for that (seen in CI: 9 pending and 7 waiting
    // parcels of SHIPPED orders right after the last order turned SHIPPED); the assertion below is unchanged.
    await waitFor(async () => Object.keys(await sys.unshippedParcels()).length === 0, 2 * MINUTE, SECOND);
    const erp = await sys.erpOrders();
    const parcels = await sys.parcels();
    const problems: string[] = [];
    for (const p of orders) {
      const key = `${p.mp}:${p.id}`;
      const o = sys.order(p);
      if (o.order_state !== 'SHIPPED') problems.push(`${key}: ${o.order_state as string}`);
      if (!o.shipping_tracking) problems.push(`${key}: no tracking number on the marketplace`);
      else if (!(parcels.get(key) ?? []).some((s) => s.tracking_number === o.shipping_tracking))
        problems.push(`${key}: tracking ${o.shipping_tracking as string} is none of its parcels'`);
      const sales = erp.get(key) ?? [];
      if (sales.length !== 1) problems.push(`${key}: ${sales.length} ERP sales orders`);
      const decisions = sys.acceptApplied.get(`${p.mp}/${p.id}`) ?? 0;
      if (decisions !== 1) problems.push(`${key}: ${decisions} OR21 applied`);
      const tracking = sys.mirakl.orders.trackingUpdates.filter(
        (t) => t.marketplace === p.mp && t.orderId === p.id,
      );
      if (tracking.length !== 1)
        problems.push(
          `${key}: ${tracking.length} OR23 tracking updates (${tracking.map((t) => `${t.trackingNumber} at ${t.at}`).join(', ')}; order ${o.order_state as string} with ${o.shipping_tracking as string})`,
        );
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(problems).toHaveLength(0);
    // No OR21 refused as a repeat, no sales order twice for any order of this run, nothing dead-lettered.
    expect([...sys.acceptRefused.entries()]).toEqual([]);
    expect([...erp.entries()].filter(([k, v]) => k.includes(sys.id) && v.length > 1)).toEqual([]);
    expect(await sys.deadLetters()).toEqual([]);
    // Every parcel ended shipped on fulfilment-bridge's side, and operations have nothing open to look at.
    expect(await sys.unshippedParcels()).toEqual({});
    expect(await sys.openExceptions()).toBe(0);
  }

  async function diagnosed<T>(orders: () => PlacedOrder[], body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      const report = await sys.report(orders());
      process.stderr.write(`\n==== order flow failed: diagnosis ====\n${report}\n`);
      // The state lines (not the services' log tails) go with the error, so the run's summary shows them too.
      if (err instanceof Error) {
        const state = `\ndiagnosis:\n${report.split('\n--- ')[0]}`;
        err.message += state;
        // Jest reports the stack. V8 writes it out when first read, so it may hold the new message already.
        if (err.stack && !err.stack.includes(state)) err.stack += state;
      }
      throw err;
    }
  }

  /** The carriers left out at the start, mapped as a person would once their parcels are held. */
  async function mapTheRest(): Promise<void> {
    await sys.mapCarriers(sys.decathlon, [
      ['Chronopost 13', 'COLISSIMO'],
      ['GLS Business Parcel', 'DPD'],
    ]);
    await sys.mapCarriers(sys.carrefour, [
      ['Chronopost 13', 'SEUR'],
      ['GLS Business Parcel', 'SEUR'],
    ]);
  }

  const all: PlacedOrder[] = [];

  it(
    '500 orders on two marketplaces reach SHIPPED with tracking and are posted once each, with fulfilment-bridge killed and restarted mid-flow',
    async () => {
      const orders: PlacedOrder[] = [];
      await diagnosed(
        () => orders,
        async () => {
          const started = Date.now();
          const placing = (async () => {
            // 500 orders in about 20 s, in bursts.
            while (orders.length < 500) {
              orders.push(...(await sys.placeOrders(Math.min(25, 500 - orders.length), 25)));
              await new Promise((r) => setTimeout(r, SECOND));
            }
          })();
          // A crash in the middle of the work: once a third of the orders are in the ERP, SIGKILL and start again.
          const posted = async () => {
            const erp = await sys.erpOrders();
            return [...erp.keys()].filter((k) => k.includes(sys.id)).length;
          };
          expect(await waitFor(async () => (await posted()) >= 150, 2 * MINUTE, 250)).toBe(true);
          const before = await posted();
          const killedAt = Date.now();
          await sys.bridge.kill('SIGKILL');
          sys.bridge.start();
          await sys.bridge.ready();
          process.stdout.write(
            `fulfilment-bridge SIGKILLed ${((killedAt - started) / 1000).toFixed(0)} s into the run with ${before} orders in the ERP; ready again ${((Date.now() - killedAt) / 1000).toFixed(1)} s later\n`,
          );
          await placing;

          // Parcels of the carriers nobody mapped yet are held with UNMAPPED_CARRIER; mapping them releases them.
          const heldCount = async () =>
            ((await sys.bridgeAdmin('GET', '/shipments/held')) as { shipments: unknown[] }).shipments.length;
          expect(await waitFor(async () => (await heldCount()) > 0, MINUTE, 500)).toBe(true);
          await mapTheRest();

          const done = await waitFor(
            () => orders.every((p) => sys.state(p) === 'SHIPPED'),
            3 * MINUTE,
            SECOND,
          );
          process.stdout.write(
            `${orders.length} orders placed → SHIPPED in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(sys.stateCounts(orders))}\n`,
          );
          expect(done).toBe(true);
          await expectEachShippedOnce(orders);
          const parcels = await sys.parcels();
          const mine = orders.map((p) => parcels.get(`${p.mp}:${p.id}`) ?? []);
          // The flow covered what it claims: parcels from both warehouses, orders in two parcels, both marketplaces.
          expect(new Set(mine.flat().map((s) => s.warehouse))).toEqual(new Set(['LYON-1', 'MADRID-2']));
          expect(mine.filter((ps) => ps.length > 1).length).toBeGreaterThan(10);
          expect(new Set(orders.map((p) => p.mp)).size).toBe(2);
          expect(sys.bridge.exits).toBe(1);
          all.push(...orders);
        },
      );
    },
    // Here 70 s or less. Jest's own timeout is above the sum of the waits (2 + 1.5 + 1 + 3 + 2 min, with
    // placing), so a slow step fails by its own wait, named and with the diagnosis, not by Jest's bare timeout.
    12 * MINUTE,
  );

  it(
    'the ERP down for two minutes: orders are still accepted on the marketplace, and post once each when it returns',
    async () => {
      const orders: PlacedOrder[] = [];
      await diagnosed(
        () => orders,
        async () => {
          await mapTheRest(); // already done by the first test; here when this one runs alone (-t)
          const erpBefore = await sys.erpOrders();
          const downAt = Date.now();
          // First minute: the ERP answers 503 to everything; second minute: it drops every connection unanswered.
          await sys.setErp('unavailable');
          // Orders keep coming all through the outage: 10 every 11 s, the last ones some 20 s before it ends.
          const placing = (async () => {
            while (orders.length < 100) {
              orders.push(...(await sys.placeOrders(10, 10)));
              if (orders.length < 100) await new Promise((r) => setTimeout(r, 11 * SECOND));
            }
          })();
          await new Promise((r) => setTimeout(r, MINUTE));
          await sys.setErp('reset');
          await placing;

          // Acceptance does not wait for the ERP (policy ON_VALIDATION): every order is accepted and debited
          // (SHIPPING) while the ERP is still down, and none of them is in the ERP.
          const accepted = await waitFor(
            () => orders.every((p) => sys.state(p) === 'SHIPPING'),
            Math.max(1_000, downAt + 2 * MINUTE - 3 * SECOND - Date.now()),
            500,
          );
          process.stdout.write(
            `ERP down for ${((Date.now() - downAt) / 1000).toFixed(0)} s so far: ${JSON.stringify(sys.stateCounts(orders))}\n`,
          );
          expect(accepted).toBe(true);
          const erpDuring = await sys.erpOrders();
          expect(orders.filter((p) => erpDuring.has(`${p.mp}:${p.id}`))).toEqual([]);
          expect(erpDuring.size).toBe(erpBefore.size);
          // Operations were told: orders not in the ERP after 5 attempts raise ORDER_NOT_IN_ERP.
          expect(await sys.openExceptions('ORDER_NOT_IN_ERP')).toBeGreaterThan(0);

          await new Promise((r) => setTimeout(r, Math.max(0, downAt + 2 * MINUTE - Date.now())));
          await sys.setErp(false);
          const upAt = Date.now();
          const done = await waitFor(
            () => orders.every((p) => sys.state(p) === 'SHIPPED'),
            2 * MINUTE,
            SECOND,
          );
          process.stdout.write(
            `ERP back after ${((upAt - downAt) / 1000).toFixed(0)} s down; ${orders.length} orders SHIPPED ${((Date.now() - upAt) / 1000).toFixed(0)} s later: ${JSON.stringify(sys.stateCounts(orders))}\n`,
          );
          expect(done).toBe(true);
          // ... (the ORDER_NOT_IN_ERP exceptions cleared themselves once the orders were posted).
          await expectEachShippedOnce([...all, ...orders]);
        },
      );
    },
    // The outage's 2 min, then up to 2 min to SHIPPED and 2 min for the parcels to settle: Jest's timeout is above.
    8 * MINUTE,
  );
});
