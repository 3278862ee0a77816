import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type ExceptionOwner,
  type ExceptionRaised,
  type ExceptionResolved,
} from '@seller-bridge/contracts';
import type { OutboxWriter, PendingEvent } from '@seller-bridge/service-kit';

/** Exception types raised by catalogue publishing (stable codes: the monitor and its runbooks key on them). */
export const CatalogueExceptionType = {
  unmappedCategory: 'UNMAPPED_CATEGORY',
  productRejected: 'PRODUCT_REJECTED',
  offerRejected: 'OFFER_REJECTED',
  productImportFailed: 'PRODUCT_IMPORT_FAILED',
  offerImportFailed: 'OFFER_IMPORT_FAILED',
} as const;
export type CatalogueExceptionType = (typeof CatalogueExceptionType)[keyof typeof CatalogueExceptionType];

/**
 * Mirakl's reason without what changes from one file to the next: the sandbox and some operators prefix the
 * line number (`12: The EAN … is invalid`), which would give the same cause a new exception id every time.
 */
export function normaliseReason(message: string): string {
  const text = message.replace(/^\s*(line\s*)?\d+\s*[:-]\s*/i, '').trim();
  return text.length > 0 ? text : 'no reason given by Mirakl';
}

/** A stable exception id: the same cause (type, marketplace, entity, reason) always gives the same id. */
export function exceptionId(
  type: CatalogueExceptionType,
  marketplace: string,
  entity: string,
  reason?: string,
): string {
  const suffix = reason ? `:${createHash('sha256').update(reason).digest('hex').slice(0, 12)}` : '';
  return `catalogue-sync:${type}:${marketplace}:${entity}${suffix}`;
}

/** An exception event to record in the outbox. */
export type ExceptionEvent = PendingEvent<ExceptionRaised> | PendingEvent<ExceptionResolved>;

export interface RaisedException {
  exceptionId: string;
  type: CatalogueExceptionType;
  owner: ExceptionOwner;
  marketplace: string;
  entities: { kind: string; id: string }[];
  reason: string;
  resolution: string;
}

/** Builds exception events for the outbox (raised and resolved in the transaction that decides them). */
export class CatalogueExceptions {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly service: string,
  ) {}

  raised(e: RaisedException, at: Date): PendingEvent<ExceptionRaised> {
    return {
      topic: Topics.exceptionRaised,
      payload: { ...e, service: this.service, raisedAt: at.toISOString() },
      meta: { marketplace: e.marketplace },
    };
  }

  resolved(
    id: string,
    type: string,
    marketplace: string,
    how: string,
    at: Date,
  ): PendingEvent<ExceptionResolved> {
    return {
      topic: Topics.exceptionResolved,
      payload: { exceptionId: id, type, service: this.service, how, resolvedAt: at.toISOString() },
      meta: { marketplace },
    };
  }

  async emit(m: EntityManager, events: ExceptionEvent[]): Promise<void> {
    if (events.length > 0) await this.outbox.emitMany(m, events);
  }
}
