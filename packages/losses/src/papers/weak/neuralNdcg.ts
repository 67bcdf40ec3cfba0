import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, neuralSortTensor, node, params } from '@losskit/core';

/** allRank's floor on the Sinkhorn row and column sums (`DEFAULT_EPS`). */
const SINKHORN_FLOOR = 1e-10;

/**
 * Largest `B·n²` (entries of the `[B, n, n]` soft permutation) one call accepts. The forward and backward
 * passes hold about a dozen `[B, n, n]` float32 tensors at once (NeuralSort and its gradient); 2^24 entries
 * keep that near 1 GB, under the WASM backend's 4 GB heap with room for the caller's own tensors.
 */
const NEURAL_NDCG_MAX_ENTRIES = 2 ** 24;

/**
 * `w = Ŝ g`, `Ŝ = sinkhorn(M)`: `iterations` rounds of column then row normalisation of `M` `[B, n, n]` (sums
 * floored at 1e-10, as allRank's `sinkhorn_scaling`), applied to `g` `[B, n]` → `[B, n]`.
 *
 * Every round only rescales rows and columns, so `Ŝ = diag(u) M diag(v)` and the scaling vectors suffice:
 * column step `v ← v / max(v ⊙ Mᵀu, ε)`, row step `u ← u / max(u ⊙ M v, ε)`, output `u ⊙ M (v ⊙ g)`. Each
 * round is two batched mat-vecs and no `[B, n, n]` temporary. Autodiff through the unrolled rounds would keep
 * one `[B, n, n]` gradient per round alive until the backward pass ends (50 rounds at [29, 268]: > 2 GB, which
 * aborted the WASM runtime); the closed-form reverse pass below walks the rounds backwards with mat-vecs and
 * collects `∂/∂M = Σ_k a_k b_kᵀ` as one `[B, n, 2K+1] × [B, 2K+1, n]` product.
 *
 * Reverse pass of a column step `v' = v / max(c, ε)`, `c = v ⊙ s`, `s = Mᵀu` (with `m = [c > ε]`):
 * `v̄ ← v̄'(1 − m)/ε`, `s̄ = −v̄' v'² m`, `ū += M s̄`, `M̄ += u s̄ᵀ`; of a row step `u' = u / max(r, ε)`,
 * `r = u ⊙ t`, `t = M v'`: `ū ← ū'(1 − m)/ε`, `t̄ = −ū' u'² m`, `v̄' += Mᵀ t̄`, `M̄ += t̄ v'ᵀ`.
 */
function sinkhornApply(m: Tensor3D, g: Tensor2D, iterations: number): Tensor2D {
  // Batched mat-vecs `M x` and `Mᵀ x` for x `[B, n, 1]` (no `[B, n, n]` temporary).
  const mv = (mat: Tensor, x: Tensor) => tf.matMul(mat, x);
  const mtv = (mat: Tensor, x: Tensor) => tf.matMul(mat, x, true, false);
  const f = tf.customGrad(((mIn: Tensor3D, gIn: Tensor2D, save: (ts: Tensor[]) => void) => {
    const [B, n] = gIn.shape;
    const g3 = tf.reshape(gIn, [B, n, 1]);
    // u_0..u_K, v_0..v_K and the unclamped masks of every round, saved one [B, n, 1] vector each.
    const us: Tensor[] = [tf.ones([B, n, 1])];
    const vs: Tensor[] = [tf.ones([B, n, 1])];
    const colOk: Tensor[] = [];
    const rowOk: Tensor[] = [];
    for (let k = 0; k < iterations; k++) {
      const [v, cm] = tf.tidy(() => {
        const c = tf.mul(vs[k]!, mtv(mIn, us[k]!));
        return [tf.div(vs[k]!, tf.maximum(c, SINKHORN_FLOOR)), tf.cast(tf.greater(c, SINKHORN_FLOOR), 'float32')];
      });
      const [u, rm] = tf.tidy(() => {
        const r = tf.mul(us[k]!, mv(mIn, v!));
        return [tf.div(us[k]!, tf.maximum(r, SINKHORN_FLOOR)), tf.cast(tf.greater(r, SINKHORN_FLOOR), 'float32')];
      });
      vs.push(v!);
      colOk.push(cm!);
      us.push(u!);
      rowOk.push(rm!);
    }
    const value = tf.tidy(() => tf.reshape(tf.mul(us[iterations]!, mv(mIn, tf.mul(vs[iterations]!, g3))), [B, n]));
    save([mIn, gIn, ...us, ...vs, ...colOk, ...rowOk]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const K = iterations;
        const ms = saved[0] as Tensor3D;
        const gs = saved[1]!;
        const U = (k: number) => saved[2 + k]!;
        const V = (k: number) => saved[3 + K + k]!;
        const colM = (k: number) => saved[4 + 2 * K + k]!;
        const rowM = (k: number) => saved[4 + 3 * K + k]!;
        const gg = tf.reshape(gs, [B, n, 1]);
        const dy3 = tf.reshape(dy, [B, n, 1]);
        const h = tf.mul(V(K), gg);
        const mBar = tf.mul(dy3, U(K)); // m̄ for m = M h
        let ub: Tensor = tf.mul(dy3, mv(ms, h)); // ū_K
        const mtMBar = mtv(ms, mBar);
        let vb: Tensor = tf.mul(mtMBar, gg); // v̄_K
        const left: Tensor[] = [mBar];
        const right: Tensor[] = [h];
        for (let k = K; k >= 1; k--) {
          const uk = U(k);
          const vk = V(k);
          const rm = rowM(k - 1);
          const cm = colM(k - 1);
          // Row step k: u_k = u_{k-1} / max(u_{k-1} ⊙ M v_k, ε).
          const tb = tf.neg(tf.mul(tf.mul(ub, tf.square(uk)), rm));
          ub = tf.div(tf.mul(ub, tf.sub(1, rm)), SINKHORN_FLOOR);
          vb = tf.add(vb, mtv(ms, tb));
          left.push(tb);
          right.push(vk);
          // Column step k: v_k = v_{k-1} / max(v_{k-1} ⊙ Mᵀ u_{k-1}, ε).
          const sb = tf.neg(tf.mul(tf.mul(vb, tf.square(vk)), cm));
          vb = tf.div(tf.mul(vb, tf.sub(1, cm)), SINKHORN_FLOOR);
          ub = tf.add(ub, mv(ms, sb));
          left.push(U(k - 1));
          right.push(sb);
        }
        const dM = tf.matMul(tf.concat(left, 2), tf.concat(right, 2), false, true);
        const dg = tf.reshape(tf.mul(mtMBar, V(K)), [B, n]);
        return [dM, dg];
      },
    };
  }) as never) as unknown as (a: Tensor3D, b: Tensor2D) => Tensor2D;
  return f(m, g);
}

const ndcgOp = defineOp<{ tau: number; k: number; powered: boolean; sinkhorn: number }>({
  kind: 'neuralNdcg',
  evaluate: (c, _a, p) => {
    const n = c.numClasses;
    if (c.batchSize * n * n > NEURAL_NDCG_MAX_ENTRIES) {
      throw new LosskitError('SHAPE_MISMATCH', 'the batch of slates is too large for one NeuralNDCG call', {
        argument: 'yPred',
        expected: `B·n² <= ${NEURAL_NDCG_MAX_ENTRIES} (the soft permutation has B·n² entries, held about a dozen times by the backward pass); split the batch`,
        received: `[${c.batchSize}, ${n}] (B·n² = ${c.batchSize * n * n})`,
      });
    }
    const k = p.k === 0 ? n : Math.min(p.k, n);
    const y = c.yTrue();
    const gains = (p.powered ? tf.sub(tf.pow(2, y), 1) : y) as Tensor2D;
    const P = neuralSortTensor(c.yPred, p.tau);
    const sortedGains = sinkhornApply(P, gains, p.sinkhorn); // [B, n]: expected gain at rank j
    const disc = tf.tensor1d(Array.from({ length: n }, (_, j) => (j < k ? 1 / Math.log2(j + 2) : 0)));
    const dcg = tf.sum(tf.mul(sortedGains, disc), 1);
    // The ideal order sorts the gains (2^y − 1 is monotone in y); the targets carry no gradient, so TopK
    // (which has none in tfjs) only ever sees a tensor off the gradient path.
    const ideal = tf.topk(gains, n).values;
    const idcg = tf.sum(tf.mul(ideal, disc), 1);
    return tf.where(tf.greater(idcg, 0), tf.neg(tf.div(dcg, tf.maximum(idcg, 1e-10))), tf.zerosLike(idcg));
  },
  print: (_a, p, m) => (m === 'latex' ? `-\\mathrm{NeuralNDCG}@${p.k || 'n'}_{\\tau=${p.tau}}` : `-neuralNDCG@${p.k || 'n'}[τ=${p.tau}]`),
});

/** Options of {@link neuralNdcg}. */
export interface NeuralNdcgOptions {
  /** NeuralSort temperature τ > 0. Default 1. */
  readonly tau?: number;
  /** Truncation rank k. Default: the slate length. */
  readonly k?: number;
  /** Gains `2^y − 1` (true, default) or `y`. */
  readonly poweredRelevancies?: boolean;
  /** Sinkhorn rounds making P̂ doubly stochastic (0 = off; at most 1000). Default 50 (allRank's maximum, run without early exit). */
  readonly sinkhorn?: number;
}

/**
 * NeuralNDCG loss, one value per slate: `−NDCG@k` with the sort relaxed by NeuralSort,
 * `NeuralNDCG@k = Σ_{j≤k} (P̂ g)_j / log₂(j + 1) / IDCG@k`, `P̂ = sinkhorn(NeuralSort(s, τ))`, `g = 2^y − 1`.
 * Slates with IDCG = 0 (no relevant item) give 0. Padded items are not supported: pass full slates.
 * Inputs: scores `yPred` `[B, n]` (any real, `from: 'logits'`), relevance labels `yTrue` `[B, n]` (dense).
 * allRank averages only over slates with IDCG > 0; here those slates contribute 0 to the batch mean.
 *
 * Cost: the `[B, n, n]` NeuralSort matrix and its gradient, plus two batched mat-vecs per Sinkhorn round
 * (the rounds never build another `[B, n, n]` tensor; their gradient is one closed-form reverse sweep), so time
 * and memory are O(B·n²) with a constant that does not grow with the rounds: a [29, 268] forward and backward
 * pass takes a few hundred milliseconds on the WASM backend. Calls with `B·n² > 2^24` raise `SHAPE_MISMATCH`
 * up front (split the batch) rather than exhaust the backend's memory.
 *
 * @example `compile(neuralNdcg({ tau: 1 }))(relevance, scores)`
 * @see Pobrotyn, Białobrzeski, "NeuralNDCG: Direct Optimisation of a Ranking Metric via Differentiable Relaxation of Sorting" (2021);
 *   checked against allRank's `neuralNDCG` and `deterministic_neural_sort`.
 */
export function neuralNdcg(options: NeuralNdcgOptions = {}): Expr<'sample', 'any'> {
  const tau = params.positive('tau', options.tau ?? 1);
  const k = options.k === undefined ? 0 : params.positiveInteger('k', options.k);
  const sinkhorn = options.sinkhorn ?? 50;
  if (!Number.isInteger(sinkhorn) || sinkhorn < 0 || sinkhorn > 1000) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'sinkhorn', expected: 'an integer in [0, 1000]', received: String(sinkhorn) });
  }
  if (options.poweredRelevancies !== undefined && typeof options.poweredRelevancies !== 'boolean') {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'poweredRelevancies', expected: 'a boolean', received: String(options.poweredRelevancies) });
  }
  return node(ndcgOp, 'sample', [], { tau, k, powered: options.poweredRelevancies ?? true, sinkhorn });
}

export const neuralNdcgEntry = defineEntry({
  id: 'neural-ndcg',
  name: 'NeuralNDCG',
  package: '@losskit/losses',
  export: 'neuralNdcg',
  category: 'ranking',
  summary: 'Differentiable NDCG@k through the NeuralSort relaxation of sorting (with Sinkhorn scaling).',
  formula: '\\ell = -\\frac{1}{\\mathrm{IDCG}@k}\\sum_{j\\le k}\\frac{(\\hat P g)_j}{\\log_2(j+1)},\\ \\hat P = \\mathrm{sinkhorn}(\\mathrm{NeuralSort}_\\tau(s)),\\ g = 2^y - 1',
  inputs: 'scores [B, n], relevance labels [B, n]',
  params: [
    { name: 'tau', default: 1, range: { min: 0, minExclusive: true }, description: 'NeuralSort temperature' },
    { name: 'k', default: null, range: { min: 1 }, description: 'truncation rank (default n)' },
    { name: 'poweredRelevancies', default: true, description: 'gains 2^y − 1 instead of y' },
    { name: 'sinkhorn', default: 50, range: { min: 0, max: 1000 }, description: 'Sinkhorn rounds (0 = off)' },
  ],
  paper: { title: 'NeuralNDCG: Direct Optimisation of a Ranking Metric via Differentiable Relaxation of Sorting', authors: 'Pobrotyn, Białobrzeski', year: 2021, url: 'arXiv:2102.07831' },
  example: "import { compile } from '@losskit/core';\nimport { neuralNdcg } from '@losskit/losses';\ncompile(neuralNdcg())([[2, 0, 1]], [[0.3, 0.9, 0.1]]).print();",
  dsl: "neuralNdcg({ tau: 1 })",
});
