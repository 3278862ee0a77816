import { MiraklClient, type MiraklClientOptions } from '@seller-bridge/mirakl-client';
import { ConfigError } from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';

/**
 * One Mirakl client per marketplace, its key read from the environment variable the configuration names
 * (`apiKeyEnv`): the configuration holds the variable's name, never the key. A missing key stops the service
 * at start with a message naming the variable (and never the value of any key).
 */
export function createMarketplaceClients(
  marketplaces: readonly MarketplaceSettings[],
  env: Readonly<Record<string, string | undefined>>,
  options: Omit<MiraklClientOptions, 'unlimited'> = {},
): Map<string, MiraklClient> {
  const missing = marketplaces
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => !env[m.apiKeyEnv]?.trim())
    .map(({ m, i }) => ({
      variable: m.apiKeyEnv,
      problem: `not set: it must hold the Mirakl shop API key of marketplace ${m.code} (MARKETPLACES[${i}].apiKeyEnv)`,
    }));
  if (missing.length > 0) throw new ConfigError(missing);
  return new Map(
    marketplaces.map((m) => [
      m.code,
      new MiraklClient(
        { marketplace: m.code, baseUrl: m.baseUrl, apiKey: env[m.apiKeyEnv]!.trim(), shopId: m.shopId },
        { ...options, unlimited: m.unlimitedCalls === true },
      ),
    ]),
  );
}
