import { MiraklApiError } from '../http/errors';
import { fakeTransport } from '../testing/fake-transport.spec-helper';
import type { MiraklShipment } from './shipment-types';
import { createShipments, listShipments, sameShipment } from './shipments';

const shipment = (
  id: string,
  orderId: string,
  lineId: string,
  qty: number,
  ref?: string,
): MiraklShipment => ({
  id,
  order_id: orderId,
  status: 'SHIPPED',
  created_date: '2026-11-27T10:00:00Z',
  last_updated_date: '2026-11-27T10:00:00Z',
  shipment_lines: [{ order_line_id: lineId, quantity: qty, package_reference: ref }],
});

const lost = () =>
  new MiraklApiError('ST01', 'mp', 0, undefined, undefined, undefined, 'POST /api/shipments');

describe(listShipments.name, () => {
  it('reads every seek page and sends order ids 100 a call', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `O${i}-A`);
    const { transport, requests } = fakeTransport((req) =>
      req.query?.page_token === undefined && (req.query?.order_id as string[]).length === 100
        ? { data: [shipment('1', 'O1-A', 'L', 1)], next_page_token: 't2' }
        : { data: [shipment(`x${requests.length}`, 'O2-A', 'L', 1)] },
    );
    const out: string[] = [];
    for await (const s of listShipments(transport, { orderIds: ids })) out.push(s.id);
    expect(out).toEqual(['1', 'x2', 'x3']);
    expect(
      requests.map((r) => [(r.query?.order_id as string[]).length, r.query?.page_token, r.continuation]),
    ).toEqual([
      [100, undefined, false],
      [100, 't2', true],
      [50, undefined, true],
    ]);
  });
});

describe(createShipments.name, () => {
  it('returns per-item errors of a successful answer', async () => {
    const { transport } = fakeTransport(() => ({
      shipment_success: [shipment('S1', 'A-A', 'A-A-1', 1)],
      shipment_errors: [{ order_id: 'B-A', message: 'quantity exceeds' }],
    }));
    const res = await createShipments(transport, [
      { orderId: 'A-A', lines: [{ orderLineId: 'A-A-1', quantity: 1 }] },
      { orderId: 'B-A', lines: [{ orderLineId: 'B-A-1', quantity: 9 }] },
    ]);
    expect(res).toEqual({
      created: [expect.objectContaining({ id: 'S1' })],
      alreadyCreated: [],
      errors: [{ orderId: 'B-A', message: 'quantity exceeds' }],
    });
  });

  it('after a lost answer sends again only the shipments the read-back does not find', async () => {
    let posts = 0;
    const { transport, requests } = fakeTransport((req) => {
      if (req.method === 'GET') return { data: [shipment('S1', 'A-A', 'A-A-1', 1, 'P1')] };
      if (++posts === 1) throw lost();
      return { shipment_success: [shipment('S2', 'B-A', 'B-A-1', 2, 'P2')], shipment_errors: [] };
    });
    const res = await createShipments(transport, [
      { orderId: 'A-A', lines: [{ orderLineId: 'A-A-1', quantity: 1, packageReference: 'P1' }] },
      { orderId: 'B-A', lines: [{ orderLineId: 'B-A-1', quantity: 2, packageReference: 'P2' }] },
    ]);
    expect(res.alreadyCreated.map((s) => s.id)).toEqual(['S1']);
    expect(res.created.map((s) => s.id)).toEqual(['S2']);
    expect(requests.map((r) => r.operation)).toEqual(['ST01', 'ST11', 'ST01']);
    expect(
      (requests[2].body as { shipments: { order_id: string }[] }).shipments.map((s) => s.order_id),
    ).toEqual(['B-A']);
  });

  it('refuses an empty batch or more than 1000 shipments', async () => {
    const { transport } = fakeTransport(() => ({}));
    await expect(createShipments(transport, [])).rejects.toThrow('1 to 1000');
  });
});

describe(sameShipment.name, () => {
  it('matches lines by order line id or SKU, quantity, package reference and tracking number', () => {
    const s = { ...shipment('S', 'A-A', 'A-A-1', 2, 'P1'), tracking: { tracking_number: 'T1' } };
    s.shipment_lines![0].offer_sku = 'SKU';
    const want = { orderId: 'A-A', lines: [{ orderLineId: 'A-A-1', quantity: 2, packageReference: 'P1' }] };
    expect(sameShipment(s, want)).toBe(true);
    expect(
      sameShipment(s, { ...want, lines: [{ offerSku: 'SKU', quantity: 2, packageReference: 'P1' }] }),
    ).toBe(true);
    expect(sameShipment(s, { ...want, tracking: { trackingNumber: 'T2' } })).toBe(false);
    expect(
      sameShipment(s, { ...want, lines: [{ orderLineId: 'A-A-1', quantity: 2, packageReference: 'P9' }] }),
    ).toBe(false);
    expect(sameShipment({ ...s, status: 'CANCELED' }, want)).toBe(false);
  });
});
