import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsInt,
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

/** One marketplace (one Mirakl instance) whose orders this service posts and ships. */
export class MarketplaceSettings extends MarketplaceConnectionSettings {
  /** Tax rate ("20.00") used for a line when the marketplace gives no tax on it. */
  @IsString()
  @Matches(/^\d{1,2}\.\d{2}$/, { message: 'defaultTaxRate must be a percent string such as "20.00"' })
  defaultTaxRate: string = '20.00';

  /**
   * The operator allows several shipments per order (Mirakl's PC01 `features.shipment.multi_shipment`): each
   * warehouse parcel is sent as its own shipment (ST01/ST24) as soon as it ships. Off: the order is shipped
   * once, with OR23/OR24, when every line has shipped.
   */
  @IsOptional()
  @IsBoolean()
  multiShipment?: boolean;
}

/** fulfilment-bridge's configuration: the backbone's, the back office, the marketplaces, the workers. */
export class FulfilmentBridgeConfig extends BackboneConfig {
  override SERVICE_NAME = 'fulfilment-bridge';
  override HTTP_PORT = 3130;

  @IsString()
  @Matches(/^https?:\/\//, { message: 'BACKOFFICE_URL must be an http(s) URL' })
  BACKOFFICE_URL: string = 'http://127.0.0.1:4200/api';

  /** The back office API key (`X-Api-Key`); never logged. */
  @IsString()
  @MinLength(8)
  BACKOFFICE_API_KEY: string;

  /** Bearer token of the admin API (carrier mappings, held shipments); never logged. */
  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN: string;

  /**
   * Secret of the back office's webhook (`X-Backoffice-Signature`, HMAC-SHA256); the webhook route answers 404
   * while it is not set. Never logged.
   */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'BACKOFFICE_WEBHOOK_SECRET must be at least 16 characters' })
  BACKOFFICE_WEBHOOK_SECRET?: string;

  /** JSON list of marketplaces: `[{"code","baseUrl","apiKeyEnv","shopId"?,"defaultTaxRate"?,"multiShipment"?}]`. */
  @Transform(jsonListOf(MarketplaceSettings))
  @IsArray({ message: 'MARKETPLACES must be a JSON list of marketplaces' })
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => MarketplaceSettings)
  MARKETPLACES: MarketplaceSettings[];

  /** How often the workers (ERP posting, marketplace shipping) look for due work when idle. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  WORKER_POLL_MS: number = 250;

  /** Orders or shipments handled at once by one replica. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY: number = 8;

  /** Independent loops per worker in one replica (each claims up to WORKER_CONCURRENCY rows at a time). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  WORKER_LANES: number = 2;

  /** First retry delay of a failed ERP post or marketplace call; doubles per attempt up to the max. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RETRY_BASE_MS: number = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RETRY_MAX_MS: number = 60_000;

  /** Time allowed for one back-office call. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  BACKOFFICE_TIMEOUT_MS: number = 10_000;

  /** Read the back office's shipments feed and change feed (`false` for tests that drive them by hand). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'BACKOFFICE_FEED_ENABLED must be true or false' })
  BACKOFFICE_FEED_ENABLED: boolean = true;

  /** Run the ERP posting and marketplace shipping workers in this process. */
  @Transform(envBoolean)
  @IsBoolean({ message: 'WORKERS_ENABLED must be true or false' })
  WORKERS_ENABLED: boolean = true;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  BACKOFFICE_FEED_POLL_MS: number = 500;

  /** Charge item that takes marketplace charges with no mapping (the amount is never dropped). */
  @IsString()
  @MinLength(1)
  CHARGE_CATCH_ALL_ITEM: string = 'MKT-ROUNDING';
}

/** The shop API keys by marketplace code (service-kit's, for this service's `MARKETPLACES`). */
export { marketplaceApiKeys };
