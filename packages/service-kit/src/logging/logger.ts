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
  '*.email',
  '*.phone',
  '*.street1',
  '*.street2',
  '*.firstName',
  '*.lastName',
  'customer.shippingAddress',
  'customer.billingAddress',
  '*.customer.shippingAddress',
  '*.customer.billingAddress',
  'DATABASE_URL',
  '*.DATABASE_URL',
];

/** Removes credentials from a connection URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
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
      return c ? { correlationId: c.correlationId, ...(c.causationId ? { causationId: c.causationId } : {}) } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
