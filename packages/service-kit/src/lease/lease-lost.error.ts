import { PermanentError } from '../errors/backbone-errors';

/** Why a holder stopped holding: the first three are losses, the last two are its own choice. */
export type LeaseEndReason = 'connection-lost' | 'check-failed' | 'epoch-moved' | 'released' | 'stopping';

/**
 * The lease is not (or no longer) held at the given epoch. It is the `reason` of the work's aborted signal
 * and what {@link assertStillHolder} throws. Permanent: retrying with the same epoch can never succeed; the
 * work must stop and let the current holder act.
 */
export class LeaseLostError extends PermanentError {
  constructor(
    readonly lease: string,
    readonly epoch: number,
    readonly why: LeaseEndReason,
    details: Record<string, unknown> = {},
  ) {
    super('LEASE_LOST', `Lease "${lease}" is no longer held at epoch ${epoch} (${why})`, {
      lease,
      epoch,
      why,
      ...details,
    });
  }
}
