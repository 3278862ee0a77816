import { compareOffer, type ExpectedOffer, type FoundOffer } from './offer-comparison';

const expected = (over: Partial<ExpectedOffer> = {}): ExpectedOffer => ({
  sku: 'A1',
  known: true,
  active: true,
  priceMinor: '1999',
  currency: 'EUR',
  available: 10,
  reserved: 2,
  safetyBuffer: 1,
  quantityBusy: false,
  offerBusy: false,
  ...over,
});
const found = (over: Partial<FoundOffer> = {}): FoundOffer => ({
  sku: 'A1',
  quantity: 7,
  price: 19.99,
  currency: 'EUR',
  ...over,
});
const kinds = (c: ReturnType<typeof compareOffer>) => c.findings.map((f) => f.kind);

describe(compareOffer.name, () => {
  it('finds nothing when quantity (available − reserved − buffer) and price match', () => {
    expect(compareOffer(found(), expected())).toEqual({
      checked: ['missing-offer', 'extra-offer', 'price', 'quantity'],
      findings: [],
    });
  });
  it('marks a shortfall as under and an excess as not', () => {
    expect(compareOffer(found({ quantity: 5 }), expected()).findings[0]).toMatchObject({
      kind: 'quantity',
      expected: '7',
      found: '5',
      under: true,
    });
    expect(compareOffer(found({ quantity: 9 }), expected()).findings[0].under).toBe(false);
  });
  it('leaves the quantity unjudged while a push or an offer is pending, and the price while an offer is', () => {
    const stockBusy = compareOffer(found({ quantity: 1 }), expected({ quantityBusy: true }));
    expect([stockBusy.checked.includes('quantity'), kinds(stockBusy)]).toEqual([false, []]);
    const offerBusy = compareOffer(found({ quantity: 1, price: 1 }), expected({ offerBusy: true }));
    expect(offerBusy.checked).toEqual(['missing-offer', 'extra-offer']);
  });
  it('compares the price in the currency minor units as OF24 sends it', () => {
    expect(kinds(compareOffer(found({ price: 19.9 }), expected()))).toEqual(['price']);
    expect(
      kinds(compareOffer(found({ price: 1999 }), expected({ priceMinor: '1999', currency: 'JPY' }))),
    ).toEqual([]);
  });
  it('calls an offer extra when the SKU is unknown, or inactive and still on sale', () => {
    expect(kinds(compareOffer(found(), expected({ known: false })))).toEqual(['extra-offer']);
    expect(kinds(compareOffer(found(), expected({ active: false })))).toEqual(['extra-offer']);
    expect(kinds(compareOffer(found({ quantity: 0 }), expected({ active: false })))).toEqual([]);
  });
});
