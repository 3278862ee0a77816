import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BACKBONE_LOGGER, type BackboneLogger } from '@seller-bridge/service-kit';
import { DataSource } from 'typeorm';
import { BackofficeClient } from '../backoffice/backoffice-client';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { WorkLoop } from '../marketplaces/work-loop';
import { WarehouseShipmentRecorder } from './warehouse-shipment-recorder.service';

/**
 * Reads the warehouse's shipments (`GET /api/shipments?after=`) from a cursor kept in PostgreSQL. Each page is
 * recorded, published (`backoffice.shipment.confirmed.v1`, for internal systems) and the cursor moved in one
 * transaction; the cursor row is locked while reading, so one replica reads at a time.
 */
@Injectable()
export class ShipmentFeedReader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: WorkLoop;

  constructor(
    private readonly ds: DataSource,
    private readonly bo: BackofficeClient,
    private readonly recorder: WarehouseShipmentRecorder,
    private readonly config: FulfilmentBridgeConfig,
    @Inject(BACKBONE_LOGGER) private readonly logger: BackboneLogger,
  ) {
    this.loop = new WorkLoop('shipment-feed', () => this.readOnce(), config.BACKOFFICE_FEED_POLL_MS, logger);
  }

  onApplicationBootstrap(): void {
    if (this.config.BACKOFFICE_FEED_ENABLED) this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Reads one page; returns the number of shipments recorded (0 when none, or another replica reads). */
  async readOnce(): Promise<number> {
    await this.ds.query(`INSERT INTO fb_feed_cursor (name) VALUES ('shipments') ON CONFLICT DO NOTHING`);
    return this.ds.transaction(async (m) => {
      const [cursor] = (await m.query(
        `SELECT seq FROM fb_feed_cursor WHERE name = 'shipments' FOR UPDATE SKIP LOCKED`,
      )) as { seq: string }[];
      if (!cursor) return 0;
      const page = await this.bo.shipments(Number(cursor.seq));
      if (page.shipments.length === 0) return 0;
      let recorded = 0;
      for (const s of page.shipments) if (await this.recorder.record(m, s)) recorded++;
      await m.query(`UPDATE fb_feed_cursor SET seq = $1 WHERE name = 'shipments'`, [page.last_seq]);
      this.logger.debug(
        { shipments: page.shipments.length, recorded, lastSeq: page.last_seq },
        'shipments read',
      );
      return page.shipments.length;
    });
  }
}
