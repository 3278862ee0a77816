import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * The backbone's Prometheus metrics, registered on an injected registry (never the global one, which breaks
 * under Jest with "already registered"). One instance per process.
 */
export class BackboneMetrics {
  readonly consumed: Counter<'topic' | 'outcome'>;
  readonly produced: Counter<'topic'>;
  readonly deadLettered: Counter<'topic' | 'code'>;
  readonly retries: Counter<'topic' | 'code'>;
  readonly handlerDuration: Histogram<'topic' | 'outcome'>;
  readonly endToEndLatency: Histogram<'topic'>;
  readonly relayBatchDuration: Histogram<never>;
  readonly outboxBacklog: Gauge<never>;
  readonly outboxOldestAge: Gauge<never>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;

  constructor(
    readonly registry: Registry,
    service: string,
  ) {
    registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: registry });
    const r = [registry];
    this.consumed = new Counter({
      name: 'backbone_messages_consumed_total',
      help: 'Messages consumed, by topic and outcome (handled, duplicate, dead_lettered)',
      labelNames: ['topic', 'outcome'],
      registers: r,
    });
    this.produced = new Counter({
      name: 'backbone_messages_produced_total',
      help: 'Messages published to Kafka by the outbox relay, by topic',
      labelNames: ['topic'],
      registers: r,
    });
    this.deadLettered = new Counter({
      name: 'backbone_messages_dead_lettered_total',
      help: 'Messages sent to a dead-letter topic, by original topic and error code',
      labelNames: ['topic', 'code'],
      registers: r,
    });
    this.retries = new Counter({
      name: 'backbone_handler_retries_total',
      help: 'Handler attempts that failed transiently and were retried',
      labelNames: ['topic', 'code'],
      registers: r,
    });
    this.handlerDuration = new Histogram({
      name: 'backbone_handler_duration_seconds',
      help: 'Time to handle one message (inbox check, handler, commit)',
      labelNames: ['topic', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.endToEndLatency = new Histogram({
      name: 'backbone_event_age_at_handling_seconds',
      help: 'Age of an event (now minus occurred-at) when its handler committed',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: r,
    });
    this.relayBatchDuration = new Histogram({
      name: 'backbone_outbox_relay_batch_duration_seconds',
      help: 'Time of one relay transaction (claim, publish, mark)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: r,
    });
    this.outboxBacklog = new Gauge({
      name: 'backbone_outbox_backlog',
      help: 'Outbox rows committed but not yet published',
      registers: r,
    });
    this.outboxOldestAge = new Gauge({
      name: 'backbone_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when empty)',
      registers: r,
    });
    this.consumerLag = new Gauge({
      name: 'backbone_consumer_lag',
      help: "Messages behind the partition's end, per consumed topic and partition",
      labelNames: ['topic', 'partition'],
      registers: r,
    });
  }
}
