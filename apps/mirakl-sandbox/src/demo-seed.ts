import type { MiraklSandbox } from './http/sandbox-server';
import { CATEGORIES } from './products/product-catalogue';

/**
 * Demo content for the first command, until catalogue-sync pushes the back office's catalogue: `count`
 * products and offers per marketplace (scarce quantities on a third of them), and buyers at `ordersPerMinute`.
 */
export function seedDemo(
  sandbox: MiraklSandbox,
  marketplaces: string[],
  count: number,
  ordersPerMinute: number,
): void {
  const categories = Object.keys(CATEGORIES);
  for (const mp of marketplaces) {
    for (let i = 1; i <= count; i++) {
      const sku = `DEMO-${String(i).padStart(4, '0')}`;
      sandbox.products.upsert(mp, {
        sku,
        title: `Demo product ${i}`,
        category: categories[i % categories.length],
        brand: 'Seller Bridge',
      });
      sandbox.offers.apply(mp, {
        shop_sku: sku,
        product_id: sku,
        product_id_type: 'SHOP_SKU',
        price: 9.99 + (i % 20) * 5,
        quantity: i % 3 === 0 ? 1 + (i % 2) : 5 + (i % 25),
        state_code: '11',
        description: `Demo offer ${i}`,
        leadtime_to_ship: 2,
      });
    }
    if (ordersPerMinute > 0) sandbox.buyers.configure(mp, { running: true, ordersPerMinute });
  }
}
