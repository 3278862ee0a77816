import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ExceptionRaised } from '@seller-bridge/contracts';
import { MiraklApiError, MiraklClient } from '@seller-bridge/mirakl-client';
import {
  LeaseLostError,
  type BackboneLogger,
  type Clock,
  type Lease,
  MarketplaceLoops,
  sleep,
} from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import type { CatalogueSyncMetrics, PushOutcome } from '../metrics/catalogue-sync.metrics';
import { importLineException, skuOfErrorLine } from './import-exceptions';
import { readOrdersGate, type GateState } from './orders-first-gate';
import type { FailedLine, Fence, OpenImport, StockPushStore } from './stock-push.store';

export interface StockPusherOptions {
  /** STOCK_PUSH_ENABLED: when false, no loop starts with the application. */
  enabled: boolean;
  /** STOCK_PUSH_GATE_ALERT_MS: a gate blocked this long raises an exception (owner integration). */
  gateAlertMs: number;
  /** The service name written in exceptions. */
  service: string;
  /** The lease of a marketplace's loop (one replica pushes per marketplace); absent: loops run unleased. */
  leaseFor?: (marketplace: string) => Lease;
  /**
   * How many times a SKU whose stock import Mirakl ended FAILED is queued again before the pusher gives up on
   * it and raises STOCK_IMPORT_FAILED (default {@link DEFAULT_FAILED_IMPORT_RETRIES}).
   */
  failedImportRetries?: number;
}

/** Re-sends of a SKU after failed stock imports, before giving up. */
export const DEFAULT_FAILED_IMPORT_RETRIES = 3;

/** What one cycle did, for tests and logs. */
export interface PushCycleReport {
  marketplace: string;
  gate: GateState['state'];
  outcome: PushOutcome;
  /** SKUs re-queued from batches a previous run left unsent. */
  recovered: number;
  claimed: number;
  sent: number;
  importId?: string;
  error?: string;
  followed: number;
}

interface GateWatch {
  noPollLogged: boolean;
  stalledSince?: number;
  alerted: boolean;
}

const FINAL_MIRAKL = new Set(['COMPLETE', 'FAILED', 'CANCELLED']);
const STO02_MIN_INTERVAL_MS = 15_000;

/**
 * Publishes stock to every marketplace (issue 4, decision 0008): one loop per marketplace, at its STO01
 * cadence. A cycle re-queues batches a crash left unsent, waits for the orders-first gate, claims the oldest
 * queued SKUs and computes their quantities in one transaction, sends the changed ones with STO01 after the
 * commit, and follows earlier imports (STO02, STO03). See src/publishing/README.md.
 */
export class StockPusher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly settings: Map<string, MarketplaceSettings>;
  private readonly gates = new Map<string, GateWatch>();
  private readonly refusedRaised = new Set<string>();
  private readonly loops = new MarketplaceLoops();

  constructor(
    private readonly store: StockPushStore,
    private readonly dataSource: DataSource,
    private readonly clients: ReadonlyMap<string, MiraklClient>,
    marketplaces: readonly MarketplaceSettings[],
    private readonly metrics: CatalogueSyncMetrics,
    private readonly logger: BackboneLogger,
    private readonly clock: Clock,
    private readonly options: StockPusherOptions,
  ) {
    this.settings = new Map(marketplaces.map((m) => [m.code, m]));
  }

  onApplicationBootstrap(): void {
    if (!this.options.enabled) {
      this.logger.info('stock pusher is off (STOCK_PUSH_ENABLED=false)');
      return;
    }
    this.loops.start(this.settings.keys(), this.options.leaseFor, (code, signal, epoch) =>
      this.run(code, signal, epoch),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.loops.stop();
  }

  /** A marketplace's loop: one cycle every `stockPushIntervalMs` until `signal` aborts (or the lease is lost). */
  async run(marketplace: string, signal: AbortSignal, epoch?: number): Promise<void> {
    const mp = this.marketplace(marketplace);
    this.logger.info({ marketplace, epoch, intervalMs: mp.stockPushIntervalMs }, 'stock pushes start');
    while (!signal.aborted) {
      try {
        await this.pushOnce(marketplace, epoch);
      } catch (err) {
        if (signal.aborted || err instanceof LeaseLostError) break;
        this.metrics.stockPushes.inc({ marketplace, outcome: 'error' });
        this.logger.error({ err, marketplace }, 'stock push cycle failed; trying again next cycle');
      }
      await sleep(mp.stockPushIntervalMs, signal);
    }
    this.logger.info({ marketplace, epoch }, 'stock pushes stop');
  }

  /** One cycle for one marketplace (the loop's body; tests drive it directly). */
  async pushOnce(marketplace: string, epoch?: number): Promise<PushCycleReport> {
    const mp = this.marketplace(marketplace);
    const client = this.clients.get(marketplace)!;
    const fence = this.fenceOf(marketplace, epoch);
    const report: PushCycleReport = {
      marketplace,
      gate: 'no-poll',
      outcome: 'idle',
      recovered: await this.store.recoverUnsent(marketplace, fence),
      claimed: 0,
      sent: 0,
      followed: 0,
    };
    if (report.recovered > 0)
      this.logger.warn(
        { marketplace, skus: report.recovered },
        'stock lines left unsent by an earlier run were queued again',
      );

    const gate = await readOrdersGate(this.dataSource, marketplace);
    report.gate = gate.state;
    await this.watchGate(mp, gate);
    if (gate.state === 'blocked') report.outcome = 'gated';
    else await this.pushBatch(mp, client, report, fence);
    this.metrics.stockPushes.inc({ marketplace, outcome: report.outcome });

    report.followed = await this.followImports(mp, client);
    await this.refreshGauges(marketplace);
    return report;
  }

  private async pushBatch(
    mp: MarketplaceSettings,
    client: MiraklClient,
    report: PushCycleReport,
    fence?: Fence,
  ): Promise<void> {
    const batch = await this.store.claim(mp, fence);
    report.claimed = batch.claimed;
    if (!batch.rowId || batch.lines.length === 0) {
      report.outcome = batch.claimed > 0 ? 'unchanged' : 'idle';
      return;
    }
    let importId: string;
    try {
      // Sent once (the client never resends an import): a failure re-queues the batch for the next cycle,
      // which sends the quantities as they are then, at STO01's cadence.
      ({ importId } = await client.importStock(
        batch.lines.map((l) => ({ offerSku: l.sku, quantity: l.quantity })),
      ));
    } catch (err) {
      const transient = err instanceof MiraklApiError && err.transient;
      report.outcome = transient ? 'retry' : 'refused';
      report.error = err instanceof Error ? err.message : String(err);
      await this.store.requeue(mp.code, batch.rowId, report.error, fence);
      this.logger.warn(
        { marketplace: mp.code, skus: batch.lines.length, err: report.error },
        transient
          ? 'stock import not accepted (Mirakl busy or unreachable); the SKUs are queued for the next cycle'
          : 'stock import refused by Mirakl; the SKUs are queued for the next cycle',
      );
      if (!transient) await this.raiseRefusal(mp.code, report.error);
      return;
    }
    await this.store.markSent(mp.code, batch.rowId, importId, fence);
    const now = this.clock.now().getTime();
    for (const l of batch.lines)
      this.metrics.stockPushLatency.observe(
        { marketplace: mp.code },
        Math.max(0, (now - new Date(l.firstChangeAt).getTime()) / 1000),
      );
    report.outcome = 'sent';
    report.sent = batch.lines.length;
    report.importId = importId;
    this.logger.info({ marketplace: mp.code, importId, skus: batch.lines.length }, 'stock import sent');
    if (this.refusedRaised.delete(mp.code)) {
      await this.store.resolve(
        {
          exceptionId: refusalId(mp.code),
          type: 'STOCK_IMPORT_REFUSED',
          service: this.options.service,
          how: `a later stock import (${importId}) was accepted`,
          resolvedAt: this.clock.now().toISOString(),
        },
        mp.code,
      );
    }
  }

  /**
   * Follows imports Mirakl accepted (STO02; STO03 when lines failed), oldest first, within the operations'
   * call frequencies: at most one STO02 per 15 s of the cycle and one STO03 per cycle (unbounded for
   * `unlimitedCalls`). Mirakl runs a shop's imports in order, so it stops at the first one still running.
   */
  async followImports(mp: MarketplaceSettings, client: MiraklClient): Promise<number> {
    const unlimited = mp.unlimitedCalls === true;
    const statusBudget = unlimited
      ? 50
      : Math.max(1, Math.floor(mp.stockPushIntervalMs / STO02_MIN_INTERVAL_MS));
    let reportBudget = unlimited ? 50 : 1;
    let finished = 0;
    for (const imp of await this.store.openImports(mp.code, statusBudget)) {
      let status;
      try {
        status = await client.getImport('stock', imp.importId);
      } catch (err) {
        if (err instanceof MiraklApiError && err.status === 404) {
          // The marketplace no longer knows the import: its SKUs are re-queued like those of a FAILED one.
          await this.finishFailed(
            mp.code,
            imp,
            'FAILED',
            'the marketplace no longer knows this import (404)',
          );
          finished++;
          continue;
        }
        this.logger.warn(
          { err, marketplace: mp.code, importId: imp.importId },
          'STO02 failed; retried next cycle',
        );
        break;
      }
      const state = MiraklClient.importState(status);
      if (!FINAL_MIRAKL.has(state)) {
        await this.store.recordProgress(imp.rowId, state);
        break;
      }
      if (state !== 'COMPLETE') {
        await this.finishFailed(mp.code, imp, state as 'FAILED' | 'CANCELLED', status.reason_status);
        finished++;
        continue;
      }
      const inError = Number(status.lines_in_error ?? 0);
      if (inError > 0 || status.has_error_report) {
        if (reportBudget-- <= 0) {
          await this.store.recordProgress(imp.rowId, 'REPORT_PENDING', inError);
          break;
        }
        try {
          await this.finishWithErrors(mp.code, imp, await client.getImportErrors('stock', imp.importId));
        } catch (err) {
          await this.store.recordProgress(imp.rowId, 'REPORT_PENDING', inError);
          this.logger.warn(
            { err, marketplace: mp.code, importId: imp.importId },
            'STO03 failed; retried next cycle',
          );
          break;
        }
      } else {
        await this.store.finish(mp.code, imp, 'COMPLETE', [], []);
      }
      finished++;
    }
    return finished;
  }

  private async finishWithErrors(
    marketplace: string,
    imp: OpenImport,
    errors: Awaited<ReturnType<MiraklClient['getImportErrors']>>,
  ): Promise<void> {
    const now = this.clock.now();
    const exceptions = errors.map((e) =>
      importLineException(marketplace, imp.importId, e, this.options.service, now),
    );
    const refused = errors.map(skuOfErrorLine).filter((s): s is string => s !== undefined);
    await this.store.finish(marketplace, imp, 'COMPLETE', [...new Set(refused)], exceptions);
    this.metrics.countImportErrors(marketplace, 'stock', errors.length);
    this.logger.warn(
      { marketplace, importId: imp.importId, linesInError: errors.length, skus: refused.slice(0, 20) },
      'stock import lines refused by Mirakl; raised as exceptions',
    );
  }

  /**
   * A whole import ended FAILED: none of its quantities landed, so the marketplace still shows older ones. Its
   * SKUs are queued again (recomputed and sent by the next cycle) up to `failedImportRetries` failed imports in
   * a row each; past that the pusher gives up on them with STOCK_IMPORT_FAILED for integration, and they are
   * sent again with their next change. An import CANCELLED (by someone, in Mirakl) is not sent again: it raises
   * the exception at once.
   */
  private async finishFailed(
    marketplace: string,
    imp: OpenImport,
    state: 'FAILED' | 'CANCELLED',
    reason: unknown,
  ): Promise<void> {
    const why = typeof reason === 'string' && reason ? reason : `Mirakl reported ${state}`;
    if (state === 'CANCELLED') {
      const skus = imp.lines.map((l) => l.sku);
      await this.store.finish(
        marketplace,
        imp,
        state,
        skus,
        [this.failedException(marketplace, imp, state, why)],
        why,
      );
      this.metrics.countImportErrors(marketplace, 'stock');
      this.logger.error(
        { marketplace, importId: imp.importId, state, why },
        'stock import failed as a whole',
      );
      return;
    }
    const retries = this.options.failedImportRetries ?? DEFAULT_FAILED_IMPORT_RETRIES;
    const done = await this.store.finishFailed(marketplace, imp, why, retries, (lines) =>
      this.failedException(marketplace, imp, state, why, { lines, retries }),
    );
    if (!done) return;
    this.metrics.countImportErrors(marketplace, 'stock');
    if (done.requeued.length > 0)
      this.logger.warn(
        { marketplace, importId: imp.importId, why, skus: done.requeued.length, retries },
        'stock import failed as a whole; its SKUs are queued again for the next cycle',
      );
    if (done.gaveUp.length > 0)
      this.logger.error(
        {
          marketplace,
          importId: imp.importId,
          why,
          skus: done.gaveUp.length,
          sample: done.gaveUp.slice(0, 20).map((l) => l.sku),
        },
        `stock import failed as a whole; SKUs past ${retries} retries are given up (STOCK_IMPORT_FAILED)`,
      );
  }

  /**
   * STOCK_IMPORT_FAILED for an import: all its SKUs when it was CANCELLED, else the SKUs given up on after
   * `retries` re-sends.
   */
  private failedException(
    marketplace: string,
    imp: OpenImport,
    state: 'FAILED' | 'CANCELLED',
    why: string,
    gaveUp?: { lines: readonly FailedLine[]; retries: number },
  ): ExceptionRaised {
    const n = gaveUp?.lines.length ?? imp.lines.length;
    const sample = gaveUp?.lines.slice(0, 20).map((l) => l.sku) ?? [];
    const givenUp = gaveUp
      ? `. ${n} of its SKUs were in ${gaveUp.retries + 1} failed stock imports in a row and are no longer ` +
        `retried: ${sample.join(', ')}${n > sample.length ? ', …' : ''}`
      : '';
    return {
      exceptionId: `STOCK_IMPORT_FAILED:${marketplace}:${imp.importId}`,
      type: 'STOCK_IMPORT_FAILED',
      owner: 'integration',
      service: this.options.service,
      marketplace,
      entities: [
        { kind: 'stock-import', id: `${marketplace}:${imp.importId}` },
        ...(gaveUp?.lines.slice(0, 50).map((l) => ({ kind: 'sku', id: l.sku })) ?? []),
      ],
      reason: `Stock import ${imp.importId} on ${marketplace} (${imp.lines.length} SKUs) ended ${state}: ${why}${givenUp}`,
      resolution:
        `Check the import in Mirakl's back office (STO02/STO03). The ${n} SKUs keep the quantity ` +
        `Mirakl had before and are sent again with their next stock change.`,
      raisedAt: this.clock.now().toISOString(),
    };
  }

  private async watchGate(mp: MarketplaceSettings, gate: GateState): Promise<void> {
    const code = mp.code;
    const w = this.gates.get(code) ?? { noPollLogged: false, alerted: false };
    this.gates.set(code, w);
    this.metrics.ordersGateBlocked.set({ marketplace: code }, gate.state === 'blocked' ? 1 : 0);
    const now = this.clock.now().getTime();
    if (gate.state === 'no-poll') {
      if (!w.noPollLogged)
        this.logger.info(
          { marketplace: code },
          'no poll of this marketplace from order-gateway seen yet: pushing stock without the orders-first gate',
        );
      w.noPollLogged = true;
    }
    if (gate.state !== 'blocked') {
      if (w.stalledSince !== undefined) {
        this.logger.info(
          { marketplace: code, stalledMs: now - w.stalledSince },
          'orders-first gate open again: stock pushes resume',
        );
        if (w.alerted)
          await this.store.resolve(
            {
              exceptionId: gateId(code),
              type: 'STOCK_PUSH_WAITING_FOR_ORDERS',
              service: this.options.service,
              how: 'every order of the latest poll has its reservations decided',
              resolvedAt: this.clock.now().toISOString(),
            },
            code,
          );
      }
      w.stalledSince = undefined;
      w.alerted = false;
      return;
    }
    if (w.stalledSince === undefined) {
      w.stalledSince = now;
      this.logger.warn(
        {
          marketplace: code,
          undecided: gate.undecidedCount,
          sample: gate.undecided,
          visibleAt: gate.visibleAt,
        },
        'stock pushes wait: orders of the latest poll are not reserved yet (orders before stock)',
      );
    }
    if (!w.alerted && now - w.stalledSince >= this.options.gateAlertMs) {
      w.alerted = true;
      await this.store.raise({
        exceptionId: gateId(code),
        type: 'STOCK_PUSH_WAITING_FOR_ORDERS',
        owner: 'integration',
        service: this.options.service,
        marketplace: code,
        entities: [
          { kind: 'marketplace', id: code },
          ...gate.undecided.map((id) => ({ kind: 'order', id: `${code}:${id}` })),
        ],
        reason:
          `No stock has been pushed to ${code} for ${Math.round((now - w.stalledSince) / 60_000)} min: ` +
          `${gate.undecidedCount} order(s) of order-gateway's poll at ${gate.visibleAt.toISOString()} have no ` +
          `reservation decision yet, and stock is only pushed once they do (orders before stock).`,
        resolution:
          'Check that catalogue-sync consumes orders.order.received.v1 (consumer lag, dead-letter topic) and ' +
          'replay the orders named here; stock pushes resume by themselves once they are decided.',
        raisedAt: this.clock.now().toISOString(),
      });
    }
  }

  private async raiseRefusal(marketplace: string, error: string): Promise<void> {
    this.refusedRaised.add(marketplace);
    await this.store.raise({
      exceptionId: refusalId(marketplace),
      type: 'STOCK_IMPORT_REFUSED',
      owner: 'integration',
      service: this.options.service,
      marketplace,
      entities: [{ kind: 'marketplace', id: marketplace }],
      reason: `${marketplace} refused the stock import (STO01): ${error}`,
      resolution:
        'Check the shop API key, shop id and base URL of this marketplace, and its status page; the stock is ' +
        'retried every cycle and this clears once an import is accepted.',
      raisedAt: this.clock.now().toISOString(),
    });
  }

  private async refreshGauges(marketplace: string): Promise<void> {
    const pending = await this.store.pendingByKind(marketplace);
    for (const kind of ['stock', 'offer'] as const)
      this.metrics.pendingPushes.set({ marketplace, kind }, pending[kind]);
    this.metrics.reservationsOpen.set(await this.store.reservedUnits());
  }

  private fenceOf(marketplace: string, epoch?: number): Fence | undefined {
    return this.loops.fenceOf(marketplace, epoch);
  }

  private marketplace(code: string): MarketplaceSettings {
    const mp = this.settings.get(code);
    if (!mp || !this.clients.has(code)) throw new RangeError(`no marketplace ${code} is configured`);
    return mp;
  }
}

/** The lease every replica competes for to push one marketplace's stock. */
export const leaseName = (service: string, marketplace: string) => `${service}:stock-push:${marketplace}`;
const gateId = (marketplace: string) => `STOCK_PUSH_WAITING_FOR_ORDERS:${marketplace}`;
const refusalId = (marketplace: string) => `STOCK_IMPORT_REFUSED:${marketplace}`;
