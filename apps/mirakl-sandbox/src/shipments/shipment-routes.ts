import { dateParam, jsonObject, multiParam, type AdminRoute, type SandboxRoute } from '../http/route';
import type { MarketplaceSettings } from '../marketplace';
import { seekPage } from '../money/seek-page';
import { SandboxRefusal } from '../orders/order-book';
import type { ShipmentBook, StoredShipment } from './shipment-book';

/** ST01/ST23/ST24 take 1 to 1000 shipments; anything else is refused as a whole. */
function shipmentList(body: Buffer): Record<string, unknown>[] {
  const v = jsonObject(body).shipments;
  if (!Array.isArray(v) || v.length === 0 || v.length > 1000)
    throw new SandboxRefusal(400, 'shipments: a list of 1 to 1000 shipments is required');
  if (v.some((x) => !x || typeof x !== 'object' || Array.isArray(x)))
    throw new SandboxRefusal(400, 'shipments: every shipment must be an object');
  return v as Record<string, unknown>[];
}

/** A shipment as ST01 returns it and ST11 lists it (without the sandbox's own bookkeeping). */
function publicShipment(s: StoredShipment): Record<string, unknown> {
  const { marketplace, seq, source, ...rest } = s;
  void [marketplace, seq, source];
  return structuredClone(rest);
}

/** ST01, ST11, ST23, ST24: several shipments per order, on marketplaces that allow them. */
export function shipmentRoutes(book: ShipmentBook): SandboxRoute[] {
  return [
    {
      operation: 'ST01',
      method: 'POST',
      path: /^\/api\/shipments$/,
      handle: ({ mp, body }) => {
        const { success, errors } = book.create(mp.code, shipmentList(body));
        return {
          status: 201,
          body: { shipment_success: success.map(publicShipment), shipment_errors: errors },
          write: true,
        };
      },
    },
    {
      operation: 'ST11',
      method: 'GET',
      path: /^\/api\/shipments$/,
      handle: ({ mp, url }) => {
        const all = book.list(mp.code);
        const page = seekPage(
          url,
          {
            sorts: { dateCreated: { desc: false, key: (s: StoredShipment) => Date.parse(s.created_date) } },
            defaultSort: 'dateCreated',
            defaultLimit: 10,
            maxLimit: 100,
            seq: (s) => s.seq,
          },
          (f) => {
            // Repeated parameters, as ST11 documents them: `order_id=A,B` is one (unknown) id.
            const orders = multiParam(f, 'order_id', undefined, false);
            const states = multiParam(f, 'shipment_state_code', undefined, false);
            const debit = multiParam(f, 'shipment_customer_debit_state_code', undefined, false);
            const [from, to] = [dateParam(f, 'last_updated_from'), dateParam(f, 'last_updated_to')];
            return all.filter((s) => {
              const updated = Date.parse(s.last_updated_date);
              return (
                (!orders || orders.has(s.order_id)) &&
                (!states || states.has(s.status)) &&
                (!debit || debit.has(s.status_customer_debit)) &&
                (from === undefined || updated >= from) &&
                (to === undefined || updated <= to)
              );
            });
          },
        );
        return { status: 200, body: { ...page, data: page.data.map(publicShipment) } };
      },
    },
    {
      operation: 'ST23',
      method: 'POST',
      path: /^\/api\/shipments\/tracking$/,
      handle: ({ mp, body }) => {
        const { success, errors } = book.updateTracking(mp.code, shipmentList(body));
        return { status: 200, body: { shipment_success: success, shipment_errors: errors }, write: true };
      },
    },
    {
      operation: 'ST24',
      method: 'PUT',
      path: /^\/api\/shipments\/ship$/,
      handle: ({ mp, body }) => {
        const { success, errors } = book.ship(mp.code, shipmentList(body));
        return { status: 200, body: { shipment_success: success, shipment_errors: errors }, write: true };
      },
    },
  ];
}

/**
 * Admin: the shipments' truth (`GET /admin/marketplaces/:mp/shipments[?order_id=]`, with each order line's
 * units in shipments and shipped) and the multi-shipment setting (`PUT …/multi-shipment {"enabled": true}`).
 */
export function shipmentAdminRoutes(
  book: ShipmentBook,
  marketplaces: Map<string, MarketplaceSettings>,
): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/shipments$/,
      handle: ({ url, params }) => {
        const orderId = url.searchParams.get('order_id');
        const shipments = book.all(params.mp).filter((s) => !orderId || s.order_id === orderId);
        const orderIds = [...new Set(shipments.map((s) => s.order_id))];
        return {
          status: 200,
          body: {
            multi_shipment: marketplaces.get(params.mp)!.multiShipment === true,
            shipments: shipments.map((s) => ({ ...publicShipment(s), source: s.source })),
            line_quantities: Object.fromEntries(orderIds.map((id) => [id, book.quantities(params.mp, id)])),
          },
        };
      },
    },
    {
      method: 'PUT',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/multi-shipment$/,
      handle: ({ json, params }) => {
        if (typeof json.enabled !== 'boolean') throw new RangeError('enabled must be true or false');
        marketplaces.get(params.mp)!.multiShipment = json.enabled;
        return { status: 200, body: { multi_shipment: json.enabled } };
      },
    },
  ];
}
