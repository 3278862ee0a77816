/** Number of outbox lanes (rows of backbone_outbox_lane, seeded by the backbone migration). */
export const OUTBOX_LANES = 16;

/** FNV-1a: a stable, cheap hash so the same key always falls in the same lane. */
export function laneOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % OUTBOX_LANES;
}
