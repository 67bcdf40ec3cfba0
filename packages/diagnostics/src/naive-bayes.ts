import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, isTensor } from '@losskit/core';
import { checkInteger, readFeatures, readLabels, readOptions } from './input.js';

/** The fitted state of a {@link GaussianNaiveBayes} probe (plain data: save it with `JSON.stringify`). */
export interface GaussianNaiveBayesState {
  readonly classes: number;
  readonly dim: number;
  /** `[C]` samples per class. */
  readonly counts: number[];
  /** `[C][D]` class means. */
  readonly means: number[][];
  /** `[C][D]` per-class population variances (ddof 0) plus `varianceEpsilon`. */
  readonly variances: number[][];
  readonly varianceEpsilon: number;
}

/** Options of {@link GaussianNaiveBayes.fit}. */
export interface GaussianNaiveBayesOptions {
  /** Number of classes C (default max label + 1). */
  readonly classes?: number;
  /** ε > 0 added to every per-class variance. Default 1e-9 (the authors' `val_epsilon`). */
  readonly varianceEpsilon?: number;
}

/**
 * Gaussian naive-Bayes head with a shared diagonal covariance, the generative linear probe of *Revisiting
 * Discriminative vs. Generative Classifiers: Theory and Implications* (Zheng et al., ICML 2023), as the authors'
 * `models/gaussnb.py` (github.com/ML-GSAI/Revisiting-Dis-vs-Gen-Classifiers) computes it:
 *
 * μ_kj = mean of feature j over class k; s²_kj = its population variance + ε (ε = 1e-9); π_k = n_k/n;
 * shared σ²_j = Σ_k π_k s²_kj; logits z_k(x) = log π_k − ½ Σ_j (x_j − μ_kj)² / σ²_j (argmax = the prediction).
 *
 * `fit` is float64 on the host; `partialFit` merges a new batch with the pooled-variance update of the authors' code
 * (caller-held state, no global state). `logits` returns a `[N, C]` tensor usable by `@losskit/calibration` metrics or
 * `compile(ce())`.
 *
 * @example
 * const nb = GaussianNaiveBayes.fit(trainFeatures, trainLabels);
 * nb.predict(testFeatures); // class per row
 */
export class GaussianNaiveBayes {
  private constructor(readonly state: GaussianNaiveBayesState) {}

  /** Fits class means, variances and priors on features `[N, D]` and labels `[N]`. */
  static fit(features: TensorLike, labels: TensorLike, options?: GaussianNaiveBayesOptions): GaussianNaiveBayes {
    const o = readOptions(options);
    const eps = o.varianceEpsilon ?? 1e-9;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'varianceEpsilon', expected: 'a finite number > 0 (keeps every variance positive)', received: String(eps) });
    if (o.classes !== undefined) checkInteger('classes', o.classes, 1);
    const f = readFeatures(features, 'features');
    const y = readLabels(labels, f.n, 'labels', o.classes);
    const C = o.classes ?? y.reduce((a, b) => Math.max(a, b), 0) + 1;
    return new GaussianNaiveBayes(summarize(f.data, f.n, f.d, y, C, eps));
  }

  /** Rebuilds a probe from a saved {@link GaussianNaiveBayesState} (checked). */
  static fromState(state: GaussianNaiveBayesState): GaussianNaiveBayes {
    if (!state || typeof state !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'not a Gaussian naive-Bayes state', { argument: 'state', expected: '{ classes, dim, counts, means, variances, varianceEpsilon }' });
    const { classes: C, dim: d } = state;
    checkInteger('state.classes', C, 1);
    checkInteger('state.dim', d, 1);
    const ok = Array.isArray(state.counts) && state.counts.length === C && state.counts.every((c) => Number.isInteger(c) && c >= 0) && state.counts.some((c) => c > 0)
      && [state.means, state.variances].every((m) => Array.isArray(m) && m.length === C && m.every((r) => Array.isArray(r) && r.length === d && r.every(Number.isFinite)))
      && state.variances.every((r) => r.every((v) => v > 0)) && Number.isFinite(state.varianceEpsilon) && state.varianceEpsilon > 0;
    if (!ok) throw new LosskitError('INVALID_ARGUMENT', 'inconsistent Gaussian naive-Bayes state', { argument: 'state', expected: `counts [${C}] (some > 0), means and variances [${C}][${d}] of finite numbers, variances > 0, varianceEpsilon > 0` });
    return new GaussianNaiveBayes({ ...state, counts: [...state.counts], means: state.means.map((r) => [...r]), variances: state.variances.map((r) => [...r]) });
  }

  /** A new probe with a batch merged in (pooled means and variances, as the authors' incremental `fit`). */
  partialFit(features: TensorLike, labels: TensorLike): GaussianNaiveBayes {
    const s = this.state;
    const f = readFeatures(features, 'features');
    if (f.d !== s.dim) throw new LosskitError('SHAPE_MISMATCH', 'feature dimension differs from the fitted one', { argument: 'features', expected: `[N, ${s.dim}]`, received: `[${f.n}, ${f.d}]` });
    const y = readLabels(labels, f.n, 'labels', s.classes);
    const add = summarize(f.data, f.n, f.d, y, s.classes, s.varianceEpsilon);
    const counts: number[] = [];
    const means: number[][] = [];
    const variances: number[][] = [];
    for (let k = 0; k < s.classes; k++) {
      const n1 = s.counts[k]!;
      const n2 = add.counts[k]!;
      const n = n1 + n2;
      counts.push(n);
      if (n2 === 0 || n1 === 0) {
        means.push([...(n2 === 0 ? s.means[k]! : add.means[k]!)]);
        variances.push([...(n2 === 0 ? s.variances[k]! : add.variances[k]!)]);
        continue;
      }
      means.push(s.means[k]!.map((m1, j) => (n1 * m1 + n2 * add.means[k]![j]!) / n));
      // Pooled sum of squared deviations (Chan et al.), as gaussnb.py: n·v = n1·v1 + n2·v2 + n1·n2/n · (μ1 − μ2)².
      variances.push(s.variances[k]!.map((v1, j) => (n1 * v1 + n2 * add.variances[k]![j]! + ((n1 * n2) / n) * (s.means[k]![j]! - add.means[k]![j]!) ** 2) / n));
    }
    return new GaussianNaiveBayes({ ...s, counts, means, variances });
  }

  /** The shared diagonal variance σ²_j = Σ_k π_k s²_kj `[D]`. */
  sharedVariance(): Float64Array {
    const { counts, variances, dim } = this.state;
    const total = counts.reduce((a, b) => a + b, 0);
    const out = new Float64Array(dim);
    counts.forEach((n, k) => {
      if (n === 0) return;
      for (let j = 0; j < dim; j++) out[j]! += (n / total) * variances[k]![j]!;
    });
    return out;
  }

  /**
   * Logits z_k(x) = log π_k − ½ Σ_j (x_j − μ_kj)²/σ²_j, `[N, C]` (a tensor when `features` is a tensor, else nested
   * arrays). A class without training samples gets −∞ (its prior is 0). Float64 on the host.
   */
  logits(features: TensorLike): number[][] | Tensor2D {
    const { rows, n } = this.logitRows(features);
    return isTensor(features) ? tf.tensor2d(rows, [n, this.state.classes]) : rows;
  }

  /** The argmax class of {@link GaussianNaiveBayes.logits} per row (ties: the lowest class). */
  predict(features: TensorLike): number[] {
    return this.logitRows(features).rows.map((r) => r.reduce((best, v, k) => (v > r[best]! ? k : best), 0));
  }

  private logitRows(features: TensorLike): { rows: number[][]; n: number } {
    const { classes: C, dim: d, counts, means } = this.state;
    const f = readFeatures(features, 'features');
    if (f.d !== d) throw new LosskitError('SHAPE_MISMATCH', 'feature dimension differs from the fitted one', { argument: 'features', expected: `[N, ${d}]`, received: `[${f.n}, ${f.d}]` });
    const v = this.sharedVariance();
    const total = counts.reduce((a, b) => a + b, 0);
    const rows: number[][] = [];
    for (let i = 0; i < f.n; i++) {
      const r: number[] = [];
      for (let k = 0; k < C; k++) {
        if (counts[k] === 0) {
          r.push(-Infinity);
          continue;
        }
        let q = 0;
        for (let j = 0; j < d; j++) {
          const dv = f.data[i * d + j]! - means[k]![j]!;
          if (dv !== 0) q += (dv * dv) / v[j]!;
        }
        r.push(Math.log(counts[k]! / total) - 0.5 * q);
      }
      rows.push(r);
    }
    return { rows, n: f.n };
  }
}

function summarize(data: Float64Array, n: number, d: number, y: Int32Array, C: number, eps: number): GaussianNaiveBayesState {
  const counts = new Array<number>(C).fill(0);
  const sums = Array.from({ length: C }, () => new Float64Array(d));
  for (let i = 0; i < n; i++) {
    counts[y[i]!]!++;
    for (let j = 0; j < d; j++) sums[y[i]!]![j]! += data[i * d + j]!;
  }
  const means = sums.map((s, k) => Array.from(s, (v) => (counts[k]! > 0 ? v / counts[k]! : 0)));
  const sq = Array.from({ length: C }, () => new Float64Array(d));
  for (let i = 0; i < n; i++) {
    const k = y[i]!;
    for (let j = 0; j < d; j++) sq[k]![j]! += (data[i * d + j]! - means[k]![j]!) ** 2;
  }
  const variances = sq.map((s, k) => Array.from(s, (v) => (counts[k]! > 0 ? v / counts[k]! + eps : eps)));
  return { classes: C, dim: d, counts, means, variances, varianceEpsilon: eps };
}
