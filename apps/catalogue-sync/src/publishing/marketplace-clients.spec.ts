import { ConfigError } from '@seller-bridge/service-kit';
import { MarketplaceSettings } from '../config/catalogue-sync.config';
import { createMarketplaceClients } from './marketplace-clients';

describe(createMarketplaceClients.name, () => {
  const mp = (code: string, apiKeyEnv: string) =>
    Object.assign(new MarketplaceSettings(), { code, baseUrl: `http://127.0.0.1:1/mp/${code}`, apiKeyEnv });

  it('builds one client per marketplace with the key from the named variable', () => {
    const clients = createMarketplaceClients([mp('decathlon-fr', 'K_DEC'), mp('carrefour-es', 'K_CAR')], {
      K_DEC: 'secret-dec',
      K_CAR: 'secret-car',
    });
    expect([...clients.keys()]).toEqual(['decathlon-fr', 'carrefour-es']);
    expect(clients.get('carrefour-es')!.transport.connection.apiKey).toBe('secret-car');
  });

  it('refuses to start when a key is missing, naming the variable and never a key', () => {
    let err: unknown;
    try {
      createMarketplaceClients([mp('decathlon-fr', 'K_DEC'), mp('carrefour-es', 'K_CAR')], {
        K_DEC: 'secret-dec',
        K_CAR: '  ',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual(['K_CAR']);
    expect((err as Error).message).toContain('K_CAR');
    expect((err as Error).message).toContain('carrefour-es');
    expect((err as Error).message).not.toContain('secret-dec');
  });
});
