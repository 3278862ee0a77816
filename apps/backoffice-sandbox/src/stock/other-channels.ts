import { availableOf, type StockLedger } from './stock-ledger';

/** One unit sold by another channel (web shop, shop floor, another marketplace the bridge does not serve). */
export interface OtherChannelSale {
  sku: string;
  warehouse: string;
  quantity: number;
  at: string;
}

export interface OtherChannelsState {
  running: boolean;
  unitsPerMinute: number;
  unitsSold: number;
  /** Sales that found nothing available anywhere (the web shop showed "out of stock"). */
  missedSales: number;
}

/**
 * Other sales channels drawing on the same stock at a steady rate (units per simulated minute). Each sale
 * takes one unit from a random SKU and warehouse that still has some available: the web shop checks its own
 * stock, so it never takes what is allocated to a sales order or held for a marketplace order, and on hand never
 * goes below 0. Marketplace
 * offers published before such a sale are stale, and the next marketplace order for that SKU oversells.
 */
export class OtherChannels {
  private rate = 0;
  private running = false;
  /** Sandbox time of the last sale (or of the start), fractional: sales fall every 60000 / rate ms. */
  private lastAt = 0;
  private unitsSold = 0;
  private missedSales = 0;
  readonly sales: OtherChannelSale[] = [];

  constructor(
    private readonly stock: StockLedger,
    private readonly random: () => number,
  ) {}

  start(unitsPerMinute: number, now: number): void {
    if (!(unitsPerMinute > 0)) throw new RangeError('unitsPerMinute must be above 0');
    this.rate = unitsPerMinute;
    this.running = true;
    this.lastAt = now;
  }

  stop(): void {
    this.running = false;
  }

  reset(): void {
    this.stop();
    this.rate = 0;
    this.unitsSold = 0;
    this.missedSales = 0;
    this.sales.length = 0;
  }

  state(): OtherChannelsState {
    return {
      running: this.running,
      unitsPerMinute: this.rate,
      unitsSold: this.unitsSold,
      missedSales: this.missedSales,
    };
  }

  /** Time of the next sale, if the channels are running. */
  nextAt(): number | undefined {
    return this.running ? this.lastAt + 60_000 / this.rate : undefined;
  }

  /** Makes the sale due at `at`. */
  sellAt(at: number): void {
    this.lastAt = at;
    const candidates = [...this.stock.levelsAsStocked()].filter((l) => availableOf(l) > 0);
    const when = Math.floor(at);
    if (!candidates.length) {
      this.missedSales++;
      return;
    }
    const level = candidates[Math.floor(this.random() * candidates.length)];
    this.stock.consume(level.sku, level.warehouse, 1, when);
    this.unitsSold++;
    this.sales.push({
      sku: level.sku,
      warehouse: level.warehouse,
      quantity: 1,
      at: new Date(when).toISOString(),
    });
  }

  /** No sale is due before `now` any more; when many would be, jump (a bounded catch-up). */
  skipTo(now: number): void {
    if (this.running && this.lastAt < now - 60_000 / this.rate) this.lastAt = now;
  }
}
