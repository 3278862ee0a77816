/** Stock of one SKU in one warehouse. `available` may go negative only through sales orders (oversold). */
export interface StockLevel {
  sku: string;
  warehouse: string;
  onHand: number;
  allocated: number;
  /** Units promised to marketplace orders not yet in the ERP (holds): no other channel may sell them. */
  held: number;
}

export type StockReason =
  | 'seed'
  | 'adjustment'
  | 'allocated'
  | 'allocation_released'
  | 'shipped'
  | 'other_channel_sale'
  | 'held'
  | 'hold_released'
  | 'hold_converted';

export interface StockMovement {
  level: StockLevel;
  reason: StockReason;
  /** Units the movement took or gave (signed, of on_hand or allocated as the reason says). */
  quantity: number;
  salesOrderNumber?: string;
  holdKey?: string;
  at: number;
}

export interface StockView {
  sku: string;
  warehouse: string;
  on_hand: number;
  allocated: number;
  held: number;
  /** What any channel may still sell: on hand − allocated − held. */
  available: number;
}

/** What any channel may still sell from this level (negative when oversold). */
export const availableOf = (l: StockLevel): number => l.onHand - l.allocated - l.held;

export const stockView = (l: StockLevel): StockView => ({
  sku: l.sku,
  warehouse: l.warehouse,
  on_hand: l.onHand,
  allocated: l.allocated,
  held: l.held,
  available: availableOf(l),
});

const key = (sku: string, warehouse: string) => `${sku}\u0000${warehouse}`;

/**
 * On-hand and allocated quantities per SKU and warehouse. On hand never goes below 0 (nothing ships that is
 * not on the shelf); allocated is what open sales order lines reserve, and may exceed on hand.
 */
export class StockLedger {
  private readonly levels = new Map<string, StockLevel>();

  constructor(private readonly onMovement: (m: StockMovement) => void = () => undefined) {}

  get(sku: string, warehouse: string): StockLevel | undefined {
    return this.levels.get(key(sku, warehouse));
  }

  /** Every level in the order it was first stocked (cheap; for scans). */
  levelsAsStocked(): IterableIterator<StockLevel> {
    return this.levels.values();
  }

  /** Every level, by SKU then warehouse. */
  all(): StockLevel[] {
    return [...this.levels.values()].sort(
      (a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0) || (a.warehouse < b.warehouse ? -1 : 1),
    );
  }

  clear(): void {
    this.levels.clear();
  }

  /** Counted stock: on hand becomes `onHand` (a goods receipt, an inventory count, a seed). */
  setOnHand(
    sku: string,
    warehouse: string,
    onHand: number,
    at: number,
    reason: 'seed' | 'adjustment',
  ): StockLevel {
    const level = this.level(sku, warehouse);
    const delta = onHand - level.onHand;
    level.onHand = onHand;
    this.onMovement({ level, reason, quantity: delta, at });
    return level;
  }

  /** Reserves units for a sales order line; returns what was available just before. */
  allocate(sku: string, warehouse: string, quantity: number, at: number, salesOrderNumber: string): number {
    const level = this.level(sku, warehouse);
    const availableBefore = availableOf(level);
    level.allocated += quantity;
    this.onMovement({ level, reason: 'allocated', quantity, salesOrderNumber, at });
    return availableBefore;
  }

  release(sku: string, warehouse: string, quantity: number, at: number, salesOrderNumber: string): void {
    if (quantity <= 0) return;
    const level = this.level(sku, warehouse);
    level.allocated = Math.max(0, level.allocated - quantity);
    this.onMovement({ level, reason: 'allocation_released', quantity: -quantity, salesOrderNumber, at });
  }

  /** Units leave the shelf for a shipment: on hand and allocation both go down. */
  ship(sku: string, warehouse: string, quantity: number, at: number, salesOrderNumber: string): void {
    const level = this.level(sku, warehouse);
    if (quantity > level.onHand) throw new RangeError(`cannot ship ${quantity} of ${sku} from ${warehouse}`);
    level.onHand -= quantity;
    level.allocated = Math.max(0, level.allocated - quantity);
    this.onMovement({ level, reason: 'shipped', quantity: -quantity, salesOrderNumber, at });
  }

  /** Holds units for a marketplace order not yet in the ERP; the caller checked they are available. */
  hold(sku: string, warehouse: string, quantity: number, at: number, holdKey: string): void {
    const level = this.level(sku, warehouse);
    if (quantity > availableOf(level)) throw new RangeError(`${sku} in ${warehouse} cannot hold ${quantity}`);
    level.held += quantity;
    this.onMovement({ level, reason: 'held', quantity, holdKey, at });
  }

  /** A hold ends: released (the order was refused or cancelled) or converted into a sales order's allocation. */
  unhold(
    sku: string,
    warehouse: string,
    quantity: number,
    at: number,
    holdKey: string,
    reason: 'hold_released' | 'hold_converted',
    salesOrderNumber?: string,
  ): void {
    const level = this.level(sku, warehouse);
    level.held = Math.max(0, level.held - quantity);
    this.onMovement({ level, reason, quantity: -quantity, holdKey, salesOrderNumber, at });
  }

  /** Another channel sold units from what it saw available; on hand never goes below 0. */
  consume(sku: string, warehouse: string, quantity: number, at: number): void {
    const level = this.level(sku, warehouse);
    if (quantity > availableOf(level)) throw new RangeError(`${sku} in ${warehouse} is not available`);
    level.onHand -= quantity;
    this.onMovement({ level, reason: 'other_channel_sale', quantity: -quantity, at });
  }

  private level(sku: string, warehouse: string): StockLevel {
    let level = this.levels.get(key(sku, warehouse));
    if (!level) {
      level = { sku, warehouse, onHand: 0, allocated: 0, held: 0 };
      this.levels.set(key(sku, warehouse), level);
    }
    return level;
  }
}
