import { CatalogueExceptionType, exceptionId, normaliseReason } from './catalogue-exceptions';

describe(normaliseReason.name, () => {
  it('drops the line number Mirakl puts before the reason, so a cause keeps its id from file to file', () => {
    expect(normaliseReason("2: The EAN '1234567890123' is invalid")).toBe(
      "The EAN '1234567890123' is invalid",
    );
    expect(normaliseReason("117: The EAN '1234567890123' is invalid")).toBe(
      "The EAN '1234567890123' is invalid",
    );
    expect(normaliseReason('The product does not exist')).toBe('The product does not exist');
    expect(normaliseReason('  ')).toBe('no reason given by Mirakl');
  });
});

describe(exceptionId.name, () => {
  it('is stable per type, marketplace, SKU and reason, and differs when any of them does', () => {
    const id = exceptionId(CatalogueExceptionType.productRejected, 'decathlon-fr', 'SHOE-1', 'bad EAN');
    expect(exceptionId(CatalogueExceptionType.productRejected, 'decathlon-fr', 'SHOE-1', 'bad EAN')).toBe(id);
    expect(id).toMatch(/^catalogue-sync:PRODUCT_REJECTED:decathlon-fr:SHOE-1:[0-9a-f]{12}$/);
    expect(
      new Set([
        id,
        exceptionId(CatalogueExceptionType.productRejected, 'carrefour-es', 'SHOE-1', 'bad EAN'),
        exceptionId(CatalogueExceptionType.productRejected, 'decathlon-fr', 'SHOE-2', 'bad EAN'),
        exceptionId(CatalogueExceptionType.productRejected, 'decathlon-fr', 'SHOE-1', 'no title'),
        exceptionId(CatalogueExceptionType.offerRejected, 'decathlon-fr', 'SHOE-1', 'bad EAN'),
      ]).size,
    ).toBe(5);
  });
});
