import { decimalToMinor, toFeedChange, toFeedPage, toProductChanged } from './backoffice-shapes';

const product = {
  sku: 'SHOE-0001',
  title: 'Trail shoe',
  brand: 'Kalenji',
  gtin: '3583788888888',
  ean: '3583788888888',
  description: '',
  category: 'Sports > Running > Shoes',
  price: '78.29',
  currency: 'EUR',
  tax_rate: '20.00',
  weight_grams: 800,
  attributes: { colour: 'blue' },
  active: true,
  updated_at: '2026-11-27T10:00:00.000Z',
};

const stockChange = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  seq: 42,
  type: 'stock.changed',
  sku: 'SHOE-0001',
  warehouse: 'LYON-1',
  at: '2026-11-27T10:00:05.000Z',
  data: {
    sku: 'SHOE-0001',
    warehouse: 'LYON-1',
    on_hand: 10,
    allocated: 3,
    available: 7,
    reason: 'allocated',
    quantity: 3,
    sales_order_number: 'SO-000017',
    ...data,
  },
  ...over,
});

describe('back-office shapes', () => {
  describe(decimalToMinor.name, () => {
    it('reads decimal strings as exact minor units, where a float would be off by one', () => {
      expect(decimalToMinor('78.29', 'EUR')).toBe(7829); // 78.29 * 100 = 7828.999999999999
      expect(decimalToMinor('0.29', 'EUR')).toBe(29);
      expect(decimalToMinor('19.9', 'EUR')).toBe(1990);
      expect(decimalToMinor('5', 'EUR')).toBe(500);
      expect(decimalToMinor('9999999.99', 'EUR')).toBe(999999999);
      expect(decimalToMinor('-18.96', 'EUR')).toBe(-1896);
      expect(decimalToMinor('19.990', 'EUR')).toBe(1999);
    });

    it('knows currencies without cents or with three decimals', () => {
      expect(decimalToMinor('1500', 'JPY')).toBe(1500);
      expect(decimalToMinor('1.234', 'KWD')).toBe(1234);
      expect(() => decimalToMinor('1500.5', 'JPY')).toThrow('0 decimals JPY allows');
    });

    it('refuses numbers, exponents and more decimals than the currency has', () => {
      expect(() => decimalToMinor(19.99, 'EUR')).toThrow('decimal string');
      expect(() => decimalToMinor('1e3', 'EUR')).toThrow('decimal string');
      expect(() => decimalToMinor('19.999', 'EUR')).toThrow('2 decimals EUR allows');
      expect(() => decimalToMinor('', 'EUR')).toThrow('decimal string');
    });
  });

  describe(toProductChanged.name, () => {
    it('turns the API product into the contract, money in minor units', () => {
      const p = toProductChanged(product, 'backoffice-poll');
      expect({ ...p, price: { ...p.price } }).toEqual({
        sku: 'SHOE-0001',
        title: 'Trail shoe',
        brand: 'Kalenji',
        gtin: '3583788888888',
        category: 'Sports > Running > Shoes',
        price: { amountMinor: 7829, currency: 'EUR' },
        taxRate: '20.00',
        active: true,
        attributes: { colour: 'blue' },
        updatedAt: '2026-11-27T10:00:00.000Z',
        source: 'backoffice-poll',
      });
    });

    it('refuses a product without a readable price or currency', () => {
      expect(() => toProductChanged({ ...product, price: 78.29 }, 'backoffice-poll')).toThrow(
        'decimal string',
      );
      expect(() => toProductChanged({ ...product, currency: 'euro' }, 'backoffice-poll')).toThrow('ISO 4217');
      expect(() => toProductChanged({ ...product, title: '' }, 'backoffice-poll')).toThrow('title');
    });
  });

  describe(toFeedChange.name, () => {
    it('turns a stock change into a feed figure: at → asOf, seq → sourceVersion, the sales order kept', () => {
      const c = toFeedChange(stockChange(), 41);
      expect(c.kind).toBe('stock');
      if (c.kind !== 'stock') return;
      expect({ ...c.stock }).toEqual({
        sku: 'SHOE-0001',
        warehouse: 'LYON-1',
        available: 7,
        onHand: 10,
        asOf: '2026-11-27T10:00:05.000Z',
        sourceVersion: 42,
        reason: 'allocated',
        salesOrderNumber: 'SO-000017',
        source: 'backoffice-feed',
      });
    });

    it('keeps a negative available (an oversold line) but refuses a negative on hand', () => {
      expect(toFeedChange(stockChange({}, { available: -2 }), 41).kind).toBe('stock');
      expect(toFeedChange(stockChange({}, { on_hand: -1 }), 41)).toMatchObject({
        kind: 'invalid',
        seq: 42,
        problems: [expect.stringContaining('onHand')],
      });
    });

    it('reports a change whose data does not fit, naming what is wrong', () => {
      expect(toFeedChange(stockChange({}, { available: 'lots' }), 41)).toMatchObject({
        kind: 'invalid',
        seq: 42,
        type: 'stock.changed',
        sku: 'SHOE-0001',
        problems: [expect.stringContaining('available')],
      });
      expect(toFeedChange(stockChange({}, { sku: 'OTHER' }), 41)).toMatchObject({
        kind: 'invalid',
        problems: [expect.stringContaining('sku is "SHOE-0001" on the change but "OTHER"')],
      });
      expect(toFeedChange({ ...stockChange(), seq: 'x' }, 41)).toMatchObject({ kind: 'invalid', seq: 42 });
      expect(toFeedChange({ ...stockChange(), at: 'yesterday' }, 41)).toMatchObject({ kind: 'invalid' });
    });

    it('passes over the types fulfilment-bridge reads', () => {
      expect(
        toFeedChange({ seq: 7, type: 'shipment.created', at: '2026-11-27T10:00:00Z', data: {} }, 6),
      ).toEqual({ kind: 'skipped', seq: 7, at: '2026-11-27T10:00:00Z', type: 'shipment.created' });
    });
  });

  describe(toFeedPage.name, () => {
    it('reads a page and refuses one whose seqs go backwards', () => {
      const page = toFeedPage({ changes: [stockChange()], last_seq: 42, has_more: false }, 41);
      expect(page).toMatchObject({ lastSeq: 42, hasMore: false, changes: [{ kind: 'stock', seq: 42 }] });
      expect(toFeedPage({ changes: [stockChange()], last_seq: 42, has_more: false }, 42)).toMatch(
        /out of order/,
      );
      expect(toFeedPage({ changes: 'none', last_seq: 42, has_more: false }, 41)).toMatch(/list/);
    });
  });
});
