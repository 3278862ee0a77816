import type { ProductChanged } from '@seller-bridge/contracts';
import type { MiraklOfferUpdate } from '@seller-bridge/mirakl-client';
import { minorToDecimal } from './price';

/** What an offer is built from: the product master as held, and the quantity computed for the marketplace. */
export interface OfferSource {
  sku: string;
  priceMinor: string | number;
  currency: string;
  active: boolean;
  master: Partial<ProductChanged>;
  /** publishedQuantity(…) for this marketplace, at the moment the offer is sent. */
  quantity: number;
}

/** The master's leadtime (`attributes.leadtime_to_ship`, days) when it is a whole number, else the default. */
function leadtimeOf(master: Partial<ProductChanged>, fallback: number): number {
  const raw = master.attributes?.leadtime_to_ship ?? master.attributes?.leadtimeToShip;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/**
 * A complete OF24 offer. OF24 resets every field it is not sent, so every field the platform manages is set
 * here on every send: product reference, price, quantity, state, description and leadtime. The fields the
 * platform does not manage (discounts, order quantity limits, availability dates, logistic class) are reset by
 * Mirakl on each send, on purpose: this platform is the master of its offers. An inactive product is offered
 * with quantity 0 (never sold) rather than deleted, so its history on the marketplace stays.
 */
export function buildOffer(
  src: OfferSource,
  defaults: { stateCode: string; leadtimeToShip: number },
): MiraklOfferUpdate {
  if (!Number.isInteger(src.quantity) || src.quantity < 0)
    throw new RangeError(`offer ${src.sku}: quantity must be a whole number >= 0`);
  return {
    shop_sku: src.sku,
    product_id: src.sku,
    product_id_type: 'SHOP_SKU',
    price: minorToDecimal(src.priceMinor, src.currency),
    quantity: src.active ? src.quantity : 0,
    state_code: defaults.stateCode,
    update_delete: 'update',
    description: src.master.description ?? '',
    leadtime_to_ship: leadtimeOf(src.master, defaults.leadtimeToShip),
  };
}
