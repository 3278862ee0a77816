import { Inject, Injectable } from '@nestjs/common';
import { Topics, type ExceptionEntity, type ExceptionOwner } from '@seller-bridge/contracts';
import { CLOCK, OutboxWriter, type Clock } from '@seller-bridge/service-kit';
import type { EntityManager } from 'typeorm';
import { returnedRows } from '../database/rows';

export interface RaiseException {
  exceptionId: string;
  type: string;
  owner: ExceptionOwner;
  marketplace?: string;
  entities: ExceptionEntity[];
  reason: string;
  resolution: string;
}

/**
 * Exceptions for people (ops.exception.raised / resolved), once per cause: the same id raised twice while open
 * emits nothing; resolving an open one emits `resolved` once. Runs in the caller's transaction (outbox).
 */
@Injectable()
export class ExceptionLog {
  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async raise(m: EntityManager, e: RaiseException): Promise<boolean> {
    const now = this.clock.now();
    const rows = returnedRows(
      await m.query(
        `INSERT INTO fb_exception (exception_id, type, open, raised_at) VALUES ($1, $2, true, $3)
       ON CONFLICT (exception_id) DO UPDATE SET open = true, raised_at = EXCLUDED.raised_at, resolved_at = NULL
         WHERE NOT fb_exception.open
       RETURNING exception_id`,
        [e.exceptionId, e.type, now],
      ),
    );
    if (rows.length === 0) return false;
    await this.outbox.emit(m, Topics.exceptionRaised, {
      ...e,
      service: 'fulfilment-bridge',
      raisedAt: now.toISOString(),
    });
    return true;
  }

  async resolve(m: EntityManager, exceptionId: string, type: string, how: string): Promise<boolean> {
    const now = this.clock.now();
    const rows = returnedRows(
      await m.query(
        `UPDATE fb_exception SET open = false, resolved_at = $2 WHERE exception_id = $1 AND open RETURNING exception_id`,
        [exceptionId, now],
      ),
    );
    if (rows.length === 0) return false;
    await this.outbox.emit(
      m,
      Topics.exceptionResolved,
      { exceptionId, type, service: 'fulfilment-bridge', how, resolvedAt: now.toISOString() },
      { marketplace: exceptionId.split(':')[1] },
    );
    return true;
  }
}
