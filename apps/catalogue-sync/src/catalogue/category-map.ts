import { createHash } from 'node:crypto';

/** The segments of a back-office category path: `Sports > Running > Shoes` → `sports`, `running`, `shoes`. */
function segments(path: string): string[] {
  return path
    .split('>')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
}

/**
 * The marketplace category of a back-office category path, from the marketplace's `categoryMap` (keys are
 * paths or path prefixes, values the marketplace's category codes). The longest matching prefix wins, and a
 * prefix matches whole segments only (`Sports > Run` does not match `Sports > Running`); case and spacing
 * around `>` do not matter. Undefined when nothing maps it: such a product is not sent.
 */
export function mapCategory(map: Record<string, string> | undefined, path: string): string | undefined {
  if (!map) return undefined;
  const wanted = segments(path);
  let best: { length: number; code: string } | undefined;
  for (const [key, code] of Object.entries(map)) {
    const prefix = segments(key);
    if (prefix.length === 0 || prefix.length > wanted.length || !code?.trim()) continue;
    if (!prefix.every((s, i) => s === wanted[i])) continue;
    if (!best || prefix.length > best.length) best = { length: prefix.length, code: code.trim() };
  }
  return best?.code;
}

/**
 * A fingerprint of a category map: a product found unmapped under one map is looked at again once the map
 * changes (a new key, a new code), without waiting for the product itself to change.
 */
export function categoryMapHash(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {})
    .map(([k, v]) => [segments(k).join('>'), String(v).trim()])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}
