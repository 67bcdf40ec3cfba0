import { type Compilable, type Expr, ce, input, params } from '@losskit/core';
import { type Objective, objective, optionsOf, sampleLoss } from './objective.js';

/** Options of {@link npoTerm} and {@link npo}. */
export interface NpoOptions {
  /** Inverse temperature β > 0. Default 0.1 (open-unlearning `NPO.yaml`). */
  readonly beta?: number;
  /** Per-sample loss ℓ = −log π(y|x). Default `ce()`. */
  readonly loss?: Expr<'sample'>;
}

function betaOf(b: unknown, fallback: number): number {
  return params.positive('beta', b ?? fallback);
}

/**
 * The NPO forget term per sample, with open-unlearning's 2/β scaling:
 * `(2/β)·log(1 + (π_θ/π_ref)^β) = (2/β)·softplus(β·(ℓ_ref − ℓ_θ))`, where `ℓ_θ = loss` on the current model and
 * `ℓ_ref = input('referenceLoss', 'sample')` is the same loss on the reference model (supplied by `unlearn`).
 * Written with softplus (stable for any log-ratio). Shapes: logits `[B, C]`, labels `[B]`, `referenceLoss` `[B]` → `[B]`.
 * Default β = 0.1.
 *
 * @example compile(npoTerm({ beta: 0.1 }))(labels, logits, { inputs: { referenceLoss } })
 * @see Zhang, Lin, Bai, Mei, "Negative Preference Optimization: From Catastrophic Collapse to Effective Unlearning" (2024);
 * open-unlearning `NPO` (`compute_dpo_loss(win=None, lose=forget)`, scaled by 2/β).
 */
export function npoTerm(options: NpoOptions = {}): Expr<'sample'> {
  options = optionsOf(options);
  const beta = betaOf(options.beta, 0.1);
  const loss = sampleLoss(options.loss ?? ce(), 'loss');
  return input('referenceLoss', 'sample').minus(loss).scale(beta).softplus().scale(2 / beta) as Expr<'sample'>;
}

/**
 * NPO objective: `L = γ·mean_forget npoTerm + α·mean_retain r`. Defaults β = 0.1, γ = 1, α = 1, r = `ce()`
 * (open-unlearning `NPO.yaml`); `retain: null` drops the retain term. Needs a reference model.
 * @example const obj = npo({ beta: 0.1 });
 * @see Zhang et al., "Negative Preference Optimization" (2024).
 */
export function npo(options: NpoOptions & { readonly retain?: Compilable | null; readonly gamma?: number; readonly alpha?: number } = {}): Objective {
  options = optionsOf(options);
  const loss = sampleLoss(options.loss ?? ce(), 'loss');
  return objective({
    name: 'npo',
    forget: npoTerm({ ...options, loss }),
    ...(options.retain === null ? {} : { retain: options.retain ?? loss }),
    ...(options.gamma !== undefined ? { gamma: options.gamma } : {}),
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    referenceLoss: loss,
  });
}

/** Options of {@link simNpoTerm} and {@link simNpo}. */
export interface SimNpoOptions {
  /** β > 0. Default 4.5 (open-unlearning `SimNPO.yaml`). */
  readonly beta?: number;
  /** Reward margin δ, applied inside the β product as in open-unlearning. Default 0. */
  readonly delta?: number;
  /** Per-sample loss ℓ (summed NLL of the response for sequences). Default `ce()`. */
  readonly loss?: Expr<'sample'>;
  /** Response length |y| per sample (e.g. `input('length', 'sample')`); omitted = 1 (one label per sample). */
  readonly length?: Expr<'sample'>;
}

/**
 * The SimNPO forget term per sample (reference-free, length-normalized):
 * `−(2/β)·log σ(β·(ℓ/|y| − δ)) = (2/β)·softplus(−β·(ℓ/|y| − δ))`. δ sits inside the β product, as in
 * open-unlearning's code (the paper writes `β·ℓ/|y| + γ`); with δ = 0 the two agree. Defaults β = 4.5, δ = 0, |y| = 1.
 * Shapes: logits `[B, C]`, labels `[B]` (and `length` `[B]`) → `[B]`.
 *
 * @example compile(simNpoTerm({ beta: 4.5 }))(labels, logits)
 * @see Fan, Liu, Lin, Jia, Zhang, Mei, Liu, "Simplicity Prevails: Rethinking Negative Preference Optimization for LLM Unlearning" (2024).
 */
export function simNpoTerm(options: SimNpoOptions = {}): Expr<'sample'> {
  options = optionsOf(options);
  const beta = betaOf(options.beta, 4.5);
  const delta = params.finite('delta', options.delta ?? 0);
  const loss = sampleLoss(options.loss ?? ce(), 'loss');
  if (options.length !== undefined) sampleLoss(options.length, 'length');
  const normalized = options.length ? loss.div(options.length) : loss;
  return normalized.minus(delta).scale(-beta).softplus().scale(2 / beta) as Expr<'sample'>;
}

/**
 * SimNPO objective: `L = γ·mean_forget simNpoTerm + α·mean_retain r`; defaults β = 4.5, δ = 0, γ = 0.125, α = 1,
 * r = `ce()` (open-unlearning `SimNPO.yaml`). `retain: null` drops the retain term. No reference model needed.
 * @example const obj = simNpo();
 * @see Fan et al., "Simplicity Prevails" (2024).
 */
export function simNpo(options: SimNpoOptions & { readonly retain?: Compilable | null; readonly gamma?: number; readonly alpha?: number } = {}): Objective {
  options = optionsOf(options);
  const loss = sampleLoss(options.loss ?? ce(), 'loss');
  return objective({
    name: 'simNpo',
    forget: simNpoTerm({ ...options, loss }),
    ...(options.retain === null ? {} : { retain: options.retain ?? loss }),
    gamma: options.gamma ?? 0.125,
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    referenceLoss: loss,
  });
}
