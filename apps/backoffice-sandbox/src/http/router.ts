import type { IncomingMessage, ServerResponse } from 'node:http';
import { BackofficeError } from '../common/backoffice-error';
import { decodeSegment, Query, readJson, type Answer } from './http-io';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path parameters in pattern order, percent-decoded. */
  params: string[];
  /** The query, refusing parameters the route does not name. */
  query: (allowed: readonly string[]) => Query;
  /** The body parsed as JSON (`undefined` when empty). */
  json: () => Promise<unknown>;
}

/** `'dropped'`: the handler destroyed the connection on purpose (a fault). */
export type Handler = (ctx: RouteContext) => Answer | 'dropped' | Promise<Answer | 'dropped'>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/** Method + path patterns like `/api/sales-orders/:number/cancel`; 404 and 405 (with Allow) for misses. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<Answer | 'dropped'> {
    const parts = url.pathname.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, parts);
      if (!params) continue;
      if (route.method !== req.method) {
        allowed.push(route.method);
        continue;
      }
      return route.handler({
        req,
        res,
        url,
        params,
        query: (names) => new Query(url.searchParams, names),
        json: () => readJson(req),
      });
    }
    if (allowed.length)
      return {
        ...errorOf(
          new BackofficeError(
            405,
            'method_not_allowed',
            `${req.method} is not allowed on ${url.pathname} (allowed: ${allowed.join(', ')})`,
          ),
        ),
        headers: { allow: allowed.join(', ') },
      };
    return errorOf(new BackofficeError(404, 'not_found', `no route ${req.method} ${url.pathname}`));
  }
}

const errorOf = (err: BackofficeError): Answer => ({ status: err.status, body: err.toBody() });

function match(pattern: string[], parts: string[]): string[] | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) params.push(decodeSegment(parts[i]));
    else if (pattern[i] !== parts[i]) return undefined;
  }
  return params;
}
