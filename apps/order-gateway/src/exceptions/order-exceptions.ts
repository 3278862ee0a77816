import type { ExceptionRaised, ExceptionResolved } from '@seller-bridge/contracts';
import { orderKey } from '@seller-bridge/contracts';
import { REASONS, type ReasonCode } from './reason-codes';

export interface ExceptionSubject {
  marketplace: string;
  orderId: string;
  lineId?: string;
  sku?: string;
}

/**
 * The stable id of an exception: the same cause on the same order (line) always has the same id, so raising it
 * twice (a redelivered event, a restarted loop) is harmless downstream.
 */
export function exceptionId(type: ReasonCode, s: ExceptionSubject): string {
  return `order-gateway:${type}:${orderKey(s)}${s.lineId ? `:${s.lineId}` : ''}`;
}

/** The `ops.exception.raised.v1` payload for a reason code about an order (line). */
export function orderException(
  type: ReasonCode,
  s: ExceptionSubject,
  service: string,
  at: Date,
  detail?: string,
): ExceptionRaised {
  const r = REASONS[type];
  return {
    exceptionId: exceptionId(type, s),
    type,
    owner: r.owner,
    service,
    marketplace: s.marketplace,
    entities: [
      { kind: 'order', id: orderKey(s) },
      ...(s.lineId ? [{ kind: 'order-line', id: s.lineId }] : []),
      ...(s.sku ? [{ kind: 'sku', id: s.sku }] : []),
    ],
    reason: detail ? `${r.reason} ${detail}` : r.reason,
    resolution: r.resolution,
    raisedAt: at.toISOString(),
  };
}

export function orderExceptionResolved(
  type: ReasonCode,
  s: ExceptionSubject,
  service: string,
  how: string,
  at: Date,
): ExceptionResolved {
  return { exceptionId: exceptionId(type, s), type, service, how, resolvedAt: at.toISOString() };
}
