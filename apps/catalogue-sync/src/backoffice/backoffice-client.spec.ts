import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackofficeClient, type BackofficeClientOptions } from './backoffice-client';
import {
  BackofficeFeedResetError,
  BackofficeRequestRefusedError,
  BackofficeUnavailableError,
} from './backoffice-errors';

const KEY = 'secret-key-4711';

/** A real HTTP server answering from a script of handlers, one per request. */
async function serve(
  ...script: ((req: IncomingMessage, res: ServerResponse) => void)[]
): Promise<{ url: string; seen: IncomingMessage[]; close: () => Promise<void> }> {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    (script[seen.length - 1] ?? script[script.length - 1])(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const emptyPage = json(200, { changes: [], last_seq: 5, has_more: false });
const client = (url: string, o: Partial<BackofficeClientOptions> = {}) =>
  new BackofficeClient({ baseUrl: url, apiKey: KEY, backoffBaseMs: 1, backoffMaxMs: 5, ...o });

describe(BackofficeClient.name, () => {
  it('sends the key and retries 5xx answers, waiting as long as Retry-After asks (capped)', async () => {
    const s = await serve(
      json(503, { error: { code: 'service_unavailable' } }, { 'retry-after': '1' }),
      json(502, {}),
      emptyPage,
    );
    try {
      const started = Date.now();
      const page = await client(s.url, { retryAfterMaxMs: 300 }).changes(5, 100);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(page).toEqual({ changes: [], lastSeq: 5, hasMore: false });
      expect(s.seen).toHaveLength(3);
      expect(s.seen.map((r) => r.headers['x-api-key'])).toEqual([KEY, KEY, KEY]);
      expect(s.seen[0].url).toBe('/api/changes?after=5&limit=100');
    } finally {
      await s.close();
    }
  });

  it('gives up after its retries with a coded error that never holds the key', async () => {
    const s = await serve(json(500, { error: { code: 'internal_error', message: `bad key ${KEY}` } }));
    try {
      const err = await client(s.url, { retries: 2 })
        .changes(0, 10)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackofficeUnavailableError);
      expect(err).toMatchObject({ code: 'BACKOFFICE_UNAVAILABLE', details: { status: 500, attempts: 3 } });
      expect(s.seen).toHaveLength(3);
      expect(`${(err as Error).message} ${JSON.stringify(err)}`).not.toContain(KEY);
    } finally {
      await s.close();
    }
  });

  it('does not retry a refusal, and scrubs the key from what the back office said', async () => {
    const s = await serve(json(401, { error: { code: 'unauthorized', message: `key ${KEY} is wrong` } }));
    try {
      const err = (await client(s.url)
        .changes(0, 10)
        .catch((e: unknown) => e)) as BackofficeRequestRefusedError;
      expect(err).toBeInstanceOf(BackofficeRequestRefusedError);
      expect(err.message).toContain('401 unauthorized');
      expect(`${err.message} ${JSON.stringify(err)}`).not.toContain(KEY);
      expect(s.seen).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('treats a refused connection and a timeout as unavailable', async () => {
    const s = await serve(() => undefined); // never answers
    try {
      const err = await client(s.url, { timeoutMs: 100, retries: 1 })
        .changes(0, 10)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'BACKOFFICE_UNAVAILABLE',
        details: { cause: 'timeout', attempts: 2 },
      });
    } finally {
      await s.close();
    }
    const stopped = await serve(emptyPage);
    await stopped.close(); // nothing listens there any more, and no connection was ever kept
    const refused = await client(stopped.url, { retries: 0 })
      .changes(0, 10)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BACKOFFICE_UNAVAILABLE', details: { cause: 'ECONNREFUSED' } });
  });

  it('turns 409 cursor_ahead_of_feed into a feed reset that knows where the feed ends', async () => {
    const s = await serve(
      json(409, {
        error: { code: 'cursor_ahead_of_feed', message: 'reset', details: { after: 90, head_seq: 12 } },
      }),
    );
    try {
      const err = await client(s.url)
        .changes(90, 10)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackofficeFeedResetError);
      expect(err).toMatchObject({ after: 90, headSeq: 12 });
      expect(await client(s.url).feedHead()).toBe(12);
    } finally {
      await s.close();
    }
  });

  it('reads every page of products', async () => {
    const p = (sku: string) => ({
      sku,
      title: sku,
      category: 'C',
      price: '1.10',
      currency: 'EUR',
      tax_rate: '20.00',
      active: true,
      updated_at: '2026-11-27T10:00:00.000Z',
    });
    const s = await serve(
      json(200, { products: [p('A'), p('B')], next_cursor: 'c1' }),
      json(200, { products: [p('C'), { ...p('D'), price: 1.1 }], next_cursor: null }),
    );
    try {
      const all = await client(s.url).products();
      expect(all.map((d) => (d.ok ? d.value.price.amountMinor : d.problems[0]))).toEqual([
        110,
        110,
        110,
        expect.stringContaining('decimal string'),
      ]);
      expect(s.seen.map((r) => r.url)).toEqual([
        '/api/products?limit=500',
        '/api/products?limit=500&cursor=c1',
      ]);
    } finally {
      await s.close();
    }
  });
});
