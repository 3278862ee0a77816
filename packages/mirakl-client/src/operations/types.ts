/**
 * Mirakl seller API shapes, written from Mirakl's OpenAPI description (`OR11_Response_200`, `OR21`, `SH21`),
 * keeping what the platform reads. Mirakl adds fields and enum values: every object tolerates unknown fields,
 * every enum is `string` with the known values listed for documentation, and anything Mirakl may send as
 * null is typed so.
 */

/** Known order states; others may appear. */
export type MiraklOrderState =
  | 'STAGING'
  | 'WAITING_ACCEPTANCE'
  | 'WAITING_DEBIT'
  | 'WAITING_DEBIT_PAYMENT'
  | 'SHIPPING'
  | 'SHIPPED'
  | 'TO_COLLECT'
  | 'RECEIVED'
  | 'CLOSED'
  | 'REFUSED'
  | 'CANCELED'
  | (string & {});

export interface MiraklTax {
  code: string;
  amount: number;
  [field: string]: unknown;
}

export interface MiraklOrderLine {
  order_line_id: string;
  order_line_index?: number | null;
  order_line_state: MiraklOrderState | 'INCIDENT_OPEN' | 'REFUNDED';
  offer_sku: string;
  product_sku?: string | null;
  product_title?: string | null;
  quantity: number;
  price: number;
  price_unit?: number | null;
  shipping_price?: number | null;
  taxes?: MiraklTax[] | null;
  shipping_taxes?: MiraklTax[] | null;
  commission_fee?: number | null;
  commission_taxes?: MiraklTax[] | null;
  total_commission?: number | null;
  total_price: number;
  refunds?: MiraklLineRefund[] | null;
  cancelations?: MiraklLineCancelation[] | null;
  [field: string]: unknown;
}

/** A refund of an order line (OR28; OR11 lists them per line). */
export interface MiraklLineRefund {
  id: string;
  order_refund_id?: string | null;
  amount: number;
  shipping_amount?: number | null;
  quantity?: number | null;
  reason_code: string;
  taxes?: MiraklTax[] | null;
  shipping_taxes?: MiraklTax[] | null;
  state?: string | null;
  created_date?: string | null;
  [field: string]: unknown;
}

/** A cancellation of order line quantities (OR29/OR30; OR11 lists them per line). */
export interface MiraklLineCancelation {
  id: string;
  amount: number;
  shipping_amount?: number | null;
  quantity?: number | null;
  reason_code: string;
  taxes?: MiraklTax[] | null;
  created_date?: string | null;
  [field: string]: unknown;
}

export interface MiraklAddress {
  firstname?: string | null;
  lastname?: string | null;
  street_1?: string | null;
  street_2?: string | null;
  zip_code?: string | null;
  city?: string | null;
  country?: string | null;
  country_iso_code?: string | null;
  phone?: string | null;
  [field: string]: unknown;
}

export interface MiraklOrder {
  order_id: string;
  commercial_id?: string | null;
  order_state: MiraklOrderState;
  created_date: string;
  last_updated_date: string;
  acceptance_decision_date?: string | null;
  shipping_deadline?: string | null;
  leadtime_to_ship?: number | null;
  currency_iso_code: string;
  order_tax_mode?: 'TAX_INCLUDED' | 'TAX_EXCLUDED' | (string & {}) | null;
  /** Whether the seller may cancel it now (OR29). */
  can_cancel?: boolean | null;
  price: number;
  shipping_price?: number | null;
  total_price: number;
  total_commission?: number | null;
  shipping_type_code?: string | null;
  customer?: {
    customer_id: string;
    firstname?: string | null;
    lastname?: string | null;
    /** Null until acceptance on many marketplaces. */
    shipping_address?: MiraklAddress | null;
    billing_address?: MiraklAddress | null;
    [field: string]: unknown;
  } | null;
  /** Anonymised: never an identity. Identify customers by `customer.customer_id`. */
  customer_notification_email?: string | null;
  shipping_carrier_code?: string | null;
  shipping_company?: string | null;
  shipping_tracking?: string | null;
  shipping_tracking_url?: string | null;
  order_lines: MiraklOrderLine[];
  [field: string]: unknown;
}

export interface MiraklCarrier {
  code: string;
  label: string;
  standard_code?: string | null;
  /** Holds `{trackingId}` where the tracking number goes. */
  tracking_url?: string | null;
  [field: string]: unknown;
}

export interface MiraklShippingType {
  code: string;
  label: string;
  mandatory_tracking?: boolean | null;
  click_and_collect?: boolean | null;
  [field: string]: unknown;
}

/** OR23: `carrierCode` from SH21, or `carrierName` (+ `carrierUrl`) where the marketplace allows others. */
export interface TrackingUpdate {
  carrierCode?: string;
  carrierName?: string;
  carrierUrl?: string;
  trackingNumber: string;
}

/** OR11 filters (dates as ISO-8601 strings). */
export interface ListOrdersFilter {
  orderIds?: string[];
  orderStateCodes?: MiraklOrderState[];
  startUpdateDate?: string;
  endUpdateDate?: string;
  startDate?: string;
  endDate?: string;
  customerDebited?: boolean;
}

/** OR21: a decision for every line of the order. */
export interface OrderLineDecision {
  id: string;
  accepted: boolean;
}

/** OR30: quantities of a line cancelled before shipping, with the amounts given back to the customer. */
export interface LineCancelation {
  order_line_id: string;
  quantity: number;
  amount: number;
  shipping_amount: number;
  reason_code: string;
  taxes?: { code: string; amount: number }[];
  shipping_taxes?: { code: string; amount: number }[];
}

/** OR28: a refund on a shipped line. Taxes are required when the order carries taxes. */
export interface LineRefund {
  order_line_id: string;
  amount: number;
  shipping_amount: number;
  reason_code: string;
  quantity?: number;
  taxes?: { code: string; amount: number }[];
  shipping_taxes?: { code: string; amount: number }[];
}
