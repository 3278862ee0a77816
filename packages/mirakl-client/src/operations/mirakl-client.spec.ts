import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MiraklClient } from './mirakl-client';

/**
 * The read-back rule of a write, against a scripted local server (HTTP mechanics only); how it copes with
 * Mirakl's real behaviour is tested against the Mirakl sandbox.
 */
async function withServer(
  handle: (method: string, path: string) => { status: number; body?: unknown },
  run: (client: MiraklClient, log: string[]) => Promise<void>,
): Promise<void> {
  const log: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      log.push(`${req.method} ${path}`);
      const out = handle(req.method ?? '', path);
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await run(
      new MiraklClient(
        { marketplace: 'mp', baseUrl: base, apiKey: 'k' },
        { unlimited: true, retryBaseMs: 1, retryMaxMs: 2 },
      ),
      log,
    );
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const order = (state: string) => ({
  orders: [{ order_id: 'X1-A', order_state: state, order_lines: [] }],
  total_count: 1,
});

describe('MiraklClient.acceptOrder', () => {
  it('sends the decision again only after a read-back shows it did not land', async () => {
    let puts = 0;
    await withServer(
      (method) =>
        method === 'PUT'
          ? ++puts === 1
            ? { status: 502 }
            : { status: 204 }
          : { status: 200, body: order('WAITING_ACCEPTANCE') },
      async (client, log) => {
        expect(await client.acceptOrder('X1-A', [{ id: 'X1-A-1', accepted: true }])).toEqual({
          outcome: 'sent',
        });
        expect(log).toEqual([
          'PUT /api/orders/X1-A/accept',
          'GET /api/orders',
          'PUT /api/orders/X1-A/accept',
        ]);
      },
    );
  });

  it('does not send it again when the read-back shows the order has moved on', async () => {
    await withServer(
      (method) => (method === 'PUT' ? { status: 503 } : { status: 200, body: order('WAITING_DEBIT') }),
      async (client, log) => {
        expect(await client.acceptOrder('X1-A', [{ id: 'X1-A-1', accepted: true }])).toEqual({
          outcome: 'already-decided',
          state: 'WAITING_DEBIT',
        });
        expect(log.filter((l) => l.startsWith('PUT'))).toHaveLength(1);
      },
    );
  });

  it('does not retry a refusal from Mirakl (400)', async () => {
    await withServer(
      () => ({ status: 400, body: { status: 400, message: 'Order is not in WAITING_ACCEPTANCE' } }),
      async (client, log) => {
        await expect(client.acceptOrder('X1-A', [{ id: 'X1-A-1', accepted: true }])).rejects.toThrow(
          'HTTP 400',
        );
        expect(log).toEqual(['PUT /api/orders/X1-A/accept']);
      },
    );
  });
});
