import { checkNumber } from './errors.js';

/**
 * A small seeded pseudo-random generator (mulberry32 on a 32-bit state), so bootstrap resamples and
 * synthetic data are reproducible across runs and platforms.
 *
 * @example
 * ```ts
 * const r = seededRng(42); r.next(); r.int(10); r.normal();
 * ```
 */
export interface SeededRng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/** Creates a {@link SeededRng} from a finite seed (its integer part is used). */
export function seededRng(seed: number): SeededRng {
  checkNumber('seed', seed, 'a finite number', () => true);
  let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  return {
    next,
    int: (n) => Math.floor(next() * checkNumber('n', n, 'an integer >= 1', (v) => Number.isInteger(v) && v >= 1)),
    normal: () => {
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}
