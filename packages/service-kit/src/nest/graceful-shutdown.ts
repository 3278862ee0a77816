import type { INestApplicationContext } from '@nestjs/common';

export interface GracefulShutdownOptions {
  /**
   * Runs first on SIGTERM/SIGINT, before Nest's shutdown hooks: end what the hooks would otherwise wait for
   * (e.g. close the Mirakl clients, so a call waiting a minute for its rate-limit turn ends now).
   */
  before?: () => void | Promise<void>;
  /** Signals to handle (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /** Exit anyway after this long (default 25 s, under Kubernetes' 30 s grace period). */
  deadlineMs?: number;
}

/**
 * What `app.enableShutdownHooks()` does (close the app on SIGTERM/SIGINT, then end the process with that
 * signal), with a step before the hooks and a deadline: a stopping service must not hang until the
 * orchestrator kills it. Work in flight is already safe against a kill (outbox, leases, read-backs); this
 * makes the stop quick and clean: leases released, consumers left, the pool closed.
 */
export function enableGracefulShutdown(
  app: INestApplicationContext,
  options: GracefulShutdownOptions = {},
): void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      process.stderr.write(
        `shutdown took over ${options.deadlineMs ?? 25_000} ms after ${signal}: exiting\n`,
      );
      process.exit(1);
    }, options.deadlineMs ?? 25_000);
    deadline.unref();
    try {
      await options.before?.();
      await app.close();
    } catch (err) {
      process.stderr.write(
        `shutdown after ${signal} failed: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      process.exitCode = 1;
    }
    clearTimeout(deadline);
    for (const s of signals) process.removeAllListeners(s);
    process.kill(process.pid, signal); // end with the signal, as Nest's own hooks do
  };
  for (const s of signals) process.once(s, (sig: NodeJS.Signals) => void stop(sig));
}
