import { describe, expect, it } from 'vitest';
import { rng, shuffleInPlace } from '../src/math/index.js';

describe('shuffleInPlace (Fisher–Yates from a uniform source)', () => {
  it('returns the same array, a permutation of its entries, for arrays and typed arrays', () => {
    const a = [5, 1, 4, 1, 3];
    const out = shuffleInPlace(a, rng(3));
    expect(out).toBe(a);
    expect([...a].sort()).toEqual([1, 1, 3, 4, 5]);
    const t = Int32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(t, rng(4));
    expect(Array.from(t).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('draws each of the 6 permutations of 3 items with frequency 1/6 ± 0.01 over 60000 shuffles (rng(7))', () => {
    const u = rng(7);
    const counts = new Map<string, number>();
    for (let k = 0; k < 60000; k++) {
      const key = shuffleInPlace([0, 1, 2], u).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c / 60000 - 1 / 6)).toBeLessThan(0.01);
  });

  it('uses n − 1 draws, swapping a[i] with a[⌊u·(i + 1)⌋] from the end: with u ≡ 0 every item moves one place left, [a, b, c, d] → [b, c, d, a]', () => {
    expect(shuffleInPlace(['a', 'b', 'c', 'd'], () => 0)).toEqual(['b', 'c', 'd', 'a']);
    let draws = 0;
    shuffleInPlace([1, 2, 3, 4, 5], () => { draws++; return 0.5; });
    expect(draws).toBe(4);
  });
});
