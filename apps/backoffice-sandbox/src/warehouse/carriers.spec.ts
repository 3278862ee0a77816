import { chooseCarrier } from './carriers';
import { demoWarehouses } from './warehouse-site';

describe(chooseCarrier.name, () => {
  const lyon = demoWarehouses()[0].carrierRules;

  it('books a pallet service, without tracking, above 30 kg', () => {
    const carrier = chooseCarrier(lyon, 'FR', 40_000, () => 0.5);
    expect(carrier.name).toBe('Palletways Economy');
    expect(carrier.tracking).toBeUndefined();
  });

  it('keeps Royal Mail for Great Britain and spreads parcels by share', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(chooseCarrier(lyon, 'FR', 500, () => i / 100).name);
    expect([...seen].sort()).toEqual(['Chronopost 13', 'Colissimo Expert', 'DPD Next Day', 'UPS Standard']);
    const gb = new Set<string>();
    for (let i = 0; i < 100; i++) gb.add(chooseCarrier(lyon, 'GB', 500, () => i / 100).name);
    expect(gb.has('Royal Mail 48 Tracked')).toBe(true);
    expect(gb.has('Royal Mail 2nd Class')).toBe(true);
  });
});
