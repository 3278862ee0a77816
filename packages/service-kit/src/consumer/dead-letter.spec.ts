import type { KafkaMessage } from 'kafkajs';
import { DeadLetterHeader, deadLetterMessage } from './dead-letter';

const failedAt = new Date('2025-11-26T10:00:00.000Z');

function source(message: Partial<KafkaMessage> = {}) {
  return {
    topic: 'orders.order.received.v1',
    partition: 4,
    groupId: 'order-gateway.orders',
    message: {
      key: Buffer.from('order-42'),
      value: Buffer.from([0x7b, 0x00, 0xff, 0x7d]),
      headers: { 'event-type': 'orders.order.received', 'correlation-id': Buffer.from('c-1') },
      offset: '1234',
      timestamp: '1764150000000',
      attributes: 0,
      ...message,
    } as KafkaMessage,
  };
}

describe(deadLetterMessage.name, () => {
  it('sends the message to <topic>.dlq', () => {
    expect(deadLetterMessage(source(), { code: 'X', reason: 'y', attempts: 1 }, failedAt).topic).toBe(
      'orders.order.received.v1.dlq',
    );
  });

  it('keeps the key and value byte for byte and the original headers', () => {
    const src = source();
    const { message } = deadLetterMessage(
      src,
      { code: 'SKU_UNKNOWN', reason: 'SKU X-1 is unknown', attempts: 1 },
      failedAt,
    );

    expect(Buffer.compare(message.key!, Buffer.from('order-42'))).toBe(0);
    expect(Buffer.compare(message.value!, Buffer.from([0x7b, 0x00, 0xff, 0x7d]))).toBe(0);
    expect(message.headers['event-type']).toBe('orders.order.received');
    expect(message.headers['correlation-id']).toEqual(Buffer.from('c-1'));
  });

  it('adds every dead-letter header with why, where and when it failed', () => {
    const { message } = deadLetterMessage(
      source(),
      { code: 'PG_23505', reason: 'duplicate key', attempts: 5 },
      failedAt,
    );

    expect(message.headers).toMatchObject({
      [DeadLetterHeader.code]: 'PG_23505',
      [DeadLetterHeader.reason]: 'duplicate key',
      [DeadLetterHeader.attempts]: '5',
      [DeadLetterHeader.originalTopic]: 'orders.order.received.v1',
      [DeadLetterHeader.originalPartition]: '4',
      [DeadLetterHeader.originalOffset]: '1234',
      [DeadLetterHeader.consumerGroup]: 'order-gateway.orders',
      [DeadLetterHeader.failedAt]: '2025-11-26T10:00:00.000Z',
    });
    for (const header of Object.values(DeadLetterHeader)) expect(message.headers[header]).toBeDefined();
  });

  it('works for a tombstone without headers', () => {
    const { message } = deadLetterMessage(
      source({ key: Buffer.from('k'), value: null, headers: undefined }),
      { code: 'X', reason: 'y', attempts: 1 },
      failedAt,
    );
    expect(message.value).toBeNull();
    expect(message.headers[DeadLetterHeader.code]).toBe('X');
  });

  it('truncates a reason longer than 2000 characters and keeps a shorter one whole', () => {
    const long = 'a'.repeat(5000);
    const truncated = deadLetterMessage(source(), { code: 'X', reason: long, attempts: 1 }, failedAt).message
      .headers[DeadLetterHeader.reason] as string;
    expect(truncated.length).toBeLessThanOrEqual(2001);
    expect(truncated.startsWith('a'.repeat(2000))).toBe(true);
    expect(truncated.endsWith('…')).toBe(true);

    const exact = 'b'.repeat(2000);
    expect(
      deadLetterMessage(source(), { code: 'X', reason: exact, attempts: 1 }, failedAt).message.headers[
        DeadLetterHeader.reason
      ],
    ).toBe(exact);
  });
});
