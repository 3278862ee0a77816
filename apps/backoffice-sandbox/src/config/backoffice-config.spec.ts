import { DEMO_API_KEY, loadConfig } from './backoffice-config';

describe(loadConfig.name, () => {
  it('requires the admin token, naming the variable', () => {
    expect(() => loadConfig({})).toThrow(/BACKOFFICE_ADMIN_TOKEN is required/);
  });

  it('defaults the port and the demo key, and says the key is the default', () => {
    expect(loadConfig({ BACKOFFICE_ADMIN_TOKEN: 't' })).toEqual({
      port: 4200,
      apiKey: DEMO_API_KEY,
      defaultApiKey: true,
      adminToken: 't',
      otherChannelsUnitsPerMinute: 0,
    });
  });

  it('refuses a bad port, a short key and a bad pick delay, naming each', () => {
    const env = { BACKOFFICE_ADMIN_TOKEN: 't' };
    expect(() => loadConfig({ ...env, BACKOFFICE_PORT: 'http' })).toThrow(/BACKOFFICE_PORT/);
    expect(() => loadConfig({ ...env, BACKOFFICE_PORT: '70000' })).toThrow(/BACKOFFICE_PORT/);
    expect(() => loadConfig({ ...env, BACKOFFICE_API_KEY: 'short' })).toThrow(/BACKOFFICE_API_KEY/);
    expect(() => loadConfig({ ...env, BACKOFFICE_PICK_DELAY_MS: '2m' })).toThrow(/BACKOFFICE_PICK_DELAY_MS/);
    expect(() => loadConfig({ ...env, BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE: '-3' })).toThrow(
      /BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE/,
    );
    expect(
      loadConfig({ ...env, BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE: '6' }).otherChannelsUnitsPerMinute,
    ).toBe(6);
    expect(loadConfig({ ...env, BACKOFFICE_PORT: '0', BACKOFFICE_PICK_DELAY_MS: '5000' })).toMatchObject({
      port: 0,
      pickDelayMs: 5000,
    });
  });
});
