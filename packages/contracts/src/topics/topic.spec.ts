import 'reflect-metadata';
import { ExceptionRaised } from '../ops/exception-events';
import { OrderAccepted } from '../orders/order-events';
import { deadLetterTopicOf, defineTopic, type TopicDefinition } from './topic';
import { TOPIC_REGISTRY, TopicRegistry, Topics } from './topic-registry';

function topic(type: string, version = 1): TopicDefinition<OrderAccepted> {
  return defineTopic({
    type,
    version,
    payload: OrderAccepted,
    keyOf: (p) => `${p.marketplace}:${p.orderId}`,
    keyDescription: 'order',
    description: 'test topic',
  });
}

describe(defineTopic.name, () => {
  it('names the topic after its event type and version', () => {
    const t = topic('orders.order.accepted', 2);

    expect(t.name).toBe('orders.order.accepted.v2');
    expect(t.type).toBe('orders.order.accepted');
    expect(t.version).toBe(2);
  });

  it('returns a frozen definition, so the name and type cannot drift apart later', () => {
    const t = topic('orders.order.accepted');

    expect(Object.isFrozen(t)).toBe(true);
    expect(() => Object.assign(t, { type: 'orders.order.refused' })).toThrow(TypeError);
  });

  it.each([
    'orders.order',
    'orders.order.accepted.v1',
    'Orders.order.accepted',
    'orders.order_line.accepted',
    'orders..accepted',
    '1orders.order.accepted',
    'orders.order.accepted ',
    '',
  ])('rejects the event type %p', (type) => {
    expect(() => topic(type)).toThrow(`event type "${type}" is not <domain>.<entity>.<event>`);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects version %p', (version) => {
    expect(() => topic('orders.order.accepted', version)).toThrow('bad version for orders.order.accepted');
  });
});

describe(TopicRegistry.name, () => {
  it('finds a topic by its full, versioned name only', () => {
    const v1 = topic('orders.order.accepted', 1);
    const registry = new TopicRegistry([v1]);

    expect(registry.get('orders.order.accepted.v1')).toBe(v1);
    expect(registry.get('orders.order.accepted')).toBeUndefined();
    expect(registry.get('orders.order.accepted.v2')).toBeUndefined();
  });

  it('refuses a topic defined twice', () => {
    expect(() => new TopicRegistry([topic('orders.order.accepted'), topic('orders.order.accepted')])).toThrow(
      'topic orders.order.accepted.v1 is defined twice',
    );
  });

  it('holds two versions of one event type side by side', () => {
    const registry = new TopicRegistry([
      topic('orders.order.accepted', 1),
      topic('orders.order.accepted', 2),
    ]);

    expect(registry.all().map((t) => t.name)).toEqual([
      'orders.order.accepted.v1',
      'orders.order.accepted.v2',
    ]);
  });
});

describe('TOPIC_REGISTRY', () => {
  it('holds every topic of Topics under its name', () => {
    const all = Object.values(Topics);

    expect(TOPIC_REGISTRY.all()).toHaveLength(all.length);
    for (const t of all) expect(TOPIC_REGISTRY.get(t.name)).toBe(t);
  });

  it('keys order events on marketplace and order id, and exceptions on their id', () => {
    const order = { marketplace: 'decathlon-fr', orderId: 'ORD-1' };

    expect(Topics.orderReceived.keyOf(order as never)).toBe('decathlon-fr:ORD-1');
    expect(Topics.shipmentConfirmed.keyOf(order as never)).toBe('decathlon-fr:ORD-1');
    expect(Topics.exceptionRaised.keyOf({ exceptionId: 'UNKNOWN_SKU:SKU-42' } as ExceptionRaised)).toBe(
      'UNKNOWN_SKU:SKU-42',
    );
  });
});

describe(deadLetterTopicOf.name, () => {
  it('appends .dlq to the topic name', () => {
    expect(deadLetterTopicOf('orders.order.received.v1')).toBe('orders.order.received.v1.dlq');
  });

  it('never names a topic that carries events', () => {
    for (const t of TOPIC_REGISTRY.all())
      expect(TOPIC_REGISTRY.get(deadLetterTopicOf(t.name))).toBeUndefined();
  });
});
