import { ciOptions, simulate, type SimulationFigures } from '../simulation/no-oversell.simulation';

/**
 * Issue 4's proof by simulation, CI-sized (decision 0008, "Simulation"): buyers on two Mirakl marketplaces
 * and the back office's other channels buy scarce stock at once for two simulated hours, through
 * catalogue-sync's real feed reader, reservation ledger (with back-office holds) and stock pusher. The same run
 * without reservations must oversell, or the measure proves nothing.
 */
describe('no-oversell simulation (Mirakl + back-office sandboxes, PostgreSQL)', () => {
  let run: SimulationFigures;

  beforeAll(async () => {
    run = await simulate(ciOptions());
    process.stdout.write(`no-oversell simulation, CI run: ${JSON.stringify(run)}\n`);
  }, 180_000);

  it('accepts no line the back office cannot fulfil, seen from both sides', () => {
    expect(run.oversoldLines).toBe(0);
    expect(run.negativeStock).toBe(0);
    // The marketplace side: no accepted line sold beyond real stock unless an earlier line of its SKU was
    // refused (the unit the sandbox counted for that line went to this one; see acceptedBeyondRealStockUnexplained).
    expect(run.acceptedBeyondRealStockUnexplained).toBe(0);
  });

  it('trades without duplicates, every reserved line held in the back office and none refused late', () => {
    expect(run.salesOrdersPosted).toBeGreaterThan(100); // the run did trade
    expect(run.duplicates).toBe(0);
    expect(run.holds.held).toBeGreaterThanOrEqual(run.decisions.linesAccepted);
    expect(run.holds.refusedLate).toBe(0);
  });

  it('was a run of scarcity: lines were refused because units were gone, and the orders-first gate held pushes', () => {
    expect(run.decisions.linesRefused.NO_STOCK).toBeGreaterThan(0);
    expect(run.otherChannels.unitsSold).toBeGreaterThan(50);
    const gated = Object.values(run.pushes).reduce((s, by) => s + (by.gated ?? 0), 0);
    expect(gated).toBeGreaterThan(0);
  });

  it('leaves little of the stock that existed unsold', () => {
    // Demand (≈ 3.5 orders/min of ≈ 2 lines, plus 1 unit/min elsewhere) is several times the ≈ 500 units that
    // exist, so nearly every unit finds a buyer. What may stay: the safety buffer of 1 on SKUs that other
    // channels did not reach, and goods received in the last minutes. 85 % leaves room for those and no
    // more: a pusher that stopped publishing, or reservations never consumed, would strand far more.
    expect(run.sellThrough).toBeGreaterThan(0.85);
    expect(run.sellThrough).toBeLessThanOrEqual(1);
  });

  it('oversells when reservations are bypassed (every line accepted): the measure is live', async () => {
    const bypassed = await simulate(ciOptions({ hours: 0.75, bypassReservations: true }));
    process.stdout.write(`no-oversell simulation, reservations bypassed: ${JSON.stringify(bypassed)}\n`);
    expect(bypassed.decisions.linesRefused.NO_STOCK).toBe(0);
    expect(bypassed.oversoldLines).toBeGreaterThan(0);
    expect(bypassed.acceptedBeyondRealStock).toBeGreaterThan(0);
  }, 120_000);
});
