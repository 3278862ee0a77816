/**
 * What went wrong with a Mirakl call, as a value the caller can act on. Never carries the API key: the key
 * travels only in the Authorization header, which no error, message or log line includes.
 */
export class MiraklApiError extends Error {
  override readonly name = 'MiraklApiError';

  constructor(
    readonly operation: string,
    readonly marketplace: string,
    /** HTTP status; 0 when no response came (network error, timeout). */
    readonly status: number,
    /** Mirakl's own `message`, when it sent one. */
    readonly miraklMessage: string | undefined,
    /** Mirakl's machine code (newer operations, e.g. `ORDER_INVALID_STATE`), when it sent one. */
    readonly miraklCode: string | undefined,
    /** Milliseconds the `Retry-After` header asked for (429, sometimes 503). */
    readonly retryAfterMs: number | undefined,
    /** Method and path of the call, without query string. */
    readonly request: string,
  ) {
    super(
      `${operation} on ${marketplace} failed: ${status === 0 ? 'no response' : `HTTP ${status}`}` +
        `${miraklCode ? ` ${miraklCode}` : ''}${miraklMessage ? `: ${miraklMessage}` : ''} (${request})`,
    );
  }

  /** Worth another try later: rate limited, server error, or no response. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Mirakl's error body: `{"status":…, "message":…}`, sometimes with a `code`; anything else is kept short. */
export function miraklErrorBody(text: string): { message?: string; code?: string } {
  try {
    const body = JSON.parse(text) as {
      message?: unknown;
      code?: unknown;
      errors?: { code?: unknown; message?: unknown }[];
    };
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    const message =
      typeof body.message === 'string'
        ? body.message
        : typeof first?.message === 'string'
          ? first.message
          : undefined;
    const code =
      typeof body.code === 'string' ? body.code : typeof first?.code === 'string' ? first.code : undefined;
    return { message, code };
  } catch {
    const t = text.trim();
    return t ? { message: t.length > 300 ? `${t.slice(0, 300)}…` : t } : {};
  }
}
