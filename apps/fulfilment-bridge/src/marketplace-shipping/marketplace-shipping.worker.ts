import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BACKBONE_LOGGER, type BackboneLogger } from '@seller-bridge/service-kit';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { WorkLoop } from '../marketplaces/work-loop';
import { FulfilmentBridgeMetrics } from '../metrics/fulfilment-bridge.metrics';
import { OperationsService } from '../operations/operations.service';
import { MarketplaceShippingService } from './marketplace-shipping.service';

/** Keeps sending due shipments to the marketplaces while the service runs (WORKERS_ENABLED). */
@Injectable()
export class MarketplaceShippingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loops: WorkLoop[];

  constructor(
    service: MarketplaceShippingService,
    private readonly config: FulfilmentBridgeConfig,
    ops: OperationsService,
    metrics: FulfilmentBridgeMetrics,
    @Inject(BACKBONE_LOGGER) logger: BackboneLogger,
  ) {
    let gaugeAt = 0;
    const gauge = async () => {
      if (Date.now() - gaugeAt < 10_000) return;
      gaugeAt = Date.now();
      const held = await ops.heldCounts();
      for (const m of config.MARKETPLACES)
        metrics.heldShipments.set({ marketplace: m.code }, held.get(m.code) ?? 0);
    };
    this.loops = Array.from(
      { length: config.WORKER_LANES },
      (_, i) =>
        new WorkLoop(
          `marketplace-shipping-${i}`,
          async () => {
            if (i === 0) await gauge();
            return service.runDue();
          },
          config.WORKER_POLL_MS,
          logger,
        ),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.WORKERS_ENABLED) for (const l of this.loops) l.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }
}
