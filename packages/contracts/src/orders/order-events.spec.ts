import 'reflect-metadata';
import { money } from '../common/money';
import { validatePayload } from '../decode/decode-event';
import { payloadJsonSchemas } from '../schema/json-schema';
import { Topics } from '../topics/topic-registry';
import type { TopicDefinition } from '../topics/topic';
import type { OrderAwaitingErpConfirmation } from './order-events';

const eur = (minor: number) => money(minor, 'EUR');

/** An order waiting for the ERP, as order-gateway builds it: one accepted line, no address. */
function awaiting(): OrderAwaitingErpConfirmation {
  return {
    marketplace: 'decathlon-fr',
    orderId: 'ORD-7-A',
    commercialId: 'ORD-7',
    marketplaceCustomerId: 'CUST-7',
    currency: 'EUR',
    createdAt: '2026-11-27T09:00:00Z',
    shippingTypeCode: 'STD',
    deadlines: { acceptBy: '2026-11-28T09:00:00Z' },
    lines: [
      {
        lineId: 'ORD-7-A-1',
        sku: 'SHOE-0001',
        quantity: 2,
        unitPrice: eur(7899),
        price: eur(15798),
        shippingPrice: eur(499),
        taxes: [{ code: 'TVA', amount: eur(2633), rate: '20' }],
        shippingTaxes: [],
        charges: [{ type: 'COMMISSION', amount: eur(1896) }],
        miraklState: 'WAITING_ACCEPTANCE',
      },
    ],
    decidedAt: '2026-11-27T09:00:05Z',
  };
}

describe('OrderAwaitingErpConfirmation', () => {
  const topic = Topics.orderAwaitingErpConfirmation;

  it('is the versioned orders topic keyed by marketplace and order id', () => {
    expect(topic.name).toBe('orders.order.awaiting-erp-confirmation.v1');
    expect(topic.keyOf(awaiting())).toBe('decathlon-fr:ORD-7-A');
  });

  it('accepts an order with the lines to accept and no address', () => {
    expect(validatePayload(topic, awaiting()).ok).toBe(true);
  });

  it.each<[string, (p: Record<string, unknown>) => void]>([
    ['without the marketplace customer id', (p) => delete p.marketplaceCustomerId],
    ['without lines', (p) => (p.lines = [])],
    ['with a lower-case currency', (p) => (p.currency = 'eur')],
    ['without the decision time', (p) => delete p.decidedAt],
  ])('refuses an order %s', (_, spoil) => {
    const p = awaiting() as unknown as Record<string, unknown>;
    spoil(p);

    expect(validatePayload(topic, p).ok).toBe(false);
  });

  it('has no place for a name or an address in its schema (Mirakl withholds them before SHIPPING)', () => {
    const schema = payloadJsonSchemas([topic as unknown as TopicDefinition]).get(topic.name)!;
    const definitions = schema.definitions as Record<string, object>;
    // What the payload can hold: its own properties and the nested classes they name.
    const reachable = JSON.stringify([schema.properties, definitions.OrderLine, definitions.OrderDeadlines]);

    expect(Object.keys(schema.properties as object)).not.toContain('customer');
    expect(reachable).not.toMatch(/PostalAddress|OrderCustomer|shippingAddress|street1|firstName/);
  });
});
