/**
 * Mirakl's multi-shipment API (ST01, ST11, ST23, ST24), written from Mirakl's OpenAPI description
 * (`ST01_Request`, `ST01_Response_201`, `ST11_Response_200`, `ST23`/`ST24` requests and answers). Only on
 * platforms where the operator enabled several shipments per order (PC01 `features.shipment.multi_shipment`).
 * Unknown fields are tolerated and enums are open, as everywhere in this client.
 */

/** Known shipment states; others may appear. */
export type MiraklShipmentState =
  | 'SHIPPING'
  | 'READY_FOR_PICK_UP'
  | 'SHIPMENT_PREPARED'
  | 'SHIPPED'
  | 'TO_COLLECT'
  | 'RECEIVED'
  | 'CANCELED'
  | 'CLOSED'
  | (string & {});

/** Tracking of a shipment: a registered carrier code (SH21), or a carrier name where the operator allows it. */
export interface MiraklShipmentTracking {
  carrier_code?: string | null;
  carrier_name?: string | null;
  carrier_standard_code?: string | null;
  tracking_number?: string | null;
  tracking_url?: string | null;
  [field: string]: unknown;
}

/** A line of a shipment: the order line (or, deprecated, the offer SKU) and how many units it carries. */
export interface MiraklShipmentLine {
  order_line_id?: string | null;
  offer_sku?: string | null;
  /** The seller's own reference of the parcel; this client's read-back recognises a shipment by it. */
  package_reference?: string | null;
  quantity: number;
  [field: string]: unknown;
}

/** A shipment as ST01 returns it and ST11 lists it. */
export interface MiraklShipment {
  id: string;
  order_id: string;
  status: MiraklShipmentState;
  status_customer_debit?: string | null;
  created_date: string;
  last_updated_date: string;
  shipped_date?: string | null;
  invoice_reference?: string | null;
  shipment_lines?: MiraklShipmentLine[] | null;
  tracking?: MiraklShipmentTracking | null;
  [field: string]: unknown;
}

/** One shipment to create (ST01). */
export interface NewShipment {
  orderId: string;
  /** Each line names its order line (`order_line_id`, preferred) or its offer SKU, with a quantity. */
  lines: { orderLineId?: string; offerSku?: string; quantity: number; packageReference?: string }[];
  tracking?: { carrierCode?: string; carrierName?: string; trackingNumber?: string; trackingUrl?: string };
  /** Ship it at creation (no ST24 needed). */
  shipped?: boolean;
  invoiceReference?: string;
  warehouseCode?: string;
}

/** A shipment Mirakl refused inside a successful answer (per-item error). */
export interface ShipmentItemError {
  /** ST01 names the order; ST23/ST24 name the shipment. */
  orderId?: string;
  shipmentId?: string;
  message: string;
}

/** ST11 filters. */
export interface ListShipmentsFilter {
  orderIds?: string[];
  shipmentStateCodes?: MiraklShipmentState[];
  lastUpdatedFrom?: string;
  lastUpdatedTo?: string;
}

/** A shipment named for ST23/ST24, with its order: ST11 filters by order only, so the read-back needs it. */
export interface ShipmentRef {
  id: string;
  orderId: string;
}
