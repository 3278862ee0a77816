import { BackofficeError } from '../common/backoffice-error';

export type ChangeType = 'product.changed' | 'stock.changed' | 'sales_order.cancelled' | 'shipment.created';
export const CHANGE_TYPES: readonly ChangeType[] = [
  'product.changed',
  'stock.changed',
  'sales_order.cancelled',
  'shipment.created',
];

/** One entry of the change feed, as the API answers it. */
export interface Change {
  seq: number;
  type: ChangeType;
  sku?: string;
  warehouse?: string;
  sales_order_number?: string;
  at: string;
  data: Record<string, unknown>;
}

export interface ChangePage {
  changes: Change[];
  /** The seq of the last change returned, or `after` when none: store it and ask again from there. */
  last_seq: number;
  has_more: boolean;
}

/**
 * Everything that changed in the back office, in one sequence: `seq` starts at 1 and grows by one per change,
 * so a reader that keeps its last seq misses nothing and can tell a gap from a quiet period.
 */
export class ChangeFeed {
  private readonly entries: Change[] = [];
  private readonly listeners: ((c: Change) => void)[] = [];

  get headSeq(): number {
    return this.entries.length;
  }

  append(
    type: ChangeType,
    at: number,
    data: Record<string, unknown>,
    ids: Partial<Pick<Change, 'sku' | 'warehouse' | 'sales_order_number'>> = {},
  ): Change {
    const change: Change = {
      seq: this.entries.length + 1,
      type,
      ...ids,
      at: new Date(at).toISOString(),
      data,
    };
    this.entries.push(change);
    for (const l of this.listeners) l(change);
    return change;
  }

  subscribe(listener: (c: Change) => void): void {
    this.listeners.push(listener);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** The change with this seq (1-based). */
  at(seq: number): Change | undefined {
    return this.entries[seq - 1];
  }

  page(after: number, limit: number, types?: ReadonlySet<ChangeType>): ChangePage {
    if (after > this.headSeq)
      throw new BackofficeError(
        409,
        'cursor_ahead_of_feed',
        `after=${after} is beyond the last change (${this.headSeq}): the back office's feed was reset; read again from 0`,
        { after, head_seq: this.headSeq },
      );
    const changes: Change[] = [];
    let i = after;
    for (; i < this.entries.length && changes.length < limit; i++) {
      if (!types || types.has(this.entries[i].type)) changes.push(this.entries[i]);
    }
    // With a type filter, skipped entries still move the cursor on.
    return { changes: structuredClone(changes), last_seq: i, has_more: i < this.entries.length };
  }
}
