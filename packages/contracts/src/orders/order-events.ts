import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { MarketplaceOrderEvent } from '../common/marketplace-order';
import { Money } from '../common/money';
import { LineDecision, OrderCustomer, OrderDeadlines, OrderLine } from './order-parts';

/** Fields shared by events that carry a whole order. */
export abstract class OrderSnapshotEvent extends MarketplaceOrderEvent {
  /** Mirakl `commercial_id`: the reference the customer sees. */
  @IsOptional()
  @IsString()
  commercialId?: string;

  @IsString()
  @IsNotEmpty()
  miraklState: string;

  @IsString()
  @Matches(/^[A-Z]{3}$/)
  currency: string;

  @IsISO8601()
  createdAt: string;

  /** Mirakl `last_updated_date` of the version of the order this event was built from. */
  @IsISO8601()
  miraklUpdatedAt: string;

  @IsOptional()
  @IsString()
  shippingTypeCode?: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => OrderDeadlines)
  deadlines: OrderDeadlines;

  @IsDefined()
  @ValidateNested()
  @Type(() => OrderCustomer)
  customer: OrderCustomer;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => OrderLine)
  lines: OrderLine[];

  @IsDefined()
  @ValidateNested()
  @Type(() => Money)
  totalPrice: Money;
}

/** A marketplace order seen for the first time (usually WAITING_ACCEPTANCE). */
export class OrderReceived extends OrderSnapshotEvent {}

export const ACCEPTANCE_POLICIES = ['ON_VALIDATION', 'AFTER_ERP_CONFIRMATION'] as const;

/** The accept decision landed on the marketplace (OR21); refused lines of a partial acceptance are listed. */
export class OrderAccepted extends MarketplaceOrderEvent {
  @IsIn(ACCEPTANCE_POLICIES)
  policy: (typeof ACCEPTANCE_POLICIES)[number];

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => LineDecision)
  lines: LineDecision[];

  @IsISO8601()
  decidedAt: string;
}

/**
 * Under the AFTER_ERP_CONFIRMATION policy, the order passed validation and its acceptance waits for the ERP:
 * create the sales order **on hold** (stock allocated, not picked), then publish `fulfilment.order.posted.v1`,
 * and the acceptance goes out. Published once per order, when its decision starts waiting. Carries what the
 * ERP needs before acceptance — the lines to be accepted (refused lines left out) with prices, taxes, charges
 * and shipping, the currency, the references and the marketplace customer id — and **no address**: Mirakl
 * withholds names and addresses until SHIPPING; they come with `orders.order.ready-for-fulfilment.v1`, which
 * then releases the held order.
 */
export class OrderAwaitingErpConfirmation extends MarketplaceOrderEvent {
  /** Mirakl `commercial_id`: the reference the customer sees. */
  @IsOptional()
  @IsString()
  commercialId?: string;

  /** Mirakl `customer.customer_id`: the ERP's customer is matched on it (never on the anonymised e-mail). */
  @IsString()
  @IsNotEmpty()
  marketplaceCustomerId: string;

  @IsString()
  @Matches(/^[A-Z]{3}$/)
  currency: string;

  @IsISO8601()
  createdAt: string;

  @IsOptional()
  @IsString()
  shippingTypeCode?: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => OrderDeadlines)
  deadlines: OrderDeadlines;

  /** The lines to be accepted (those the decision accepts), as Mirakl gives them. */
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => OrderLine)
  lines: OrderLine[];

  /** When the decision was made (it waits from then on). */
  @IsISO8601()
  decidedAt: string;
}

/** The whole order was refused on the marketplace, by us (with reasons) or by the marketplace's clock. */
export class OrderRefused extends MarketplaceOrderEvent {
  @IsIn(['SELLER', 'MARKETPLACE_TIMEOUT'])
  refusedBy: 'SELLER' | 'MARKETPLACE_TIMEOUT';

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LineDecision)
  lines: LineDecision[];

  @IsISO8601()
  decidedAt: string;
}

/**
 * Mirakl has the order in SHIPPING (debit and fraud checks done): the ERP may now create the sales order.
 * Carries everything the ERP needs; the shipping address is present from this state on.
 */
export class OrderReadyForFulfilment extends OrderSnapshotEvent {}

/** The order (or some lines) was cancelled on the marketplace; reservations of those lines are released. */
export class OrderCancelled extends MarketplaceOrderEvent {
  /** Lines cancelled; all lines of the order when the whole order is cancelled. */
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  lineIds: string[];

  @IsIn(['MARKETPLACE', 'CUSTOMER', 'SELLER', 'DEBIT_FAILED'])
  cancelledBy: 'MARKETPLACE' | 'CUSTOMER' | 'SELLER' | 'DEBIT_FAILED';

  @IsOptional()
  @IsString()
  reason?: string;

  @IsISO8601()
  cancelledAt: string;
}

/** Mirakl's state of an order moved (any move, including to states this platform does not act on). */
export class OrderStateChanged extends MarketplaceOrderEvent {
  @IsOptional()
  @IsString()
  fromState?: string;

  @IsString()
  @IsNotEmpty()
  toState: string;

  @IsISO8601()
  changedAt: string;
}

/**
 * Lines of an order moved to INCIDENT_OPEN on the marketplace (a customer claim, usually after shipping):
 * customer service and the warehouse act on it; money may follow as a refund.
 */
export class OrderIncidentOpened extends MarketplaceOrderEvent {
  /** Lines whose incident opened with this version of the order. */
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  lineIds: string[];

  /** Mirakl `last_updated_date` of the version that showed the incident. */
  @IsISO8601()
  openedAt: string;
}
