import { type Expr, LosskitError, type TensorLike, assertFinite, defineEntry, formatShape, input, params, toTensor, yPred } from '@losskit/core';

/** The f-divergences of f-distill with their weighting functions `h(r) = f''(r) r²` (up to a constant). */
export const fDistillDivergences = Object.freeze({
  /** Reverse KL, `h = 1` (variational score distillation / DMD). */
  reverseKl: (_r: number) => 1,
  /** Softened reverse KL, `h = 1/(1 + r)`. */
  softenedReverseKl: (r: number) => 1 / (1 + r),
  /** Jensen-Shannon, `h = 1 − 1/(1 + r) = r/(1 + r)`. */
  jensenShannon: (r: number) => 1 - 1 / (1 + r),
  /** Squared Hellinger, `h = √r`. */
  squaredHellinger: (r: number) => Math.sqrt(r),
  /** Forward KL, `h = r`. */
  forwardKl: (r: number) => r,
  /** Jeffreys (forward + reverse KL), `h = 1 + r`. */
  jeffreys: (r: number) => 1 + r,
  /** Neyman χ², `h = 1/r`. */
  neyman: (r: number) => 1 / Math.max(r, 1e-8),
});

/** Names of {@link fDistillDivergences}. */
export type FDistillDivergence = keyof typeof fDistillDivergences;

/** Options of {@link fDistillWeights}. Defaults are the authors' (NVlabs/FastGen `config_f_distill.py`). */
export interface FDistillWeightOptions {
  /** The f-divergence. Default `jensenShannon` (the config's `f_div = "js"`). */
  readonly divergence?: FDistillDivergence;
  /** Lower clamp of the density ratio. Default 0.1. */
  readonly ratioLower?: number;
  /** Upper clamp of the density ratio. Default 20. */
  readonly ratioUpper?: number;
  /**
   * Per-sample diffusion times `t` `[B]`: the ratio is divided by the moving average of the ratio in its time bin
   * (the config's `ratio_normalization`, on by default there). Omit for no normalization.
   */
  readonly times?: TensorLike;
  /** The time range `[min_t, max_t]` split into `bins` equal bins. Required with `times`. */
  readonly timeRange?: readonly [number, number];
  /** Number of time bins. Default 10. */
  readonly bins?: number;
  /** EMA rate of the bin averages: `bin ← bin·rate + (1 − rate)·batch mean`. Default 0 (the batch's own means). */
  readonly emaRate?: number;
  /** The bin averages from the previous call (`state` of the result); default all ones. */
  readonly state?: readonly number[];
}

/** Result of {@link fDistillWeights}. */
export interface FDistillWeights {
  /** Per-sample weights `h_i / (mean h + 1e-6)`, `[B]`: pass them as the loss's `inputs.weights`. */
  readonly weights: number[];
  /** The clamped (and, with `times`, normalized) density ratios, `[B]`. */
  readonly ratios: number[];
  /** The updated bin averages (with `times`): pass them back as `state` on the next call. */
  readonly state: number[] | undefined;
}

function hostValues(x: TensorLike, name: string): { v: Float64Array; shape: readonly number[] } {
  const c = toTensor(x, name);
  try {
    const v = Float64Array.from(c.host ?? c.tensor.dataSync());
    assertFinite(v, name, c.tensor.shape);
    return { v, shape: c.tensor.shape };
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}

/**
 * The density-ratio weights of f-distill for one generator step, computed on the host without gradient. From the
 * GAN discriminator's logits on the generated samples (`[B]`, or `[B, K]` averaged over K),
 * `r_i = clamp(exp(clamp(mean_k D_ik, −10, 10)), ratioLower, ratioUpper)` estimates `p(x_i)/q_θ(x_i)`; with
 * `times`, each `r_i` is divided by the moving average of `r` in its time bin (+1e-6); then `h_i = h(r_i)` for the
 * chosen divergence (`h(r) = f''(r) r²`: 1 for reverse KL, `r` for forward KL, `r/(1 + r)` for Jensen-Shannon, ...)
 * and the weights are `h_i / (mean_j h_j + 1e-6)`. Feed them to {@link fDistill} as `inputs.weights`.
 *
 * Checked against `FdistillModel._get_f_div_weighting_h` and the weighting table of NVlabs/FastGen
 * (`fastgen/methods/distribution_matching/f_distill.py`, commit 34f30e8): the clamps, the time-bin EMA
 * normalization, the table and the mean normalization of `h`.
 */
export function fDistillWeights(discriminatorLogits: TensorLike, options: FDistillWeightOptions = {}): FDistillWeights {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const divergence = options.divergence ?? 'jensenShannon';
  if (!Object.hasOwn(fDistillDivergences, divergence)) {
    throw new LosskitError('INVALID_PARAMETER', 'unknown f-divergence', { argument: 'divergence', expected: Object.keys(fDistillDivergences).map((k) => `'${k}'`).join(', '), received: String(divergence) });
  }
  const lo = params.positive('ratioLower', options.ratioLower ?? 0.1);
  const hi = params.inRange('ratioUpper', options.ratioUpper ?? 20, lo, Number.MAX_VALUE);
  const { v, shape } = hostValues(discriminatorLogits, 'discriminatorLogits');
  if (!(shape.length === 1 || shape.length === 2) || shape[0] === 0 || (shape.length === 2 && shape[1] === 0)) {
    throw new LosskitError('SHAPE_MISMATCH', 'one logit (or one row of logits) per generated sample', { argument: 'discriminatorLogits', expected: 'shape [B] or [B, K] with B, K >= 1', received: formatShape(shape) });
  }
  const B = shape[0]!;
  const K = shape.length === 2 ? shape[1]! : 1;
  const ratios = Array.from({ length: B }, (_, i) => {
    let m = 0;
    for (let k = 0; k < K; k++) m += v[i * K + k]!;
    const logit = Math.min(Math.max(m / K, -10), 10);
    return Math.min(Math.max(Math.exp(logit), lo), hi);
  });
  let state: number[] | undefined;
  if (options.times !== undefined) {
    const bins = params.positiveInteger('bins', options.bins ?? 10);
    const ema = params.closedUnitInterval('emaRate', options.emaRate ?? 0);
    const range = options.timeRange;
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[1] > range[0])) {
      throw new LosskitError('INVALID_ARGUMENT', 'the time range must be [min_t, max_t] with min_t < max_t', { argument: 'timeRange', expected: '[min, max], finite, min < max', received: JSON.stringify(range) });
    }
    const { v: t, shape: ts } = hostValues(options.times, 'times');
    if (t.length !== B || ts.length > 1) throw new LosskitError('SHAPE_MISMATCH', 'one time per sample', { argument: 'times', expected: `shape [${B}]`, received: formatShape(ts) });
    const prev = options.state ?? new Array<number>(bins).fill(1);
    if (!Array.isArray(prev) || prev.length !== bins || !prev.every((x) => Number.isFinite(x))) {
      throw new LosskitError('INVALID_ARGUMENT', 'state must hold one finite average per bin', { argument: 'state', expected: `${bins} finite numbers`, received: Array.isArray(prev) ? `${prev.length} values` : String(prev) });
    }
    const width = (range[1] - range[0]) / bins;
    const idx = Array.from(t, (ti) => Math.min(Math.max(Math.floor((ti - range[0]) / width), 0), bins - 1));
    const count = new Array<number>(bins).fill(0);
    const sum = new Array<number>(bins).fill(0);
    idx.forEach((b, i) => {
      count[b]! += 1;
      sum[b]! += ratios[i]!;
    });
    state = prev.map((old, b) => (count[b]! > 0 ? old * ema + (1 - ema) * (sum[b]! / (count[b]! + 1e-6)) : old));
    for (let i = 0; i < B; i++) ratios[i] = ratios[i]! / (state[idx[i]!]! + 1e-6);
  }
  const h = ratios.map(fDistillDivergences[divergence]);
  const mean = h.reduce((a, b) => a + b, 0) / B;
  return { weights: h.map((x) => x / (mean + 1e-6)), ratios, state };
}

/** Names of the inputs {@link fDistill} reads. */
export interface FDistillOptions {
  /** The teacher's x₀-prediction at the noised generated sample, `[B, D]`. Default `teacher`. */
  readonly teacher?: string;
  /** The fake-score network's x₀-prediction at the same point, `[B, D]`. Default `fakeScore`. */
  readonly fakeScore?: string;
  /** Per-sample f-divergence weights from {@link fDistillWeights}, `[B]`. Default `weights`. */
  readonly weights?: string;
}

/**
 * The f-distill generator loss (f-divergence distribution matching), one value per sample: the variational score
 * distillation loss in x₀ space with a per-sample weight `h_i` from the density ratio. With the generated sample
 * `x` (`yPred`, `[B, D]`, flattened), the teacher's and fake-score network's x₀-predictions `x̂_T`, `x̂_F` at its
 * noised version, `w_i = 1/(mean_d |x_id − x̂_T,id| + 1e-6)` (detached) and `g = w_i h_i (x̂_F − x̂_T)`:
 * `ℓ_i = ½ mean_d (x_id − sg(x_id − g_id))²`, whose gradient `g/D` is the f-divergence gradient
 * `−E[h(r)(∇log p − ∇log q_θ)]` in x₀ parametrization. With `h ≡ 1` it is DMD's loss (reverse KL). The mean
 * reduction gives the authors' `0.5 · mse_loss(x, pseudo_target)`; the GAN loss they add is separate.
 *
 * Shapes: `yPred` `[B, D]`; `inputs.teacher`, `inputs.fakeScore` `[B, D]`; `inputs.weights` `[B]` → `[B]`.
 * Labels are ignored. Checked against `variational_score_distillation_loss(..., additional_scale=h)` of
 * NVlabs/FastGen (`fastgen/methods/common_loss.py`, commit 34f30e8). A DSL composition of core terms.
 *
 * @example `compile(fDistill())(zeros, generated, { inputs: { teacher, fakeScore, weights: fDistillWeights(dLogits).weights } })`
 * @see Xu, Nie, Vahdat, "One-step Diffusion Models with f-Divergence Distribution Matching" (arXiv:2502.15681).
 */
export function fDistill(options: FDistillOptions = {}): Expr<'sample', 'any'> {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const teacher = input(options.teacher ?? 'teacher', 'class');
  const fake = input(options.fakeScore ?? 'fakeScore', 'class');
  const h = input(options.weights ?? 'weights', 'sample');
  const w = yPred().minus(teacher).abs().mean().plus(1e-6).pow(-1).detach();
  const g = fake.minus(teacher).times(w.times(h).detach().expand());
  return yPred().minus(yPred().minus(g).detach()).pow(2).mean().scale(0.5);
}

export const fDistillEntry = defineEntry({
  id: 'f-distill',
  name: 'f-distill (f-divergence distribution matching)',
  package: '@losskit/losses',
  export: 'fDistill',
  category: 'generative',
  summary: 'One-step diffusion distillation: the score-difference gradient of distribution matching, weighted per sample by h(r) of the density ratio for any f-divergence.',
  formula:
    '\\ell_i = \\tfrac12\\,\\overline{\\left(x_i - \\operatorname{sg}(x_i - g_i)\\right)^2},\\ g_i = \\frac{h(r_i)}{\\overline{|x_i - \\hat x_{T,i}|} + 10^{-6}}\\,(\\hat x_{F,i} - \\hat x_{T,i}),\\ h(r) = f\'\'(r)\\,r^2',
  inputs: 'generated samples yPred [B, D]; inputs.teacher, inputs.fakeScore: x0-predictions [B, D]; inputs.weights: f-divergence weights [B] (fDistillWeights); labels ignored',
  params: [],
  paper: { title: 'One-step Diffusion Models with f-Divergence Distribution Matching', authors: 'Yilun Xu, Weili Nie, Arash Vahdat', year: 2025, url: 'arXiv:2502.15681' },
  example:
    "import { compile } from '@losskit/core';\nimport { fDistill, fDistillWeights } from '@losskit/losses';\nconst { weights } = fDistillWeights([1.5, -0.3], { divergence: 'forwardKl' });\nconst loss = compile(fDistill());\nloss([0, 0], [[0.2, 0.4], [-0.1, 0.3]], { inputs: { teacher: [[0.1, 0.5], [0.2, 0.2]], fakeScore: [[0.3, 0.1], [0, 0.4]], weights } }).print();",
  dsl: 'fDistill()',
});
