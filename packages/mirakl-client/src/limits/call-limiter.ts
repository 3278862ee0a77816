/** At most `limit` calls in any `perMs` window. */
export interface CallWindow {
  limit: number;
  perMs: number;
}

export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemLimiterClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Lane {
  /** Start times of recent calls, oldest first. */
  calls: number[];
  blockedUntil: number;
  /** Calls of this lane go through one at a time, in arrival order. */
  tail: Promise<void>;
}

/**
 * Keeps each (marketplace, operation) within Mirakl's published call frequency: a call waits until every
 * window of its operation has room (sliding windows, so "20 per minute and 60 per hour" are both held), and
 * a 429's `Retry-After` blocks that lane until it has passed. Lanes are independent: OR11 waiting never holds
 * up OR21. Waiting is in arrival order.
 */
export class CallLimiter {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly windowsOf: (operation: string) => CallWindow[],
    private readonly clock: LimiterClock = systemLimiterClock,
  ) {}

  /**
   * Resolves when the call may start, and counts it. Returns how long it waited, in ms. A `continuation` (the
   * next page of a read already counted) waits only for a 429's block: Mirakl's frequencies count reads, and
   * reading every page is what it expects. An aborted `signal` rejects the wait (with the signal's reason)
   * and the call is not counted.
   */
  acquire(
    marketplace: string,
    operation: string,
    continuation = false,
    signal?: AbortSignal,
  ): Promise<number> {
    const lane = this.lane(marketplace, operation);
    const windows = continuation ? [] : this.windowsOf(operation);
    const turn = lane.tail.then(async () => {
      const started = this.clock.now();
      let slept = false;
      for (;;) {
        signal?.throwIfAborted(); // a stopping client gives up its turn instead of waiting for it
        const now = this.clock.now();
        const wait = Math.max(lane.blockedUntil - now, ...windows.map((w) => this.waitFor(lane, w, now)), 0);
        if (wait <= 0) break;
        await abortable(this.clock.sleep(wait), signal);
        slept = true;
      }
      const now = this.clock.now();
      // A call that never slept waited 0 ms, even when the clock ticked while this ran (a loaded machine).
      const waited = slept ? now - started : 0;
      if (continuation) return waited;
      lane.calls.push(now);
      const longest = Math.max(0, ...windows.map((w) => w.perMs));
      while (lane.calls.length > 0 && lane.calls[0] <= now - longest) lane.calls.shift();
      return waited;
    });
    lane.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Mirakl answered 429: nothing more on this lane until `retryAfterMs` has passed. */
  block(marketplace: string, operation: string, retryAfterMs: number): void {
    const lane = this.lane(marketplace, operation);
    lane.blockedUntil = Math.max(lane.blockedUntil, this.clock.now() + Math.max(0, retryAfterMs));
  }

  private waitFor(lane: Lane, w: CallWindow, now: number): number {
    const inWindow = lane.calls.filter((t) => t > now - w.perMs);
    if (inWindow.length < w.limit) return 0;
    return inWindow[inWindow.length - w.limit] + w.perMs - now;
  }

  private lane(marketplace: string, operation: string): Lane {
    const key = `${marketplace}\u0000${operation}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { calls: [], blockedUntil: 0, tail: Promise.resolve() };
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

/** `p`, or a rejection with the signal's reason as soon as `signal` aborts (the wait itself is left to end). */
export function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
