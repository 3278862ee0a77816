export type DeadlineAlert =
  'ACCEPTANCE_AT_RISK' | 'ACCEPTANCE_MISSED' | 'SHIPPING_AT_RISK' | 'SHIPPING_MISSED';

export interface DeadlineView {
  miraklState: string;
  acceptBy?: Date;
  shipBy?: Date;
  /** Our decision has landed on Mirakl (OR21 answered, or read back as decided). */
  decisionLanded: boolean;
}

export interface DeadlineThresholds {
  acceptanceAtRiskMs: number;
  shippingAtRiskMs: number;
}

const AWAITING_ACCEPTANCE = new Set(['STAGING', 'WAITING_ACCEPTANCE']);

/**
 * The deadline alerts that hold for an order at `now` (at most one per deadline: "missed" replaces "at risk").
 * Acceptance counts while Mirakl waits for a decision and ours has not landed; shipping while the order is in
 * SHIPPING (Mirakl sets `shipping_deadline` once the customer is debited).
 */
export function deadlineAlerts(o: DeadlineView, now: Date, t: DeadlineThresholds): DeadlineAlert[] {
  const out: DeadlineAlert[] = [];
  const at = now.getTime();
  if (AWAITING_ACCEPTANCE.has(o.miraklState) && !o.decisionLanded && o.acceptBy) {
    const left = o.acceptBy.getTime() - at;
    if (left <= 0) out.push('ACCEPTANCE_MISSED');
    else if (left <= t.acceptanceAtRiskMs) out.push('ACCEPTANCE_AT_RISK');
  }
  if (o.miraklState === 'SHIPPING' && o.shipBy) {
    const left = o.shipBy.getTime() - at;
    if (left <= 0) out.push('SHIPPING_MISSED');
    else if (left <= t.shippingAtRiskMs) out.push('SHIPPING_AT_RISK');
  }
  return out;
}

/** Mirakl auto-refused the order: REFUSED without an acceptance decision date (the window passed). */
export function isAutoRefusal(o: { miraklState: string; acceptanceDecidedAt?: string | null }): boolean {
  return o.miraklState === 'REFUSED' && !o.acceptanceDecidedAt;
}
