import { formatMinor, mapCharges } from './charge-mapping';

describe('mapCharges', () => {
  it('posts commissions negative on their items, summed per item', () => {
    const r = mapCharges(
      [
        { type: 'COMMISSION', amountMinor: 1200 },
        { type: 'COMMISSION', amountMinor: 300 },
        { type: 'COMMISSION_VAT', amountMinor: 240 },
      ],
      'MKT-ROUNDING',
    );
    expect(r.unmapped).toEqual([]);
    expect(r.lines).toEqual([
      { itemCode: 'MKT-COMMISSION', amountMinor: -1500 },
      { itemCode: 'MKT-COMMISSION-VAT', amountMinor: -240 },
    ]);
  });

  it('puts an unmapped type on the catch-all item without losing its amount, and reports it', () => {
    const r = mapCharges(
      [
        { type: 'COMMISSION', amountMinor: 100 },
        { type: 'LOGISTICS_FEE', amountMinor: 250 },
        { type: 'LOGISTICS_FEE', amountMinor: 50 },
      ],
      'MKT-ROUNDING',
    );
    expect(r.unmapped).toEqual(['LOGISTICS_FEE']);
    expect(r.lines).toContainEqual({
      itemCode: 'MKT-ROUNDING',
      amountMinor: -300,
      unmappedType: 'LOGISTICS_FEE',
    });
    const total = r.lines.reduce((s, l) => s + l.amountMinor, 0);
    expect(total).toBe(-400);
  });

  it('refuses a non-integer amount', () => {
    expect(() => mapCharges([{ type: 'COMMISSION', amountMinor: 1.5 }], 'X')).toThrow(RangeError);
  });
});

describe('formatMinor', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [1999, '19.99'],
    [-1896, '-18.96'],
    [-7, '-0.07'],
  ])('formats %d as %s', (minor, text) => expect(formatMinor(minor)).toBe(text));
});
