import { BackofficeSandbox, type BackofficeSandboxOptions } from '../src/http/backoffice-sandbox';
import type { BackofficeSeed } from '../src/back-office';
import { seededRandom } from '../src/catalogue/demo-catalogue';
import type { Product } from '../src/catalogue/product';
import { SandboxClock } from '../src/sandbox-clock';
import { demoWarehouses } from '../src/warehouse/warehouse-site';

export const API_KEY = 'test-api-key-123';
export const ADMIN_TOKEN = 'test-admin-token';
export const START = Date.parse('2025-03-03T09:00:00Z');
export const MINUTE = 60_000;

const product = (sku: string, title: string, grams: number, price: number): Omit<Product, 'updatedAt'> => ({
  sku,
  title,
  brand: 'Northpeak',
  gtin: '4006381333931',
  description: '',
  category: 'Test > Things',
  priceMinor: price,
  currency: 'EUR',
  taxRateBp: 2000,
  weightGrams: grams,
  attributes: {},
  active: true,
});

/** Three SKUs: SKU-A (5 in Lyon only), SKU-B (10 + 10), HEAVY-1 (40 kg, 2 in Lyon). */
export function smallSeed(): BackofficeSeed {
  return {
    warehouses: demoWarehouses(),
    products: [
      product('SKU-A', 'Headlamp', 90, 2999),
      product('SKU-B', 'Fleece jacket', 420, 4999),
      product('HEAVY-1', 'Home treadmill', 40_000, 99999),
    ],
    stock: [
      { sku: 'SKU-A', warehouse: 'LYON-1', on_hand: 5 },
      { sku: 'SKU-A', warehouse: 'MADRID-2', on_hand: 0 },
      { sku: 'SKU-B', warehouse: 'LYON-1', on_hand: 10 },
      { sku: 'SKU-B', warehouse: 'MADRID-2', on_hand: 10 },
      { sku: 'HEAVY-1', warehouse: 'LYON-1', on_hand: 2 },
    ],
  };
}

/** Replies are read as loose JSON: each test asserts the fields it cares about. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the honest type of a JSON reply in a test
type LooseJson = any;

export interface Reply<T = LooseJson> {
  status: number;
  headers: Headers;
  body: T;
}

/** A sandbox on port 0 with a frozen clock (only admin moves it) and seeded dice. */
export class Harness {
  sandbox!: BackofficeSandbox;
  base!: string;

  async start(options: Partial<BackofficeSandboxOptions> = {}): Promise<this> {
    this.sandbox = new BackofficeSandbox({
      apiKey: API_KEY,
      adminToken: ADMIN_TOKEN,
      seed: smallSeed(),
      clock: new SandboxClock({ startAt: START, followRealTime: false }),
      random: seededRandom(7),
      ...options,
    });
    this.base = await this.sandbox.listen();
    return this;
  }

  stop(): Promise<void> {
    return this.sandbox.close();
  }

  async call<T = LooseJson>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  api<T = LooseJson>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    return this.call<T>(method, path, body, { 'x-api-key': API_KEY, ...headers });
  }

  admin<T = LooseJson>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    return this.call<T>(method, path, body, { 'x-admin-token': ADMIN_TOKEN });
  }

  advance(ms: number): Promise<Reply> {
    return this.admin('POST', '/admin/clock/advance', { ms });
  }

  async customer(marketplaceCustomerId = 'MC-1', country = 'FR'): Promise<string> {
    const r = await this.api('POST', '/api/customers', {
      marketplace: 'decathlon-fr',
      marketplace_customer_id: marketplaceCustomerId,
      first_name: 'Camille',
      last_name: 'Martin',
      address: { line1: '3 rue de la Paix', city: 'Lyon', postcode: '69002', country },
    });
    return (r.body as { id: string }).id;
  }

  postOrder(key: string, body: unknown): Promise<Reply> {
    return this.api('POST', '/api/sales-orders', body, { 'idempotency-key': key });
  }
}

export function orderBody(
  orderId: string,
  lines: { sku: string; quantity: number; unit_price?: string; warehouse?: string }[] = [
    { sku: 'SKU-B', quantity: 1 },
  ],
  customerId = 'MC-1',
): Record<string, unknown> {
  return {
    external_reference: { marketplace: 'decathlon-fr', order_id: orderId },
    customer: { marketplace_customer_id: customerId },
    currency: 'EUR',
    lines: lines.map((l) => ({ unit_price: '49.99', tax_rate: '20.00', ...l })),
    charge_lines: [
      { item_code: 'MKT-SHIPPING-FEE', amount: '4.99', tax_rate: '20.00' },
      { item_code: 'MKT-COMMISSION', amount: '-7.50' },
    ],
  };
}
