import { IdempotencyStore } from './idempotency-store';

describe(IdempotencyStore.name, () => {
  const DAY = 24 * 60 * 60_000;
  let created: number;
  const create = () => ({ status: 201, body: { number: `SO${++created}` } });
  beforeEach(() => (created = 0));

  it('replays the first answer for the same body and refuses another body', () => {
    const store = new IdempotencyStore(() => DAY);
    expect(store.run('k', { a: 1, b: [1, 2] }, 0, create)).toEqual({
      answer: { status: 201, body: { number: 'SO1' } },
      replayed: false,
    });
    expect(store.run('k', { b: [1, 2], a: 1 }, 1000, create)).toEqual({
      answer: { status: 201, body: { number: 'SO1' } },
      replayed: true,
    });
    expect(() => store.run('k', { a: 2 }, 1000, create)).toThrow(/different body/);
    expect(created).toBe(1);
    expect(store.stats()).toEqual({ keys: 1, replays: 1, conflicts: 1 });
  });

  it('forgets a key after its time to live: a late retry creates again', () => {
    const store = new IdempotencyStore(() => DAY);
    store.run('k', {}, 0, create);
    expect(store.run('k', {}, DAY - 1, create).replayed).toBe(true);
    expect(store.run('k', {}, DAY, create)).toEqual({
      answer: { status: 201, body: { number: 'SO2' } },
      replayed: false,
    });
  });

  it('keeps nothing when creation fails, so the key stays free', () => {
    const store = new IdempotencyStore(() => DAY);
    expect(() =>
      store.run('k', {}, 0, () => {
        throw new Error('unknown SKU');
      }),
    ).toThrow('unknown SKU');
    expect(store.run('k', { other: true }, 0, create).replayed).toBe(false);
  });
});
