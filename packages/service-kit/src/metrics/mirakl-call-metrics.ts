import { Counter, Histogram, type Registry } from 'prom-client';

/** One Mirakl HTTP exchange as `@seller-bridge/mirakl-client` reports it to its `observe` hook. */
export interface MiraklCallReport {
  operation: string;
  marketplace: string;
  /** HTTP status; 0 when no response came. */
  status: number;
  seconds: number;
  attempt: number;
  /** Time spent waiting for the operation's rate-limit lane before the call. */
  waitedMs: number;
}

/** The outcome label of a call: `2xx`, `4xx`, `429`, `5xx` or `no_response`. */
export function callOutcome(status: number): string {
  if (status === 0) return 'no_response';
  if (status === 429) return '429';
  return `${Math.floor(status / 100)}xx`;
}

/**
 * Mirakl call metrics by marketplace and operation: calls by outcome, errors, 429s, latency, and the time
 * spent waiting for call-frequency windows. Pass `observe` to each `MiraklClient` (`{ observe }` option).
 */
export class MiraklCallMetrics {
  readonly calls: Counter<'marketplace' | 'operation' | 'outcome'>;
  readonly errors: Counter<'marketplace' | 'operation' | 'outcome'>;
  readonly rateLimited: Counter<'marketplace' | 'operation'>;
  readonly retries: Counter<'marketplace' | 'operation'>;
  readonly duration: Histogram<'marketplace' | 'operation'>;
  readonly limiterWait: Histogram<'marketplace' | 'operation'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.calls = new Counter({
      name: 'mirakl_api_calls_total',
      help: 'Mirakl API calls (each HTTP attempt) by outcome: 2xx, 4xx, 429, 5xx, no_response',
      labelNames: ['marketplace', 'operation', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'mirakl_api_errors_total',
      help: 'Mirakl API calls that failed (4xx, 429, 5xx, no response)',
      labelNames: ['marketplace', 'operation', 'outcome'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'mirakl_api_rate_limited_total',
      help: 'Mirakl answers 429 Too Many Requests',
      labelNames: ['marketplace', 'operation'],
      registers,
    });
    this.retries = new Counter({
      name: 'mirakl_api_retries_total',
      help: 'Mirakl calls that were a second or later attempt of the same request',
      labelNames: ['marketplace', 'operation'],
      registers,
    });
    this.duration = new Histogram({
      name: 'mirakl_api_call_duration_seconds',
      help: 'Mirakl API call latency, request sent to answer read',
      labelNames: ['marketplace', 'operation'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.limiterWait = new Histogram({
      name: 'mirakl_api_limiter_wait_seconds',
      help: "Time a call waited for its operation's call-frequency window (or a 429's Retry-After)",
      labelNames: ['marketplace', 'operation'],
      buckets: [0, 0.1, 1, 5, 15, 30, 60, 120, 300, 900],
      registers,
    });
  }

  /** The hook to hand to the client. */
  readonly observe = (call: MiraklCallReport): void => {
    const labels = { marketplace: call.marketplace, operation: call.operation };
    const outcome = callOutcome(call.status);
    this.calls.inc({ ...labels, outcome });
    if (outcome !== '2xx') this.errors.inc({ ...labels, outcome });
    if (call.status === 429) this.rateLimited.inc(labels);
    if (call.attempt > 1) this.retries.inc(labels);
    this.duration.observe(labels, call.seconds);
    this.limiterWait.observe(labels, call.waitedMs / 1000);
  };
}
