export interface SandboxClockOptions {
  /** Sandbox time at construction (default: the real time). */
  startAt?: number;
  /** Does time move with the real time between admin jumps? (default true; tests may freeze it) */
  followRealTime?: boolean;
}

/** The back office's time: starts at the real time, moves with it, and jumps forward when told to. */
export class SandboxClock {
  private readonly realStart = Date.now();
  private readonly startAt: number;
  private readonly followRealTime: boolean;
  private offsetMs = 0;

  constructor(options: SandboxClockOptions = {}) {
    this.startAt = options.startAt ?? this.realStart;
    this.followRealTime = options.followRealTime ?? true;
  }

  now(): number {
    return this.startAt + (this.followRealTime ? Date.now() - this.realStart : 0) + this.offsetMs;
  }

  /** Moves time forward (never back): pick delays and consumption by other channels pass at once. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
}
