import { minorToDecimal } from './price';

describe(minorToDecimal.name, () => {
  it('turns minor units into the exact two-decimal number, with no float division', () => {
    expect(minorToDecimal(1999, 'EUR')).toBe(19.99);
    expect(minorToDecimal('1', 'EUR')).toBe(0.01);
    expect(minorToDecimal(10, 'EUR')).toBe(0.1);
    expect(minorToDecimal(100, 'EUR')).toBe(1);
    expect(minorToDecimal('-250', 'EUR')).toBe(-2.5);
    expect(minorToDecimal(0, 'EUR')).toBe(0);
    // Every amount up to 1,000.00 prints as its own decimal text (what goes into OF24's JSON).
    const wrong: number[] = [];
    for (let minor = 0; minor <= 100_000; minor++) {
      const text = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
      if (JSON.stringify(minorToDecimal(minor, 'EUR')) !== String(Number(text))) wrong.push(minor);
    }
    expect(wrong).toEqual([]);
  });

  it('follows the currency: no decimals for JPY, three for KWD', () => {
    expect(minorToDecimal(1500, 'JPY')).toBe(1500);
    expect(minorToDecimal(12345, 'KWD')).toBe(12.345);
  });

  it('refuses what is not a whole number of minor units, or too large to be exact', () => {
    expect(() => minorToDecimal(19.99, 'EUR')).toThrow(RangeError);
    expect(() => minorToDecimal('12a', 'EUR')).toThrow(RangeError);
    expect(() => minorToDecimal('1234567890123456', 'EUR')).toThrow(RangeError);
  });
});
