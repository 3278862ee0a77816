/**
 * Errors carry a stable `code` that survives Kafka headers and HTTP bodies. What a consumer does with an error
 * is decided in one place, {@link classifyError}: transient ones are retried with back-off, permanent ones are
 * dead-lettered at once.
 */
export abstract class CodedError extends Error {
  abstract readonly kind: 'transient' | 'permanent';
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Worth trying again: a dependency is down, slow, rate-limited or a lock timed out. */
export class TransientError extends CodedError {
  readonly kind = 'transient' as const;
}

/** Retrying cannot help: the input is wrong, or the state forbids the action. */
export class PermanentError extends CodedError {
  readonly kind = 'permanent' as const;
}

export type ErrorDisposition = { action: 'retry' | 'dead-letter'; code: string; reason: string };

/** PostgreSQL SQLSTATEs that mean "try again": serialization failure, deadlock, lock timeout, connection loss. */
const TRANSIENT_SQLSTATES = new Set([
  '40001',
  '40P01',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
]);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * The one mapping from an error to what a consumer does with it. Unknown errors are retried (they may be a
 * passing fault) and, when retries run out, dead-lettered with their message: never dropped.
 */
export function classifyError(error: unknown): ErrorDisposition {
  if (error instanceof CodedError) {
    return {
      action: error.kind === 'transient' ? 'retry' : 'dead-letter',
      code: error.code,
      reason: error.message,
    };
  }
  const e = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown } };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  // TypeORM wraps the driver's error: its SQLSTATE (or Node's socket code) is the one to trust.
  const sqlState =
    typeof e?.driverError?.code === 'string' ? e.driverError.code : typeof e?.code === 'string' ? e.code : '';
  if (TRANSIENT_SQLSTATES.has(sqlState)) return { action: 'retry', code: `PG_${sqlState}`, reason: message };
  if (TRANSIENT_NODE_CODES.has(sqlState)) return { action: 'retry', code: sqlState, reason: message };
  if (/^(22|23)/.test(sqlState)) return { action: 'dead-letter', code: `PG_${sqlState}`, reason: message };
  return { action: 'retry', code: 'UNEXPECTED_ERROR', reason: message };
}
