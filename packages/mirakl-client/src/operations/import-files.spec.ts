import { parse } from 'csv-parse/sync';
import { offerFileHeader, offerFileRow } from './import-files';
import type { MiraklOfferUpdate } from './offer-types';

const offer = (over: Partial<MiraklOfferUpdate> = {}): MiraklOfferUpdate => ({
  shop_sku: 'SKU-1',
  product_id: 'SKU-1',
  product_id_type: 'SHOP_SKU',
  price: 19.9,
  quantity: 3,
  state_code: '11',
  update_delete: 'update',
  description: 'A "warm" jacket; size M',
  leadtime_to_ship: 2,
  ...over,
});

describe('OF01 offer files', () => {
  it('writes complete offers that a CSV reader gets back field for field, quotes and separators included', () => {
    const text =
      offerFileHeader() + offerFileRow(offer()) + offerFileRow(offer({ shop_sku: 'B', description: null }));
    const rows = parse(text, { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      {
        sku: 'SKU-1',
        'product-id': 'SKU-1',
        'product-id-type': 'SHOP_SKU',
        price: '19.9',
        quantity: '3',
        state: '11',
        description: 'A "warm" jacket; size M',
        'leadtime-to-ship': '2',
        'update-delete': 'update',
      },
      expect.objectContaining({ sku: 'B', description: '' }),
    ]);
  });

  it('refuses a SKU with a line break rather than writing a broken file', () => {
    expect(() => offerFileRow(offer({ shop_sku: 'A\nB' }))).toThrow(/line break/);
  });
});
