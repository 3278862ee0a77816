import 'reflect-metadata';
import {
  decodeEvent,
  encodeEvent,
  InvalidEventError,
  type EncodedEvent,
  type RawMessage,
} from '../decode/decode-event';
import { Topics } from '../topics/topic-registry';
import type { OrderReservationDecided, ReservationChanged } from './inventory-events';
import type { StockChanged } from '../backoffice/backoffice-events';

const META = { marketplace: 'decathlon-fr', correlationId: '5d1e0f7a-8b2c-4d3e-a4f5-6a7b8c9d0e1f' };
const consumed = (e: EncodedEvent): RawMessage => ({
  key: Buffer.from(e.key),
  value: Buffer.from(e.value),
  headers: Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, Buffer.from(v)])),
});

const reservation = (): ReservationChanged => ({
  sku: 'SHOE-0001',
  marketplace: 'decathlon-fr',
  orderId: 'A1-A',
  orderLineId: 'A1-A-1',
  quantity: 2,
  state: 'open',
  reason: 'ORDER_RECEIVED',
  openForSku: 2,
  at: '2026-11-27T10:00:00Z',
});

describe('inventory and back-office events', () => {
  it('keys reservations and stock by SKU, order decisions by marketplace order', () => {
    expect(encodeEvent(Topics.reservationChanged, reservation(), META).key).toBe('SHOE-0001');
    const decided: OrderReservationDecided = {
      marketplace: 'decathlon-fr',
      orderId: 'A1-A',
      lines: [{ orderLineId: 'A1-A-1', sku: 'SHOE-0001', quantity: 2, outcome: 'reserved', reservable: 5 }],
      decidedAt: '2026-11-27T10:00:00Z',
    };
    expect(encodeEvent(Topics.orderReservationDecided, decided, META).key).toBe('decathlon-fr:A1-A');
  });

  it('round-trips a stock change and refuses a negative on-hand or an unknown source', () => {
    const stock: StockChanged = {
      sku: 'SHOE-0001',
      warehouse: 'LYON-1',
      available: -1, // an oversold SKU: available may be negative
      onHand: 3,
      asOf: '2026-11-27T10:00:00Z',
      sourceVersion: 42,
      reason: 'allocated',
      source: 'backoffice-feed',
    };
    const decoded = decodeEvent(Topics.stockChanged, consumed(encodeEvent(Topics.stockChanged, stock, META)));
    expect(decoded.ok && decoded.event.payload).toEqual(stock);
    expect(() => encodeEvent(Topics.stockChanged, { ...stock, onHand: -1 }, META)).toThrow(InvalidEventError);
    expect(() =>
      encodeEvent(Topics.stockChanged, { ...stock, source: 'guess' as StockChanged['source'] }, META),
    ).toThrow(InvalidEventError);
  });

  it('refuses a reservation in an unknown state or for zero units', () => {
    expect(() =>
      encodeEvent(Topics.reservationChanged, { ...reservation(), state: 'maybe' as 'open' }, META),
    ).toThrow(InvalidEventError);
    expect(() => encodeEvent(Topics.reservationChanged, { ...reservation(), quantity: 0 }, META)).toThrow(
      InvalidEventError,
    );
  });

  it('requires every line of an order decision to carry an outcome it knows', () => {
    const raw = consumed(
      encodeEvent(
        Topics.orderReservationDecided,
        {
          marketplace: 'decathlon-fr',
          orderId: 'A1-A',
          lines: [
            { orderLineId: 'L1', sku: 'S', quantity: 1, outcome: 'unknown-sku' as const, reservable: 0 },
          ],
          decidedAt: '2026-11-27T10:00:00Z',
        },
        META,
      ),
    );
    const tampered = { ...raw, value: Buffer.from(raw.value!.toString().replace('unknown-sku', 'perhaps')) };
    const result = decodeEvent(Topics.orderReservationDecided, tampered);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('INVALID_PAYLOAD');
  });
});
