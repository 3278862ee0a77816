import { invalid } from './backoffice-error';

/**
 * Money travels as decimal strings ("19.99") and is kept as integer minor units (cents); tax rates travel as
 * percent strings ("20.00") and are kept as basis points (2000). No binary float touches an amount.
 * Limits keep every product and sum a safe integer: unit amounts below 10,000,000.00, quantities up to 10,000.
 */
const AMOUNT = /^(-?)(\d{1,7})(?:\.(\d{1,2}))?$/;
const RATE = /^(\d{1,2})(?:\.(\d{1,2}))?$/;

export function parseAmount(value: unknown, path: string, opts: { allowNegative?: boolean } = {}): number {
  const m = typeof value === 'string' ? AMOUNT.exec(value) : null;
  if (!m)
    throw invalid(`${path} must be a decimal string with at most 2 decimals, like "19.99"`, { field: path });
  if (m[1] && !opts.allowNegative) throw invalid(`${path} must not be negative`, { field: path });
  const minor = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] && minor !== 0 ? -minor : minor;
}

export function formatAmount(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function parseRate(value: unknown, path: string): number {
  const m = typeof value === 'string' ? RATE.exec(value) : null;
  if (!m) throw invalid(`${path} must be a percentage string like "20.00" (0 to 99.99)`, { field: path });
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export function formatRate(basisPoints: number): string {
  return `${Math.trunc(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}`;
}

/** a / b rounded half away from zero, in exact integer arithmetic. */
function divideRounded(a: bigint, b: bigint): number {
  const negative = a < 0n !== b < 0n;
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  const q = (2n * x + y) / (2n * y);
  return Number(negative ? -q : q);
}

/** The tax inside a tax-included amount: gross × r / (1 + r), rounded to the cent. */
export function taxIncludedIn(grossMinor: number, rateBp: number): number {
  return divideRounded(BigInt(grossMinor) * BigInt(rateBp), 10_000n + BigInt(rateBp));
}

/** The tax on a net amount: net × r, rounded to the cent. */
export function taxOn(netMinor: number, rateBp: number): number {
  return divideRounded(BigInt(netMinor) * BigInt(rateBp), 10_000n);
}

export const CURRENCY = /^[A-Z]{3}$/;
