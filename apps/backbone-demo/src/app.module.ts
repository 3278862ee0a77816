import { Module, type DynamicModule } from '@nestjs/common';
import { Topics } from '@seller-bridge/contracts';
import { BackboneModule } from '@seller-bridge/service-kit';
import { DEMO_ENTITIES, DEMO_MIGRATIONS } from './database/data-source';
import { DemoConfig } from './demo.config';
import { ActivityReporter } from './orders/activity-reporter.service';
import { OrderReceivedConsumer } from './orders/order-received.consumer';
import { OrderSimulator } from './orders/order-simulator.service';

@Module({})
export class AppModule {
  static register(configValues?: DemoConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        BackboneModule.forRoot({
          config: DemoConfig,
          configValues,
          entities: DEMO_ENTITIES,
          migrations: DEMO_MIGRATIONS,
          produces: [Topics.orderReceived, Topics.orderStateChanged],
        }),
      ],
      providers: [OrderSimulator, OrderReceivedConsumer, ActivityReporter],
    };
  }
}
