import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MARKETPLACE_CODE, MarketplaceOrderEvent } from '../common/marketplace-order';

export const RESERVATION_STATES = ['open', 'released', 'consumed', 'rejected'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/**
 * One order line's hold on a SKU's stock, as the reservation owner (catalogue-sync) changed it:
 * `open` (taken before acceptance), `released` (refused, cancelled), `consumed` (the back office's stock now
 * counts the order itself), `rejected` (not enough stock, or an unknown SKU: never opened).
 */
export class ReservationChanged {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sku: string;

  @IsString()
  @Matches(MARKETPLACE_CODE)
  marketplace: string;

  @IsString()
  @IsNotEmpty()
  orderId: string;

  @IsString()
  @IsNotEmpty()
  orderLineId: string;

  @IsInt()
  @Min(1)
  quantity: number;

  @IsIn(RESERVATION_STATES)
  state: ReservationState;

  /** Why it moved: `ORDER_RECEIVED`, `LINE_REFUSED`, `ORDER_CANCELLED`, `ERP_STOCK_COUNTS_ORDER`, `NO_STOCK`… */
  @IsString()
  @IsNotEmpty()
  reason: string;

  /** Open reservations of the SKU after this change, all marketplaces together. */
  @IsInt()
  @Min(0)
  openForSku: number;

  @IsISO8601()
  at: string;
}

export const LINE_RESERVATION_OUTCOMES = ['reserved', 'insufficient-stock', 'unknown-sku'] as const;

export class LineReservation {
  @IsString()
  @IsNotEmpty()
  orderLineId: string;

  @IsString()
  @IsNotEmpty()
  sku: string;

  @IsInt()
  @Min(1)
  quantity: number;

  @IsIn(LINE_RESERVATION_OUTCOMES)
  outcome: (typeof LINE_RESERVATION_OUTCOMES)[number];

  /** Units that could still be reserved for the SKU when the line was decided (before this line). */
  @IsInt()
  reservable: number;
}

/**
 * The reservation owner's answer for a whole order, once every line was tried: order-gateway accepts the
 * reserved lines and refuses the others (or the whole order where partial acceptance is not allowed).
 */
export class OrderReservationDecided extends MarketplaceOrderEvent {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => LineReservation)
  lines: LineReservation[];

  @IsISO8601()
  decidedAt: string;
}

export class MarketplaceAvailability {
  @IsString()
  @Matches(MARKETPLACE_CODE)
  marketplace: string;

  /** What will be published: max(0, available − openReservations − safetyBuffer). */
  @IsInt()
  @Min(0)
  quantity: number;

  @IsInt()
  @Min(0)
  safetyBuffer: number;
}

/** What catalogue-sync will publish for a SKU on each marketplace, and how it was derived. */
export class AvailabilityChanged {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sku: string;

  /** Back-office available, all warehouses that serve the marketplaces. */
  @IsInt()
  available: number;

  @IsInt()
  @Min(0)
  openReservations: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => MarketplaceAvailability)
  marketplaces: MarketplaceAvailability[];

  /** The back office's time of the stock figure used. */
  @IsISO8601()
  stockAsOf: string;

  @IsISO8601()
  at: string;
}

/**
 * order-gateway finished a poll of one marketplace: every order visible on it when the poll started
 * (`visibleAt`) has been published as received (`orderIds`). catalogue-sync computes no stock push for that
 * marketplace before these orders are reserved (orders first, then stock).
 */
export class MarketplacePolled {
  @IsString()
  @Matches(MARKETPLACE_CODE)
  marketplace: string;

  @IsISO8601()
  visibleAt: string;

  @IsArray()
  @IsString({ each: true })
  orderIds: string[];

  @IsOptional()
  @IsISO8601()
  finishedAt?: string;
}
