import { formatAmount, parseAmount, parseRate, taxIncludedIn, taxOn } from './money';

describe('money', () => {
  it('parses decimal strings into exact minor units and back', () => {
    expect(parseAmount('19.99', 'x')).toBe(1999);
    expect(parseAmount('0.1', 'x')).toBe(10);
    expect(parseAmount('7', 'x')).toBe(700);
    expect(parseAmount('-7.50', 'x', { allowNegative: true })).toBe(-750);
    expect(formatAmount(-750)).toBe('-7.50');
    expect(formatAmount(5)).toBe('0.05');
    expect(formatAmount(123456789)).toBe('1234567.89');
  });

  it('refuses floats, three decimals, negatives where not allowed and out-of-range amounts', () => {
    expect(() => parseAmount(19.99, 'unit_price')).toThrow(/unit_price must be a decimal string/);
    expect(() => parseAmount('1.999', 'x')).toThrow();
    expect(() => parseAmount('-1.00', 'x')).toThrow(/must not be negative/);
    expect(() => parseAmount('100000000.00', 'x')).toThrow();
    expect(() => parseAmount('1e3', 'x')).toThrow();
  });

  it('rounds tax half away from zero without binary floats', () => {
    expect(parseRate('20.00', 'r')).toBe(2000);
    expect(parseRate('5.5', 'r')).toBe(550);
    expect(taxIncludedIn(4999, 2000)).toBe(833); // 49.99 incl. 20 % → 8.3317
    expect(taxIncludedIn(600, 2000)).toBe(100);
    expect(taxOn(1005, 1000)).toBe(101); // 10.05 × 10 % = 1.005 → 1.01 (a float gives 1.00)
    expect(taxOn(-1005, 1000)).toBe(-101);
    expect(taxIncludedIn(999_999_999 * 10_000, 2000)).toBe(1_666_666_665_000);
  });
});
