import { parseErrorReport } from '@seller-bridge/mirakl-client';
import { csvCell, productFile } from './product-file';

describe(productFile.name, () => {
  it('writes the header and one quoted line per product, in order', () => {
    const file = productFile([
      { sku: 'SHOE-1', title: 'Trail shoe', category: 'running', ean: '4006381333931', brand: 'Kiprun' },
      { sku: 'TENT-2', title: 'Tent', category: 'hiking', description: null },
    ]);
    expect(file).toBe(
      '"sku";"title";"category";"ean";"brand";"description"\n' +
        '"SHOE-1";"Trail shoe";"running";"4006381333931";"Kiprun";""\n' +
        '"TENT-2";"Tent";"hiking";"";"";""\n',
    );
  });

  it('keeps quotes, semicolons and line breaks inside a cell, as a CSV reader reads them back', () => {
    const description = 'Say "hello";\nwaterproof; 2 persons';
    const file = productFile([{ sku: 'A;1', title: '5" knife', category: 'hiking', description }]);
    // Read back with the client's own CSV reader (the one it reads Mirakl's error reports with).
    expect(parseErrorReport(file).map((r) => r.fields)).toEqual([
      { sku: 'A;1', title: '5" knife', category: 'hiking', ean: '', brand: '', description },
    ]);
  });

  it('refuses an empty SKU or one with a line break', () => {
    expect(() => productFile([{ sku: '', title: 't', category: 'c' }])).toThrow(RangeError);
    expect(() => productFile([{ sku: 'A\n1', title: 't', category: 'c' }])).toThrow(RangeError);
  });

  it('quotes numbers and empty values too', () => {
    expect([csvCell(12), csvCell(null), csvCell(undefined)]).toEqual(['"12"', '""', '""']);
  });
});
