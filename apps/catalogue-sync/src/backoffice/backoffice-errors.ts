import { PermanentError, TransientError } from '@seller-bridge/service-kit';

/**
 * Errors of the back office's API. Messages name the request (method, path, query) and what the back office
 * answered; they never hold the API key or a request header, so they can be logged and sent on as they are.
 */

/** The back office did not answer usefully (down, 5xx, timeout, refused connection): try again later. */
export class BackofficeUnavailableError extends TransientError {
  constructor(
    message: string,
    details: {
      request: string;
      attempts: number;
      status?: number;
      cause?: string;
      /** What the back office asked for in `Retry-After` (already capped), when it did. */
      retryAfterMs?: number;
    },
  ) {
    super('BACKOFFICE_UNAVAILABLE', message, details);
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs as number | undefined;
  }
}

/** 409 `cursor_ahead_of_feed`: the back office was reset and its feed started again at 1. */
export class BackofficeFeedResetError extends PermanentError {
  constructor(
    readonly after: number,
    /** The feed's last seq, when the back office said it. */
    readonly headSeq: number | undefined,
  ) {
    super(
      'BACKOFFICE_FEED_RESET',
      `the back office's change feed ends before seq ${after}${headSeq === undefined ? '' : ` (it is at ${headSeq})`}: it was reset; read everything again`,
      { after, headSeq },
    );
  }
}

/** The back office refused the request (4xx other than a reset): retrying the same request cannot help. */
export class BackofficeRequestRefusedError extends PermanentError {
  constructor(request: string, status: number, apiCode: string | undefined, apiMessage: string | undefined) {
    super(
      'BACKOFFICE_REQUEST_REFUSED',
      `the back office refused ${request} with ${status}${apiCode ? ` ${apiCode}` : ''}${apiMessage ? `: ${apiMessage}` : ''}` +
        (status === 401 ? ' (check BACKOFFICE_API_KEY)' : ''),
      { request, status, apiCode },
    );
  }
}

/** The back office answered 2xx with something that is not the documented shape (a whole page, not one entry). */
export class BackofficeResponseInvalidError extends TransientError {
  constructor(request: string, problem: string) {
    super(
      'BACKOFFICE_RESPONSE_INVALID',
      `the back office answered ${request} with an unreadable body: ${problem}`,
      {
        request,
      },
    );
  }
}
