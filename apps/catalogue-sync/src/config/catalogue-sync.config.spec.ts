import { ConfigError, loadConfig } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig, marketplaceApiKeys } from './catalogue-sync.config';

describe(marketplaceApiKeys.name, () => {
  const config = loadConfig(CatalogueSyncConfig, {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    BACKOFFICE_API_KEY: 'test-key-123',
    MARKETPLACES: JSON.stringify([
      { code: 'decathlon-fr', baseUrl: 'http://127.0.0.1:1/mp/decathlon-fr', apiKeyEnv: 'K_DEC' },
      { code: 'carrefour-es', baseUrl: 'http://127.0.0.1:1/mp/carrefour-es', apiKeyEnv: 'K_CAR' },
    ]),
  });

  it('reads each marketplace’s key from the variable its apiKeyEnv names', () => {
    const keys = marketplaceApiKeys(config, { K_DEC: 'secret-dec', K_CAR: ' secret-car\n', OTHER: 'x' });
    expect([...keys]).toEqual([
      ['decathlon-fr', 'secret-dec'],
      ['carrefour-es', 'secret-car'],
    ]);
  });

  it('refuses a missing or blank key, naming the variable and the marketplace and never a key', () => {
    let err: unknown;
    try {
      marketplaceApiKeys(config, { K_DEC: 'secret-dec', K_CAR: '  ' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual(['K_CAR']);
    expect((err as Error).message).toContain('K_CAR');
    expect((err as Error).message).toContain('carrefour-es');
    expect((err as Error).message).not.toContain('secret-dec');
  });

  it('names every missing variable at once', () => {
    expect(() => marketplaceApiKeys(config, {})).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ variable: 'K_DEC' }),
          expect.objectContaining({ variable: 'K_CAR' }),
        ],
      }),
    );
  });
});
