import { retryDelayMs } from './retry-backoff';

describe(retryDelayMs.name, () => {
  it('stays between half and all of the exponential ceiling for every attempt', () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ceiling = 200 * 2 ** (attempt - 1);
      for (let i = 0; i < 200; i++) {
        const delay = retryDelayMs(attempt, 200, 1_000_000);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('waits half the ceiling when random gives 0 and all of it when random gives 1', () => {
    expect(retryDelayMs(1, 200, 10_000, () => 0)).toBe(100);
    expect(retryDelayMs(1, 200, 10_000, () => 1)).toBe(200);
    expect(retryDelayMs(3, 200, 10_000, () => 0)).toBe(400);
    expect(retryDelayMs(3, 200, 10_000, () => 1)).toBe(800);
    expect(retryDelayMs(3, 200, 10_000, () => 0.5)).toBe(600);
  });

  it('doubles the ceiling on each attempt', () => {
    const full = [1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 100, 1_000_000, () => 1));
    expect(full).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds maxMs however many attempts were made', () => {
    expect(retryDelayMs(10, 200, 10_000, () => 1)).toBe(10_000);
    expect(retryDelayMs(10, 200, 10_000, () => 0)).toBe(5_000);
    expect(retryDelayMs(5_000, 200, 10_000, () => 1)).toBe(10_000);
  });

  it('treats attempt 0 or below like the first retry', () => {
    expect(retryDelayMs(0, 200, 10_000, () => 1)).toBe(200);
    expect(retryDelayMs(-3, 200, 10_000, () => 1)).toBe(200);
  });
});
