import type { CarrierRule } from './carriers';

/** A physical warehouse: where stock sits and which carriers pick up there. */
export interface WarehouseSite {
  code: string;
  name: string;
  country: string;
  carrierRules: CarrierRule[];
}

/** The demo's two warehouses, with the carriers their staff book (by destination and parcel weight). */
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
        { carrier: 'Colissimo Expert', maxGrams: 30_000, share: 4 },
        { carrier: 'Chronopost 13', maxGrams: 30_000, share: 2 },
        { carrier: 'DPD Next Day', maxGrams: 30_000, share: 2 },
        { carrier: 'UPS Standard', maxGrams: 30_000, share: 1 },
      ],
    },
    {
      code: 'MADRID-2',
      name: 'Madrid Coslada',
      country: 'ES',
      carrierRules: [
        { carrier: 'Palletways Economy', minGrams: 30_001, share: 1 },
        { carrier: 'SEUR 24', maxGrams: 30_000, share: 4 },
        { carrier: 'GLS Business Parcel', maxGrams: 30_000, share: 3 },
        { carrier: 'UPS Standard', maxGrams: 30_000, share: 1 },
        { carrier: 'DPD Next Day', maxGrams: 30_000, share: 1 },
      ],
    },
  ];
}
