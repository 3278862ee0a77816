import { AsyncLocalStorage } from 'node:async_hooks';

/** What the current unit of work (HTTP request, consumed event) is part of. */
export interface CorrelationContext {
  correlationId: string;
  /** The event or request being handled: the causation id of whatever it emits. */
  causationId?: string;
  marketplace?: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** Runs `fn` with a correlation context; logs and emitted events inside it carry its ids. */
export function withCorrelation<T>(ctx: CorrelationContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
