/**
 * Fused forms of core ops the row program has no node for (see `defineFusedForm` in `program.ts`).
 * @internal
 */
import type { Expr } from '../expr.js';
import { logit, yTrue } from '../terms/inputs.js';
import { defineFusedForm } from './program.js';

// bce from logits: softplus(z) − t·z with t = y(1 − ε) + ε/2, as the op evaluates it.
defineFusedForm('bce', (_a, p) => {
  const eps = p.labelSmoothing as number;
  const t = eps === 0 ? yTrue() : yTrue().scale(1 - eps).plus(eps / 2);
  return logit().softplus().minus(t.times(logit()));
});

// zNormalize (per row): (x − mean)/sqrt(var + 1e-12), var the population variance, as tf.moments gives them.
defineFusedForm('zNormalize', (a) => {
  const x = a[0] as Expr<'class'>;
  const d = x.minus(x.mean().expand());
  return d.div(d.pow(2).mean().plus(1e-12).sqrt().expand());
});
