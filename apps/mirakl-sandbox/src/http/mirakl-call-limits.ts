import type { Faults } from './sandbox-server';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Mirakl's published maximum call frequencies ("Maximum usage", `../shared/mirakl/call_frequency.txt`) as the
 * sandbox enforces them: over the limit, 429 with `Retry-After`. The client keeps its own copy of the same
 * facts (`packages/mirakl-client/src/limits/call-frequency.ts`): the two sides of one contract, each written
 * from the source. Operations "at each event" (OR21, OR23, OR24, OR28-OR30, OF21, P44, and the multi-shipment ST01, ST11, ST23,
 * ST24: "on each new shipment", "at each shipment page display") have no fixed limit; faults can still put
 * one on them.
 * TL02's second window (60 an hour) is not modelled here: one window per operation.
 */
export const MIRAKL_CALL_LIMITS: Faults['rateLimits'] = {
  OR11: { limit: 1, perMs: MINUTE },
  OF01: { limit: 1, perMs: MINUTE },
  OF02: { limit: 1, perMs: MINUTE },
  OF03: { limit: 1, perMs: MINUTE },
  OF24: { limit: 1, perMs: MINUTE },
  STO01: { limit: 1, perMs: MINUTE },
  STO02: { limit: 1, perMs: 15_000 },
  STO03: { limit: 1, perMs: MINUTE },
  P41: { limit: 1, perMs: 15 * MINUTE },
  P42: { limit: 1, perMs: MINUTE },
  SH12: { limit: 1, perMs: DAY },
  SH21: { limit: 1, perMs: DAY },
  TL02: { limit: 20, perMs: MINUTE },
  IV01: { limit: 1, perMs: DAY },
  SBC11: { limit: 1, perMs: DAY },
};
