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
  negativeStock: number;
  duplicates: number;
  /** Cross-check from the marketplace side: accepted lines whose sale the sandbox flagged `beyondRealStock`. */
  acceptedBeyondRealStock: number;
  /** All sales flagged `beyondRealStock` (most of them are then refused by the order role). */
  salesBeyondRealStock: number;
  /** Units sold (marketplaces + other channels) ÷ units that existed. */
  sellThrough: number;
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
    oversold_lines: { sales_order_number: string; oversold_quantity: number }[];
    negative_stock: unknown[];
    duplicates: unknown[] | number;
  }>('GET', '/truth');
  const ours = new Set(fulfilment.posted.values());
  const oversold = truth.oversold_lines.filter((l) => ours.has(l.sales_order_number));
  const sales = world.mirakl.buyers.sales;
  const bo = world.backoffice.backOffice;
  const other = bo.otherChannels.state();
  let leftAtEnd = 0;
  for (const l of bo.stock.levelsAsStocked()) leftAtEnd += Math.max(0, l.onHand - l.allocated);
  const existed = world.initialUnits + received;
  const soldMarketplaces = orders.figures.unitsAccepted;
  const unitsOrdered = sales.reduce((s, l) => s + l.quantity, 0);
  const { progress: _p, ...plain } = options;
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
    negativeStock: truth.negative_stock.length,
    duplicates: Array.isArray(truth.duplicates) ? truth.duplicates.length : truth.duplicates,
    acceptedBeyondRealStock: sales.filter(
      (s) => s.beyondRealStock && orders.acceptedLines.has(`${s.marketplace}/${s.orderLineId}`),
    ).length,
    salesBeyondRealStock: sales.filter((s) => s.beyondRealStock).length,
    sellThrough: (soldMarketplaces + other.unitsSold) / existed,
    refusedNoStockShare: unitsOrdered === 0 ? 0 : orders.figures.unitsRefusedNoStock / unitsOrdered,
  };
}
