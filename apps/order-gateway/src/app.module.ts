import { Module, type DynamicModule } from '@nestjs/common';
import { Topics } from '@seller-bridge/contracts';
import { BackboneModule, type BackboneModuleOptions } from '@seller-bridge/service-kit';
import { AcceptanceSender } from './acceptance/acceptance-sender.service';
import { OrderDecisionConsumer } from './acceptance/order-decision.consumer';
import { OrderGatewayConfig } from './config/order-gateway.config';
import { ORDER_GATEWAY_ENTITIES, ORDER_GATEWAY_MIGRATIONS } from './database/data-source';
import { DeadlineWatch } from './deadlines/deadline-watch.service';
import { MARKETPLACE_CLIENTS_PROVIDER } from './marketplaces/marketplace-clients';
import { ORDER_GATEWAY_METRICS_PROVIDER } from './metrics/order-gateway.metrics';
import { OrderPoller } from './polling/order-poller.service';

/** Topics order-gateway publishes (created at start when missing). */
export const ORDER_GATEWAY_PRODUCES = [
  Topics.orderReceived,
  Topics.orderAccepted,
  Topics.orderRefused,
  Topics.orderAwaitingErpConfirmation,
  Topics.orderReadyForFulfilment,
  Topics.orderCancelled,
  Topics.orderStateChanged,
  Topics.orderIncidentOpened,
  Topics.marketplacePolled,
  Topics.exceptionRaised,
  Topics.exceptionResolved,
];

@Module({})
export class AppModule {
  static register(
    configValues?: OrderGatewayConfig,
    extra: Pick<BackboneModuleOptions<OrderGatewayConfig>, 'relayAfterPublish'> = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        BackboneModule.forRoot({
          config: OrderGatewayConfig,
          configValues,
          entities: ORDER_GATEWAY_ENTITIES,
          migrations: ORDER_GATEWAY_MIGRATIONS,
          produces: ORDER_GATEWAY_PRODUCES,
          ...extra,
        }),
      ],
      providers: [
        ORDER_GATEWAY_METRICS_PROVIDER,
        MARKETPLACE_CLIENTS_PROVIDER,
        OrderDecisionConsumer,
        AcceptanceSender,
        OrderPoller,
        DeadlineWatch,
      ],
    };
  }
}
