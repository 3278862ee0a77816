/** The sandbox process's settings, read once from the environment at start. */
export interface BackofficeConfig {
  port: number;
  apiKey: string;
  /** True when BACKOFFICE_API_KEY was not set and the documented demo key is used. */
  defaultApiKey: boolean;
  adminToken: string;
  pickDelayMs?: number;
  /** Units per minute other sales channels sell from start (0: they wait for the admin API). */
  otherChannelsUnitsPerMinute: number;
}

/** The documented key of the local demo (README); set BACKOFFICE_API_KEY to use another. */
export const DEMO_API_KEY = 'demo-backoffice-key';

/** Reads and checks the environment; throws an Error naming the variable that is missing or wrong. */
export function loadConfig(env: NodeJS.ProcessEnv): BackofficeConfig {
  const adminToken = env.BACKOFFICE_ADMIN_TOKEN;
  if (!adminToken)
    throw new Error(
      'BACKOFFICE_ADMIN_TOKEN is required (the admin API moves the clock, injects faults and reads the truth)',
    );
  const port = env.BACKOFFICE_PORT === undefined ? 4200 : Number(env.BACKOFFICE_PORT);
  if (!/^\d{1,5}$/.test(env.BACKOFFICE_PORT ?? '4200') || port > 65_535)
    throw new Error(`BACKOFFICE_PORT must be a port number (0-65535), not "${env.BACKOFFICE_PORT}"`);
  const apiKey = env.BACKOFFICE_API_KEY;
  if (apiKey !== undefined && apiKey.length < 8)
    throw new Error('BACKOFFICE_API_KEY must be at least 8 characters');
  const delay = env.BACKOFFICE_PICK_DELAY_MS;
  if (delay !== undefined && !/^\d{1,10}$/.test(delay))
    throw new Error(`BACKOFFICE_PICK_DELAY_MS must be a number of milliseconds, not "${delay}"`);
  const channels = env.BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE;
  if (channels !== undefined && !/^\d{1,6}$/.test(channels))
    throw new Error(
      `BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE must be a whole number of units per minute, not "${channels}"`,
    );
  return {
    port,
    otherChannelsUnitsPerMinute: channels === undefined ? 0 : Number(channels),
    apiKey: apiKey ?? DEMO_API_KEY,
    defaultApiKey: apiKey === undefined,
    adminToken,
    ...(delay === undefined ? {} : { pickDelayMs: Number(delay) }),
  };
}
