import type { ShipmentConfirmed } from '@seller-bridge/contracts';
import type { WarehouseShipment } from '../backoffice/backoffice-client';
import type { PostedLine } from '../erp-posting/sales-order-body';

/**
 * A warehouse shipment as the platform's event. The warehouse names ERP lines (10, 20… in the order they were
 * posted); the posted order's line map gives back the marketplace line ids. Without it (an order this service
 * did not post) the line is named by SKU and matched by SKU later.
 */
export function toShipmentConfirmed(
  s: WarehouseShipment,
  lineMap: readonly PostedLine[] | undefined,
): ShipmentConfirmed {
  return {
    marketplace: s.external_reference.marketplace,
    orderId: s.external_reference.order_id,
    shipmentId: s.shipment_number,
    lines: s.lines.map((l) => {
      const posted = lineMap?.[l.line_no / 10 - 1];
      return {
        lineId: posted && posted.sku === l.sku ? posted.lineId : `sku:${l.sku}`,
        sku: l.sku,
        quantity: l.quantity,
      };
    }),
    carrierName: s.carrier,
    ...(s.tracking_number ? { trackingNumber: s.tracking_number } : {}),
    shippedAt: new Date(s.shipped_at).toISOString(),
  };
}
