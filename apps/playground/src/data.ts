// Generated 2D classification data sets (seeded): moons, spirals, blobs, with label noise and class imbalance.
import { rng as mulberry32 } from '@losskit/core/math';

export type DatasetName = 'moons' | 'spirals' | 'blobs';
export const datasetNames: readonly DatasetName[] = ['moons', 'spirals', 'blobs'];

export interface DatasetOptions {
  readonly name: DatasetName;
  /** Number of points before imbalance. */
  readonly n: number;
  /** Fraction of labels flipped to a random other class, in [0, 0.5]. */
  readonly labelNoise: number;
  /** Keep-fraction of the minority classes (class ≥ 1), in (0, 1]: 1 = balanced. */
  readonly imbalance: number;
  readonly seed: number;
}

export interface Dataset {
  /** `[N, 2]` row-major, roughly in [-1.6, 1.6]². */
  readonly x: Float32Array;
  /** `[N]` integer labels. */
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/** Mulberry32: a small, fast, seeded PRNG returning floats in [0, 1) (core's `rng`). */
export { mulberry32 };

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Generates a data set; equal options give equal data. */
export function makeDataset(o: DatasetOptions): Dataset {
  const rand = mulberry32(o.seed);
  const pts: number[] = [];
  const lab: number[] = [];
  const numClasses = o.name === 'moons' ? 2 : 3;
  for (let i = 0; i < o.n; i++) {
    const c = i % numClasses;
    let x = 0, y = 0;
    if (o.name === 'moons') {
      const t = Math.PI * rand();
      if (c === 0) { x = Math.cos(t); y = Math.sin(t); } else { x = 1 - Math.cos(t); y = 0.5 - Math.sin(t); }
      x = (x - 0.5) * 1.2 + 0.1 * gaussian(rand);
      y = (y - 0.25) * 1.2 + 0.1 * gaussian(rand);
    } else if (o.name === 'spirals') {
      const r = 0.1 + 1.4 * rand();
      const t = (c * 2 * Math.PI) / numClasses + r * 3.2;
      x = r * Math.cos(t) + 0.06 * gaussian(rand);
      y = r * Math.sin(t) + 0.06 * gaussian(rand);
    } else {
      const centers = [[-0.8, -0.6], [0.8, -0.5], [0, 0.9]];
      const m = centers[c]!;
      x = m[0]! + 0.35 * gaussian(rand);
      y = m[1]! + 0.35 * gaussian(rand);
    }
    if (c >= 1 && rand() > o.imbalance) continue;
    let label = c;
    if (rand() < o.labelNoise) label = (c + 1 + Math.floor(rand() * (numClasses - 1))) % numClasses;
    pts.push(x, y);
    lab.push(label);
  }
  return { x: Float32Array.from(pts), labels: Int32Array.from(lab), numClasses };
}
