// optax's Fenchel–Young loss builder (google-deepmind/optax `optax/losses/_fenchel_young.py` at
// 2edbcbe2390da13983b92cbef94ac0460ecde1c5).
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, type TensorLike, formatShape } from '@losskit/core';
import { validateOption } from '../validate.js';
import { type OptaxOptions, expandTo, finish, tensorOf } from './common.js';

/**
 * A max function over the last axis: takes scores `[N, n]` (every leading dimension flattened into `N`) and returns
 * `[N]`, e.g. `(s) => tf.logSumExp(s, -1)` or `(s) => tf.max(s, -1)`; extra arguments of the loss are passed on.
 */
export type TensorMaxFunction = (scores: Tensor, ...args: unknown[]) => Tensor;

/** The loss {@link makeFenchelYoungLoss} returns: `(scores, targets, ...args)`, last argument optionally `{ validate }`. */
export type FenchelYoungLoss = (scores: TensorLike, targets: TensorLike, ...args: unknown[]) => Tensor;

/**
 * optax `make_fenchel_young_loss(max_fun)`: returns `loss(scores, targets, ...args) = max_fun(scores, ...args) −
 * ⟨targets, scores⟩` over the last axis, for scores `[..., n]` and targets broadcast to them; the result is `[...]`.
 * optax vectorises `max_fun` over the leading axes (`jnp.vectorize(max_fun, signature="(n)->()")`); here `maxFun`
 * receives all rows at once as `[N, n]` and must return `[N]` (checked: `SHAPE_MISMATCH` naming `maxFun`), so one
 * tfjs call covers the batch. Gradients (`tf.grad` with respect to the scores) are `∇max_fun(s) − targets` by
 * autodiff through `maxFun`. A trailing `{ validate: false }` argument turns off the finiteness checks. The DSL form
 * is `fenchelYoung((s) => s.logSumExp())` of `@losskit/losses`.
 *
 * @example
 * const fy = makeFenchelYoungLoss((s) => tf.logSumExp(s, -1));
 * fy([[2, 1, 0]], [[1, 0, 0]]); // the softmax cross-entropy, [0.4076]
 */
export function makeFenchelYoungLoss(maxFun: TensorMaxFunction): FenchelYoungLoss {
  if (typeof maxFun !== 'function') {
    throw new LosskitError('INVALID_ARGUMENT', 'makeFenchelYoungLoss takes a max function', { argument: 'maxFun', expected: 'a function (scores [N, n]) => [N], e.g. (s) => tf.logSumExp(s, -1)', received: typeof maxFun });
  }
  return (scores: TensorLike, targets: TensorLike, ...args: unknown[]): Tensor => {
    const last = args.at(-1);
    const isOptions = last !== null && typeof last === 'object' && !(last instanceof tf.Tensor) && !Array.isArray(last) && !ArrayBuffer.isView(last) && 'validate' in (last as object);
    const options: OptaxOptions = isOptions ? (last as OptaxOptions) : {};
    const rest = isOptions ? args.slice(0, -1) : args;
    const validate = validateOption(options);
    return tf.tidy(() => {
      const s = tensorOf(scores, 'scores', validate);
      if (s.rank < 1) throw new LosskitError('RANK_MISMATCH', 'scores must have a last axis', { argument: 'scores', expected: 'shape [..., n]', received: '[] (a scalar)' });
      const t = expandTo(tensorOf(targets, 'targets', validate), s.shape, 'targets', 'scores');
      const lead = s.shape.slice(0, -1);
      const n = s.shape.at(-1)!;
      const rows = tf.reshape(s, [-1, n]);
      const m = maxFun(rows, ...rest);
      if (!(m instanceof tf.Tensor) || m.size !== rows.shape[0] || m.rank > 1) {
        throw new LosskitError('SHAPE_MISMATCH', 'the max function must reduce the last axis of its [N, n] input to [N]', {
          argument: 'maxFun',
          expected: `a tensor of shape [${rows.shape[0]}]`,
          received: m instanceof tf.Tensor ? formatShape(m.shape) : typeof m,
        });
      }
      const dot = tf.sum(tf.mul(tf.reshape(t, [-1, n]), rows), -1);
      const out = tf.reshape(tf.sub(tf.reshape(m, [-1]), dot), lead);
      return finish(out, 'the Fenchel-Young loss', 'maxFun', validate, 'the max function returned a non-finite value');
    });
  };
}
