/** What a run of the no-oversell simulation is made of (issue 4, decision 0008 "Simulation"). */
export interface SimulationOptions {
  /** SKUs in the back office, each with an offer on every marketplace. */
  skus: number;
  /** Simulated time. */
  hours: number;
  /** One step of the loop: clocks move, buyers and other channels buy, then each role acts once. */
  stepMs: number;
  /** Sub-steps inside a step, so buyers, Mirakl's imports and other channels interleave in time. */
  tickMs: number;
  /** Buyers' orders per simulated minute, per marketplace. */
  ordersPerMinute: Record<string, number>;
  maxLinesPerOrder: number;
  maxUnitsPerLine: number;
  /** Other channels (web shop, stores): units per simulated minute. */
  otherChannelUnitsPerMinute: number;
  /** Units held back from every published quantity (catalogue-sync's `safetyBuffer`). */
  safetyBuffer: number;
  /** Goods receipts: every this many simulated minutes, `restockShare` of the SKUs get 1–3 units. */
  restockEveryMinutes: number;
  restockShare: number;
  /**
   * Share of polls whose received orders catalogue-sync's consumer takes only at the next step (consumer
   * lag): the poll is recorded first, so a push due in between meets the orders-first gate shut.
   */
  consumerLagShare: number;
  /** OR11 overlap on `start_update_date` (on top of the platform's own margin). */
  pollOverlapMs: number;
  /** Seed of every die (sandboxes' and the simulation's own). */
  seed: number;
  /**
   * The control experiment: the order role accepts every line without asking for a reservation, as a
   * platform without reservations would. It must produce oversold lines, or the measure is not live.
   */
  bypassReservations: boolean;
  /**
   * Reserved lines are held in the back office (decision 0008, "Holds"), so other channels cannot sell them
   * before the sales order. Off, reservations are catalogue-sync's alone (the design before holds).
   */
  backofficeHolds: boolean;
  /** Called once per simulated hour with a one-line progress note (the CLI prints it). */
  progress?: (line: string) => void;
}

export const DECATHLON = 'decathlon-fr';
export const CARREFOUR = 'carrefour-es';

/** A CI-sized run (the spec): about half a minute of real time on a 2-core machine. */
export function ciOptions(overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  return {
    skus: 120,
    hours: 2,
    stepMs: 30_000,
    tickMs: 5_000,
    ordersPerMinute: { [DECATHLON]: 2, [CARREFOUR]: 1.5 },
    maxLinesPerOrder: 3,
    maxUnitsPerLine: 2,
    otherChannelUnitsPerMinute: 1,
    safetyBuffer: 1,
    restockEveryMinutes: 30,
    restockShare: 0.15,
    consumerLagShare: 0.1,
    pollOverlapMs: 60_000,
    seed: 4_2026,
    bypassReservations: false,
    backofficeHolds: true,
    ...overrides,
  };
}

/** The bigger run of the CLI (`pnpm --filter @seller-bridge/catalogue-sync simulate`). */
export function bigOptions(overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  return ciOptions({
    skus: 300,
    hours: 6,
    stepMs: 20_000,
    ordersPerMinute: { [DECATHLON]: 3, [CARREFOUR]: 2 },
    otherChannelUnitsPerMinute: 2,
    ...overrides,
  });
}
