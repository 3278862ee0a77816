import { createReadStream, createWriteStream, openAsBlob, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DataSource, EntityManager } from 'typeorm';
import {
  MiraklClient,
  offerFileHeader,
  offerFileRow,
  type MiraklOfferImport,
} from '@seller-bridge/mirakl-client';
import type { BackboneLogger, Clock } from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import { publishedQuantity, safetyBufferOf } from '../availability/availability';
import { availableSql } from '../availability/available-sql';
import { queueStockPush } from '../availability/pending-pushes';
import type { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import { readOrdersGate } from '../publishing/orders-first-gate';
import { buildOffer } from './offer-builder';
import {
  CatalogueExceptionType,
  exceptionId,
  normaliseReason,
  type CatalogueExceptions,
} from './catalogue-exceptions';
import type { CatalogueOptions } from './catalogue-options';

/** Rows fetched per cursor page: what the sync holds in memory at once, whatever the catalogue's size. */
const PAGE = 5_000;
/** Published figures written back per statement once Mirakl has the file. */
const WRITE_BACK = 10_000;
/** Exceptions raised one per refused line, up to this many per file; beyond, one summary exception. */
const MAX_LINE_EXCEPTIONS = 1_000;

export interface OfferFileProgress {
  marketplace: string;
  written: number;
  total: number;
  bytes: number;
}

export interface OfferFileSent {
  marketplace: string;
  importId: number;
  offers: number;
  bytes: number;
  /** The database snapshot every quantity of the file comes from. */
  snapshotAt: Date;
  /** Reading, computing and writing the file; then handing it to Mirakl. */
  buildMs: number;
  uploadMs: number;
  /** The file (and its `sku;quantity` sidecar) until `finish` has read it back. */
  dir: string;
}

export interface OfferFileDone extends OfferFileSent {
  status: string;
  linesInError: number;
  /** SKUs whose stock or reservations moved after the snapshot: queued for a stock push to correct them. */
  requeued: number;
}

export interface OfferFileSyncDeps {
  dataSource: DataSource;
  clock: Clock;
  metrics: CatalogueSyncMetrics;
  logger: BackboneLogger;
  exceptions: CatalogueExceptions;
  options: CatalogueOptions;
  /** Every marketplace's code (a corrected SKU is queued for all of them, as every stock change is). */
  marketplaces: string[];
  /** Only offers whose product the marketplace accepted (catalogue publishing on); else every product. */
  acceptedProductsOnly: boolean;
}

/**
 * A full offer sync by file (OF01, issue 4 "large catalogues"): every offer of a marketplace, complete (price,
 * quantity as published now, every managed field), in one import. Rows are read from one REPEATABLE READ
 * snapshot through a server-side cursor, a page at a time, and written to a temporary file that is then
 * streamed to Mirakl from disk: memory stays bounded by the page whatever the catalogue's size. Progress goes
 * to the `catalogue_full_sync_progress` gauge and the log.
 *
 * Quantities in the file are those of the snapshot; Mirakl applies the file later. So that an older figure
 * never stays on the marketplace, `finish` (once the import is COMPLETE) records what was published and
 * queues a stock push for every SKU whose stock or reservations moved since the snapshot. Offers waits for
 * the same gate as stock pushes: every order of the marketplace's latest poll reserved (decision 0008).
 */
export class OfferFileSync {
  constructor(private readonly d: OfferFileSyncDeps) {}

  /** Builds the file and hands it to Mirakl. `gated` when the latest poll's orders are not all reserved. */
  async send(
    mp: MarketplaceSettings,
    client: MiraklClient,
    onProgress?: (p: OfferFileProgress) => void,
  ): Promise<OfferFileSent | { gated: string }> {
    const gate = await readOrdersGate(this.d.dataSource, mp.code);
    if (gate.state === 'blocked')
      return { gated: `${gate.undecidedCount} order(s) of the latest poll are not reserved yet` };
    const started = performance.now();
    const dir = await mkdtemp(join(tmpdir(), `offer-sync-${mp.code}-`));
    try {
      const built = await this.build(mp, dir, onProgress);
      const buildMs = performance.now() - started;
      const upload = performance.now();
      const { importId } = await client.importOffers(await openAsBlob(join(dir, 'offers.csv')), 'NORMAL');
      const uploadMs = performance.now() - upload;
      this.d.logger.info(
        { marketplace: mp.code, importId, offers: built.offers, bytes: built.bytes, buildMs, uploadMs },
        'catalogue: full offer file sent (OF01)',
      );
      return { marketplace: mp.code, importId, ...built, buildMs, uploadMs, dir };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Once Mirakl has applied the file: records the published figures (a push sent after the snapshot wins),
   * raises an exception per refused line, queues pushes for SKUs that moved since the snapshot, and removes
   * the file. Waits for the import (OF02) up to `timeoutMs`.
   */
  async finish(
    sent: OfferFileSent,
    client: MiraklClient,
    wait: { pollMs: number; timeoutMs: number },
  ): Promise<OfferFileDone> {
    try {
      const status = (await client.awaitImport('offers', sent.importId, wait)) as MiraklOfferImport;
      const state = MiraklClient.importState(status);
      if (state !== 'COMPLETE')
        return { ...sent, status: state, linesInError: status.lines_in_error ?? 0, requeued: 0 };
      const refused = status.has_error_report ? await client.getImportErrors('offers', sent.importId) : [];
      const refusedSkus = new Set(refused.map((r) => r.fields.sku).filter((s): s is string => !!s));
      await this.writeBack(sent, refusedSkus);
      const requeued = await this.d.dataSource.transaction(async (m) => {
        await this.raiseRefused(m, sent, refused);
        return this.requeueMoved(m, sent.snapshotAt);
      });
      return { ...sent, status: state, linesInError: refused.length, requeued };
    } finally {
      await rm(sent.dir, { recursive: true, force: true });
    }
  }

  private async build(
    mp: MarketplaceSettings,
    dir: string,
    onProgress?: (p: OfferFileProgress) => void,
  ): Promise<{ offers: number; bytes: number; snapshotAt: Date }> {
    const file = createWriteStream(join(dir, 'offers.csv'));
    const sidecar = createWriteStream(join(dir, 'quantities.tsv'));
    const runner = this.d.dataSource.createQueryRunner();
    await runner.connect();
    let offers = 0;
    let bytes = 0;
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [{ now, total }]: { now: Date; total: number }[] = await runner.query(
        `SELECT now() AS now, count(*)::int AS total FROM product p WHERE ${this.wanted('p')}`,
        [mp.code],
      );
      await runner.query(
        `DECLARE offers NO SCROLL CURSOR FOR
         SELECT p.sku, p.price_minor::text AS price_minor, p.currency, p.active,
                p.master->>'description' AS description, p.master->'attributes' AS attributes,
                ${availableSql('p.sku', '$2')} AS available, COALESCE(ss.reserved, 0)::int AS reserved
         FROM product p LEFT JOIN sku_stock ss ON ss.sku = p.sku
         WHERE ${this.wanted('p')}
         ORDER BY p.sku`,
        [mp.code, mp.warehouses?.length ? mp.warehouses : null],
      );
      bytes += await write(file, offerFileHeader());
      const report = () => {
        this.d.metrics.fullSyncProgress.set({ marketplace: mp.code }, total === 0 ? 1 : offers / total);
        onProgress?.({ marketplace: mp.code, written: offers, total, bytes });
      };
      let lastLog = 0;
      for (;;) {
        const rows: {
          sku: string;
          price_minor: string;
          currency: string;
          active: boolean;
          description: string | null;
          attributes: Record<string, string> | null;
          available: number;
          reserved: number;
        }[] = await runner.query(`FETCH ${PAGE} FROM offers`);
        if (rows.length === 0) break;
        let text = '';
        let quantities = '';
        for (const r of rows) {
          const quantity = publishedQuantity(r.available, r.reserved, safetyBufferOf(mp, r.sku)).quantity;
          const offer = buildOffer(
            {
              sku: r.sku,
              priceMinor: r.price_minor,
              currency: r.currency,
              active: r.active,
              master: {
                description: r.description ?? undefined,
                attributes: r.attributes ?? undefined,
              },
              quantity,
            },
            this.d.options.offerDefaults,
          );
          text += offerFileRow(offer);
          quantities += `${r.sku}\t${offer.quantity}\n`;
        }
        offers += rows.length;
        bytes += await write(file, text);
        await write(sidecar, quantities);
        report();
        if (offers - lastLog >= 100_000) {
          lastLog = offers;
          this.d.logger.info(
            { marketplace: mp.code, written: offers, total },
            'catalogue: full offer file in progress',
          );
        }
      }
      await runner.query('COMMIT');
      report();
      await Promise.all([close(file), close(sidecar)]);
      return { offers, bytes, snapshotAt: new Date(now) };
    } catch (err) {
      await runner.query('ROLLBACK').catch(() => undefined);
      file.destroy();
      sidecar.destroy();
      throw err;
    } finally {
      await runner.release();
    }
  }

  /** The products a marketplace gets an offer for ($1 is the marketplace). */
  private wanted(p: string): string {
    return this.d.acceptedProductsOnly
      ? `EXISTS (SELECT 1 FROM catalogue_sku cs WHERE cs.marketplace = $1 AND cs.sku = ${p}.sku
           AND cs.accepted_version IS NOT NULL)`
      : `($1::text IS NOT NULL)`;
  }

  /** What the file published, from its sidecar, page by page; a figure pushed after the snapshot is kept. */
  private async writeBack(sent: OfferFileSent, refused: Set<string>): Promise<void> {
    const lines = createInterface({ input: createReadStream(join(sent.dir, 'quantities.tsv')) });
    let skus: string[] = [];
    let quantities: number[] = [];
    const flush = async () => {
      if (skus.length === 0) return;
      await this.d.dataSource.query(
        `INSERT INTO published_quantity AS q (marketplace, sku, quantity, import_id, pushed_at)
         SELECT $1, u.sku, u.quantity, $4, $5 FROM unnest($2::text[], $3::int[]) AS u(sku, quantity)
         ON CONFLICT (marketplace, sku) DO UPDATE SET quantity = EXCLUDED.quantity, import_id = EXCLUDED.import_id,
           pushed_at = EXCLUDED.pushed_at
         WHERE q.pushed_at <= EXCLUDED.pushed_at`,
        [sent.marketplace, skus, quantities, `OF01:${sent.importId}`, sent.snapshotAt],
      );
      skus = [];
      quantities = [];
    };
    for await (const line of lines) {
      const tab = line.indexOf('\t');
      const sku = line.slice(0, tab);
      if (tab < 1 || refused.has(sku)) continue;
      skus.push(sku);
      quantities.push(Number(line.slice(tab + 1)));
      if (skus.length >= WRITE_BACK) await flush();
    }
    await flush();
  }

  private async raiseRefused(
    m: EntityManager,
    sent: OfferFileSent,
    refused: { line: number | null; message: string; fields: Record<string, string> }[],
  ): Promise<void> {
    if (refused.length === 0) return;
    const now = this.d.clock.now();
    const mp = sent.marketplace;
    const events = refused.slice(0, MAX_LINE_EXCEPTIONS).map((r) => {
      const sku = r.fields.sku ?? `line ${r.line ?? '?'}`;
      const reason = normaliseReason(r.message);
      return this.d.exceptions.raised(
        {
          exceptionId: exceptionId(CatalogueExceptionType.offerRejected, mp, sku, reason),
          type: CatalogueExceptionType.offerRejected,
          owner: 'ecommerce',
          marketplace: mp,
          entities: [{ kind: 'sku', id: sku }],
          reason: `${mp} refused the offer of ${sku} (full offer file, OF01 import ${sent.importId}): ${reason}`,
          resolution: `Correct ${sku}'s price or master data in the back office as Mirakl's reason says; the offer is sent again when the product changes.`,
        },
        now,
      );
    });
    if (refused.length > MAX_LINE_EXCEPTIONS)
      events.push(
        this.d.exceptions.raised(
          {
            exceptionId: exceptionId(CatalogueExceptionType.offerImportFailed, mp, `OF01:${sent.importId}`),
            type: CatalogueExceptionType.offerImportFailed,
            owner: 'integration',
            marketplace: mp,
            entities: [{ kind: 'import', id: `OF01:${sent.importId}` }],
            reason: `${mp} refused ${refused.length} lines of the full offer file (OF01 import ${sent.importId}); the first ${MAX_LINE_EXCEPTIONS} are raised one by one.`,
            resolution: `Read the error report of import ${sent.importId} (OF03): so many refusals usually mean a format or mapping problem, not bad products.`,
          },
          now,
        ),
      );
    await this.d.exceptions.emit(m, events);
  }

  /** SKUs whose stock or reservations changed after the snapshot: the file may carry an older figure. */
  private async requeueMoved(m: EntityManager, snapshotAt: Date): Promise<number> {
    const moved: { sku: string }[] = await m.query(`SELECT sku FROM sku_stock WHERE updated_at > $1`, [
      snapshotAt,
    ]);
    await queueStockPush(
      m,
      this.d.marketplaces,
      moved.map((r) => r.sku),
      this.d.clock.now(),
    );
    return moved.length;
  }
}

/** Writes and waits for the stream to take more when its buffer is full; returns the bytes written. */
function write(stream: WriteStream, text: string): Promise<number> {
  const bytes = Buffer.byteLength(text);
  if (stream.write(text)) return Promise.resolve(bytes);
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    stream.once('error', onError);
    stream.once('drain', () => {
      stream.off('error', onError);
      resolve(bytes);
    });
  });
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
