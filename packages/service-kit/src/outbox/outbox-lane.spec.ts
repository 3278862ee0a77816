import { laneOf, OUTBOX_LANES } from './outbox-lane';

describe(laneOf.name, () => {
  it('puts the same key in the same lane every time', () => {
    for (const key of ['order-1', 'mirakl:FR:0042-A', '', 'é✓ unicode']) {
      expect(laneOf(key)).toBe(laneOf(key));
    }
    // Pinned values: the lane of a key must not change between releases, or in-flight ordering breaks.
    expect(laneOf('')).toBe(0x811c9dc5 % OUTBOX_LANES);
  });

  it('returns an integer lane within [0, OUTBOX_LANES)', () => {
    for (let i = 0; i < 1000; i++) {
      const lane = laneOf(`key-${i}-${'x'.repeat(i % 50)}`);
      expect(Number.isInteger(lane)).toBe(true);
      expect(lane).toBeGreaterThanOrEqual(0);
      expect(lane).toBeLessThan(OUTBOX_LANES);
    }
  });

  it('spreads 10,000 keys over every lane, none holding more than twice its fair share', () => {
    const counts = new Array<number>(OUTBOX_LANES).fill(0);
    for (let i = 0; i < 10_000; i++) counts[laneOf(`order-${i}`)]++;
    const fair = 10_000 / OUTBOX_LANES;

    expect(counts.every((c) => c > 0)).toBe(true);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * fair);
  });
});
