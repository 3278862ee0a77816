import type { DataSource, EntityManager } from 'typeorm';
import {
  Topics,
  type ExceptionRaised,
  type ProductChanged,
  type StockChanged,
} from '@seller-bridge/contracts';
import {
  TransientError,
  type Clock,
  type OutboxWriter,
  type PendingEvent,
  type Fence,
} from '@seller-bridge/service-kit';
import type { StockLedger } from '../stock/stock-ledger';
import type { Decoded, FeedChange, FeedPage } from './backoffice-shapes';
import type { ChangeOutcome } from '../metrics/catalogue-sync.metrics';

/** The `feed_cursor.source` of the back office's change feed. */
export const FEED_CURSOR_SOURCE = 'backoffice';

export interface FeedCursor {
  lastSeq: number;
  asOf?: Date;
}

/** Checks, inside a transaction, that this reader may still write (the lease's fencing); throws when not. */
export type { Fence };

/** What one transaction did, counted after it committed. */
export interface Tally {
  counts: { type: string; outcome: ChangeOutcome; n: number }[];
  /** The back-office time of the latest figure applied, if any. */
  lastAppliedAt?: string;
}

/** Another reader moved the cursor since this one read it (two replicas without a lease): re-read it. */
export class FeedCursorMovedError extends TransientError {
  constructor(expected: number, found: number | undefined) {
    super(
      'BACKOFFICE_FEED_CURSOR_MOVED',
      `the back-office feed cursor is at ${found ?? 'nothing'}, not ${expected}: another reader moved it`,
      { expected, found },
    );
  }
}

/**
 * Writes what was read from the back office: every change of a feed page, or a chunk of a full load, in ONE
 * transaction with the events it emits and the cursor it moves, so a crash leaves either all of it or none
 * (the page is read again and the ledger ignores what it already holds).
 */
export class BackofficeFeedApplier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: StockLedger,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    private readonly service: string,
  ) {}

  async cursor(): Promise<FeedCursor | undefined> {
    const [row]: { last_seq: string; as_of: Date | null }[] = await this.dataSource.query(
      `SELECT last_seq, as_of FROM feed_cursor WHERE source = $1`,
      [FEED_CURSOR_SOURCE],
    );
    return row ? { lastSeq: Number(row.last_seq), ...(row.as_of ? { asOf: row.as_of } : {}) } : undefined;
  }

  /**
   * Applies a page read after `after`: stock through `applyStock`, products through `applyProduct`, one event
   * per change the ledger applied, an exception per unreadable change, and the cursor moved to the page's end.
   */
  async applyPage(after: number, page: FeedPage, fence?: Fence): Promise<Tally> {
    return this.dataSource.transaction(async (m) => {
      await fence?.(m);
      const held = await this.lockCursor(m);
      if (held !== after) throw new FeedCursorMovedError(after, held);
      const tally = new Counts();
      const events: AnyEvent[] = [];
      // Locks are taken SKU by SKU in SKU order, as the reservation ledger does, so a page and an order for the
      // same SKUs never deadlock; the sort is stable, so one SKU's changes keep their feed order.
      const sorted = [...page.changes].sort(bySku);
      // Stock figures, the bulk of a page, are applied set-wise in one go (SKU rows locked first, in order).
      const stockChanges = sorted.filter(
        (c): c is Extract<typeof c, { kind: 'stock' }> => c.kind === 'stock',
      );
      const stockApplied = await this.ledger.applyStockMany(
        m,
        stockChanges.map((c) => c.stock),
      );
      const appliedStock = new Map(stockChanges.map((c, i) => [c, stockApplied[i]]));
      for (const c of sorted) {
        if (c.kind === 'invalid') {
          events.push({ topic: Topics.exceptionRaised, payload: this.invalidChange(c) });
          tally.add(c.type, 'invalid');
        } else if (c.kind === 'skipped') {
          tally.add(c.type, 'skipped');
        } else if (c.kind === 'stock') {
          const applied = appliedStock.get(c) === true;
          tally.add('stock.changed', applied ? 'applied' : 'ignored');
          if (applied) {
            events.push({ topic: Topics.stockChanged, payload: c.stock, meta: { occurredAt: c.at } });
            tally.applied(c.at);
          }
        } else {
          const event = await this.applyOne(m, c);
          tally.add('product.changed', event ? 'applied' : 'ignored');
          if (event) {
            events.push(event);
            tally.applied(c.at);
          }
        }
      }
      await this.outbox.emitMany(m, events);
      const lastAt = page.changes.findLast((c) => c.kind !== 'invalid')?.at;
      await m.query(
        `UPDATE feed_cursor SET last_seq = $2, as_of = COALESCE($3, as_of), updated_at = $4 WHERE source = $1`,
        [FEED_CURSOR_SOURCE, page.lastSeq, lastAt ? new Date(lastAt) : null, this.clock.now()],
      );
      return tally.result();
    });
  }

  /** Applies full-load figures (`backoffice-poll`) in one transaction; unreadable records raise exceptions. */
  async applyFigures(
    products: Decoded<ProductChanged>[],
    stock: Decoded<StockChanged>[],
    fence?: Fence,
  ): Promise<Tally> {
    return this.dataSource.transaction(async (m) => {
      await fence?.(m);
      await this.lockCursor(m);
      const tally = new Counts();
      const events: AnyEvent[] = [];
      const records = [
        ...products.map((r) => ({
          type: 'product.full-load',
          r,
          change: r.ok ? productChange(r.value) : undefined,
        })),
        ...stock.map((r) => ({
          type: 'stock.full-load',
          r,
          change: r.ok ? stockChange(r.value) : undefined,
        })),
      ].sort((a, b) => bySku(a.r, b.r));
      for (const { type, r, change } of records) {
        if (!r.ok || !change) {
          if (!r.ok) events.push({ topic: Topics.exceptionRaised, payload: this.invalidRecord(r) });
          tally.add(type, 'invalid');
          continue;
        }
        const event = await this.applyOne(m, change);
        tally.add(type, event ? 'applied' : 'ignored');
        if (event) {
          events.push(event);
          tally.applied(change.at);
        }
      }
      await this.outbox.emitMany(m, events);
      return tally.result();
    });
  }

  /** Sets the cursor (after a full load: the feed's end as it was before the load began). */
  async setCursor(lastSeq: number, fence?: Fence): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await fence?.(m);
      await m.query(
        `INSERT INTO feed_cursor (source, last_seq, as_of, updated_at) VALUES ($1, $2, NULL, $3)
       ON CONFLICT (source) DO UPDATE SET last_seq = EXCLUDED.last_seq, as_of = NULL, updated_at = EXCLUDED.updated_at`,
        [FEED_CURSOR_SOURCE, lastSeq, this.clock.now()],
      );
    });
  }

  /** Serialises writers of the feed (replicas without a lease); the cursor's seq, or undefined before the first load. */
  private async lockCursor(m: EntityManager): Promise<number | undefined> {
    const [row]: { last_seq: string }[] = await m.query(
      `SELECT last_seq FROM feed_cursor WHERE source = $1 FOR UPDATE`,
      [FEED_CURSOR_SOURCE],
    );
    return row ? Number(row.last_seq) : undefined;
  }

  private async applyOne(m: EntityManager, c: Figure): Promise<AnyEvent | undefined> {
    // The event happened when the back office says it did.
    const meta = { occurredAt: c.at };
    if (c.kind === 'stock')
      return (await this.ledger.applyStock(m, c.stock))
        ? { topic: Topics.stockChanged, payload: c.stock, meta }
        : undefined;
    return (await this.ledger.applyProduct(m, c.product))
      ? { topic: Topics.productChanged, payload: c.product, meta }
      : undefined;
  }

  private invalidChange(c: Extract<FeedChange, { kind: 'invalid' }>): ExceptionRaised {
    return {
      // Stable: the same change read again (a replayed page) raises the same exception.
      exceptionId: `backoffice-change-invalid:${c.seq}`,
      type: 'BACKOFFICE_CHANGE_INVALID',
      owner: 'integration',
      service: this.service,
      entities: [
        { kind: 'backoffice-change', id: String(c.seq) },
        ...(c.sku ? [{ kind: 'sku', id: c.sku }] : []),
      ],
      reason: `Back-office change ${c.seq} (${c.type}) could not be read and was skipped: ${c.problems.slice(0, 10).join('; ')}`,
      resolution:
        'Look at this change in the back office. If it carried a stock or product figure, correct the record there ' +
        '(a new change is then sent and applied); until then catalogue-sync keeps the figure it held before.',
      raisedAt: this.clock.now().toISOString(),
    };
  }

  private invalidRecord(r: Extract<Decoded<unknown>, { ok: false }>): ExceptionRaised {
    return {
      exceptionId: `backoffice-record-invalid:${r.ref}`,
      type: 'BACKOFFICE_RECORD_INVALID',
      owner: 'integration',
      service: this.service,
      entities: r.sku ? [{ kind: 'sku', id: r.sku }] : [],
      reason: `Back-office ${r.ref} could not be read during a full load and was skipped: ${r.problems.slice(0, 10).join('; ')}`,
      resolution: 'Correct the record in the back office; its next change is applied.',
      raisedAt: this.clock.now().toISOString(),
    };
  }
}

/** The events a feed transaction emits. */
type AnyEvent = PendingEvent<StockChanged> | PendingEvent<ProductChanged> | PendingEvent<ExceptionRaised>;

type Figure =
  | { kind: 'stock'; stock: StockChanged; at: string }
  | { kind: 'product'; product: ProductChanged; at: string };
const productChange = (product: ProductChanged): Figure => ({
  kind: 'product',
  product,
  at: product.updatedAt,
});
const stockChange = (stock: StockChanged): Figure => ({ kind: 'stock', stock, at: stock.asOf });

const skuOf = (c: FeedChange | Decoded<ProductChanged | StockChanged>): string => {
  if (!('kind' in c)) return c.ok ? c.value.sku : (c.sku ?? '');
  if (c.kind === 'stock') return c.stock.sku;
  if (c.kind === 'product') return c.product.sku;
  return c.kind === 'invalid' ? (c.sku ?? '') : '';
};

function bySku(a: FeedChange | Decoded<ProductChanged | StockChanged>, b: typeof a): number {
  const x = skuOf(a);
  const y = skuOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

class Counts {
  private readonly byKey = new Map<string, { type: string; outcome: ChangeOutcome; n: number }>();
  private last?: string;

  add(type: string, outcome: ChangeOutcome): void {
    const key = `${type}\u0000${outcome}`;
    const entry = this.byKey.get(key) ?? { type, outcome, n: 0 };
    entry.n++;
    this.byKey.set(key, entry);
  }

  applied(at: string): void {
    if (!this.last || Date.parse(at) > Date.parse(this.last)) this.last = at;
  }

  result(): Tally {
    return { counts: [...this.byKey.values()], ...(this.last ? { lastAppliedAt: this.last } : {}) };
  }
}
