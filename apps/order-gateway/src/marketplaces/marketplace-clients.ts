import type { Provider } from '@nestjs/common';
import { MiraklClient } from '@seller-bridge/mirakl-client';
import { OrderGatewayConfig, marketplaceApiKeys } from '../config/order-gateway.config';
import { OrderGatewayMetrics } from '../metrics/order-gateway.metrics';

/** Token of the Mirakl clients by marketplace code. */
export const MARKETPLACE_CLIENTS = Symbol('MARKETPLACE_CLIENTS');
export type MarketplaceClients = ReadonlyMap<string, MiraklClient>;

/**
 * One Mirakl client per marketplace: polling and acceptance share it, so its limiter paces both (Mirakl counts
 * a shop's calls) and `observe` sees every call. A missing key stops the service at start, naming the variable.
 */
export const MARKETPLACE_CLIENTS_PROVIDER: Provider = {
  provide: MARKETPLACE_CLIENTS,
  inject: [OrderGatewayConfig, OrderGatewayMetrics],
  useFactory: (config: OrderGatewayConfig, metrics: OrderGatewayMetrics): MarketplaceClients => {
    if (!config.POLLING_ENABLED && !config.ACCEPTANCE_ENABLED) return new Map();
    const keys = marketplaceApiKeys(config);
    return new Map(
      config.MARKETPLACES.map((m) => [
        m.code,
        new MiraklClient(
          { marketplace: m.code, baseUrl: m.baseUrl, apiKey: keys.get(m.code)!, shopId: m.shopId },
          { observe: metrics.miraklCalls.observe, unlimited: m.unlimitedCalls === true },
        ),
      ]),
    );
  },
};
