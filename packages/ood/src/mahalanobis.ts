import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, checkParam, cleanTapeOnError, formatShape } from '@losskit/core';
import { checkBatch, checkFiniteTensor, checkInteger, classStatistics, pseudoInverseSymmetric, readFeatures, readOptions, solveSpd } from '@losskit/diagnostics';

/** The Gaussian class model of one layer: class means and the shared (tied) precision. */
export interface MahalanobisLayerState {
  readonly classes: number;
  readonly dim: number;
  /** `[C][D]` class means μ_c. */
  readonly means: number[][];
  /** `[D][D]` precision P = Σ_W^† (pseudo-inverse of the tied within-class covariance). */
  readonly precision: number[][];
  /** `[C]` training samples per class (a class without samples is never the closest). */
  readonly counts: number[];
}

/** Options of {@link MahalanobisDetector.fit}. */
export interface MahalanobisFitOptions {
  /** Number of classes C (default max label + 1). */
  readonly classes?: number;
  /** Relative eigenvalue cutoff of the pseudo-inverse (default D·ε, SciPy `pinvh`'s default). */
  readonly rtol?: number;
}

const isLayerList = (x: unknown): x is readonly TensorLike[] => Array.isArray(x) && x.length > 0 && (x[0] instanceof tf.Tensor || (Array.isArray(x[0]) && Array.isArray(x[0][0])));

/**
 * The Mahalanobis OOD detector of Lee, Lee, Lee & Shin 2018 (*A Simple Unified Framework for Detecting
 * Out-of-Distribution Samples and Adversarial Attacks*), as the authors' `lib_generation.py`
 * (github.com/pokaxpoka/deep_Mahalanobis_detector) computes it:
 *
 * per layer ℓ, class means μ_{ℓ,c} and the tied covariance Σ_ℓ = (1/N) Σ_c Σ_{i: y_i = c} (f_i − μ_c)(f_i − μ_c)ᵀ of the
 * training features (sklearn `EmpiricalCovariance` on class-centred features), precision P_ℓ = Σ_ℓ^† (pseudo-inverse),
 * and the confidence score M_ℓ(x) = max_c −½ (f_ℓ(x) − μ_{ℓ,c})ᵀ P_ℓ (f_ℓ(x) − μ_{ℓ,c}) (higher = more in-distribution).
 *
 * Features are `[N, D]` per layer (for convolutional maps, the spatial mean per channel, as the authors do; pass the
 * already-pooled features). Fit with one matrix (one layer) or a list (one per layer). Scores are float64 on the host;
 * {@link MahalanobisDetector.classScoreTensor} is the differentiable tfjs form that input preprocessing
 * ({@link mahalanobisPreprocess}) differentiates. The state is plain data (`state`, {@link MahalanobisDetector.fromState}).
 *
 * @example
 * const det = MahalanobisDetector.fit(trainFeatures, trainLabels);
 * const id = det.score(testFeatures); // higher = more in-distribution
 */
export class MahalanobisDetector {
  private constructor(readonly state: { readonly layers: readonly MahalanobisLayerState[] }) {}

  /** Fits class means and tied precisions on training features (one `[N, D]` matrix, or one per layer) and labels `[N]`. */
  static fit(features: TensorLike | readonly TensorLike[], labels: TensorLike, options?: MahalanobisFitOptions): MahalanobisDetector {
    const o = readOptions(options);
    if (o.classes !== undefined) checkInteger('classes', o.classes, 1);
    const list = isLayerList(features) ? features : [features as TensorLike];
    const layers = list.map((f, l) => {
      const s = classStatistics(f, labels, o.classes === undefined ? {} : { classes: o.classes });
      if (l > 0) {
        const n0 = readFeatures(list[0]!, 'features[0]').n;
        const nl = readFeatures(f, `features[${l}]`).n;
        if (nl !== n0) throw new LosskitError('SHAPE_MISMATCH', 'every layer needs the same samples', { argument: `features[${l}]`, expected: `${n0} rows`, received: `${nl}` });
      }
      const rtol = o.rtol === undefined ? s.dim * Number.EPSILON : checkParam('rtol', o.rtol, 'a number in [0, 1)', (v) => v >= 0 && v < 1);
      const { inverse } = pseudoInverseSymmetric(s.withinCovariance, s.dim, rtol);
      const d = s.dim;
      return {
        classes: s.classes,
        dim: d,
        means: Array.from({ length: s.classes }, (_, c) => Array.from(s.means.subarray(c * d, (c + 1) * d))),
        precision: Array.from({ length: d }, (_, a) => Array.from(inverse.subarray(a * d, (a + 1) * d))),
        counts: Array.from(s.counts),
      };
    });
    return new MahalanobisDetector({ layers });
  }

  /** Rebuilds a detector from its `state` (checked for shapes and finite values). */
  static fromState(state: { readonly layers: readonly MahalanobisLayerState[] }): MahalanobisDetector {
    if (!state || !Array.isArray(state.layers) || state.layers.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'not a Mahalanobis detector state', { argument: 'state', expected: '{ layers: [{ classes, dim, means, precision, counts }] }' });
    state.layers.forEach((l, i) => {
      const ok = Number.isInteger(l?.classes) && l.classes >= 1 && Number.isInteger(l.dim) && l.dim >= 1
        && Array.isArray(l.means) && l.means.length === l.classes && l.means.every((r: unknown) => Array.isArray(r) && r.length === l.dim && r.every(Number.isFinite))
        && Array.isArray(l.precision) && l.precision.length === l.dim && l.precision.every((r: unknown) => Array.isArray(r) && r.length === l.dim && r.every(Number.isFinite))
        && Array.isArray(l.counts) && l.counts.length === l.classes && l.counts.every((c: unknown) => typeof c === 'number' && Number.isInteger(c) && c >= 0) && l.counts.some((c: unknown) => typeof c === 'number' && c > 0);
      if (!ok) throw new LosskitError('INVALID_ARGUMENT', `inconsistent layer ${i}`, { argument: `state.layers[${i}]`, expected: 'means [C][D], precision [D][D] of finite numbers, counts [C] with a positive count' });
    });
    return new MahalanobisDetector({ layers: state.layers.map((l) => ({ ...l, means: l.means.map((r: readonly number[]) => [...r]), precision: l.precision.map((r: readonly number[]) => [...r]), counts: [...l.counts] })) });
  }

  /** Number of layers. */
  get layerCount(): number {
    return this.state.layers.length;
  }

  private layer(i: number): MahalanobisLayerState {
    checkInteger('layer', i, 0, this.state.layers.length - 1);
    return this.state.layers[i]!;
  }

  /** −½ (f − μ_c)ᵀ P (f − μ_c) for every row and class, `[N][C]` (float64; −∞ for classes without training samples). */
  classScores(features: TensorLike, layer = 0): number[][] {
    const L = this.layer(layer);
    const f = readFeatures(features, 'features');
    if (f.d !== L.dim) throw new LosskitError('SHAPE_MISMATCH', 'feature dimension differs from the fitted one', { argument: 'features', expected: `[N, ${L.dim}]`, received: `[${f.n}, ${f.d}]` });
    const d = L.dim;
    // P (f − μ_c) = P f − P μ_c: P μ_c once, P f once per row, then O(D) per class (N·D² + N·C·D in all).
    const pm = L.means.map((m) => L.precision.map((r) => r.reduce((s, v, b) => s + v * m[b]!, 0)));
    const pf = new Float64Array(d);
    const out: number[][] = [];
    for (let i = 0; i < f.n; i++) {
      for (let a = 0; a < d; a++) {
        let s = 0;
        const pa = L.precision[a]!;
        for (let b = 0; b < d; b++) s += pa[b]! * f.data[i * d + b]!;
        pf[a] = s;
      }
      const row: number[] = [];
      for (let c = 0; c < L.classes; c++) {
        if (L.counts[c] === 0) {
          row.push(-Infinity);
          continue;
        }
        let q = 0;
        for (let a = 0; a < d; a++) q += (f.data[i * d + a]! - L.means[c]![a]!) * (pf[a]! - pm[c]![a]!);
        row.push(-0.5 * q);
      }
      out.push(row);
    }
    return out;
  }

  /** The confidence score M(x) = max_c −½ d²_c(x) per row, `[N]` (higher = more in-distribution). */
  score(features: TensorLike, layer = 0): number[] {
    return this.classScores(features, layer).map((r) => Math.max(...r));
  }

  /** Scores of every layer: `featuresPerLayer[ℓ]` is `[N, D_ℓ]`; returns `[N][L]` (the ensemble's input). */
  scores(featuresPerLayer: readonly TensorLike[]): number[][] {
    if (!Array.isArray(featuresPerLayer) || featuresPerLayer.length !== this.layerCount) throw new LosskitError('SHAPE_MISMATCH', 'one feature matrix per layer', { argument: 'featuresPerLayer', expected: `${this.layerCount} matrices`, received: Array.isArray(featuresPerLayer) ? `${featuresPerLayer.length}` : typeof featuresPerLayer });
    const per = featuresPerLayer.map((f, l) => this.score(f, l));
    const n = per[0]!.length;
    per.forEach((p, l) => {
      if (p.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'every layer needs the same samples', { argument: `featuresPerLayer[${l}]`, expected: `${n} rows`, received: `${p.length}` });
    });
    return Array.from({ length: n }, (_, i) => per.map((p) => p[i]!));
  }

  /**
   * The differentiable tfjs form of {@link MahalanobisDetector.classScores}: `[N, C]` float32 tensor of −½ d²_c for
   * features `[N, D]` (the caller owns it). Classes without training samples get −∞ (never the maximum).
   */
  classScoreTensor(features: Tensor, layer = 0): Tensor {
    const L = this.layer(layer);
    checkBatch(features, 'features');
    if (features.rank !== 2 || features.shape[1] !== L.dim) throw new LosskitError('SHAPE_MISMATCH', 'feature dimension differs from the fitted one', { argument: 'features', expected: `[N, ${L.dim}]`, received: formatShape(features.shape) });
    return tf.tidy(() => {
      const mu = tf.tensor2d(L.means, [L.classes, L.dim]);
      const p = tf.tensor2d(L.precision, [L.dim, L.dim]);
      const cols: Tensor[] = [];
      for (let c = 0; c < L.classes; c++) {
        if (L.counts[c] === 0) {
          cols.push(tf.fill([features.shape[0]!], -Infinity));
          continue;
        }
        const diff = tf.sub(features, tf.slice(mu, [c, 0], [1, L.dim]));
        cols.push(tf.mul(-0.5, tf.sum(tf.mul(tf.matMul(diff, p), diff), -1)));
      }
      return tf.stack(cols, 1);
    });
  }
}

/** Options of {@link mahalanobisPreprocess}. */
export interface MahalanobisPreprocessOptions {
  /** The fitted detector. */
  readonly detector: MahalanobisDetector;
  /** x ↦ features `[N, D]` of the detector's layer (e.g. a truncated model's `apply`). */
  readonly features: (x: Tensor) => Tensor;
  /** Inputs `[N, ...]`. */
  readonly x: Tensor;
  /** Noise magnitude ε ≥ 0 (the authors search {0, 0.0005, 0.001, 0.0014, 0.002, 0.005, 0.01} on validation data). */
  readonly epsilon: number;
  /** Which layer of the detector. Default 0. */
  readonly layer?: number;
  /** Per-channel input scale (the normalization std the authors divide the gradient sign by): a number or `[channels]`. Default 1. */
  readonly inputScale?: number | readonly number[];
}

/**
 * Input preprocessing of Lee et al. 2018 (Eq. 4): with ĉ the closest class of f(x), take a step against the
 * gradient of the Mahalanobis distance, x̂ = x − ε · sign(∇_x ½ (f(x) − μ_ĉ)ᵀ P (f(x) − μ_ĉ)) / scale, with the
 * authors' sign convention (a zero gradient counts as +1: `torch.ge(grad, 0)`), so in-distribution samples move closer
 * to their class more than OOD samples do. Returns x̂ (the caller owns it); score it with
 * {@link mahalanobisScoreWithPreprocessing} or `detector.score(features(x̂))`. No tape is left behind on error. A NaN or
 * ±Inf input or feature throws `NON_FINITE_INPUT`.
 */
export function mahalanobisPreprocess(options: MahalanobisPreprocessOptions): Tensor {
  const o = readOptions(options, 'options');
  if (!(o.detector instanceof MahalanobisDetector)) throw new LosskitError('INVALID_ARGUMENT', 'detector must be a MahalanobisDetector', { argument: 'detector', expected: 'MahalanobisDetector.fit(...)' });
  if (typeof o.features !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'features must be a function', { argument: 'features', expected: 'x => features [N, D]' });
  const n = checkBatch(o.x, 'x');
  checkFiniteTensor(o.x, 'x');
  const eps = checkParam('epsilon', o.epsilon, 'a number >= 0', (v) => v >= 0);
  const layer = o.layer ?? 0;
  const scale = o.inputScale ?? 1;
  const scales = typeof scale === 'number' ? [scale] : scale;
  if (!Array.isArray(scales) || scales.length === 0 || !scales.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'inputScale', expected: 'a number > 0 or an array of numbers > 0 (one per channel)', received: JSON.stringify(scale) });
  }
  if (scales.length > 1 && o.x.shape.at(-1) !== scales.length) throw new LosskitError('SHAPE_MISMATCH', 'one scale per input channel', { argument: 'inputScale', expected: `${o.x.shape.at(-1)} values (last axis of x)`, received: `${scales.length}` });
  return tf.tidy(() => {
    const det = o.detector;
    const f0 = o.features(o.x);
    if (!(f0 instanceof tf.Tensor) || f0.rank !== 2 || f0.shape[0] !== n) throw new LosskitError('SHAPE_MISMATCH', 'features(x) must return [N, D]', { argument: 'features', expected: `[${n}, D]`, received: f0 instanceof tf.Tensor ? formatShape(f0.shape) : typeof f0 });
    checkFiniteTensor(f0, 'features');
    const closest = tf.argMax(det.classScoreTensor(f0, layer), -1);
    const L = det.state.layers[layer]!;
    const mu = tf.gather(tf.tensor2d(L.means, [L.classes, L.dim]), closest);
    const p = tf.tensor2d(L.precision, [L.dim, L.dim]);
    const halfDistance = (x: Tensor) => {
      const diff = tf.sub(o.features(x), mu);
      return tf.mean(tf.mul(0.5, tf.sum(tf.mul(tf.matMul(diff, p), diff), -1))) as tf.Scalar;
    };
    const g = cleanTapeOnError(() => tf.grad(halfDistance)(o.x));
    const sign = tf.sub(tf.mul(tf.cast(tf.greaterEqual(g, 0), 'float32'), 2), 1);
    const step = scales.length === 1 ? tf.div(sign, scales[0]!) : tf.div(sign, tf.tensor1d(scales as number[]));
    return tf.sub(o.x, tf.mul(step, eps));
  });
}

/** {@link mahalanobisPreprocess}, then the detector's score of the preprocessed inputs `[N]` (float64). */
export function mahalanobisScoreWithPreprocessing(options: MahalanobisPreprocessOptions): number[] {
  const xh = mahalanobisPreprocess(options);
  try {
    const f = tf.tidy(() => options.features(xh));
    try {
      return options.detector.score(f, options.layer ?? 0);
    } finally {
      f.dispose();
    }
  } finally {
    xh.dispose();
  }
}

/** A fitted feature ensemble: score = Σ_ℓ w_ℓ M_ℓ(x) + b. */
export interface LayerEnsemble {
  readonly weights: number[];
  readonly bias: number;
}

/**
 * The feature ensemble of Lee et al. 2018 (§2.3): a logistic regression on the per-layer scores `[N][L]` that separates
 * validation in-distribution samples (label 1) from OOD ones (label 0), as the authors' `LogisticRegressionCV`;
 * here one L2 strength: minimize ½‖w‖² + C Σ_i log(1 + exp(−y_i (wᵀm_i + b))) (sklearn's `LogisticRegression`
 * objective; the intercept is not penalized) by Newton's method in float64. The authors choose C by cross-validation;
 * pass your own. Score new samples with {@link ensembleScore} (higher = more in-distribution).
 *
 * @example const ens = fitLayerEnsemble(valInScores, valOutScores); ensembleScore(testScores, ens);
 */
export function fitLayerEnsemble(inScores: readonly (readonly number[])[], outScores: readonly (readonly number[])[], options?: { C?: number; maxIterations?: number }): LayerEnsemble {
  const o = readOptions(options);
  const C = checkParam('C', o.C ?? 1, 'a number > 0', (v) => v > 0);
  const maxIterations = checkInteger('maxIterations', o.maxIterations ?? 100, 1);
  const a = readFeatures(inScores as number[][], 'inScores');
  const b = readFeatures(outScores as number[][], 'outScores');
  if (a.d !== b.d) throw new LosskitError('SHAPE_MISMATCH', 'the same layers for both sets', { argument: 'outScores', expected: `[M, ${a.d}]`, received: `[${b.n}, ${b.d}]` });
  const L = a.d;
  const rows = [...Array.from({ length: a.n }, (_, i) => ({ m: a.data.subarray(i * L, (i + 1) * L), y: 1 })), ...Array.from({ length: b.n }, (_, i) => ({ m: b.data.subarray(i * L, (i + 1) * L), y: -1 }))];
  const P = L + 1;
  let theta = new Float64Array(P);
  const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
  const objective = (t: Float64Array) => {
    let f = 0;
    for (let j = 0; j < L; j++) f += 0.5 * t[j]! ** 2;
    for (const r of rows) {
      let z = t[L]!;
      for (let j = 0; j < L; j++) z += t[j]! * r.m[j]!;
      f += C * softplus(-r.y * z);
    }
    return f;
  };
  let f = objective(theta);
  for (let it = 0; it < maxIterations; it++) {
    const g = new Float64Array(P);
    const h = new Float64Array(P * P);
    for (let j = 0; j < L; j++) {
      g[j] = theta[j]!;
      h[j * P + j] = 1;
    }
    h[L * P + L] = 1e-12;
    const x = new Float64Array(P);
    for (const r of rows) {
      x.set(r.m);
      x[L] = 1;
      let z = 0;
      for (let j = 0; j < P; j++) z += theta[j]! * x[j]!;
      // d/dz C·softplus(−y z) = −C y σ(−y z); second derivative C σ(z)(1 − σ(z)).
      const s = 1 / (1 + Math.exp(r.y * z));
      const w = C * (z > 0 ? Math.exp(-z) / (1 + Math.exp(-z)) ** 2 : Math.exp(z) / (1 + Math.exp(z)) ** 2);
      for (let j = 0; j < P; j++) {
        g[j]! += -C * r.y * s * x[j]!;
        for (let k = 0; k < P; k++) h[j * P + k]! += w * x[j]! * x[k]!;
      }
    }
    const step = solveSpd(h, g, P, 'hessian');
    let t = 1;
    let next = theta;
    let fn = f;
    for (let ls = 0; ls < 50; ls++) {
      next = Float64Array.from(theta, (v, j) => v - t * step[j]!);
      fn = objective(next);
      if (fn <= f) break;
      t /= 2;
    }
    const moved = Math.max(...Array.from(step, (v) => Math.abs(v * t)));
    theta = next;
    const done = f - fn <= 1e-12 * Math.max(1, Math.abs(f)) || moved < 1e-12;
    f = fn;
    if (done) break;
  }
  return { weights: Array.from(theta.subarray(0, L)), bias: theta[L]! };
}

/** Σ_ℓ w_ℓ M_ℓ + b per row of per-layer scores `[N][L]` (the ensemble's decision value; higher = more in-distribution). */
export function ensembleScore(scores: readonly (readonly number[])[], ensemble: LayerEnsemble): number[] {
  const m = readFeatures(scores as number[][], 'scores');
  if (!ensemble || !Array.isArray(ensemble.weights) || ensemble.weights.length !== m.d || !ensemble.weights.every(Number.isFinite) || !Number.isFinite(ensemble.bias)) {
    throw new LosskitError('INVALID_ARGUMENT', 'ensemble does not match the scores', { argument: 'ensemble', expected: `{ weights: ${m.d} finite numbers, bias }` });
  }
  return Array.from({ length: m.n }, (_, i) => ensemble.weights.reduce((s, w, j) => s + w * m.data[i * m.d + j]!, ensemble.bias));
}
