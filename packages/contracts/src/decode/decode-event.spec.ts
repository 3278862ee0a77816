import 'reflect-metadata';
import { knownMiraklOrderState } from '../common/mirakl-order-state';
import { Money, money } from '../common/money';
import { CONTENT_TYPE_JSON, EnvelopeHeader } from '../envelope/event-envelope';
import { OrderAccepted, OrderReceived } from '../orders/order-events';
import { OrderLine, TaxAmount } from '../orders/order-parts';
import { deadLetterTopicOf } from '../topics/topic';
import { TOPIC_REGISTRY, Topics } from '../topics/topic-registry';
import {
  decodeEvent,
  decodeFromRegistry,
  encodeEvent,
  InvalidEventError,
  type DecodeError,
  type DecodeErrorCode,
  type DecodeResult,
  type EncodedEvent,
  type RawMessage,
} from './decode-event';

const EVENT_ID = '0b7c5a8e-4f1d-4c1e-9a55-3f2f1d0c9e11';
const CORRELATION_ID = '5d1e0f7a-8b2c-4d3e-a4f5-6a7b8c9d0e1f';
const CAUSATION_ID = 'c2a1b0e9-d8c7-4b6a-9f5e-4d3c2b1a0f9e';
const OCCURRED_AT = '2025-03-14T09:26:53.589Z';

/** A realistic order as the poller builds it from Mirakl OR11: two lines, taxes, commissions, a customer. */
function orderReceived(): OrderReceived {
  const eur = (minor: number) => money(minor, 'EUR');
  return {
    marketplace: 'decathlon-fr',
    orderId: 'ORD-1001-A',
    commercialId: 'ORD-1001',
    miraklState: 'WAITING_ACCEPTANCE',
    currency: 'EUR',
    createdAt: '2025-03-14T09:20:00Z',
    miraklUpdatedAt: '2025-03-14T09:25:12Z',
    shippingTypeCode: 'STD',
    deadlines: { acceptBy: '2025-03-15T09:20:00Z', shipBy: '2025-03-18T23:59:59Z' },
    customer: {
      marketplaceCustomerId: 'CUST-77',
      firstName: 'Camille',
      lastName: 'Durand',
      shippingAddress: {
        firstName: 'Camille',
        lastName: 'Durand',
        street1: '12 rue des Lilas',
        street2: 'Bâtiment B',
        city: 'Lyon',
        zipCode: '69003',
        country: 'FR',
        phone: '+33 4 00 00 00 00',
      },
      billingAddress: { street1: '12 rue des Lilas', city: 'Lyon', zipCode: '69003', country: 'FRA' },
    },
    lines: [
      {
        lineId: 'ORD-1001-A-1',
        sku: 'TENT-2P-GREEN',
        productTitle: 'Tente 2 places',
        quantity: 2,
        unitPrice: eur(4999),
        price: eur(9998),
        shippingPrice: eur(590),
        taxes: [{ code: 'TVA-20', amount: eur(1666), rate: '20.00' }],
        shippingTaxes: [{ code: 'TVA-20', amount: eur(98) }],
        charges: [
          { type: 'COMMISSION', amount: eur(-1200) },
          { type: 'COMMISSION_VAT', amount: eur(-240) },
        ],
        miraklState: 'WAITING_ACCEPTANCE',
      },
      {
        lineId: 'ORD-1001-A-2',
        sku: 'STOVE-GAS-1',
        quantity: 1,
        unitPrice: eur(2950),
        price: eur(2950),
        shippingPrice: eur(0),
        taxes: [
          { code: 'TVA-20', amount: eur(491), rate: '20.00' },
          { code: 'ECO-PART', amount: eur(12) },
        ],
        shippingTaxes: [],
        charges: [{ type: 'COMMISSION', amount: eur(-354) }],
        miraklState: 'WAITING_ACCEPTANCE',
      },
    ],
    totalPrice: eur(13538),
  };
}

function orderAccepted(): OrderAccepted {
  return {
    marketplace: 'decathlon-fr',
    orderId: 'ORD-1001-A',
    policy: 'ON_VALIDATION',
    lines: [
      { lineId: 'ORD-1001-A-1', sku: 'TENT-2P-GREEN', decision: 'ACCEPT' },
      {
        lineId: 'ORD-1001-A-2',
        sku: 'STOVE-GAS-1',
        decision: 'REFUSE',
        reasonCode: 'NO_STOCK',
        reason: 'none left',
      },
    ],
    decidedAt: '2025-03-14T09:27:00Z',
  };
}

const META = {
  marketplace: 'decathlon-fr',
  eventId: EVENT_ID,
  correlationId: CORRELATION_ID,
  occurredAt: OCCURRED_AT,
};

/** The message as kafkajs hands it to a consumer: key, value and every header as Buffers. */
function asConsumed(encoded: EncodedEvent): RawMessage {
  return {
    key: Buffer.from(encoded.key),
    value: Buffer.from(encoded.value),
    headers: Object.fromEntries(Object.entries(encoded.headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

/** A consumed OrderReceived message, with the headers and value changed as the test needs. */
function receivedMessage(
  change: { headers?: Record<string, string | undefined>; value?: RawMessage['value'] } = {},
): RawMessage {
  const m = asConsumed(encodeEvent(Topics.orderReceived, orderReceived(), META));
  const headers = { ...m.headers };
  for (const [k, v] of Object.entries(change.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = Buffer.from(v);
  }
  return { ...m, headers, ...('value' in change ? { value: change.value! } : {}) };
}

function receivedWithPayload(payload: unknown): RawMessage {
  return receivedMessage({ value: JSON.stringify(payload) });
}

function errorOf(result: DecodeResult<object>, code: DecodeErrorCode): DecodeError {
  if (result.ok) throw new Error(`expected a ${code} failure, but the message decoded`);
  expect(result.error.code).toBe(code);
  return result.error;
}

describe(encodeEvent.name, () => {
  it('keys an order event on marketplace and order id and writes the envelope as headers', () => {
    const encoded = encodeEvent(Topics.orderReceived, orderReceived(), {
      ...META,
      causationId: CAUSATION_ID,
    });

    expect(encoded.topic).toBe('orders.order.received.v1');
    expect(encoded.key).toBe('decathlon-fr:ORD-1001-A');
    expect(JSON.parse(encoded.value)).toEqual(orderReceived());
    expect(encoded.headers).toEqual({
      [EnvelopeHeader.eventId]: EVENT_ID,
      [EnvelopeHeader.type]: 'orders.order.received',
      [EnvelopeHeader.schemaVersion]: '1',
      [EnvelopeHeader.occurredAt]: OCCURRED_AT,
      [EnvelopeHeader.correlationId]: CORRELATION_ID,
      [EnvelopeHeader.causationId]: CAUSATION_ID,
      [EnvelopeHeader.marketplace]: 'decathlon-fr',
      [EnvelopeHeader.contentType]: CONTENT_TYPE_JSON,
    });
  });

  it('starts a new flow when no correlation id is given: a fresh UUID event id that doubles as correlation id', () => {
    const encoded = encodeEvent(Topics.orderAccepted, orderAccepted(), {
      marketplace: 'decathlon-fr',
      occurredAt: new Date(OCCURRED_AT),
    });

    expect(encoded.envelope.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(encoded.envelope.correlationId).toBe(encoded.envelope.eventId);
    expect(encoded.headers[EnvelopeHeader.occurredAt]).toBe(OCCURRED_AT);
    expect(encoded.headers).not.toHaveProperty(EnvelopeHeader.causationId);
    expect(encoded.envelope).not.toHaveProperty('causationId');
  });

  it('gives every event its own id', () => {
    const meta = { marketplace: 'decathlon-fr' };
    const a = encodeEvent(Topics.orderAccepted, orderAccepted(), meta);
    const b = encodeEvent(Topics.orderAccepted, orderAccepted(), meta);

    expect(a.envelope.eventId).not.toBe(b.envelope.eventId);
  });

  it('refuses to emit a payload that breaks its contract, naming each violation', () => {
    const bad = orderReceived();
    bad.lines[1].quantity = 0;
    bad.totalPrice = money(135.38, 'EUR');

    const attempt = () => encodeEvent(Topics.orderReceived, bad, META);

    expect(attempt).toThrow(InvalidEventError);
    try {
      attempt();
    } catch (e) {
      const err = e as InvalidEventError;
      expect(err.code).toBe('INVALID_EVENT_EMITTED');
      expect(err.topic).toBe('orders.order.received.v1');
      expect(err.violations).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^lines\.1\.quantity: /),
          expect.stringMatching(/^totalPrice\.amountMinor: /),
        ]),
      );
      expect(err.message).toContain('lines.1.quantity');
    }
  });
});

describe(decodeEvent.name, () => {
  it('round-trips a full OrderReceived: envelope, key and every nested line, tax, charge and address', () => {
    const encoded = encodeEvent(Topics.orderReceived, orderReceived(), {
      ...META,
      causationId: CAUSATION_ID,
    });

    const result = decodeEvent(Topics.orderReceived, asConsumed(encoded));

    if (!result.ok) throw new Error(`decode failed: ${result.error.reason}`);
    expect(result.event).toEqual(encoded.envelope);
    expect(result.event).toEqual({
      eventId: EVENT_ID,
      type: 'orders.order.received',
      schemaVersion: 1,
      occurredAt: OCCURRED_AT,
      correlationId: CORRELATION_ID,
      causationId: CAUSATION_ID,
      marketplace: 'decathlon-fr',
      key: 'decathlon-fr:ORD-1001-A',
      payload: orderReceived(),
    });
    const p = result.event.payload;
    expect(p).toBeInstanceOf(OrderReceived);
    expect(p.lines[0]).toBeInstanceOf(OrderLine);
    expect(p.lines[1].taxes[1]).toBeInstanceOf(TaxAmount);
    expect(p.lines[0].charges[1].amount).toBeInstanceOf(Money);
    expect(p.lines[0].charges[1].amount).toEqual({ amountMinor: -240, currency: 'EUR' });
    expect(p.customer.shippingAddress?.city).toBe('Lyon');
    expect(p.customer.billingAddress?.country).toBe('FRA');
  });

  it('round-trips an OrderAccepted with a refused line and its reason', () => {
    const encoded = encodeEvent(Topics.orderAccepted, orderAccepted(), META);

    const result = decodeEvent(Topics.orderAccepted, asConsumed(encoded));

    if (!result.ok) throw new Error(`decode failed: ${result.error.reason}`);
    expect(result.event).toEqual(encoded.envelope);
    expect(result.event.payload).toBeInstanceOf(OrderAccepted);
    expect(result.event.payload.lines[1]).toEqual({
      lineId: 'ORD-1001-A-2',
      sku: 'STOVE-GAS-1',
      decision: 'REFUSE',
      reasonCode: 'NO_STOCK',
      reason: 'none left',
    });
    expect(result.event).not.toHaveProperty('causationId');
  });

  it('reads headers, key and value given as strings', () => {
    const encoded = encodeEvent(Topics.orderAccepted, orderAccepted(), META);

    const result = decodeEvent(Topics.orderAccepted, {
      key: encoded.key,
      value: encoded.value,
      headers: encoded.headers,
    });

    expect(result.ok).toBe(true);
  });

  it('reads the first value of a header given as an array', () => {
    const encoded = encodeEvent(Topics.orderAccepted, orderAccepted(), META);
    const headers = Object.fromEntries(
      Object.entries(encoded.headers).map(([k, v]) => [k, [Buffer.from(v), Buffer.from('ignored')]]),
    );

    const result = decodeEvent(Topics.orderAccepted, { key: encoded.key, value: encoded.value, headers });

    if (!result.ok) throw new Error(`decode failed: ${result.error.reason}`);
    expect(result.event.eventId).toBe(EVENT_ID);
    expect(result.event.marketplace).toBe('decathlon-fr');
  });

  it('tolerates fields it does not know, so a newer producer can add some', () => {
    const payload = {
      ...orderReceived(),
      loyaltyTier: 'GOLD',
      lines: orderReceived().lines.map((l) => ({ ...l, giftWrap: true })),
    };

    const result = decodeEvent(Topics.orderReceived, receivedWithPayload(payload));

    if (!result.ok) throw new Error(`decode failed: ${result.error.reason}`);
    expect(result.event.payload.lines).toHaveLength(2);
  });

  it('accepts a Mirakl state it does not know and reports it as UNKNOWN', () => {
    const payload = { ...orderReceived(), miraklState: 'WAITING_SCORING' };

    const result = decodeEvent(Topics.orderReceived, receivedWithPayload(payload));

    if (!result.ok) throw new Error(`decode failed: ${result.error.reason}`);
    expect(result.event.payload.miraklState).toBe('WAITING_SCORING');
    expect(knownMiraklOrderState(result.event.payload.miraklState)).toBe('UNKNOWN');
  });

  it('decodes a message without causation-id, the first event of a flow', () => {
    const result = decodeEvent(
      Topics.orderReceived,
      receivedMessage({ headers: { [EnvelopeHeader.causationId]: undefined } }),
    );

    expect(result.ok).toBe(true);
  });

  it.each([
    EnvelopeHeader.eventId,
    EnvelopeHeader.type,
    EnvelopeHeader.schemaVersion,
    EnvelopeHeader.occurredAt,
    EnvelopeHeader.correlationId,
    EnvelopeHeader.marketplace,
  ])('refuses a message without the %s header', (header) => {
    const error = errorOf(
      decodeEvent(Topics.orderReceived, receivedMessage({ headers: { [header]: undefined } })),
      'MISSING_HEADER',
    );

    expect(error.reason).toContain(`"${header}"`);
  });

  it('treats an empty header as a missing one', () => {
    const error = errorOf(
      decodeEvent(Topics.orderReceived, receivedMessage({ headers: { [EnvelopeHeader.correlationId]: '' } })),
      'MISSING_HEADER',
    );

    expect(error.reason).toContain(EnvelopeHeader.correlationId);
  });

  it('refuses a message with no headers at all', () => {
    const m = receivedMessage();

    errorOf(decodeEvent(Topics.orderReceived, { key: m.key, value: m.value }), 'MISSING_HEADER');
  });

  it('refuses an event id that is not a UUID', () => {
    const result = decodeEvent(
      Topics.orderReceived,
      receivedMessage({ headers: { [EnvelopeHeader.eventId]: 'order-1001-received' } }),
    );

    expect(errorOf(result, 'INVALID_HEADER').reason).toContain('event-id');
  });

  it('refuses an occurred-at that is not a date', () => {
    const result = decodeEvent(
      Topics.orderReceived,
      receivedMessage({ headers: { [EnvelopeHeader.occurredAt]: 'yesterday' } }),
    );

    expect(errorOf(result, 'INVALID_HEADER').reason).toContain('occurred-at');
  });

  it('refuses an event whose type belongs on another topic', () => {
    const result = decodeEvent(
      Topics.orderReceived,
      receivedMessage({ headers: { [EnvelopeHeader.type]: 'orders.order.accepted' } }),
    );

    const error = errorOf(result, 'WRONG_EVENT_TYPE');
    expect(error.reason).toContain('orders.order.accepted');
    expect(error.reason).toContain('orders.order.received.v1');
  });

  it.each(['2', '0', 'one'])('refuses schema version %s on a v1 topic', (version) => {
    const result = decodeEvent(
      Topics.orderReceived,
      receivedMessage({ headers: { [EnvelopeHeader.schemaVersion]: version } }),
    );

    errorOf(result, 'UNSUPPORTED_SCHEMA_VERSION');
  });

  it.each([
    ['null (a tombstone)', null],
    ['an empty string', ''],
    ['an empty buffer', Buffer.alloc(0)],
  ])('refuses a value that is %s', (_label, value) => {
    errorOf(decodeEvent(Topics.orderReceived, receivedMessage({ value })), 'EMPTY_VALUE');
  });

  it('refuses a value that is not JSON', () => {
    const error = errorOf(
      decodeEvent(Topics.orderReceived, receivedMessage({ value: '{"marketplace":"decathlon-fr",' })),
      'INVALID_JSON',
    );

    expect(error.reason).toMatch(/^value is not JSON: /);
  });

  it.each([
    ['an array', [orderReceived()]],
    ['null', null],
    ['a string', 'ORD-1001-A'],
    ['a number', 42],
  ])('refuses a JSON payload that is %s, not an object', (_label, payload) => {
    const error = errorOf(decodeEvent(Topics.orderReceived, receivedWithPayload(payload)), 'INVALID_PAYLOAD');

    expect(error.violations).toEqual(['payload must be a JSON object']);
  });

  it.each<[string, (o: OrderReceived) => void, string]>([
    ['a line with quantity 0', (o) => (o.lines[1].quantity = 0), 'lines.1.quantity'],
    ['a fractional quantity', (o) => (o.lines[0].quantity = 1.5), 'lines.0.quantity'],
    [
      'a tax amount as a float',
      (o) => (o.lines[1].taxes[0].amount.amountMinor = 4.91),
      'lines.1.taxes.0.amount.amountMinor',
    ],
    [
      'a lower-case currency in a charge',
      (o) => (o.lines[0].charges[0].amount.currency = 'eur'),
      'lines.0.charges.0.amount.currency',
    ],
    [
      'an amount given as a string',
      (o) => ((o.totalPrice as unknown as Record<string, unknown>).amountMinor = '13538'),
      'totalPrice.amountMinor',
    ],
    [
      'a line without unit price',
      (o) => delete (o.lines[0] as Partial<OrderLine>).unitPrice,
      'lines.0.unitPrice',
    ],
    [
      'a tax without amount',
      (o) => delete (o.lines[0].shippingTaxes[0] as Partial<TaxAmount>).amount,
      'lines.0.shippingTaxes.0.amount',
    ],
    ['no customer', (o) => delete (o as Partial<OrderReceived>).customer, 'customer'],
    ['no deadlines', (o) => delete (o as Partial<OrderReceived>).deadlines, 'deadlines'],
    ['no total price', (o) => delete (o as Partial<OrderReceived>).totalPrice, 'totalPrice'],
    [
      'a shipping address without city',
      (o) => delete (o.customer.shippingAddress as { city?: string }).city,
      'customer.shippingAddress.city',
    ],
    ['an accept-by that is not a date', (o) => (o.deadlines.acceptBy = 'tomorrow'), 'deadlines.acceptBy'],
    ['no lines', (o) => (o.lines = []), 'lines'],
    ['a line that is not an object', (o) => ((o.lines as unknown[])[1] = 'STOVE-GAS-1'), 'lines.1'],
    ['a marketplace that is not a code', (o) => (o.marketplace = 'Decathlon FR'), 'marketplace'],
  ])('refuses %s and names the path of the violation', (_label, breakIt, path) => {
    const payload = orderReceived();
    breakIt(payload);

    const error = errorOf(decodeEvent(Topics.orderReceived, receivedWithPayload(payload)), 'INVALID_PAYLOAD');

    expect(error.violations).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${path.replace(/\./g, '\\.')}: `))]),
    );
    expect(error.reason).toContain(`${path}: `);
  });

  it('refuses an OrderAccepted line whose decision is neither ACCEPT nor REFUSE', () => {
    const payload = orderAccepted();
    (payload.lines[0] as { decision: string }).decision = 'MAYBE';
    const m = asConsumed(encodeEvent(Topics.orderAccepted, orderAccepted(), META));

    const error = errorOf(
      decodeEvent(Topics.orderAccepted, { ...m, value: JSON.stringify(payload) }),
      'INVALID_PAYLOAD',
    );

    expect(error.violations).toEqual([expect.stringMatching(/^lines\.0\.decision: /)]);
  });

  it('refuses a message whose key is not the aggregate key of its payload', () => {
    const m = receivedMessage();

    const error = errorOf(
      decodeEvent(Topics.orderReceived, { ...m, key: Buffer.from('decathlon-fr:ORD-9999') }),
      'KEY_MISMATCH',
    );

    expect(error.reason).toContain('decathlon-fr:ORD-1001-A');
  });

  it('refuses a message without a key', () => {
    errorOf(decodeEvent(Topics.orderReceived, { ...receivedMessage(), key: null }), 'KEY_MISMATCH');
  });

  it('never throws: every DecodeErrorCode comes back as a result', () => {
    const onReceived = (m: RawMessage) => ({ topic: Topics.orderReceived.name, message: m });
    // Typed as a Record so that a new code without a case here fails the type check.
    const cases: Record<DecodeErrorCode, { topic: string; message: RawMessage }> = {
      UNKNOWN_TOPIC: { topic: 'orders.order.unheard-of.v1', message: receivedMessage() },
      MISSING_HEADER: onReceived(receivedMessage({ headers: { [EnvelopeHeader.marketplace]: undefined } })),
      INVALID_HEADER: onReceived(receivedMessage({ headers: { [EnvelopeHeader.eventId]: '42' } })),
      WRONG_EVENT_TYPE: onReceived(
        receivedMessage({ headers: { [EnvelopeHeader.type]: 'orders.order.refused' } }),
      ),
      UNSUPPORTED_SCHEMA_VERSION: onReceived(
        receivedMessage({ headers: { [EnvelopeHeader.schemaVersion]: '3' } }),
      ),
      EMPTY_VALUE: onReceived(receivedMessage({ value: null })),
      INVALID_JSON: onReceived(receivedMessage({ value: 'not json' })),
      INVALID_PAYLOAD: onReceived(receivedWithPayload({})),
      KEY_MISMATCH: onReceived({ ...receivedMessage(), key: 'decathlon-fr:other' }),
    };

    for (const [code, { topic, message }] of Object.entries(cases)) {
      const result = decodeFromRegistry(TOPIC_REGISTRY, topic, message);
      expect(result.ok ? 'ok' : result.error.code).toBe(code);
    }
  });
});

describe(decodeFromRegistry.name, () => {
  it('decodes a message of a registered topic into its payload class', () => {
    const encoded = encodeEvent(Topics.orderAccepted, orderAccepted(), META);

    const result = decodeFromRegistry(TOPIC_REGISTRY, encoded.topic, asConsumed(encoded));

    if (!result.ok) throw new Error(`decode failed: ${result.error.reason}`);
    expect(result.event.payload).toBeInstanceOf(OrderAccepted);
  });

  it.each([
    'orders.order.unheard-of.v1',
    'orders.order.accepted',
    deadLetterTopicOf('orders.order.accepted.v1'),
  ])('refuses a topic it has no contract for: %s', (topic) => {
    const encoded = encodeEvent(Topics.orderAccepted, orderAccepted(), META);

    const error = errorOf(decodeFromRegistry(TOPIC_REGISTRY, topic, asConsumed(encoded)), 'UNKNOWN_TOPIC');

    expect(error.reason).toContain(`"${topic}"`);
  });
});

describe(knownMiraklOrderState.name, () => {
  it.each(['WAITING_ACCEPTANCE', 'SHIPPING', 'CANCELED', 'REFUNDED'])(
    'recognises the documented state %s',
    (state) => {
      expect(knownMiraklOrderState(state)).toBe(state);
    },
  );

  it.each(['WAITING_SCORING', 'shipping', ''])('reports %p as UNKNOWN', (state) => {
    expect(knownMiraklOrderState(state)).toBe('UNKNOWN');
  });
});
