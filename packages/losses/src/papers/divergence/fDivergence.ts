import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, node, xlogx } from '@losskit/core';
import { softmaxParts } from '../../standard/primitives.js';

/** One f-divergence `D_f(P‖Q) = Σ q f(p/q)` with its f-GAN variational pair (Nowozin et al. 2016, Tables 1-2). */
export interface FDivergenceSpec {
  readonly name: string;
  /** Generator f(u), convex with f(1) = 0 (float64, for references and plots). */
  readonly generator: (u: number) => number;
  /** Output activation g_f: maps a critic output v ∈ ℝ into the domain of f*. */
  readonly activation: (v: Tensor) => Tensor;
  /** Fenchel conjugate f*(t) = sup_u (t u − f(u)), on the range of g_f. */
  readonly conjugate: (t: Tensor) => Tensor;
  /** `f*(g_f(v))` in a closed form that stays finite where `g_f(v)` rounds to the edge of f*'s domain. */
  readonly conjugateOfActivation: (v: Tensor) => Tensor;
  /**
   * `D_f(y ‖ p) = Σ_j p_j f(y_j / p_j)` per row, in a stable closed form from targets `y`, probabilities `p`
   * and log-probabilities `log p` (all `[B, C]`) → `[B]`.
   */
  readonly divergence: (y: Tensor, p: Tensor, logP: Tensor) => Tensor;
  readonly latex: { readonly generator: string; readonly activation: string; readonly conjugate: string };
}

const safeLog = (x: Tensor) => tf.log(tf.maximum(x, 1e-30));

/**
 * The f-divergences of the f-GAN table with generator f, output activation g_f and conjugate f*:
 * | name | f(u) | g_f(v) | f*(t) |
 * | kl | u log u | v | exp(t − 1) |
 * | reverseKl | −log u | −exp(−v) | −1 − log(−t) |
 * | js | u log u − (u + 1) log((1 + u)/2) | log 2 − log(1 + e^{−v}) | −log(2 − e^t) |
 * | pearson | (u − 1)² | v | t²/4 + t |
 * | squaredHellinger | (√u − 1)² | 1 − e^{−v} | t/(1 − t) |
 * | totalVariation | ½|u − 1| | ½ tanh v | t |
 * Each entry also has `conjugateOfActivation(v) = f*(g_f(v))` in a closed form (e.g. `softplus(v) − log 2` for js).
 * The `js` generator is the f-GAN one: its `D_f` is `2·JS` (twice {@link jsDivergence}).
 * Reused by `@losskit/unlearning` (FLAT), whose table is `act = −g_f`, `conj = −f*∘g_f` (with `v = −x` for Hellinger).
 *
 * @see Nowozin, Cseke, Tomioka, "f-GAN: Training Generative Neural Samplers using Variational Divergence Minimization", NeurIPS 2016.
 */
export const fDivergences = Object.freeze({
  kl: {
    name: 'Kullback-Leibler',
    generator: (u: number) => (u === 0 ? 0 : u * Math.log(u)),
    activation: (v: Tensor) => v,
    conjugate: (t: Tensor) => tf.exp(tf.sub(t, 1)),
    conjugateOfActivation: (v: Tensor) => tf.exp(tf.sub(v, 1)),
    divergence: (y: Tensor, _p: Tensor, logP: Tensor) => tf.sum(tf.sub(xlogx(y), tf.mul(y, logP)), -1),
    latex: { generator: 'u\\log u', activation: 'v', conjugate: 'e^{t-1}' },
  },
  reverseKl: {
    name: 'Reverse KL',
    generator: (u: number) => -Math.log(u),
    activation: (v: Tensor) => tf.neg(tf.exp(tf.neg(v))),
    conjugate: (t: Tensor) => tf.sub(-1, tf.log(tf.neg(t))),
    conjugateOfActivation: (v: Tensor) => tf.sub(v, 1),
    divergence: (y: Tensor, p: Tensor, logP: Tensor) => tf.sum(tf.mul(p, tf.sub(logP, safeLog(y))), -1),
    latex: { generator: '-\\log u', activation: '-e^{-v}', conjugate: '-1 - \\log(-t)' },
  },
  js: {
    name: 'Jensen-Shannon (f-GAN scaling, 2·JS)',
    generator: (u: number) => (u === 0 ? 0 : u * Math.log(u)) - (u + 1) * Math.log((1 + u) / 2),
    activation: (v: Tensor) => tf.sub(Math.LN2, tf.softplus(tf.neg(v))),
    conjugate: (t: Tensor) => tf.neg(tf.log(tf.sub(2, tf.exp(t)))),
    conjugateOfActivation: (v: Tensor) => tf.sub(tf.softplus(v), Math.LN2),
    divergence: (y: Tensor, p: Tensor, logP: Tensor) => {
      const logM = safeLog(tf.mul(tf.add(y, p), 0.5));
      return tf.sum(tf.add(tf.sub(xlogx(y), tf.mul(y, logM)), tf.sub(tf.mul(p, logP), tf.mul(p, logM))), -1);
    },
    latex: { generator: 'u\\log u - (u+1)\\log\\frac{1+u}{2}', activation: '\\log 2 - \\log(1 + e^{-v})', conjugate: '-\\log(2 - e^{t})' },
  },
  pearson: {
    name: 'Pearson χ²',
    generator: (u: number) => (u - 1) ** 2,
    activation: (v: Tensor) => v,
    conjugate: (t: Tensor) => tf.add(tf.mul(tf.square(t), 0.25), t),
    // Σ (y − p)²/p = Σ y²/p − 1, with y²/p = exp(2 log y − log p) where y > 0 (infinite where p underflows).
    conjugateOfActivation: (v: Tensor) => tf.add(tf.mul(tf.square(v), 0.25), v),
    divergence: (y: Tensor, _p: Tensor, logP: Tensor) => {
      const support = tf.greater(y, 0);
      // Mask the exponent too: exp of an unused branch could overflow and turn the masked gradient into NaN.
      const e = tf.where(support, tf.sub(tf.mul(safeLog(y), 2), logP), tf.zerosLike(y));
      return tf.sub(tf.sum(tf.where(support, tf.exp(e), tf.zerosLike(y)), -1), 1);
    },
    latex: { generator: '(u-1)^2', activation: 'v', conjugate: '\\tfrac14 t^2 + t' },
  },
  squaredHellinger: {
    name: 'Squared Hellinger',
    generator: (u: number) => (Math.sqrt(u) - 1) ** 2,
    activation: (v: Tensor) => tf.sub(1, tf.exp(tf.neg(v))),
    conjugate: (t: Tensor) => tf.div(t, tf.sub(1, t)),
    // √p = exp(log p / 2): finite gradient where p underflows.
    conjugateOfActivation: (v: Tensor) => tf.expm1(v),
    divergence: (y: Tensor, _p: Tensor, logP: Tensor) => tf.sum(tf.square(tf.sub(tf.sqrt(y), tf.exp(tf.mul(logP, 0.5)))), -1),
    latex: { generator: '(\\sqrt u - 1)^2', activation: '1 - e^{-v}', conjugate: '\\frac{t}{1-t}' },
  },
  totalVariation: {
    name: 'Total variation',
    generator: (u: number) => 0.5 * Math.abs(u - 1),
    activation: (v: Tensor) => tf.mul(tf.tanh(v), 0.5),
    conjugate: (t: Tensor) => t,
    conjugateOfActivation: (v: Tensor) => tf.mul(tf.tanh(v), 0.5),
    divergence: (y: Tensor, p: Tensor) => tf.mul(tf.sum(tf.abs(tf.sub(y, p)), -1), 0.5),
    latex: { generator: '\\tfrac12|u-1|', activation: '\\tfrac12\\tanh v', conjugate: 't' },
  },
} satisfies Record<string, FDivergenceSpec>);

/** Names of the f-divergences in {@link fDivergences}. */
export type FDivergenceName = keyof typeof fDivergences;

function specOf(name: unknown): FDivergenceSpec {
  if (typeof name !== 'string' || !Object.hasOwn(fDivergences, name)) {
    throw new LosskitError('INVALID_PARAMETER', 'unknown f-divergence', {
      argument: 'divergence',
      expected: Object.keys(fDivergences).map((k) => `'${k}'`).join(', '),
      received: String(name),
    });
  }
  return fDivergences[name as FDivergenceName];
}

const fDivOp = defineOp<{ divergence: FDivergenceName }>({
  kind: 'fDivergence',
  evaluate: (c, _a, p) => specOf(p.divergence).divergence(c.yTrue(), softmaxParts(c).p, softmaxParts(c).logp),
  print: (_a, p, m) => (m === 'latex' ? `D_{f}^{\\mathrm{${p.divergence}}}(y \\,\\|\\, p)` : `D_${p.divergence}(y || p)`),
});

/**
 * An f-divergence from the target distribution to the prediction, one value per sample:
 * `D_f(y ‖ p) = Σ_j p_j f(y_j / p_j)`, with f from {@link fDivergences} (closed forms, stable in log space).
 * Shapes: logits or probabilities `[B, C]`, soft targets `[B, C]` → `[B]`.
 *
 * @example `compile(fDivergence({ divergence: 'squaredHellinger' }))(targets, logits)`
 * @see Nowozin, Cseke, Tomioka, "f-GAN" (NeurIPS 2016); Csiszár (1967), Ali & Silvey (1966).
 */
export function fDivergence(options: { readonly divergence: FDivergenceName }): Expr<'sample', 'any'> {
  specOf(options?.divergence);
  return node(fDivOp, 'sample', [], { divergence: options.divergence });
}

const variationalOp = defineOp<{ divergence: FDivergenceName }>({
  kind: 'fDivergenceVariational',
  evaluate: (c, _a, p) => {
    const spec = specOf(p.divergence);
    const v = tf.sum(c.yPred, -1); // critic output per sample ([B, 1] → [B])
    const fromP = tf.sum(c.yTrue(), -1);
    const fromQ = tf.sub(1, fromP);
    const g = spec.activation(v);
    // Means over each side's own samples (0 if a side is empty); counts are integers, so max(n, 1) is safe.
    const eP = tf.div(tf.sum(tf.mul(fromP, g)), tf.maximum(tf.sum(fromP), 1));
    const eQ = tf.div(tf.sum(tf.where(tf.greater(fromQ, 0), spec.conjugateOfActivation(v), tf.zerosLike(g))), tf.maximum(tf.sum(fromQ), 1));
    return tf.sub(eQ, eP);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\mathbb{E}_Q\\left[f^*(g_f(V))\\right] - \\mathbb{E}_P\\left[g_f(V)\\right]\\ (${p.divergence})`
      : `E_Q[f*(g(V))] - E_P[g(V)] (${p.divergence})`,
});

/**
 * The negative f-GAN variational lower bound, batch level: `−F = E_Q[f*(g_f(V))] − E_P[g_f(V)]` with critic
 * outputs `V`; minimizing it over the critic tightens `F ≤ D_f(P ‖ Q)`. Inputs: `yPred` = critic outputs
 * `[B, 1]`; `yTrue` = `[B, 1]`, 1 for samples from P and 0 for samples from Q (each expectation is the mean
 * over its own samples; 0 if a side is empty).
 *
 * @example `compile(fDivergenceVariational({ divergence: 'js' }))(fromP, criticOutputs)`
 * @see Nowozin, Cseke, Tomioka, "f-GAN: Training Generative Neural Samplers using Variational Divergence Minimization", NeurIPS 2016.
 */
export function fDivergenceVariational(options: { readonly divergence: FDivergenceName }): Expr<'batch', 'any'> {
  specOf(options?.divergence);
  return node(variationalOp, 'batch', [], { divergence: options.divergence });
}

const fganPaper = { title: 'f-GAN: Training Generative Neural Samplers using Variational Divergence Minimization', authors: 'Nowozin, Cseke, Tomioka', year: 2016, url: 'arXiv:1606.00709' };
const divParam = { name: 'divergence', default: null, range: "'kl' | 'reverseKl' | 'js' | 'pearson' | 'squaredHellinger' | 'totalVariation'", description: 'which f-divergence' } as const;

export const fDivergenceEntry = defineEntry({
  id: 'f-divergence',
  name: 'f-divergence',
  package: '@losskit/losses',
  export: 'fDivergence',
  category: 'divergence',
  summary: 'Csiszár f-divergence from the target to the prediction, for the f-GAN table of generators.',
  formula: 'D_f(y\\|p) = \\sum_j p_j\\, f\\!\\left(\\frac{y_j}{p_j}\\right)',
  inputs: 'logits or probabilities [B, C], soft targets [B, C]',
  params: [divParam],
  paper: fganPaper,
  example: "import { compile } from '@losskit/core';\nimport { fDivergence } from '@losskit/losses';\ncompile(fDivergence({ divergence: 'squaredHellinger' }))([[0.7, 0.3]], [[1, 0]]).print();",
  dsl: "fDivergence({ divergence: 'squaredHellinger' })",
});

export const fDivergenceVariationalEntry = defineEntry({
  id: 'f-divergence-variational',
  name: 'f-GAN variational bound',
  package: '@losskit/losses',
  export: 'fDivergenceVariational',
  category: 'divergence',
  summary: 'Negative variational lower bound of an f-divergence from critic outputs on samples of P and Q.',
  formula: '-F(V) = \\mathbb{E}_{Q}\\left[f^*(g_f(V))\\right] - \\mathbb{E}_{P}\\left[g_f(V)\\right]',
  inputs: 'critic outputs [B, 1]; targets [B, 1] (1 = sample of P, 0 = sample of Q)',
  params: [divParam],
  paper: fganPaper,
  example: "import { compile } from '@losskit/core';\nimport { fDivergenceVariational } from '@losskit/losses';\ncompile(fDivergenceVariational({ divergence: 'kl' }))([[1], [0]], [[0.5], [-0.2]]).print();",
  dsl: "fDivergenceVariational({ divergence: 'kl' })",
});
