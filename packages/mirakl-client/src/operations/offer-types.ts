/**
 * Offers, stock and product imports, written from Mirakl's OpenAPI description (OF21, OF24, OF01-03,
 * STO01-03, P41/P42/P44), keeping what the platform reads. Unknown fields and enum values are tolerated.
 */

export interface MiraklOfferPrice {
  channel_code?: string | null;
  price: number;
  unit_origin_price: number;
  unit_discount_price?: number | null;
  [field: string]: unknown;
}

/** OF21: an offer as the marketplace holds it. */
export interface MiraklOffer {
  offer_id: number;
  shop_sku: string;
  product_sku: string;
  product_title?: string | null;
  product_references?: { reference: string; reference_type: string }[] | null;
  category_code?: string | null;
  active: boolean;
  inactivity_reasons?: string[] | null;
  quantity: number;
  warehouses?: { code: string; quantity: number }[] | null;
  price?: number | null;
  total_price?: number | null;
  all_prices?: MiraklOfferPrice[] | null;
  applicable_pricing?: MiraklOfferPrice | null;
  state_code: string;
  currency_iso_code?: string | null;
  description?: string | null;
  leadtime_to_ship?: number | null;
  min_order_quantity?: number | null;
  max_order_quantity?: number | null;
  [field: string]: unknown;
}

export interface ListOffersFilter {
  /** The shop's SKUs (`sku`). */
  skus?: readonly string[];
  /** The operator's product SKUs (`product_id`). */
  productIds?: readonly string[];
  offerStateCodes?: readonly string[];
}

/**
 * OF24: a whole offer. Mirakl resets every field that is not sent (an omitted quantity becomes 0), so the
 * fields that matter are required here: an update is always the complete offer, never a partial one.
 */
export interface MiraklOfferUpdate {
  shop_sku: string;
  product_id: string;
  product_id_type: string;
  price: number;
  quantity: number;
  state_code: string;
  update_delete: 'update' | 'delete';
  description: string | null;
  leadtime_to_ship: number | null;
  min_order_quantity?: number | null;
  max_order_quantity?: number | null;
  package_quantity?: number | null;
  min_quantity_alert?: number | null;
  logistic_class?: string | null;
  internal_description?: string | null;
  available_started?: string | null;
  available_ended?: string | null;
  discount?: { price?: number; start_date?: string; end_date?: string } | null;
  [field: string]: unknown;
}

/** STO01: one line of a stock file, globally or for one warehouse. */
export interface StockLine {
  offerSku: string;
  quantity: number;
  warehouseCode?: string;
  /** `delete` removes the warehouse's quantity. */
  updateDelete?: 'update' | 'delete';
}

export type MiraklImportStatus =
  'WAITING_SYNCHRONIZATION_PRODUCT' | 'WAITING' | 'RUNNING' | 'COMPLETE' | 'FAILED' | (string & {});

/** OF02. */
export interface MiraklOfferImport {
  import_id: number;
  status: MiraklImportStatus;
  reason_status?: string | null;
  mode?: string | null;
  date_created: string;
  has_error_report: boolean;
  lines_read?: number | null;
  lines_in_success?: number | null;
  lines_in_error?: number | null;
  lines_in_pending?: number | null;
  offer_inserted?: number | null;
  offer_updated?: number | null;
  offer_deleted?: number | null;
  [field: string]: unknown;
}

/** STO02 (its import id is a string). */
export interface MiraklStockImport {
  import_id: string;
  status: MiraklImportStatus;
  date_created: string;
  has_error_report: boolean;
  lines_in_success?: number | null;
  lines_in_error?: number | null;
  [field: string]: unknown;
}

/** P42. */
export interface MiraklProductImport {
  import_id: number;
  import_status:
    | 'TRANSFORMATION_WAITING'
    | 'TRANSFORMATION_RUNNING'
    | 'TRANSFORMATION_FAILED'
    | 'WAITING'
    | 'RUNNING'
    | 'SENT'
    | 'COMPLETE'
    | 'CANCELLED'
    | 'FAILED'
    | (string & {});
  reason_status?: string | null;
  date_created: string;
  has_error_report: boolean;
  transform_lines_read?: number | null;
  transform_lines_in_success?: number | null;
  transform_lines_in_error?: number | null;
  [field: string]: unknown;
}

/** A line of an error report (OF03, STO03, P44): its line number, Mirakl's reason, and the line's fields. */
export interface ImportErrorLine {
  line: number | null;
  message: string;
  fields: Record<string, string>;
}

export type ImportKind = 'offers' | 'stock' | 'products';
