import { seededRandom } from '@seller-bridge/backoffice-sandbox';
import { FulfilmentRole } from './fulfilment-role';
import { OrderRole, type OrderRoleFigures } from './order-role';
import { CARREFOUR, DECATHLON, type SimulationOptions } from './simulation-options';
import { SimulationWorld } from './simulation-world';

export { bigOptions, ciOptions, type SimulationOptions } from './simulation-options';

const MARKETPLACES = [DECATHLON, CARREFOUR];
const PUSH_EVERY_MS = 60_000; // STO01: one call a minute per marketplace
/** After the buyers stop: time for every accepted order to clear its debit and reach the ERP. */
const DRAIN_MS = 10 * 60_000;

/** What a run measured (decision 0008, "Simulation"). */
export interface SimulationFigures {
  options: Omit<SimulationOptions, 'progress'>;
  realSeconds: number;
  skus: number;
  /** Units that existed: the seed plus goods received during the run. */
  units: {
    initial: number;
    received: number;
    existed: number;
    soldMarketplaces: number;
    soldOtherChannels: number;
    leftAtEnd: number;
  };
  /** Orders the Mirakl sandbox's buyers placed, and lines/units in them. */
  placed: { orders: number; lines: number; units: number };
  decisions: OrderRoleFigures;
  otherChannels: { unitsSold: number; missedSales: number };
  /** Stock pushes (`pushOnce` reports) per marketplace and outcome. */
  pushes: Record<string, Record<string, number>>;
  salesOrdersPosted: number;
  /** Back-office truth: lines of the posted sales orders allocated beyond available. THE measure (must be 0). */
  oversoldLines: number;
  oversoldUnits: number;
  /** Each oversold line with what catalogue-sync and the back office held for its order (to explain it). */
  oversoldDetail: unknown[];
  negativeStock: number;
  duplicates: number;
  /** Cross-check from the marketplace side: accepted lines whose sale the sandbox flagged `beyondRealStock`. */
  acceptedBeyondRealStock: number;
  /**
   * Those of them with no earlier line of the same SKU refused. The sandbox's real stock counts every placed
   * line, first come first served; when an earlier line is refused (its order refused whole, or reserved later
   * than this one), the unit it counted went to this line, which was not beyond stock after all.
   */
  acceptedBeyondRealStockUnexplained: number;
  /**
   * For each accepted line sold `beyondRealStock`: the SKU, and the lines of that SKU placed before it and
   * then refused (a line the order role did not serve first: the unit it counted went to this one instead).
   */
  acceptedBeyondDetail: { line: string; sku: string; at: string; earlierRefused: number }[];
  /** All sales flagged `beyondRealStock` (most of them are then refused by the order role). */
  salesBeyondRealStock: number;
  /** Units sold (marketplaces + other channels) ÷ units that existed. */
  sellThrough: number;
  /**
   * Back-office holds (decision 0008): lines held, lines the back office refused at reservation because the
   * units were already gone (sold elsewhere, not yet in the feed), and holds refused after reservation.
   */
  holds: { held: number; refusedAtReservation: number; refusedLate: number };
  /** Units refused because they were gone ÷ units ordered on the marketplaces. */
  refusedNoStockShare: number;
}

/**
 * The no-oversell simulation (issue 4): the Mirakl sandbox's buyers on two marketplaces and the back
 * office's other channels buying scarce stock at the same time, for hours of simulated time, with
 * catalogue-sync's real feed reader, reservation ledger and stock pusher in the middle and the order and
 * fulfilment roles played as decision 0008 describes. Returns the figures; asserts nothing.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationFigures> {
  const started = Date.now();
  const world = await SimulationWorld.create(options);
  try {
    const random = seededRandom(options.seed + 3);
    const orders = new OrderRole(world, options, random);
    const fulfilment = new FulfilmentRole(world, options);
    const pushes: Record<string, Record<string, number>> = {};
    const lastPush = new Map<string, number>();
    let received = 0;
    let nextRestock = options.restockEveryMinutes * 60_000;

    for (const mp of MARKETPLACES)
      world.mirakl.buyers.configure(mp, {
        running: true,
        ordersPerMinute: options.ordersPerMinute[mp] ?? 0,
        maxLinesPerOrder: options.maxLinesPerOrder,
        maxUnitsPerLine: options.maxUnitsPerLine,
      });

    const step = async (elapsed: number) => {
      for (let t = 0; t < options.stepMs; t += options.tickMs)
        world.advance(Math.min(options.tickMs, options.stepMs - t));
      if (options.restockEveryMinutes > 0 && elapsed >= nextRestock) {
        nextRestock += options.restockEveryMinutes * 60_000;
        received += await restock(world, options.restockShare, random);
      }
      while (await world.feed.readOnce());
      for (const mp of MARKETPLACES) await orders.run(mp);
      await world.holdWorker?.runOnce(); // releases of refused lines, placements the back office missed
      for (const mp of MARKETPLACES) {
        if (elapsed - (lastPush.get(mp) ?? -Infinity) < PUSH_EVERY_MS) continue;
        lastPush.set(mp, elapsed);
        const report = await world.pusher.pushOnce(mp);
        const byOutcome = (pushes[mp] ??= {});
        byOutcome[report.outcome] = (byOutcome[report.outcome] ?? 0) + 1;
      }
      for (const mp of MARKETPLACES) await fulfilment.run(mp);
    };

    const runMs = options.hours * 3_600_000;
    let elapsed = 0;
    while (elapsed < runMs) {
      await step(elapsed);
      elapsed += options.stepMs;
      if (elapsed % 3_600_000 === 0)
        options.progress?.(
          `${elapsed / 3_600_000} h simulated in ${Math.round((Date.now() - started) / 1000)} s: ` +
            `${orders.figures.ordersDecided} orders decided, ${fulfilment.posted.size} in the ERP`,
        );
    }
    // Buyers and other channels stop; accepted orders clear their debit and reach the ERP.
    for (const mp of MARKETPLACES) world.mirakl.buyers.configure(mp, { running: false });
    world.backoffice.backOffice.otherChannels.stop();
    for (const end = elapsed + DRAIN_MS; elapsed < end; elapsed += options.stepMs) await step(elapsed);

    return await figures(world, options, orders, fulfilment, pushes, received, started);
  } finally {
    await world.close();
  }
}

/** Goods receipts: a share of the SKUs get 1–3 more units in one warehouse (admin `PUT /admin/stock`). */
async function restock(world: SimulationWorld, share: number, random: () => number): Promise<number> {
  const bo = world.backoffice.backOffice;
  const lines = world.skus
    .filter(() => random() < share)
    .map((sku) => {
      const warehouse = random() < 0.5 ? 'LYON-1' : 'MADRID-2';
      const units = 1 + Math.floor(random() * 3);
      return { sku, warehouse, units, on_hand: (bo.stock.get(sku, warehouse)?.onHand ?? 0) + units };
    });
  if (lines.length === 0) return 0;
  await world.adminCall('PUT', '/stock', { stock: lines.map(({ units: _u, ...l }) => l) });
  return lines.reduce((s, l) => s + l.units, 0);
}

async function figures(
  world: SimulationWorld,
  options: SimulationOptions,
  orders: OrderRole,
  fulfilment: FulfilmentRole,
  pushes: Record<string, Record<string, number>>,
  received: number,
  started: number,
): Promise<SimulationFigures> {
  const truth = await world.adminCall<{
    oversold_lines: {
      sales_order_number: string;
      oversold_quantity: number;
      external_reference: string;
      sku: string;
    }[];
    negative_stock: unknown[];
    duplicates: unknown[] | number;
  }>('GET', '/truth');
  const ours = new Set(fulfilment.posted.values());
  const oversold = truth.oversold_lines.filter((l) => ours.has(l.sales_order_number));
  const sales = world.mirakl.buyers.sales;
  const bo = world.backoffice.backOffice;
  const refusedRows: { marketplace: string; order_line_id: string; sku: string }[] =
    await world.db.dataSource.query(
      `SELECT marketplace, order_line_id, sku FROM reservation WHERE state IN ('rejected', 'released')`,
    );
  const refusedLines = new Set(refusedRows.map((r) => `${r.marketplace}/${r.order_line_id}`));
  const acceptedBeyondDetail = sales
    .filter((s) => s.beyondRealStock && orders.acceptedLines.has(`${s.marketplace}/${s.orderLineId}`))
    .map((s) => ({
      line: `${s.marketplace}/${s.orderLineId}`,
      sku: s.offerSku,
      at: s.at,
      earlierRefused: sales.filter(
        (e) =>
          e.offerSku === s.offerSku && e.at <= s.at && refusedLines.has(`${e.marketplace}/${e.orderLineId}`),
      ).length,
    }));
  const oversoldDetail: unknown[] = [];
  for (const l of oversold) {
    const [marketplace, orderId] = [
      l.external_reference.split(':')[0],
      l.external_reference.slice(l.external_reference.indexOf(':') + 1),
    ];
    oversoldDetail.push({
      ...l,
      reservations: await world.db.dataSource.query(
        `SELECT order_line_id, sku, quantity, state, reason, hold_state, created_at, updated_at FROM reservation
         WHERE marketplace = $1 AND order_id = $2`,
        [marketplace, orderId],
      ),
      holds: bo.holds.forOrder(marketplace, orderId).map((h) => ({
        key: h.key,
        sku: h.sku,
        quantity: h.quantity,
        state: h.state,
        portions: h.portions,
        createdAt: new Date(h.createdAt).toISOString(),
      })),
      salesOrder: bo.orders.get(l.sales_order_number)?.lines.map((x) => ({
        sku: x.sku,
        warehouse: x.warehouse,
        quantity: x.quantity,
        availableAtPosting: x.availableAtPosting,
      })),
    });
  }
  const other = bo.otherChannels.state();
  let leftAtEnd = 0;
  for (const l of bo.stock.levelsAsStocked()) leftAtEnd += Math.max(0, l.onHand - l.allocated);
  const existed = world.initialUnits + received;
  const soldMarketplaces = orders.figures.unitsAccepted;
  const unitsOrdered = sales.reduce((s, l) => s + l.quantity, 0);
  const { progress: _p, ...plain } = options;
  const [holds]: { held: number; refused_at_reservation: number; refused_late: number }[] =
    await world.db.dataSource.query(
      `SELECT count(*) FILTER (WHERE hold_state IN ('held', 'releasing', 'released', 'converted'))::int AS held,
              count(*) FILTER (WHERE reason IN ('NO_STOCK_IN_BACKOFFICE', 'BLOCKED_IN_BACKOFFICE'))::int
                AS refused_at_reservation,
              count(*) FILTER (WHERE hold_state = 'refused')::int AS refused_late
       FROM reservation`,
    );
  return {
    options: plain,
    realSeconds: Math.round((Date.now() - started) / 100) / 10,
    skus: world.skus.length,
    units: {
      initial: world.initialUnits,
      received,
      existed,
      soldMarketplaces,
      soldOtherChannels: other.unitsSold,
      leftAtEnd,
    },
    placed: {
      orders: new Set(sales.map((s) => `${s.marketplace}/${s.orderId}`)).size,
      lines: sales.length,
      units: unitsOrdered,
    },
    decisions: orders.figures,
    otherChannels: { unitsSold: other.unitsSold, missedSales: other.missedSales },
    pushes,
    salesOrdersPosted: fulfilment.posted.size,
    oversoldLines: oversold.length,
    oversoldUnits: oversold.reduce((s, l) => s + l.oversold_quantity, 0),
    oversoldDetail,
    negativeStock: truth.negative_stock.length,
    duplicates: Array.isArray(truth.duplicates) ? truth.duplicates.length : truth.duplicates,
    acceptedBeyondRealStock: sales.filter(
      (s) => s.beyondRealStock && orders.acceptedLines.has(`${s.marketplace}/${s.orderLineId}`),
    ).length,
    acceptedBeyondDetail,
    acceptedBeyondRealStockUnexplained: acceptedBeyondDetail.filter((d) => d.earlierRefused === 0).length,
    salesBeyondRealStock: sales.filter((s) => s.beyondRealStock).length,
    sellThrough: (soldMarketplaces + other.unitsSold) / existed,
    holds: {
      held: holds.held,
      refusedAtReservation: holds.refused_at_reservation,
      refusedLate: holds.refused_late,
    },
    refusedNoStockShare: unitsOrdered === 0 ? 0 : orders.figures.unitsRefusedNoStock / unitsOrdered,
  };
}
