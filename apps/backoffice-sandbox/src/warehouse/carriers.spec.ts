import { chooseCarrier } from './carriers';
import { demoWarehouses } from './warehouse-site';

describe(chooseCarrier.name, () => {
  const [lyon, madrid] = demoWarehouses().map((w) => w.carrierRules);
  const booked = (rules: typeof lyon, country: string, grams = 500) => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(chooseCarrier(rules, country, grams, () => i / 100).name);
    return [...seen].sort();
  };

  it('books a pallet service, without tracking, above 30 kg', () => {
    const carrier = chooseCarrier(lyon, 'FR', 40_000, () => 0.5);
    expect(carrier.name).toBe('Palletways Economy');
    expect(carrier.tracking).toBeUndefined();
    expect(chooseCarrier(madrid, 'FR', 40_000, () => 0.5).name).toBe('Palletways Economy');
  });

  it('books domestic services at home and spreads parcels by share', () => {
    expect(booked(lyon, 'FR')).toEqual(['Chronopost 13', 'Colissimo Expert', 'DPD Next Day']);
    expect(booked(madrid, 'ES')).toEqual(['GLS Business Parcel', 'SEUR 24']);
  });

  it('never sends a domestic service abroad: a Spanish address from Lyon goes DPD Classic, a French one from Madrid too', () => {
    expect(booked(lyon, 'ES')).toEqual(['DPD Classic']);
    expect(booked(lyon, 'es')).toEqual(['DPD Classic']);
    expect(booked(madrid, 'FR')).toEqual(['DPD Classic']);
  });

  it('keeps Royal Mail for Great Britain and UPS for destinations no service is named for', () => {
    expect(booked(lyon, 'GB')).toEqual(['Royal Mail 2nd Class', 'Royal Mail 48 Tracked']);
    expect(booked(lyon, 'GB', 5_000)).toEqual(['Royal Mail 48 Tracked']);
    expect(booked(lyon, 'US')).toEqual(['UPS Standard']);
    expect(booked(madrid, 'CH')).toEqual(['UPS Standard']);
  });
});
