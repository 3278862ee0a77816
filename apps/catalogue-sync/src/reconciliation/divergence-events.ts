import {
  Topics,
  type CatalogueDivergence,
  type ExceptionOwner,
  type ExceptionRaised,
  type ExceptionResolved,
} from '@seller-bridge/contracts';
import type { PendingEvent } from '@seller-bridge/service-kit';
import type { DivergenceKind, Finding } from './offer-comparison';

/** Exception types raised by reconciliation (stable codes: the monitor and the runbook key on them). */
export const DivergenceExceptionType: Record<DivergenceKind, string> = {
  quantity: 'OFFER_QUANTITY_DIVERGED',
  price: 'OFFER_PRICE_DIVERGED',
  'missing-offer': 'OFFER_NOT_ON_MARKETPLACE',
  'extra-offer': 'OFFER_NOT_IN_CATALOGUE',
};

const OWNER: Record<DivergenceKind, ExceptionOwner> = {
  quantity: 'integration',
  price: 'ecommerce',
  'missing-offer': 'ecommerce',
  'extra-offer': 'ecommerce',
};

/** An event reconciliation records in the outbox. */
export type DivergenceEvent =
  PendingEvent<CatalogueDivergence> | PendingEvent<ExceptionRaised> | PendingEvent<ExceptionResolved>;

/** One id per marketplace, SKU and kind: raising it again is harmless, and the correction resolves it. */
export const divergenceExceptionId = (marketplace: string, sku: string, kind: DivergenceKind) =>
  `catalogue-sync:reconcile:${kind}:${marketplace}:${sku}`;

function words(kind: DivergenceKind, mp: string, sku: string, f: Finding) {
  switch (kind) {
    case 'quantity':
      return {
        reason:
          `${mp} shows ${f.found} unit(s) of ${sku}, but ${f.expected} should be published` +
          `${f.detail ? ` (${f.detail})` : ''}, with no stock push pending that explains it.`,
        resolution:
          'A stock push of the SKU was queued (STO01); this resolves when a later reconciliation finds the ' +
          'quantity right. If it comes back, something else writes stock to this shop (another tool, a manual ' +
          'edit in Mirakl): find it and stop it.',
      };
    case 'price':
      return {
        reason: `${mp} sells ${sku} at ${f.found}; the product master says ${f.expected}.`,
        resolution:
          'The complete offer was queued again (OF24, price from the product master); this resolves when a ' +
          'later reconciliation finds the price right. If it comes back, a price or discount is being set in ' +
          "Mirakl's back office: set prices in the back office (PIM) instead.",
      };
    case 'missing-offer':
      return {
        reason: `${mp} accepted the product ${sku}, which is active, but has no offer for it: it cannot be sold there.`,
        resolution:
          'The offer was queued again (OF24); this resolves when a later reconciliation finds it. If it does ' +
          'not, look for an OFFER_REJECTED exception of the SKU (Mirakl says why) or an offer deleted in Mirakl.',
      };
    case 'extra-offer':
      return {
        reason: `${mp} has an offer for ${sku} that should not be on sale: expected ${f.expected}, found ${f.found}.`,
        resolution:
          'Nothing is deleted automatically. Decide in the back office: reactivate or create the product, or ' +
          "delete the offer (or set its quantity to 0) in Mirakl's back office. This resolves when a later " +
          'reconciliation no longer finds it.',
      };
  }
}

/** The divergence event and the exception raised with it. */
export function openedEvents(
  service: string,
  marketplace: string,
  sku: string,
  f: Finding,
  at: Date,
): DivergenceEvent[] {
  const divergence: CatalogueDivergence = {
    sku,
    marketplace,
    kind: f.kind,
    expected: f.expected,
    found: f.found,
    status: 'open',
    at: at.toISOString(),
  };
  const exception: ExceptionRaised = {
    exceptionId: divergenceExceptionId(marketplace, sku, f.kind),
    type: DivergenceExceptionType[f.kind],
    owner: OWNER[f.kind],
    service,
    marketplace,
    entities: [
      { kind: 'sku', id: sku },
      { kind: 'marketplace', id: marketplace },
    ],
    ...words(f.kind, marketplace, sku, f),
    raisedAt: at.toISOString(),
  };
  return [
    { topic: Topics.catalogueDivergence, payload: divergence, meta: { marketplace } },
    { topic: Topics.exceptionRaised, payload: exception, meta: { marketplace } },
  ];
}

/** The divergence event (status corrected) and the exception's resolution. */
export function correctedEvents(
  service: string,
  marketplace: string,
  sku: string,
  kind: DivergenceKind,
  now: { expected?: string; found?: string },
  how: string,
  at: Date,
): DivergenceEvent[] {
  const divergence: CatalogueDivergence = {
    sku,
    marketplace,
    kind,
    ...now,
    status: 'corrected',
    at: at.toISOString(),
  };
  const resolved: ExceptionResolved = {
    exceptionId: divergenceExceptionId(marketplace, sku, kind),
    type: DivergenceExceptionType[kind],
    service,
    how,
    resolvedAt: at.toISOString(),
  };
  return [
    { topic: Topics.catalogueDivergence, payload: divergence, meta: { marketplace } },
    { topic: Topics.exceptionResolved, payload: resolved, meta: { marketplace } },
  ];
}
