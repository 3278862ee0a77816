import { importLineException, skuOfErrorLine } from './import-exceptions';

describe('importLineException', () => {
  const at = new Date('2026-11-27T10:00:00Z');
  const line = (message: string, sku = 'TENT-1') => ({
    line: 3,
    message,
    fields: { 'offer-sku': sku, quantity: '4' },
  });

  it('gives a missing offer to ecommerce, naming the SKU and Mirakl’s reason', () => {
    const e = importLineException(
      'decathlon-fr',
      '1001',
      line("The offer with sku 'TENT-1' does not exist"),
      'catalogue-sync',
      at,
    );
    expect(e).toMatchObject({
      type: 'OFFER_MISSING_ON_MARKETPLACE',
      owner: 'ecommerce',
      marketplace: 'decathlon-fr',
    });
    expect(e.entities).toContainEqual({ kind: 'sku', id: 'TENT-1' });
    expect(e.reason).toContain("The offer with sku 'TENT-1' does not exist");
    expect(e.resolution).toContain('Create the offer for SKU TENT-1 on decathlon-fr');
  });

  it('gives any other refusal to integration', () => {
    const e = importLineException(
      'decathlon-fr',
      '1001',
      line('The quantity is invalid'),
      'catalogue-sync',
      at,
    );
    expect([e.type, e.owner]).toEqual(['STOCK_IMPORT_LINE_REFUSED', 'integration']);
  });

  it('keeps the id stable across imports for one marketplace, SKU and reason, and apart otherwise', () => {
    const id = (mp: string, imp: string, msg: string, sku?: string) =>
      importLineException(mp, imp, line(msg, sku), 'catalogue-sync', at).exceptionId;
    const missing = "The offer with sku 'TENT-1' does not exist";
    expect(id('decathlon-fr', '1001', missing)).toBe(id('decathlon-fr', '2002', missing));
    expect(
      new Set([
        id('decathlon-fr', '1', missing),
        id('carrefour-es', '1', missing),
        id('decathlon-fr', '1', 'The quantity is invalid'),
        id('decathlon-fr', '1', missing, 'TENT-2'),
      ]).size,
    ).toBe(4);
  });

  it('reads the SKU from the report’s columns, and copes without one', () => {
    expect(skuOfErrorLine({ line: 1, message: 'x', fields: { 'offer-sku': ' S-1 ' } })).toBe('S-1');
    const e = importLineException(
      'decathlon-fr',
      '9',
      { line: 7, message: '', fields: {} },
      'catalogue-sync',
      at,
    );
    expect(e.entities).toEqual([{ kind: 'stock-import', id: 'decathlon-fr:9' }]);
    expect(e.reason).toContain('line 7');
  });
});
