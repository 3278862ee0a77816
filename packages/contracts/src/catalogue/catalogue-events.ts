import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { MARKETPLACE_CODE } from '../common/marketplace-order';

export const DIVERGENCE_KINDS = ['quantity', 'price', 'missing-offer', 'extra-offer'] as const;

/**
 * A reconciliation found a marketplace holding something other than what should be there for a SKU. Raised
 * until corrected; `expected`/`found` are the values as text (a quantity, a price, or absent).
 */
export class CatalogueDivergence {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sku: string;

  @IsString()
  @Matches(MARKETPLACE_CODE)
  marketplace: string;

  @IsIn(DIVERGENCE_KINDS)
  kind: (typeof DIVERGENCE_KINDS)[number];

  @IsOptional()
  @IsString()
  expected?: string;

  @IsOptional()
  @IsString()
  found?: string;

  @IsIn(['open', 'corrected'])
  status: 'open' | 'corrected';

  @IsISO8601()
  at: string;
}
