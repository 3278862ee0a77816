import { SetMetadata } from '@nestjs/common';
import type { TopicDefinition } from '@seller-bridge/contracts';

export const CONSUMES_EVENT = Symbol('backbone:consumes-event');

/**
 * Marks a provider method as the handler of a topic: `(event: EventEnvelope<P>, ctx: HandlerContext) => Promise<void>`,
 * or with `{ batch: true }`, `(events: EventEnvelope<P>[], ctx: BatchHandlerContext) => Promise<void>`.
 * The backbone consumes the topic in its own group, validates each payload against the contract, runs the
 * method in a transaction with the inbox, retries transient errors and dead-letters the rest.
 * One handler per topic per service.
 */
export function ConsumesEvent<P extends object>(
  topic: TopicDefinition<P>,
  options: ConsumesEventOptions = {},
): MethodDecorator {
  const meta: ConsumesEventMetadata = {
    topic: topic as unknown as TopicDefinition<object>,
    batch: options.batch === true,
  };
  return SetMetadata(CONSUMES_EVENT, meta);
}

export interface ConsumesEventOptions {
  /**
   * The method takes `(events: EventEnvelope<P>[], ctx: BatchHandlerContext)`: the new events of a chunk at
   * once (see `BatchEventHandler`).
   */
  batch?: boolean;
}

export interface ConsumesEventMetadata {
  topic: TopicDefinition<object>;
  batch: boolean;
}
