import { SandboxRefusal, type OrderBook } from './order-book';
import type { ShipmentBook } from '../shipments/shipment-book';
import {
  dateParam,
  idFilter,
  jsonObject,
  list,
  offsetPage,
  stringFields,
  written,
  type AdminRoute,
  type SandboxRoute,
} from '../http/route';

const TRACKING_FIELDS = ['carrier_code', 'carrier_name', 'carrier_url', 'tracking_number'] as const;

/** States in which the customer has been debited (`customer_debited=true`). */
const DEBITED = new Set(['SHIPPING', 'SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);

function booleanParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v !== 'true' && v !== 'false')
    throw new SandboxRefusal(400, `Invalid value for parameter ${name}: ${v}`);
  return v === 'true';
}

/**
 * OR11, OR21, OR23, OR24, OR28-30, OR64: where orders are listed, accepted, tracked, shipped, cancelled,
 * refunded, and their incidents resolved.
 */
export function orderRoutes(
  orders: OrderBook,
  /** Multi-shipment marketplaces: cancellations must leave shipped units alone. */
  shipments?: Pick<ShipmentBook, 'checkOrderCancel' | 'checkLineCancels' | 'afterLineCancels'>,
): SandboxRoute[] {
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
        const startDate = dateParam(q, 'start_date');
        const endDate = dateParam(q, 'end_date');
        const debited = booleanParam(q, 'customer_debited');
        const taxMode = q.get('order_tax_mode');
        if (taxMode !== null && taxMode !== 'TAX_INCLUDED' && taxMode !== 'TAX_EXCLUDED')
          throw new SandboxRefusal(400, `Invalid value for parameter order_tax_mode: ${taxMode}`);
        const sort = q.get('sort');
        if (sort !== null && sort !== 'dateCreated')
          throw new SandboxRefusal(400, `Invalid value for parameter sort: ${sort} (dateCreated)`);
        const direction = q.get('order') ?? 'asc';
        if (direction !== 'asc' && direction !== 'desc')
          throw new SandboxRefusal(400, `Invalid value for parameter order: ${direction}`);
        const matching = orders.list(mp.code).filter((o) => {
          const updated = Date.parse(o.last_updated_date as string);
          const created = Date.parse(o.created_date as string);
          return (
            (!ids || ids.includes(o.order_id as string)) &&
            (!states || states.includes(o.order_state as string)) &&
            (startUpdate === undefined || updated >= startUpdate - mp.updateDateMarginMs) &&
            (endUpdate === undefined || updated <= endUpdate) &&
            (startDate === undefined || created >= startDate) &&
            (endDate === undefined || created <= endDate) &&
            (debited === undefined || DEBITED.has(o.order_state as string) === debited) &&
            (taxMode === null || o.order_tax_mode === taxMode)
          );
        });
        if (direction === 'desc') matching.reverse();
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
    {
      operation: 'OR64',
      method: 'PUT',
      path: /^\/api\/orders\/(?<orderId>[^/]+)\/lines\/(?<lineId>[^/]+)\/resolve_incident$/,
      handle: ({ mp, body, params }) => {
        orders.resolveIncident(mp.code, params.orderId, params.lineId, jsonObject(body).reason_code);
        return written();
      },
    },
    {
      operation: 'OR29',
      method: 'PUT',
      path: /^\/api\/orders\/(?<orderId>[^/]+)\/cancel$/,
      handle: ({ mp, params }) => {
        shipments?.checkOrderCancel(mp.code, params.orderId);
        orders.cancelOrder(mp.code, params.orderId);
        return written();
      },
    },
    {
      operation: 'OR30',
      method: 'PUT',
      path: /^\/api\/orders\/cancel$/,
      handle: ({ mp, body }) => {
        const json = jsonObject(body);
        const cancelations = objectList(json.cancelations, 'cancelations');
        shipments?.checkLineCancels(mp.code, cancelations);
        const created = orders.cancelLines(
          mp.code,
          cancelations as unknown as Parameters<OrderBook['cancelLines']>[1],
        );
        shipments?.afterLineCancels(
          mp.code,
          created.map((c) => String(c.order_line_id)),
        );
        return {
          status: 200,
          body: { order_tax_mode: 'TAX_INCLUDED', cancelations: created.map(publicCancelation) },
          write: true,
        };
      },
    },
    {
      operation: 'OR28',
      method: 'PUT',
      path: /^\/api\/orders\/refund$/,
      handle: ({ mp, body }) => {
        const json = jsonObject(body);
        const refunds = objectList(json.refunds, 'refunds');
        const created = orders.refund(mp.code, refunds as unknown as Parameters<OrderBook['refund']>[1]);
        return {
          status: 200,
          body: { order_tax_mode: 'TAX_INCLUDED', refunds: created.map(publicRefund) },
          write: true,
        };
      },
    },
  ];
}

/** A non-empty list of objects, or Mirakl's 400 naming the field. */
function objectList(v: unknown, name: string): Record<string, unknown>[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => !x || typeof x !== 'object' || Array.isArray(x)))
    throw new SandboxRefusal(400, `${name}: a non-empty list of objects is required`);
  return v as Record<string, unknown>[];
}

/** OR30's answer for one cancellation (OR11 lists the same under the line's `cancelations`). */
function publicCancelation(c: Record<string, unknown>): Record<string, unknown> {
  const { id, created_date, commission_tax_amount, ...rest } = c;
  void [id, created_date, commission_tax_amount];
  return rest;
}

/** OR28's answer for one refund. */
function publicRefund(r: Record<string, unknown>): Record<string, unknown> {
  const {
    id,
    created_date,
    state,
    refund_state,
    commission_amount,
    commission_taxes,
    commission_tax_amount,
    commission_total_amount,
    ...rest
  } = r;
  void [id, created_date, state, refund_state, commission_amount, commission_taxes];
  void [commission_tax_amount, commission_total_amount];
  return rest;
}

/** Admin: what customers and the operator do to orders outside the seller API. */
export function orderAdminRoutes(orders: OrderBook): AdminRoute[] {
  return [
    {
      // A customer opens an incident on a shipped line (`{ "reason_code": "1" }`, e.g. "Item not received").
      method: 'POST',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/orders\/(?<orderId>[^/]+)\/lines\/(?<lineId>[^/]+)\/incident$/,
      handle: ({ json, params }) => {
        orders.openIncident(params.mp, params.orderId, params.lineId, json.reason_code as string);
        return { status: 201, body: { order_line_id: params.lineId, order_line_state: 'INCIDENT_OPEN' } };
      },
    },
  ];
}
