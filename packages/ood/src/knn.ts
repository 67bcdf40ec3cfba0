import { LosskitError, type TensorLike } from '@losskit/core';
import { checkInteger, readFeatures, readOptions } from '@losskit/diagnostics';

/** Options of {@link KnnDetector.fit}. */
export interface KnnOptions {
  /** The k-th nearest neighbour is used. Default 50 (Sun et al.'s CIFAR-10 choice); at most the number of ID samples. */
  readonly k?: number;
}

function normalizeRows(data: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    // Scale by the largest entry first so huge features do not overflow the squared norm.
    let m = 0;
    for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(data[i * d + j]!));
    if (m === 0) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += (data[i * d + j]! / m) ** 2;
    const inv = 1 / (m * Math.sqrt(s));
    for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j]! * inv;
  }
  return out;
}

/**
 * The deep nearest-neighbour OOD score (Sun, Ming, Zhu & Li 2022, *Out-of-Distribution Detection with Deep Nearest
 * Neighbors*), the feature-space kNN detector that *Can Pre-trained Networks Detect Familiar Out-of-Distribution
 * Data?* (Miyai et al. 2023) evaluates for detection independent of the ID decision boundary: features are
 * L2-normalized, z = f(x)/‖f(x)‖, and the score is the negative distance to the k-th nearest normalized ID training
 * feature, S(x) = −‖z − z_(k)‖₂ (higher = more in-distribution). A zero feature vector stays zero. Exact search in
 * float64 on the host (O(N_train · D) per query).
 *
 * @example KnnDetector.fit(trainFeatures, { k: 10 }).score(testFeatures);
 */
export class KnnDetector {
  private constructor(
    private readonly bank: Float64Array,
    readonly size: number,
    readonly dim: number,
    readonly k: number,
  ) {}

  /** Stores the normalized ID features `[N, D]`. */
  static fit(features: TensorLike, options?: KnnOptions): KnnDetector {
    const o = readOptions(options);
    const f = readFeatures(features, 'features');
    const k = checkInteger('k', o.k ?? 50, 1);
    if (k > f.n) throw new LosskitError('INVALID_PARAMETER', 'k exceeds the number of ID samples', { argument: 'k', expected: `an integer in [1, ${f.n}]`, received: String(k) });
    return new KnnDetector(normalizeRows(f.data, f.n, f.d), f.n, f.d, k);
  }

  /** S(x) = −‖z − z_(k)‖₂ per row of `features` `[M, D]` (float64). */
  score(features: TensorLike): number[] {
    const f = readFeatures(features, 'features');
    if (f.d !== this.dim) throw new LosskitError('SHAPE_MISMATCH', 'feature dimension differs from the fitted one', { argument: 'features', expected: `[M, ${this.dim}]`, received: `[${f.n}, ${f.d}]` });
    const z = normalizeRows(f.data, f.n, f.d);
    const d = this.dim;
    const dist = new Float64Array(this.size);
    const out: number[] = [];
    for (let i = 0; i < f.n; i++) {
      for (let t = 0; t < this.size; t++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (z[i * d + j]! - this.bank[t * d + j]!) ** 2;
        dist[t] = s;
      }
      out.push(-Math.sqrt(kthSmallest(dist, this.k)));
    }
    return out;
  }
}

/** The k-th smallest value (1-based) of `a` by quickselect on a copy. */
function kthSmallest(a: Float64Array, k: number): number {
  const v = Float64Array.from(a);
  let lo = 0;
  let hi = v.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        const t = v[i]!;
        v[i] = v[j]!;
        v[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return v[target]!;
  }
  return v[target]!;
}
