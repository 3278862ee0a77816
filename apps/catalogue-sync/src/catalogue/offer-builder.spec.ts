import { buildOffer } from './offer-builder';

describe(buildOffer.name, () => {
  const defaults = { stateCode: '11', leadtimeToShip: 2 };
  const source = {
    sku: 'SHOE-1',
    priceMinor: '8999',
    currency: 'EUR',
    active: true,
    master: { description: 'Trail shoe', attributes: { leadtime_to_ship: '4' } },
    quantity: 7,
  };

  it('sends every managed field: product reference, exact price, quantity, state, description, leadtime', () => {
    expect(buildOffer(source, defaults)).toEqual({
      shop_sku: 'SHOE-1',
      product_id: 'SHOE-1',
      product_id_type: 'SHOP_SKU',
      price: 89.99,
      quantity: 7,
      state_code: '11',
      update_delete: 'update',
      description: 'Trail shoe',
      leadtime_to_ship: 4,
    });
  });

  it('takes the defaults when the master has no leadtime or description, and offers nothing of an inactive product', () => {
    const offer = buildOffer({ ...source, active: false, master: {} }, defaults);
    expect([offer.quantity, offer.leadtime_to_ship, offer.description]).toEqual([0, 2, '']);
    expect(
      buildOffer({ ...source, master: { attributes: { leadtime_to_ship: 'soon' } } }, defaults)
        .leadtime_to_ship,
    ).toBe(2);
  });

  it('refuses a quantity that is not a whole number >= 0', () => {
    expect(() => buildOffer({ ...source, quantity: -1 }, defaults)).toThrow(RangeError);
    expect(() => buildOffer({ ...source, quantity: 1.5 }, defaults)).toThrow(RangeError);
  });
});
