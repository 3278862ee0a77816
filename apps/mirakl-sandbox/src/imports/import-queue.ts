import { createHash } from 'node:crypto';
import type { SandboxClock } from '../sandbox-clock';

/** A line of an import file that Mirakl refuses, with its reason: it goes to the error report. */
export class ImportLineError extends Error {}

export type ImportKind = 'offers' | 'stock' | 'products';

/** The outcome of processing one import: per-line errors (1-based line numbers of the data rows). */
export interface ImportOutcome {
  linesRead: number;
  errors: { line: number; message: string; row: Record<string, string> }[];
  /** Counts specific to the kind (offer_inserted, offer_updated…). */
  counts: Record<string, number>;
  /** The columns of the report (the file's own, in order). */
  columns: string[];
  /** Set when the whole file was rejected (FAILED). */
  failure?: string;
}

export interface ImportRecord {
  id: number;
  kind: ImportKind;
  marketplace: string;
  mode: string;
  createdAt: number;
  status: 'WAITING' | 'RUNNING' | 'COMPLETE' | 'FAILED';
  outcome?: ImportOutcome;
  /** Content hash: a second identical offer import while the first waits gets the first's id (OF01/OF24). */
  hash: string;
  process: () => ImportOutcome;
  /** When it left WAITING and when it finished (the clock's time). */
  startedAt?: number;
  doneAt?: number;
}

/**
 * Mirakl's imports are asynchronous: OF01/OF24/STO01/P41 answer 201 with an id at once; the file waits,
 * runs, then completes (with line counts and an error report) or fails. Here the stages follow the sandbox
 * clock: `waitMs` in WAITING, `runMs` in RUNNING, and the effect applies when RUNNING ends.
 */
export class ImportQueue {
  private readonly imports = new Map<number, ImportRecord>();
  private seq = 0;
  /** Per marketplace: how long an import waits and runs (admin: `PUT …/imports`). */
  readonly timing = new Map<string, { waitMs: number; runMs: number }>();

  constructor(
    private readonly clock: SandboxClock,
    firstId = 1000,
  ) {
    this.seq = firstId;
  }

  submit(
    marketplace: string,
    kind: ImportKind,
    mode: string,
    content: Buffer | string,
    process: () => ImportOutcome,
  ): ImportRecord {
    this.settle();
    const hash = createHash('sha256').update(`${kind}\n${mode}\n`).update(content).digest('hex');
    // OF01/OF24 document it: "If Mirakl detects a duplicate import request, the API will return the import_id
    // of the existing import". STO01 and P41 document nothing of the kind: every request is a new import.
    if (kind === 'offers') {
      for (const r of this.imports.values()) {
        if (r.marketplace === marketplace && r.hash === hash && r.status === 'WAITING') return r;
      }
    }
    const record: ImportRecord = {
      id: ++this.seq,
      kind,
      marketplace,
      mode,
      createdAt: this.clock.now(),
      status: 'WAITING',
      hash,
      process,
    };
    this.imports.set(record.id, record);
    this.settle();
    return record;
  }

  get(marketplace: string, kind: ImportKind, id: number): ImportRecord | undefined {
    this.settle();
    const r = this.imports.get(id);
    return r && r.marketplace === marketplace && r.kind === kind ? r : undefined;
  }

  all(marketplace: string): ImportRecord[] {
    this.settle();
    return [...this.imports.values()].filter((r) => r.marketplace === marketplace);
  }

  /** Moves imports along the clock; one shop's imports run one after the other, in submission order. */
  settle(): void {
    const now = this.clock.now();
    const freeAt = new Map<string, number>();
    const busy = new Set<string>();
    for (const r of this.imports.values()) {
      if (r.doneAt !== undefined) {
        freeAt.set(r.marketplace, Math.max(freeAt.get(r.marketplace) ?? 0, r.doneAt));
        continue;
      }
      if (busy.has(r.marketplace)) continue;
      const { waitMs, runMs } = this.timing.get(r.marketplace) ?? { waitMs: 1_000, runMs: 1_000 };
      const start = Math.max(r.createdAt + waitMs, freeAt.get(r.marketplace) ?? 0);
      if (now >= start) {
        r.status = 'RUNNING';
        r.startedAt = start;
      }
      if (now >= start + runMs) {
        r.outcome = r.process();
        r.status = r.outcome.failure ? 'FAILED' : 'COMPLETE';
        r.doneAt = start + runMs;
        freeAt.set(r.marketplace, r.doneAt);
      } else busy.add(r.marketplace);
    }
  }
}
