/**
 * The envelope every event on the backbone travels in. On Kafka the payload is the message value (JSON) and
 * the envelope fields are message headers (see {@link EnvelopeHeader}); the message key is the aggregate key.
 */
export interface EventEnvelope<P = unknown> {
  /** Unique id of this event (UUID). Consumers de-duplicate on it. */
  eventId: string;
  /** Event type, the topic name without its version suffix, e.g. `orders.order.accepted`. */
  type: string;
  /** Version of the payload schema; a breaking change is a new version on a new topic. */
  schemaVersion: number;
  /** When the fact happened (ISO-8601, UTC). */
  occurredAt: string;
  /** Id shared by every event of one business flow (an order's whole life, say). */
  correlationId: string;
  /** Id of the event (or request) that caused this one; absent for a flow's first event. */
  causationId?: string;
  /** Marketplace code the event concerns (`backoffice` for events that concern no marketplace). */
  marketplace: string;
  /** Aggregate key (order, SKU, payout…): the Kafka message key, so per-entity order holds. */
  key: string;
  payload: P;
}

/** Kafka header names carrying the envelope. Header values are UTF-8 strings. */
export const EnvelopeHeader = {
  eventId: 'event-id',
  type: 'event-type',
  schemaVersion: 'schema-version',
  occurredAt: 'occurred-at',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  marketplace: 'marketplace',
  contentType: 'content-type',
} as const;

/** Marketplace code used on events that concern no marketplace in particular. */
export const NO_MARKETPLACE = 'backoffice';

export const CONTENT_TYPE_JSON = 'application/json';
