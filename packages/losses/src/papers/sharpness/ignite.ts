import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, cleanTapeOnError, defineEntry, params } from '@losskit/core';

/** Named parameters (tensors or `tf.Variable`s), as `train()` and the optimizers take them. */
export type IgniteParams = Readonly<Record<string, Tensor>>;

/** Options of {@link igniteStep}. */
export interface IgniteOptions {
  /** Sharpness radius ρ > 0: the constraint is `ρ ‖∇_θ G(θ)‖ ≤ ε`. Default 0.05. */
  readonly rho?: number;
  /** Finite-difference step r > 0 of the Hessian-vector product. Default 0.05. */
  readonly r?: number;
  /** Sharpness budget ε ≥ 0. Default 0.1. */
  readonly epsilon?: number;
  /** Step size η_λ > 0 of the multiplier's dual ascent. Default 1e-3. */
  readonly etaLambda?: number;
}

/** Caller-held state of {@link igniteStep}: the Lagrange multiplier λ. */
export interface IgniteState {
  readonly lambda: number;
}

/** Result of {@link igniteStep}; the caller owns (and disposes) `value` and `grads`. */
export interface IgniteStepResult {
  /** The training loss L(θ) at the current parameters. */
  readonly value: Scalar;
  /** The IGNITE gradient `∇L + λ (ρ/r)(∇G(θ + r ĝ) − ∇G(θ))`, one tensor per parameter: feed it to any optimizer. */
  readonly grads: Record<string, Tensor>;
  /** The surrogate sharpness estimate `ρ ‖∇_θ G(θ)‖` at this step. */
  readonly sharpness: number;
  /** The next state, `λ + η_λ (ρ ‖∇G‖ − ε)`. */
  readonly state: IgniteState;
}

/** Initial state of {@link igniteStep}: `λ₀` (default 1e-3, the authors' `--lambda_`). */
export function igniteInit(lambda = 1e-3): IgniteState {
  return { lambda: params.finite('lambda', lambda) };
}

function checkParams(p: unknown): string[] {
  if (p === null || typeof p !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'params is a map of tensors', { argument: 'params', expected: '{ name: tf.Tensor | tf.Variable }', received: p === null ? 'null' : typeof p });
  const names = Object.keys(p);
  if (names.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'no parameters', { argument: 'params', expected: 'at least one tensor', received: '{}' });
  for (const k of names) {
    const t = (p as Record<string, unknown>)[k];
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new LosskitError('INVALID_ARGUMENT', 'params must be live tensors', { argument: `params.${k}`, expected: 'a tf.Tensor or tf.Variable', received: t instanceof tf.Tensor ? 'a disposed tensor' : typeof t });
    if (t.dtype !== 'float32') throw new LosskitError('INVALID_ARGUMENT', 'params must be float32', { argument: `params.${k}`, expected: 'float32', received: t.dtype });
  }
  return names;
}

/**
 * Value and gradients of a scalar function of the parameters. Plain tensors are passed in a fresh map; Variables are
 * differentiated where they are (the function may read them directly, e.g. through a tfjs-layers model).
 */
function gradsOf(f: (p: IgniteParams) => Tensor, names: readonly string[], at: IgniteParams, what: string): { value: Scalar; grads: Tensor[] } {
  return cleanTapeOnError(() =>
    tf.valueAndGrads((...xs: Tensor[]) => {
      const m: Record<string, Tensor> = {};
      names.forEach((k, i) => {
        m[k] = xs[i]!;
      });
      const v = f(m);
      if (!(v instanceof tf.Tensor)) throw new LosskitError('INVALID_ARGUMENT', `${what} must return a tensor`, { argument: what, expected: 'a tf.Tensor', received: typeof v });
      // G(θ) = Σ predictions / N (the authors' `reduce_sum(prediction) / len_x_data`): the mean over the batch's rows.
      const s = what === 'prediction' ? tf.div(tf.sum(v), Math.max(v.shape[0] ?? 1, 1)) : v;
      if (s.rank !== 0) throw new LosskitError('INVALID_ARGUMENT', `${what} must return a scalar`, { argument: what, expected: 'a tf.Scalar', received: `a tensor of shape [${v.shape.join(', ')}]` });
      // + 0·Σ x: a parameter the function does not use gets a zero gradient (the authors skip its `None` gradient)
      // instead of tfjs's "Cannot compute gradient".
      return tf.add(s, tf.mul(tf.addN(xs.map((t) => tf.sum(t))), 0)) as Scalar;
    })(names.map((k) => at[k]!)),
  ) as { value: Scalar; grads: Tensor[] };
}

/** Runs `f` with the parameters moved to `moved`: Variables are assigned in place (and restored), tensors passed as a map. */
function atParams<T>(names: readonly string[], base: IgniteParams, moved: readonly Tensor[], f: (p: IgniteParams) => T): T {
  const vars = names.every((k) => base[k] instanceof tf.Variable);
  if (!vars) {
    const m: Record<string, Tensor> = {};
    names.forEach((k, i) => {
      m[k] = moved[i]!;
    });
    return f(m);
  }
  const saved = names.map((k) => tf.clone(base[k]!));
  try {
    names.forEach((k, i) => (base[k] as tf.Variable).assign(moved[i]!));
    return f(base);
  } finally {
    names.forEach((k, i) => (base[k] as tf.Variable).assign(saved[i]!));
    tf.dispose(saved);
  }
}

/**
 * One IGNITE step for training the surrogate of an offline optimizer: the training loss L(θ) is minimized under the
 * surrogate-sharpness constraint `ρ ‖∇_θ G(θ)‖ ≤ ε`, `G(θ)` the surrogate's mean prediction on the batch, through the
 * Lagrangian `L + λ ρ ‖∇G‖`. The gradient of `‖∇G‖` is a Hessian-vector product, taken by finite differences:
 * with `g = ∇G(θ)` and `θ̂ = θ + r g/‖g‖`, the returned gradient is `∇L(θ) + λ (ρ/r) (∇G(θ̂) − g)`, and the multiplier
 * moves by dual ascent, `λ ← λ + η_λ (ρ ‖g‖ − ε)`. Feed `grads` to any optimizer (`optimizer.update(grads, ...)` of
 * `@losskit/optimizers`, or tfjs's `optimizer.applyGradients`) and keep `state` for the next step.
 * `loss(params)` returns the training loss (e.g. a `compile()`d loss of the forward pass), `prediction(params)` the
 * surrogate's predictions on the same batch, `[N]` or `[N, 1]`. With `tf.Variable` parameters (a tfjs-layers model's
 * weights) the functions may ignore their argument and read the model: the Variables are moved to θ̂ and restored.
 * Follows the authors' code (github.com/cuong-dm/IGNITE, `design_baselines/*_IGNITE/trainers.py` `train_step`; defaults
 * of `scripts/IGNITE/ga.py`: ρ = r = 0.05, ε = 0.1, λ₀ = η_λ = 1e-3): like it, λ is not projected onto λ ≥ 0. Where
 * `∇G = 0` the perturbation direction is undefined and the correction term is 0.
 *
 * @example `const { grads, state: next } = igniteStep(params, (p) => loss(y, f(p, x)), (p) => f(p, x), state)`
 * @see Dao, Nguyen, Truong, Hoang, "Incorporating Surrogate Gradient Norm to Improve Offline Optimization Techniques", NeurIPS 2024.
 */
export function igniteStep(
  params_: IgniteParams,
  loss: (p: IgniteParams) => Tensor,
  prediction: (p: IgniteParams) => Tensor,
  state: IgniteState,
  options: IgniteOptions = {},
): IgniteStepResult {
  const rho = params.positive('rho', options.rho ?? 0.05);
  const r = params.positive('r', options.r ?? 0.05);
  const epsilon = params.nonNegative('epsilon', options.epsilon ?? 0.1);
  const etaLambda = params.positive('etaLambda', options.etaLambda ?? 1e-3);
  if (typeof loss !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'loss must be a function of the parameters', { argument: 'loss', expected: '(params) => tf.Scalar', received: typeof loss });
  if (typeof prediction !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'prediction must be a function of the parameters', { argument: 'prediction', expected: '(params) => predictions [N] or [N, 1]', received: typeof prediction });
  if (state === null || typeof state !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'state is { lambda } (see igniteInit)', { argument: 'state', received: String(state) });
  const lambda = params.finite('state.lambda', state.lambda);
  const names = checkParams(params_);

  const main = gradsOf(loss, names, params_, 'loss');
  let g: { value: Scalar; grads: Tensor[] } | undefined;
  let gHat: { value: Scalar; grads: Tensor[] } | undefined;
  let moved: Tensor[] | undefined;
  try {
    g = gradsOf(prediction, names, params_, 'prediction');
    const norm = tf.tidy(() => tf.sqrt(tf.addN(g!.grads.map((t) => tf.sum(tf.square(t))))));
    const normValue = norm.dataSync()[0]!;
    norm.dispose();
    if (!Number.isFinite(normValue)) throw new LosskitError('NON_FINITE_OUTPUT', 'the gradient of the prediction is not finite', { argument: 'prediction', expected: 'a finite gradient', received: String(normValue) });
    const lossValue = main.value.dataSync()[0]!;
    if (!Number.isFinite(lossValue)) throw new LosskitError('NON_FINITE_OUTPUT', 'the loss is not finite', { argument: 'loss', expected: 'a finite value', received: String(lossValue) });
    let grads: Tensor[];
    if (normValue > 0) {
      moved = tf.tidy(() => names.map((k, i) => tf.add(params_[k]!, tf.mul(g!.grads[i]!, r / normValue))));
      gHat = atParams(names, params_, moved, (p) => gradsOf(prediction, names, p, 'prediction'));
      const coef = (lambda * rho) / r;
      grads = tf.tidy(() => names.map((_k, i) => tf.add(main.grads[i]!, tf.mul(tf.sub(gHat!.grads[i]!, g!.grads[i]!), coef))));
    } else {
      grads = main.grads.map((t) => tf.clone(t));
    }
    const sharpness = rho * normValue;
    const out: Record<string, Tensor> = {};
    names.forEach((k, i) => {
      out[k] = grads[i]!;
    });
    return { value: tf.clone(main.value) as Scalar, grads: out, sharpness, state: { lambda: lambda + etaLambda * (sharpness - epsilon) } };
  } finally {
    tf.dispose([main.value, ...main.grads]);
    if (g) tf.dispose([g.value, ...g.grads]);
    if (gHat) tf.dispose([gHat.value, ...gHat.grads]);
    if (moved) tf.dispose(moved);
  }
}

export const igniteEntry = defineEntry({
  id: 'ignite',
  name: 'IGNITE surrogate-sharpness step',
  package: '@losskit/losses',
  export: 'igniteStep',
  category: 'regularization',
  summary: 'Trains an offline-optimization surrogate under a gradient-norm sharpness constraint ρ‖∇G‖ ≤ ε with a dual-ascent multiplier.',
  formula: '\\nabla L(\\theta) + \\lambda\\frac{\\rho}{r}\\left(\\nabla G(\\theta + r\\,\\tfrac{\\nabla G}{\\|\\nabla G\\|}) - \\nabla G(\\theta)\\right),\\quad \\lambda \\leftarrow \\lambda + \\eta_\\lambda(\\rho\\|\\nabla G\\| - \\varepsilon)',
  inputs: 'params (tensors or Variables), loss(params) → scalar, prediction(params) → surrogate outputs [N] or [N, 1], state { lambda }',
  params: [
    { name: 'rho', default: 0.05, range: { min: 0, minExclusive: true }, description: 'sharpness radius ρ' },
    { name: 'r', default: 0.05, range: { min: 0, minExclusive: true }, description: 'finite-difference step' },
    { name: 'epsilon', default: 0.1, range: { min: 0 }, description: 'sharpness budget ε' },
    { name: 'etaLambda', default: 1e-3, range: { min: 0, minExclusive: true }, description: 'dual step size η_λ' },
  ],
  paper: { title: 'Incorporating Surrogate Gradient Norm to Improve Offline Optimization Techniques', authors: 'Manh Cuong Dao, Phi Le Nguyen, Thao Nguyen Truong, Trong Nghia Hoang', year: 2024, url: 'arXiv:2503.04242' },
  example:
    "import { compile, square } from '@losskit/core';\nimport { igniteInit, igniteStep } from '@losskit/losses';\nimport * as tf from '@tensorflow/tfjs-core';\nconst x = tf.tensor2d([[0.5, -1], [1, 0.2], [-0.3, 0.8]]);\nconst y = tf.tensor2d([[0.4], [1.1], [-0.2]]);\nconst theta = { w: tf.tensor2d([[0.3], [-0.2]]) };\nconst f = (p) => tf.tanh(tf.matMul(x, p.w));\nconst mse = compile(square().mean());\nconst step = igniteStep(theta, (p) => mse(y, f(p)), f, igniteInit());\nconst loss = step.value;",
  tryIt: {
    code: "const x = tf.tensor2d([[0.5, -1], [1, 0.2], [-0.3, 0.8]]);\nconst y = tf.tensor2d([[0.4], [1.1], [-0.2]]);\nconst theta = { w: tf.tensor2d([[0.3], [-0.2]]) };\nconst f = (p) => tf.tanh(tf.matMul(x, p.w));\nconst mse = (p) => tf.mean(tf.square(tf.sub(f(p), y)));\nlet state = igniteInit();\nconst losses = [];\nfor (let i = 0; i < 20; i++) {\n  const s = igniteStep(theta, mse, f, state);\n  losses.push(s.value.dataSync()[0]);\n  const w = tf.sub(theta.w, tf.mul(s.grads.w, 0.5));\n  theta.w.dispose();\n  theta.w = w;\n  state = s.state;\n  s.value.dispose();\n  s.grads.w.dispose();\n}\n({ firstLoss: losses[0], lastLoss: losses[19], lambda: state.lambda });",
  },
});
