import { createHmac, randomBytes } from 'node:crypto';
import type { ChangeFeed, ChangeType } from './change-feed';

export interface WebhookRegistration {
  url: string;
  secret?: string;
  /** Only these change types are posted (all when absent); others are skipped without a call. */
  types?: ChangeType[];
  /** Back-off of the first retry (doubles each failure up to retryMaxMs). Real time, not sandbox time. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
}

interface Webhook {
  id: string;
  url: string;
  secret: string;
  types?: Set<ChangeType>;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  /** Highest seq delivered (or skipped by the type filter): changes go out one at a time, in seq order. */
  deliveredSeq: number;
  delivered: number;
  failedAttempts: number;
  /** Failed attempts at the change now being delivered. */
  attempts: number;
  lastError?: string;
  lastStatus?: number;
  lastAttemptAt?: number;
  nextAttemptAt?: number;
  busy: boolean;
  timer?: NodeJS.Timeout;
}

/** Signature header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Pushes each change of the feed to every registered URL as a JSON POST, in seq order, one change at a time:
 * while a receiver fails (non-2xx, timeout, refused connection) the same change is retried with exponential
 * back-off and nothing after it is sent, so a receiver never sees change n+1 before change n.
 */
export class WebhookDispatcher {
  private readonly hooks = new Map<string, Webhook>();
  private running = false;
  private count = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly options: {
      paused: () => boolean;
      log: (msg: string, fields: Record<string, unknown>) => void;
    },
  ) {
    feed.subscribe(() => this.kick());
  }

  register(r: WebhookRegistration): { id: string; secret: string } {
    const id = `WH${++this.count}`;
    const hook: Webhook = {
      id,
      url: r.url,
      secret: r.secret ?? randomBytes(24).toString('hex'),
      ...(r.types ? { types: new Set(r.types) } : {}),
      retryBaseMs: r.retryBaseMs ?? 1000,
      retryMaxMs: r.retryMaxMs ?? 60_000,
      timeoutMs: r.timeoutMs ?? 5000,
      deliveredSeq: 0,
      delivered: 0,
      failedAttempts: 0,
      attempts: 0,
      busy: false,
    };
    this.hooks.set(id, hook);
    this.kick();
    return { id, secret: hook.secret };
  }

  remove(id: string): boolean {
    const hook = this.hooks.get(id);
    if (hook?.timer) clearTimeout(hook.timer);
    return this.hooks.delete(id);
  }

  /** The feed was reset: every hook starts again from its first change. */
  rewind(): void {
    for (const hook of this.hooks.values()) {
      hook.deliveredSeq = 0;
      hook.attempts = 0;
    }
  }

  list(): Record<string, unknown>[] {
    return [...this.hooks.values()].map((h) => ({
      id: h.id,
      url: h.url,
      types: h.types ? [...h.types] : null,
      delivered_seq: h.deliveredSeq,
      pending: Math.max(0, this.feed.headSeq - h.deliveredSeq),
      delivered: h.delivered,
      failed_attempts: h.failedAttempts,
      current_attempts: h.attempts,
      last_status: h.lastStatus ?? null,
      last_error: h.lastError ?? null,
      last_attempt_at: h.lastAttemptAt ? new Date(h.lastAttemptAt).toISOString() : null,
      next_attempt_at: h.nextAttemptAt ? new Date(h.nextAttemptAt).toISOString() : null,
    }));
  }

  start(): void {
    this.running = true;
    this.kick();
  }

  stop(): void {
    this.running = false;
    for (const hook of this.hooks.values()) if (hook.timer) clearTimeout(hook.timer);
  }

  /** Wakes every idle hook that has something to send. */
  kick(): void {
    if (!this.running) return;
    for (const hook of this.hooks.values()) if (!hook.busy && !hook.timer) void this.pump(hook);
  }

  private async pump(hook: Webhook): Promise<void> {
    hook.busy = true;
    try {
      while (this.running && this.hooks.has(hook.id) && hook.deliveredSeq < this.feed.headSeq) {
        if (this.options.paused()) return this.retryLater(hook, Math.min(hook.retryBaseMs, 1000), false);
        const change = this.feed.at(hook.deliveredSeq + 1)!;
        if (hook.types && !hook.types.has(change.type)) {
          hook.deliveredSeq = change.seq;
          continue;
        }
        const outcome = await this.post(hook, change);
        if (outcome === 'ok') {
          hook.deliveredSeq = change.seq;
          hook.delivered++;
          hook.attempts = 0;
          delete hook.nextAttemptAt;
        } else {
          hook.attempts++;
          hook.failedAttempts++;
          const delay = Math.min(hook.retryMaxMs, hook.retryBaseMs * 2 ** Math.min(hook.attempts - 1, 20));
          this.options.log('webhook delivery failed', {
            webhook: hook.id,
            seq: change.seq,
            attempt: hook.attempts,
            error: hook.lastError,
            retryInMs: delay,
          });
          return this.retryLater(hook, delay, true);
        }
      }
    } finally {
      hook.busy = false;
    }
  }

  private retryLater(hook: Webhook, delayMs: number, record: boolean): void {
    if (record) hook.nextAttemptAt = Date.now() + delayMs;
    hook.timer = setTimeout(() => {
      delete hook.timer;
      if (this.running && !hook.busy) void this.pump(hook);
    }, delayMs);
    hook.timer.unref();
  }

  private async post(hook: Webhook, change: { seq: number; type: string }): Promise<'ok' | 'failed'> {
    const body = JSON.stringify(change);
    const timestamp = Math.floor(Date.now() / 1000);
    hook.lastAttemptAt = Date.now();
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-backoffice-event': change.type,
          'x-backoffice-seq': String(change.seq),
          'x-backoffice-delivery': `${hook.id}-${change.seq}`,
          'x-backoffice-signature': signature(hook.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(hook.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      hook.lastStatus = res.status;
      if (res.ok) {
        delete hook.lastError;
        return 'ok';
      }
      hook.lastError = `HTTP ${res.status}`;
      return 'failed';
    } catch (err) {
      delete hook.lastStatus;
      hook.lastError =
        err instanceof Error
          ? `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`
          : String(err);
      return 'failed';
    }
  }
}
