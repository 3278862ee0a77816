import type { OrderSnapshot } from './mirakl-order-mapper';

/** What the order book holds of an order before a poll brings a newer version. */
export interface KnownOrder {
  miraklState: string;
  miraklUpdatedAt: Date;
  receivedPublished: boolean;
  decisionPublished: boolean;
  released: boolean;
  cancelledLineIds: readonly string[];
  /** Lines whose incident (INCIDENT_OPEN) was already published. */
  incidentLineIds: readonly string[];
}

/** What must happen, in this order, because a poll saw `next` (all in one transaction with the book's update). */
export interface Transition {
  /** The version is new (not seen with this `last_updated_date`); false: a repeat from the overlap or a page shift. */
  fresh: boolean;
  stateChanged: boolean;
  fromState?: string;
  publishReceived: boolean;
  /** Mirakl refused the order on its clock (no decision landed in time): publish the refusal (MARKETPLACE_TIMEOUT). */
  publishAutoRefusal: boolean;
  publishReadyForFulfilment: boolean;
  /** Lines newly cancelled (their reservations are released by the reservation owner). */
  cancelledLineIds: string[];
  cancelledBy?: 'MARKETPLACE' | 'DEBIT_FAILED';
  /** Lines newly in INCIDENT_OPEN (a customer claim). */
  incidentLineIds: string[];
}

/** States at or after SHIPPING: the marketplace's fraud and debit checks are done. */
export const RELEASABLE_STATES = new Set(['SHIPPING', 'SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);
const DEBIT_STATES = new Set(['WAITING_DEBIT', 'WAITING_DEBIT_PAYMENT']);
const NOT_FULFILLED_LINE_STATES = new Set(['REFUSED', 'CANCELED']);

/**
 * The effects of seeing `next` for an order the book knows as `known` (undefined: first sight). Pure: the
 * poller applies it. Every publish is guarded by the book's marks, so a fact is published once per order even
 * when Mirakl repeats an order (overlap margin, shifted pages) or a later version skips a state.
 */
export function transitionOf(
  known: KnownOrder | undefined,
  next: OrderSnapshot & { acceptanceDecidedAt?: string | null },
): Transition {
  const updatedAt = new Date(next.miraklUpdatedAt);
  const fresh = !known || updatedAt.getTime() > known.miraklUpdatedAt.getTime();
  const none: Transition = {
    fresh: false,
    stateChanged: false,
    publishReceived: false,
    publishAutoRefusal: false,
    publishReadyForFulfilment: false,
    cancelledLineIds: [],
    incidentLineIds: [],
  };
  if (!fresh) return none;
  const state = next.miraklState;
  const stateChanged = !known || known.miraklState !== state;
  const publishReceived = state === 'WAITING_ACCEPTANCE' && !known?.receivedPublished;
  const publishAutoRefusal = state === 'REFUSED' && !next.acceptanceDecidedAt && !known?.decisionPublished;
  const publishReadyForFulfilment =
    RELEASABLE_STATES.has(state) &&
    !known?.released &&
    next.lines.some((l) => !NOT_FULFILLED_LINE_STATES.has(l.miraklState));

  const already = new Set(known?.cancelledLineIds ?? []);
  const cancelled =
    state === 'CANCELED'
      ? next.lines.filter((l) => l.miraklState !== 'REFUSED')
      : next.lines.filter((l) => l.miraklState === 'CANCELED');
  const cancelledLineIds = cancelled.map((l) => l.lineId).filter((id) => !already.has(id));
  const incidentsKnown = new Set(known?.incidentLineIds ?? []);
  const incidentLineIds = next.lines
    .filter((l) => l.miraklState === 'INCIDENT_OPEN' && !incidentsKnown.has(l.lineId))
    .map((l) => l.lineId);
  return {
    fresh,
    stateChanged,
    fromState: known?.miraklState,
    publishReceived,
    publishAutoRefusal,
    publishReadyForFulfilment,
    cancelledLineIds,
    incidentLineIds,
    ...(cancelledLineIds.length > 0
      ? {
          cancelledBy: debitFailed(known, next) ? 'DEBIT_FAILED' : 'MARKETPLACE',
        }
      : {}),
  };
}

/**
 * An accepted order cancelled before it ever reached SHIPPING: the customer's debit failed (Mirakl cancels it
 * after WAITING_DEBIT_PAYMENT). Polls may not have seen the debit states themselves, hence the decision date.
 */
function debitFailed(
  known: KnownOrder | undefined,
  next: { miraklState: string; acceptanceDecidedAt?: string | null },
): boolean {
  if (next.miraklState !== 'CANCELED' || known?.released) return false;
  return (known !== undefined && DEBIT_STATES.has(known.miraklState)) || !!next.acceptanceDecidedAt;
}

/** The lines the ERP fulfils: those neither refused nor cancelled. */
export function fulfillableLines<L extends { miraklState: string }>(lines: readonly L[]): L[] {
  return lines.filter((l) => !NOT_FULFILLED_LINE_STATES.has(l.miraklState));
}
