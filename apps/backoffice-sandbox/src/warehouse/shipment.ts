/** A parcel (or pallet) that left a warehouse, as the WMS reports it. */
export interface Shipment {
  /** Position in the shipment list, from 1: `GET /api/shipments?after=` pages on it. */
  seq: number;
  shipment_number: string;
  sales_order_number: string;
  external_reference: { marketplace: string; order_id: string };
  warehouse: string;
  /** The carrier service as the warehouse writes it; not a marketplace carrier code. */
  carrier: string;
  /** Null for services without tracking. */
  tracking_number: string | null;
  ship_to_country: string;
  weight_grams: number;
  shipped_at: string;
  lines: { line_no: number; sku: string; quantity: number }[];
}
