import type { CarrierRule } from './carriers';

/** A physical warehouse: where stock sits and which carriers pick up there. */
export interface WarehouseSite {
  code: string;
  name: string;
  country: string;
  carrierRules: CarrierRule[];
}

/** Countries a road service from France or Spain reaches (the EU neighbours the demo's buyers live in). */
const EU_ROAD = ['FR', 'ES', 'PT', 'IT', 'DE', 'BE', 'NL', 'LU', 'AT', 'IE'];
const except = (home: string) => EU_ROAD.filter((c) => c !== home);

/**
 * The demo's two warehouses, with the carriers their staff book by destination and parcel weight: domestic
 * services for their own country only (Chronopost 13 does not go to Madrid, SEUR 24 does not go to Lyon),
 * DPD Classic across the border, Royal Mail to Great Britain; UPS and Palletways are world-wide.
 */
export function demoWarehouses(): WarehouseSite[] {
  return [
    {
      code: 'LYON-1',
      name: 'Lyon Saint-Priest',
      country: 'FR',
      carrierRules: [
        { carrier: 'Palletways Economy', minGrams: 30_001, share: 1 },
        { carrier: 'Royal Mail 48 Tracked', countries: ['GB'], maxGrams: 30_000, share: 3 },
        { carrier: 'Royal Mail 2nd Class', countries: ['GB'], maxGrams: 2_000, share: 1 },
        { carrier: 'Colissimo Expert', countries: ['FR'], maxGrams: 30_000, share: 4 },
        { carrier: 'Chronopost 13', countries: ['FR'], maxGrams: 30_000, share: 2 },
        { carrier: 'DPD Next Day', countries: ['FR'], maxGrams: 30_000, share: 2 },
        { carrier: 'DPD Classic', countries: except('FR'), maxGrams: 30_000, share: 1 },
        { carrier: 'UPS Standard', maxGrams: 30_000, share: 1 },
      ],
    },
    {
      code: 'MADRID-2',
      name: 'Madrid Coslada',
      country: 'ES',
      carrierRules: [
        { carrier: 'Palletways Economy', minGrams: 30_001, share: 1 },
        { carrier: 'SEUR 24', countries: ['ES'], maxGrams: 30_000, share: 4 },
        { carrier: 'GLS Business Parcel', countries: ['ES', 'PT'], maxGrams: 30_000, share: 3 },
        { carrier: 'DPD Classic', countries: except('ES'), maxGrams: 30_000, share: 1 },
        { carrier: 'UPS Standard', maxGrams: 30_000, share: 1 },
      ],
    },
  ];
}
