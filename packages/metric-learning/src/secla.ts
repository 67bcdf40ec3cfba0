import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape, oneHotRows, params, toTensor } from '@losskit/core';
import { optionsOf } from './internal.js';

/** Which slots of a padded set are real: 0/1 (or boolean) values, 1 = real. */
export interface SeclaMasks {
  /** `[B, P]`: 1 where `faces[a, p]` is a real face. Default: every slot is real. */
  readonly faceMask?: TensorLike;
  /** `[B, Q]`: 1 where `names[a, q]` is a real name. Default: every slot is real. */
  readonly nameMask?: TensorLike;
}

/** Options of {@link seclaLoss}. */
export interface SeclaOptions extends SeclaMasks {
  /** Weight α ≥ 0 of the agreement term. Default 0.15 (the authors' LFW training script). */
  readonly alpha?: number;
  /**
   * `'diag'` (default, the authors' `agree_type=diag`): `(1/B) Σ_a (S_nf[a,a] − S_fn[a,a])²`;
   * `'full'`: `(1/B²) Σ_{a,b} (S_nf[a,b] − S_fn[b,a])²`.
   */
  readonly agreement?: 'diag' | 'full';
}

/** The two `[B, B]` score matrices of SECLA (see {@link seclaScores}); the caller disposes them. */
export interface SeclaScores {
  /** `S_nf[a, b]`: names of caption a matched to the faces of image b. */
  readonly nameToFace: Tensor2D;
  /** `S_fn[a, b]`: faces of image a matched to the names of caption b. */
  readonly faceToName: Tensor2D;
}

// Written into masked-out slots before the max: the most negative finite float32, so a padded slot
// never wins against a real one and the selected entry (hence the gradient) is always a real slot.
const MASKED = -3.4028234663852886e38;

interface Prepared {
  readonly faces: Tensor;
  readonly names: Tensor;
  readonly faceMask: Tensor;
  readonly nameMask: Tensor;
  readonly faceCount: Tensor;
  readonly nameCount: Tensor;
}

function checkFinite(t: Tensor, host: Float64Array | undefined, name: string): void {
  const values: ArrayLike<number> | undefined = host ?? (tf.all(tf.isFinite(t)).dataSync()[0] ? undefined : t.dataSync());
  if (!values) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      const idx: number[] = [];
      let r = i;
      for (let d = t.shape.length - 1; d >= 0; d--) {
        idx.unshift(r % t.shape[d]!);
        r = Math.floor(r / t.shape[d]!);
      }
      throw new LosskitError('NON_FINITE_INPUT', 'contains a non-finite value', {
        argument: name,
        expected: 'finite numbers',
        received: `${values[i]} at index ${formatShape(idx)}`,
      });
    }
  }
}

/** Validates a `[B, S]` 0/1 mask with at least one 1 per row; returns it as float32 and the row counts `[B, 1]`. */
function prepareMask(mask: TensorLike | undefined, B: number, S: number, name: string, what: string): { mask: Tensor; count: Tensor } {
  if (mask === undefined) return { mask: tf.ones([B, S]), count: tf.fill([B, 1], S) };
  const m = toTensor(mask, name);
  const shape = m.tensor.shape;
  if (shape.length !== 2 || shape[0] !== B || shape[1] !== S) {
    throw new LosskitError('SHAPE_MISMATCH', 'mask shape does not match its embeddings', {
      argument: name,
      expected: `shape ${formatShape([B, S])}`,
      received: formatShape(shape),
    });
  }
  const v = m.host ?? m.tensor.dataSync();
  const counts = new Float32Array(B);
  for (let a = 0; a < B; a++) {
    let real = 0;
    for (let s = 0; s < S; s++) {
      const x = v[a * S + s]!;
      if (x !== 0 && x !== 1) {
        throw new LosskitError('INVALID_ARGUMENT', 'mask values must be 0 or 1', {
          argument: name,
          expected: '0/1 (or boolean) values',
          received: `${x} at index ${formatShape([a, s])}`,
        });
      }
      real += x;
    }
    counts[a] = real;
    if (real === 0) {
      throw new LosskitError('INVALID_ARGUMENT', `sample ${a} has no real ${what}`, {
        argument: name,
        expected: `at least one 1 per row (every sample needs a real ${what})`,
        received: `row ${a} all 0`,
      });
    }
  }
  return { mask: m.tensor, count: tf.tensor2d(counts, [B, 1]) };
}

function embeddingsOf(x: TensorLike, name: string, slots: string): { tensor: Tensor; host: Float64Array | undefined } {
  const c = toTensor(x, name);
  const shape = c.tensor.shape;
  if (shape.length !== 3) {
    throw new LosskitError('RANK_MISMATCH', 'expected a rank-3 tensor of padded sets', {
      argument: name,
      expected: `rank 3 [B, ${slots}, D]`,
      received: `rank ${shape.length} ${formatShape(shape)}`,
    });
  }
  if (shape[0] === 0) {
    throw new LosskitError('EMPTY_BATCH', 'the batch is empty', { argument: name, expected: `[B, ${slots}, D] with B >= 1`, received: formatShape(shape) });
  }
  if (shape[1] === 0 || shape[2] === 0) {
    throw new LosskitError('SHAPE_MISMATCH', 'every sample needs at least one slot and D >= 1', {
      argument: name,
      expected: `[B, ${slots}, D] with ${slots} >= 1, D >= 1`,
      received: formatShape(shape),
    });
  }
  return { tensor: c.tensor, host: c.host };
}

/** Boundary validation (runs inside the caller's tf.tidy, so converted tensors are freed). */
function prepare(faces: TensorLike, names: TensorLike, options: SeclaMasks): Prepared {
  const f = embeddingsOf(faces, 'faces', 'P');
  const n = embeddingsOf(names, 'names', 'Q');
  const [B, P, D] = f.tensor.shape as [number, number, number];
  const [Bn, Q, Dn] = n.tensor.shape as [number, number, number];
  if (Bn !== B || Dn !== D) {
    throw new LosskitError('SHAPE_MISMATCH', 'names must have the batch size and embedding size of faces', {
      argument: 'names',
      expected: `shape [${B}, Q, ${D}]`,
      received: formatShape(n.tensor.shape),
    });
  }
  checkFinite(f.tensor, f.host, 'faces');
  checkFinite(n.tensor, n.host, 'names');
  const fm = prepareMask(options.faceMask, B, P, 'faceMask', 'face');
  const nm = prepareMask(options.nameMask, B, Q, 'nameMask', 'name');
  return { faces: f.tensor, names: n.tensor, faceMask: fm.mask, nameMask: nm.mask, faceCount: fm.count, nameCount: nm.count };
}

/** A 0/1 float `mask` broadcast to `shape` as a boolean (a float add is far cheaper than `tf.broadcastTo` on bool in tfjs-wasm). */
const spread = (mask: Tensor, shape: number[]): Tensor => tf.greater(tf.add(tf.zeros(shape), mask), 0.5);

/**
 * `S[a, b] = (1/|X_a|) Σ_{i∈X_a} max_{j∈Y_b} g[a, i, b, j]` from the dot products
 * `g [B, I, B, J] = ⟨x[a,i], y[b,j]⟩`, 0/1 float masks `xMask [B, I]`, `yMask [B, J]` and real counts
 * `xCount [B, 1]`. The max is `Σ_j 1[j = argmax] z_j`, so its gradient reaches exactly one real slot
 * (the first at a tie, like torch's `max(dim)`), and padded slots receive exactly zero gradient.
 */
function setScores(g: Tensor, xMask: Tensor, yMask: Tensor, xCount: Tensor): Tensor2D {
  const [B, I, , J] = g.shape as [number, number, number, number];
  const z = tf.where(spread(tf.reshape(yMask, [1, 1, B, J]), g.shape), g, tf.fill(g.shape, MASKED));
  // core's one-hot rows (float32; tf.oneHot needs depth >= 2 and writes int bits as float32 on tfjs-wasm 4.22)
  const pick = tf.reshape(oneHotRows(tf.reshape(tf.argMax(z, -1), [-1]), J), g.shape);
  const maxes = tf.sum(tf.mul(pick, z), -1); // [B, I, B]
  const kept = tf.where(spread(tf.reshape(xMask, [B, I, 1]), [B, I, B]), maxes, tf.zeros([B, I, B]));
  return tf.div(tf.sum(kept, 1), xCount) as Tensor2D;
}

function scoresOf(p: Prepared): { nf: Tensor2D; fn: Tensor2D } {
  const [B, P, D] = p.faces.shape as [number, number, number];
  const Q = p.names.shape[1]!;
  // g[a, q, b, p] = ⟨N[a,q], F[b,p]⟩; the face→name products are the same numbers, transposed.
  const g = tf.reshape(tf.matMul(tf.reshape(p.names, [B * Q, D]), tf.reshape(p.faces, [B * P, D]), false, true), [B, Q, B, P]);
  return {
    nf: setScores(g, p.nameMask, p.faceMask, p.nameCount),
    fn: setScores(tf.transpose(g, [2, 3, 0, 1]), p.faceMask, p.nameMask, p.faceCount),
  };
}

const diagonal = (s: Tensor): Tensor => tf.sum(tf.mul(s, tf.eye(s.shape[0]!)), 1);

/** Softmax cross-entropy of each row of `s [B, B]` with the diagonal as target, averaged: `(1/B) Σ_a [lse_b s[a,b] − s[a,a]]`. */
const diagonalCrossEntropy = (s: Tensor): Tensor => tf.mean(tf.sub(tf.logSumExp(s, 1), diagonal(s)));

/**
 * SECLA's set-to-set scores between the faces of each image and the names of each caption
 * (Qu, Tuytelaars, Moens 2023, "Weakly Supervised Face Naming with Symmetry-Enhanced Contrastive
 * Loss", WACV, arXiv:2210.08957), on raw dot products (no normalization, no temperature):
 *
 * - name→face `S_nf[a, b] = (1/|Q_a|) Σ_{q∈Q_a} max_{p∈P_b} ⟨N[a,q], F[b,p]⟩`
 * - face→name `S_fn[a, b] = (1/|P_a|) Σ_{p∈P_a} max_{q∈Q_b} ⟨F[a,p], N[b,q]⟩`
 *
 * where `P_a`, `Q_a` are the real face / name slots of sample a (from the masks; default all).
 * Use them for retrieval or to inspect a batch (row a ranks the images b for caption a, etc.).
 *
 * Shapes: `faces [B, P, D]`, `names [B, Q, D]`, optional 0/1 `faceMask [B, P]`, `nameMask [B, Q]`
 * → `{ nameToFace: [B, B], faceToName: [B, B] }`; the caller disposes both. Differentiable (see
 * {@link seclaLoss}); validation as in {@link seclaLoss}.
 *
 * @example
 * const { nameToFace, faceToName } = seclaScores(faces, names, { faceMask, nameMask });
 * const best = tf.argMax(nameToFace, 1); // image that best matches each caption
 */
export function seclaScores(faces: TensorLike, names: TensorLike, options: SeclaMasks = {}): SeclaScores {
  options = optionsOf(options);
  return tf.tidy(() => {
    const { nf, fn } = scoresOf(prepare(faces, names, options));
    return { nameToFace: nf, faceToName: fn };
  });
}

/**
 * SECLA, the symmetry-enhanced contrastive loss for weakly supervised face naming (Tingyu Qu,
 * Tinne Tuytelaars, Marie-Francine Moens 2023, "Weakly Supervised Face Naming with Symmetry-Enhanced
 * Contrastive Loss", WACV 2023, arXiv:2210.08957). A batch holds B image-caption pairs; image a has
 * faces `F[a, p]` and caption a has names `N[a, q]` (padded sets with masks). With the scores of
 * {@link seclaScores} (raw dot products, no normalization, no temperature):
 *
 * - `L_nf = (1/B) Σ_a [ −S_nf[a,a] + log Σ_b exp S_nf[a,b] ]` (cross-entropy, target = the own pair; log-sum-exp)
 * - `L_fn` the same with `S_fn`
 * - agreement `'diag'` (default): `L_agree = (1/B) Σ_a (S_nf[a,a] − S_fn[a,a])²`;
 *   `'full'`: `L_agree = (1/B²) Σ_{a,b} (S_nf[a,b] − S_fn[b,a])²`
 * - `L = L_nf + L_fn + α · L_agree`, α = 0.15 by default.
 *
 * Pinned from the authors' code (github.com/tingyu215/SECLA, `models/unsup_frag.py`, `BatchSoftmax`
 * with `direction='agree'`, `max_type='normal'`; their LFW script uses `alpha=0.15`, `agree_type=diag`).
 * Differences, on purpose:
 * - their code divides by the padded slot counts Q and P and lets padded slots take part in the max;
 *   here masks select the real slots and the sums are divided by the real counts `|Q_a|`, `|P_a|`
 *   (identical when nothing is padded);
 * - their agreement term divides *both* score matrices by the name count Q (so its face→name
 *   scores differ from the ones in `L_fn` when P ≠ Q); here `L_agree` uses the same `S_fn` as `L_fn`;
 * - SECLA-B's second (bootstrapping) training stage is not included.
 *
 * Details: the max picks one slot (the first at a tie, like torch's `max(dim)`), so the gradient is a
 * valid subgradient at ties and padded slots get exactly zero gradient. B = 1 is allowed
 * (`L_nf = L_fn = 0`, only the agreement term remains). Identical embeddings everywhere give all
 * scores equal, `L_nf = L_fn = log B`; zero vectors give scores 0 and the same value.
 *
 * Shapes: `faces [B, P, D]`, `names [B, Q, D]` (tensors, nested arrays or TypedArrays), optional
 * `faceMask [B, P]`, `nameMask [B, Q]` with 0/1 values → scalar. Works under `tf.grad`,
 * `tf.valueAndGrad` and `tf.variableGrads` with respect to faces and names; leaks no tensors. Cost:
 * one `[B·Q, D] × [D, B·P]` product (B²·P·Q·D) plus `[B, Q, B, P]` elementwise work; validation reads
 * back one boolean per tensor input and the (small) masks on every call.
 *
 * Errors (`LosskitError`): `RANK_MISMATCH` (faces/names not rank 3), `SHAPE_MISMATCH` (batch or D
 * mismatch, mask shape, an empty slot axis), `EMPTY_BATCH` (B = 0), `INVALID_ARGUMENT` (mask not 0/1,
 * a sample without a real face or name, unknown agreement), `NON_FINITE_INPUT` (NaN/Inf anywhere in
 * faces or names, padding included), `INVALID_PARAMETER` (alpha < 0 or not finite).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ready } from '@losskit/core';
 * import { seclaLoss } from '@losskit/metric-learning';
 * await ready();
 * const faces = tf.variable(tf.randomNormal([8, 4, 32])); // up to 4 face slots per image
 * const names = tf.variable(tf.randomNormal([8, 3, 32])); // up to 3 name slots per caption
 * const faceMask = tf.concat([tf.ones([8, 2]), tf.zeros([8, 2])], 1); // 2 real faces per image
 * const { value, grads } = tf.variableGrads(() => seclaLoss(faces, names, { faceMask }));
 */
export function seclaLoss(faces: TensorLike, names: TensorLike, options: SeclaOptions = {}): Scalar {
  options = optionsOf(options);
  const alpha = params.nonNegative('alpha', options.alpha ?? 0.15);
  const agreement = options.agreement ?? 'diag';
  if (agreement !== 'diag' && agreement !== 'full') {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown agreement', { argument: 'agreement', expected: "'diag' or 'full'", received: String(agreement) });
  }
  return tf.tidy(() => {
    const { nf, fn } = scoresOf(prepare(faces, names, options));
    const lNf = diagonalCrossEntropy(nf);
    const lFn = diagonalCrossEntropy(fn);
    const gap = agreement === 'diag' ? tf.sub(diagonal(nf), diagonal(fn)) : tf.sub(nf, tf.transpose(fn));
    const lAgree = tf.mean(tf.square(gap));
    return tf.add(tf.add(lNf, lFn), tf.mul(lAgree, alpha)) as Scalar;
  });
}
