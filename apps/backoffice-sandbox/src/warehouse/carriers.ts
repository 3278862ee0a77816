/**
 * Carrier services as warehouse staff write them on a despatch note. Several are not in any marketplace's
 * carrier list (Palletways, Royal Mail 2nd Class, SEUR 24 on a French marketplace, ...): mapping them is the
 * fulfilment bridge's job, and some services give no tracking number at all.
 */
export interface CarrierService {
  name: string;
  /** Builds a tracking number in the carrier's format; absent for services without tracking. */
  tracking?: (random: () => number) => string;
}

const digits = (n: number, random: () => number) =>
  Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
const letters = (n: number, random: () => number) =>
  Array.from({ length: n }, () => String.fromCharCode(65 + Math.floor(random() * 26))).join('');
const alnum = (n: number, random: () => number) =>
  Array.from({ length: n }, () => '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'[Math.floor(random() * 34)]).join('');

export const CARRIER_SERVICES: Record<string, CarrierService> = {
  'Royal Mail 48 Tracked': {
    name: 'Royal Mail 48 Tracked',
    tracking: (r) => `${letters(2, r)}${digits(9, r)}GB`,
  },
  'Royal Mail 2nd Class': { name: 'Royal Mail 2nd Class' },
  'DPD Next Day': { name: 'DPD Next Day', tracking: (r) => digits(14, r) },
  /** DPD's cross-border road service; in Spain it is delivered by SEUR (DPDgroup), in France by DPD France. */
  'DPD Classic': { name: 'DPD Classic', tracking: (r) => digits(14, r) },
  'Colissimo Expert': { name: 'Colissimo Expert', tracking: (r) => `6A${digits(11, r)}` },
  'Chronopost 13': { name: 'Chronopost 13', tracking: (r) => `${letters(2, r)}${digits(9, r)}FR` },
  'SEUR 24': { name: 'SEUR 24', tracking: (r) => digits(15, r) },
  'GLS Business Parcel': { name: 'GLS Business Parcel', tracking: (r) => digits(11, r) },
  'UPS Standard': { name: 'UPS Standard', tracking: (r) => `1Z${alnum(16, r)}` },
  'Palletways Economy': { name: 'Palletways Economy' },
};

/** Which service a warehouse books for a parcel, by destination and weight. */
export interface CarrierRule {
  carrier: string;
  /**
   * Destination countries (ISO 3166 alpha-2) this service is booked for. Absent: a world-wide service, booked
   * only where no service named for the destination fits (a domestic service never leaves its country).
   */
  countries?: string[];
  minGrams?: number;
  maxGrams?: number;
  /** Relative share among the rules that fit. */
  share: number;
}

const fitsWeight = (r: CarrierRule, grams: number) =>
  (r.minGrams === undefined || grams >= r.minGrams) && (r.maxGrams === undefined || grams <= r.maxGrams);

/**
 * The service booked for a parcel to `country` (alpha-2): among the services named for that destination whose
 * weight limits fit, by share; where none is, among the world-wide ones that fit; where none is either, among
 * the world-wide ones whatever the weight (a warehouse always finds someone to take a parcel).
 */
export function chooseCarrier(
  rules: CarrierRule[],
  country: string,
  grams: number,
  random: () => number,
): CarrierService {
  const destination = country.trim().toUpperCase();
  const named = rules.filter((r) => r.countries?.includes(destination) && fitsWeight(r, grams));
  const worldWide = rules.filter((r) => !r.countries);
  const fitting = worldWide.filter((r) => fitsWeight(r, grams));
  const pool = named.length ? named : fitting.length ? fitting : worldWide.length ? worldWide : rules;
  const total = pool.reduce((s, r) => s + r.share, 0);
  let pick = random() * total;
  for (const rule of pool) {
    pick -= rule.share;
    if (pick < 0) return CARRIER_SERVICES[rule.carrier];
  }
  return CARRIER_SERVICES[pool[pool.length - 1].carrier];
}
