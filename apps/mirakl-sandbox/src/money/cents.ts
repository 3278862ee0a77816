/**
 * Money as integer cents. The order book keeps Mirakl's decimal amounts as JSON numbers; they enter the
 * ledger here, exactly, and leave it as numbers with at most 2 decimals. No sum is ever taken on floats.
 */

/** An amount with at most 2 decimals (a number, or a string as Mirakl sometimes takes) as integer cents. */
export function toCents(value: unknown, name = 'amount'): number {
  if (typeof value === 'string') {
    if (!/^-?\d{1,13}(\.\d{1,2})?$/.test(value.trim()))
      throw new RangeError(`${name} must be an amount with at most 2 decimals, got ${JSON.stringify(value)}`);
    const [whole, frac = ''] = value.trim().replace('-', '').split('.');
    const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
    return value.trim().startsWith('-') ? -cents : cents;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 1e13)
    throw new RangeError(`${name} must be a finite amount, got ${JSON.stringify(value)}`);
  const cents = Math.round(value * 100);
  // 19.99 * 100 is 1998.9999999999998: anything that close to a whole cent is that cent; more is a 3rd decimal.
  if (Math.abs(value * 100 - cents) > 1e-6)
    throw new RangeError(`${name} must have at most 2 decimals, got ${value}`);
  return cents;
}

/**
 * An amount the order book computed (already rounded to the cent, but a float) as cents. Only float noise is
 * rounded away; a non-finite amount is a bug upstream and is refused.
 */
export function centsOf(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new RangeError(`${name} must be a finite amount, got ${JSON.stringify(value)}`);
  return Math.round(value * 100);
}

/** Cents as the JSON number Mirakl sends (19.99, never 19.990000000000002; never -0). */
export const fromCents = (cents: number): number => (cents === 0 ? 0 : cents / 100);

/** Sum of integer cents. */
export const sumCents = (values: Iterable<number>): number => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/** `cents` × `basisPoints` / 10000, rounded half away from zero (12.5% is 1250 bp). */
export function percentOf(cents: number, basisPoints: number): number {
  const exact = Math.abs(cents) * basisPoints;
  const rounded = Math.floor((exact + 5000) / 10000);
  return cents < 0 ? -rounded : rounded;
}

/** The tax inside a tax-included amount at `basisPoints` (20% of 12.00 included is 2.00). */
export function includedTax(cents: number, basisPoints: number): number {
  const sign = cents < 0 ? -1 : 1;
  const gross = Math.abs(cents);
  const net = Math.floor((gross * 10000 + (10000 + basisPoints) / 2) / (10000 + basisPoints));
  return sign * (gross - net);
}
