import { CallLimiter, type LimiterClock } from './call-limiter';
import { miraklWindows } from './call-frequency';

/** A clock that moves only when someone sleeps: waits are measured exactly, tests take no time. */
function virtualClock(): LimiterClock & { t: number } {
  const c = {
    t: 1_000_000,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe(CallLimiter.name, () => {
  it('holds OR11 to once a minute per marketplace, without holding up another marketplace or operation', async () => {
    const clock = virtualClock();
    const limiter = new CallLimiter((op) => miraklWindows(op), clock);
    expect(await limiter.acquire('decathlon-fr', 'OR11')).toBe(0);
    expect(await limiter.acquire('carrefour-es', 'OR11')).toBe(0);
    expect(await limiter.acquire('decathlon-fr', 'OR21')).toBe(0);
    expect(await limiter.acquire('decathlon-fr', 'OR11')).toBe(60_000);
  });

  it('reports 0 ms waited for a call that never slept, even when the clock ticks while it is counted', async () => {
    const clock = virtualClock();
    const ticking = { now: () => ++clock.t, sleep: clock.sleep }; // a loaded machine: every reading is later
    const limiter = new CallLimiter((op) => miraklWindows(op), ticking);
    expect(await limiter.acquire('decathlon-fr', 'OR11')).toBe(0);
    expect(await limiter.acquire('decathlon-fr', 'OR11', true)).toBe(0);
    expect(await limiter.acquire('decathlon-fr', 'OR11')).toBeGreaterThan(59_000);
  });

  it('holds TL02 to 20 a minute and 60 an hour at once', async () => {
    const clock = virtualClock();
    const limiter = new CallLimiter((op) => miraklWindows(op), clock);
    const t0 = clock.t;
    const starts: number[] = [];
    for (let i = 0; i < 61; i++) {
      await limiter.acquire('mp', 'TL02');
      starts.push(clock.t - t0);
    }
    expect(starts[19]).toBe(0);
    expect(starts[20]).toBe(60_000); // the 21st waits for the minute
    expect(starts[59]).toBe(120_000);
    expect(starts[60]).toBe(3_600_000); // the 61st waits for the hour
    for (let i = 20; i < starts.length; i++) {
      expect(starts.filter((s) => s > starts[i] - 60_000 && s <= starts[i]).length).toBeLessThanOrEqual(20);
    }
  });

  it("blocks a lane for a 429's Retry-After, and only that lane", async () => {
    const clock = virtualClock();
    const limiter = new CallLimiter(() => [], clock);
    limiter.block('mp', 'OR21', 30_000);
    expect(await limiter.acquire('mp', 'OR23')).toBe(0);
    expect(await limiter.acquire('mp', 'OR21')).toBe(30_000);
    expect(await limiter.acquire('mp', 'OR21')).toBe(0);
  });

  it('lets the next pages of a read through, but not past a 429 block', async () => {
    const clock = virtualClock();
    const limiter = new CallLimiter((op) => miraklWindows(op), clock);
    await limiter.acquire('mp', 'OR11');
    expect(await limiter.acquire('mp', 'OR11', true)).toBe(0);
    expect(await limiter.acquire('mp', 'OR11', true)).toBe(0);
    limiter.block('mp', 'OR11', 5_000);
    expect(await limiter.acquire('mp', 'OR11', true)).toBe(5_000);
    expect(await limiter.acquire('mp', 'OR11')).toBe(55_000); // the next poll still waits for its minute
  });

  it('serves concurrent callers of one lane in arrival order', async () => {
    const clock = virtualClock();
    const limiter = new CallLimiter(() => [{ limit: 1, perMs: 1000 }], clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => limiter.acquire('mp', 'OF24').then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
  });
});
