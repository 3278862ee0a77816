import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  assertStillHolder,
  LeaseLostError,
  type BackboneLogger,
  type Clock,
  type Lease,
  sleep,
} from '@seller-bridge/service-kit';
import type { BackofficeClient } from './backoffice-client';
import { BackofficeFeedResetError, BackofficeUnavailableError } from './backoffice-errors';
import { FeedCursorMovedError, type BackofficeFeedApplier, type Fence, type Tally } from './feed-applier';
import type { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';

export interface FeedReaderOptions {
  /** BACKOFFICE_FEED_ENABLED: when false, the reader does not start with the application. */
  enabled: boolean;
  /** BACKOFFICE_FEED_POLL_MS: the wait after a page that reached the end of the feed. */
  pollMs: number;
  /** BACKOFFICE_FEED_BATCH: changes per page. */
  batch: number;
  /** Back-off after a failed round: doubles from the base to the max, jittered (defaults 500 ms, 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Stock figures per transaction in a full load (default 1,000). */
  fullLoadChunk?: number;
  random?: () => number;
}

/**
 * Keeps catalogue-sync's stock and product master in step with the back office (decision 0008): reads the
 * change feed after the stored cursor, one page per transaction (see BackofficeFeedApplier); on first start,
 * and when the back office was reset (409), reads everything again (`backoffice-poll`) and continues from the
 * feed's end. While the back office is down the cursor stays where it is and the reader retries with back-off,
 * logging once per outage.
 *
 * One replica reads at a time: with a `lease`, `start()` runs the loop only while this replica holds it, and
 * every transaction is fenced with the lease's epoch. Without one (tests, tools) two readers stay correct
 * (the cursor row is locked per page and a moved cursor is re-read; the ledger ignores figures it already
 * holds) but do the work twice.
 */
export class BackofficeFeedReader implements OnApplicationBootstrap, OnModuleDestroy {
  private controller?: AbortController;
  private running?: Promise<void>;
  private outage?: { since: number; code: string; attempts: number };

  constructor(
    private readonly client: BackofficeClient,
    private readonly applier: BackofficeFeedApplier,
    private readonly metrics: CatalogueSyncMetrics,
    private readonly logger: BackboneLogger,
    private readonly clock: Clock,
    private readonly options: FeedReaderOptions,
    private readonly lease?: Lease,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.enabled) {
      this.logger.info('back-office feed reader is off (BACKOFFICE_FEED_ENABLED=false)');
      return;
    }
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Starts the loop in the background, under the lease when there is one. */
  start(): void {
    if (this.running) return;
    if (this.lease) {
      this.lease.run((signal, epoch) => this.run(signal, epoch));
      this.running = Promise.resolve();
      return;
    }
    this.controller = new AbortController();
    this.running = this.run(this.controller.signal);
  }

  /** Stops the loop and waits for the round in progress (a page's transaction commits or rolls back). */
  async stop(): Promise<void> {
    if (this.lease && this.running) await this.lease.stop();
    this.controller?.abort();
    await this.running;
    this.running = undefined;
  }

  /** The loop; returns when `signal` aborts (or the lease of `epoch` is lost). */
  async run(signal: AbortSignal, epoch?: number): Promise<void> {
    const lease = this.lease;
    const fence: Fence | undefined =
      lease && epoch !== undefined ? (m) => assertStillHolder(m, lease.name, epoch) : undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const more = await this.readOnce(signal, fence);
        failures = 0;
        this.recovered();
        if (!more) await sleep(this.options.pollMs, signal);
      } catch (err) {
        if (signal.aborted || err instanceof LeaseLostError) break;
        if (err instanceof FeedCursorMovedError) continue; // another reader advanced it: read it again, now
        failures++;
        this.failed(err);
        await sleep(this.backoff(failures, err), signal);
      }
    }
  }

  /** One round: a full load when there is no cursor, else one page. True when more is waiting. */
  async readOnce(signal?: AbortSignal, fence?: Fence): Promise<boolean> {
    const cursor = await this.applier.cursor();
    if (!cursor) {
      await this.fullLoad('first start', signal, fence);
      return true;
    }
    let page;
    try {
      page = await this.client.changes(cursor.lastSeq, this.options.batch, signal);
    } catch (err) {
      if (!(err instanceof BackofficeFeedResetError)) throw err;
      this.logger.warn(
        { code: err.code, after: err.after, headSeq: err.headSeq },
        'the back office was reset (its feed is behind our cursor): reading everything again',
      );
      await this.fullLoad('feed reset', signal, fence);
      return true;
    }
    this.metrics.recordFeedUp(true);
    if (page.changes.length > 0 || page.lastSeq !== cursor.lastSeq) {
      this.record(await this.applier.applyPage(cursor.lastSeq, page, fence));
      for (const c of page.changes)
        if (c.kind === 'invalid')
          this.logger.error(
            { seq: c.seq, type: c.type, sku: c.sku, problems: c.problems },
            'unreadable back-office change: raised BACKOFFICE_CHANGE_INVALID and went on',
          );
    }
    if (!page.hasMore) this.metrics.recordFeedFreshAt(this.clock.now());
    return page.hasMore;
  }

  /**
   * Everything again: products, then stock, as `backoffice-poll` figures, then the cursor at the feed's end
   * as it was before the load began (the changes after it are read from the feed; those the load already
   * holds are ignored as not newer). Until the cursor is written, a crash means another full load.
   */
  private async fullLoad(reason: string, signal?: AbortSignal, fence?: Fence): Promise<void> {
    const started = this.clock.now().getTime();
    const head = await this.client.feedHead(signal);
    this.metrics.recordFeedUp(true);
    if (head === undefined)
      this.logger.warn(
        'the back office did not say where its feed ends: continuing from its start after the load',
      );
    let products = 0;
    for await (const page of this.client.productPages(signal)) {
      this.record(await this.applier.applyFigures(page, [], fence));
      products += page.length;
    }
    const stock = await this.client.stock(head, signal);
    const chunk = this.options.fullLoadChunk ?? 1000;
    for (let i = 0; i < stock.length; i += chunk)
      this.record(await this.applier.applyFigures([], stock.slice(i, i + chunk), fence));
    await this.applier.setCursor(head ?? 0, fence);
    this.logger.info(
      {
        reason,
        products,
        stockFigures: stock.length,
        feedSeq: head ?? 0,
        ms: this.clock.now().getTime() - started,
      },
      'back-office full load done; following the change feed',
    );
  }

  private record(tally: Tally): void {
    for (const c of tally.counts) this.metrics.countFeedChanges(c.type, c.outcome, c.n);
    if (tally.lastAppliedAt) this.metrics.recordFeedFreshAt(tally.lastAppliedAt);
  }

  /** Logs the first failure of a streak (and a change of cause), not every attempt. */
  private failed(err: unknown): void {
    const code = (err as { code?: unknown })?.code;
    const key = typeof code === 'string' ? code : 'UNEXPECTED_ERROR';
    const fromBackoffice = err instanceof BackofficeUnavailableError || key.startsWith('BACKOFFICE_');
    if (fromBackoffice) this.metrics.recordFeedUp(false);
    if (this.outage && this.outage.code === key) {
      this.outage.attempts++;
      return;
    }
    const first = !this.outage;
    this.outage = {
      since: this.outage?.since ?? this.clock.now().getTime(),
      code: key,
      attempts: (this.outage?.attempts ?? 0) + 1,
    };
    const fields = { code: key, error: err instanceof Error ? err.message : String(err) };
    if (fromBackoffice)
      this.logger.warn(
        fields,
        first
          ? 'the back office is unavailable: its feed waits where it was and is retried with back-off'
          : 'the back office still fails, now differently',
      );
    else this.logger.error(fields, 'the back-office feed cannot be applied; retrying with back-off');
  }

  private recovered(): void {
    if (!this.outage) return;
    this.logger.info(
      {
        attempts: this.outage.attempts,
        downMs: this.clock.now().getTime() - this.outage.since,
        lastCode: this.outage.code,
      },
      'the back-office feed is flowing again',
    );
    this.outage = undefined;
  }

  private backoff(failures: number, err: unknown): number {
    const base = this.options.backoffBaseMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    const exp = Math.min(max, base * 2 ** Math.min(failures - 1, 20));
    const jittered = exp / 2 + ((this.options.random ?? Math.random)() * exp) / 2;
    const asked = err instanceof BackofficeUnavailableError ? (err.retryAfterMs ?? 0) : 0;
    return Math.max(jittered, Math.min(asked, max));
  }
}
