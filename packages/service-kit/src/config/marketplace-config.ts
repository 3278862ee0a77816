import { plainToInstance } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ConfigError } from './load-config';

/**
 * How a service reaches one marketplace (one Mirakl instance): what every service's `MARKETPLACES` entry has.
 * Each service extends it with its own settings (safety buffer, acceptance policy, multi-shipment…).
 */
export class MarketplaceConnectionSettings {
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, { message: 'code must be a lower-case code such as decathlon-fr' })
  code: string;

  @IsString()
  @Matches(/^https?:\/\//, { message: 'baseUrl must be an http(s) URL' })
  baseUrl: string;

  /**
   * The name of the environment variable holding the shop API key (a Kubernetes secret), never the key:
   * configuration is logged and shown, secrets are not.
   */
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]*$/, {
    message: 'apiKeyEnv must name an environment variable, e.g. MIRAKL_KEY_DECATHLON_FR',
  })
  apiKeyEnv: string;

  @IsOptional()
  @IsString()
  shopId?: string;

  /** Lift Mirakl's call frequencies (sandbox and benchmarks only). */
  @IsOptional()
  @IsBoolean()
  unlimitedCalls?: boolean;
}

/**
 * `@Transform` for a JSON list in one variable (e.g. `MARKETPLACES`): each object becomes an instance of `cls`,
 * so its nested validation applies; text that is not JSON is kept as `'not JSON'` for the validator to name.
 */
export const jsonListOf =
  <T>(cls: new () => T) =>
  ({ value }: { value: unknown }) => {
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value) as unknown;
      } catch {
        return 'not JSON';
      }
    }
    return Array.isArray(parsed)
      ? parsed.map((item) => (item && typeof item === 'object' ? plainToInstance(cls, item) : item))
      : parsed;
  };

/** `@Transform` for a boolean variable: `true`/`false` become booleans, anything else is left for the validator. */
export const envBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * The shop API key of every configured marketplace, read from the variable each names (`apiKeyEnv`). Every
 * missing one is reported at once, by variable name; the keys themselves never appear in an error.
 */
export function marketplaceApiKeys(
  config: { MARKETPLACES: readonly Pick<MarketplaceConnectionSettings, 'code' | 'apiKeyEnv'>[] },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Map<string, string> {
  const keys = new Map<string, string>();
  const missing: { variable: string; problem: string }[] = [];
  config.MARKETPLACES.forEach((m, i) => {
    const key = env[m.apiKeyEnv]?.trim();
    if (key) keys.set(m.code, key);
    else
      missing.push({
        variable: m.apiKeyEnv,
        problem: `not set: it must hold the Mirakl shop API key of marketplace ${m.code} (MARKETPLACES[${i}].apiKeyEnv)`,
      });
  });
  if (missing.length > 0) throw new ConfigError(missing);
  return keys;
}
