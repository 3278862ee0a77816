import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Raised at boot when configuration is missing or invalid; names every offending variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(
      `invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}\n` +
        'Set these environment variables (see the service README) and start again.',
    );
  }
}

/** One problem per failed constraint; nested values (JSON settings) are named by path, e.g. `MARKETPLACES[0].shopId`. */
function problemsOf(errors: ValidationError[], parent = ''): { variable: string; problem: string }[] {
  return errors.flatMap((e) => {
    const variable = parent
      ? /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`
      : e.property;
    const own = Object.values(e.constraints ?? {});
    const nested = problemsOf(e.children ?? [], variable);
    if (own.length === 0 && nested.length === 0) return [{ variable, problem: 'invalid' }];
    return [...(own.length ? [{ variable, problem: own.join('; ') }] : []), ...nested];
  });
}

/**
 * Builds the configuration object of a service from the environment and validates it with class-validator.
 * Properties of the class are named like the environment variables (`DATABASE_URL`), so an error names the
 * variable to fix. Values are converted with `@Type(() => Number)` and the like on the class.
 * This and the `*.config.ts` classes are the only places that read `process.env`.
 */
export function loadConfig<T extends object>(
  schema: ClassConstructor<T>,
  env: NodeJS.ProcessEnv = process.env,
): T {
  // Empty strings are "not set": `FOO= node main.js` must not pass `@IsOptional()` with an empty value.
  const plain = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(schema, plain, { exposeDefaultValues: true });
  // whitelist strips every variable the class does not declare: the config holds only its own values.
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(problemsOf(errors));
  return config;
}
