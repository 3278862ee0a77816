import { validGtin13 } from './product';
import { demoCatalogue } from './demo-catalogue';

describe(demoCatalogue.name, () => {
  it('gives 300 distinct SKUs with valid GTINs in two warehouses, the same on every call', () => {
    const seed = demoCatalogue();
    expect(seed.products).toHaveLength(300);
    expect(new Set(seed.products.map((p) => p.sku)).size).toBe(300);
    expect(new Set(seed.products.map((p) => p.gtin)).size).toBe(300);
    expect(seed.products.every((p) => validGtin13(p.gtin))).toBe(true);
    expect(seed.warehouses.map((w) => w.code)).toEqual(['LYON-1', 'MADRID-2']);
    expect(demoCatalogue()).toEqual(seed);
  });

  it('keeps part of the catalogue scarce (3 units or fewer in total)', () => {
    const totals = new Map<string, number>();
    for (const s of demoCatalogue().stock) totals.set(s.sku, (totals.get(s.sku) ?? 0) + s.on_hand);
    const scarce = [...totals.values()].filter((n) => n <= 3).length;
    expect(scarce).toBeGreaterThan(20);
    expect(scarce).toBeLessThan(150);
  });
});
