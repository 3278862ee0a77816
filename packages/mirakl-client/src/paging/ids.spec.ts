import { chunkIds } from './ids';

describe(chunkIds.name, () => {
  it('never puts more than 100 ids in one call (failure mode 5)', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `O-${i}-A`);
    const chunks = chunkIds(ids);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(ids);
  });

  it('drops duplicates, keeps order, and gives nothing for nothing', () => {
    expect(chunkIds(['b', 'a', 'b', 'c'], 2)).toEqual([['b', 'a'], ['c']]);
    expect(chunkIds([])).toEqual([]);
  });

  it('refuses a chunk size that is not a positive integer', () => {
    expect(() => chunkIds(['a'], 0)).toThrow(RangeError);
  });
});
