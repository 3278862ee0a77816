import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';
import { MarketplaceOrderEvent } from '../common/marketplace-order';

/** Quantity of one order line in a shipment. */
export class ShipmentLine {
  @IsString()
  @IsNotEmpty()
  lineId: string;

  @IsString()
  @IsNotEmpty()
  sku: string;

  @IsInt()
  @Min(1)
  quantity: number;
}

/** The warehouse shipped (part of) an order, naming the carrier as the warehouse does. */
export class ShipmentConfirmed extends MarketplaceOrderEvent {
  @IsString()
  @IsNotEmpty()
  shipmentId: string;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ShipmentLine)
  lines: ShipmentLine[];

  /** Carrier as the warehouse names it ("DPD Next Day"); translated to the marketplace's code downstream. */
  @IsString()
  @IsNotEmpty()
  carrierName: string;

  @IsOptional()
  @IsString()
  trackingNumber?: string;

  @IsOptional()
  @IsString()
  trackingUrl?: string;

  @IsISO8601()
  shippedAt: string;
}

/** The order exists in the ERP as a sales order. */
export class OrderPostedToErp extends MarketplaceOrderEvent {
  @IsString()
  @IsNotEmpty()
  erpOrderNumber: string;

  @IsISO8601()
  postedAt: string;

  /**
   * The ERP's own time of creation of the sales order (its clock). The reservation owner releases the
   * order's reservations once it holds back-office stock as of this time or later (the stock then counts
   * the order). Absent from older producers: `postedAt` is used instead.
   */
  @IsOptional()
  @IsISO8601()
  erpCreatedAt?: string;
}

/** Tracking and ship were sent to the marketplace for a shipment. */
export class OrderShippedOnMarketplace extends MarketplaceOrderEvent {
  @IsString()
  @IsNotEmpty()
  shipmentId: string;

  @IsString()
  @IsNotEmpty()
  carrierCode: string;

  @IsOptional()
  @IsString()
  trackingNumber?: string;

  @IsISO8601()
  shippedAt: string;
}
