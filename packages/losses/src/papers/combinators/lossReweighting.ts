import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type Needs, defineEntry, defineOp, node, params, stopGradient } from '@losskit/core';
import { sampleLoss } from '../../validate.js';

/** Strategies of {@link lossReweighted}: `f` applied to the normalized loss `h ∈ [−δ, δ]`. */
export type ReweightStrategy = 'linupper' | 'mid' | 'upper' | 'extremes' | 'uniform';

const reweightOp = defineOp<{ strategy: ReweightStrategy; delta: number; temperature: number }>({
  kind: 'lossReweight',
  evaluate: (c, a, p) => {
    const l = a[0]!;
    if (p.strategy === 'uniform') return l;
    const ls = stopGradient(l);
    const lmax = tf.max(ls);
    const lmin = tf.min(ls);
    const range = tf.maximum(tf.sub(lmax, lmin), 1e-6);
    const d = p.delta;
    // h = 2δ l/(l_max − l_min) − δ (l_max + l_min)/(l_max − l_min) ∈ [−δ, δ]
    const h = tf.div(tf.sub(tf.mul(ls, 2 * d), tf.mul(tf.add(lmax, lmin), d)), range);
    const f =
      p.strategy === 'linupper' ? tf.minimum(tf.add(h, d), d)
      : p.strategy === 'mid' ? tf.sub(1, tf.div(tf.square(h), d * d))
      : p.strategy === 'upper' ? tf.add(tf.mul(h, 0.5), 0.5 * d)
      : tf.abs(h);
    const w = tf.softmax(tf.div(tf.sub(f, tf.max(f)), p.temperature)); // Σ w = 1, no gradient
    return tf.mul(tf.mul(w, c.batchSize), l);
  },
  print: (a, p, m) => (m === 'latex' ? `B\\,w^{\\mathrm{${p.strategy}}}_i\\,${a[0]!.s}` : `B·w_${p.strategy}·${a[0]!.s}`),
});

/** Options of {@link lossReweighted}. */
export interface LossReweightOptions {
  /** Weighting function of the normalized loss. Default `linupper` (the paper's best). */
  readonly strategy?: ReweightStrategy;
  /** Half-width δ of the normalized range. Default 1. */
  readonly delta?: number;
  /** Softmax temperature r (the code's `kl_reg`). Default 1. */
  readonly temperature?: number;
}

/**
 * Dynamic loss-based sample reweighting of any per-sample loss: `B · w_i · ℓ_i`, where the weights come from
 * the batch's losses (no gradient): `h_i = (2δ ℓ_i − δ(ℓ_max + ℓ_min)) / max(ℓ_max − ℓ_min, 1e-6)` in [−δ, δ],
 * `f = min(h + δ, δ)` (linupper), `1 − h²/δ²` (mid), `h/2 + δ/2` (upper) or `|h|` (extremes), and
 * `w = softmax((f − max f)/r)`; the factor B keeps the mean reduction's scale, so `compile(...)` (mean) gives
 * `Σ_i w_i ℓ_i`. The paper's warm-up (uniform weights for the first 1000 steps) is the training loop's job:
 * use `strategy: 'uniform'` there.
 *
 * @example `compile(lossReweighted(ce(), { strategy: 'linupper' }))(labels, logits)`
 * @see "Dynamic Loss-Based Sample Reweighting for Improved Large Language Model
 *   Pretraining", ICLR 2025; checked against `sowmaster/Sample-Level-Loss-Reweighting-ICLR-2025` (`trainer.py`).
 */
export function lossReweighted<K extends Needs>(loss: Expr<'sample', K>, options: LossReweightOptions = {}): Expr<'sample', K> {
  sampleLoss(loss, 'lossReweighted');
  const strategy = options.strategy ?? 'linupper';
  if (!['linupper', 'mid', 'upper', 'extremes', 'uniform'].includes(strategy)) {
    throw new LosskitError('INVALID_PARAMETER', 'unknown reweighting strategy', { argument: 'strategy', expected: "'linupper', 'mid', 'upper', 'extremes' or 'uniform'", received: String(strategy) });
  }
  const delta = params.positive('delta', options.delta ?? 1);
  const temperature = params.positive('temperature', options.temperature ?? 1);
  return node(reweightOp, 'sample', [loss], { strategy, delta, temperature }, loss.needs) as Expr<'sample', K>;
}

export const lossReweightedEntry = defineEntry({
  id: 'loss-reweighted',
  name: 'Dynamic loss-based sample reweighting',
  package: '@losskit/losses',
  export: 'lossReweighted',
  category: 'combinator',
  summary: 'Reweights per-sample losses within the batch by a softmax of a function of their normalized values.',
  formula: '\\ell = \\sum_i w_i \\ell_i,\\ w = \\operatorname{softmax}\\left(\\frac{f(h) - \\max f(h)}{r}\\right),\\ h_i = \\frac{2\\delta\\ell_i - \\delta(\\ell_{\\max} + \\ell_{\\min})}{\\ell_{\\max} - \\ell_{\\min}}',
  inputs: 'any sample-level loss',
  params: [
    { name: 'strategy', default: 'linupper', range: "'linupper' | 'mid' | 'upper' | 'extremes' | 'uniform'", description: 'weighting function f' },
    { name: 'delta', default: 1, range: { min: 0, minExclusive: true }, description: 'normalized range half-width δ' },
    { name: 'temperature', default: 1, range: { min: 0, minExclusive: true }, description: 'softmax temperature r' },
  ],
  paper: { title: 'Dynamic Loss-Based Sample Reweighting for Improved Large Language Model Pretraining', year: 2025 },
  example: "import { ce, compile } from '@losskit/core';\nimport { lossReweighted } from '@losskit/losses';\ncompile(lossReweighted(ce()))([0, 1, 0], [[2, 0], [2, 0], [0, 1]]).print();",
  dsl: "lossReweighted(ce(), { strategy: 'linupper' })",
});
