import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from 'pino';

/** How much of a failed statement's text goes into the log line. */
const MAX_QUERY = 300;

/**
 * TypeORM's log, through the service's JSON logger, **without query parameters**: a failed statement's
 * parameters hold what the service was writing (customer names and addresses, amounts), and TypeORM's own
 * "error" logging prints them to the console. Here a failure is one warning with the statement's text (cut
 * short) and PostgreSQL's error; the caller decides what the failure means and logs that.
 */
export class ParameterFreeTypeOrmLogger implements TypeOrmLogger {
  constructor(private readonly logger: Pick<Logger, 'warn' | 'info' | 'debug'>) {}

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    const err = typeof error === 'string' ? error : error.message;
    this.logger.debug({ err, query: oneLine(query) }, 'database statement failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, query: oneLine(query) }, 'slow database statement');
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.info({ migration: message }, 'migration');
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ detail: String(message) }, 'typeorm');
  }
}

function oneLine(query: string): string {
  const text = query.replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUERY ? `${text.slice(0, MAX_QUERY)}…` : text;
}
