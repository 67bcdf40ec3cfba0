import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, assertFinite, defineEntry, formatIndex, formatShape, params, toTensor } from '@losskit/core';
import { rng } from '@losskit/core/math';

/** Caller-held feature queue of DR-Tune: downstream and pretrained features of recent samples, with their labels. */
export interface DrTuneQueue {
  /** Number of rows `K`. */
  readonly size: number;
  /** Feature width `D`. */
  readonly dim: number;
  /** Copies of the queue: downstream features `[K, D]`, pretrained features `[K, D]`, labels `[K]`. */
  rows(): { readonly down: number[][]; readonly pre: number[][]; readonly labels: number[] };
  /** Writes a batch at the queue pointer (wrapping around), as the authors' `_dequeue_and_enqueue`. */
  push(downFeatures: TensorLike, labels: TensorLike, pretrainedFeatures: TensorLike): void;
}

/** Options of {@link drTuneCalibrate}. */
export interface DrTuneCalibrationOptions {
  /** Apply the dataset-level rotation (the authors do it every 10th step, `iter % 10 == 0`). Default true. */
  readonly rotate?: boolean;
}

/** Result of {@link drTuneCalibrate}: the calibrated pretrained features and their labels (no gradient). */
export interface DrTuneCalibration {
  readonly features: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
}

function readMatrix(x: TensorLike, name: string, cols?: number): { v: Float64Array; rows: number; cols: number } {
  const c = toTensor(x, name);
  try {
    const shape = c.tensor.shape;
    if (shape.length !== 2 || shape[0] === 0 || shape[1] === 0 || (cols !== undefined && shape[1] !== cols)) {
      throw new LosskitError('SHAPE_MISMATCH', 'bad feature matrix', { argument: name, expected: `shape [N, ${cols ?? 'D'}] with N ≥ 1`, received: formatShape(shape) });
    }
    const v = Float64Array.from(c.host ?? c.tensor.dataSync());
    assertFinite(v, name, shape);
    return { v, rows: shape[0]!, cols: shape[1]! };
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}

/**
 * Creates DR-Tune's feature queue: `size` rows of downstream features, pretrained features (both initialized uniformly
 * in `[0, 1)` from a seeded generator, as the authors' `torch.rand`) and labels (0; the authors use 1, which only
 * matters before the warm-up pass fills the queue: push the pretrained features of the training set first).
 */
export function drTuneQueue(options: { readonly size: number; readonly dim: number; readonly seed?: number }): DrTuneQueue {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', expected: '{ size, dim, seed? }', received: String(options) });
  const size = params.positiveInteger('size', options.size);
  const dim = params.positiveInteger('dim', options.dim);
  const u = rng(params.finite('seed', options.seed ?? 0));
  const down = new Float64Array(size * dim).map(() => Math.fround(u()));
  const pre = new Float64Array(size * dim).map(() => Math.fround(u()));
  const labels = new Int32Array(size);
  let ptr = 0;
  const grid = (a: Float64Array) => Array.from({ length: size }, (_, k) => Array.from(a.subarray(k * dim, (k + 1) * dim)));
  return {
    size,
    dim,
    rows: () => ({ down: grid(down), pre: grid(pre), labels: Array.from(labels) }),
    push(downFeatures, batchLabels, pretrainedFeatures) {
      const d = readMatrix(downFeatures, 'downFeatures', dim);
      const p = readMatrix(pretrainedFeatures, 'pretrainedFeatures', dim);
      if (p.rows !== d.rows) throw new LosskitError('SHAPE_MISMATCH', 'one pretrained feature row per downstream row', { argument: 'pretrainedFeatures', expected: `shape [${d.rows}, ${dim}]`, received: `[${p.rows}, ${dim}]` });
      const lc = toTensor(batchLabels, 'labels');
      let lv: ArrayLike<number>;
      try {
        if (lc.tensor.rank !== 1 || lc.tensor.shape[0] !== d.rows) throw new LosskitError('SHAPE_MISMATCH', 'one label per row', { argument: 'labels', expected: `shape [${d.rows}]`, received: formatShape(lc.tensor.shape) });
        lv = Float64Array.from(lc.host ?? lc.tensor.dataSync());
      } finally {
        if (lc.owned) lc.tensor.dispose();
      }
      for (let i = 0; i < lv.length; i++) {
        if (!Number.isInteger(lv[i]) || lv[i]! < 0) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be non-negative integers', { argument: 'labels', expected: 'integers ≥ 0', received: `${lv[i]} at ${formatIndex(i, [lv.length])}` });
      }
      for (let i = 0; i < d.rows; i++) {
        const k = (ptr + i) % size;
        down.set(d.v.subarray(i * dim, (i + 1) * dim).map(Math.fround), k * dim);
        pre.set(p.v.subarray(i * dim, (i + 1) * dim).map(Math.fround), k * dim);
        labels[k] = lv[i]!;
      }
      ptr = (ptr + d.rows) % size;
    },
  };
}

/** Rows of `a` (`n × d`) scaled to unit length, `x / max(‖x‖, 1e-12)` (torch's `F.normalize`). */
function normalizeRows(a: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[i * d + j]! ** 2;
    const nrm = Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < d; j++) out[i * d + j] = a[i * d + j]! / nrm;
  }
  return out;
}

/** Determinant of a `d × d` matrix by Gaussian elimination with partial pivoting. */
function det(m: Float64Array, d: number): number {
  const a = Float64Array.from(m);
  let s = 1;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r * d + c]!) > Math.abs(a[p * d + c]!)) p = r;
    if (a[p * d + c] === 0) return 0;
    if (p !== c) {
      for (let j = 0; j < d; j++) [a[c * d + j], a[p * d + j]] = [a[p * d + j]!, a[c * d + j]!];
      s = -s;
    }
    s *= a[c * d + c]!;
    for (let r = c + 1; r < d; r++) {
      const f = a[r * d + c]! / a[c * d + c]!;
      for (let j = c; j < d; j++) a[r * d + j]! -= f * a[c * d + j]!;
    }
  }
  return s;
}

/**
 * SVD of a square `d × d` matrix by one-sided Jacobi (Hestenes) in float64: `S = U diag(σ) Vᵀ`, singular values in
 * descending order (as torch.linalg.svd). Columns of U for zero singular values are completed by Gram-Schmidt.
 */
function svdSquare(s: Float64Array, d: number): { U: Float64Array; sigma: Float64Array; V: Float64Array } {
  const A = Float64Array.from(s);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < d; i++) {
          const ap = A[i * d + p]!;
          const aq = A[i * d + q]!;
          alpha += ap * ap;
          beta += aq * aq;
          gamma += ap * aq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (const M of [A, V]) {
          for (let i = 0; i < d; i++) {
            const mp = M[i * d + p]!;
            const mq = M[i * d + q]!;
            M[i * d + p] = c * mp - sn * mq;
            M[i * d + q] = sn * mp + c * mq;
          }
        }
      }
    }
    if (off <= 1e-15) break;
  }
  const norms = Array.from({ length: d }, (_, j) => Math.sqrt(Array.from({ length: d }, (_, i) => A[i * d + j]! ** 2).reduce((a, b) => a + b, 0)));
  const order = norms.map((_, j) => j).sort((a, b) => norms[b]! - norms[a]!);
  const U = new Float64Array(d * d);
  const Vs = new Float64Array(d * d);
  const sigma = new Float64Array(d);
  const tol = (norms[order[0]!] ?? 0) * d * 1e-14;
  const done: number[] = [];
  order.forEach((j, k) => {
    sigma[k] = norms[j]!;
    for (let i = 0; i < d; i++) Vs[i * d + k] = V[i * d + j]!;
    if (norms[j]! > tol) {
      for (let i = 0; i < d; i++) U[i * d + k] = A[i * d + j]! / norms[j]!;
      done.push(k);
    }
  });
  // Complete U with an orthonormal basis of the rest (Gram-Schmidt over the standard basis).
  for (let k = 0, e = 0; k < d; k++) {
    if (done.includes(k)) continue;
    for (; e < d; e++) {
      const v = Float64Array.from({ length: d }, (_, i) => (i === e ? 1 : 0));
      for (const j of done) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += U[i * d + j]! * v[i]!;
        for (let i = 0; i < d; i++) v[i]! -= dot * U[i * d + j]!;
      }
      const n = Math.hypot(...v);
      if (n > 1e-8) {
        for (let i = 0; i < d; i++) U[i * d + k] = v[i]! / n;
        done.push(k);
        e++;
        break;
      }
    }
  }
  return { U, sigma, V: Vs };
}

/**
 * The dataset-level rotation of DR-Tune (`rot_align`): with `X`, `Y` (`n × d` rows) centred, `S = X_cᵀ Y_c`,
 * `S = U Σ Vᵀ`, the last column of `V` multiplied by `det(V Uᵀ)` and `R = V Uᵀ` (Kabsch), returns the rows `R x_c`.
 * (The authors' translation `t = mean(Y_c − R X_c)` is 0 because both sides are centred.)
 */
function rotAlign(X: Float64Array, Y: Float64Array, n: number, d: number): Float64Array {
  const xm = new Float64Array(d);
  const ym = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    xm[j]! += X[i * d + j]! / n;
    ym[j]! += Y[i * d + j]! / n;
  }
  const Xc = X.map((v, k) => v - xm[k % d]!);
  const Yc = Y.map((v, k) => v - ym[k % d]!);
  const S = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) {
    const x = Xc[i * d + a]!;
    if (x === 0) continue;
    for (let b = 0; b < d; b++) S[a * d + b]! += x * Yc[i * d + b]!;
  }
  const { U, V } = svdSquare(S, d);
  const R = new Float64Array(d * d);
  const mul = (Vm: Float64Array) => {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += Vm[a * d + k]! * U[b * d + k]!;
      R[a * d + b] = s;
    }
  };
  mul(V);
  const sgn = det(R, d) < 0 ? -1 : 1;
  if (sgn < 0) {
    for (let a = 0; a < d; a++) V[a * d + d - 1]! *= -1;
    mul(V);
  }
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) {
    let s = 0;
    for (let b = 0; b < d; b++) s += R[a * d + b]! * Xc[i * d + b]!;
    out[i * d + a] = s;
  }
  return out;
}

/**
 * DR-Tune's semantic calibration of the pretrained feature distribution, computed on the host in float64 without
 * gradient (the authors' `semantic_calibration` under `torch.no_grad()`). With the queue's pretrained features `P`
 * and downstream features `Z` (rows normalized), `P ← rotAlign(P, Z)` (dataset-level Kabsch rotation, when `rotate`);
 * then per class c: `P_c ← P_c + (Σ_k w_k Z_ck − mean P_c)` with `w = softmax_k(Z_ck · W_c/‖W_c‖)` (the classifier's
 * prototype weighs the downstream centre); finally every row is normalized and scaled by the batch's mean feature
 * norm `mean_b ‖z_b‖`. DR-Tune's distribution regularization is then the classification head's cross-entropy on
 * these features: train on `CE(head([z; P̃]), [y; y_queue])` (`compile(ce())` on the concatenated logits), then
 * `push` the batch's downstream features, labels and frozen-encoder features.
 *
 * Shapes: `downFeatures` `[B, D]` (this batch), `headWeight` `[C, D]` (a torch `Linear` weight; transpose a
 * tfjs-layers kernel `[D, C]`) → `{ features: [K, D], labels: [K] }` (int32). The rotation costs an SVD of a
 * `D × D` matrix (one-sided Jacobi, `O(D³)` per sweep): fine for D up to a few hundred, use `rotate: false`
 * between the authors' every-10th-step rotations. A class with no queued rows is left out of the translation.
 *
 * Checked against the authors' code (weeknan/DR-Tune `model.py`, commit d8016e6: `semantic_calibration`,
 * `rot_align`, `_dequeue_and_enqueue`) with float64 references in the tests (the closed-form 2-D rotation
 * `θ = atan2(S₁₂ − S₂₁, S₁₁ + S₂₂)`, exact recovery of a rotated point cloud, the class translation). One deliberate
 * difference: a class with a single queued row (`torch.nonzero(...).squeeze()` then gives a 0-d index and the
 * authors' `mean(dim=0)` averages over the feature axis) is translated as a one-row class here.
 *
 * @example const cal = drTuneCalibrate(queue, z, headWeight); // then CE on [z; cal.features] with [y; cal.labels]
 * @see Zhou, Chen, Huang, "DR-Tune: Improving Fine-tuning of Pretrained Visual Models by
 *   Distribution Regularization with Semantic Calibration", ICCV 2023 (arXiv:2308.12058).
 */
export function drTuneCalibrate(queue: DrTuneQueue, downFeatures: TensorLike, headWeight: TensorLike, options: DrTuneCalibrationOptions = {}): DrTuneCalibration {
  if (queue === null || typeof queue !== 'object' || typeof queue.rows !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'not a DR-Tune queue', { argument: 'queue', expected: 'the object returned by drTuneQueue({ size, dim })', received: queue === null ? 'null' : typeof queue });
  }
  const rotate = options.rotate ?? true;
  if (typeof rotate !== 'boolean') throw new LosskitError('INVALID_PARAMETER', 'must be a boolean', { argument: 'rotate', expected: 'true or false', received: String(rotate) });
  const D = queue.dim;
  const K = queue.size;
  const z = readMatrix(downFeatures, 'downFeatures', D);
  const w = readMatrix(headWeight, 'headWeight', D);
  const C = w.rows;
  const q = queue.rows();
  q.labels.forEach((l, k) => {
    if (l >= C) throw new LosskitError('LABEL_OUT_OF_RANGE', 'a queued label has no row in the classifier', { argument: 'queue labels', expected: `integers in [0, ${C})`, received: `${l} at ${formatIndex(k, [K])}` });
  });
  let l2 = 0;
  for (let b = 0; b < z.rows; b++) l2 += Math.hypot(...z.v.subarray(b * D, (b + 1) * D)) / z.rows;
  let P = normalizeRows(Float64Array.from(q.pre.flat()), K, D);
  const Z = normalizeRows(Float64Array.from(q.down.flat()), K, D);
  if (rotate) P = rotAlign(P, Z, K, D);
  for (let c = 0; c < C; c++) {
    const idx = q.labels.flatMap((l, k) => (l === c ? [k] : []));
    if (idx.length === 0) continue;
    const proto = normalizeRows(w.v.subarray(c * D, (c + 1) * D), 1, D);
    const s = idx.map((k) => proto.reduce((a, x, j) => a + x * Z[k * D + j]!, 0));
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const Zs = e.reduce((a, x) => a + x, 0);
    const shift = new Float64Array(D);
    idx.forEach((k, i) => {
      for (let j = 0; j < D; j++) shift[j]! += (e[i]! / Zs) * Z[k * D + j]! - P[k * D + j]! / idx.length;
    });
    for (const k of idx) for (let j = 0; j < D; j++) P[k * D + j]! += shift[j]!;
  }
  const out = normalizeRows(P, K, D).map((x) => x * l2);
  return { features: tf.tensor2d(Float32Array.from(out), [K, D]), labels: tf.tensor1d(Int32Array.from(q.labels), 'int32') };
}

export const drTuneEntry = defineEntry({
  id: 'dr-tune',
  name: 'DR-Tune (distribution regularization with semantic calibration)',
  package: '@losskit/losses',
  export: 'drTuneCalibrate',
  category: 'fine-tuning',
  summary: 'Regularizes fine-tuning by also classifying a queue of frozen pretrained features, first rotated and class-wise translated onto the downstream feature distribution.',
  formula:
    '\\mathcal{L} = \\mathrm{CE}\\big(h([z; \\tilde P]), [y; y_Q]\\big),\\ \\tilde P_c = \\ell\\,\\mathrm{norm}\\big(R P_c + \\textstyle\\sum_k w_k Z_{ck} - \\overline{R P_c}\\big),\\ w = \\mathrm{softmax}(Z_c\\, W_c/\\lVert W_c\\rVert)',
  inputs: 'downstream features z [B, D], classifier weight [C, D], a caller-held queue of K downstream / pretrained features and labels → calibrated features [K, D] and labels [K] for cross-entropy',
  params: [{ name: 'rotate', default: true, description: 'apply the dataset-level Kabsch rotation (the authors: every 10th step)' }],
  paper: {
    title: 'DR-Tune: Improving Fine-tuning of Pretrained Visual Models by Distribution Regularization with Semantic Calibration',
    authors: 'Nan Zhou, Jiaxin Chen, Di Huang',
    year: 2023,
    url: 'arXiv:2308.12058',
  },
  example:
    "import * as tf from '@tensorflow/tfjs-core';\nimport { ce, compile } from '@losskit/core';\nimport { drTuneCalibrate, drTuneQueue } from '@losskit/losses';\nconst queue = drTuneQueue({ size: 4, dim: 2 });\nqueue.push([[1, 0.2], [0.1, 1], [0.9, -0.1], [0, 0.8]], [0, 1, 0, 1], [[0.8, 0.5], [0.3, 0.9], [1, 0.1], [-0.2, 1]]);\nconst z = tf.tensor2d([[0.7, 0.1], [0.2, 0.9]]);\nconst head = tf.tensor2d([[1, 0], [0, 1]]);\nconst cal = drTuneCalibrate(queue, z, head);\nconst logits = tf.matMul(tf.concat([z, cal.features]), head, false, true);\nconst loss = compile(ce())(tf.concat([tf.tensor1d([0, 1], 'int32'), cal.labels]), logits);",
});
