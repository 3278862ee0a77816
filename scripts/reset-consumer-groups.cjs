#!/usr/bin/env node
/**
 * The first command starts the services on fresh databases, but the local broker keeps their consumer groups'
 * offsets and every event earlier runs and tests left on the topics. Events of a world that no longer exists
 * (orders the fresh sandboxes never saw) would be replayed into the new one. This moves each named service's
 * groups (`<service>.<topic>`, every topic in the contracts' registry) to the topics' current end.
 * Usage: node scripts/reset-consumer-groups.cjs catalogue-sync order-gateway fulfilment-bridge
 */
const { Topics } = require('../packages/contracts/dist');
const { startConsumerGroupsAtEnd, testKafka } = require('../packages/service-kit/dist/testing');

async function main() {
  const services = process.argv.slice(2);
  const topics = Object.values(Topics).map((t) => t.name);
  const kafka = testKafka('reset-consumer-groups');
  // A process of an earlier run that was killed stays a group member until the broker's session timeout.
  const until = Date.now() + 90_000;
  for (;;) {
    try {
      for (const service of services) await startConsumerGroupsAtEnd(kafka, service, topics);
      process.stdout.write(`consumer groups of ${services.join(', ')} start at the topics' end\n`);
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

main().catch((err) => {
  // Not fatal: the services still start; events of an earlier run may be replayed into this one.
  process.stderr.write(`WARNING: could not reset the consumer groups: ${err?.message ?? err}\n`);
});
