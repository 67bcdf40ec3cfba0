/**
 * Core-term forms of this package's ops for `compile()`'s fusion pass (`defineFusedForm` in `@losskit/core`):
 * with them, the losses built on these ops run as one fused kernel per row from logits. Each form computes the
 * op's value from logits with the same formula as its `evaluate` (checked against it, values and gradients, in
 * `test/fusion-coverage.test.ts`).
 */
import { type Expr, constant, defineFusedForm, logProb, logit, prob, yTrue } from '@losskit/core';
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
// DCO has no fused form: −log1mexp(N·log1mexp(log p_y)) has a 0·∞ gradient at p_y = 1 and loses p_y below
// ~1e-7 in float32; its op switches to a series there (tf.where) with its own gradient, which a row program cannot.
// f-divergences with a closed form over the row (the others keep the unfused path).
defineFusedForm('fDivergence', (_a, p) => {
  if (p.divergence === 'squaredHellinger') return yTrue().sqrt().minus(logProb().scale(0.5).exp()).pow(2).sum();
  if (p.divergence === 'totalVariation') return yTrue().minus(prob()).abs().sum().scale(0.5);
  return undefined;
});
