import { ConfigError, loadConfig } from '@seller-bridge/service-kit';
import { FulfilmentBridgeConfig, marketplaceApiKeys } from './fulfilment-bridge.config';

const env = {
  DATABASE_URL: 'postgres://x@127.0.0.1/db',
  BACKOFFICE_API_KEY: 'backoffice-key',
  ADMIN_TOKEN: 'admin-token-0123456789',
  MARKETPLACES: JSON.stringify([{ code: 'decathlon-fr', baseUrl: 'https://d.example', apiKeyEnv: 'KEY_D' }]),
};

describe(FulfilmentBridgeConfig.name, () => {
  it('loads a complete environment with defaults', () => {
    const c = loadConfig(FulfilmentBridgeConfig, env);
    expect(c.SERVICE_NAME).toBe('fulfilment-bridge');
    expect(c.MARKETPLACES[0].defaultTaxRate).toBe('20.00');
    expect(c.CHARGE_CATCH_ALL_ITEM).toBe('MKT-ROUNDING');
  });

  it('names the variables that are missing or wrong', () => {
    const { ADMIN_TOKEN: _omit, ...rest } = env;
    try {
      loadConfig(FulfilmentBridgeConfig, {
        ...rest,
        MARKETPLACES: '[{"code":"Bad Code","baseUrl":"x","apiKeyEnv":"k"}]',
      });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.variable);
      expect(names).toEqual(
        expect.arrayContaining([
          'ADMIN_TOKEN',
          'MARKETPLACES[0].code',
          'MARKETPLACES[0].baseUrl',
          'MARKETPLACES[0].apiKeyEnv',
        ]),
      );
    }
  });

  it('requires the Mirakl key of every marketplace, naming its variable', () => {
    const c = loadConfig(FulfilmentBridgeConfig, env);
    expect(() => marketplaceApiKeys(c, {})).toThrow(/KEY_D/);
    expect(marketplaceApiKeys(c, { KEY_D: 'k' }).get('decathlon-fr')).toBe('k');
  });
});
