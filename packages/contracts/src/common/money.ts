import { IsInt, IsString, Matches } from 'class-validator';

/** An amount of money in integer minor units (cents, pence) of an ISO-4217 currency. Never a float. */
export class Money {
  /** Amount in minor units; negative for refunds and debits. */
  @IsInt()
  amountMinor: number;

  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code such as EUR' })
  currency: string;
}

export function money(amountMinor: number, currency: string): Money {
  return Object.assign(new Money(), { amountMinor, currency });
}
