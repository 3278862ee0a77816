import { Registry } from 'prom-client';
import { BackboneMetrics } from './backbone-metrics';

describe(BackboneMetrics.name, () => {
  it('lets two instances live on two registries without an "already registered" conflict', async () => {
    const a = new BackboneMetrics(new Registry(), 'order-gateway');
    let b: BackboneMetrics | undefined;
    expect(() => {
      b = new BackboneMetrics(new Registry(), 'fulfilment');
    }).not.toThrow();

    a.produced.inc({ topic: 'orders.order.accepted.v1' }, 3);
    b!.produced.inc({ topic: 'orders.order.accepted.v1' }, 1);

    const textA = await a.registry.metrics();
    const textB = await b!.registry.metrics();
    expect(textA).toContain(
      'backbone_messages_produced_total{topic="orders.order.accepted.v1",service="order-gateway"} 3',
    );
    expect(textB).toContain(
      'backbone_messages_produced_total{topic="orders.order.accepted.v1",service="fulfilment"} 1',
    );
    expect(textA).not.toContain('service="fulfilment"');
  });

  it('exposes the backbone metrics and the default process metrics, labelled with the service', async () => {
    const metrics = new BackboneMetrics(new Registry(), 'order-gateway');
    metrics.consumed.inc({ topic: 't', outcome: 'handled' });
    metrics.deadLettered.inc({ topic: 't', code: 'SKU_UNKNOWN' });
    metrics.handlerDuration.observe({ topic: 't', outcome: 'handled' }, 0.02);
    metrics.outboxBacklog.set(12);
    metrics.consumerLag.set({ topic: 't', partition: '0' }, 7);

    const text = await metrics.registry.metrics();
    for (const name of [
      'backbone_messages_consumed_total',
      'backbone_messages_produced_total',
      'backbone_messages_dead_lettered_total',
      'backbone_handler_duration_seconds',
      'backbone_outbox_backlog',
      'backbone_consumer_lag',
      'process_cpu_user_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="order-gateway"\} /m);
    expect(text).toContain('backbone_outbox_backlog{service="order-gateway"} 12');
    expect(text).toContain('backbone_consumer_lag{topic="t",partition="0",service="order-gateway"} 7');
    expect(text).toContain(
      'backbone_messages_dead_lettered_total{topic="t",code="SKU_UNKNOWN",service="order-gateway"} 1',
    );
    expect(text).toMatch(/backbone_handler_duration_seconds_count\{[^}]*service="order-gateway"[^}]*\} 1/);
  });
});
