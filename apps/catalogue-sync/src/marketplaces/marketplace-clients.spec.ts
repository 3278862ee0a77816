import { Registry } from 'prom-client';
import { ConfigError, loadConfig, SystemClock } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig, MarketplaceSettings } from '../config/catalogue-sync.config';
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import {
  clientOf,
  createMarketplaceClients,
  MARKETPLACE_CLIENTS_PROVIDER,
  type MarketplaceClients,
} from './marketplace-clients';

describe(createMarketplaceClients.name, () => {
  const mp = (code: string, apiKeyEnv: string) =>
    Object.assign(new MarketplaceSettings(), { code, baseUrl: `http://127.0.0.1:1/mp/${code}`, apiKeyEnv });

  it('builds one client per marketplace with its key', () => {
    const clients = createMarketplaceClients(
      [mp('decathlon-fr', 'K_DEC'), mp('carrefour-es', 'K_CAR')],
      new Map([
        ['decathlon-fr', 'secret-dec'],
        ['carrefour-es', 'secret-car'],
      ]),
    );
    expect([...clients.keys()]).toEqual(['decathlon-fr', 'carrefour-es']);
    expect(clients.get('carrefour-es')!.transport.connection.apiKey).toBe('secret-car');
    expect(clientOf(clients, 'decathlon-fr')).toBe(clients.get('decathlon-fr'));
    expect(() => clientOf(clients, 'amazon-de')).toThrow(/amazon-de/);
  });
});

describe('MARKETPLACE_CLIENTS_PROVIDER', () => {
  const factory = (MARKETPLACE_CLIENTS_PROVIDER as { useFactory: (...a: unknown[]) => MarketplaceClients })
    .useFactory;
  const configWith = (stock: string, catalogue: string) =>
    loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
      BACKOFFICE_API_KEY: 'test-key-123',
      STOCK_PUSH_ENABLED: stock,
      CATALOGUE_PUSH_ENABLED: catalogue,
      MARKETPLACES: JSON.stringify([
        { code: 'decathlon-fr', baseUrl: 'http://127.0.0.1:1', apiKeyEnv: 'CS_SPEC_KEY_NOT_SET' },
      ]),
    });
  const metrics = () => new CatalogueSyncMetrics(new Registry(), new SystemClock());

  it('refuses to start when publishing is on and a key is missing', () => {
    expect(() => factory(configWith('false', 'true'), metrics())).toThrow(ConfigError);
    expect(() => factory(configWith('true', 'false'), metrics())).toThrow(/CS_SPEC_KEY_NOT_SET/);
  });

  it('makes no client, and needs no key, when stock and catalogue publishing are both off', () => {
    expect(factory(configWith('false', 'false'), metrics()).size).toBe(0);
  });
});
