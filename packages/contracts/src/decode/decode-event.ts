import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { CONTENT_TYPE_JSON, EnvelopeHeader, type EventEnvelope } from '../envelope/event-envelope';
import type { TopicDefinition } from '../topics/topic';
import type { TopicRegistry } from '../topics/topic-registry';

/** Stable codes of why a message could not be decoded. All of them are permanent: retrying cannot help. */
export type DecodeErrorCode =
  | 'UNKNOWN_TOPIC'
  | 'MISSING_HEADER'
  | 'INVALID_HEADER'
  | 'WRONG_EVENT_TYPE'
  | 'UNSUPPORTED_SCHEMA_VERSION'
  | 'EMPTY_VALUE'
  | 'INVALID_JSON'
  | 'INVALID_PAYLOAD'
  | 'KEY_MISMATCH';

export interface DecodeError {
  code: DecodeErrorCode;
  /** A sentence a person can act on. */
  reason: string;
  /** For INVALID_PAYLOAD: each violated constraint as `path: message`. */
  violations?: string[];
}

export type DecodeResult<P> = { ok: true; event: EventEnvelope<P> } | { ok: false; error: DecodeError };

/** A Kafka message as kafkajs (or any client) hands it over. */
export interface RawMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function headerString(headers: RawMessage['headers'], name: string): string | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

function flattenViolations(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
    return [...own, ...flattenViolations(e.children ?? [], path)];
  });
}

/** Validates a payload against its class; returns the typed instance or the list of violations. */
export function validatePayload<P extends object>(
  topic: TopicDefinition<P>,
  plain: unknown,
): { ok: true; payload: P } | { ok: false; violations: string[] } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, violations: ['payload must be a JSON object'] };
  }
  const instance = plainToInstance(topic.payload, plain);
  // Unknown properties are tolerated (a newer producer may add fields); unknown nested shapes are not.
  const errors = validateSync(instance, { forbidUnknownValues: true, whitelist: false });
  return errors.length === 0
    ? { ok: true, payload: instance }
    : { ok: false, violations: flattenViolations(errors) };
}

/**
 * Decodes and validates one message of a known topic: the only place where consumed payloads are checked.
 * Never throws on bad input; every failure is a {@link DecodeError} with a stable code.
 */
export function decodeEvent<P extends object>(
  topic: TopicDefinition<P>,
  message: RawMessage,
): DecodeResult<P> {
  const fail = (code: DecodeErrorCode, reason: string, violations?: string[]): DecodeResult<P> => ({
    ok: false,
    error: { code, reason, ...(violations ? { violations } : {}) },
  });
  const h = message.headers;
  const eventId = headerString(h, EnvelopeHeader.eventId);
  const type = headerString(h, EnvelopeHeader.type);
  const version = headerString(h, EnvelopeHeader.schemaVersion);
  const occurredAt = headerString(h, EnvelopeHeader.occurredAt);
  const correlationId = headerString(h, EnvelopeHeader.correlationId);
  const causationId = headerString(h, EnvelopeHeader.causationId);
  const marketplace = headerString(h, EnvelopeHeader.marketplace);
  for (const [name, v] of [
    [EnvelopeHeader.eventId, eventId],
    [EnvelopeHeader.type, type],
    [EnvelopeHeader.schemaVersion, version],
    [EnvelopeHeader.occurredAt, occurredAt],
    [EnvelopeHeader.correlationId, correlationId],
    [EnvelopeHeader.marketplace, marketplace],
  ] as const) {
    if (!v) return fail('MISSING_HEADER', `header "${name}" is missing`);
  }
  if (!UUID.test(eventId!)) return fail('INVALID_HEADER', `header "event-id" is not a UUID: "${eventId}"`);
  if (Number.isNaN(Date.parse(occurredAt!)))
    return fail('INVALID_HEADER', `header "occurred-at" is not a date`);
  if (type !== topic.type)
    return fail('WRONG_EVENT_TYPE', `event type "${type}" does not belong on ${topic.name}`);
  if (Number(version) !== topic.version) {
    return fail(
      'UNSUPPORTED_SCHEMA_VERSION',
      `schema version ${version} on ${topic.name} (expects ${topic.version})`,
    );
  }
  if (message.value === null || message.value.length === 0)
    return fail('EMPTY_VALUE', 'message has no value');
  let plain: unknown;
  try {
    plain = JSON.parse(Buffer.isBuffer(message.value) ? message.value.toString('utf8') : message.value);
  } catch (e) {
    return fail('INVALID_JSON', `value is not JSON: ${(e as Error).message}`);
  }
  const checked = validatePayload(topic, plain);
  if (!checked.ok) {
    return fail(
      'INVALID_PAYLOAD',
      `payload does not match ${topic.name}: ${checked.violations.slice(0, 5).join('; ')}`,
      checked.violations,
    );
  }
  const key =
    message.key === null ? '' : Buffer.isBuffer(message.key) ? message.key.toString('utf8') : message.key;
  const expectedKey = topic.keyOf(checked.payload);
  if (key !== expectedKey)
    return fail('KEY_MISMATCH', `message key "${key}" is not the aggregate key "${expectedKey}"`);
  return {
    ok: true,
    event: {
      eventId: eventId!,
      type: type!,
      schemaVersion: topic.version,
      occurredAt: occurredAt!,
      correlationId: correlationId!,
      ...(causationId ? { causationId } : {}),
      marketplace: marketplace!,
      key,
      payload: checked.payload,
    },
  };
}

/** {@link decodeEvent} for a message whose topic is looked up in a registry by name. */
export function decodeFromRegistry(
  registry: TopicRegistry,
  topicName: string,
  message: RawMessage,
): DecodeResult<object> {
  const topic = registry.get(topicName);
  if (!topic)
    return { ok: false, error: { code: 'UNKNOWN_TOPIC', reason: `no contract for topic "${topicName}"` } };
  return decodeEvent(topic, message);
}

export interface EncodedEvent {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  envelope: EventEnvelope<unknown>;
}

/** Metadata a producer gives when emitting an event; ids and times default sensibly. */
export interface EmitMeta {
  marketplace: string;
  correlationId?: string;
  causationId?: string;
  eventId?: string;
  occurredAt?: Date | string;
}

/** Thrown when a service tries to emit a payload that breaks its own contract (a bug, never input). */
export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT_EMITTED';
  constructor(
    readonly topic: string,
    readonly violations: string[],
  ) {
    super(`refusing to emit an invalid ${topic}: ${violations.slice(0, 5).join('; ')}`);
  }
}

/** Validates a payload and builds the Kafka key, value and envelope headers for it. */
export function encodeEvent<P extends object>(
  topic: TopicDefinition<P>,
  payload: P,
  meta: EmitMeta,
): EncodedEvent {
  const checked = validatePayload(topic, payload);
  if (!checked.ok) throw new InvalidEventError(topic.name, checked.violations);
  const eventId = meta.eventId ?? randomUUID();
  const occurredAt =
    meta.occurredAt instanceof Date
      ? meta.occurredAt.toISOString()
      : (meta.occurredAt ?? new Date().toISOString());
  const key = topic.keyOf(payload);
  const envelope: EventEnvelope<unknown> = {
    eventId,
    type: topic.type,
    schemaVersion: topic.version,
    occurredAt,
    correlationId: meta.correlationId ?? eventId,
    ...(meta.causationId ? { causationId: meta.causationId } : {}),
    marketplace: meta.marketplace,
    key,
    payload,
  };
  const headers: Record<string, string> = {
    [EnvelopeHeader.eventId]: eventId,
    [EnvelopeHeader.type]: topic.type,
    [EnvelopeHeader.schemaVersion]: String(topic.version),
    [EnvelopeHeader.occurredAt]: occurredAt,
    [EnvelopeHeader.correlationId]: envelope.correlationId,
    [EnvelopeHeader.marketplace]: meta.marketplace,
    [EnvelopeHeader.contentType]: CONTENT_TYPE_JSON,
  };
  if (meta.causationId) headers[EnvelopeHeader.causationId] = meta.causationId;
  return { topic: topic.name, key, value: JSON.stringify(payload), headers, envelope };
}
