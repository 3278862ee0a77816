// class-transformer exposes its metadata storage only through this deep path (types under types/).
/* eslint-disable @typescript-eslint/no-require-imports */
const { defaultMetadataStorage } =
  require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
/* eslint-enable @typescript-eslint/no-require-imports */
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { EnvelopeHeader } from '../envelope/event-envelope';
import type { TopicDefinition } from '../topics/topic';

type JsonSchema = Record<string, unknown>;

type AnyClass = abstract new (...args: never[]) => unknown;

/** A class that only extends another without adding fields has no metadata of its own: use its parent's. */
function schemaOfClass(definitions: Record<string, JsonSchema>, cls: AnyClass): JsonSchema | undefined {
  for (let c: AnyClass | null = cls; c && c !== Object && c.name; c = Object.getPrototypeOf(c)) {
    if (definitions[c.name]) return definitions[c.name];
  }
  return undefined;
}

/** JSON Schema (draft-07) of each topic's payload, with the nested classes under `definitions`. */
export function payloadJsonSchemas(topics: TopicDefinition[]): Map<string, JsonSchema> {
  const definitions = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: '#/definitions/',
  }) as Record<string, JsonSchema>;
  const out = new Map<string, JsonSchema>();
  for (const t of topics) {
    const own = schemaOfClass(definitions, t.payload);
    if (!own) throw new Error(`no schema metadata for ${t.payload.name} (${t.name})`);
    out.set(t.name, {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `${t.name}.schema.json`,
      title: t.payload.name,
      description: `${t.description} Kafka key: ${t.keyDescription}.`,
      ...own,
      definitions,
    });
  }
  return out;
}

const HEADERS_SCHEMA = {
  type: 'object',
  required: [
    EnvelopeHeader.eventId,
    EnvelopeHeader.type,
    EnvelopeHeader.schemaVersion,
    EnvelopeHeader.occurredAt,
    EnvelopeHeader.correlationId,
    EnvelopeHeader.marketplace,
  ],
  properties: {
    [EnvelopeHeader.eventId]: {
      type: 'string',
      format: 'uuid',
      description: 'Unique event id; de-duplicate on it.',
    },
    [EnvelopeHeader.type]: { type: 'string', description: 'Event type: the topic name without its version.' },
    [EnvelopeHeader.schemaVersion]: {
      type: 'string',
      pattern: '^[0-9]+$',
      description: 'Payload schema version.',
    },
    [EnvelopeHeader.occurredAt]: {
      type: 'string',
      format: 'date-time',
      description: 'When the fact happened (UTC).',
    },
    [EnvelopeHeader.correlationId]: {
      type: 'string',
      description: 'Id shared by every event of one business flow.',
    },
    [EnvelopeHeader.causationId]: {
      type: 'string',
      description: 'Id of the event or request that caused this one.',
    },
    [EnvelopeHeader.marketplace]: { type: 'string', description: 'Marketplace code, or `backoffice`.' },
    [EnvelopeHeader.contentType]: { type: 'string', const: 'application/json' },
  },
};

/** An AsyncAPI 3.0 document describing every topic: channel, key, headers and payload. */
export function asyncApiDocument(topics: TopicDefinition[], version: string): JsonSchema {
  const schemas = payloadJsonSchemas(topics);
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const components: JsonSchema = {};
  for (const t of topics) {
    const id = t.name.replace(/[^a-zA-Z0-9]/g, '_');
    const { definitions: _d, $schema: _s, $id: _i, ...payload } = schemas.get(t.name)!;
    messages[id] = {
      name: t.type,
      title: t.payload.name,
      summary: t.description,
      contentType: 'application/json',
      headers: HEADERS_SCHEMA,
      payload,
      bindings: { kafka: { key: { type: 'string', description: t.keyDescription } } },
    };
    channels[id] = {
      address: t.name,
      description: t.description,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`receive_${id}`] = { action: 'receive', channel: { $ref: `#/channels/${id}` } };
  }
  const definitions = schemas.size > 0 ? ([...schemas.values()][0].definitions as JsonSchema) : {};
  Object.assign(components, { messages, schemas: definitions });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Seller bridge event backbone',
      version,
      description:
        'Topics published by the platform. The payload is the JSON message value; the envelope travels in headers; ' +
        'the message key is the aggregate key. Payload references use #/definitions/X; resolve them in components.schemas.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components,
  };
}
