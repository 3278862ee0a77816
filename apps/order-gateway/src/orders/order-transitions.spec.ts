import type { OrderSnapshot } from './mirakl-order-mapper';
import { transitionOf, type KnownOrder } from './order-transitions';

const snap = (state: string, updated: string, lineStates: string[] = [state]): OrderSnapshot => ({
  marketplace: 'decathlon-fr',
  orderId: 'O-1',
  miraklState: state,
  currency: 'EUR',
  createdAt: '2026-11-27T10:00:00.000Z',
  miraklUpdatedAt: updated,
  deadlines: {},
  customer: { marketplaceCustomerId: 'C-1' },
  lines: lineStates.map((s, i) => ({
    lineId: `O-1-${i + 1}`,
    sku: 'A',
    quantity: 1,
    unitPrice: { amountMinor: 100, currency: 'EUR' },
    price: { amountMinor: 100, currency: 'EUR' },
    shippingPrice: { amountMinor: 0, currency: 'EUR' },
    taxes: [],
    shippingTaxes: [],
    charges: [],
    miraklState: s,
  })),
  totalPrice: { amountMinor: 100, currency: 'EUR' },
});
const known = (state: string, updated: string, marks: Partial<KnownOrder> = {}): KnownOrder => ({
  miraklState: state,
  miraklUpdatedAt: new Date(updated),
  receivedPublished: false,
  decisionPublished: false,
  released: false,
  cancelledLineIds: [],
  incidentLineIds: [],
  ...marks,
});

describe('transitionOf', () => {
  it('publishes received on first sight in WAITING_ACCEPTANCE', () => {
    const t = transitionOf(undefined, snap('WAITING_ACCEPTANCE', '2026-11-27T10:00:00Z'));
    expect(t).toMatchObject({ fresh: true, publishReceived: true, stateChanged: true });
  });

  it('ignores the same version seen again (overlap, page shift)', () => {
    const k = known('WAITING_ACCEPTANCE', '2026-11-27T10:00:00Z', { receivedPublished: true });
    expect(transitionOf(k, snap('WAITING_ACCEPTANCE', '2026-11-27T10:00:00Z')).fresh).toBe(false);
    expect(transitionOf(k, snap('WAITING_ACCEPTANCE', '2026-11-27T09:00:00Z')).fresh).toBe(false);
  });

  it('waits for WAITING_ACCEPTANCE before publishing received (STAGING: fraud checks)', () => {
    expect(transitionOf(undefined, snap('STAGING', '2026-11-27T10:00:00Z')).publishReceived).toBe(false);
    const t = transitionOf(
      known('STAGING', '2026-11-27T10:00:00Z'),
      snap('WAITING_ACCEPTANCE', '2026-11-27T10:01:00Z'),
    );
    expect(t.publishReceived).toBe(true);
  });

  it('releases at SHIPPING once, and not before', () => {
    const debit = transitionOf(
      known('WAITING_DEBIT', '2026-11-27T10:00:00Z'),
      snap('WAITING_DEBIT_PAYMENT', '2026-11-27T10:01:00Z'),
    );
    expect(debit.publishReadyForFulfilment).toBe(false);
    const shipping = transitionOf(
      known('WAITING_DEBIT_PAYMENT', '2026-11-27T10:01:00Z'),
      snap('SHIPPING', '2026-11-27T10:02:00Z'),
    );
    expect(shipping.publishReadyForFulfilment).toBe(true);
    const again = transitionOf(
      known('SHIPPING', '2026-11-27T10:02:00Z', { released: true }),
      snap('SHIPPED', '2026-11-27T10:03:00Z'),
    );
    expect(again.publishReadyForFulfilment).toBe(false);
  });

  it('releases an order first seen past SHIPPING (the state was skipped between polls)', () => {
    expect(
      transitionOf(known('WAITING_DEBIT', '2026-11-27T10:00:00Z'), snap('SHIPPED', '2026-11-27T11:00:00Z'))
        .publishReadyForFulfilment,
    ).toBe(true);
  });

  it('publishes the marketplace refusal on the clock only when no decision date is set', () => {
    const auto = transitionOf(known('WAITING_ACCEPTANCE', '2026-11-27T10:00:00Z'), {
      ...snap('REFUSED', '2026-11-28T10:00:00Z'),
      acceptanceDecidedAt: null,
    });
    expect(auto.publishAutoRefusal).toBe(true);
    const ours = transitionOf(known('WAITING_ACCEPTANCE', '2026-11-27T10:00:00Z'), {
      ...snap('REFUSED', '2026-11-27T10:05:00Z'),
      acceptanceDecidedAt: '2026-11-27T10:05:00Z',
    });
    expect(ours.publishAutoRefusal).toBe(false);
  });

  it('cancels the lines not refused, once, and names a failed debit', () => {
    const t = transitionOf(
      known('WAITING_DEBIT_PAYMENT', '2026-11-27T10:00:00Z'),
      snap('CANCELED', '2026-11-29T10:00:00Z', ['CANCELED', 'REFUSED']),
    );
    expect(t).toMatchObject({ cancelledLineIds: ['O-1-1'], cancelledBy: 'DEBIT_FAILED' });
    const again = transitionOf(
      known('CANCELED', '2026-11-29T10:00:00Z', { cancelledLineIds: ['O-1-1'] }),
      snap('CANCELED', '2026-11-29T11:00:00Z', ['CANCELED', 'REFUSED']),
    );
    expect(again.cancelledLineIds).toEqual([]);
  });

  it('publishes a line incident once', () => {
    const t = transitionOf(
      known('SHIPPED', '2026-11-27T10:00:00Z', { released: true }),
      snap('SHIPPED', '2026-11-28T10:00:00Z', ['INCIDENT_OPEN', 'SHIPPED']),
    );
    expect(t.incidentLineIds).toEqual(['O-1-1']);
    const again = transitionOf(
      known('SHIPPED', '2026-11-28T10:00:00Z', { released: true, incidentLineIds: ['O-1-1'] }),
      snap('SHIPPED', '2026-11-28T11:00:00Z', ['INCIDENT_OPEN', 'SHIPPED']),
    );
    expect(again.incidentLineIds).toEqual([]);
  });
});
