import { decide } from './acceptance-policy';
import type { LineVerdict } from '../validation/line-validation';

const ok = (lineId: string): LineVerdict => ({ lineId, sku: `S-${lineId}`, failures: [] });
const bad = (lineId: string, code: 'NO_STOCK' | 'UNKNOWN_SKU' = 'NO_STOCK'): LineVerdict => ({
  lineId,
  sku: `S-${lineId}`,
  failures: [{ code, detail: 'x' }],
});

describe('decide', () => {
  const onValidation = { acceptancePolicy: 'ON_VALIDATION' as const, partialAcceptance: true };

  it('accepts good lines and refuses bad ones where partial acceptance is allowed', () => {
    const d = decide([ok('1'), bad('2', 'UNKNOWN_SKU')], onValidation, false);
    expect(d.lines.map((l) => [l.decision, l.reasonCode])).toEqual([
      ['ACCEPT', undefined],
      ['REFUSE', 'UNKNOWN_SKU'],
    ]);
    expect(d).toMatchObject({ accepts: true, status: 'pending' });
  });

  it('refuses the whole order when partial acceptance is not allowed', () => {
    const d = decide([ok('1'), bad('2')], { ...onValidation, partialAcceptance: false }, false);
    expect(d.lines.map((l) => [l.decision, l.reasonCode])).toEqual([
      ['REFUSE', 'WHOLE_ORDER_REFUSED'],
      ['REFUSE', 'NO_STOCK'],
    ]);
    expect(d.accepts).toBe(false);
  });

  it('accepts a clean order whole even without partial acceptance', () => {
    const d = decide([ok('1'), ok('2')], { ...onValidation, partialAcceptance: false }, false);
    expect(d.lines.every((l) => l.decision === 'ACCEPT')).toBe(true);
  });

  it('makes an acceptance wait for the ERP under AFTER_ERP_CONFIRMATION, and not once confirmed', () => {
    const policy = { acceptancePolicy: 'AFTER_ERP_CONFIRMATION' as const, partialAcceptance: true };
    expect(decide([ok('1')], policy, false).status).toBe('waiting-erp');
    expect(decide([ok('1')], policy, true).status).toBe('pending');
  });

  it('never makes a refusal wait for the ERP', () => {
    const policy = { acceptancePolicy: 'AFTER_ERP_CONFIRMATION' as const, partialAcceptance: true };
    expect(decide([bad('1')], policy, false).status).toBe('pending');
  });
});
