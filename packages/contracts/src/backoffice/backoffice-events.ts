import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Money } from '../common/money';

/** Where a back-office fact came from: catalogue-sync reading the back office, or an internal system. */
export const BACKOFFICE_SOURCES = ['backoffice-feed', 'backoffice-poll', 'internal'] as const;

/** The product master of one SKU, as the PIM/ERP holds it. */
export class ProductChanged {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sku: string;

  @IsString()
  @IsNotEmpty()
  title: string;

  @IsOptional()
  @IsString()
  brand?: string;

  /** GTIN / EAN, when the product has one. */
  @IsOptional()
  @IsString()
  gtin?: string;

  @IsOptional()
  @IsString()
  description?: string;

  /** The back office's category path, e.g. `Sports > Running > Shoes` (mapped per marketplace). */
  @IsString()
  @IsNotEmpty()
  category: string;

  /** Selling price, tax included. */
  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  price: Money;

  /** VAT rate in percent as a decimal string ("20.00"). */
  @IsString()
  taxRate: string;

  @IsBoolean()
  active: boolean;

  @IsOptional()
  @IsObject()
  attributes?: Record<string, string>;

  /** When the back office last changed it (its own clock). */
  @IsISO8601()
  updatedAt: string;

  @IsIn(BACKOFFICE_SOURCES)
  source: (typeof BACKOFFICE_SOURCES)[number];
}

/**
 * The stock of one SKU in one warehouse. `available` is what can still be promised (on hand less what open
 * sales orders are allocated, less `held`). `held` is what the back office holds for marketplace orders the
 * platform reserved and the ERP has not yet taken as sales orders (decision 0008). `asOf` is the back office's time for the figure, `sourceVersion` its change
 * feed position when known: a later figure always has a later (asOf, sourceVersion).
 */
export class StockChanged {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sku: string;

  @IsString()
  @IsNotEmpty()
  warehouse: string;

  @IsInt()
  available: number;

  @IsInt()
  @Min(0)
  onHand: number;

  /** Units held for the platform's marketplace orders, already out of `available` (0 when absent). */
  @IsOptional()
  @IsInt()
  @Min(0)
  held?: number;

  @IsISO8601()
  asOf: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  sourceVersion?: number;

  /** Why it changed, as the back office says (`allocated`, `shipped`, `other_channel_sale`, `adjustment`…). */
  @IsOptional()
  @IsString()
  reason?: string;

  /** The ERP sales order the change belongs to (allocation, release, shipment), when the back office says. */
  @IsOptional()
  @IsString()
  salesOrderNumber?: string;

  @IsIn(BACKOFFICE_SOURCES)
  source: (typeof BACKOFFICE_SOURCES)[number];
}
