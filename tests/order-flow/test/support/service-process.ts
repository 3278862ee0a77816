import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@seller-bridge/service-kit/testing';

const run = promisify(execFile);

/** The folder of a service of the monorepo (`apps/<service>`), found through its workspace package. */
export function serviceDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

/**
 * One real service as the first command runs it: `node apps/<service>/dist/main.js` in its own process group,
 * with its environment. Keeps the tail of what it writes (its JSON log) for a failure's diagnosis. `start()`
 * again after `kill()` is a restart on the same database, consumer groups and port.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private tail = '';
  /** Every process this object started, for the report (`pgrep -af dist/main.js`). */
  readonly pids: number[] = [];
  exits = 0;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Applies the service's migrations with its own entry point (`dist/migrate.js`, as `pnpm migrate` does). */
  async migrate(): Promise<void> {
    await run(process.execPath, [join(this.dir, 'dist/migrate.js')], {
      cwd: this.dir,
      env: { ...process.env, ...this.env },
      timeout: 60_000,
    });
  }

  start(): void {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: this.dir,
      env: { ...process.env, ...this.env, HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: killed as a group, and never left behind by a failed test.
      detached: true,
    });
    this.pids.push(child.pid!);
    const keep = (d: Buffer) => (this.tail = (this.tail + d.toString()).slice(-30_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      this.exits++;
      keep(Buffer.from(`\n[${this.name} exited: code ${code}, signal ${signal}]\n`));
    });
    this.child = child;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for `/health/ready` (database and Kafka connected, consumers joined). */
  async ready(timeoutMs = 90_000): Promise<void> {
    const ok = await waitFor(
      async () => {
        if (!this.running) return false;
        try {
          return (await fetch(`${this.url}/health/ready`)).ok;
        } catch {
          return false;
        }
      },
      timeoutMs,
      250,
    );
    if (!ok) throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.logTail(4_000)}`);
  }

  /**
   * A signal to the whole process group; resolves once the process is gone. SIGKILL is a crash (no shutdown
   * hook runs); after any other signal, what still runs 10 s later is SIGKILLed.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    const send = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    };
    send(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.running) {
      send('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
  }

  logTail(chars = 6_000): string {
    return this.tail.slice(-chars);
  }
}
