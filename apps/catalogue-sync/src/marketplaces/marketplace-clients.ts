import type { Provider } from '@nestjs/common';
import { MiraklClient, type MiraklClientOptions } from '@seller-bridge/mirakl-client';
import {
  CatalogueSyncConfig,
  marketplaceApiKeys,
  type MarketplaceSettings,
} from '../config/catalogue-sync.config';
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';

/** Token of the Mirakl clients by marketplace code (one per configured marketplace). */
export const MARKETPLACE_CLIENTS = Symbol('MARKETPLACE_CLIENTS');

/** The Mirakl clients by marketplace code, as injected with {@link MARKETPLACE_CLIENTS}. */
export type MarketplaceClients = ReadonlyMap<string, MiraklClient>;

/**
 * One Mirakl client per marketplace, with the keys from {@link marketplaceApiKeys}. Every part of the service
 * that calls a marketplace uses its one client, so the client's limiter paces all of them together (Mirakl
 * counts a shop's calls, and a 429 on one operation holds back the others) and `observe` sees every call.
 */
export function createMarketplaceClients(
  marketplaces: readonly MarketplaceSettings[],
  apiKeys: ReadonlyMap<string, string>,
  options: Omit<MiraklClientOptions, 'unlimited'> = {},
): Map<string, MiraklClient> {
  return new Map(
    marketplaces.map((m) => {
      const apiKey = apiKeys.get(m.code);
      if (!apiKey) throw new RangeError(`no Mirakl API key for marketplace ${m.code}`);
      return [
        m.code,
        new MiraklClient(
          { marketplace: m.code, baseUrl: m.baseUrl, apiKey, shopId: m.shopId },
          { ...options, unlimited: m.unlimitedCalls === true },
        ),
      ];
    }),
  );
}

/** The client of a marketplace, or a RangeError naming it when none is configured. */
export function clientOf(clients: MarketplaceClients, marketplace: string): MiraklClient {
  const client = clients.get(marketplace);
  if (!client) throw new RangeError(`no Mirakl client for marketplace ${marketplace}`);
  return client;
}

/**
 * The process's Mirakl clients, shared by the stock pusher and the catalogue publisher. Made (and the keys
 * required, a missing one stopping the service at start with the variable's name) only when one of them is
 * on: tests and tools with both off need no key.
 */
export const MARKETPLACE_CLIENTS_PROVIDER: Provider = {
  provide: MARKETPLACE_CLIENTS,
  inject: [CatalogueSyncConfig, CatalogueSyncMetrics],
  useFactory: (config: CatalogueSyncConfig, metrics: CatalogueSyncMetrics): MarketplaceClients =>
    config.STOCK_PUSH_ENABLED || config.CATALOGUE_PUSH_ENABLED
      ? createMarketplaceClients(config.MARKETPLACES, marketplaceApiKeys(config), {
          observe: metrics.miraklCalls.observe,
        })
      : new Map<string, MiraklClient>(),
};
