import { invalid } from '../common/backoffice-error';
import { integer, number, object, onlyKeys } from '../common/decode';

/**
 * Switchable failures of the back office's API (admin `PUT /admin/faults`); the admin API itself never fails.
 * - `down`: `"unavailable"` answers 503 with Retry-After to every API call (a maintenance page, a load
 *   balancer with no healthy node); `"reset"` drops every connection without an answer (the process is gone
 *   behind a proxy). A refused connection is what a stopped sandbox gives (`close()`).
 * - `latencyMs`: added before every API answer.
 * - `error5xxRate`: share of API calls answered 500/502/503/504 before doing anything.
 * - `dropAfterWriteRate`: share of sales order posts that are applied and then answered by a dropped
 *   connection: the order exists, the caller cannot know, and only its idempotency key saves it.
 */
export interface Faults {
  down: false | 'unavailable' | 'reset';
  latencyMs: number;
  error5xxRate: number;
  dropAfterWriteRate: number;
}

export const noFaults = (): Faults => ({ down: false, latencyMs: 0, error5xxRate: 0, dropAfterWriteRate: 0 });

export function decodeFaults(raw: unknown): Faults {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', ['down', 'latencyMs', 'error5xxRate', 'dropAfterWriteRate']);
  let down: Faults['down'] = false;
  if (o.down === true || o.down === 'unavailable') down = 'unavailable';
  else if (o.down === 'reset') down = 'reset';
  else if (o.down !== undefined && o.down !== false)
    throw invalid('down must be false, true, "unavailable" or "reset"', { field: 'down' });
  return {
    down,
    latencyMs: o.latencyMs === undefined ? 0 : integer(o.latencyMs, 'latencyMs', 0, 120_000),
    error5xxRate: o.error5xxRate === undefined ? 0 : number(o.error5xxRate, 'error5xxRate', 0, 1),
    dropAfterWriteRate:
      o.dropAfterWriteRate === undefined ? 0 : number(o.dropAfterWriteRate, 'dropAfterWriteRate', 0, 1),
  };
}

const STATUSES_5XX = [500, 502, 503, 504] as const;

/** Which 5xx a failing call gets, drawn like the rate. */
export const pick5xx = (random: () => number): number =>
  STATUSES_5XX[Math.floor(random() * STATUSES_5XX.length)];
