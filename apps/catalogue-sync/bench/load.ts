/**
 * The load of the feed-to-queued benchmark: counted-stock changes made in the back office at a steady rate,
 * and the apply path without HTTP (fresh changes, paged and decoded in memory, applied one page at a time).
 */
import type { BackofficeSandbox } from '@seller-bridge/backoffice-sandbox';
import { toFeedPage, type FeedPage } from '../src/backoffice/backoffice-shapes';
import type { FeedWorld } from './feed-world';

const WAREHOUSES = ['LYON-1', 'MADRID-2'];

/** One counted-stock change (an inventory count: `PUT /admin/stock` does the same) on a random SKU and warehouse. */
function change(sandbox: BackofficeSandbox, skus: string[], random: () => number, at: number): void {
  const sku = skus[Math.floor(random() * skus.length)];
  const warehouse = WAREHOUSES[random() < 0.5 ? 0 : 1];
  sandbox.backOffice.stock.setOnHand(sku, warehouse, Math.floor(random() * 200), at, 'adjustment');
}

/**
 * Makes `total` changes at `rate`/s, every 5 ms the ones due by then (the in-process API: the back office's
 * HTTP layer is not what is measured). Returns the rate achieved and the time spent making them.
 */
export async function offerChanges(
  sandbox: BackofficeSandbox,
  rate: number,
  total: number,
  random: () => number,
): Promise<{ rate: number; seconds: number; busyMs: number }> {
  const skus = sandbox.backOffice.catalogue.all().map((p) => p.sku);
  let made = 0;
  let busyMs = 0;
  const t0 = performance.now();
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) / 1000) * rate));
      const at = sandbox.clock.now();
      while (made < due) {
        change(sandbox, skus, random, at);
        made++;
      }
      busyMs += performance.now() - now;
      if (made >= total) done();
      else setTimeout(tick, 5);
    };
    tick();
  });
  const seconds = (performance.now() - t0) / 1000;
  return { rate: made / seconds, seconds, busyMs };
}

/**
 * With the reader stopped: `n` fresh changes, paged as the API pages them and decoded as the client decodes
 * them (in memory, untimed), then applied by the real applier one page after another (timed).
 */
export async function applyWithoutHttp(
  world: FeedWorld,
  n: number,
  pageSize: number,
  random: () => number,
): Promise<{ rate: number; pageBuildMs: number }> {
  const { sandbox, applier } = world;
  const skus = sandbox.backOffice.catalogue.all().map((p) => p.sku);
  const at = sandbox.clock.now();
  let after = (await applier.cursor())?.lastSeq ?? 0;
  // What the reader left unread counts towards the n changes (it is the same kind of change).
  for (let i = sandbox.backOffice.feed.headSeq - after; i < n; i++) change(sandbox, skus, random, at);
  const pages: { after: number; page: FeedPage }[] = [];
  const b0 = performance.now();
  let paged = 0;
  while (paged < n && after < sandbox.backOffice.feed.headSeq) {
    // Through JSON, as the page crosses HTTP.
    const raw: unknown = JSON.parse(JSON.stringify(sandbox.backOffice.feed.page(after, pageSize)));
    const page = toFeedPage(raw, after);
    if (typeof page === 'string') throw new Error(page);
    pages.push({ after, page });
    paged += page.changes.length;
    after = page.lastSeq;
  }
  const pageBuildMs = (performance.now() - b0) / pages.length;
  const t0 = performance.now();
  let changes = 0;
  for (const p of pages) {
    await applier.applyPage(p.after, p.page);
    changes += p.page.changes.length;
  }
  return { rate: changes / ((performance.now() - t0) / 1000), pageBuildMs };
}
