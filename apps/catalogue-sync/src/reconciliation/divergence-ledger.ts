import type { EntityManager } from 'typeorm';
import type { OutboxWriter } from '@seller-bridge/service-kit';
import { queueStockPush } from '../availability/pending-pushes';
import {
  correctedEvents,
  divergenceExceptionId,
  openedEvents,
  type DivergenceEvent,
} from './divergence-events';
import type { DivergenceKind, Finding } from './offer-comparison';

/** A divergence row as held (`offer_divergence`). */
export interface DivergenceRow {
  sku: string;
  kind: DivergenceKind;
  status: 'suspect' | 'open';
  found: string | null;
}

/** What one pass did, summed over its transactions. */
export interface PassTally {
  offersRead: number;
  pages: number;
  /** SKUs left as they were because stock or offer work is pending for them. */
  skipped: number;
  opened: number;
  corrected: number;
  /** Shortfalls seen once, to be confirmed by the next pass. */
  suspected: number;
}

export const emptyTally = (): PassTally => ({
  offersRead: 0,
  pages: 0,
  skipped: 0,
  opened: 0,
  corrected: 0,
  suspected: 0,
});

interface Upsert {
  sku: string;
  kind: DivergenceKind;
  status: 'suspect' | 'open';
  expected: string;
  found: string;
}

/**
 * The decisions of one transaction of a pass: which divergences open, stay, wait for confirmation or are
 * corrected, the events that say so, and the corrections queued. `flush` writes all of it in the caller's
 * transaction, so a divergence, its events and its correction are recorded together or not at all.
 */
export class DivergenceSettlement {
  private readonly upserts: Upsert[] = [];
  private readonly deletes: { sku: string; kind: DivergenceKind }[] = [];
  private readonly events: DivergenceEvent[] = [];
  private readonly stockSkus = new Set<string>();
  private readonly offerSkus = new Set<string>();

  constructor(
    private readonly service: string,
    private readonly marketplace: string,
    private readonly existing: ReadonlyMap<string, DivergenceRow>,
    private readonly tally: PassTally,
    private readonly now: Date,
  ) {}

  static key = (sku: string, kind: DivergenceKind) => `${kind}\u0000${sku}`;

  /**
   * Settles the kinds `checked` for a SKU: a kind without a finding is right (its row, if any, goes; an open
   * one is corrected), a finding opens a divergence — except a quantity shortfall, which is only a suspicion
   * until the next pass finds the same quantity short again (orders Mirakl counted may not be reserved yet).
   */
  settle(
    sku: string,
    checked: readonly DivergenceKind[],
    findings: readonly Finding[],
    current: Partial<Record<DivergenceKind, { expected?: string; found?: string }>>,
  ): void {
    for (const kind of checked) {
      const row = this.existing.get(DivergenceSettlement.key(sku, kind));
      const f = findings.find((x) => x.kind === kind);
      if (!f) {
        if (!row) continue;
        this.deletes.push({ sku, kind });
        if (row.status === 'open') {
          this.tally.corrected++;
          this.events.push(
            ...correctedEvents(
              this.service,
              this.marketplace,
              sku,
              kind,
              current[kind] ?? {},
              'a reconciliation found the marketplace right again',
              this.now,
            ),
          );
        }
        continue;
      }
      const toConfirm = f.kind === 'quantity' && f.under === true;
      if (toConfirm && (!row || (row.status === 'suspect' && row.found !== f.found))) {
        this.upserts.push({ sku, kind, status: 'suspect', expected: f.expected, found: f.found });
        this.tally.suspected++;
        continue;
      }
      this.upserts.push({ sku, kind, status: 'open', expected: f.expected, found: f.found });
      if (!row || row.status === 'suspect') {
        this.tally.opened++;
        this.events.push(...openedEvents(this.service, this.marketplace, sku, f, this.now));
      }
      // Corrections are queued again on every pass that still finds the divergence with nothing pending.
      if (kind === 'quantity') this.stockSkus.add(sku);
      else if (kind === 'price' || kind === 'missing-offer') this.offerSkus.add(sku);
      // extra-offer: never deleted automatically; the exception asks a person to decide.
    }
  }

  async flush(m: EntityManager, outbox: OutboxWriter): Promise<void> {
    const mp = this.marketplace;
    if (this.deletes.length > 0)
      await m.query(
        `DELETE FROM offer_divergence d USING unnest($2::text[], $3::text[]) AS u(sku, kind)
         WHERE d.marketplace = $1 AND d.sku = u.sku AND d.kind = u.kind`,
        [mp, this.deletes.map((d) => d.sku), this.deletes.map((d) => d.kind)],
      );
    if (this.upserts.length > 0) {
      const u = this.upserts;
      await m.query(
        `INSERT INTO offer_divergence AS d (marketplace, sku, kind, status, expected, found, exception_id,
           first_seen_at, last_seen_at, raised_at)
         SELECT $1, u.sku, u.kind, u.status, u.expected, u.found, u.eid, $2, $2,
           CASE WHEN u.status = 'open' THEN $2::timestamptz END
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           AS u(sku, kind, status, expected, found, eid)
         ON CONFLICT (marketplace, sku, kind) DO UPDATE SET status = EXCLUDED.status,
           expected = EXCLUDED.expected, found = EXCLUDED.found, last_seen_at = EXCLUDED.last_seen_at,
           raised_at = COALESCE(d.raised_at, EXCLUDED.raised_at)`,
        [
          mp,
          this.now,
          u.map((x) => x.sku),
          u.map((x) => x.kind),
          u.map((x) => x.status),
          u.map((x) => x.expected),
          u.map((x) => x.found),
          u.map((x) => divergenceExceptionId(mp, x.sku, x.kind)),
        ],
      );
    }
    if (this.stockSkus.size > 0) {
      const skus = [...this.stockSkus];
      // The pusher sends only what differs from what it last told the marketplace, which here is what it
      // should show: forget that figure so the queued push is sent whatever it computes.
      await m.query(`DELETE FROM published_quantity WHERE marketplace = $1 AND sku = ANY($2)`, [mp, skus]);
      await queueStockPush(m, [mp], skus, this.now);
    }
    if (this.offerSkus.size > 0)
      await m.query(
        `INSERT INTO pending_push (marketplace, sku, kind, queued_at, first_change_at)
         SELECT $1, sku, 'offer', $3, $3 FROM unnest($2::text[]) AS sku
         ON CONFLICT (marketplace, sku, kind) DO UPDATE SET queued_at = EXCLUDED.queued_at`,
        [mp, [...this.offerSkus], this.now],
      );
    if (this.events.length > 0) await outbox.emitMany(m, this.events);
  }
}
