import { Client } from 'pg';
import type { Logger } from 'pino';
import { leaseKey } from './lease-key';
import { LeaseLostError, type LeaseEndReason } from './lease-lost.error';
import { resolveLeaseOptions, type LeaseOptions, type ResolvedLeaseOptions } from './lease-options';

/**
 * The work a holder does. It should loop until `signal` is aborted and then return promptly; the replica
 * competes again only once it has returned, so one replica never runs the work twice at once. Pass `epoch` to
 * {@link assertStillHolder} in the transactions that write.
 */
export type LeaseWork = (signal: AbortSignal, epoch: number) => Promise<void>;

/** What a holder gets: its fencing epoch, and a signal aborted (reason: {@link LeaseLostError}) when it ends. */
export interface LeaseGrant {
  epoch: number;
  signal: AbortSignal;
}

interface Holding {
  epoch: number;
  client: Client;
  abort: AbortController;
  checkTimer?: NodeJS.Timeout;
}

const RECORD_EPOCH = `
  INSERT INTO backbone_lease AS l (name, holder_id, epoch, acquired_at, renewed_at)
  VALUES ($1, $2, 1, now(), now())
  ON CONFLICT (name) DO UPDATE
    SET holder_id = EXCLUDED.holder_id, epoch = l.epoch + 1, acquired_at = now(), renewed_at = now()
  RETURNING epoch::text AS epoch`;

// Renewal skips the row while a fenced transaction share-locks it (assertStillHolder): a check must never
// wait behind the holder's own work, or a slow transaction would look like a dead connection.
const CHECK = `
  WITH mine AS (
    SELECT name FROM backbone_lease WHERE name = $1 AND epoch = $2 FOR NO KEY UPDATE SKIP LOCKED
  ), renewed AS (
    UPDATE backbone_lease l SET renewed_at = now() FROM mine WHERE l.name = mine.name RETURNING l.name
  )
  SELECT epoch::text AS epoch FROM backbone_lease WHERE name = $1`;

/**
 * Lets one replica at a time do a named piece of scheduled work (decision 0007).
 *
 * The lease is a PostgreSQL session-level advisory lock (`pg_try_advisory_lock`, never waiting) held on a
 * dedicated connection: when the holder's process dies or its connection drops, PostgreSQL frees the lock and
 * another replica, retrying every `retryMs`, takes over. The holder checks its connection every `checkMs` and,
 * when it fails, stops holding at once (the work's signal is aborted), then reconnects and competes again.
 * Each acquisition increments the lease's epoch in `backbone_lease`; writes fenced with that epoch cannot
 * interleave with a later holder's.
 */
export class Lease {
  readonly name: string;
  private readonly o: ResolvedLeaseOptions;
  private readonly key: string;
  private readonly logger: Logger;
  private client?: Client;
  private holding?: Holding;
  private loop?: Promise<void>;
  private readonly stopping = new AbortController();
  private stopped?: Promise<void>;

  constructor(options: LeaseOptions) {
    this.o = resolveLeaseOptions(options);
    this.name = this.o.name;
    this.key = leaseKey(this.name).toString();
    this.logger = this.o.logger.child({ lease: this.name, holderId: this.o.holderId });
    this.o.metrics?.held.set({ name: this.name }, 0);
  }

  /** True while this replica holds the lease and its work may act. */
  isHeld(): boolean {
    return this.holding !== undefined && !this.holding.abort.signal.aborted;
  }

  /** The epoch this replica holds, if it holds the lease. */
  heldEpoch(): number | undefined {
    return this.isHeld() ? this.holding?.epoch : undefined;
  }

  /**
   * Competes for the lease in the background until {@link stop}, and runs `work` each time this replica becomes
   * the holder. Connection failures are logged and retried; they never reject.
   */
  run(work: LeaseWork): void {
    if (this.loop) throw new Error(`Lease "${this.name}" is already running`);
    if (this.stopping.signal.aborted) throw new Error(`Lease "${this.name}" was stopped`);
    this.loop = this.compete(work);
  }

  /**
   * One attempt, without waiting: the grant if this replica now holds the lease (or already did), else null.
   * Loss detection runs as for {@link run}. For tests and one-off jobs; long-running work uses {@link run}.
   */
  async tryAcquire(): Promise<LeaseGrant | null> {
    if (this.stopping.signal.aborted) return null;
    if (this.holding) return { epoch: this.holding.epoch, signal: this.holding.abort.signal };
    const client = this.client ?? (await this.connect());
    let got: boolean;
    try {
      const lock = await this.timed(
        client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock($1::bigint) AS got`, [this.key]),
      );
      got = lock.rows[0].got;
    } catch (err) {
      // An attempt that timed out may still be granted later, unseen: only closing the session makes sure not.
      this.dropClient(client);
      throw err;
    }
    if (!got) return null;
    let epoch: number;
    try {
      // From now on PostgreSQL itself ends this session if it goes quiet (frozen or cut-off holder).
      await client.query(`SELECT set_config('idle_session_timeout', $1, false)`, [
        `${this.o.sessionTimeoutMs}ms`,
      ]);
      const recorded = await client.query<{ epoch: string }>(RECORD_EPOCH, [this.name, this.o.holderId]);
      epoch = Number(recorded.rows[0].epoch);
    } catch (err) {
      // Holding the lock without a recorded epoch would let work run unfenced: closing the session frees it.
      this.dropClient(client);
      throw err;
    }
    if (this.client !== client || this.stopping.signal.aborted) {
      this.dropClient(client); // the connection died, or stop() began, while we were recording the epoch
      return null;
    }
    const holding: Holding = { epoch, client, abort: new AbortController() };
    this.holding = holding;
    this.o.metrics?.held.set({ name: this.name }, 1);
    this.o.metrics?.acquisitions.inc({ name: this.name });
    this.logger.info({ epoch }, 'lease acquired: this replica now does the work');
    this.scheduleCheck(holding);
    return { epoch, signal: holding.abort.signal };
  }

  /** Gives the lease up (the work's signal is aborted first), keeping the connection to compete again. */
  async release(): Promise<void> {
    await this.releaseAs('released');
  }

  /**
   * Stops competing: aborts the work's signal, waits for the work to return, unlocks and closes the connection,
   * so another replica takes over within its `retryMs`. Safe to call more than once.
   */
  stop(): Promise<void> {
    return (this.stopped ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    const h = this.holding;
    h?.abort.abort(new LeaseLostError(this.name, h.epoch, 'stopping'));
    await this.loop;
    await this.releaseAs('stopping');
    const client = this.client;
    this.client = undefined;
    if (client) await Promise.race([client.end().catch(() => undefined), delay(2_000)]);
    this.logger.info('lease stopped');
  }

  private async compete(work: LeaseWork): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let grant: LeaseGrant | null = null;
      try {
        grant = await this.tryAcquire();
      } catch (err) {
        this.logger.warn(
          { err, retryInMs: this.o.retryMs },
          'lease: could not compete (database unreachable?); trying again',
        );
      }
      if (!grant) {
        await this.sleep(this.o.retryMs);
        continue;
      }
      await this.runWork(work, grant);
      if (this.stopping.signal.aborted) return; // stop() unlocks
      if (this.holding?.abort.signal === grant.signal) {
        this.logger.warn(
          { epoch: grant.epoch },
          'lease work returned while holding the lease; releasing it so any replica can take over',
        );
        await this.releaseAs('released');
      }
      // After a loss or a release, the other replicas get the first chance.
      await this.sleep(this.o.retryMs);
    }
  }

  private async runWork(work: LeaseWork, grant: LeaseGrant): Promise<void> {
    try {
      await work(grant.signal, grant.epoch);
    } catch (err) {
      if (!(grant.signal.aborted && err === grant.signal.reason)) {
        this.logger.error({ err, epoch: grant.epoch }, 'lease work failed');
      }
    }
  }

  private scheduleCheck(h: Holding): void {
    h.checkTimer = setTimeout(() => void this.check(h), this.o.checkMs);
  }

  /** One liveness check; a check unanswered within `checkMs` counts as a lost connection. */
  private async check(h: Holding): Promise<void> {
    if (this.holding !== h) return;
    try {
      const { rows } = await this.timed(h.client.query<{ epoch: string }>(CHECK, [this.name, h.epoch]));
      if (this.holding !== h) return;
      const current = rows.length > 0 ? Number(rows[0].epoch) : null;
      if (current !== h.epoch) {
        this.lose(h, 'epoch-moved', undefined, { currentEpoch: current });
        return;
      }
      this.scheduleCheck(h);
    } catch (err) {
      this.lose(h, 'check-failed', err);
    }
  }

  private lose(h: Holding, why: LeaseEndReason, err?: unknown, details: Record<string, unknown> = {}): void {
    if (this.holding !== h) return;
    this.end(h, new LeaseLostError(this.name, h.epoch, why, details));
    this.o.metrics?.losses.inc({ name: this.name });
    this.logger.warn(
      { err, epoch: h.epoch, why, ...details },
      'lease lost: work told to stop; this replica will compete again',
    );
    this.dropClient(h.client);
  }

  private end(h: Holding, reason: LeaseLostError): void {
    clearTimeout(h.checkTimer);
    if (this.holding === h) this.holding = undefined;
    this.o.metrics?.held.set({ name: this.name }, 0);
    h.abort.abort(reason);
  }

  private async releaseAs(why: 'released' | 'stopping'): Promise<void> {
    const h = this.holding;
    if (!h) return;
    this.end(h, new LeaseLostError(this.name, h.epoch, why));
    try {
      await this.timed(h.client.query(`SELECT pg_advisory_unlock($1::bigint)`, [this.key]));
      await this.timed(h.client.query(`SELECT set_config('idle_session_timeout', '0', false)`));
      this.logger.info({ epoch: h.epoch, why }, 'lease released');
    } catch (err) {
      // Closing the session frees the lock just as well.
      this.logger.warn({ err, epoch: h.epoch }, 'lease unlock failed; closing its connection instead');
      this.dropClient(h.client);
    }
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.o.databaseUrl,
      application_name: `lease ${this.name}`,
      keepAlive: true,
      connectionTimeoutMillis: Math.max(5_000, this.o.checkMs),
    });
    client.on('error', (err) => this.connectionLost(client, err));
    client.on('end', () => this.connectionLost(client));
    try {
      await client.connect();
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopping.signal.aborted) {
      client.end().catch(() => undefined);
      throw new Error(`Lease "${this.name}" was stopped`);
    }
    try {
      // When this side gives up on a stuck query and closes the socket, the server notices within `checkMs`
      // even while that query still waits (on a lock, say), and frees the lease. Linux and BSD servers only.
      await client.query(`SELECT set_config('client_connection_check_interval', $1, false)`, [
        `${this.o.checkMs}ms`,
      ]);
    } catch (err) {
      this.logger.debug({ err }, 'lease: client_connection_check_interval not supported by this server');
    }
    this.client = client;
    return client;
  }

  private connectionLost(client: Client, err?: unknown): void {
    if (this.client !== client) return; // an old connection's late event
    if (this.holding?.client === client) this.lose(this.holding, 'connection-lost', err);
    else this.dropClient(client);
  }

  /** Forgets a connection and closes it without waiting (a half-open socket may never answer). */
  private dropClient(client: Client): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
  }

  private async timed<T>(query: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    query.catch(() => undefined); // if the timeout wins, a late rejection must not go unhandled
    try {
      return await Promise.race([
        query,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`lease query unanswered after ${this.o.checkMs} ms`)),
            this.o.checkMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits `ms`, or less if stop() is called. */
  private sleep(ms: number): Promise<void> {
    const stopping = this.stopping.signal;
    return new Promise((resolve) => {
      if (stopping.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        stopping.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.addEventListener('abort', done, { once: true });
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
