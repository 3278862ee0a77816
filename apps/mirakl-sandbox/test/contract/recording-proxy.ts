import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpExchange } from './openapi-validator';

/** Hop-by-hop headers: they describe one connection, so they are not passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * An HTTP proxy between a client and a server, recording every exchange byte for byte, so that both sides
 * can be checked without changing either. Requests and answers are buffered whole (the sandbox's are small).
 * The recorded answer is the server's as sent; only what the client gets has the server's own origin in
 * `Link` and `Location` rewritten to the proxy's, as any reverse proxy does, so that a next-page link
 * leads back through the proxy (and the client, which refuses a foreign origin, follows it).
 */
export class RecordingProxy {
  readonly exchanges: HttpExchange[] = [];
  private server?: Server;
  private origin = '';

  constructor(private readonly target: string) {}

  /** Starts listening; resolves to the proxy's origin (`http://127.0.0.1:<port>`). */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.forward(req)
        .then(({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`recording proxy: ${err instanceof Error ? err.message : String(err)}`);
        });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** The exchanges recorded since `mark` (an index into `exchanges`). */
  since(mark: number): HttpExchange[] {
    return this.exchanges.slice(mark);
  }

  private async forward(req: IncomingMessage) {
    const requestBody = await readAll(req);
    const target = new URL(req.url ?? '/', this.target);
    const headers = passOn(req.headers);
    headers.host = target.host;
    if (requestBody.length > 0 || 'content-length' in req.headers)
      headers['content-length'] = String(requestBody.length);
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const out = request(target, { method: req.method, headers }, resolve);
      out.on('error', reject);
      out.end(requestBody);
    });
    const responseBody = await readAll(answer);
    this.exchanges.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      requestHeaders: { ...req.headers },
      requestBody,
      status: answer.statusCode ?? 0,
      responseHeaders: { ...answer.headers },
      responseBody,
    });
    const toClient = passOn(answer.headers);
    const serverOrigin = new URL(this.target).origin;
    for (const name of ['link', 'location']) {
      const v = toClient[name];
      if (typeof v === 'string') toClient[name] = v.split(serverOrigin).join(this.origin);
    }
    toClient['content-length'] = String(responseBody.length);
    return { status: answer.statusCode ?? 502, headers: toClient, body: responseBody };
  }
}

function passOn(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
