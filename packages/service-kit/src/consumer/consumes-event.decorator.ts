import { SetMetadata } from '@nestjs/common';
import type { TopicDefinition } from '@seller-bridge/contracts';

export const CONSUMES_EVENT = Symbol('backbone:consumes-event');

/**
 * Marks a provider method as the handler of a topic: `(event: EventEnvelope<P>, ctx: HandlerContext) => Promise<void>`.
 * The backbone consumes the topic in its own group, validates each payload against the contract, runs the
 * method in a transaction with the inbox, retries transient errors and dead-letters the rest.
 * One handler per topic per service.
 */
export function ConsumesEvent<P extends object>(topic: TopicDefinition<P>): MethodDecorator {
  return SetMetadata(CONSUMES_EVENT, topic);
}
