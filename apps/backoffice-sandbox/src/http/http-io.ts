import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { BackofficeError } from '../common/backoffice-error';

/** Bodies above this are refused with 413; the rest of such a body is read and thrown away, up to a point. */
export const MAX_BODY_BYTES = 1_000_000;
const MAX_DRAIN_BYTES = 64_000_000;

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, {
    ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    ...answer.headers,
  });
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}

export const errorAnswer = (err: BackofficeError, headers?: Record<string, string>): Answer => ({
  status: err.status,
  body: err.toBody(),
  ...(headers ? { headers } : {}),
});

/** Compares secrets in constant time (for equal lengths); a missing header never matches. */
export function safeEqual(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The body parsed as JSON (`undefined` for an empty body). 413 past the size limit, 415 for a declared
 * content type other than JSON, 400 for text that is not JSON.
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  let size = 0;
  let tooLarge = false;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_DRAIN_BYTES) {
      req.socket.destroy();
      break;
    }
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  if (tooLarge)
    throw new BackofficeError(413, 'payload_too_large', `body larger than ${MAX_BODY_BYTES} bytes`, {
      limit: MAX_BODY_BYTES,
    });
  if (size === 0) return undefined;
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type))
    throw new BackofficeError(
      415,
      'unsupported_media_type',
      `content-type must be application/json, not ${type}`,
    );
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BackofficeError(
      400,
      'invalid_json',
      `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Query parameter readers: a present but malformed value is the caller's 400, never a silent default. */
export class Query {
  constructor(
    private readonly params: URLSearchParams,
    allowed: readonly string[],
  ) {
    const unknown = [...new Set(params.keys())].filter((k) => !allowed.includes(k));
    if (unknown.length)
      throw new BackofficeError(
        400,
        'bad_request',
        `unknown query parameter(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ') || 'none'})`,
      );
    for (const k of new Set(params.keys()))
      if (params.getAll(k).length > 1)
        throw new BackofficeError(400, 'bad_request', `query parameter ${k} is given more than once`);
  }

  string(name: string, max = 200): string | undefined {
    const v = this.params.get(name);
    if (v === null) return undefined;
    if (v.length === 0 || v.length > max)
      throw new BackofficeError(400, 'bad_request', `query parameter ${name} must be 1 to ${max} characters`);
    return v;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const v = this.params.get(name);
    if (v === null) return undefined;
    if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max)
      throw new BackofficeError(
        400,
        'bad_request',
        `query parameter ${name} must be an integer between ${min} and ${max}, not "${v.slice(0, 40)}"`,
      );
    return Number(v);
  }

  date(name: string): number | undefined {
    const v = this.params.get(name);
    if (v === null) return undefined;
    const t = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(t))
      throw new BackofficeError(
        400,
        'bad_request',
        `query parameter ${name} must be an ISO 8601 date-time like 2025-01-31T12:00:00Z`,
      );
    return t;
  }
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BackofficeError(400, 'bad_request', `malformed path segment: ${segment.slice(0, 80)}`);
  }
}
