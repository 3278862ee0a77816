import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { BackboneConfig } from '@seller-bridge/service-kit';

/** Configuration of the sample service: the backbone's, plus how many simulated orders to place. */
export class DemoConfig extends BackboneConfig {
  override SERVICE_NAME = 'backbone-demo';
  override HTTP_PORT = 3100;

  /** Simulated marketplace orders per second (0 stops the simulator). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10000)
  DEMO_ORDERS_PER_SECOND: number = 2;

  @Transform(({ value }) =>
    typeof value === 'string' ? value.split(',').map((s: string) => s.trim()) : value,
  )
  @IsString({ each: true })
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { each: true })
  DEMO_MARKETPLACES: string[] = ['decathlon-fr', 'carrefour-es', 'bestbuy-ca'];
}
