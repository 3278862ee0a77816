import type { OrderBook } from './order-book';
import {
  dateParam,
  idFilter,
  jsonObject,
  list,
  offsetPage,
  stringFields,
  written,
  type SandboxRoute,
} from '../http/route';

const TRACKING_FIELDS = ['carrier_code', 'carrier_name', 'carrier_url', 'tracking_number'] as const;

/** OR11, OR21, OR23, OR24: where orders are listed, accepted, tracked and shipped. */
export function orderRoutes(orders: OrderBook): SandboxRoute[] {
  return [
    {
      operation: 'OR11',
      method: 'GET',
      path: /^\/api\/orders$/,
      handle: ({ mp, url, base }) => {
        const q = url.searchParams;
        const ids = idFilter(q, 'order_ids');
        const states = list(q.get('order_state_codes'));
        const startUpdate = dateParam(q, 'start_update_date');
        const endUpdate = dateParam(q, 'end_update_date');
        const matching = orders.list(mp.code).filter((o) => {
          const updated = Date.parse(o.last_updated_date as string);
          return (
            (!ids || ids.includes(o.order_id as string)) &&
            (!states || states.includes(o.order_state as string)) &&
            (startUpdate === undefined || updated >= startUpdate - mp.updateDateMarginMs) &&
            (endUpdate === undefined || updated <= endUpdate)
          );
        });
        const { page, total_count, headers } = offsetPage(matching, url, base);
        return { status: 200, body: { orders: structuredClone(page), total_count }, headers };
      },
    },
    {
      operation: 'OR21',
      method: 'PUT',
      path: /^\/api\/orders\/(?<orderId>[^/]+)\/accept$/,
      handle: ({ mp, body, params }) => {
        const parsed = jsonObject(body);
        const lines = Array.isArray(parsed.order_lines) ? parsed.order_lines : [];
        const decisions = lines
          .filter(
            (l): l is { id: string; accepted: boolean } =>
              typeof l === 'object' && l !== null && typeof (l as { id?: unknown }).id === 'string',
          )
          .map((l) => ({ id: l.id, accepted: l.accepted }));
        orders.accept(mp.code, params.orderId, decisions);
        return written();
      },
    },
    {
      operation: 'OR23',
      method: 'PUT',
      path: /^\/api\/orders\/(?<orderId>[^/]+)\/tracking$/,
      handle: ({ mp, body, params }) => {
        orders.setTracking(mp.code, params.orderId, stringFields(jsonObject(body), TRACKING_FIELDS));
        return written();
      },
    },
    {
      operation: 'OR24',
      method: 'PUT',
      path: /^\/api\/orders\/(?<orderId>[^/]+)\/ship$/,
      handle: ({ mp, params }) => {
        orders.ship(mp.code, params.orderId);
        return written();
      },
    },
  ];
}
