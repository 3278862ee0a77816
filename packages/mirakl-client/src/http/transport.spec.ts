import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallLimiter } from '../limits/call-limiter';
import { MiraklApiError } from './errors';
import { MiraklTransport } from './transport';

/**
 * HTTP mechanics only (headers, bodies, status handling, retries), against a scripted local server. How the
 * client copes with Mirakl's behaviour is tested against the Mirakl sandbox.
 */
interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

function scriptedServer(
  script: (req: Seen, n: number) => { status: number; body?: unknown; headers?: Record<string, string> },
) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      };
      seen.push(s);
      const out = script(s, seen.length);
      res.writeHead(out.status, { 'content-type': 'application/json', ...(out.headers ?? {}) });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  return {
    seen,
    start: () =>
      new Promise<string>((r) =>
        server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const KEY = 'a3f1c9e0-secret-shop-key';
const transport = (baseUrl: string, extra: Partial<ConstructorParameters<typeof MiraklTransport>[1]> = {}) =>
  new MiraklTransport(
    { marketplace: 'decathlon-fr', baseUrl, apiKey: KEY, shopId: '2001' },
    { limiter: new CallLimiter(() => []), retryBaseMs: 5, retryMaxMs: 20, timeoutMs: 5000, ...extra },
  );

describe(MiraklTransport.name, () => {
  it('close() ends a call waiting for its rate-limit turn, a retry back-off and an exchange in flight at once, and refuses new calls', async () => {
    const srv = scriptedServer((req) =>
      req.url.startsWith('/api/orders/1')
        ? { status: 503, body: { message: 'busy' } }
        : { status: 200, body: {} },
    );
    const base = await srv.start();
    // One OR11 a minute, already used: the next call would wait ~60 s for its turn.
    const t = transport(base, {
      limiter: new CallLimiter((op) => (op === 'OR11' ? [{ limit: 1, perMs: 60_000 }] : [])),
      retryBaseMs: 60_000,
      retryMaxMs: 60_000,
    });
    await t.call({ operation: 'OR11', method: 'GET', path: '/api/orders' });
    const waitingTurn = t.call({ operation: 'OR11', method: 'GET', path: '/api/orders' });
    // A read answered 503: retried after a back-off of 30-60 s.
    const inBackoff = t.call({ operation: 'OR12', method: 'GET', path: '/api/orders/1' });
    // An exchange in flight: this server never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const hanging = transport(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const inFlight = hanging.call({ operation: 'OR23', method: 'PUT', path: '/api/orders/1/tracking' });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    t.close();
    hanging.close();
    const results = await Promise.all(
      [waitingTurn, inBackoff, inFlight].map((p) =>
        p.then(
          () => 'answered',
          (e: MiraklApiError) => e,
        ),
      ),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    for (const r of results) {
      expect(r).toBeInstanceOf(MiraklApiError);
      expect((r as MiraklApiError).status).toBe(0);
      expect((r as MiraklApiError).message).toContain('client closed');
    }
    await expect(t.call({ operation: 'OR21', method: 'PUT', path: '/api/orders/1/accept' })).rejects.toThrow(
      'client closed',
    );
    silent.closeAllConnections();
    silent.close();
    await srv.stop();
  });

  it('sends the raw key, the shop id, comma-joined lists (repeated where asked), and parses the answer', async () => {
    const srv = scriptedServer(() => ({ status: 200, body: { orders: [], total_count: 0 } }));
    const base = await srv.start();
    try {
      const res = await transport(base).call<{ total_count: number }>({
        operation: 'OR11',
        method: 'GET',
        path: '/api/orders',
        query: {
          order_state_codes: ['SHIPPING', 'SHIPPED'],
          order_id: ['A-1', 'B-1'],
          max: 100,
          start_update_date: undefined,
        },
        repeat: ['order_id'],
      });
      expect(res.body?.total_count).toBe(0);
      expect(srv.seen[0].authorization).toBe(KEY); // no "Bearer"
      const url = new URL(srv.seen[0].url, base);
      expect(url.searchParams.get('order_state_codes')).toBe('SHIPPING,SHIPPED');
      expect(url.searchParams.getAll('order_id')).toEqual(['A-1', 'B-1']); // repeated where asked (ST11)
      expect(url.searchParams.get('shop_id')).toBe('2001');
      expect(url.searchParams.has('start_update_date')).toBe(false);
    } finally {
      await srv.stop();
    }
  });

  it('retries a read on 5xx and on 429 after Retry-After, reporting every exchange', async () => {
    const srv = scriptedServer((_, n) =>
      n === 1
        ? { status: 503, body: { status: 503, message: 'busy' } }
        : n === 2
          ? { status: 429, headers: { 'retry-after': '0.2' } }
          : { status: 200, body: { carriers: [] } },
    );
    const base = await srv.start();
    const calls: number[] = [];
    try {
      const t0 = Date.now();
      await transport(base, { observe: (c) => calls.push(c.status) }).call({
        operation: 'SH21',
        method: 'GET',
        path: '/api/shipping/carriers',
      });
      expect(calls).toEqual([503, 429, 200]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(190); // waited out Retry-After
    } finally {
      await srv.stop();
    }
  });

  it('tries a write once, with a JSON body even when it has none, and never puts the key in the error', async () => {
    const srv = scriptedServer(() => ({ status: 500, body: { status: 500, message: 'Internal error' } }));
    const base = await srv.start();
    try {
      const err = await transport(base)
        .call({ operation: 'OR24', method: 'PUT', path: '/api/orders/X1-A/ship' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MiraklApiError);
      expect((err as MiraklApiError).status).toBe(500);
      expect(srv.seen).toHaveLength(1);
      expect(srv.seen[0].body).toBe('{}');
      expect(srv.seen[0].contentType).toBe('application/json');
      expect(
        JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack }),
      ).not.toContain(KEY);
    } finally {
      await srv.stop();
    }
  });

  it('refuses a next-page link to another host, so the key never leaves for it', async () => {
    const srv = scriptedServer(() => ({ status: 200, body: {} }));
    const base = await srv.start();
    try {
      const err = await transport(base)
        .call({
          operation: 'OR11',
          method: 'GET',
          path: 'https://evil.example/api/orders?offset=100',
          continuation: true,
        })
        .catch((e: unknown) => e);
      expect((err as MiraklApiError).miraklMessage).toContain('refusing to call https://evil.example');
      expect(srv.seen).toHaveLength(0);
    } finally {
      await srv.stop();
    }
  });

  it('turns no answer into a transient error with status 0', async () => {
    const err = await transport('http://127.0.0.1:9', { readRetries: 0 })
      .call({ operation: 'OR11', method: 'GET', path: '/api/orders' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MiraklApiError);
    expect((err as MiraklApiError).status).toBe(0);
    expect((err as MiraklApiError).transient).toBe(true);
  });

  it('refuses an API key that cannot travel in a header, without quoting it', () => {
    const secret = 'sandbox-key\ninjected';
    let message = '';
    try {
      new MiraklTransport(
        { marketplace: 'x', baseUrl: 'http://127.0.0.1:1', apiKey: secret },
        { limiter: new CallLimiter(() => []) },
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/API key of marketplace x .* not allowed/);
    expect(message).not.toContain('injected');
    expect(message).not.toContain('sandbox-key');
  });
});
