import { ConfigError, loadConfig } from '@seller-bridge/service-kit';
import { marketplaceApiKeys, OrderGatewayConfig } from './order-gateway.config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/order_gateway',
  MARKETPLACES: JSON.stringify([
    { code: 'decathlon-fr', baseUrl: 'https://decathlon.example', apiKeyEnv: 'MIRAKL_KEY_DECATHLON_FR' },
  ]),
};

describe(OrderGatewayConfig.name, () => {
  it('fills each marketplace with the documented defaults', () => {
    const c = loadConfig(OrderGatewayConfig, base);
    expect(c.MARKETPLACES[0]).toMatchObject({
      acceptancePolicy: 'ON_VALIDATION',
      partialAcceptance: true,
      acceptanceWindowMs: 24 * 3_600_000,
      pollIntervalMs: 60_000,
      pollOverlapMs: 300_000,
    });
    expect(c.MARKETPLACES[0].priceTolerance).toBeUndefined();
  });

  it('refuses an unknown acceptance policy, naming the variable', () => {
    const env = {
      ...base,
      MARKETPLACES: JSON.stringify([{ ...JSON.parse(base.MARKETPLACES)[0], acceptancePolicy: 'WHENEVER' }]),
    };
    expect(() => loadConfig(OrderGatewayConfig, env)).toThrow(/MARKETPLACES\[0\]\.acceptancePolicy/);
  });

  it('names the missing API key variable, never a key', () => {
    const c = loadConfig(OrderGatewayConfig, base);
    expect(() => marketplaceApiKeys(c, {})).toThrow(ConfigError);
    expect(() => marketplaceApiKeys(c, {})).toThrow(/MIRAKL_KEY_DECATHLON_FR/);
    expect(marketplaceApiKeys(c, { MIRAKL_KEY_DECATHLON_FR: 'k-123' }).get('decathlon-fr')).toBe('k-123');
  });
});
