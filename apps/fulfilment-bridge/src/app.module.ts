import { Module, type DynamicModule } from '@nestjs/common';
import { Topics } from '@seller-bridge/contracts';
import { BackboneModule } from '@seller-bridge/service-kit';
import { BACKOFFICE_CLIENT_PROVIDER } from './backoffice/backoffice.providers';
import { ErpCancellationReader } from './cancellations/erp-cancellation.reader';
import { MarketplaceCancellationConsumer } from './cancellations/marketplace-cancellation.consumer';
import { AdminTokenGuard } from './carrier-mapping/admin-token.guard';
import { CarrierMappingController } from './carrier-mapping/carrier-mapping.controller';
import { CarrierMappingService } from './carrier-mapping/carrier-mapping.service';
import { FulfilmentBridgeConfig } from './config/fulfilment-bridge.config';
import { FULFILMENT_ENTITIES, FULFILMENT_MIGRATIONS } from './database/data-source';
import { ErpPostingService } from './erp-posting/erp-posting.service';
import { ErpPostingWorker } from './erp-posting/erp-posting.worker';
import { OrderAwaitingErpConsumer } from './erp-posting/order-awaiting-erp.consumer';
import { OrderIntake } from './erp-posting/order-intake.service';
import { OrderReleasedConsumer } from './erp-posting/order-released.consumer';
import { ExceptionLog } from './exceptions/exception-log';
import { MARKETPLACE_CLIENTS_PROVIDER } from './marketplaces/marketplace-clients';
import { MarketplaceShippingService } from './marketplace-shipping/marketplace-shipping.service';
import { MarketplaceShippingWorker } from './marketplace-shipping/marketplace-shipping.worker';
import { FULFILMENT_METRICS_PROVIDER } from './metrics/fulfilment-bridge.metrics';
import { OperationsController } from './operations/operations.controller';
import { OperationsService } from './operations/operations.service';
import { BackofficeWebhookController } from './shipments/backoffice-webhook.controller';
import { WarehouseShipmentRecorder } from './shipments/warehouse-shipment-recorder.service';
import { ShipmentConfirmedConsumer } from './shipments/shipment-confirmed.consumer';
import { ShipmentFeedReader } from './shipments/shipment-feed.reader';
import { ShipmentIntake } from './shipments/shipment-intake.service';

/** Topics fulfilment-bridge publishes (created at start when missing). */
export const FULFILMENT_PRODUCES = [
  Topics.orderPostedToErp,
  Topics.orderShippedOnMarketplace,
  Topics.shipmentConfirmed,
  Topics.exceptionRaised,
  Topics.exceptionResolved,
];

/** Topics it consumes; tests start their groups at the end. */
export const FULFILMENT_CONSUMES = [
  Topics.orderReadyForFulfilment,
  Topics.orderAwaitingErpConfirmation,
  Topics.orderCancelled,
  Topics.orderRefused,
  Topics.shipmentConfirmed,
];

@Module({})
export class AppModule {
  static register(configValues?: FulfilmentBridgeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        BackboneModule.forRoot({
          config: FulfilmentBridgeConfig,
          configValues,
          entities: FULFILMENT_ENTITIES,
          migrations: FULFILMENT_MIGRATIONS,
          produces: FULFILMENT_PRODUCES,
        }),
      ],
      controllers: [CarrierMappingController, OperationsController, BackofficeWebhookController],
      providers: [
        FULFILMENT_METRICS_PROVIDER,
        MARKETPLACE_CLIENTS_PROVIDER,
        BACKOFFICE_CLIENT_PROVIDER,
        ExceptionLog,
        OrderIntake,
        OrderReleasedConsumer,
        OrderAwaitingErpConsumer,
        ErpPostingService,
        ErpPostingWorker,
        ShipmentIntake,
        ShipmentConfirmedConsumer,
        ShipmentFeedReader,
        WarehouseShipmentRecorder,
        CarrierMappingService,
        AdminTokenGuard,
        MarketplaceShippingService,
        MarketplaceShippingWorker,
        MarketplaceCancellationConsumer,
        ErpCancellationReader,
        OperationsService,
      ],
    };
  }
}
