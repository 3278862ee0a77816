import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackOffice, type BackofficeSeed } from '../back-office';
import { demoCatalogue } from '../catalogue/demo-catalogue';
import { BackofficeError } from '../common/backoffice-error';
import { noFaults, pick5xx, type Faults } from '../faults/faults';
import { SandboxClock } from '../sandbox-clock';
import type { WarehouseSettings } from '../warehouse/warehouse';
import { adminRoutes } from './admin-routes';
import { apiRoutes } from './api-routes';
import { errorAnswer, safeEqual, send, type Answer } from './http-io';
import type { Router } from './router';

export interface BackofficeSandboxOptions {
  /** Key callers send in `X-Api-Key`. */
  apiKey: string;
  /** Token for the admin API (`x-admin-token`). */
  adminToken: string;
  /** What the back office starts with (default: `demoCatalogue()`). */
  seed?: BackofficeSeed;
  clock?: SandboxClock;
  /** Dice for faults, other channels, carriers and split parcels (default Math.random). */
  random?: () => number;
  warehouse?: Partial<WarehouseSettings>;
  /** Real-time period of the timer that runs due work while the server listens (default 250 ms). */
  tickMs?: number;
  /** One structured log line (never holds a key or token). */
  log?: (line: Record<string, unknown>) => void;
}

/**
 * A seller's back office over HTTP: the API under `/api` (behind `X-Api-Key`) and an admin API under
 * `/admin` to seed it, move its clock, switch faults and read the truth. Time-driven work happens whenever
 * a request reads the clock and, while the server listens, on a real-time timer.
 */
export class BackofficeSandbox {
  readonly clock: SandboxClock;
  readonly backOffice: BackOffice;
  private faults: Faults = noFaults();
  private readonly api: Router;
  private readonly admin: Router;
  private readonly random: () => number;
  private readonly log: (line: Record<string, unknown>) => void;
  private server?: Server;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: BackofficeSandboxOptions) {
    if (!options.apiKey) throw new Error('apiKey is required');
    if (!options.adminToken) throw new Error('adminToken is required');
    this.clock = options.clock ?? new SandboxClock();
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.backOffice = new BackOffice(this.clock, this.random, {
      webhooksPaused: () => this.faults.down !== false,
      log: (msg, fields) => this.log({ level: 'warn', msg, ...fields }),
    });
    this.backOffice.seed(options.seed ?? demoCatalogue());
    this.backOffice.warehouse.settings = { ...this.backOffice.warehouse.settings, ...options.warehouse };
    this.api = apiRoutes(this.backOffice, () => this.faults, this.random);
    this.admin = adminRoutes(this.backOffice, {
      get: () => ({ ...this.faults }),
      set: (f) => (this.faults = f),
    });
  }

  /** Starts listening; resolves to the base URL (`http://127.0.0.1:<port>`). */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.timer = setInterval(() => this.backOffice.settle(), this.options.tickMs ?? 250);
    this.timer.unref();
    this.backOffice.webhooks.start();
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.backOffice.webhooks.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    let answer: Answer | 'dropped';
    try {
      answer = await this.route(req, res);
    } catch (err) {
      if (err instanceof BackofficeError) answer = errorAnswer(err);
      else {
        this.log({ level: 'error', msg: 'unexpected error', method: req.method, error: String(err) });
        answer = errorAnswer(
          new BackofficeError(500, 'internal_error', 'the back office failed; see its log'),
        );
      }
    }
    if (answer === 'dropped') return;
    send(res, answer);
    this.log({
      level: 'debug',
      msg: 'request',
      method: req.method,
      path: pathOf(req),
      status: answer.status,
      ms: Date.now() - started,
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<Answer | 'dropped'> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://backoffice');
    } catch {
      throw new BackofficeError(400, 'bad_request', 'malformed request URL');
    }
    const area = url.pathname.split('/')[1];
    if (area === 'admin') {
      if (!safeEqual(req.headers['x-admin-token'], this.options.adminToken))
        throw new BackofficeError(401, 'unauthorized', 'admin token required (x-admin-token)');
      this.backOffice.settle();
      return this.admin.handle(req, res, url);
    }
    if (area !== 'api') throw new BackofficeError(404, 'not_found', `no route ${req.method} ${url.pathname}`);

    const faults = this.faults;
    if (faults.down === 'reset') {
      req.socket.destroy();
      return 'dropped';
    }
    if (faults.down === 'unavailable')
      return errorAnswer(
        new BackofficeError(503, 'service_unavailable', 'the back office is down for maintenance'),
        {
          'retry-after': '30',
        },
      );
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (!safeEqual(req.headers['x-api-key'], this.options.apiKey))
      throw new BackofficeError(401, 'unauthorized', 'a valid X-Api-Key header is required');
    if (faults.error5xxRate > 0 && this.random() < faults.error5xxRate) {
      const status = pick5xx(this.random);
      return {
        status,
        body: { error: { code: 'upstream_error', message: `the back office answered ${status}` } },
      };
    }
    this.backOffice.settle();
    return this.api.handle(req, res, url);
  }
}

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0].slice(0, 200);
