import type { Money, OrderLine } from '@seller-bridge/contracts';
import { validateOrder, type OrderToValidate } from './line-validation';

const eur = (amountMinor: number): Money => ({ amountMinor, currency: 'EUR' });
const line = (
  lineId: string,
  sku: string,
  unit = 1000,
  taxCode = 'TVA',
): OrderToValidate['lines'][number] => ({
  lineId,
  sku,
  quantity: 2,
  unitPrice: eur(unit),
  taxes: [{ code: taxCode, amount: eur(333) }] as OrderLine['taxes'],
  shippingTaxes: [],
});
const order = (lines: OrderToValidate['lines'], shippingTypeCode = 'STD'): OrderToValidate => ({
  shippingTypeCode,
  lines,
});
const reserved = (orderLineId: string) => ({ orderLineId, outcome: 'reserved' as const, reservable: 5 });

describe('validateOrder', () => {
  it('passes a reserved line when no optional check is configured', () => {
    const [v] = validateOrder(order([line('L1', 'A')]), [reserved('L1')], {}, new Map());
    expect(v.failures).toEqual([]);
  });

  it('refuses a line whose SKU is unknown to the reservation owner', () => {
    const [v] = validateOrder(
      order([line('L1', 'NOPE')]),
      [{ orderLineId: 'L1', outcome: 'unknown-sku', reservable: 0 }],
      {},
      new Map(),
    );
    expect(v.failures.map((f) => f.code)).toEqual(['UNKNOWN_SKU']);
  });

  it('refuses a line with no stock, and one the reservation owner did not answer for', () => {
    const verdicts = validateOrder(
      order([line('L1', 'A'), line('L2', 'B')]),
      [{ orderLineId: 'L1', outcome: 'insufficient-stock', reservable: 1 }],
      {},
      new Map(),
    );
    expect(verdicts.map((v) => v.failures.map((f) => f.code))).toEqual([['NO_STOCK'], ['NO_STOCK']]);
    expect(verdicts[0].failures[0].detail).toBe('2 ordered, 1 reservable');
  });

  it('refuses a price beyond the tolerance, accepts one within it, and skips SKUs without a known price', () => {
    const prices = new Map([
      ['A', eur(1000)],
      ['B', eur(1000)],
    ]);
    const verdicts = validateOrder(
      order([line('L1', 'A', 1049), line('L2', 'B', 1200), line('L3', 'C', 1)]),
      [reserved('L1'), reserved('L2'), reserved('L3')],
      { priceTolerance: 0.05 },
      prices,
    );
    expect(verdicts.map((v) => v.failures.map((f) => f.code))).toEqual([[], ['PRICE_MISMATCH'], []]);
  });

  it('does not check prices when the marketplace has no tolerance configured', () => {
    const [v] = validateOrder(order([line('L1', 'A', 1)]), [reserved('L1')], {}, new Map([['A', eur(1000)]]));
    expect(v.failures).toEqual([]);
  });

  it('refuses every line when the shipping type is not mapped, and lines whose tax code is not mapped', () => {
    const verdicts = validateOrder(
      order([line('L1', 'A'), line('L2', 'B', 1000, 'ECO')], 'EXP'),
      [reserved('L1'), reserved('L2')],
      { shippingTypeMap: { STD: 'ERP-STD' }, taxCategoryMap: { TVA: 'VAT20' } },
      new Map(),
    );
    expect(verdicts.map((v) => v.failures.map((f) => f.code))).toEqual([
      ['UNMAPPED_SHIPPING_TYPE'],
      ['UNMAPPED_SHIPPING_TYPE', 'UNMAPPED_TAX_CATEGORY'],
    ]);
  });
});
