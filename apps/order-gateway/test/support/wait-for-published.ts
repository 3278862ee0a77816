import { waitFor } from '@seller-bridge/service-kit/testing';
import type { World } from './world';

/** Waits until order-gateway recorded an event of `topic` matching `match`; returns the matches. */
export async function waitForPublished(
  world: World,
  topic: Parameters<World['published']>[0],
  match: (payload: any) => boolean,
  timeoutMs = 30_000,
): Promise<any[]> {
  let found: any[] = [];
  await waitFor(
    async () => (found = (await world.published(topic)).filter(match)).length > 0,
    timeoutMs,
    100,
  );
  if (found.length === 0) throw new Error(`nothing matching on ${topic.name} within ${timeoutMs} ms`);
  return found;
}
