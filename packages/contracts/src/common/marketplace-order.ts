import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/** Marketplace codes are short lower-case identifiers chosen in configuration (`decathlon-fr`, `bestbuy-ca`). */
export const MARKETPLACE_CODE = /^[a-z0-9][a-z0-9-]{1,39}$/;

/** Identifies an order on one marketplace. */
export abstract class MarketplaceOrderEvent {
  @IsString()
  @Matches(MARKETPLACE_CODE, { message: 'marketplace must be a lower-case code such as decathlon-fr' })
  marketplace: string;

  /** Mirakl `order_id`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  orderId: string;
}

/**
 * The Kafka key of every order event. Mirakl order ids are unique within one marketplace only, so the key
 * carries the marketplace too: all events of one order land on one partition, in order.
 */
export function orderKey(e: { marketplace: string; orderId: string }): string {
  return `${e.marketplace}:${e.orderId}`;
}
