import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, ValidateNested } from 'class-validator';

export const EXCEPTION_OWNERS = ['operations', 'finance', 'ecommerce', 'integration'] as const;
export type ExceptionOwner = (typeof EXCEPTION_OWNERS)[number];

/** An entity an exception concerns (`order` / `decathlon-fr:ORDER-1`, `sku` / `SKU-42`…). */
export class ExceptionEntity {
  @IsString() @IsNotEmpty() kind: string;
  @IsString() @IsNotEmpty() id: string;
}

/** Something a person must act on. Resolved automatically when its cause clears. */
export class ExceptionRaised {
  /** Stable id: the same cause raises the same id, so raising twice is harmless. */
  @IsString() @IsNotEmpty() exceptionId: string;
  /** Stable type code, e.g. `UNKNOWN_SKU`, `UNMAPPED_CARRIER`, `DEAD_LETTERED`. */
  @IsString() @IsNotEmpty() type: string;
  @IsIn(EXCEPTION_OWNERS) owner: ExceptionOwner;
  @IsString() @IsNotEmpty() service: string;
  @IsOptional() @IsString() marketplace?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ExceptionEntity)
  entities: ExceptionEntity[];

  /** What happened, for a person. */
  @IsString() @IsNotEmpty() reason: string;
  /** What to do about it. */
  @IsString() @IsNotEmpty() resolution: string;
  @IsISO8601() raisedAt: string;
}

export class ExceptionResolved {
  @IsString() @IsNotEmpty() exceptionId: string;
  @IsString() @IsNotEmpty() type: string;
  @IsString() @IsNotEmpty() service: string;
  @IsString() @IsNotEmpty() how: string;
  @IsISO8601() resolvedAt: string;
}
