import { categoryMapHash, mapCategory } from './category-map';

describe(mapCategory.name, () => {
  const map = {
    'Sports > Running': 'running',
    'Sports > Running > Shoes': 'running-shoes',
    'Outdoor > Hiking': 'hiking',
    Fitness: 'fitness',
  };

  it('maps an exact path, and a deeper path by its longest mapped prefix', () => {
    expect(mapCategory(map, 'Sports > Running > Shoes')).toBe('running-shoes');
    expect(mapCategory(map, 'Sports > Running > Socks')).toBe('running');
    expect(mapCategory(map, 'Outdoor > Hiking > Backpacks')).toBe('hiking');
    expect(mapCategory(map, 'Fitness > Yoga > Mats')).toBe('fitness');
  });

  it('matches whole segments, whatever the case and spacing around ">"', () => {
    expect(mapCategory(map, 'sports>running>shoes')).toBe('running-shoes');
    expect(mapCategory(map, '  SPORTS >  Running ')).toBe('running');
    expect(mapCategory({ 'Sports > Run': 'x' }, 'Sports > Running')).toBeUndefined();
  });

  it('leaves unmapped what no key covers, and everything when there is no map', () => {
    expect(mapCategory(map, 'Outdoor > Camping > Tents')).toBeUndefined();
    expect(mapCategory(map, 'Sports')).toBeUndefined(); // a parent of a key is not covered by it
    expect(mapCategory(undefined, 'Sports > Running')).toBeUndefined();
    expect(mapCategory({ 'Sports > Running': '  ' }, 'Sports > Running')).toBeUndefined();
  });
});

describe(categoryMapHash.name, () => {
  it('changes when the map changes, not when only its key spelling or order does', () => {
    const a = categoryMapHash({ 'Sports > Running': 'running', Fitness: 'fitness' });
    expect(categoryMapHash({ fitness: 'fitness', 'sports>running': 'running' })).toBe(a);
    expect(categoryMapHash({ 'Sports > Running': 'running' })).not.toBe(a);
    expect(categoryMapHash({ 'Sports > Running': 'cycling', Fitness: 'fitness' })).not.toBe(a);
  });
});
