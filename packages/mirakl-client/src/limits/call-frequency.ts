import type { CallWindow } from './call-limiter';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Mirakl's published maximum call frequency for the operations the platform uses (seller API, "Maximum
 * usage"). Operations marked "at each event" (OR21, OR23, OR24, OR28-OR30, and ST01/ST11/ST23/ST24 "on each
 * shipment") have no fixed frequency: they are
 * limited only by 429s. OR11 is the asynchronous (polling) limit.
 */
export const MIRAKL_CALL_FREQUENCY: Readonly<Record<string, CallWindow[]>> = {
  OR11: [{ limit: 1, perMs: MINUTE }],
  OF01: [{ limit: 1, perMs: MINUTE }],
  OF02: [{ limit: 1, perMs: MINUTE }],
  OF03: [{ limit: 1, perMs: MINUTE }],
  OF24: [{ limit: 1, perMs: MINUTE }],
  STO01: [{ limit: 1, perMs: MINUTE }],
  STO02: [{ limit: 1, perMs: 15_000 }],
  STO03: [{ limit: 1, perMs: MINUTE }],
  P41: [{ limit: 1, perMs: 15 * MINUTE }],
  P42: [{ limit: 1, perMs: MINUTE }],
  SH12: [{ limit: 1, perMs: DAY }],
  SH21: [{ limit: 1, perMs: DAY }],
  // "Once per day and as many times as there are pages": next pages are continuations, not counted.
  IV01: [{ limit: 1, perMs: DAY }],
  SBC11: [{ limit: 1, perMs: DAY }],
  TL02: [
    { limit: 20, perMs: MINUTE },
    { limit: 60, perMs: HOUR },
  ],
};

/** The windows of an operation: an override (per marketplace configuration, or none in tests) or Mirakl's. */
export function miraklWindows(operation: string, overrides: Record<string, CallWindow[]> = {}): CallWindow[] {
  return overrides[operation] ?? MIRAKL_CALL_FREQUENCY[operation] ?? [];
}
