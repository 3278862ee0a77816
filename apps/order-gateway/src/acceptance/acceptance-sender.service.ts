import { Inject, Injectable, type OnModuleInit, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Topics, type LineDecision } from '@seller-bridge/contracts';
import { MiraklApiError, type MiraklClient } from '@seller-bridge/mirakl-client';
import {
  assertStillHolder,
  BACKBONE_LOGGER,
  CLOCK,
  LeaseLostError,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
  type PendingEvent,
  MarketplaceLoops,
  serviceLease,
  sleep,
  type Lease,
} from '@seller-bridge/service-kit';
import { OrderGatewayConfig, type MarketplaceSettings } from '../config/order-gateway.config';
import { orderException } from '../exceptions/order-exceptions';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { OrderGatewayMetrics } from '../metrics/order-gateway.metrics';

export const acceptLeaseName = (service: string, marketplace: string) => `${service}:accept:${marketplace}`;

interface Claimed {
  order_id: string;
  lines: LineDecision[];
  policy: 'ON_VALIDATION' | 'AFTER_ERP_CONFIRMATION';
  /** A send may already have started (a previous attempt, possibly by a process that died): read back first. */
  resumed: boolean;
  attempts: number;
}

/** What became of one claimed decision. */
type SendResult =
  | { kind: 'landed'; outcome: 'sent' | 'already-decided'; autoRefused: boolean; state?: string }
  | { kind: 'retry'; error: string }
  | { kind: 'rejected'; error: string };

/** Back-off between attempts of one decision: 1 s, 2 s, 4 s… up to 60 s (Retry-After is honoured by the client). */
const backoffMs = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

/**
 * Sends the decisions (OR21), the service's first priority: one loop per marketplace under its own lease, apart
 * from polling (which can neither delay nor starve it), with ACCEPTANCE_CONCURRENCY sends in flight.
 *
 * Crash safety: a decision is persisted (`pending`) before it is sent; it is claimed (`sending`, attempts + 1,
 * committed) before the call; the outcome and the accepted/refused event commit together afterwards. A claim
 * found `sending` again (the previous attempt died or failed without an answer) is read back first (OR11 by id):
 * if Mirakl already has a decision, it is recorded, never sent twice. Within a call, the client's own read-back
 * covers 429, 5xx and lost answers.
 */
@Injectable()
export class AcceptanceSender implements OnModuleInit, OnModuleDestroy {
  private readonly loops: MarketplaceLoops;
  private readonly leaseFor: (marketplace: string) => Lease;
  private readonly log: BackboneLogger;

  constructor(
    private readonly config: OrderGatewayConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MARKETPLACE_CLIENTS) private readonly clients: MarketplaceClients,
    private readonly metrics: OrderGatewayMetrics,
    @Inject(BACKBONE_LOGGER) logger: BackboneLogger,
  ) {
    this.log = logger.child({ component: 'acceptance-sender' });
    this.loops = new MarketplaceLoops();
    this.leaseFor = (mp) => serviceLease(config, metrics, this.log, acceptLeaseName(config.SERVICE_NAME, mp));
  }

  /**
   * Starts at module init, not at bootstrap: after a restart, decisions go out as soon as the database is
   * there, without waiting for the Kafka consumers to join their groups (which can take a session timeout when
   * the previous process died).
   */
  onModuleInit(): void {
    if (!this.config.ACCEPTANCE_ENABLED) return;
    this.loops.start(
      this.config.MARKETPLACES.map((m) => m.code),
      this.leaseFor,
      (mp, signal, epoch) => this.run(mp, signal, epoch),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.loops.stop();
  }

  private async run(marketplace: string, signal: AbortSignal, epoch?: number): Promise<void> {
    // This replica now holds the marketplace's lease: a claim left `sending` belongs to a holder that is gone,
    // so it is resumed at once (read back first) rather than after its claim's timeout.
    await this.dataSource
      .transaction(async (m) => {
        await this.fence(m, marketplace, epoch);
        await m.query(
          `UPDATE order_decision SET next_attempt_at = $2 WHERE marketplace = $1 AND status = 'sending'`,
          [marketplace, this.clock.now()],
        );
      })
      .catch((err: unknown) => this.log.warn({ marketplace, err: String(err) }, 'could not resume claims'));
    // Several workers claim and send side by side (claims skip each other's rows), so one slow answer or one
    // commit does not hold the whole queue.
    const worker = async (gauge: boolean) => {
      let lastGauge = 0;
      while (!signal.aborted) {
        try {
          const sent = await this.sendBatch(marketplace, epoch);
          if (gauge && Date.now() - lastGauge > 1000) {
            lastGauge = Date.now();
            await this.refreshQueueGauge(marketplace);
          }
          if (sent === 0) await sleep(this.config.ACCEPTANCE_IDLE_MS, signal);
        } catch (err) {
          if (err instanceof LeaseLostError) return;
          this.log.warn({ marketplace, err: String(err) }, 'acceptance cycle failed; retrying');
          await sleep(500, signal);
        }
      }
    };
    await Promise.all(Array.from({ length: this.config.ACCEPTANCE_WORKERS }, (_, i) => worker(i === 0)));
  }

  /**
   * Claims due decisions, sends them at once, then records every outcome in one transaction (landed: the
   * decision and its accepted/refused event; not landed: back-off, and an exception when Mirakl refused).
   * Returns how many were claimed.
   */
  async sendBatch(marketplace: string, epoch?: number): Promise<number> {
    const settings = this.config.MARKETPLACES.find((m) => m.code === marketplace)!;
    const claimed = await this.claim(marketplace, this.config.ACCEPTANCE_CONCURRENCY, epoch);
    if (claimed.length === 0) return 0;
    const results = await Promise.all(
      claimed.map(async (c) => ({ c, r: await this.attempt(marketplace, c) })),
    );
    const now = this.clock.now();
    const landed = results.filter(
      (x): x is { c: Claimed; r: Extract<SendResult, { kind: 'landed' }> } => x.r.kind === 'landed',
    );
    const failed = results.filter(
      (x): x is { c: Claimed; r: Exclude<SendResult, { kind: 'landed' }> } => x.r.kind !== 'landed',
    );
    const firstSeen = await this.dataSource.transaction(async (m) => {
      await this.fence(m, marketplace, epoch);
      const seen =
        landed.length > 0 ? await this.recordLanded(m, settings, landed, now) : new Map<string, Date>();
      if (failed.length > 0) await this.recordFailed(m, marketplace, failed, now);
      return seen;
    });
    for (const { c, r } of landed) {
      const seen = firstSeen.get(c.order_id);
      if (!seen) continue;
      const accepted = c.lines.some((l) => l.decision === 'ACCEPT');
      this.metrics.ordersDecided.inc({
        marketplace,
        decision: r.autoRefused ? 'auto-refused' : accepted ? 'accepted' : 'refused',
        outcome: r.outcome,
      });
      this.metrics.decisionLatency.observe(
        { marketplace },
        Math.max(0, (now.getTime() - seen.getTime()) / 1000),
      );
    }
    for (const { c, r } of failed) {
      this.metrics.acceptanceErrors.inc({ marketplace, kind: r.kind === 'retry' ? 'transient' : 'rejected' });
      this.log.warn(
        { marketplace, orderId: c.order_id, attempts: c.attempts, error: r.error },
        'decision not sent yet',
      );
    }
    return claimed.length;
  }

  private async fence(m: EntityManager, marketplace: string, epoch?: number): Promise<void> {
    if (epoch !== undefined)
      await assertStillHolder(m, acceptLeaseName(this.config.SERVICE_NAME, marketplace), epoch);
  }

  private async claim(marketplace: string, limit: number, epoch?: number): Promise<Claimed[]> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      await this.fence(m, marketplace, epoch);
      const [rows] = (await m.query(
        `UPDATE order_decision d SET status = 'sending', attempts = d.attempts + 1,
           next_attempt_at = $2::timestamptz + interval '30 seconds'
         FROM (SELECT order_id, status AS was, attempts AS tried FROM order_decision
               WHERE marketplace = $1 AND status IN ('pending', 'sending') AND next_attempt_at <= $2
               ORDER BY next_attempt_at, decided_at LIMIT $3 FOR UPDATE SKIP LOCKED) c
         WHERE d.marketplace = $1 AND d.order_id = c.order_id
         RETURNING d.order_id, d.lines, d.policy, d.attempts, (c.was = 'sending' OR c.tried > 0) AS resumed`,
        [marketplace, now, limit],
      )) as [Claimed[], number];
      return rows;
    });
  }

  private async recordFailed(
    m: EntityManager,
    marketplace: string,
    failed: { c: Claimed; r: Exclude<SendResult, { kind: 'landed' }> }[],
    now: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE order_decision d SET last_error = v.error, next_attempt_at = v.next
       FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS v(order_id, error, next)
       WHERE d.marketplace = $1 AND d.order_id = v.order_id AND d.status = 'sending'`,
      [
        marketplace,
        failed.map((f) => f.c.order_id),
        failed.map((f) => f.r.error.slice(0, 2000)),
        failed.map((f) => new Date(now.getTime() + backoffMs(f.c.attempts))),
      ],
    );
    await this.outbox.emitMany(
      m,
      failed
        .filter((f) => f.r.kind === 'rejected')
        .map((f) => ({
          topic: Topics.exceptionRaised,
          payload: orderException(
            'ACCEPTANCE_REJECTED',
            { marketplace, orderId: f.c.order_id },
            this.config.SERVICE_NAME,
            now,
            f.r.error,
          ),
        })),
    );
  }

  /** Read back when a send may have started, else send (the client reads back itself before resending). */
  private async attempt(marketplace: string, c: Claimed): Promise<SendResult> {
    const client = this.clients.get(marketplace) as MiraklClient;
    try {
      if (c.resumed) {
        const found = await this.readBack(client, c.order_id);
        if (found) return found;
      }
      const r = await client.acceptOrder(
        c.order_id,
        c.lines.map((l) => ({ id: l.lineId, accepted: l.decision === 'ACCEPT' })),
      );
      if (r.outcome === 'sent') return { kind: 'landed', outcome: 'sent', autoRefused: false };
      return (
        (await this.readBack(client, c.order_id)) ?? { kind: 'retry', error: 'read back found no decision' }
      );
    } catch (err) {
      if (err instanceof MiraklApiError && !err.transient) {
        // Mirakl refused the call: if the order no longer waits (decided, auto-refused), that is the answer.
        const found = await this.readBack(client, c.order_id).catch(() => undefined);
        if (found) return found;
        return { kind: 'rejected', error: err.message };
      }
      return { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async readBack(client: MiraklClient, orderId: string): Promise<SendResult | undefined> {
    const now = await client.getOrder(orderId);
    if (!now || now.order_state === 'WAITING_ACCEPTANCE' || now.order_state === 'STAGING') return undefined;
    return {
      kind: 'landed',
      outcome: 'already-decided',
      autoRefused: now.order_state === 'REFUSED' && !now.acceptance_decision_date,
      state: now.order_state,
    };
  }

  /**
   * Decisions that landed: marked, and accepted/refused published once per order (the poller may have
   * published the marketplace's own refusal first). The orders are locked first, in id order, as the poller
   * locks them. Returns, for each decision recorded now, when its order was first seen (none recorded twice).
   */
  private async recordLanded(
    m: EntityManager,
    settings: MarketplaceSettings,
    landed: { c: Claimed; r: Extract<SendResult, { kind: 'landed' }> }[],
    now: Date,
  ): Promise<Map<string, Date>> {
    const marketplace = settings.code;
    const ids = landed.map((l) => l.c.order_id);
    const orders: { order_id: string; first_seen_at: Date; decision_published_at: Date | null }[] =
      await m.query(
        `SELECT order_id, first_seen_at, decision_published_at FROM mirakl_order
       WHERE marketplace = $1 AND order_id = ANY($2) ORDER BY order_id FOR UPDATE`,
        [marketplace, ids],
      );
    const [changed] = (await m.query(
      `UPDATE order_decision d SET status = 'landed', outcome = v.outcome, landed_at = $3, last_error = NULL
       FROM unnest($2::text[], $4::text[]) AS v(order_id, outcome)
       WHERE d.marketplace = $1 AND d.order_id = v.order_id AND d.status = 'sending'
       RETURNING d.order_id`,
      [marketplace, ids, now, landed.map((l) => (l.r.autoRefused ? 'auto-refused' : l.r.outcome))],
    )) as [{ order_id: string }[], number];
    const recorded = new Set(changed.map((r) => r.order_id));
    const byId = new Map(orders.map((o) => [o.order_id, o]));
    const publish = landed.filter(
      (l) => recorded.has(l.c.order_id) && byId.get(l.c.order_id)?.decision_published_at === null,
    );
    if (publish.length > 0) {
      await m.query(
        `UPDATE mirakl_order SET decision_published_at = $3 WHERE marketplace = $1 AND order_id = ANY($2)`,
        [marketplace, publish.map((l) => l.c.order_id), now],
      );
      await this.outbox.emitMany(
        m,
        publish.flatMap((l) => this.decisionEvents(marketplace, l.c, l.r, now)),
      );
    }
    return new Map(
      [...recorded].filter((id) => byId.has(id)).map((id) => [id, new Date(byId.get(id)!.first_seen_at)]),
    );
  }

  private decisionEvents(
    marketplace: string,
    c: Claimed,
    result: Extract<SendResult, { kind: 'landed' }>,
    now: Date,
  ): PendingEvent<any>[] {
    const decidedAt = now.toISOString();
    if (result.autoRefused)
      return [
        {
          topic: Topics.orderRefused,
          payload: {
            marketplace,
            orderId: c.order_id,
            refusedBy: 'MARKETPLACE_TIMEOUT',
            lines: c.lines.map((l) => ({
              lineId: l.lineId,
              sku: l.sku,
              decision: 'REFUSE',
              reasonCode: 'MARKETPLACE_TIMEOUT',
              reason: 'the marketplace refused the order when its acceptance window passed',
            })),
            decidedAt,
          },
        },
      ];
    if (c.lines.some((l) => l.decision === 'ACCEPT'))
      return [
        {
          topic: Topics.orderAccepted,
          payload: { marketplace, orderId: c.order_id, policy: c.policy, lines: c.lines, decidedAt },
        },
      ];
    return [
      {
        topic: Topics.orderRefused,
        payload: { marketplace, orderId: c.order_id, refusedBy: 'SELLER', lines: c.lines, decidedAt },
      },
    ];
  }

  private async refreshQueueGauge(marketplace: string): Promise<void> {
    const rows: { status: string; n: number }[] = await this.dataSource.query(
      `SELECT status, COUNT(*)::int AS n FROM order_decision
       WHERE marketplace = $1 AND status IN ('pending', 'sending', 'waiting-erp') GROUP BY status`,
      [marketplace],
    );
    for (const status of ['pending', 'sending', 'waiting-erp'])
      this.metrics.acceptanceQueue.set(
        { marketplace, status },
        rows.find((r) => r.status === status)?.n ?? 0,
      );
  }
}
