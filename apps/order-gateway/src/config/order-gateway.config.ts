import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ACCEPTANCE_POLICIES } from '@seller-bridge/contracts';
import {
  BackboneConfig,
  envBoolean,
  jsonListOf,
  MarketplaceConnectionSettings,
  marketplaceApiKeys,
} from '@seller-bridge/service-kit';

export type AcceptancePolicy = (typeof ACCEPTANCE_POLICIES)[number];

const HOUR = 3_600_000;

/** One marketplace order-gateway takes orders from (one Mirakl instance). */
export class MarketplaceSettings extends MarketplaceConnectionSettings {
  /** ON_VALIDATION (default): accept once the lines are validated and reserved. AFTER_ERP_CONFIRMATION: also wait for the ERP's sales order. */
  @IsIn(ACCEPTANCE_POLICIES)
  acceptancePolicy: AcceptancePolicy = 'ON_VALIDATION';

  /** May some lines be accepted and others refused? Where not, one bad line refuses the whole order. */
  @IsBoolean()
  partialAcceptance: boolean = true;

  /** The marketplace's acceptance window from order creation (it auto-refuses after it). */
  @IsInt()
  @Min(60_000)
  acceptanceWindowMs: number = 24 * HOUR;

  /** "Acceptance at risk" is raised when an undecided order has less than this left. */
  @IsInt()
  @Min(1_000)
  acceptanceAtRiskMs: number = 4 * HOUR;

  /** "Shipping at risk" is raised when an order not yet shipped has less than this left before its shipping deadline. */
  @IsInt()
  @Min(1_000)
  shippingAtRiskMs: number = 12 * HOUR;

  /** Time between two OR11 polls (Mirakl allows one a minute). */
  @IsInt()
  @Min(100)
  pollIntervalMs: number = 60_000;

  /** Subtracted from the last poll's start for the next `start_update_date`, on top of Mirakl's own margin. */
  @IsInt()
  @Min(0)
  pollOverlapMs: number = 5 * 60_000;

  /** How far back the very first poll of a marketplace looks (no cursor yet). */
  @IsInt()
  @Min(0)
  initialLookbackMs: number = 7 * 24 * HOUR;

  /** A line whose unit price differs from the back office's price by more than this share is refused (PRICE_MISMATCH). Absent: no price check. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(10)
  priceTolerance?: number;

  /** Mirakl shipping type code → back-office shipping method. When set, an unmapped type refuses the order. */
  @IsOptional()
  @IsObject()
  shippingTypeMap?: Record<string, string>;

  /** Mirakl tax code → back-office tax category. When set, a line with an unmapped tax code is refused. */
  @IsOptional()
  @IsObject()
  taxCategoryMap?: Record<string, string>;
}

/** order-gateway's configuration: the backbone's, the marketplaces, and what runs in this process. */
export class OrderGatewayConfig extends BackboneConfig {
  override SERVICE_NAME = 'order-gateway';
  override HTTP_PORT = 3120;

  /** Poll the marketplaces (`false` for tools that must not call Mirakl). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'POLLING_ENABLED must be true or false' })
  POLLING_ENABLED: boolean = true;

  /** Send decisions (OR21). */
  @Transform(envBoolean)
  @IsBoolean({ message: 'ACCEPTANCE_ENABLED must be true or false' })
  ACCEPTANCE_ENABLED: boolean = true;

  /** Decisions sent at once per marketplace (OR21 calls in flight). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  ACCEPTANCE_CONCURRENCY: number = 16;

  /** Acceptance workers per marketplace, each with ACCEPTANCE_CONCURRENCY sends in flight. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  ACCEPTANCE_WORKERS: number = 2;

  /** How often an idle acceptance loop looks for decisions to send. */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(10_000)
  ACCEPTANCE_IDLE_MS: number = 20;

  /** How often deadlines are checked. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  DEADLINE_CHECK_MS: number = 30_000;

  /** Orders per database transaction while a poll records what it saw. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  POLL_CHUNK: number = 100;

  /** Lease check interval of the per-marketplace loops (ms). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  LEASE_RETRY_MS: number = 2_000;

  /** JSON list of marketplaces (see MarketplaceSettings), e.g. `[{"code":"decathlon-fr",…}]`. */
  @Transform(jsonListOf(MarketplaceSettings))
  @IsArray({ message: 'MARKETPLACES must be a JSON list of marketplaces' })
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  MARKETPLACES: MarketplaceSettings[];
}

/** The shop API keys by marketplace code (service-kit's, for this service's `MARKETPLACES`). */
export { marketplaceApiKeys };
