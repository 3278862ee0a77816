import { money, type OrderLine } from '@seller-bridge/contracts';
import type { OrderSnapshot } from '../orders/mirakl-order-mapper';
import { awaitingErpConfirmation } from './awaiting-erp';

const eur = (minor: number) => money(minor, 'EUR');
const line = (lineId: string, sku: string): OrderLine => ({
  lineId,
  sku,
  quantity: 1,
  unitPrice: eur(1000),
  price: eur(1000),
  shippingPrice: eur(200),
  taxes: [{ code: 'TVA', amount: eur(167), rate: '20' }],
  shippingTaxes: [],
  charges: [{ type: 'COMMISSION', amount: eur(150) }],
  miraklState: 'WAITING_ACCEPTANCE',
});

const snapshot: OrderSnapshot = {
  marketplace: 'decathlon-fr',
  orderId: 'O-1-A',
  commercialId: 'O-1',
  miraklState: 'WAITING_ACCEPTANCE',
  currency: 'EUR',
  createdAt: '2026-11-27T09:00:00.000Z',
  miraklUpdatedAt: '2026-11-27T09:00:01.000Z',
  shippingTypeCode: 'STD',
  deadlines: { acceptBy: '2026-11-28T09:00:00.000Z' },
  customer: {
    marketplaceCustomerId: 'C-1',
    firstName: 'Ada',
    lastName: 'Lovelace',
    billingAddress: { street1: '1 rue X', city: 'Lyon', country: 'FR' },
  },
  lines: [line('O-1-A-1', 'A'), line('O-1-A-2', 'B')],
  totalPrice: eur(2400),
};

describe(awaitingErpConfirmation.name, () => {
  const at = new Date('2026-11-27T09:00:05.000Z');

  it('carries the accepted lines only, with their prices, taxes, shipping and charges', () => {
    const e = awaitingErpConfirmation(
      snapshot,
      [
        { lineId: 'O-1-A-1', sku: 'A', decision: 'ACCEPT' },
        { lineId: 'O-1-A-2', sku: 'B', decision: 'REFUSE', reasonCode: 'NO_STOCK' },
      ],
      at,
    );

    expect(e).toEqual({
      marketplace: 'decathlon-fr',
      orderId: 'O-1-A',
      commercialId: 'O-1',
      marketplaceCustomerId: 'C-1',
      currency: 'EUR',
      createdAt: '2026-11-27T09:00:00.000Z',
      shippingTypeCode: 'STD',
      deadlines: { acceptBy: '2026-11-28T09:00:00.000Z' },
      lines: [snapshot.lines[0]],
      decidedAt: '2026-11-27T09:00:05.000Z',
    });
  });

  it('never carries a name or an address, even when the snapshot has some', () => {
    const e = awaitingErpConfirmation(
      snapshot,
      snapshot.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, decision: 'ACCEPT' as const })),
      at,
    );

    expect(JSON.stringify(e)).not.toMatch(/Ada|Lovelace|rue|billingAddress|shippingAddress/);
  });
});
