/** How catalogue publishing paces itself. Defaults suit a real Mirakl; tests shrink them. */
export interface CatalogueOptions {
  /** Lines per P41 products file. */
  productBatchSize: number;
  /** Offers per OF24 request. */
  offerBatchSize: number;
  /** Product rows read per keyset page while looking for what to send (memory stays bounded by it). */
  scanPageSize: number;
  /** Back-off after a failed import: doubles from the base to the max. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Stock work goes first: while stock rows are pending for a marketplace, catalogue work waits. So that a
   * constant trickle of stock changes cannot starve it for ever, it stops waiting after this long.
   */
  maxYieldToStockMs: number;
  /** A full-sync progress line is logged every this many batches. */
  logEveryBatches: number;
  /** Loop pacing: after a step that did something, while an import runs, and when there is nothing to do. */
  busyDelayMs: number;
  followDelayMs: number;
  idleDelayMs: number;
  /** Offer fields the product master does not carry. */
  offerDefaults: { stateCode: string; leadtimeToShip: number };
}

export const DEFAULT_CATALOGUE_OPTIONS: CatalogueOptions = {
  productBatchSize: 1_000,
  offerBatchSize: 1_000,
  scanPageSize: 10_000,
  retryBaseMs: 60_000,
  retryMaxMs: 30 * 60_000,
  maxYieldToStockMs: 5 * 60_000,
  logEveryBatches: 10,
  busyDelayMs: 1_000,
  // P42 and OF02 allow one call a minute; the client's limiter holds to it in any case.
  followDelayMs: 60_000,
  idleDelayMs: 30_000,
  // Mirakl's usual offer state for new goods; leadtime in days when the master has none.
  offerDefaults: { stateCode: '11', leadtimeToShip: 2 },
};
