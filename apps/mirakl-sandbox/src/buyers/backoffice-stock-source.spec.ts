import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackofficeStockSource } from './backoffice-stock-source';

describe(BackofficeStockSource.name, () => {
  it('sums available per SKU over warehouses, sends the key, and keeps the last figures while unreadable', async () => {
    let up = true;
    const keys: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      keys.push(req.headers['x-api-key'] as string | undefined);
      if (!up) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          stock: [
            { sku: 'A', warehouse: 'LYON-1', available: 2 },
            { sku: 'A', warehouse: 'MADRID-2', available: -1 },
            { sku: 'B', warehouse: 'LYON-1', available: 0 },
            { sku: 'BAD', warehouse: 'LYON-1', available: 'x' },
          ],
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const warnings: unknown[] = [];
    const source = new BackofficeStockSource(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
      'k-12345678',
      (w) => warnings.push(w),
    );
    try {
      await source.refresh();
      expect([
        source.available('A'),
        source.available('B'),
        source.available('BAD'),
        source.available('Z'),
      ]).toEqual([1, 0, undefined, undefined]);
      up = false;
      await source.refresh();
      await source.refresh();
      expect(source.available('A')).toBe(1);
      expect(warnings).toHaveLength(1); // said once per outage
      expect(keys.every((k) => k === 'k-12345678')).toBe(true);
    } finally {
      server.close();
    }
  });
});
