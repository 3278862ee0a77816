import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';

const APP = join(__dirname, '..');

/**
 * A stopping service must stop quickly (Kubernetes kills it 30 s after SIGTERM): with Mirakl's call limits on,
 * an OR11 that got no answer is retried, each retry waiting for the next OR11 turn (one a minute), so without
 * closing the Mirakl clients first the stop waited minutes for the poll to give up.
 */
describe('order-gateway: SIGTERM', () => {
  const world = new World({
    label: 'shutdown',
    startGateway: false,
    marketplaces: [
      marketplace('stop-fr', 'decathlon-fr', {}, { unlimitedCalls: false, pollIntervalMs: 100 }),
    ],
  });

  beforeAll(async () => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: APP,
    });
    await world.start();
  }, 180_000);
  afterAll(() => world.stop());

  it('stops within seconds while a poll waits for its OR11 turn, ending with the signal', async () => {
    // Every seller API connection is dropped: OR11 gets no answer and its retries queue for the next turn.
    world.sandbox.faults.set('stop-fr', { ...world.sandbox.faults.get('stop-fr')!, dropRate: 1 });
    const port = await freePort();
    let stderr = '';
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: APP,
      env: { ...process.env, ...world.gatewayEnv, HTTP_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-10_000)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    try {
      const ready = await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true,
        60_000,
        200,
      );
      expect([ready, stderr]).toEqual([true, '']);
      // Let the first poll fail and its retry queue for the next OR11 turn, a minute away.
      const polled = await waitFor(
        async () =>
          /mirakl_api_calls_total\{[^}]*operation="OR11"[^}]*\} [1-9]/.test(
            await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
          ),
        30_000,
        200,
      );
      expect(polled).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));

      const t0 = Date.now();
      child.kill('SIGTERM');
      const end = await exited;
      expect({ ...end, within15s: Date.now() - t0 < 15_000 }).toEqual({
        code: null,
        signal: 'SIGTERM',
        within15s: true,
      });
    } finally {
      child.kill('SIGKILL');
      world.sandbox.faults.set('stop-fr', { ...world.sandbox.faults.get('stop-fr')!, dropRate: 0 });
    }
  }, 120_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
