import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  BackboneConfig,
  envBoolean,
  jsonListOf,
  MarketplaceConnectionSettings,
  marketplaceApiKeys,
} from '@seller-bridge/service-kit';

/** One marketplace catalogue-sync publishes to (one Mirakl instance). */
export class MarketplaceSettings extends MarketplaceConnectionSettings {
  /** Units held back from what is published, for what the platform cannot see yet. */
  @IsInt()
  @Min(0)
  safetyBuffer: number = 0;

  /** Per-SKU buffers overriding `safetyBuffer`. */
  @IsOptional()
  @IsObject()
  skuSafetyBuffers?: Record<string, number>;

  /** Warehouses whose stock serves this marketplace (all when absent). */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  warehouses?: string[];

  /** Time between stock pushes (STO01 allows one a minute). */
  @IsInt()
  @Min(1000)
  stockPushIntervalMs: number = 60_000;

  /** Lines per stock import. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  stockPushBatchSize: number = 10_000;

  /** Time between reconciliations (OF21 read of every offer, compared with what should be there). */
  @IsInt()
  @Min(1000)
  reconcileIntervalMs: number = 3_600_000;

  /** Back-office category path (or prefix, e.g. `Sports > Running`) → this marketplace's category code. */
  @IsOptional()
  @IsObject()
  categoryMap?: Record<string, string>;
}

/** catalogue-sync's configuration: the backbone's, the back office, and the marketplaces. */
export class CatalogueSyncConfig extends BackboneConfig {
  override SERVICE_NAME = 'catalogue-sync';
  override HTTP_PORT = 3110;

  /** The back office's API, e.g. `http://127.0.0.1:4200/api`. */
  @IsString()
  @Matches(/^https?:\/\//, { message: 'BACKOFFICE_URL must be an http(s) URL' })
  BACKOFFICE_URL: string = 'http://127.0.0.1:4200/api';

  /** The back office API key (`X-Api-Key`); never logged. */
  @IsString()
  @MinLength(8)
  BACKOFFICE_API_KEY: string;

  /** How often the change feed is read when it had nothing new. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  BACKOFFICE_FEED_POLL_MS: number = 500;

  /** Changes read per feed request. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  BACKOFFICE_FEED_BATCH: number = 1000;

  /** Read the back office's change feed (`false` for tests and tools that must not). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'BACKOFFICE_FEED_ENABLED must be true or false' })
  BACKOFFICE_FEED_ENABLED: boolean = true;

  /**
   * Hold every reserved line in the back office (`POST /api/holds`), so other channels cannot sell it before the
   * order is a sales order (decision 0008). `false` for back offices without holds: reservations are then this
   * service's alone, and units sold elsewhere in the feed's lag can be promised twice.
   */
  @Transform(envBoolean)
  @IsBoolean({ message: 'BACKOFFICE_HOLDS_ENABLED must be true or false' })
  BACKOFFICE_HOLDS_ENABLED: boolean = true;

  /** How often holds still to place or to release are sent to the back office. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  HOLD_WORKER_INTERVAL_MS: number = 500;

  /** How often back-office holds are compared with open reservations (orphans are released). */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  HOLD_RECONCILE_INTERVAL_MS: number = 10 * 60_000;

  /** Push stock to the marketplaces (`false` for tests and tools that must not call Mirakl). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'STOCK_PUSH_ENABLED must be true or false' })
  STOCK_PUSH_ENABLED: boolean = true;

  /** How long stock pushes may wait for a poll's orders to be reserved before an exception is raised. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  STOCK_PUSH_GATE_ALERT_MS: number = 15 * 60_000;

  /** Publish products (P41) and offers (OF24) to the marketplaces (`false` for tests and tools). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'CATALOGUE_PUSH_ENABLED must be true or false' })
  CATALOGUE_PUSH_ENABLED: boolean = true;

  /** Reconcile the marketplaces' offers on their cadence (`false` for tests and tools that must not). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'RECONCILE_ENABLED must be true or false' })
  RECONCILE_ENABLED: boolean = true;

  /** JSON list of marketplaces (see MarketplaceSettings), e.g. `[{"code":"decathlon-fr",…}]`. */
  @Transform(jsonListOf(MarketplaceSettings))
  @IsArray({ message: 'MARKETPLACES must be a JSON list of marketplaces' })
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  MARKETPLACES: MarketplaceSettings[];
}

/** The shop API keys by marketplace code (service-kit's, for this service's `MARKETPLACES`). */
export { marketplaceApiKeys };
