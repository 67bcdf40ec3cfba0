/**
 * Core-term forms of this package's ops for `compile()`'s fusion pass (`defineFusedForm` in `@losskit/core`):
 * with them, the losses built on these ops run as one fused kernel per row from logits. Each form computes the
 * op's value from logits with the same formula as its `evaluate` (checked against it, values and gradients, in
 * `test/fusion-coverage.test.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, constant, defineFusedForm, defineOp, log1mexp, logProb, logit, node, prob, yTrue } from '@losskit/core';
import { KERAS_EPSILON } from './standard/primitives.js';

/** The number of classes `C` of the call, at sample level (`Σ_j 1`). */
const classes = () => constant(1, 'class').sum();

// Keras' categorical log-probability from logits: log_softmax(z), no clipping.
defineFusedForm('std.normalizedLogProb', () => logProb());
// Keras' clipped categorical probability from logits: clip(softmax(z), ε, 1 − ε).
defineFusedForm('std.normalizedProb', () => prob().clip(KERAS_EPSILON, 1 - KERAS_EPSILON));
// σ(z) from logits.
defineFusedForm('std.binaryProb', () => logit().sigmoid());
// 1 − σ(z) from logits as σ(−z), as its op computes it (no cancellation at large z).
defineFusedForm('std.binaryProbComplement', () => logit().neg().sigmoid());
// Smoothed targets y(1 − ε) + ε/C (categorical) or + ε/2 (binary).
defineFusedForm('std.smoothedTargets', (_a, p) => {
  const eps = p.labelSmoothing as number;
  if (eps === 0) return yTrue();
  const shift = p.mode === 'binary' ? constant(eps / 2, 'sample') : constant(eps, 'sample').div(classes());
  return yTrue().scale(1 - eps).plus(shift.expand());
});
// p^q from logits as exp(q · log_softmax(z)).
defineFusedForm('std.probPower', (_a, p) => logProb().scale(p.q as number).exp());
// factor · √C.
defineFusedForm('std.sqrtClasses', (_a, p) => classes().sqrt().scale(p.factor as number));
// CompSum: expm1((1 − τ)·CE)/(1 − τ), CE itself at τ = 1 (exp(x) − 1 in float64 per row).
defineFusedForm('compSum', (a, p) => {
  const tau = p.tau as number;
  const ceTerm = a[0] as Expr<'sample'>;
  return tau === 1 ? ceTerm : ceTerm.scale(1 - tau).exp().minus(1).scale(1 / (1 - tau));
});
// LDR-KL: λ·(logsumexp((δ·[k ≠ y] + z_k − z_y)/λ) − log C).
defineFusedForm('ldrKl', (_a, p) => {
  const delta = p.delta as number;
  const lambda = p.lambda as number;
  const d = logit().minus(logit().target().expand()).plus(yTrue().neg().plus(1).scale(delta));
  return d.scale(1 / lambda).logSumExp().minus(classes().log()).scale(lambda);
});
// Jensen–Shannon: ½ Σ [t log t − t log m + p log p − p log m], m = (t + p)/2 floored at 1e-30, 0 log 0 = 0.
defineFusedForm('jsDivergence', () => {
  const t = yTrue();
  const p = prob();
  const logM = t.plus(p).scale(0.5).maximum(1e-30).log();
  return t.times(t.maximum(1e-30).log()).minus(t.times(logM)).plus(p.times(logProb())).minus(p.times(logM)).sum().scale(0.5);
});
// DCO, as its op: with ℓ = min(log p_y, 0), L = −log1mexp(N·log1mexp(ℓ)), or below ℓ = −16 the series
// −log N − ℓ + (N − 1)p/2 (selects: the untaken branch is never read); its custom gradient
// G = dL/dℓ = −exp(ℓ + (N − 1)·log1mexp(ℓ) + L + log N), with the p = 1 limit (G = −1 at N = 1, 0 above), and in
// the series branch the series' derivative, is carried by L' = sg(L) + sg(G)·(ℓ₀ − sg(ℓ₀)): exactly L in value (G ∈ [−1, 0] is finite), G as its gradient.
defineFusedForm('dco', (a, p) => {
  const n = p.n as number;
  const lp0 = a[0] as Expr<'sample'>;
  const lp = lp0.minimum(0).detach();
  const a1 = log1mexp(lp);
  const small = lp.neg().minus(16).relu(); // non-zero exactly where ℓ < −16
  const notSmall = constant(1, 'sample').minus(constant(1, 'sample').where(small));
  const tiny = lp.neg().minus(Math.log(n)).plus(lp.exp().scale((n - 1) / 2));
  const regular = log1mexp(a1.where(notSmall, -1).scale(n)).neg();
  const value = tiny.where(small).plus(regular.where(notSmall));
  const mid = n === 1 ? constant(0, 'sample') : a1.scale(n - 1);
  // Series branch: the series' own derivative −1 + (N − 1)p/2 (the op's exp(ℓ + … + L + log N) cancels ℓ against
  // L ≈ −ℓ there, which at ℓ = −2e30 leaves 0 or log N depending on the rounding order).
  const gradTiny = lp.exp().scale((n - 1) / 2).minus(1);
  const gradRegular = lp.plus(mid).plus(value.plus(Math.log(n))).exp().neg();
  const grad = gradTiny.where(small).plus(gradRegular.where(notSmall));
  return value.plus(grad.times(lp0.minus(lp0.detach())));
});
// f-divergences with a closed form over the row (the others keep the unfused path).
defineFusedForm('fDivergence', (_a, p) => {
  if (p.divergence === 'squaredHellinger') return yTrue().sqrt().minus(logProb().scale(0.5).exp()).pow(2).sum();
  if (p.divergence === 'totalVariation') return yTrue().minus(prob()).abs().sum().scale(0.5);
  return undefined;
});

/**
 * A table over the classes: `values[k]` at class `ids[k]`, `fill` elsewhere (the row length C known at the call).
 * Its fused form is a per-class constant; the fused forms below use it, never the unfused path (which
 * evaluates the ops themselves).
 */
const classTableOp = defineOp<{ ids: readonly number[]; values: readonly number[]; fill: number; minClasses: number }>({
  kind: 'std.classTable',
  evaluate: (c, _a, p) => tf.tensor1d(tableOf(p.ids, p.values, p.fill, c.numClasses, p.minClasses) ?? new Array<number>(c.numClasses).fill(Number.NaN)),
  print: (_a, p) => `table(${p.ids.join(', ')})`,
});
/** The table at row length C, or `undefined` (an id outside the row, fewer than `minClasses` classes). */
function tableOf(ids: readonly number[], values: readonly number[], fill: number, C: number, minClasses: number): number[] | undefined {
  if (C < minClasses || ids.some((id) => id >= C)) return undefined;
  const out = new Array<number>(C).fill(fill);
  ids.forEach((id, k) => (out[id] = values[k]!));
  return out;
}
defineFusedForm('std.classTable', (_a, p) => ({
  perClass: (C) => tableOf(p.ids as readonly number[], p.values as readonly number[], p.fill as number, C, p.minClasses as number),
}));
const classTable = (ids: readonly number[], values: readonly number[], fill: number, minClasses = 1) =>
  node<'class'>(classTableOp, 'class', [], { ids, values, fill, minClasses });

// Number-token losses: p̃ = softmax of the logits with −∞ added off the number tokens N (exactly the softmax over
// N), v the token values (0 off N), v_y = Σ_j y_j v_j (for integer labels the table read at the label) and
// 1[y ∈ N] = Σ_j y_j 1[j ∈ N]; MSE (Σ_j p̃_j v_j − v_y)², Wasserstein Σ_j p̃_j |v_j − v_y|, both times 1[y ∈ N].
// Token ids outside the row make the table undefined: that call keeps the unfused path, which reports them.
defineFusedForm('numberTokenLoss', (_a, p) => {
  const ids = p.tokenIds as readonly number[];
  const values = classTable(ids, p.values as readonly number[], 0);
  const onNumbers = classTable(ids, ids.map(() => 1), 0);
  const pt = logit().plus(classTable(ids, ids.map(() => 0), Number.NEGATIVE_INFINITY)).softmax();
  const vy = values.target();
  const loss = p.kind === 'mse' ? pt.times(values).sum().minus(vy).pow(2) : pt.times(values.minus(vy.expand()).abs()).sum();
  return loss.times(onNumbers.target());
});

// Entropy-guided attention regularization: (E − θ log T)² where |E − θ log T| > γ log T (a select on the strict
// inequality, as tf.step), T the context size or the row length C.
defineFusedForm('entropyDeadzone', (a, p) => {
  const logT = (p.contextSize as number) > 0 ? constant(Math.log(p.contextSize as number), 'sample') : classes().log();
  const d = (a[0] as Expr<'sample'>).minus(logT.scale(p.theta as number));
  return d.pow(2).where(d.abs().minus(logT.scale(p.gamma as number)).relu());
});

// ALDR-KL (without a previous λ input): λ_i = sg(max(λ0·(1 − KL(softmax(sg(z)/λ0) ‖ U)/(α log C)), 1e-6·λ0)), then
// λ_i·(logsumexp((δ·[k ≠ y] + z_k − z_y)/λ_i) − log C) − (α log C/(2λ0))·(λ_i − λ0)², as its op. C counts the
// classes through a table defined only for C ≥ 2, so one class keeps the unfused path (which reports it).
defineFusedForm('aldrKl', (a, p) => {
  if (a.length > 0) return undefined;
  const delta = p.delta as number;
  const lambda0 = p.lambda0 as number;
  const alpha = p.alpha as number;
  const logK = classTable([], [], 1, 2).sum().log();
  const q = logit().detach().scale(1 / lambda0).logSoftmax();
  const klU = q.exp().times(q).sum().plus(logK);
  const lam = constant(1, 'sample').minus(klU.div(logK.scale(alpha))).scale(lambda0).maximum(1e-6 * lambda0).detach();
  const d = logit().minus(logit().target().expand()).plus(yTrue().neg().plus(1).scale(delta));
  const lme = d.div(lam.expand()).logSumExp().minus(logK);
  return lam.times(lme).minus(lam.minus(lambda0).pow(2).times(logK.scale(alpha / (2 * lambda0))));
});
