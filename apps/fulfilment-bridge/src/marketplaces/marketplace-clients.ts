import type { Provider } from '@nestjs/common';
import { MiraklClient } from '@seller-bridge/mirakl-client';
import { FulfilmentBridgeConfig, marketplaceApiKeys } from '../config/fulfilment-bridge.config';
import { FulfilmentBridgeMetrics } from '../metrics/fulfilment-bridge.metrics';

export const MARKETPLACE_CLIENTS = Symbol('MARKETPLACE_CLIENTS');
export type MarketplaceClients = ReadonlyMap<string, MiraklClient>;

/** One Mirakl client per configured marketplace (its limiter paces every call of the process to that shop). */
export const MARKETPLACE_CLIENTS_PROVIDER: Provider = {
  provide: MARKETPLACE_CLIENTS,
  inject: [FulfilmentBridgeConfig, FulfilmentBridgeMetrics],
  useFactory: (config: FulfilmentBridgeConfig, metrics: FulfilmentBridgeMetrics): MarketplaceClients => {
    const keys = marketplaceApiKeys(config);
    return new Map(
      config.MARKETPLACES.map((m) => [
        m.code,
        new MiraklClient(
          { marketplace: m.code, baseUrl: m.baseUrl, apiKey: keys.get(m.code)!, shopId: m.shopId },
          { unlimited: m.unlimitedCalls === true, observe: metrics.miraklCalls.observe },
        ),
      ]),
    );
  },
};
