/** Currencies whose minor unit is not the hundredth (ISO 4217); every other currency has two decimals. */
const EXPONENTS: Record<string, number> = {
  BHD: 3,
  CLP: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  VND: 0,
};

/**
 * An amount in integer minor units as the decimal number Mirakl's JSON expects (`1999` EUR → `19.99`).
 * Built from the decimal digits, never by dividing a float, so the number printed is exactly the amount:
 * `JSON.stringify` gives the shortest text that reads back as the same double, which is the decimal written.
 * Accepts a bigint column read as text (`price_minor`). Throws on anything that is not a whole number.
 */
export function minorToDecimal(amountMinor: number | bigint | string, currency: string): number {
  const text = String(amountMinor).trim();
  if (!/^-?\d+$/.test(text)) throw new RangeError(`price ${text}: minor units must be a whole number`);
  const digits = EXPONENTS[currency.toUpperCase()] ?? 2;
  const negative = text.startsWith('-');
  const abs = (negative ? text.slice(1) : text).replace(/^0+(?=\d)/, '');
  if (abs.length > 15) throw new RangeError(`price ${text}: too large to send exactly`);
  const padded = abs.padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits);
  const fraction = padded.slice(padded.length - digits);
  return Number(`${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`);
}
