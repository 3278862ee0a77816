import type { MiraklOrder } from '@seller-bridge/mirakl-client';
import { orderFullyShipped } from './shipment-completeness';

const order = (lines: { id: string; sku: string; qty: number; state?: string; cancelled?: number }[]) =>
  ({
    order_id: 'O-1',
    order_state: 'SHIPPING',
    order_lines: lines.map((l) => ({
      order_line_id: l.id,
      offer_sku: l.sku,
      quantity: l.qty,
      order_line_state: l.state ?? 'SHIPPING',
      cancelations: l.cancelled ? [{ id: 'c', amount: 0, quantity: l.cancelled, reason_code: 'X' }] : [],
    })),
  }) as unknown as MiraklOrder;

describe('orderFullyShipped', () => {
  const o = order([
    { id: 'L1', sku: 'A', qty: 2 },
    { id: 'L2', sku: 'B', qty: 1 },
  ]);

  it('waits while a line has not shipped in full', () => {
    expect(orderFullyShipped(o, [[{ lineId: 'L1', sku: 'A', quantity: 2 }]])).toBe(false);
    expect(
      orderFullyShipped(o, [
        [{ lineId: 'L1', sku: 'A', quantity: 1 }],
        [{ lineId: 'L2', sku: 'B', quantity: 1 }],
      ]),
    ).toBe(false);
  });

  it('is complete when the parcels together cover every line, by line id or by SKU', () => {
    expect(
      orderFullyShipped(o, [
        [{ lineId: 'L1', sku: 'A', quantity: 1 }],
        [
          { lineId: 'sku:A', sku: 'A', quantity: 1 },
          { lineId: 'L2', sku: 'B', quantity: 1 },
        ],
      ]),
    ).toBe(true);
  });

  it('does not wait for cancelled quantities or lines no longer to ship', () => {
    const partly = order([
      { id: 'L1', sku: 'A', qty: 2, cancelled: 1 },
      { id: 'L2', sku: 'B', qty: 1, state: 'CANCELED' },
    ]);
    expect(orderFullyShipped(partly, [[{ lineId: 'L1', sku: 'A', quantity: 1 }]])).toBe(true);
  });
});
