import { MiraklApiError } from '../http/errors';
import type { MiraklTransport } from '../http/transport';
import { chunkIds } from '../paging/ids';
import { seekPaged } from '../paging/paging';
import type {
  ListShipmentsFilter,
  MiraklShipment,
  MiraklShipmentTracking,
  NewShipment,
  ShipmentItemError,
  ShipmentRef,
} from './shipment-types';

/** ST01/ST23/ST24 take at most 1000 shipments a call. */
export const SHIPMENTS_PER_CALL = 1000;
/** ST11's page size: Mirakl documents no maximum for it; 100 is what its other seek reads accept. */
export const ST11_PAGE = 100;

const SHIPPED_OR_LATER = new Set(['SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);

interface ItemAnswer<S> {
  shipment_success?: S[] | null;
  shipment_errors?: { id?: string; order_id?: string; message?: string }[] | null;
}

/** ST11: every shipment matching the filter, every seek page; more than 100 order ids go in several calls. */
export async function* listShipments(
  transport: MiraklTransport,
  filter: ListShipmentsFilter = {},
  pageSize = ST11_PAGE,
): AsyncGenerator<MiraklShipment, void> {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ST11_PAGE)
    throw new RangeError(`ST11 page size must be an integer from 1 to ${ST11_PAGE}, got ${pageSize}`);
  let counted = false;
  for (const ids of filter.orderIds ? chunkIds(filter.orderIds) : [undefined]) {
    const query = {
      order_id: ids,
      shipment_state_code: filter.shipmentStateCodes,
      last_updated_from: filter.lastUpdatedFrom,
      last_updated_to: filter.lastUpdatedTo,
      limit: pageSize,
    };
    yield* seekPaged<{ data?: MiraklShipment[] | null; next_page_token?: string | null }, MiraklShipment>(
      ({ pageToken }) => {
        const continuation = counted;
        counted = true;
        return transport.call({
          operation: 'ST11',
          method: 'GET',
          path: '/api/shipments',
          query: { ...query, page_token: pageToken },
          // Mirakl documents ST11's lists as repeated parameters (explode): a comma-joined id is one id.
          repeat: ['order_id', 'shipment_state_code'],
          continuation,
        });
      },
      (body) => body?.data,
    );
  }
}

/**
 * ST01: creates shipments, each with its lines, quantities and tracking. Mirakl answers 201 with a success
 * and an error list: a shipment it refused (over-shipping, a line in the wrong state…) is in `errors`, the
 * call itself succeeded. A call without a clear answer is read back with ST11 (by order): a shipment found
 * with the same lines, quantities, package references and tracking number landed and is returned in
 * `alreadyCreated`; only the others are sent again. Give each parcel a unique `packageReference` so the
 * read-back cannot mistake an identical earlier parcel for this one.
 */
export async function createShipments(
  transport: MiraklTransport,
  shipments: readonly NewShipment[],
  attempts = 3,
): Promise<{ created: MiraklShipment[]; alreadyCreated: MiraklShipment[]; errors: ShipmentItemError[] }> {
  checkBatch(shipments.length, 'ST01');
  const out = {
    created: [] as MiraklShipment[],
    alreadyCreated: [] as MiraklShipment[],
    errors: [] as ShipmentItemError[],
  };
  await writeBatch(
    shipments,
    attempts,
    async (pending) => {
      const res = await transport.call<ItemAnswer<MiraklShipment>>({
        operation: 'ST01',
        method: 'POST',
        path: '/api/shipments',
        body: { shipments: pending.map(st01Body) },
      });
      out.created.push(...(res.body?.shipment_success ?? []));
      out.errors.push(...itemErrors(res.body));
    },
    async (pending) => {
      const known = await collect(listShipments(transport, { orderIds: orderIdsOf(pending) }));
      const taken = new Set<string>();
      return pending.filter((want) => {
        const found = known.find((s) => !taken.has(s.id) && sameShipment(s, want));
        if (!found) return true;
        taken.add(found.id);
        out.alreadyCreated.push(found);
        return false;
      });
    },
  );
  return out;
}

/**
 * ST23: tracking for existing shipments. Per-item errors come back in `errors`. Read back before any resend:
 * a shipment already carrying the tracking number is `alreadyApplied`.
 */
export async function updateShipmentTracking(
  transport: MiraklTransport,
  updates: readonly (ShipmentRef & { tracking: NonNullable<NewShipment['tracking']> })[],
  attempts = 3,
): Promise<{ updated: string[]; alreadyApplied: string[]; errors: ShipmentItemError[] }> {
  checkBatch(updates.length, 'ST23');
  const out = { updated: [] as string[], alreadyApplied: [] as string[], errors: [] as ShipmentItemError[] };
  await writeBatch(
    updates,
    attempts,
    async (pending) => {
      const res = await transport.call<ItemAnswer<{ id: string }>>({
        operation: 'ST23',
        method: 'POST',
        path: '/api/shipments/tracking',
        body: { shipments: pending.map((u) => ({ id: u.id, tracking: trackingBody(u.tracking) })) },
      });
      out.updated.push(...(res.body?.shipment_success ?? []).map((s) => s.id));
      out.errors.push(...itemErrors(res.body));
    },
    async (pending) => {
      const now = await byId(transport, pending);
      return pending.filter((u) => {
        const number = now.get(u.id)?.tracking?.tracking_number;
        if (!number || number !== u.tracking.trackingNumber) return true;
        out.alreadyApplied.push(u.id);
        return false;
      });
    },
  );
  return out;
}

/**
 * ST24: validates shipments as shipped. Per-item errors come back in `errors`. Read back before any resend: a
 * shipment already SHIPPED (or later) is `alreadyShipped`.
 */
export async function validateShipments(
  transport: MiraklTransport,
  refs: readonly ShipmentRef[],
  attempts = 3,
): Promise<{ shipped: string[]; alreadyShipped: string[]; errors: ShipmentItemError[] }> {
  checkBatch(refs.length, 'ST24');
  const out = { shipped: [] as string[], alreadyShipped: [] as string[], errors: [] as ShipmentItemError[] };
  await writeBatch(
    refs,
    attempts,
    async (pending) => {
      const res = await transport.call<ItemAnswer<{ id: string }>>({
        operation: 'ST24',
        method: 'PUT',
        path: '/api/shipments/ship',
        body: { shipments: pending.map((r) => ({ id: r.id })) },
      });
      out.shipped.push(...(res.body?.shipment_success ?? []).map((s) => s.id));
      out.errors.push(...itemErrors(res.body));
    },
    async (pending) => {
      const now = await byId(transport, pending);
      return pending.filter((r) => {
        if (!SHIPPED_OR_LATER.has(String(now.get(r.id)?.status))) return true;
        out.alreadyShipped.push(r.id);
        return false;
      });
    },
  );
  return out;
}

/**
 * A batch write is sent once. Only when it got no clear answer (a transient error) is it read back:
 * `notLanded` keeps the items that did not take effect (and records those that did), and only those are sent
 * again. A refusal of the whole call (4xx) is thrown at once.
 */
async function writeBatch<T>(
  items: readonly T[],
  attempts: number,
  send: (pending: readonly T[]) => Promise<void>,
  notLanded: (pending: readonly T[]) => Promise<readonly T[]>,
): Promise<void> {
  let pending = items;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(pending);
    } catch (err) {
      if (!(err instanceof MiraklApiError) || !err.transient || attempt >= attempts) throw err;
      pending = await notLanded(pending);
      if (pending.length === 0) return;
    }
  }
}

/** Does a shipment Mirakl lists carry exactly the lines (and tracking number) of the one we asked for? */
export function sameShipment(s: MiraklShipment, want: NewShipment): boolean {
  if (s.order_id !== want.orderId || s.status === 'CANCELED') return false;
  const number = want.tracking?.trackingNumber;
  if (number !== undefined && s.tracking?.tracking_number !== number) return false;
  const lines = [...(s.shipment_lines ?? [])];
  if (lines.length !== want.lines.length) return false;
  return want.lines.every((w) => {
    const i = lines.findIndex(
      (l) =>
        (w.orderLineId !== undefined ? l.order_line_id === w.orderLineId : l.offer_sku === w.offerSku) &&
        l.quantity === w.quantity &&
        (l.package_reference ?? undefined) === w.packageReference,
    );
    if (i < 0) return false;
    lines.splice(i, 1);
    return true;
  });
}

function st01Body(s: NewShipment): Record<string, unknown> {
  return {
    order_id: s.orderId,
    shipment_lines: s.lines.map((l) => ({
      order_line_id: l.orderLineId,
      offer_sku: l.orderLineId === undefined ? l.offerSku : undefined,
      quantity: l.quantity,
      package_reference: l.packageReference,
    })),
    tracking: s.tracking ? trackingBody(s.tracking) : undefined,
    shipped: s.shipped,
    invoice_reference: s.invoiceReference,
    shipping_from: s.warehouseCode ? { warehouse: { code: s.warehouseCode } } : undefined,
  };
}

function trackingBody(t: NonNullable<NewShipment['tracking']>): MiraklShipmentTracking {
  return {
    carrier_code: t.carrierCode,
    carrier_name: t.carrierName,
    tracking_number: t.trackingNumber,
    tracking_url: t.trackingUrl,
  };
}

function itemErrors(body: ItemAnswer<unknown> | undefined): ShipmentItemError[] {
  return (body?.shipment_errors ?? []).map((e) => ({
    ...(e.order_id ? { orderId: e.order_id } : {}),
    ...(e.id ? { shipmentId: e.id } : {}),
    message: e.message ?? 'refused without a message',
  }));
}

async function byId(
  transport: MiraklTransport,
  refs: readonly ShipmentRef[],
): Promise<Map<string, MiraklShipment>> {
  const out = new Map<string, MiraklShipment>();
  for await (const s of listShipments(transport, { orderIds: orderIdsOf(refs) })) out.set(s.id, s);
  return out;
}

const orderIdsOf = (items: readonly { orderId: string }[]) => [...new Set(items.map((i) => i.orderId))];

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function checkBatch(n: number, operation: string): void {
  if (n < 1 || n > SHIPMENTS_PER_CALL)
    throw new RangeError(`${operation} takes 1 to ${SHIPMENTS_PER_CALL} shipments, got ${n}`);
}
