import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Money } from '../common/money';

/** A tax on a line or on its shipping, as Mirakl reports it. */
export class TaxAmount {
  /** Mirakl tax code (mapped to the ERP's tax category by the service that posts the order). */
  @IsString()
  @IsNotEmpty()
  code: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  amount: Money;

  /** Rate in percent as a decimal string ("20.00"); absent when Mirakl does not give it. */
  @IsOptional()
  @IsString()
  rate?: string;
}

/** A marketplace fee or commission attached to an order line (non-inventory charge for the ERP and ledger). */
export class ChargeAmount {
  /** Charge type, e.g. `COMMISSION`, `COMMISSION_VAT`, `SHIPPING_COMMISSION`; unknown types are kept as is. */
  @IsString()
  @IsNotEmpty()
  type: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  amount: Money;
}

/** One order line as Mirakl gives it. */
export class OrderLine {
  /** Mirakl `order_line_id`. */
  @IsString()
  @IsNotEmpty()
  lineId: string;

  /** Seller's SKU of the offer (Mirakl `offer_sku`, the back office SKU). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sku: string;

  @IsOptional()
  @IsString()
  productTitle?: string;

  @IsInt()
  @Min(1)
  quantity: number;

  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  unitPrice: Money;

  /** Line total before shipping (quantity × unit price, as Mirakl computed it). */
  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  price: Money;

  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  shippingPrice: Money;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TaxAmount)
  taxes: TaxAmount[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TaxAmount)
  shippingTaxes: TaxAmount[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ChargeAmount)
  charges: ChargeAmount[];

  /** Mirakl's line state, as a string (unknown values tolerated). */
  @IsString()
  miraklState: string;
}

/** A postal address; Mirakl leaves addresses null until the order is accepted and paid. */
export class PostalAddress {
  @IsOptional() @IsString() firstName?: string;
  @IsOptional() @IsString() lastName?: string;
  @IsOptional() @IsString() company?: string;
  @IsString() @IsNotEmpty() street1: string;
  @IsOptional() @IsString() street2?: string;
  @IsString() @IsNotEmpty() city: string;
  @IsOptional() @IsString() zipCode?: string;
  @IsOptional() @IsString() state?: string;
  /** ISO-3166 alpha-2 or alpha-3, as Mirakl gives it. */
  @IsString() @IsNotEmpty() country: string;
  @IsOptional() @IsString() phone?: string;
}

/**
 * The customer as the marketplace identifies them. Mirakl gives anonymised e-mail addresses that change, so
 * customers are matched on the marketplace customer id, never on the e-mail.
 */
export class OrderCustomer {
  /** Mirakl `customer.customer_id`. */
  @IsString()
  @IsNotEmpty()
  marketplaceCustomerId: string;

  @IsOptional() @IsString() firstName?: string;
  @IsOptional() @IsString() lastName?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddress)
  shippingAddress?: PostalAddress;

  @IsOptional()
  @ValidateNested()
  @Type(() => PostalAddress)
  billingAddress?: PostalAddress;
}

/** Deadlines Mirakl sets for the seller. */
export class OrderDeadlines {
  /** The marketplace auto-refuses the order after this moment if it is not accepted. */
  @IsOptional()
  @IsISO8601()
  acceptBy?: string;

  /** The order must be marked shipped before this moment. */
  @IsOptional()
  @IsISO8601()
  shipBy?: string;
}

export const LINE_DECISIONS = ['ACCEPT', 'REFUSE'] as const;

/** The decision on one line, with the reason code when refused. */
export class LineDecision {
  @IsString()
  @IsNotEmpty()
  lineId: string;

  @IsString()
  @IsNotEmpty()
  sku: string;

  @IsIn(LINE_DECISIONS)
  decision: (typeof LINE_DECISIONS)[number];

  /** Stable reason code on refusal: `UNKNOWN_SKU`, `NO_STOCK`, `PRICE_MISMATCH`, `UNMAPPED_SHIPPING_TYPE`… */
  @IsOptional()
  @IsString()
  reasonCode?: string;

  @IsOptional()
  @IsString()
  reason?: string;
}

/** Decisions are made on every line; a refused order has at least one line. */
export class LineDecisions {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => LineDecision)
  lines: LineDecision[];
}
