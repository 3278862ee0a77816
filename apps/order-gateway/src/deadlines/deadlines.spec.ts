import { deadlineAlerts, isAutoRefusal } from './deadlines';

const H = 3_600_000;
const t = { acceptanceAtRiskMs: 4 * H, shippingAtRiskMs: 12 * H };
const now = new Date('2026-11-27T12:00:00Z');
const at = (hours: number) => new Date(now.getTime() + hours * H);

describe('deadlineAlerts', () => {
  it('says nothing while the acceptance window is far', () => {
    expect(
      deadlineAlerts({ miraklState: 'WAITING_ACCEPTANCE', acceptBy: at(5), decisionLanded: false }, now, t),
    ).toEqual([]);
  });

  it('raises acceptance at risk inside the threshold, and missed once passed', () => {
    expect(
      deadlineAlerts({ miraklState: 'WAITING_ACCEPTANCE', acceptBy: at(3), decisionLanded: false }, now, t),
    ).toEqual(['ACCEPTANCE_AT_RISK']);
    expect(
      deadlineAlerts(
        { miraklState: 'WAITING_ACCEPTANCE', acceptBy: at(-0.1), decisionLanded: false },
        now,
        t,
      ),
    ).toEqual(['ACCEPTANCE_MISSED']);
  });

  it('does not count an acceptance whose decision already landed (Mirakl not yet re-read)', () => {
    expect(
      deadlineAlerts({ miraklState: 'WAITING_ACCEPTANCE', acceptBy: at(1), decisionLanded: true }, now, t),
    ).toEqual([]);
  });

  it('raises shipping at risk and missed only in SHIPPING', () => {
    expect(deadlineAlerts({ miraklState: 'SHIPPING', shipBy: at(11), decisionLanded: true }, now, t)).toEqual(
      ['SHIPPING_AT_RISK'],
    );
    expect(deadlineAlerts({ miraklState: 'SHIPPING', shipBy: at(-1), decisionLanded: true }, now, t)).toEqual(
      ['SHIPPING_MISSED'],
    );
    expect(deadlineAlerts({ miraklState: 'SHIPPED', shipBy: at(-1), decisionLanded: true }, now, t)).toEqual(
      [],
    );
  });

  it('tells an auto-refusal (no decision date) from a refusal of ours', () => {
    expect(isAutoRefusal({ miraklState: 'REFUSED', acceptanceDecidedAt: null })).toBe(true);
    expect(isAutoRefusal({ miraklState: 'REFUSED', acceptanceDecidedAt: '2026-11-27T10:00:00Z' })).toBe(
      false,
    );
  });
});
