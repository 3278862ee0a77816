import { money, type OrderReadyForFulfilment } from '@seller-bridge/contracts';
import {
  buildHeldSalesOrder,
  buildSalesOrder,
  countryAlpha2,
  OrderAddressMissingError,
  taxRate,
} from './sales-order-body';

const order = (): OrderReadyForFulfilment => ({
  marketplace: 'decathlon-fr',
  orderId: 'ORD-1-A',
  miraklState: 'SHIPPING',
  currency: 'EUR',
  createdAt: '2026-11-27T08:00:00Z',
  miraklUpdatedAt: '2026-11-27T08:00:00Z',
  deadlines: {},
  customer: {
    marketplaceCustomerId: 'C-9',
    shippingAddress: {
      firstName: 'Ann',
      lastName: 'Lee',
      street1: '1 rue A',
      city: 'Lyon',
      zipCode: '69001',
      country: 'FRA',
    },
  },
  lines: [
    {
      lineId: 'ORD-1-A-1',
      sku: 'SHOE-0001',
      quantity: 2,
      unitPrice: money(7899, 'EUR'),
      price: money(15798, 'EUR'),
      shippingPrice: money(499, 'EUR'),
      taxes: [{ code: 'TVA', amount: money(2633, 'EUR') }],
      shippingTaxes: [{ code: 'TVA', amount: money(83, 'EUR'), rate: '20' }],
      charges: [
        { type: 'COMMISSION', amount: money(1896, 'EUR') },
        { type: 'NEW_FEE', amount: money(100, 'EUR') },
      ],
      miraklState: 'SHIPPING',
    },
  ],
  totalPrice: money(16297, 'EUR'),
});

describe('buildSalesOrder', () => {
  const options = { defaultTaxRate: '20.00', catchAllItem: 'MKT-ROUNDING' };

  it('builds the same body from the same order (a retry sends the same bytes)', () => {
    expect(JSON.stringify(buildSalesOrder(order(), options))).toBe(
      JSON.stringify(buildSalesOrder(order(), options)),
    );
  });

  it('posts lines with tax included, shipping and charges as charge lines, the reference and the customer id', () => {
    const { body, customer, lineMap, unmappedCharges } = buildSalesOrder(order(), options);
    expect(body.external_reference).toEqual({ marketplace: 'decathlon-fr', order_id: 'ORD-1-A' });
    expect(body.customer).toEqual({ marketplace_customer_id: 'C-9' });
    expect(body.prices_include_tax).toBe(true);
    expect(body.lines).toEqual([
      { sku: 'SHOE-0001', quantity: 2, unit_price: '78.99', tax_rate: '20.00', tax_amount: '26.33' },
    ]);
    expect(body.charge_lines).toEqual([
      { item_code: 'MKT-SHIPPING-FEE', amount: '4.99', tax_rate: '20.00', tax_amount: '0.83' },
      { item_code: 'MKT-COMMISSION', amount: '-18.96' },
      { item_code: 'MKT-ROUNDING', amount: '-1.00', description: 'Unmapped marketplace charge NEW_FEE' },
    ]);
    expect(unmappedCharges).toEqual(['NEW_FEE']);
    expect(customer.address.country).toBe('FR');
    expect(body.ship_to).toEqual(customer.address);
    expect(lineMap).toEqual([{ lineId: 'ORD-1-A-1', sku: 'SHOE-0001', quantity: 2 }]);
  });

  it('refuses an order without an address the ERP can ship to', () => {
    const o = order();
    o.customer.shippingAddress = undefined;
    expect(() => buildSalesOrder(o, options)).toThrow(OrderAddressMissingError);
  });
});

describe('taxRate', () => {
  it('takes the given rate, else derives it from the tax included, else the default', () => {
    expect(taxRate([{ code: 'T', amount: money(1, 'EUR'), rate: '5.5' }], 100, '20.00')).toBe('5.50');
    expect(taxRate([{ code: 'T', amount: money(2633, 'EUR') }], 15798, '20.00')).toBe('20.00');
    expect(taxRate([], 15798, '21.00')).toBe('21.00');
  });
});

describe('countryAlpha2', () => {
  it('accepts alpha-2 and known alpha-3 codes', () => {
    expect(countryAlpha2('fr')).toBe('FR');
    expect(countryAlpha2('ESP')).toBe('ES');
    expect(countryAlpha2('France')).toBeUndefined();
  });
});

describe('buildHeldSalesOrder', () => {
  const options = { defaultTaxRate: '20.00', catchAllItem: 'MKT-ROUNDING' };
  const { customer: _customer, miraklState: _s, miraklUpdatedAt: _u, totalPrice: _t, ...rest } = order();
  const awaiting = { ...rest, marketplaceCustomerId: 'C-9', decidedAt: '2026-11-27T08:00:05Z' };

  it('posts on hold the same lines and charges as the released order, without an address', () => {
    const held = buildHeldSalesOrder(awaiting, options);
    const released = buildSalesOrder(order(), options);

    expect(held.body).toEqual({
      external_reference: { marketplace: 'decathlon-fr', order_id: 'ORD-1-A' },
      customer: { marketplace_customer_id: 'C-9' },
      currency: 'EUR',
      prices_include_tax: true,
      lines: released.body.lines,
      charge_lines: released.body.charge_lines,
      hold: true,
    });
    expect(held.lineMap).toEqual(released.lineMap);
    expect(held.unmappedCharges).toEqual(['NEW_FEE']);
  });
});
