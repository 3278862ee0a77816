import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import {
  assertStillHolder,
  Lease,
  leaseKey,
  leaseLockId,
  LeaseLostError,
  LeaseMetrics,
  type LeaseOptions,
  type LeaseWork,
} from '../src/lease';
import { createTestDatabase, testLogger, waitFor, type TestDatabase } from '../src/testing';

const RETRY_MS = 200;
const CHECK_MS = 100;
/** Slack for a loaded CI machine on top of the interval a property is bounded by. */
const MARGIN_MS = 800;

interface Run {
  holder: string;
  epoch: number;
  signal: AbortSignal;
  startedAt: number;
  endedAt?: number;
}

/** A replica as a process would run one: its lease, its metrics, and what its work did. */
interface Replica {
  lease: Lease;
  holder: string;
  metrics: LeaseMetrics;
  registry: Registry;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(Lease.name, () => {
  let db: TestDatabase;
  const replicas: Replica[] = [];
  const children: ChildProcess[] = [];
  /** Every work run of the current test, in start order. */
  let runs: Run[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('lease');
    await db.dataSource.query(`CREATE TABLE fenced_writes (lease text NOT NULL, epoch bigint NOT NULL)`);
  });
  beforeEach(() => {
    runs = [];
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    await Promise.all(replicas.splice(0).map((r) => r.lease.stop()));
  });
  afterAll(async () => db.drop());

  function replica(name: string, holder: string, options: Partial<LeaseOptions> = {}): Replica {
    const registry = new Registry();
    const metrics = new LeaseMetrics(registry);
    const lease = new Lease({
      databaseUrl: db.url,
      name,
      holderId: holder,
      retryMs: RETRY_MS,
      checkMs: CHECK_MS,
      sessionTimeoutMs: 1_000,
      logger: testLogger(),
      metrics,
      ...options,
    });
    const r = { lease, holder, metrics, registry };
    replicas.push(r);
    return r;
  }

  /** Work that records when it ran and, once told to stop, takes `windDownMs` to finish its current step. */
  function work(holder: string, windDownMs = 30): LeaseWork {
    return async (signal, epoch) => {
      const run: Run = { holder, epoch, signal, startedAt: performance.now() };
      runs.push(run);
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      await sleep(windDownMs);
      run.endedAt = performance.now();
    };
  }

  const running = (holders: string[]) => runs.filter((r) => holders.includes(r.holder) && !r.endedAt);
  const lastRun = (holder: string) => [...runs].reverse().find((r) => r.holder === holder);

  async function metric(r: Replica, metricName: string, name: string): Promise<number> {
    const m = await r.registry.getSingleMetric(metricName)?.get();
    return m?.values.find((v) => v.labels.name === name)?.value ?? 0;
  }

  /** The backend that holds a lease's advisory lock, as an operator would find it in pg_locks. */
  async function holderPid(name: string): Promise<number | undefined> {
    const { classid, objid } = leaseLockId(leaseKey(name));
    const rows: { pid: number }[] = await db.dataSource.query(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
         AND classid = $1 AND objid = $2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [classid, objid],
    );
    return rows[0]?.pid;
  }

  async function leaseRow(name: string): Promise<{ holder_id: string; epoch: number }> {
    const [row] = await db.dataSource.query(
      `SELECT holder_id, epoch::int AS epoch FROM backbone_lease WHERE name = $1`,
      [name],
    );
    return row;
  }

  it('lets exactly one replica of a name run its work at any time, and different names run side by side', async () => {
    const name = 'catalogue-sync:stock-push:mp-a';
    const other = 'catalogue-sync:stock-push:mp-b';
    let next = 0;
    const start = () => {
      const holder = `a${next++}`;
      replica(name, holder).lease.run(work(holder));
      return holder;
    };
    const sameName = [start(), start(), start()];
    replica(other, 'b0').lease.run(work('b0'));

    const samples: { a: number; b: number }[] = [];
    const until = performance.now() + 2_000;
    let nextHandover = performance.now() + 400;
    while (performance.now() < until) {
      const a = running(sameName);
      samples.push({ a: a.length, b: running(['b0']).length });
      if (performance.now() >= nextHandover && a.length === 1) {
        // The holder goes away (a rolling deploy): a new replica joins, and one of the others must take over.
        void replicas.find((r) => r.holder === a[0].holder)!.lease.stop();
        sameName.push(start());
        nextHandover = performance.now() + 400;
      }
      await sleep(10);
    }

    expect(Math.max(...samples.map((s) => s.a))).toBe(1);
    expect(samples.filter((s) => s.a === 1).length / samples.length).toBeGreaterThan(0.6);
    // Intervals, not only samples: no two runs of the name overlapped, even while one was winding down.
    const aRuns = runs.filter((r) => sameName.includes(r.holder));
    for (let i = 1; i < aRuns.length; i++) {
      expect(aRuns[i].startedAt).toBeGreaterThanOrEqual(aRuns[i - 1].endedAt ?? Infinity);
    }
    expect(new Set(aRuns.map((r) => r.holder)).size).toBeGreaterThanOrEqual(4);
    expect(aRuns.map((r) => r.epoch)).toEqual(aRuns.map((_, i) => aRuns[0].epoch + i));
    // The other name was held all along, alongside whichever replica held the first.
    expect(samples.filter((s) => s.b === 1 && s.a === 1).length / samples.length).toBeGreaterThan(0.6);
    expect(runs.filter((r) => r.holder === 'b0')).toHaveLength(1);
  });

  it("aborts the holder's work when its backend is terminated, and another replica takes over with a higher epoch", async () => {
    const name = 'order-gateway:order-poll:mp-a';
    const a = replica(name, 'a');
    a.lease.run(work('a'));
    expect(await waitFor(() => a.lease.isHeld(), 3_000, 10)).toBe(true);
    const b = replica(name, 'b');
    b.lease.run(work('b'));
    await sleep(RETRY_MS * 2);
    expect(b.lease.isHeld()).toBe(false);
    const aRun = lastRun('a')!;

    const pid = await holderPid(name);
    expect(pid).toBeDefined();
    const killedAt = performance.now();
    await db.dataSource.query(`SELECT pg_terminate_backend($1)`, [pid]);

    expect(await waitFor(() => aRun.signal.aborted, 1_000, 5)).toBe(true);
    expect(performance.now() - killedAt).toBeLessThan(500);
    expect(aRun.signal.reason).toBeInstanceOf(LeaseLostError);
    expect(aRun.signal.reason).toMatchObject({ code: 'LEASE_LOST' });
    // Whichever noticed first: the connection's error event, or a check that failed on it.
    expect(['connection-lost', 'check-failed']).toContain(aRun.signal.reason.why);
    expect(a.lease.isHeld()).toBe(false);

    expect(await waitFor(() => b.lease.isHeld(), RETRY_MS + MARGIN_MS, 5)).toBe(true);
    expect(performance.now() - killedAt).toBeLessThan(RETRY_MS + MARGIN_MS);
    expect(lastRun('b')!.epoch).toBe(aRun.epoch + 1);
    expect(await leaseRow(name)).toEqual({ holder_id: 'b', epoch: aRun.epoch + 1 });
    expect(await metric(a, 'lease_losses_total', name)).toBe(1);
    expect(await metric(a, 'lease_held', name)).toBe(0);
    expect(await metric(b, 'lease_held', name)).toBe(1);
    expect(await metric(b, 'lease_acquisitions_total', name)).toBe(1);

    // The replica that lost reconnected and competes again: it takes over when b goes.
    await b.lease.stop();
    expect(await waitFor(() => a.lease.isHeld(), RETRY_MS + MARGIN_MS, 5)).toBe(true);
    expect(lastRun('a')!.epoch).toBe(aRun.epoch + 2);
    expect(await metric(a, 'lease_acquisitions_total', name)).toBe(2);
  });

  it('treats a check unanswered within checkMs as a loss, and the server frees the lock of the stuck session', async () => {
    const name = 'order-gateway:order-poll:mp-b';
    const a = replica(name, 'a');
    a.lease.run(work('a'));
    expect(await waitFor(() => a.lease.isHeld(), 3_000, 10)).toBe(true);
    const aRun = lastRun('a')!;
    const aPid = await holderPid(name);
    const b = replica(name, 'b');
    b.lease.run(work('b'));
    // Stands in for a database that stops answering: a's next check waits on this lock.
    const blocker = db.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    try {
      await blocker.query(`LOCK TABLE backbone_lease IN ACCESS EXCLUSIVE MODE`);
      const blockedAt = performance.now();
      expect(await waitFor(() => aRun.signal.aborted, 2 * CHECK_MS + MARGIN_MS, 5)).toBe(true);
      expect(performance.now() - blockedAt).toBeLessThan(2 * CHECK_MS + MARGIN_MS);
      expect(aRun.signal.reason).toMatchObject({ why: 'check-failed' });
      // a's old backend is still stuck in its check, yet it notices a has gone and ends, freeing the lock.
      expect(await waitFor(async () => (await holderPid(name)) !== aPid, 2_000, 20)).toBe(true);
      expect(b.lease.isHeld()).toBe(false); // b's epoch waits for the table, like everything else
    } finally {
      await blocker.rollbackTransaction();
      await blocker.release();
    }
    // The next holder is whichever replica asked first once the lock was free: b, or a on a fresh connection.
    const held = () => [a, b].filter((r) => r.lease.isHeld());
    expect(await waitFor(() => held().length > 0, RETRY_MS + MARGIN_MS, 5)).toBe(true);
    expect(held()).toHaveLength(1);
    expect(lastRun(held()[0].holder)!.epoch).toBe(aRun.epoch + 1);
    expect(await metric(a, 'lease_losses_total', name)).toBe(1);
  });

  /** A replica in its own process, built from dist: prints `held` and `lost` events as JSON lines. */
  function childReplica(name: string, sessionTimeoutMs: number) {
    const dist = join(__dirname, '../dist/lease/index.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run pnpm build first`);
    const script = `
      const { Lease } = require(process.env.LEASE_DIST);
      const pino = require('pino');
      const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
      const lease = new Lease({
        databaseUrl: process.env.DATABASE_URL, name: process.env.LEASE_NAME, holderId: 'child',
        retryMs: ${RETRY_MS}, checkMs: ${CHECK_MS}, sessionTimeoutMs: ${sessionTimeoutMs},
        logger: pino({ level: 'silent' }),
      });
      lease.run(async (signal, epoch) => {
        say({ event: 'held', epoch });
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        say({ event: 'lost', epoch, why: signal.reason.why });
      });`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, LEASE_DIST: dist, DATABASE_URL: db.url, LEASE_NAME: name },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const events: { event: string; epoch: number; why?: string }[] = [];
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    return { child, events, exited };
  }

  it('passes the lease on when the holder process is killed with SIGKILL', async () => {
    const name = 'finance-ledger:transaction-read:mp-a';
    const { child, events, exited } = childReplica(name, 1_000);
    expect(await waitFor(() => events.some((e) => e.event === 'held'), 10_000, 10)).toBe(true);
    const childEpoch = events[0].epoch;
    const b = replica(name, 'b');
    b.lease.run(work('b'));
    await sleep(RETRY_MS * 2);
    expect(b.lease.isHeld()).toBe(false); // the child really holds it

    const killedAt = performance.now();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await waitFor(() => b.lease.isHeld(), RETRY_MS + MARGIN_MS, 5)).toBe(true);
    expect(performance.now() - killedAt).toBeLessThan(RETRY_MS + MARGIN_MS);
    expect(lastRun('b')!.epoch).toBe(childEpoch + 1);
    expect(await leaseRow(name)).toEqual({ holder_id: 'b', epoch: childEpoch + 1 });
  });

  it('passes the lease on when the holder freezes with its connection open, and the holder knows when it wakes', async () => {
    // SIGSTOP stands in for a partition or a stalled process: the TCP connection stays open, the holder says
    // nothing, and only PostgreSQL's idle-session timeout can free the lock.
    const name = 'catalogue-sync:reconciliation:mp-a';
    const sessionTimeoutMs = 600;
    const { child, events } = childReplica(name, sessionTimeoutMs);
    expect(await waitFor(() => events.some((e) => e.event === 'held'), 10_000, 10)).toBe(true);
    const childEpoch = events[0].epoch;
    const b = replica(name, 'b');
    b.lease.run(work('b'));

    const frozenAt = performance.now();
    child.kill('SIGSTOP');
    expect(await waitFor(() => b.lease.isHeld(), sessionTimeoutMs + RETRY_MS + MARGIN_MS, 5)).toBe(true);
    const tookOverAfter = performance.now() - frozenAt;
    expect(tookOverAfter).toBeGreaterThan(sessionTimeoutMs - 3 * CHECK_MS); // not before the timeout ran out
    expect(tookOverAfter).toBeLessThan(sessionTimeoutMs + RETRY_MS + MARGIN_MS);
    expect(lastRun('b')!.epoch).toBe(childEpoch + 1);

    child.kill('SIGCONT');
    expect(await waitFor(() => events.some((e) => e.event === 'lost'), 3_000, 10)).toBe(true);
    expect(events.find((e) => e.event === 'lost')).toMatchObject({ epoch: childEpoch });
    await sleep(RETRY_MS * 2);
    expect(events.filter((e) => e.event === 'held')).toHaveLength(1); // it competes, but b holds
    expect(b.lease.isHeld()).toBe(true);
  });

  it('hands over promptly on stop(), after the work has finished, and a second stop() is harmless', async () => {
    const name = 'catalogue-sync:stock-push:mp-c';
    const a = replica(name, 'a');
    a.lease.run(work('a', 100));
    expect(await waitFor(() => a.lease.isHeld(), 3_000, 10)).toBe(true);
    const b = replica(name, 'b');
    b.lease.run(work('b'));
    await sleep(RETRY_MS * 2);
    const aRun = lastRun('a')!;

    const stoppedAt = performance.now();
    await a.lease.stop();
    expect(performance.now() - stoppedAt).toBeLessThan(100 + 400); // the work's wind-down, then unlock
    expect(aRun.signal.reason).toMatchObject({ why: 'stopping' });
    expect(aRun.endedAt).toBeDefined();
    expect(await waitFor(() => b.lease.isHeld(), RETRY_MS + MARGIN_MS, 5)).toBe(true);
    expect(performance.now() - stoppedAt).toBeLessThan(100 + RETRY_MS + MARGIN_MS);
    const bRun = lastRun('b')!;
    expect(bRun.startedAt).toBeGreaterThanOrEqual(aRun.endedAt!);
    expect(bRun.epoch).toBe(aRun.epoch + 1);

    await expect(a.lease.stop()).resolves.toBeUndefined();
    expect(a.lease.isHeld()).toBe(false);
    expect(await metric(a, 'lease_held', name)).toBe(0);
    expect(await metric(a, 'lease_losses_total', name)).toBe(0); // leaving is not losing
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
      [`lease ${name}`],
    );
    expect(n).toBe(1); // a closed its connection; only b's is left
    expect(b.lease.isHeld()).toBe(true);
    expect(bRun.signal.aborted).toBe(false);
  });

  it('fences writes: assertStillHolder refuses a stale epoch and the write in its transaction does not happen', async () => {
    const name = 'fulfilment-bridge:ship:mp-a';
    const a = replica(name, 'a');
    const b = replica(name, 'b');
    const grantA = await a.lease.tryAcquire();
    expect(grantA).not.toBeNull();
    expect(await b.lease.tryAcquire()).toBeNull();
    const write = (epoch: number) =>
      db.dataSource.transaction(async (m) => {
        await assertStillHolder(m, name, epoch);
        await m.query(`INSERT INTO fenced_writes (lease, epoch) VALUES ($1, $2)`, [name, epoch]);
      });
    await write(grantA!.epoch);

    await a.lease.release();
    expect(grantA!.signal.reason).toMatchObject({ why: 'released' });
    const grantB = await b.lease.tryAcquire();
    expect(grantB?.epoch).toBe(grantA!.epoch + 1);

    const stale = write(grantA!.epoch);
    await expect(stale).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stale).rejects.toMatchObject({
      code: 'LEASE_LOST',
      details: { currentEpoch: grantB!.epoch, currentHolder: 'b' },
    });
    await write(grantB!.epoch);
    await expect(assertStillHolder(db.dataSource.manager, name, grantB!.epoch)).rejects.toThrow(
      /inside a transaction/,
    );
    const rows: { epoch: number }[] = await db.dataSource.query(
      `SELECT epoch::int AS epoch FROM fenced_writes WHERE lease = $1`,
      [name],
    );
    expect(rows.map((r) => r.epoch).sort()).toEqual([grantA!.epoch, grantB!.epoch]);
  });

  it("makes a new holder wait for the previous holder's fenced transaction before it starts", async () => {
    const name = 'catalogue-sync:stock-push:mp-d';
    const a = replica(name, 'a');
    const b = replica(name, 'b');
    const grantA = (await a.lease.tryAcquire())!;
    const tx = db.dataSource.createQueryRunner();
    await tx.connect();
    await tx.startTransaction();
    try {
      await assertStillHolder(tx.manager, name, grantA.epoch);
      await db.dataSource.query(`SELECT pg_terminate_backend($1)`, [await holderPid(name)]);
      expect(await waitFor(() => grantA.signal.aborted, 1_000, 5)).toBe(true);

      let settled = false;
      const takeover = b.lease.tryAcquire().finally(() => (settled = true));
      await sleep(300);
      expect(settled).toBe(false); // b has the lock but records its epoch only after a's transaction
      await tx.query(`INSERT INTO fenced_writes (lease, epoch) VALUES ($1, $2)`, [name, grantA.epoch]);
      await tx.commitTransaction();
      expect((await takeover)?.epoch).toBe(grantA.epoch + 1);
    } finally {
      if (tx.isTransactionActive) await tx.rollbackTransaction();
      await tx.release();
    }
  });
});
