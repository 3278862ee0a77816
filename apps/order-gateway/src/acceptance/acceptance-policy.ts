import type { LineDecision } from '@seller-bridge/contracts';
import type { AcceptancePolicy } from '../config/order-gateway.config';
import type { LineVerdict } from '../validation/line-validation';

export interface PolicySettings {
  acceptancePolicy: AcceptancePolicy;
  partialAcceptance: boolean;
}

export interface Decision {
  lines: LineDecision[];
  /** At least one line is accepted (else the order is refused as a whole). */
  accepts: boolean;
  /** The decision may go out now, or waits for the ERP's sales order (AFTER_ERP_CONFIRMATION). */
  status: 'pending' | 'waiting-erp';
}

/**
 * The decision on an order from its lines' verdicts. Where the marketplace allows partial acceptance, each line
 * stands alone; where it does not, one refused line refuses them all (the others with WHOLE_ORDER_REFUSED).
 * Under AFTER_ERP_CONFIRMATION an acceptance waits for the ERP's sales order; a refusal never waits (nothing to
 * confirm, and the window keeps running).
 */
export function decide(verdicts: readonly LineVerdict[], s: PolicySettings, erpConfirmed: boolean): Decision {
  const failing = verdicts.filter((v) => v.failures.length > 0);
  const whole = !s.partialAcceptance && failing.length > 0;
  const lines: LineDecision[] = verdicts.map((v) => {
    if (v.failures.length > 0) {
      const [first] = v.failures;
      return {
        lineId: v.lineId,
        sku: v.sku,
        decision: 'REFUSE',
        reasonCode: first.code,
        reason: v.failures.map((f) => `${f.code}: ${f.detail}`).join('; '),
      };
    }
    if (whole)
      return {
        lineId: v.lineId,
        sku: v.sku,
        decision: 'REFUSE',
        reasonCode: 'WHOLE_ORDER_REFUSED',
        reason: `partial acceptance is not allowed; refused with line ${failing[0].lineId} (${failing[0].failures[0].code})`,
      };
    return { lineId: v.lineId, sku: v.sku, decision: 'ACCEPT' };
  });
  const accepts = lines.some((l) => l.decision === 'ACCEPT');
  const waits = accepts && s.acceptancePolicy === 'AFTER_ERP_CONFIRMATION' && !erpConfirmed;
  return { lines, accepts, status: waits ? 'waiting-erp' : 'pending' };
}
