/**
 * Marketplace charge types → the ERP's non-inventory charge items. Shared with finance-ledger (import this
 * module: `CHARGE_MAPPING`, `mapCharges`), so the ERP sales order and the ledger book a commission the same way.
 *
 * `sign`: the marketplace reports fees as positive amounts it keeps; on the sales order they reduce what the
 * seller is owed, so they are posted negative (`-1`). Shipping charged to the buyer is income (`+1`).
 */
export interface ChargeItemMapping {
  itemCode: string;
  sign: 1 | -1;
}

export const CHARGE_MAPPING: Readonly<Record<string, ChargeItemMapping>> = {
  COMMISSION: { itemCode: 'MKT-COMMISSION', sign: -1 },
  COMMISSION_FEE: { itemCode: 'MKT-COMMISSION', sign: -1 },
  COMMISSION_VAT: { itemCode: 'MKT-COMMISSION-VAT', sign: -1 },
  SHIPPING_COMMISSION: { itemCode: 'MKT-COMMISSION', sign: -1 },
  PROMOTION: { itemCode: 'MKT-PROMOTION', sign: -1 },
};

/** The charge item of the buyer's shipping price (not a marketplace charge type; always mapped). */
export const SHIPPING_FEE_ITEM = 'MKT-SHIPPING-FEE';

export interface ChargeInput {
  type: string;
  amountMinor: number;
}

export interface MappedChargeLine {
  itemCode: string;
  /** Signed minor units as the ERP books them. */
  amountMinor: number;
  /** Set on catch-all lines: which marketplace charge type had no mapping. */
  unmappedType?: string;
}

/**
 * Sums an order's charges per ERP item. A type with no mapping is never dropped: it goes on `catchAllItem`,
 * one line per unmapped type (so finance sees which), posted with the fee sign, and is listed in `unmapped`
 * so the caller raises an exception.
 */
export function mapCharges(
  charges: readonly ChargeInput[],
  catchAllItem: string,
  mapping: Readonly<Record<string, ChargeItemMapping>> = CHARGE_MAPPING,
): { lines: MappedChargeLine[]; unmapped: string[] } {
  const mapped = new Map<string, number>();
  const unmapped = new Map<string, number>();
  for (const c of charges) {
    if (!Number.isInteger(c.amountMinor))
      throw new RangeError(`charge ${c.type}: amount must be integer minor units`);
    const m = mapping[c.type.toUpperCase()];
    if (m) mapped.set(m.itemCode, (mapped.get(m.itemCode) ?? 0) + m.sign * c.amountMinor);
    else unmapped.set(c.type, (unmapped.get(c.type) ?? 0) - c.amountMinor);
  }
  const lines: MappedChargeLine[] = [...mapped]
    .filter(([, a]) => a !== 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([itemCode, amountMinor]) => ({ itemCode, amountMinor }));
  const unmappedTypes = [...unmapped.keys()].sort();
  for (const type of unmappedTypes)
    if (unmapped.get(type) !== 0)
      lines.push({ itemCode: catchAllItem, amountMinor: unmapped.get(type)!, unmappedType: type });
  return { lines, unmapped: unmappedTypes };
}

/** Integer minor units → the ERP's decimal string ("-18.96"); 2-decimal currencies only. */
export function formatMinor(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`not an integer amount: ${amountMinor}`);
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
