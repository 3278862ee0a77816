/** Back-off of attempt `n` (from 1): base × 2^(n-1), capped, with equal jitter (half to all of it). */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  return Math.round(full / 2 + (random() * full) / 2);
}
