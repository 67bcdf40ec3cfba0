import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type CompiledLoss, LosskitError, type TensorLike, ce, checkParam, cleanTapeOnError, compile, formatShape, params, signOf, toTensor } from '@losskit/core';
import { type Forward, checkBatch, checkFiniteTensor, checkInteger, forwardOf, readOptions } from '@losskit/diagnostics';

/** Options shared by the attacks. */
export interface AttackOptions {
  /** The model (tfjs-layers) or a forward function x ↦ logits. */
  readonly model: Forward;
  /** Clean inputs `[N, ...]` (float32). */
  readonly x: Tensor;
  /** Integer labels `[N]` or targets `[N, C]`. */
  readonly y: TensorLike;
  /** L∞ budget ε ≥ 0. */
  readonly epsilon: number;
  /** The loss the attack ascends, a compiled loss (mean reduction). Default `compile(ce())`. */
  readonly loss?: CompiledLoss;
  /** Valid input range `[lo, hi]` the adversarial input is clipped to (e.g. `[0, 1]` for images). Default none. */
  readonly bounds?: readonly [number, number];
}

/** @internal Validated attack inputs. */
export interface Attack {
  readonly f: (x: Tensor) => Tensor;
  readonly x: Tensor;
  readonly y: Tensor;
  readonly ownsY: boolean;
  readonly eps: number;
  readonly loss: CompiledLoss;
  readonly bounds: readonly [number, number] | undefined;
}

/**
 * @internal Checks the shared options; the caller disposes `y` when `ownsY`. `x` must be finite (`NON_FINITE_INPUT`):
 * a clip to `bounds` on the WASM backend maps NaN into the bounds, which would hide it from the loss's own check.
 */
export function readAttack(options: AttackOptions): Attack {
  const o = readOptions(options, 'options');
  const f = forwardOf(o.model);
  const n = checkBatch(o.x, 'x');
  checkFiniteTensor(o.x, 'x');
  const eps = checkParam('epsilon', o.epsilon, 'a number >= 0', (v) => v >= 0);
  const loss = o.loss ?? compile(ce());
  if (typeof loss !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'loss must be a compiled loss', { argument: 'loss', expected: 'compile(expr)' });
  let bounds: readonly [number, number] | undefined;
  if (o.bounds !== undefined) {
    if (!Array.isArray(o.bounds) || o.bounds.length !== 2 || !o.bounds.every(Number.isFinite) || !(o.bounds[0]! < o.bounds[1]!)) {
      throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'bounds', expected: '[lo, hi] with finite lo < hi', received: JSON.stringify(o.bounds) });
    }
    bounds = [o.bounds[0]!, o.bounds[1]!];
  }
  const yc = toTensor(o.y, 'y');
  if (yc.tensor.rank < 1 || yc.tensor.shape[0] !== n) {
    if (yc.owned) yc.tensor.dispose();
    throw new LosskitError('SHAPE_MISMATCH', 'one target per example', { argument: 'y', expected: `labels [${n}] or targets [${n}, C]`, received: formatShape(yc.tensor.shape) });
  }
  return { f, x: o.x, y: yc.tensor, ownsY: yc.owned, eps, loss, bounds };
}

/** ∇_x L(f(x), y) as a tensor (the caller owns it); no tape left on error. */
export function inputGradient(a: Attack, x: Tensor): Tensor {
  return cleanTapeOnError(() => tf.grad((xi: Tensor) => a.loss(a.y, a.f(xi)) as tf.Scalar)(x));
}

const clipTo = (x: Tensor, bounds: readonly [number, number] | undefined): Tensor => (bounds ? tf.clipByValue(x, bounds[0], bounds[1]) : x);

/**
 * Fast gradient sign method (Goodfellow, Shlens & Szegedy 2015, *Explaining and Harnessing Adversarial Examples*):
 * x_adv = clip(x + ε · sign(∇_x L(f(x), y))), the one-step L∞ attack the adversarial-error power law and the fast
 * adversarial-training regularizers here are defined with. Returns x_adv `[N, ...]` (the caller owns it).
 *
 * @example const xAdv = fgsm({ model, x, y: labels, epsilon: 0.1, bounds: [0, 1] });
 */
export function fgsm(options: AttackOptions): Tensor {
  const a = readAttack(options);
  try {
    return tf.tidy(() => clipTo(tf.add(a.x, tf.mul(signOf(inputGradient(a, a.x)), a.eps)), a.bounds));
  } finally {
    if (a.ownsY) a.y.dispose();
  }
}

/** Options of {@link pgd}. */
export interface PgdOptions extends AttackOptions {
  /** Step size of each signed-gradient step. Default ε/4. */
  readonly stepSize?: number;
  /** Number of steps. Default 10. */
  readonly steps?: number;
  /** Start from a uniform point of the ε-ball. Default true. */
  readonly randomStart?: boolean;
  /** Seed of the random start. Default 0. */
  readonly seed?: number;
}

/**
 * Projected gradient descent in L∞ (Madry, Makelov, Schmidt, Tsipras & Vladu 2018, *Towards Deep Learning Models
 * Resistant to Adversarial Attacks*): from x (+ U(−ε, ε) when `randomStart`), repeat x ← Π_{B∞(x₀, ε) ∩ bounds}(x + η ·
 * sign(∇_x L)). Returns x_adv (the caller owns it).
 *
 * @example const xAdv = pgd({ model, x, y: labels, epsilon: 0.1, steps: 10 });
 */
export function pgd(options: PgdOptions): Tensor {
  const o = readOptions(options, 'options');
  const steps = checkInteger('steps', o.steps ?? 10, 0, 10_000);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'seed', expected: 'an integer', received: String(seed) });
  const randomStart = params.boolean('randomStart', o.randomStart ?? true);
  const a = readAttack(o);
  try {
    const eta = checkParam('stepSize', o.stepSize ?? a.eps / 4, 'a number >= 0', (v) => v >= 0);
    return tf.tidy(() => {
      const lo = tf.sub(a.x, a.eps);
      const hi = tf.add(a.x, a.eps);
      const project = (t: Tensor) => clipTo(tf.minimum(tf.maximum(t, lo), hi), a.bounds);
      let xa = !randomStart ? a.x : project(tf.add(a.x, tf.randomUniform(a.x.shape, -a.eps, a.eps, 'float32', seed)));
      for (let s = 0; s < steps; s++) {
        const next = tf.tidy(() => project(tf.add(xa, tf.mul(signOf(inputGradient(a, xa)), eta))));
        if (xa !== a.x) xa.dispose();
        xa = next;
      }
      return xa === a.x ? tf.clone(a.x) : xa;
    });
  } finally {
    if (a.ownsY) a.y.dispose();
  }
}
