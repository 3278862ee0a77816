import type { Provider } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BackboneMetrics, MiraklCallMetrics } from '@seller-bridge/service-kit';

/**
 * Every metric fulfilment-bridge exports, on the kit's registry (rendered at `/metrics`). Labels are bounded:
 * marketplace codes come from configuration, outcomes from the fixed lists below.
 */
export class FulfilmentBridgeMetrics {
  /** Orders posted to the ERP (`posted`, `replayed` = found already there) or failed (`retry`, `refused`). */
  readonly ordersPosted: Counter<'marketplace' | 'outcome'>;
  /** From the release event being recorded to the ERP confirming the sales order. */
  readonly postingLatency: Histogram<'marketplace'>;
  /** Shipments sent to the marketplace or held (`sent`, `held`, `waiting_parcels`, `retry`, `failed`). */
  readonly shipments: Counter<'marketplace' | 'outcome'>;
  /** OR23 / OR24 / OR29 outcomes (`sent`, `already`, `refused`, `error`). */
  readonly miraklWrites: Counter<'marketplace' | 'operation' | 'outcome'>;
  /** From the warehouse shipping to SHIPPED on the marketplace. */
  readonly shipmentLatency: Histogram<'marketplace'>;
  readonly heldShipments: Gauge<'marketplace'>;
  readonly miraklCalls: MiraklCallMetrics;

  constructor(registry: Registry) {
    this.ordersPosted = new Counter({
      name: 'fulfilment_orders_posted_total',
      help: 'Orders posted to the ERP by outcome',
      labelNames: ['marketplace', 'outcome'],
      registers: [registry],
    });
    this.postingLatency = new Histogram({
      name: 'fulfilment_order_posting_seconds',
      help: 'Time from the order being released to the ERP confirming its sales order',
      labelNames: ['marketplace'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800],
      registers: [registry],
    });
    this.shipments = new Counter({
      name: 'fulfilment_shipments_total',
      help: 'Shipments handled, by outcome',
      labelNames: ['marketplace', 'outcome'],
      registers: [registry],
    });
    this.miraklWrites = new Counter({
      name: 'fulfilment_mirakl_writes_total',
      help: 'OR23 tracking, OR24 ship and OR29 cancel calls by outcome',
      labelNames: ['marketplace', 'operation', 'outcome'],
      registers: [registry],
    });
    this.shipmentLatency = new Histogram({
      name: 'fulfilment_shipment_to_shipped_seconds',
      help: 'Time from the warehouse confirmation being recorded to SHIPPED on the marketplace',
      labelNames: ['marketplace'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
      registers: [registry],
    });
    this.heldShipments = new Gauge({
      name: 'fulfilment_shipments_held',
      help: 'Shipments held for an unmapped carrier or missing mandatory tracking',
      labelNames: ['marketplace'],
      registers: [registry],
    });
    this.miraklCalls = new MiraklCallMetrics(registry);
  }
}

export const FULFILMENT_METRICS_PROVIDER: Provider = {
  provide: FulfilmentBridgeMetrics,
  inject: [BackboneMetrics],
  useFactory: (b: BackboneMetrics) => new FulfilmentBridgeMetrics(b.registry),
};
