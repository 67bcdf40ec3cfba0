import * as tf from '@tensorflow/tfjs-core';
import { type Compilable, type Expr, LosskitError, defineOp, input, logProb, node, params, prob, stopGradient, ce, yTrue } from '@losskit/core';
import { type Objective, objective, optionsOf } from './objective.js';

// Per-sample (per-token, when logits [B, T, V] are flattened by compile()) forget terms of open-unlearning
// (locuslab/open-unlearning d3d7cf9e, src/trainer/utils.py and src/trainer/unlearn/*.py).

type Retain = { readonly retain?: Compilable | null; readonly gamma?: number; readonly alpha?: number };

function withRetain(name: string, forget: Compilable, o: Retain, defaults: { gamma: number; alpha: number }): Objective {
  return objective({
    name,
    forget,
    ...(o.retain === null ? {} : { retain: o.retain ?? ce() }),
    gamma: o.gamma ?? defaults.gamma,
    alpha: o.alpha ?? defaults.alpha,
  });
}

/**
 * WGA forget term (weighted gradient ascent): `−p_y^β · ℓ`, with `ℓ = −log p_y` and the weight `p_y^β = exp(−ℓ)^β` under
 * stop-gradient (open-unlearning `compute_wga_loss`: `weight_ce = exp(−lm_loss).detach() ** beta`,
 * `forget_loss = −mean(weight_ce · lm_loss)` over the answer tokens). Shapes: logits `[B, C]` (or `[B, T, V]` tokens),
 * labels `[B]` → `[B]`. Default β = 1.
 *
 * @example compile(wgaTerm({ beta: 1 }))(labels, logits)
 * @see Wang, Zhang, Liu, Han, Li, Liu, "Rethinking LLM Unlearning Objectives: A Gradient Perspective and Go Beyond" (ICLR 2025); open-unlearning `WGA`.
 */
export function wgaTerm(options: { readonly beta?: number } = {}): Expr<'sample', 'any'> {
  const beta = params.nonNegative('beta', optionsOf(options).beta ?? 1);
  return ce().times(prob().target().pow(beta).detach()).neg() as Expr<'sample', 'any'>;
}

/** WGA objective: `γ·mean_forget wgaTerm + α·mean_retain ce`; defaults β = 1, γ = 1, α = 1 (open-unlearning `WGA.yaml`). */
export function wga(options: { readonly beta?: number } & Retain = {}): Objective {
  options = optionsOf(options);
  return withRetain('wga', wgaTerm(options), options, { gamma: 1, alpha: 1 });
}

/**
 * SatImp forget term: `−p_y^{β1} (1 − p_y)^{β2} · ℓ`, weights under stop-gradient (open-unlearning `compute_satimp_loss`:
 * `weight_sat = p^β1`, `weight_imp = (1 − p)^β2`, both detached). Shapes as {@link wgaTerm}. Defaults β1 = 5, β2 = 1.
 *
 * @example compile(satImpTerm({ beta1: 5, beta2: 1 }))(labels, logits)
 * @see Yang, Wang, et al., "Exploring Criteria of Loss Reweighting to Enhance LLM Unlearning" (ICML 2025); open-unlearning `SatImp`.
 */
export function satImpTerm(options: { readonly beta1?: number; readonly beta2?: number } = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const b1 = params.nonNegative('beta1', options.beta1 ?? 5);
  const b2 = params.nonNegative('beta2', options.beta2 ?? 1);
  const p = prob().target();
  return ce().times(p.pow(b1).times(p.neg().plus(1).pow(b2)).detach()).neg() as Expr<'sample', 'any'>;
}

/** SatImp objective; defaults β1 = 5, β2 = 1, γ = 0.1, α = 1 (open-unlearning `SatImp.yaml`; its class defaults are γ = 1, α = 0.1). */
export function satImp(options: { readonly beta1?: number; readonly beta2?: number } & Retain = {}): Objective {
  options = optionsOf(options);
  return withRetain('satImp', satImpTerm(options), options, { gamma: 0.1, alpha: 1 });
}

/**
 * UNDIAL forget term (self-distillation with the gold logit lowered): cross-entropy of the model against the target
 * `softmax(z_ref − β·onehot(y))`, where `z_ref = input('reference', 'class')` are the reference (original) model's logits
 * (supplied by `unlearn`): `−Σ_j softmax(z_ref − β e_y)_j · log p_j`. open-unlearning `compute_undial_loss`, β = 10.
 * Shapes: logits `[B, C]`, labels `[B]`, reference `[B, C]` → `[B]`.
 *
 * @example compile(undialTerm({ beta: 10 }))(labels, logits, { inputs: { reference } })
 * @see Dong, Lin, Belinkov, Rogers, et al., "UNDIAL: Self-Distillation with Adjusted Logits for Robust Unlearning in Large Language Models" (NAACL 2025).
 */
export function undialTerm(options: { readonly beta?: number } = {}): Expr<'sample', 'any'> {
  const beta = params.nonNegative('beta', optionsOf(options).beta ?? 10);
  const target = input('reference', 'class').minus(yTrue().scale(beta)).softmax().detach();
  return logProb().times(target).sum().neg() as Expr<'sample', 'any'>;
}

/** UNDIAL objective; defaults β = 10, γ = 1, α = 0 (open-unlearning `UNDIAL.yaml`: no retain term by default). Needs a reference model. */
export function undial(options: { readonly beta?: number } & Retain = {}): Objective {
  options = optionsOf(options);
  const o = { ...options, ...(options.retain === undefined && (options.alpha ?? 0) === 0 ? { retain: null } : {}) };
  return withRetain('undial', undialTerm(options), o, { gamma: 1, alpha: 0 });
}

const ceuOp = defineOp({
  kind: 'unlearning.ceu',
  evaluate: (c) => {
    const z = c.yPred;
    const C = c.numClasses;
    const y = c.labels ?? (tf.argMax(c.yTrue(), -1) as tf.Tensor1D);
    const mask = tf.oneHot(tf.cast(y, 'int32'), C);
    // Target: softmax over the other classes (the true one at −∞), no gradient; t_y = 0, so t·z never meets −∞.
    const t = stopGradient(tf.softmax(tf.where(tf.cast(mask, 'bool'), tf.fill(z.shape, -Infinity), z)));
    return tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(t, z), -1));
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\mathrm{CE}\\left(\\mathrm{sg}\\,\\mathrm{softmax}_{j \\ne y}(z), p\\right)' : 'ce(sg softmax_{j≠y}(z), p)'),
});

/**
 * CE-U forget term (cross-entropy unlearning): the cross-entropy of the model against its own distribution with the true
 * class removed, `t = sg(softmax(z with z_y = −∞))`: `−Σ_{j≠y} t_j log p_j = logsumexp(z) − Σ_j t_j z_j`. Its gradient
 * `p − t` moves the mass of the true class onto the others without gradient ascent (open-unlearning `ceu.py`,
 * `cross_entropy_unlearning_loss`; its trick of skipping the first answer token is a data mask, pass it as sample weights).
 * Needs logits and C ≥ 2. Shapes: `[B, C]`, labels `[B]` → `[B]`.
 *
 * @example compile(ceuTerm())(labels, logits)
 * @see Yang, et al., "CE-U: Cross Entropy Unlearning" (arXiv:2503.01224).
 */
export function ceuTerm(): Expr<'sample', 'logits'> {
  return node(ceuOp, 'sample', [], {}, 'logits');
}

/** CE-U objective: forget data only (open-unlearning `CEU`). */
export function ceu(): Objective {
  return objective({ name: 'ceu', forget: ceuTerm() });
}

/** Options of {@link dpoTerm}. */
export interface DpoOptions {
  /** β > 0. Default 0.1 (open-unlearning `DPO.yaml`). */
  readonly beta?: number;
  /**
   * The preferred ("win") answer per sample: absent (default) = input `alternate` `[B, C]` (a one-hot or any distribution,
   * e.g. an alternate answer); a class index = that class for every sample (IdkDPO: the "I don't know" answer).
   */
  readonly idkClass?: number;
}

/**
 * DPO forget term against the reference model, with open-unlearning's 2/β scaling (`compute_dpo_loss(win=alternate,
 * lose=forget)`): `(2/β)·softplus(−β·[(log π_θ(w) − log π_ref(w)) − (log π_θ(y) − log π_ref(y))])`, y the label to forget,
 * w the preferred answer. `log π_ref(y) = −input('referenceLoss')` and `log π_ref(w)` from `input('reference', 'class')`,
 * both supplied by `unlearn`. Shapes: logits `[B, C]`, labels `[B]`, alternate `[B, C]` → `[B]`. Default β = 0.1.
 *
 * @example compile(dpoTerm({ idkClass: 9 }))(labels, logits, { inputs: { reference, referenceLoss } })
 * @see Rafailov et al., "Direct Preference Optimization" (NeurIPS 2023); Maini et al., TOFU (2024) IdkDPO; open-unlearning `DPO`.
 */
export function dpoTerm(options: DpoOptions = {}): Expr<'sample', 'any'> {
  options = optionsOf(options);
  const beta = params.positive('beta', options.beta ?? 0.1);
  let win: Expr<'class', 'any'>;
  if (options.idkClass === undefined) win = input('alternate', 'class');
  else {
    const k = options.idkClass;
    if (!Number.isInteger(k) || k < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'idkClass', expected: 'a class index (integer >= 0)', received: String(k) });
    // A one-hot row of width k + 1 would not broadcast to C classes: build it from the target's width at run time.
    win = node(idkOp, 'class', [], { k });
  }
  const winRatio = logProb().times(win).sum().minus(input('reference', 'class').logSoftmax().times(win).sum());
  const loseRatio = input('referenceLoss', 'sample').minus(ce()); // log π_θ(y) − log π_ref(y) = ℓ_ref − ℓ_θ
  return winRatio.minus(loseRatio).scale(-beta).softplus().scale(2 / beta) as Expr<'sample', 'any'>;
}

const idkOp = defineOp<{ k: number }>({
  kind: 'unlearning.idk',
  evaluate: (c, _a, p) => {
    if (p.k >= c.numClasses) throw new LosskitError('INVALID_PARAMETER', 'idkClass is not a class of the model', { argument: 'idkClass', expected: `an index in [0, ${c.numClasses})`, received: String(p.k) });
    return tf.tile(tf.oneHot(tf.tensor1d([p.k], 'int32'), c.numClasses), [c.batchSize, 1]).toFloat();
  },
  print: (_a, p) => `e_${p.k}`,
});

/**
 * DPO / IdkDPO objective: `γ·mean_forget dpoTerm + α·mean_retain ce`; defaults β = 0.1, γ = 1, α = 1 (open-unlearning `DPO.yaml`).
 * Needs a reference model; without `idkClass` the forget set needs `inputs.alternate`.
 * @example const obj = dpo({ idkClass: 9 }); // IdkDPO
 */
export function dpo(options: DpoOptions & Retain = {}): Objective {
  options = optionsOf(options);
  return withRetain(options.idkClass === undefined ? 'dpo' : 'idkDpo', dpoTerm(options), options, { gamma: 1, alpha: 1 });
}

/** IdkDPO: {@link dpo} with the preferred answer the fixed class `idkClass` ("I don't know"). */
export function idkDpo(options: DpoOptions & Retain & { readonly idkClass: number }): Objective {
  if (!options || options.idkClass === undefined) throw new LosskitError('MISSING_INPUT', 'idkDpo needs the "I don\'t know" class', { argument: 'idkClass', expected: 'a class index' });
  return dpo(options);
}

