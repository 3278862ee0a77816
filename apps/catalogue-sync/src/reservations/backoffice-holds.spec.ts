import { holdRequest } from './backoffice-holds';

describe(holdRequest.name, () => {
  const marketplaces = [{ code: 'carrefour-es', warehouses: ['MADRID-2'] }, { code: 'decathlon-fr' }];
  const line = { orderId: 'O1-A', lineId: 'O1-A-1', sku: 'SHOE-0001', quantity: 2 };

  it('holds a line only in the warehouses that serve its marketplace, so it ships from the stock it was offered', () => {
    expect(holdRequest(marketplaces, { ...line, marketplace: 'carrefour-es' })).toEqual({
      key: 'carrefour-es:O1-A:O1-A-1',
      sku: 'SHOE-0001',
      quantity: 2,
      reference: { marketplace: 'carrefour-es', order_id: 'O1-A', line_id: 'O1-A-1' },
      warehouses: ['MADRID-2'],
    });
  });

  it('leaves the warehouse to the back office when the marketplace is served by all of them', () => {
    expect(holdRequest(marketplaces, { ...line, marketplace: 'decathlon-fr' })).not.toHaveProperty(
      'warehouses',
    );
  });
});
