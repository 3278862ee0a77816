import { randomUUID } from 'node:crypto';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { withCorrelation } from './correlation';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Gives each HTTP request a correlation id (the caller's, if well-formed) for its logs and emitted events. */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(
    req: { headers: Record<string, string | string[] | undefined> },
    res: { setHeader(name: string, value: string): void },
    next: () => void,
  ): void {
    const given = req.headers[CORRELATION_HEADER];
    const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    res.setHeader(CORRELATION_HEADER, id);
    withCorrelation({ correlationId: id }, next);
  }
}
