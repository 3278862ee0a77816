import { waitFor } from '@seller-bridge/service-kit/testing';
import { buildService, ServiceProcess } from './support/service-process';
import { marketplace, World } from './support/world';

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
    buildService();
    await world.start();
  }, 180_000);
  afterAll(() => world.stop());

  it('stops within seconds while a poll waits for its OR11 turn, ending with the signal', async () => {
    // Every seller API connection is dropped: OR11 gets no answer and its retries queue for the next turn.
    world.sandbox.faults.set('stop-fr', { ...world.sandbox.faults.get('stop-fr')!, dropRate: 1 });
    const service = await ServiceProcess.start(world.gatewayEnv);
    try {
      const ready = await waitFor(
        async () => (await fetch(service.url('/health/ready')).catch(() => undefined))?.ok === true,
        60_000,
        200,
      );
      expect([ready, service.stderr]).toEqual([true, '']);
      // Let the first poll fail and its retry queue for the next OR11 turn, a minute away.
      const polled = await waitFor(
        async () =>
          /mirakl_api_calls_total\{[^}]*operation="OR11"[^}]*\} [1-9]/.test(
            await (await fetch(service.url('/metrics'))).text(),
          ),
        30_000,
        200,
      );
      expect(polled).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));

      const t0 = Date.now();
      service.child.kill('SIGTERM');
      const end = await service.exited;
      expect({ ...end, within15s: Date.now() - t0 < 15_000 }).toEqual({
        code: null,
        signal: 'SIGTERM',
        within15s: true,
      });
    } finally {
      service.child.kill('SIGKILL');
      world.sandbox.faults.set('stop-fr', { ...world.sandbox.faults.get('stop-fr')!, dropRate: 0 });
    }
  }, 120_000);
});
