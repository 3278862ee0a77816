import type { ClassConstructor } from 'class-transformer';

/** A versioned topic and the one event type it carries. */
export interface TopicDefinition<P extends object = object> {
  /** Full topic name, `<domain>.<entity>.<event>.v<version>`. */
  readonly name: string;
  /** Event type: the name without the version suffix. */
  readonly type: string;
  readonly version: number;
  /** class-validator class of the payload. */
  readonly payload: ClassConstructor<P>;
  /** The aggregate key of a payload (the Kafka message key). */
  readonly keyOf: (payload: P) => string;
  /** What the key is, for documentation (`marketplace order id`, `sku`…). */
  readonly keyDescription: string;
  /** One sentence on what the event means, for the generated documentation. */
  readonly description: string;
}

const TOPIC_NAME = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/** Declares a topic; the name is built from the event type and version so the two never disagree. */
export function defineTopic<P extends object>(def: {
  type: string;
  version: number;
  payload: ClassConstructor<P>;
  keyOf: (payload: P) => string;
  keyDescription: string;
  description: string;
}): TopicDefinition<P> {
  if (!TOPIC_NAME.test(def.type))
    throw new Error(`event type "${def.type}" is not <domain>.<entity>.<event>`);
  if (!Number.isInteger(def.version) || def.version < 1) throw new Error(`bad version for ${def.type}`);
  return Object.freeze({ ...def, name: `${def.type}.v${def.version}` });
}

/** Name of the dead-letter topic of a topic. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
