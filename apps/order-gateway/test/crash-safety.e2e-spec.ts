import { Topics } from '@seller-bridge/contracts';
import { readTopic, waitFor } from '@seller-bridge/service-kit/testing';
import { buildService, ServiceProcess } from './support/service-process';
import { marketplace, World } from './support/world';

/** Orders of the run: 2,000 for the full run (OG_CRASH_ORDERS=2000), fewer by default to keep CI short. */
const ORDERS = Number(process.env.OG_CRASH_ORDERS ?? 400);
const MP = 'crash-fr';

/**
 * The real service, as its own process (`node dist/main.js`), SIGKILLed at random moments while orders arrive,
 * are decided and reach SHIPPING; restarted each time. Afterwards the sandbox's own order book must show every
 * order decided exactly once (one OR21 applied, none refused as a repeat), and every order released to
 * fulfilment exactly once (one ready-for-fulfilment event per order, whatever the relay re-sent).
 */
describe('order-gateway: crash safety under SIGKILL', () => {
  const world = new World({
    label: 'crash',
    startGateway: false,
    marketplaces: [
      marketplace(
        MP,
        'decathlon-fr',
        { debitMs: 2_000, updateDateMarginMs: 10_000 },
        { pollIntervalMs: 300, pollOverlapMs: 2_000 },
      ),
    ],
  });
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    buildService();
    await world.start();
    await world.seedStock({ 'SKU-C1': 1_000_000, 'SKU-C2': 1_000_000 });
  }, 180_000);
  afterAll(async () => {
    service?.child.kill('SIGKILL');
    await world.stop();
  });

  const startService = () => ServiceProcess.start(world.gatewayEnv);

  it(
    `decides and releases each of ${ORDERS} orders exactly once while the service is killed at random`,
    async () => {
      const ids: string[] = [];
      let placing = true;
      const placer = (async () => {
        // Orders arrive in bursts throughout the run.
        while (ids.length < ORDERS) {
          const n = Math.min(ORDERS - ids.length, 10 + Math.floor(Math.random() * 20));
          for (let i = 0; i < n; i++)
            ids.push(
              world.place(
                MP,
                Math.random() < 0.3
                  ? [
                      { sku: 'SKU-C1', quantity: 1 },
                      { sku: 'SKU-C2', quantity: 2 },
                    ]
                  : [{ sku: 'SKU-C1', quantity: 1 }],
                `C-${ids.length}`,
              ),
            );
          await new Promise((r) => setTimeout(r, 500 + Math.random() * 1_000));
        }
        placing = false;
      })();

      const released = async () =>
        (
          await world.gatewayDb.dataSource.query(
            `SELECT COUNT(DISTINCT message_key)::int AS n FROM backbone_outbox WHERE topic = $1`,
            [Topics.orderReadyForFulfilment.name],
          )
        )[0].n as number;
      let kills = 0;
      const deadline = Date.now() + 20 * 60_000;
      service = await startService();
      // Kill at random moments while orders arrive (about 20 a second), are decided and released — at least 6
      // times, and until every order is placed; then let the last process finish the work.
      // Each process is killed a random 0–4 s after it took over the acceptance lease (so every kill lands in the
      // middle of real work: polls, sends, commits), or after 15 s if it never did.
      const acceptEpoch = async () =>
        Number(
          (
            await world.gatewayDb.dataSource.query(
              `SELECT COALESCE(MAX(epoch), 0) AS e FROM backbone_lease WHERE name LIKE '%:accept:%'`,
            )
          )[0].e,
        );
      while ((placing || kills < 6) && Date.now() < deadline) {
        const before = kills === 0 ? 0 : await acceptEpoch();
        await waitFor(async () => (await acceptEpoch()) > before, 15_000, 50);
        await new Promise((r) => setTimeout(r, Math.random() * 4_000));
        service.child.kill('SIGKILL');
        await service.exited;
        kills++;
        service = await startService();
      }
      await placer;
      const done = await waitFor(async () => (await released()) >= ORDERS, 10 * 60_000, 1_000);
      const releasedCount = await released();
      if (!done) process.stderr.write(`service stderr (tail):\n${service.stderr}\n`);
      process.stdout.write(`crash run: ${ORDERS} orders, ${kills} SIGKILLs, ${releasedCount} released\n`);
      expect(releasedCount).toBe(ORDERS);

      // Decided exactly once: the sandbox applied one OR21 per order, and refused none as a repeat.
      const applied = ids.map((id) => world.acceptApplied.get(`${MP}/${id}`) ?? 0);
      expect(applied.filter((n) => n !== 1)).toEqual([]);
      expect([...world.acceptRefused.entries()]).toEqual([]);
      for (const id of ids) expect(['SHIPPING', 'SHIPPED']).toContain(world.order(MP, id).order_state);

      // Recorded once each: one received, one accepted and one ready-for-fulfilment event per order.
      for (const topic of [Topics.orderReceived, Topics.orderAccepted, Topics.orderReadyForFulfilment]) {
        const [{ n, keys }] = await world.gatewayDb.dataSource.query(
          `SELECT COUNT(DISTINCT event_id)::int AS n, COUNT(DISTINCT message_key)::int AS keys FROM backbone_outbox WHERE topic = $1`,
          [topic.name],
        );
        expect({ topic: topic.name, n, keys }).toEqual({ topic: topic.name, n: ORDERS, keys: ORDERS });
      }
      // On the broker: every order's ready-for-fulfilment arrived, each order under a single event id (a relay
      // killed mid-batch may re-send a message, with the same event id: consumers' inboxes drop the repeat).
      const mine = new Set(ids.map((id) => `${MP}:${id}`));
      await waitFor(
        async () =>
          (
            await world.gatewayDb.dataSource.query(
              `SELECT COUNT(*)::int AS n FROM backbone_outbox WHERE published_at IS NULL`,
            )
          )[0].n === 0,
        60_000,
        500,
      );
      const onKafka = (
        await readTopic(world.kafka, Topics.orderReadyForFulfilment.name, {
          count: 1_000_000,
          timeoutMs: 15_000,
          settleMs: 1_000,
        })
      ).filter((m) => m.key !== null && mine.has(m.key));
      const eventIdsByKey = new Map<string, Set<string>>();
      for (const m of onKafka) {
        const set = eventIdsByKey.get(m.key!) ?? new Set<string>();
        set.add(m.headers['event-id']);
        eventIdsByKey.set(m.key!, set);
      }
      expect(eventIdsByKey.size).toBe(ORDERS);
      expect([...eventIdsByKey.values()].filter((s) => s.size !== 1)).toEqual([]);
      process.stdout.write(
        `crash run: ${onKafka.length} ready-for-fulfilment messages on Kafka for ${ORDERS} orders (${onKafka.length - ORDERS} relay re-sends)\n`,
      );
      const outcomes: { outcome: string; n: number }[] = await world.gatewayDb.dataSource.query(
        `SELECT outcome, COUNT(*)::int AS n FROM order_decision GROUP BY outcome ORDER BY outcome`,
      );
      process.stdout.write(`crash run: decision outcomes ${JSON.stringify(outcomes)}\n`);
      // Reservations: one open reservation per line, none doubled.
      const [{ doubled }] = await world.catalogueDb.dataSource.query(
        `SELECT COUNT(*)::int AS doubled FROM (SELECT order_id, order_line_id FROM reservation GROUP BY 1, 2 HAVING COUNT(*) > 1) d`,
      );
      expect(doubled).toBe(0);
    },
    30 * 60_000,
  );
});
