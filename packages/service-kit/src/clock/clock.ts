/** The time source of business logic. Inject it; never call `Date.now()` in logic (tests move the clock). */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
