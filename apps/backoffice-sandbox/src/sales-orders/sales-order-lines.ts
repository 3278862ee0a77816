import { taxIncludedIn, taxOn } from '../common/money';
import type { Catalogue } from '../catalogue/catalogue';
import { CHARGE_ITEMS } from './charge-items';
import type { ChargeLineInput, OrderLineInput } from './sales-order-input';
import type { ChargeLine, SalesOrderLine } from './sales-order';

/** Units of a SKU already placed in warehouses for this order (converted holds, or a held order's allocation). */
export type Placement = Map<string, { warehouse: string; quantity: number }[]>;

/**
 * The ERP lines of an order: each input line is placed in the warehouse it names, else where its units are
 * already placed for this order (split over several warehouses when they are), the rest in `fallback(sku)`.
 * Lines are numbered 10, 20, 30… in the order they come out; a given tax amount is shared out over the parts.
 */
export function buildLines(
  input: readonly OrderLineInput[],
  placement: Placement,
  fallback: (sku: string) => string,
  pricesIncludeTax: boolean,
  catalogue: Catalogue,
): SalesOrderLine[] {
  const pool: Placement = new Map([...placement].map(([sku, parts]) => [sku, parts.map((p) => ({ ...p }))]));
  const placed = (sku: string, quantity: number): { warehouse: string; quantity: number }[] => {
    const parts: { warehouse: string; quantity: number }[] = [];
    let left = quantity;
    const put = (warehouse: string, n: number) => {
      const same = parts.find((x) => x.warehouse === warehouse);
      if (same) same.quantity += n;
      else parts.push({ warehouse, quantity: n });
    };
    for (const p of pool.get(sku) ?? []) {
      const take = Math.min(left, p.quantity);
      if (take === 0) continue;
      p.quantity -= take;
      left -= take;
      put(p.warehouse, take);
    }
    if (left > 0) put(fallback(sku), left);
    return parts;
  };
  return input
    .flatMap((l) => {
      const parts = l.warehouse
        ? [{ warehouse: l.warehouse, quantity: l.quantity }]
        : placed(l.sku, l.quantity);
      let taxLeft = l.taxMinor;
      return parts.map((part, j) => {
        const tax =
          l.taxMinor === undefined
            ? undefined
            : j === parts.length - 1
              ? taxLeft
              : Math.round((l.taxMinor * part.quantity) / l.quantity);
        if (taxLeft !== undefined && tax !== undefined) taxLeft -= tax;
        return { input: l, ...part, taxMinor: tax };
      });
    })
    .map(({ input: l, warehouse, quantity, taxMinor }, i) => {
      const product = catalogue.get(l.sku)!;
      return {
        lineNo: (i + 1) * 10,
        sku: l.sku,
        description: product.title,
        quantity,
        unitPriceMinor: l.unitPriceMinor,
        taxRateBp: l.taxRateBp,
        ...amounts(pricesIncludeTax, l.unitPriceMinor * quantity, l.taxRateBp, taxMinor),
        warehouse,
        weightGrams: product.weightGrams,
        shippedQuantity: 0,
        availableAtPosting: 0,
        oversoldQuantity: 0,
      };
    });
}

/** Charge lines, numbered after the `afterLines` item lines. */
export function buildChargeLines(
  input: readonly ChargeLineInput[],
  afterLines: number,
  pricesIncludeTax: boolean,
): ChargeLine[] {
  return input.map((c, i) => ({
    lineNo: (afterLines + i + 1) * 10,
    itemCode: c.itemCode,
    description: c.description ?? CHARGE_ITEMS[c.itemCode],
    taxRateBp: c.taxRateBp,
    ...amounts(pricesIncludeTax, c.amountMinor, c.taxRateBp, c.taxMinor),
  }));
}

/** Where an order's lines hold units now, per SKU. */
export function placementOf(lines: readonly SalesOrderLine[]): Placement {
  const out: Placement = new Map();
  for (const l of lines) {
    const parts = out.get(l.sku) ?? [];
    const same = parts.find((p) => p.warehouse === l.warehouse);
    if (same) same.quantity += l.quantity;
    else parts.push({ warehouse: l.warehouse, quantity: l.quantity });
    out.set(l.sku, parts);
  }
  return out;
}

function amounts(pricesIncludeTax: boolean, amountMinor: number, rateBp: number, givenTax?: number) {
  const tax =
    givenTax ?? (pricesIncludeTax ? taxIncludedIn(amountMinor, rateBp) : taxOn(amountMinor, rateBp));
  return pricesIncludeTax
    ? { taxMinor: tax, grossMinor: amountMinor, netMinor: amountMinor - tax }
    : { taxMinor: tax, netMinor: amountMinor, grossMinor: amountMinor + tax };
}
