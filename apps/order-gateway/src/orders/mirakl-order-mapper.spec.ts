import type { MiraklOrder } from '@seller-bridge/mirakl-client';
import { snapshotOf, toMinor } from './mirakl-order-mapper';

describe('toMinor', () => {
  it('converts decimal amounts to integer minor units without float drift', () => {
    expect(toMinor(19.99, 'EUR')).toBe(1999);
    expect(toMinor(0.285, 'EUR')).toBe(29);
    expect(toMinor(-4.1, 'EUR')).toBe(-410);
    expect(toMinor('12.5', 'EUR')).toBe(1250);
    expect(toMinor(1500, 'JPY')).toBe(1500);
    expect(toMinor(null, 'EUR')).toBe(0);
  });
});

describe('snapshotOf', () => {
  const order = {
    order_id: 'X-A',
    commercial_id: 'X',
    order_state: 'SHIPPING',
    created_date: '2026-11-27T10:00:00Z',
    last_updated_date: '2026-11-27T10:05:00Z',
    shipping_deadline: '2026-11-29T10:00:00Z',
    currency_iso_code: 'EUR',
    price: 20,
    total_price: 24.99,
    shipping_type_code: 'STD',
    customer_notification_email: 'abc@notification.example',
    customer: {
      customer_id: 'CUST-9',
      firstname: 'Ana',
      lastname: 'B',
      shipping_address: { street_1: '1 rue', city: 'Lyon', country: 'France', country_iso_code: null },
      billing_address: null,
    },
    order_lines: [
      {
        order_line_id: 'X-A-1',
        order_line_state: 'SHIPPING',
        offer_sku: 'SKU-1',
        quantity: 2,
        price: 20,
        price_unit: 10,
        shipping_price: 4.99,
        taxes: [{ code: 'TVA', amount: 3.33 }],
        shipping_taxes: [{ code: 'TVA', amount: 0.83 }],
        commission_fee: 2.4,
        commission_taxes: [{ code: 'TVA', amount: 0.48 }],
        total_price: 24.99,
      },
    ],
  } as MiraklOrder;

  it('identifies the customer by marketplace customer id, never by the anonymised e-mail', () => {
    const s = snapshotOf('decathlon-fr', order, 86_400_000);
    expect(s.customer.marketplaceCustomerId).toBe('CUST-9');
    expect(JSON.stringify(s)).not.toContain('notification');
  });

  it('carries lines, prices, taxes, charges, address and deadlines in minor units', () => {
    const s = snapshotOf('decathlon-fr', order, 86_400_000);
    expect(s.deadlines).toEqual({ acceptBy: '2026-11-28T10:00:00.000Z', shipBy: '2026-11-29T10:00:00.000Z' });
    expect(s.customer.shippingAddress).toEqual({ street1: '1 rue', city: 'Lyon', country: 'France' });
    expect(s.lines[0]).toMatchObject({
      unitPrice: { amountMinor: 1000 },
      price: { amountMinor: 2000 },
      shippingPrice: { amountMinor: 499 },
      taxes: [{ code: 'TVA', amount: { amountMinor: 333, currency: 'EUR' } }],
      charges: [
        { type: 'COMMISSION', amount: { amountMinor: 240, currency: 'EUR' } },
        { type: 'COMMISSION_VAT', amount: { amountMinor: 48, currency: 'EUR' } },
      ],
    });
    expect(s.totalPrice.amountMinor).toBe(2499);
  });
});
