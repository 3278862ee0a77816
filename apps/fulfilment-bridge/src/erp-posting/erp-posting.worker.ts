import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BACKBONE_LOGGER, type BackboneLogger } from '@seller-bridge/service-kit';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { WorkLoop } from '../marketplaces/work-loop';
import { ErpPostingService } from './erp-posting.service';

/** Keeps posting due orders while the service runs (WORKERS_ENABLED). */
@Injectable()
export class ErpPostingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loops: WorkLoop[];

  constructor(
    service: ErpPostingService,
    private readonly config: FulfilmentBridgeConfig,
    @Inject(BACKBONE_LOGGER) logger: BackboneLogger,
  ) {
    this.loops = Array.from(
      { length: config.WORKER_LANES },
      (_, i) => new WorkLoop(`erp-posting-${i}`, () => service.runDue(), config.WORKER_POLL_MS, logger),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.WORKERS_ENABLED) for (const l of this.loops) l.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }
}
