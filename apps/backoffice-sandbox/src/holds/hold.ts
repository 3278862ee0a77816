import { array, integer, object, onlyKeys, optionalString, string } from '../common/decode';
import { MARKETPLACE_PATTERN } from '../customers/customer';

/** Who a hold is for: the marketplace order (and line) that will become a sales order. */
export interface HoldReference {
  marketplace: string;
  order_id: string;
  line_id?: string;
}

export type HoldState = 'held' | 'released' | 'converted';

/**
 * Units promised to a marketplace order that is not in the ERP yet (a soft allocation). Held units are out of
 * `available` for every channel; posting the order's sales order converts its holds into the allocation.
 */
export interface Hold {
  key: string;
  sku: string;
  quantity: number;
  reference: HoldReference;
  /** Where the units are held: the warehouses with the most available first. */
  portions: { warehouse: string; quantity: number }[];
  state: HoldState;
  createdAt: number;
  endedAt?: number;
  salesOrderNumber?: string;
}

export interface HoldInput {
  key: string;
  sku: string;
  quantity: number;
  reference: HoldReference;
  /** Only these warehouses may hold the units (default: every warehouse). */
  warehouses?: string[];
}

export const HOLD_KEY = /^[\x21-\x7e]{1,255}$/;
export const MAX_HOLDS_PER_CALL = 500;

export const holdView = (h: Hold) => ({
  key: h.key,
  sku: h.sku,
  quantity: h.quantity,
  reference: { ...h.reference },
  portions: h.portions.map((p) => ({ ...p })),
  state: h.state,
  created_at: new Date(h.createdAt).toISOString(),
  ...(h.endedAt !== undefined ? { ended_at: new Date(h.endedAt).toISOString() } : {}),
  ...(h.salesOrderNumber ? { sales_order_number: h.salesOrderNumber } : {}),
});

/** One hold of a `POST /api/holds` body, or a 422 naming the field. */
export function decodeHold(value: unknown, path: string): HoldInput {
  const o = object(value, path);
  onlyKeys(o, path, ['key', 'sku', 'quantity', 'reference', 'warehouses']);
  const ref = object(o.reference, `${path}.reference`);
  onlyKeys(ref, `${path}.reference`, ['marketplace', 'order_id', 'line_id']);
  const lineId = optionalString(ref.line_id, `${path}.reference.line_id`, { max: 100 });
  return {
    key: string(o.key, `${path}.key`, {
      max: 255,
      pattern: HOLD_KEY,
      hint: 'must be 1 to 255 printable ASCII characters, e.g. <marketplace>:<order id>:<line id>',
    }),
    sku: string(o.sku, `${path}.sku`, { max: 64 }),
    quantity: integer(o.quantity, `${path}.quantity`, 1, 10_000),
    reference: {
      marketplace: string(ref.marketplace, `${path}.reference.marketplace`, {
        max: 40,
        pattern: MARKETPLACE_PATTERN,
        hint: 'must be a marketplace code such as decathlon-fr',
      }),
      order_id: string(ref.order_id, `${path}.reference.order_id`, { max: 100 }),
      ...(lineId !== undefined ? { line_id: lineId } : {}),
    },
    ...(o.warehouses !== undefined && o.warehouses !== null
      ? {
          warehouses: array(o.warehouses, `${path}.warehouses`, 1, 50).map((w, i) =>
            string(w, `${path}.warehouses[${i}]`, { max: 40 }),
          ),
        }
      : {}),
  };
}

/** `POST /api/holds`: `{ "holds": [ … ] }`, 1 to 500 of them. */
export function decodeHolds(value: unknown): HoldInput[] {
  const body = object(value, 'body');
  onlyKeys(body, 'body', ['holds']);
  return array(body.holds, 'holds', 1, MAX_HOLDS_PER_CALL).map((h, i) => decodeHold(h, `holds[${i}]`));
}
