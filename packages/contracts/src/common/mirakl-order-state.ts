/**
 * Mirakl order states as documented. Events carry Mirakl's state as a plain string so that a state Mirakl
 * adds later does not make an event invalid; use {@link knownMiraklOrderState} to branch on it safely.
 */
export const MIRAKL_ORDER_STATES = [
  'STAGING',
  'WAITING_ACCEPTANCE',
  'WAITING_DEBIT',
  'WAITING_DEBIT_PAYMENT',
  'SHIPPING',
  'SHIPPED',
  'TO_COLLECT',
  'RECEIVED',
  'CLOSED',
  'REFUSED',
  'CANCELED',
  'INCIDENT_OPEN',
  'REFUNDED',
] as const;

export type MiraklOrderState = (typeof MIRAKL_ORDER_STATES)[number];

/** The state if Mirakl documents it, otherwise `UNKNOWN` (report it; do not crash). */
export function knownMiraklOrderState(state: string): MiraklOrderState | 'UNKNOWN' {
  return (MIRAKL_ORDER_STATES as readonly string[]).includes(state) ? (state as MiraklOrderState) : 'UNKNOWN';
}
