import type { MarketplaceSettings } from '../marketplace';
import type { ProductCatalogue, Product } from '../products/product-catalogue';
import type { SandboxClock } from '../sandbox-clock';
import { ImportLineError } from '../imports/import-queue';

/** An offer as the sandbox keeps it: every field OF24 can set, plus Mirakl's own. */
export interface Offer {
  offer_id: number;
  shop_sku: string;
  product: Product;
  price: number;
  quantity: number;
  /** Per-warehouse quantities when the shop sends them (STO01 with warehouse-code); the offer's is their sum. */
  warehouses: Map<string, number> | null;
  state_code: string;
  description: string | null;
  internal_description: string | null;
  leadtime_to_ship: number | null;
  min_order_quantity: number | null;
  max_order_quantity: number | null;
  package_quantity: number | null;
  min_quantity_alert: number | null;
  logistic_class: string | null;
  available_started: string | null;
  available_ended: string | null;
  discount_price: number | null;
  updated_at: number;
}

/** A line of an offer or stock import that Mirakl refuses, with its reason (the error report). */
export class OfferLineError extends ImportLineError {}

/** Fields OF24 resets when they are not sent ("Offer update: if not provided, existing data will be deleted"). */
const RESETTABLE = [
  'description',
  'internal_description',
  'leadtime_to_ship',
  'min_order_quantity',
  'max_order_quantity',
  'package_quantity',
  'min_quantity_alert',
  'logistic_class',
  'available_started',
  'available_ended',
] as const;

const OFFER_STATES = new Set(['1', '2', '3', '4', '5', '10', '11']);
const DEFAULT_LEADTIME = 2;

/** The shop's offers on each marketplace: what buyers see, what OF21 lists, what imports change. */
export class OfferStore {
  private readonly offers = new Map<string, Map<string, Offer>>();
  private seq = 2000;

  constructor(
    private readonly clock: SandboxClock,
    private readonly products: ProductCatalogue,
    private readonly marketplaces: Map<string, MarketplaceSettings>,
  ) {}

  /**
   * One offer of OF24 (JSON) or OF01 (CSV, mapped to the same names). `partial` lists the fields a CSV file
   * did not carry (kept as they are); every other field not given is reset, as OF24 does.
   */
  apply(
    marketplace: string,
    input: Record<string, unknown>,
    partial: ReadonlySet<string> = new Set(),
  ): 'inserted' | 'updated' | 'deleted' {
    const shopSku = str(input.shop_sku);
    if (!shopSku) throw new OfferLineError('The offer sku is required');
    const shop = this.of(marketplace);
    const existing = shop.get(shopSku);
    const action = (str(input.update_delete) ?? 'update').toLowerCase();
    if (action === 'delete') {
      if (!existing) throw new OfferLineError(`The offer with sku '${shopSku}' does not exist`);
      shop.delete(shopSku);
      return 'deleted';
    }
    if (action !== 'update') throw new OfferLineError(`The update-delete value '${action}' is invalid`);

    let product = existing?.product;
    const productId = str(input.product_id);
    const productIdType = str(input.product_id_type);
    if (productId || !existing) {
      if (!productId || !productIdType)
        throw new OfferLineError('The product-id and product-id-type are required to create an offer');
      product = this.products.find(marketplace, productId, productIdType);
      if (!product) throw new OfferLineError('The product does not exist');
    }
    const price = partial.has('price') && existing ? existing.price : num(input.price, 'price');
    if (
      price === null ||
      price <= 0 ||
      price > 1_000_000 ||
      Math.abs(price * 100 - Math.round(price * 100)) > 1e-6
    )
      throw new OfferLineError(
        'The price must be a number greater than 0, at most 1000000, with at most 2 decimals',
      );
    const state =
      partial.has('state_code') && existing ? existing.state_code : (str(input.state_code) ?? undefined);
    if (!state || !OFFER_STATES.has(state))
      throw new OfferLineError(`The offer state '${state ?? ''}' is invalid`);
    const quantity =
      partial.has('quantity') && existing ? existing.quantity : (int(input.quantity, 'quantity') ?? 0);

    const offer: Offer = {
      offer_id: existing?.offer_id ?? ++this.seq,
      shop_sku: shopSku,
      product: product!,
      price,
      quantity,
      warehouses: partial.has('quantity') && existing ? existing.warehouses : null,
      state_code: state,
      description: null,
      internal_description: null,
      leadtime_to_ship: null,
      min_order_quantity: null,
      max_order_quantity: null,
      package_quantity: null,
      min_quantity_alert: null,
      logistic_class: null,
      available_started: null,
      available_ended: null,
      discount_price: partial.has('discount_price') && existing ? existing.discount_price : null,
      updated_at: this.clock.now(),
    };
    for (const field of RESETTABLE) {
      if (partial.has(field) && existing) {
        (offer as unknown as Record<string, unknown>)[field] = existing[field];
        continue;
      }
      const v = input[field];
      if (v === undefined || v === null || v === '') continue;
      (offer as unknown as Record<string, unknown>)[field] =
        field.endsWith('_quantity') || field === 'leadtime_to_ship' || field === 'min_quantity_alert'
          ? int(v, field)
          : String(v);
    }
    if (!partial.has('discount_price')) offer.discount_price = num(input.discount_price, 'discount price');
    shop.set(shopSku, offer);
    return existing ? 'updated' : 'inserted';
  }

  /** STO01, one line: the offer's quantity, globally or for one warehouse (then the offer's is the sum). */
  setStock(marketplace: string, shopSku: string, quantity: unknown, warehouse?: string, del = false): void {
    const offer = this.of(marketplace).get(shopSku);
    if (!offer) throw new OfferLineError(`The offer with sku '${shopSku}' does not exist`);
    if (warehouse) {
      const warehouses = offer.warehouses ?? new Map<string, number>();
      if (del) warehouses.delete(warehouse);
      else warehouses.set(warehouse, requireQuantity(quantity));
      offer.warehouses = warehouses;
      offer.quantity = [...warehouses.values()].reduce((s, q) => s + q, 0);
    } else {
      if (del) throw new OfferLineError('A global quantity cannot be deleted: send a quantity of 0');
      offer.quantity = requireQuantity(quantity);
      offer.warehouses = null;
    }
    offer.updated_at = this.clock.now();
  }

  get(marketplace: string, shopSku: string): Offer | undefined {
    return this.of(marketplace).get(shopSku);
  }

  list(marketplace: string): Offer[] {
    return [...this.of(marketplace).values()];
  }

  /** A buyer takes `quantity` units: Mirakl lowers the published quantity when the order is placed. */
  take(marketplace: string, shopSku: string, quantity: number): void {
    const offer = this.of(marketplace).get(shopSku);
    if (!offer || offer.quantity < quantity)
      throw new RangeError(`offer ${shopSku} has fewer than ${quantity} units`);
    offer.quantity -= quantity;
    if (offer.warehouses) {
      let left = quantity;
      for (const [code, q] of offer.warehouses) {
        const used = Math.min(q, left);
        offer.warehouses.set(code, q - used);
        left -= used;
      }
    }
    offer.updated_at = this.clock.now();
  }

  /** Units of a refused or cancelled line go back on the offer. */
  giveBack(marketplace: string, shopSku: string, quantity: number): void {
    const offer = this.of(marketplace).get(shopSku);
    if (!offer) return;
    offer.quantity += quantity;
    if (offer.warehouses) {
      const [first] = offer.warehouses.keys();
      if (first !== undefined) offer.warehouses.set(first, (offer.warehouses.get(first) ?? 0) + quantity);
    }
    offer.updated_at = this.clock.now();
  }

  /** OF21's view of an offer: every field the description marks required, Mirakl's defaults where unset. */
  view(marketplace: string, o: Offer): Record<string, unknown> {
    const mp = this.marketplaces.get(marketplace)!;
    const minShipping = 4.99;
    const leadtime = o.leadtime_to_ship ?? DEFAULT_LEADTIME;
    const price = o.discount_price ?? o.price;
    const prices = {
      channel_code: null,
      price,
      unit_origin_price: o.price,
      unit_discount_price: o.discount_price,
      volume_prices: [
        {
          quantity_threshold: 1,
          price,
          unit_origin_price: o.price,
          unit_discount_price: o.discount_price ?? o.price,
        },
      ],
    };
    return {
      offer_id: o.offer_id,
      shop_sku: o.shop_sku,
      product_sku: o.product.product_sku,
      product_title: o.product.title,
      product_brand: o.product.brand,
      product_description: o.product.description,
      product_references: [
        { reference_type: 'SHOP_SKU', reference: o.product.shop_sku },
        ...(o.product.ean ? [{ reference_type: 'EAN', reference: o.product.ean }] : []),
      ],
      category_code: o.product.category_code,
      category_label: o.product.category_label,
      active: o.quantity > 0,
      ...(o.quantity > 0 ? {} : { inactivity_reasons: ['ZERO_QUANTITY'] }),
      quantity: o.quantity,
      ...(o.warehouses
        ? { warehouses: [...o.warehouses].map(([code, quantity]) => ({ code, quantity })) }
        : {}),
      price,
      total_price: Math.round((price + minShipping) * 100) / 100,
      all_prices: [prices],
      applicable_pricing: prices,
      state_code: o.state_code,
      currency_iso_code: mp.currency,
      description: o.description ?? '',
      internal_description: o.internal_description,
      leadtime_to_ship: leadtime === 0 ? 1 : leadtime,
      logistic_class: { code: o.logistic_class ?? 'S', label: o.logistic_class ?? 'Small' },
      min_order_quantity: o.min_order_quantity ?? 1,
      max_order_quantity: o.max_order_quantity ?? 9999,
      min_quantity_alert: o.min_quantity_alert ?? 0,
      package_quantity: o.package_quantity ?? 1,
      min_shipping_price: minShipping,
      min_shipping_price_additional: 0,
      min_shipping_type: mp.shippingTypes[0]?.code ?? 'STD',
      min_shipping_zone: 'DOMESTIC',
      shipping_deadline: new Date(this.clock.now() + leadtime * 86_400_000).toISOString(),
      fulfillment: { center: { code: 'DEFAULT' } },
      channels: [],
      ...(o.available_started ? { available_start_date: o.available_started } : {}),
      ...(o.available_ended ? { available_end_date: o.available_ended } : {}),
    };
  }

  private of(marketplace: string): Map<string, Offer> {
    let shop = this.offers.get(marketplace);
    if (!shop) this.offers.set(marketplace, (shop = new Map()));
    return shop;
  }
}

function str(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

/** A number from JSON or CSV (a decimal comma is accepted, as Mirakl does); null when absent. */
function num(v: unknown, name: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).replace(',', '.'));
  if (!Number.isFinite(n)) throw new OfferLineError(`The ${name} '${String(v)}' is not a number`);
  return n;
}

function int(v: unknown, name: string): number | null {
  const n = num(v, name);
  if (n !== null && (!Number.isInteger(n) || n < 0))
    throw new OfferLineError(`The ${name.replace(/_/g, '-')} '${String(v)}' must be a whole number >= 0`);
  return n;
}

function requireQuantity(v: unknown): number {
  const q = int(v, 'quantity');
  if (q === null) throw new OfferLineError('The quantity is required');
  return q;
}
