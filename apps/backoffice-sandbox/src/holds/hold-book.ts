import { BackofficeError } from '../common/backoffice-error';
import type { Catalogue } from '../catalogue/catalogue';
import { availableOf, type StockLedger } from '../stock/stock-ledger';
import { holdView, type Hold, type HoldInput } from './hold';

export type HoldResult =
  | { key: string; status: 'held' | 'replayed'; hold: ReturnType<typeof holdView> }
  | { key: string; status: 'refused'; error: ReturnType<BackofficeError['toBody']>['error'] };

const sameHold = (h: Hold, i: HoldInput) =>
  h.sku === i.sku &&
  h.quantity === i.quantity &&
  h.reference.marketplace === i.reference.marketplace &&
  h.reference.order_id === i.reference.order_id &&
  (h.reference.line_id ?? null) === (i.reference.line_id ?? null);

const orderKey = (marketplace: string, orderId: string) => `${marketplace}\u0000${orderId}`;

/**
 * Holds (soft allocations) for marketplace orders not in the ERP yet. A hold is taken only from what is
 * available (no channel can hold or sell the same unit twice), is idempotent on its key (the same request
 * again answers the same hold, in whatever state it now is), ends when released or when the order's sales
 * order is posted (converted into the allocation, so `available` does not move twice).
 */
export class HoldBook {
  private readonly holds = new Map<string, Hold>();
  private readonly byOrder = new Map<string, Set<string>>();

  constructor(
    private readonly deps: { catalogue: Catalogue; stock: StockLedger; warehouses: () => string[] },
  ) {}

  get(key: string): Hold | undefined {
    return this.holds.get(key);
  }

  all(): Hold[] {
    return [...this.holds.values()];
  }

  /** Holds in one state, by key after `after`, created before `createdBefore` (reconciliation). */
  page(o: { state: Hold['state']; createdBefore?: number; after?: string; limit: number }): Hold[] {
    return [...this.holds.values()]
      .filter((h) => h.state === o.state && (o.createdBefore === undefined || h.createdAt < o.createdBefore))
      .filter((h) => o.after === undefined || h.key > o.after)
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, o.limit);
  }

  forOrder(marketplace: string, orderId: string): Hold[] {
    return [...(this.byOrder.get(orderKey(marketplace, orderId)) ?? [])].map((k) => this.holds.get(k)!);
  }

  clear(): void {
    this.holds.clear();
    this.byOrder.clear();
  }

  /** Places each hold in turn (earlier ones in the call take their units first); never throws per hold. */
  placeMany(inputs: HoldInput[], now: number): HoldResult[] {
    return inputs.map((input) => {
      try {
        return this.place(input, now);
      } catch (err) {
        if (!(err instanceof BackofficeError)) throw err;
        return { key: input.key, status: 'refused' as const, error: err.toBody().error };
      }
    });
  }

  place(input: HoldInput, now: number): HoldResult {
    const existing = this.holds.get(input.key);
    if (existing) {
      if (!sameHold(existing, input))
        throw new BackofficeError(
          409,
          'hold_key_reused',
          `hold ${input.key} already exists for ${existing.quantity} × ${existing.sku} (${existing.reference.marketplace}:${existing.reference.order_id}); a different hold needs a different key`,
          { key: input.key },
        );
      return { key: input.key, status: 'replayed', hold: holdView(existing) };
    }
    const product = this.deps.catalogue.get(input.sku);
    if (!product)
      throw new BackofficeError(422, 'unknown_sku', `unknown SKU ${input.sku}`, { sku: input.sku });
    if (!product.active)
      throw new BackofficeError(
        422,
        'inactive_product',
        `product ${input.sku} is blocked for sale in the ERP`,
        {
          sku: input.sku,
        },
      );
    const sites = this.deps.warehouses();
    const bad = input.warehouses?.find((w) => !sites.includes(w));
    if (bad)
      throw new BackofficeError(
        422,
        'unknown_warehouse',
        `unknown warehouse ${bad} (known: ${sites.join(', ')})`,
        {
          warehouse: bad,
        },
      );
    const candidates = (input.warehouses ?? sites)
      .map((warehouse) => {
        const level = this.deps.stock.get(input.sku, warehouse);
        return { warehouse, available: level ? Math.max(0, availableOf(level)) : 0 };
      })
      .filter((c) => c.available > 0)
      .sort((a, b) => b.available - a.available || (a.warehouse < b.warehouse ? -1 : 1));
    const available = candidates.reduce((sum, c) => sum + c.available, 0);
    if (available < input.quantity)
      throw new BackofficeError(
        409,
        'insufficient_stock',
        `only ${available} of ${input.sku} available to hold, ${input.quantity} asked`,
        { sku: input.sku, available, quantity: input.quantity },
      );
    const portions: Hold['portions'] = [];
    let left = input.quantity;
    for (const c of candidates) {
      if (left === 0) break;
      const take = Math.min(left, c.available);
      this.deps.stock.hold(input.sku, c.warehouse, take, now, input.key);
      portions.push({ warehouse: c.warehouse, quantity: take });
      left -= take;
    }
    const hold: Hold = {
      key: input.key,
      sku: input.sku,
      quantity: input.quantity,
      reference: { ...input.reference },
      portions,
      state: 'held',
      createdAt: now,
    };
    this.holds.set(hold.key, hold);
    const ok = orderKey(hold.reference.marketplace, hold.reference.order_id);
    this.byOrder.set(ok, (this.byOrder.get(ok) ?? new Set()).add(hold.key));
    return { key: hold.key, status: 'held', hold: holdView(hold) };
  }

  /** Gives the units back (the order was refused or cancelled); a hold already ended stays as it ended. */
  release(key: string, now: number): Hold {
    const hold = this.holds.get(key);
    if (!hold) throw new BackofficeError(404, 'not_found', `no hold ${key}`, { key });
    if (hold.state !== 'held') return hold;
    this.end(hold, 'released', now);
    return hold;
  }

  /** The order's sales order is being posted: its holds become that order's allocation. */
  convertForOrder(marketplace: string, orderId: string, salesOrderNumber: string, now: number): Hold[] {
    const converted = this.forOrder(marketplace, orderId).filter((h) => h.state === 'held');
    for (const hold of converted) this.end(hold, 'converted', now, salesOrderNumber);
    return converted;
  }

  private end(hold: Hold, state: 'released' | 'converted', now: number, salesOrderNumber?: string): void {
    hold.state = state;
    hold.endedAt = now;
    if (salesOrderNumber) hold.salesOrderNumber = salesOrderNumber;
    for (const p of hold.portions)
      this.deps.stock.unhold(
        hold.sku,
        p.warehouse,
        p.quantity,
        now,
        hold.key,
        state === 'released' ? 'hold_released' : 'hold_converted',
        salesOrderNumber,
      );
  }
}
