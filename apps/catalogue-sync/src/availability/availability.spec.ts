import { publishedQuantity, safetyBufferOf } from './availability';

describe('published quantity', () => {
  it('is available less reservations less the buffer, never below zero', () => {
    expect(publishedQuantity(10, 3, 2).quantity).toBe(5);
    expect(publishedQuantity(10, 8, 2).quantity).toBe(0);
    expect(publishedQuantity(3, 5, 0).quantity).toBe(0);
    expect(publishedQuantity(-2, 0, 0).quantity).toBe(0); // oversold in the back office
    expect(publishedQuantity(4, 0, -1).quantity).toBe(4); // a negative buffer never adds stock
  });

  it('never exceeds available − reserved − buffer, for any inputs', () => {
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(Math.random() * 40) - 10;
      const r = Math.floor(Math.random() * 20);
      const b = Math.floor(Math.random() * 5);
      const q = publishedQuantity(a, r, b).quantity;
      expect(q).toBeGreaterThanOrEqual(0);
      expect(q === 0 || q <= a - r - b).toBe(true);
    }
  });

  it('refuses fractional quantities', () => {
    expect(() => publishedQuantity(1.5, 0, 0)).toThrow(RangeError);
  });

  it('takes a per-SKU buffer over the marketplace default', () => {
    const s = { safetyBuffer: 2, skuSafetyBuffers: { 'TENT-1': 0, BAD: -3 } };
    expect([safetyBufferOf(s, 'TENT-1'), safetyBufferOf(s, 'SHOE-1'), safetyBufferOf(s, 'BAD')]).toEqual([
      0, 2, 2,
    ]);
  });
});
