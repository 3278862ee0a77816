import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentCorrelation } from './correlation';

/**
 * Paths redacted from every log line: credentials, API keys and customer personal data. Log what the flow
 * needs (ids, codes, counts), never a whole customer or a whole HTTP request.
 */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  // Personal data at the top level and up to two levels down (pino's wildcards match one level each).
  ...[
    'email',
    'phone',
    'street1',
    'street2',
    'firstName',
    'lastName',
    'shippingAddress',
    'billingAddress',
  ].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  'DATABASE_URL',
  '*.DATABASE_URL',
  // A failed statement's parameters and PostgreSQL's detail ("Key (name)=(…) already exists") hold the data
  // being written: TypeORM's QueryFailedError carries both, and pino's error serializer would print them.
  ...['parameters', 'detail', 'driverError.parameters', 'driverError.detail'].flatMap((field) => [
    `err.${field}`,
    `error.${field}`,
    `*.err.${field}`,
  ]),
];

/** Removes credentials from a connection URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** Structured JSON logger with the current correlation id on every line and secrets redacted. */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const c = currentCorrelation();
      return c
        ? { correlationId: c.correlationId, ...(c.causationId ? { causationId: c.causationId } : {}) }
        : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
