import { carrierKey, parseCarrierCsv } from './carrier-csv';

describe('parseCarrierCsv', () => {
  it('reads comma or semicolon files with a header, trimming values', () => {
    expect(
      parseCarrierCsv('warehouse_carrier,carrier_code\nDPD Next Day, DPD\n"Colissimo, Expert",COLISSIMO\n')
        .rows,
    ).toEqual([
      { warehouseCarrier: 'DPD Next Day', carrierCode: 'DPD' },
      { warehouseCarrier: 'Colissimo, Expert', carrierCode: 'COLISSIMO' },
    ]);
    expect(parseCarrierCsv('carrier_code;warehouse_carrier\nSEUR;SEUR 24\n').rows).toEqual([
      { warehouseCarrier: 'SEUR 24', carrierCode: 'SEUR' },
    ]);
  });

  it('reports empty values and duplicates with their line numbers', () => {
    const r = parseCarrierCsv(
      'warehouse_carrier,carrier_code\nDPD Next Day,\n,X\ndpd  next day,DPD\nDPD Next Day,DPD\n',
    );
    expect(r.problems).toEqual([
      { line: 2, problem: 'carrier_code is empty' },
      { line: 3, problem: 'warehouse_carrier is empty' },
      { line: 5, problem: 'DPD Next Day is already mapped on line 4' },
    ]);
  });

  it('refuses a file without the expected header', () => {
    expect(parseCarrierCsv('name,code\nA,B\n').problems[0].line).toBe(1);
  });
});

describe('carrierKey', () => {
  it('matches names regardless of case and spacing', () => {
    expect(carrierKey('  DPD   Next Day ')).toBe(carrierKey('dpd next day'));
  });
});
