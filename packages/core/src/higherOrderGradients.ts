/**
 * Gradients that can be differentiated again.
 *
 * tfjs-core 4.22 writes the gradients of `Exp`, `Tanh`, `Sigmoid`, `Softmax` and `Pow` in terms of the
 * op's saved *output* `y` (`dy·y` for exp, `dy·(1 − y²)` for tanh, ...). The tape does not connect that saved output
 * back to the op's input, so a gradient of such a gradient (a gradient penalty, a Hessian-vector product, a
 * meta-gradient through unrolled steps) silently misses every path through `y`: `d²/dx² Σ tanh(x)·x` at x = 0.5 comes
 * out as 1.573 where the value is 1.209, and `Σ tanh(x)` alone throws "Cannot compute gradient". The first-order
 * gradients are right.
 *
 * Registered here instead: the same first-order formulas, with `y` recomputed from the saved input, so every tensor
 * of the backward pass hangs off the input on the tape and nested `tf.grad` calls are exact. Cost: one more
 * elementwise op (exp, tanh, sigmoid, softmax, pow) in the backward pass of these ops; losskit's fused loss kernels
 * do not use these gradients. Importing `@losskit/core` installs them (tfjs's gradient registry is global).
 *
 * Not fixable here: `tf.logSoftmax` is a `customGrad` whose gradient reads its saved output, so it cannot be
 * differentiated twice; write `x − logSumExp(x)` (or `log(softmax(x))`) where a second-order gradient is needed.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** Sums `t` over the axes that broadcasting added or stretched, back to `shape` (as tfjs's binary-op gradients do). */
function unbroadcast(t: Tensor, shape: readonly number[]): Tensor {
  const lead = t.rank - shape.length;
  const axes: number[] = [];
  for (let k = 0; k < t.rank; k++) if (k < lead || (shape[k - lead] === 1 && t.shape[k] !== 1)) axes.push(k);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape as number[]);
}

const registrations: tf.GradConfig[] = [
  {
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as Tensor, tf.exp(saved[0]!)) }),
  },
  {
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as Tensor, tf.sub(1, tf.square(tf.tanh(saved[0]!)))) }),
  },
  {
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () => {
        const s = tf.sigmoid(saved[0]!);
        return tf.mul(dy as Tensor, tf.mul(s, tf.sub(1, s)));
      },
    }),
  },
  {
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => ({
      logits: () => {
        const dim = (attrs as unknown as { dim: number }).dim;
        const y = tf.softmax(saved[0]!, dim);
        const dyY = tf.mul(dy as Tensor, y);
        return tf.sub(dyY, tf.mul(tf.sum(dyY, dim, true), y));
      },
    }),
  },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [Tensor, Tensor];
      return {
        a: () => {
          const e = tf.cast(b, 'float32');
          return unbroadcast(tf.mul(dy as Tensor, tf.mul(e, tf.pow(a, tf.sub(e, 1)))), a.shape);
        },
        b: () => {
          // d(a^b)/db = a^b · log a for a > 0, and 0 elsewhere (tfjs's convention).
          const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
          return unbroadcast(tf.mul(dy as Tensor, tf.mul(tf.pow(a, b), logA)), b.shape);
        },
      };
    },
  },
];

for (const config of registrations) tf.registerGradient(config);
