/**
 * One benchmark world: the back-office sandbox in process (frozen clock, `skus` SKUs × 2 warehouses), a fresh
 * test database with catalogue-sync's migrations, and the real feed reader built as the service builds it,
 * instrumented from the outside only: the client records which page it fetched, the data source records when
 * the transaction that applied it committed and how many statements it ran.
 */
import { Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { BackofficeSandbox, demoCatalogue, SandboxClock } from '@seller-bridge/backoffice-sandbox';
import { createLogger, loadConfig, OutboxWriter, SystemClock } from '@seller-bridge/service-kit';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { BackofficeClient } from '../src/backoffice/backoffice-client';
import { createFeedReader } from '../src/backoffice/backoffice.providers';
import type { FeedPage } from '../src/backoffice/backoffice-shapes';
import { BackofficeFeedApplier } from '../src/backoffice/feed-applier';
import type { BackofficeFeedReader } from '../src/backoffice/feed-reader.service';
import { CatalogueSyncConfig } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';

const KEY = 'bench-key-1234';

/** The client, timing its page fetches (HTTP + decoding) and remembering the last page it returned. */
class TimedClient extends BackofficeClient {
  fetchMs = 0;
  fetches = 0;
  page?: { after: number; lastSeq: number };

  override async changes(after: number, limit: number, signal?: AbortSignal): Promise<FeedPage> {
    const t = performance.now();
    const page = await super.changes(after, limit, signal);
    this.fetchMs += performance.now() - t;
    this.fetches++;
    this.page = { after, lastSeq: page.lastSeq };
    return page;
  }
}

export interface Commit {
  after: number;
  lastSeq: number;
  at: number;
  ms: number;
  statements: number;
}

export class FeedWorld {
  readonly commits: Commit[] = [];
  onCommit: (c: Commit) => void = () => undefined;
  private constructor(
    readonly sandbox: BackofficeSandbox,
    readonly db: TestDatabase,
    readonly config: CatalogueSyncConfig,
    readonly client: TimedClient,
    readonly reader: BackofficeFeedReader,
    readonly applier: BackofficeFeedApplier,
  ) {}

  static async create(skus: number, options: { batch?: number; pollMs?: number }): Promise<FeedWorld> {
    const sandbox = new BackofficeSandbox({
      apiKey: KEY,
      adminToken: 'bench-admin',
      seed: demoCatalogue(skus),
      clock: new SandboxClock({ followRealTime: false }),
    });
    const api = `${await sandbox.listen()}/api`;
    const db = await createTestDatabase('feed_bench', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_URL: api,
      BACKOFFICE_API_KEY: KEY,
      BACKOFFICE_FEED_ENABLED: 'false',
      MARKETPLACES: JSON.stringify(
        ['decathlon-fr', 'carrefour-es'].map((code) => ({ code, baseUrl: 'http://x', apiKeyEnv: 'K' })),
      ),
    });
    const clock = new SystemClock();
    const outbox = new OutboxWriter(clock);
    const ledger = new StockLedger(new ReservationLedger(outbox, clock, config), clock, config);
    const client = new TimedClient({ baseUrl: api, apiKey: KEY, timeoutMs: 10_000 });
    // The world exists only once the reader does; commits before that (none) would be ignored.
    const holder: { world?: FeedWorld } = {};
    const dataSource = timedDataSource(db.dataSource, (c) => holder.world?.committed(c));
    const reader = createFeedReader({
      config,
      client,
      dataSource,
      ledger,
      outbox,
      clock,
      metrics: new CatalogueSyncMetrics(new Registry(), clock),
      logger: createLogger('catalogue-sync-bench', process.env.BENCH_LOG_LEVEL ?? 'silent'),
      options: {
        ...(options.batch ? { batch: options.batch } : {}),
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      },
    });
    // The same applier on the plain data source, for the apply path without HTTP.
    const applier = new BackofficeFeedApplier(db.dataSource, ledger, outbox, clock, config.SERVICE_NAME);
    holder.world = new FeedWorld(sandbox, db, config, client, reader, applier);
    return holder.world;
  }

  /** A transaction committed: when it applied a page, stamp that page's seqs. */
  private committed(c: Omit<Commit, 'after' | 'lastSeq'>): void {
    const page = this.client.page;
    if (!page) return; // the full load's transactions
    this.client.page = undefined;
    const commit = { ...c, ...page };
    this.commits.push(commit);
    this.onCommit(commit);
  }

  async close(): Promise<void> {
    await this.reader.stop();
    await this.sandbox.close();
    await this.db.drop();
  }
}

/**
 * The data source as the reader sees it, but `transaction` reports when it committed (the promise resolves
 * after COMMIT returned), how long it took, and how many statements ran in it (BEGIN and COMMIT not counted).
 */
function timedDataSource(
  target: DataSource,
  report: (c: { at: number; ms: number; statements: number }) => void,
): DataSource {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'transaction')
        return async (...args: unknown[]) => {
          const run = args[args.length - 1] as (m: EntityManager) => Promise<unknown>;
          let statements = 0;
          const counted = async (m: EntityManager) => {
            const query = m.query.bind(m);
            m.query = ((...q: Parameters<EntityManager['query']>) => {
              statements++;
              return query(...q);
            }) as EntityManager['query'];
            return run(m);
          };
          const t0 = performance.now();
          const result = await (t.transaction as (...a: unknown[]) => Promise<unknown>)(
            ...args.slice(0, -1),
            counted,
          );
          const at = performance.now();
          report({ at, ms: at - t0, statements });
          return result;
        };
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}
