/** Stable codes of every refusal the back office answers; they survive HTTP and logs. */
export type BackofficeErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_cursor'
  | 'cursor_ahead_of_feed'
  | 'unknown_sku'
  | 'unknown_warehouse'
  | 'unknown_charge_item'
  | 'customer_not_found'
  | 'inactive_product'
  | 'idempotency_key_required'
  | 'idempotency_key_reused'
  | 'already_shipped'
  | 'order_cancelled'
  | 'not_on_hold'
  | 'already_released'
  | 'line_not_on_order'
  | 'insufficient_stock'
  | 'hold_key_reused'
  | 'service_unavailable'
  | 'internal_error';

/** A refusal with its HTTP status, a message a person can act on, and the ids involved. */
export class BackofficeError extends Error {
  constructor(
    readonly status: number,
    readonly code: BackofficeErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'BackofficeError';
  }

  toBody(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(Object.keys(this.details).length ? { details: this.details } : {}),
      },
    };
  }
}

/** 422 for a body that is JSON but not what the operation needs. */
export const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new BackofficeError(422, 'validation_failed', message, details);
