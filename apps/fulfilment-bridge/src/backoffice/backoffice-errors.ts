import { PermanentError, TransientError } from '@seller-bridge/service-kit';

/**
 * Errors of the back office's API. Messages name the request and the answer, never the API key, so they can
 * be logged and stored as they are.
 */

/** No useful answer (down, 5xx, timeout, dropped connection): try again later. A write may have landed. */
export class BackofficeUnavailableError extends TransientError {
  constructor(
    message: string,
    details: { request: string; status?: number; cause?: string; retryAfterMs?: number },
  ) {
    super('BACKOFFICE_UNAVAILABLE', message, details);
  }
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs as number | undefined;
  }
}

/** The back office refused the request (4xx): the same request cannot succeed. `apiCode` is its own code. */
export class BackofficeRefusedError extends PermanentError {
  constructor(
    request: string,
    readonly status: number,
    readonly apiCode: string | undefined,
    apiMessage: string | undefined,
  ) {
    super(
      'BACKOFFICE_REFUSED',
      `the back office refused ${request} with ${status}${apiCode ? ` ${apiCode}` : ''}${apiMessage ? `: ${apiMessage}` : ''}`,
      { request, status, apiCode },
    );
  }
}
