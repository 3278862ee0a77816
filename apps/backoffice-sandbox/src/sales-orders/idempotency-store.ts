import { createHash } from 'node:crypto';
import { BackofficeError } from '../common/backoffice-error';
import { canonicalJson } from '../common/canonical-json';

/** The first answer given under a key, kept to be replayed. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

interface Entry {
  fingerprint: string;
  answer: StoredAnswer;
  expiresAt: number;
}

export interface IdempotencyStats {
  keys: number;
  replays: number;
  conflicts: number;
}

/**
 * Idempotency keys of sales order posts, kept for `ttlMs` of sandbox time (24 h by default, like most ERPs
 * and payment APIs): within it, the same key and the same body (compared as canonical JSON, so key order and
 * whitespace do not matter) replay the first answer; the same key with another body is refused. Only
 * successful posts are kept: a refused body (unknown SKU, ...) leaves the key free for a corrected retry.
 * Lookup and creation run in one synchronous step, so concurrent requests with one key create one order.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private replays = 0;
  private conflicts = 0;

  constructor(private readonly ttlMs: () => number) {}

  /** The stored answer to replay, or undefined when `create` must run; throws on a conflicting body. */
  run(
    key: string,
    body: unknown,
    now: number,
    create: () => StoredAnswer,
  ): { answer: StoredAnswer; replayed: boolean } {
    const fingerprint = createHash('sha256').update(canonicalJson(body)).digest('hex');
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) {
      if (entry.fingerprint !== fingerprint) {
        this.conflicts++;
        throw new BackofficeError(
          422,
          'idempotency_key_reused',
          `Idempotency-Key ${key} was first used with a different body; use a new key for a different sales order, or resend the original body`,
          { idempotency_key: key },
        );
      }
      this.replays++;
      return { answer: structuredClone(entry.answer), replayed: true };
    }
    const answer = create();
    this.entries.set(key, { fingerprint, answer: structuredClone(answer), expiresAt: now + this.ttlMs() });
    return { answer, replayed: false };
  }

  stats(): IdempotencyStats {
    return { keys: this.entries.size, replays: this.replays, conflicts: this.conflicts };
  }

  clear(): void {
    this.entries.clear();
    this.replays = 0;
    this.conflicts = 0;
  }
}
