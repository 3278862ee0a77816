import { Module, type DynamicModule } from '@nestjs/common';
import { Topics } from '@seller-bridge/contracts';
import { BackboneModule } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from './config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from './database/data-source';
import { MARKETPLACE_CLIENTS_PROVIDER } from './marketplaces/marketplace-clients';
import { CATALOGUE_SYNC_METRICS_PROVIDER } from './metrics/catalogue-sync.metrics';
import { OrderEventsConsumer } from './reservations/order-events.consumer';
import { ReservationLedger } from './reservations/reservation-ledger';
import { StockEventsConsumer } from './stock/stock-events.consumer';
import { StockLedger } from './stock/stock-ledger';
import { BACKOFFICE_PROVIDERS } from './backoffice/backoffice.providers';
import { CATALOGUE_PROVIDERS } from './catalogue/catalogue.providers';
import { PUBLISHING_PROVIDERS } from './publishing/publishing.providers';
import { RECONCILIATION_PROVIDERS } from './reconciliation/reconciliation.providers';

/** Topics catalogue-sync publishes (created at start when missing). */
export const CATALOGUE_SYNC_PRODUCES = [
  Topics.productChanged,
  Topics.stockChanged,
  Topics.reservationChanged,
  Topics.orderReservationDecided,
  Topics.availabilityChanged,
  Topics.catalogueDivergence,
  Topics.exceptionRaised,
  Topics.exceptionResolved,
];

/** Topics catalogue-sync consumes (its consumers' `@ConsumesEvent`); tests start their groups at the end. */
export const CATALOGUE_SYNC_CONSUMES = [
  Topics.stockChanged,
  Topics.productChanged,
  Topics.orderReceived,
  Topics.orderAccepted,
  Topics.orderRefused,
  Topics.orderCancelled,
  Topics.orderPostedToErp,
  Topics.marketplacePolled,
];

@Module({})
export class AppModule {
  static register(configValues?: CatalogueSyncConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        BackboneModule.forRoot({
          config: CatalogueSyncConfig,
          configValues,
          entities: CATALOGUE_ENTITIES,
          migrations: CATALOGUE_MIGRATIONS,
          produces: CATALOGUE_SYNC_PRODUCES,
        }),
      ],
      providers: [
        CATALOGUE_SYNC_METRICS_PROVIDER,
        MARKETPLACE_CLIENTS_PROVIDER,
        ReservationLedger,
        StockLedger,
        OrderEventsConsumer,
        StockEventsConsumer,
        ...BACKOFFICE_PROVIDERS,
        ...CATALOGUE_PROVIDERS,
        ...PUBLISHING_PROVIDERS,
        ...RECONCILIATION_PROVIDERS,
      ],
    };
  }
}
