/**
 * Plain float64 numerics with no tensors: stable log-sum-exp and friends. Used by test references,
 * by `@losskit/scaling` and by the calibration fitters, which run on the host in double precision.
 * @packageDocumentation
 */

/** `log Σ exp(x_i)`, computed as `m + log Σ exp(x_i - m)` with `m = max x`; `-Infinity` for an empty or all -∞ input. */
export function logSumExp(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  if (m === -Infinity || Number.isNaN(m)) return m;
  if (m === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s);
}

/**
 * The log-sum-exp of a row kept in two parts, `max = max_j x_j` and `rel = log Σ_j exp(x_j − max)`, so that
 * `log p_j = (x_j − max) − rel` and `lse − x_y = (max − x_y) + rel` stay exact at any magnitude (float64 twin
 * of core's tensor `logSumExpParts`).
 */
export function logSumExpParts(x: ArrayLike<number>): { max: number; rel: number } {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (!(x[i]! <= max)) max = x[i]!;
  if (!Number.isFinite(max)) return { max, rel: Number.isNaN(max) ? Number.NaN : 0 };
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - max);
  return { max, rel: Math.log(s) };
}

/**
 * Log-softmax, `(x_i − m) − log Σ_j exp(x_j − m)` with `m = max_j x_j`: the maximum is subtracted first, so
 * ties of huge values keep their share (`[1e30, 1e30, 0]` gives `[−log 2, −log 2, −∞]`; `x_i − logSumExp(x)`
 * would round `logSumExp` to `m` and give 0). The log-sum is `log1p` of the mass off the first maximum, so a
 * confident row keeps its tiny values.
 */
export function logSoftmax(x: ArrayLike<number>): number[] {
  let m = -Infinity;
  let top = -1;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]!)) return Array.from(x, () => Number.NaN);
    if (x[i]! > m) {
      m = x[i]!;
      top = i;
    }
  }
  if (!Number.isFinite(m)) return Array.from(x, (v) => (m === -Infinity ? Number.NaN : v === m ? Number.NaN : -Infinity));
  let rest = 0;
  for (let i = 0; i < x.length; i++) if (i !== top) rest += Math.exp(x[i]! - m);
  const l = Math.log1p(rest);
  return Array.from(x, (v) => v - m - l);
}

/** Softmax, `exp` of {@link logSoftmax} (exact at ties of huge values). */
export function softmax(x: ArrayLike<number>): number[] {
  return logSoftmax(x).map(Math.exp);
}

/** `log(1 + e^x)` without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** `1 / (1 + e^-x)` without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** `log σ(x) = -softplus(-x)`. */
export function logSigmoid(x: number): number {
  return -softplus(-x);
}

/** `log(1 - e^x)` for `x <= 0`, accurate on both ends (Mächler 2012). */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** Mean of an array (NaN when empty). */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** Sum with Kahan-Babuška (Neumaier) compensation. */
export function sum(x: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** Relative error `|a - b| / max(|b|, floor)`. */
export function relativeError(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}

/** Seeded PRNG (mulberry32) returning floats in [0, 1); for reproducible data and tests. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fisher–Yates shuffle of `a` in place from a uniform source such as {@link rng}: for i = n − 1 … 1, swap `a[i]` with
 * `a[⌊u()·(i + 1)⌋]` (n − 1 draws, every permutation equally likely). Returns `a`.
 */
export function shuffleInPlace<T extends { [i: number]: unknown; length: number }>(a: T, u: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Standard normal sampler (Box-Muller) over a uniform source such as {@link rng}. */
export function normal(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), 1e-300);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/**
 * Gamma(shape, 1) sampler over a uniform source (Marsaglia & Tsang 2000, "A simple method for generating
 * gamma variables"; shape < 1 by the `G(shape + 1)·u^{1/shape}` boost).
 */
export function gammaSampler(shape: number, u: () => number): () => number {
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-300))) * Math.cos(2 * Math.PI * u());
  const base = (a: number) => {
    const d = a - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = gauss();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const w = u();
      if (w < 1 - 0.0331 * x ** 4 || Math.log(Math.max(w, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  if (shape === 1) return () => -Math.log(Math.max(u(), 1e-300));
  if (shape >= 1) return () => base(shape);
  return () => base(shape + 1) * Math.max(u(), 1e-300) ** (1 / shape);
}

/** Beta(a, b) sampler: `X/(X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)`. */
export function betaSampler(a: number, b: number, u: () => number): () => number {
  const ga = gammaSampler(a, u);
  const gb = gammaSampler(b, u);
  return () => {
    const x = ga();
    return x / (x + gb());
  };
}

export { type SymmetricEigen, checkSquare, pseudoInverseSymmetric, symmetricEigen } from './eigen.js';

/**
 * The Mann–Whitney AUC `(1/(|P||N|)) Σ_{i∈P} Σ_{j∈N} (1[p_i > n_j] + ½·1[p_i = n_j])` — the probability that a random
 * positive score exceeds a random negative one, ties counting ½ — from the mid-ranks of the pooled scores:
 * `(R_P − |P|(|P|+1)/2) / (|P||N|)` with `R_P` the positives' rank sum (Mann & Whitney 1947; scikit-learn's
 * `roc_auc_score`). Float64, O((|P|+|N|) log(|P|+|N|)); NaN when either side is empty. Used by `@losskit/metrics`
 * (`rocAuc`, macro and multiclass AUC) and `@losskit/ood` (`auroc`).
 *
 * @example mannWhitneyAuc([0.35, 0.8], [0.1, 0.4]); // 0.75
 */
export function mannWhitneyAuc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const np = positives.length;
  const nn = negatives.length;
  if (np === 0 || nn === 0) return Number.NaN;
  const n = np + nn;
  const at = (i: number) => (i < np ? positives[i]! : negatives[i - np]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(a) - at(b));
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && at(order[j + 1]!) === at(order[i]!)) j++;
    const midRank = (i + j) / 2 + 1; // ranks i+1 … j+1 share their mean
    for (let k = i; k <= j; k++) if (order[k]! < np) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (np * (np + 1)) / 2) / (np * nn);
}
