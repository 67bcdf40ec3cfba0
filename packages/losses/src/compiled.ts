/**
 * The drop-ins' compiled-expression cache (`/keras`, `/tfjs`, `/torch`): each expression is compiled once per
 * prediction kind, with `reduction: 'none'` and `validate: false` (the drop-ins check their own inputs and apply
 * their anchor's reduction), and every later call reuses it. Keys are the expressions' structural keys, so the cache
 * grows with the number of distinct expressions (hyperparameter values), not with calls; per-call data such as class
 * weights goes through `input()` terms, not into the key.
 * @internal
 */
import { type CompiledLoss, type Expr, compile } from '@losskit/core';

const cache = new Map<string, CompiledLoss>();

/**
 * The compiled form of `expr` for predictions of kind `from`. `fuse: false` keeps every tensor argument on the tfjs
 * gradient tape (a fused kernel differentiates with respect to `yPred` only): for drop-ins whose targets and extra
 * inputs may need gradients, as torch's do.
 */
export function compiledOnce(expr: Expr<'sample' | 'batch'>, from: 'logits' | 'probs', fuse: 'auto' | false = 'auto'): CompiledLoss {
  const key = `${from}|${fuse}|${expr.key}`;
  let c = cache.get(key);
  if (!c) {
    c = (from === 'probs' ? compile(expr as Expr<'sample', 'any'>, { from, reduction: 'none', validate: false, fuse }) : compile(expr, { from, reduction: 'none', validate: false, fuse })) as CompiledLoss;
    cache.set(key, c);
  }
  return c;
}
