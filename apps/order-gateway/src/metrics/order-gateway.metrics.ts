import type { Provider } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BackboneMetrics, LeaseMetrics, MiraklCallMetrics } from '@seller-bridge/service-kit';

/**
 * Every metric order-gateway exports, on the kit's registry (rendered at `/metrics`): orders seen, decided and
 * released per marketplace, the decision latency, OR11 poll duration, deadlines at risk and missed, and the
 * acceptance queue; plus the Mirakl clients' calls and the leases.
 */
export class OrderGatewayMetrics {
  readonly ordersSeen: Counter<'marketplace' | 'kind'>;
  readonly ordersDecided: Counter<'marketplace' | 'decision' | 'outcome'>;
  readonly ordersReleased: Counter<'marketplace'>;
  readonly ordersCancelled: Counter<'marketplace'>;
  readonly linesRefused: Counter<'marketplace' | 'reason'>;
  readonly decisionLatency: Histogram<'marketplace'>;
  readonly pollDuration: Histogram<'marketplace'>;
  readonly polls: Counter<'marketplace' | 'outcome'>;
  readonly deadlinesAtRisk: Gauge<'marketplace' | 'deadline'>;
  readonly deadlinesMissed: Counter<'marketplace' | 'deadline'>;
  readonly acceptanceQueue: Gauge<'marketplace' | 'status'>;
  readonly acceptanceErrors: Counter<'marketplace' | 'kind'>;
  readonly miraklCalls: MiraklCallMetrics;
  readonly leases: LeaseMetrics;

  constructor(registry: Registry) {
    const registers = [registry];
    this.ordersSeen = new Counter({
      name: 'order_gateway_orders_seen_total',
      help: 'Orders read from OR11 by kind: new (first sight), updated (a newer version), repeated (same version again: overlap or page shift, ignored)',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
    this.ordersDecided = new Counter({
      name: 'order_gateway_orders_decided_total',
      help: 'Decisions that landed on Mirakl by decision (accepted: at least one line, refused: whole order) and outcome (sent, already-decided: found decided on read-back)',
      labelNames: ['marketplace', 'decision', 'outcome'],
      registers,
    });
    this.ordersReleased = new Counter({
      name: 'order_gateway_orders_released_total',
      help: 'Orders released to fulfilment (orders.order.ready-for-fulfilment.v1) once in SHIPPING',
      labelNames: ['marketplace'],
      registers,
    });
    this.ordersCancelled = new Counter({
      name: 'order_gateway_orders_cancelled_total',
      help: 'Orders with lines newly cancelled on the marketplace (orders.order.cancelled.v1)',
      labelNames: ['marketplace'],
      registers,
    });
    this.linesRefused = new Counter({
      name: 'order_gateway_lines_refused_total',
      help: 'Order lines refused, by reason code',
      labelNames: ['marketplace', 'reason'],
      registers,
    });
    this.decisionLatency = new Histogram({
      name: 'order_gateway_decision_latency_seconds',
      help: 'From the first sight of an order (its poll) to its decision landing on Mirakl (OR21 answered)',
      labelNames: ['marketplace'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600],
      registers,
    });
    this.pollDuration = new Histogram({
      name: 'order_gateway_poll_duration_seconds',
      help: 'Duration of one OR11 poll of a marketplace (every page, recording included)',
      labelNames: ['marketplace'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.polls = new Counter({
      name: 'order_gateway_polls_total',
      help: 'OR11 polls by outcome (ok, error)',
      labelNames: ['marketplace', 'outcome'],
      registers,
    });
    this.deadlinesAtRisk = new Gauge({
      name: 'order_gateway_deadlines_at_risk',
      help: 'Orders whose acceptance or shipping deadline is near, as of the last deadline check',
      labelNames: ['marketplace', 'deadline'],
      registers,
    });
    this.deadlinesMissed = new Counter({
      name: 'order_gateway_deadlines_missed_total',
      help: 'Acceptance or shipping deadlines missed (an exception is raised for each)',
      labelNames: ['marketplace', 'deadline'],
      registers,
    });
    this.acceptanceQueue = new Gauge({
      name: 'order_gateway_acceptance_queue',
      help: 'Decisions waiting: pending (to send), sending (in flight or to resume), waiting-erp (AFTER_ERP_CONFIRMATION)',
      labelNames: ['marketplace', 'status'],
      registers,
    });
    this.acceptanceErrors = new Counter({
      name: 'order_gateway_acceptance_errors_total',
      help: 'OR21 sends that failed: transient (retried later with a read-back first) or rejected (Mirakl refused; exception raised)',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
    this.miraklCalls = new MiraklCallMetrics(registry);
    this.leases = new LeaseMetrics(registry);
  }
}

export const ORDER_GATEWAY_METRICS_PROVIDER: Provider = {
  provide: OrderGatewayMetrics,
  inject: [BackboneMetrics],
  useFactory: (backbone: BackboneMetrics) => new OrderGatewayMetrics(backbone.registry),
};
