import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, assertFinite, defineEntry, defineOp, formatShape, input, node, params, stopGradient, toTensor } from '@losskit/core';

interface CnllParams {
  readonly noise: string;
  readonly noiseLogDensity: string;
  readonly logU: string;
}

const cnllOp = defineOp<CnllParams>({
  kind: 'compositionalNll',
  evaluate: (c, a, p) => {
    if (c.numClasses !== 1) {
      throw new LosskitError('SHAPE_MISMATCH', 'the model gives one log-density per row', { argument: 'yPred', expected: `shape [N, 1] (or [N])`, received: `[${c.batchSize}, ${c.numClasses}]` });
    }
    const f = tf.reshape(c.yPred, [-1]); // log p̃_θ(x) per row
    const isNoise = a[0]!;
    const logQ = a[1]!;
    const logU = stopGradient(a[2]!);
    const noise = tf.cast(tf.greater(isNoise, 0.5), 'float32');
    const data = tf.sub(1, noise);
    const nData = tf.maximum(tf.sum(data), 1);
    const nNoise = tf.maximum(tf.sum(noise), 1);
    // Data term: −(1/n) Σ_data log p̃(x). Noise rows: s = log p̃(x̃) − log q(x̃) (their log q is read only there).
    const dataTerm = tf.div(tf.neg(tf.sum(tf.mul(f, data))), nData);
    const s = tf.where(tf.cast(noise, 'bool'), tf.sub(f, logQ), tf.fill(f.shape, -Infinity));
    // T = mean_noise exp(s − log u): its gradient is (1/u)·∇ mean exp(s), the compositional gradient; the value reported
    // is the NLL estimate −mean_data log p̃ + log u (T − sg(T) adds 0 to the value and T's gradient).
    const t = tf.div(tf.sum(tf.exp(tf.sub(s, logU))), nNoise);
    return tf.add(tf.add(dataTerm, logU), tf.sub(t, stopGradient(t)));
  },
  print: (_a, _p, m) =>
    m === 'latex'
      ? '-\\frac{1}{n}\\sum_{x} \\log \\tilde p_\\theta(x) + \\log u_t,\\quad \\nabla: \\frac{1}{u_t}\\nabla \\frac{1}{m}\\sum_{\\tilde x} \\frac{\\tilde p_\\theta(\\tilde x)}{q(\\tilde x)}'
      : 'cnll(log p̃; q, u)',
});

/** Names of the inputs {@link compositionalNll} reads. */
export interface CompositionalNllOptions {
  /** Input marking the noise rows (1) among the data rows (0), `[N]`. Default `noise`. */
  readonly noise?: string;
  /** Input with `log q(x̃)` of the noise distribution per row, `[N]` (read on noise rows only). Default `noiseLogDensity`. */
  readonly noiseLogDensity?: string;
  /** Input with the moving-average estimate `log u_t` from {@link compositionalNllState}, a scalar. Default `logU`. */
  readonly logU?: string;
}

/**
 * Negative log-likelihood of an unnormalized model by compositional optimization (MECO), batch level. The model
 * gives `f_θ(x) = log p̃_θ(x)` (an unnormalized log-density, the negative energy) for a batch holding data rows and
 * rows drawn from a noise distribution `q`. With `Z_θ = E_q[p̃_θ(x̃)/q(x̃)]`,
 * `NLL(θ) = −E_data[log p̃_θ(x)] + log E_q[p̃_θ(x̃)/q(x̃)]`, a compositional objective `f(E[g])` whose inner
 * expectation is tracked across steps by the moving average `u_t = (1 − γ) u_{t−1} + γ (1/m) Σ p̃_θ(x̃_j)/q(x̃_j)`
 * ({@link compositionalNllState}, kept in log space). The loss has the value `−(1/n) Σ_data f_θ(x_i) + log u_t` (the
 * NLL estimate) and the gradient `−(1/n) Σ ∇f_θ(x_i) + (1/u_t) (1/m) Σ_j (p̃_θ(x̃_j)/q(x̃_j)) ∇f_θ(x̃_j)`, the
 * stochastic compositional gradient; the momentum on that gradient in the paper's algorithm is the optimizer's
 * (`sgd({ momentum })`, `adam()`). Computed in log space: `exp(s_j − log u_t)` with `s = f − log q`, bounded by
 * `m/γ` when `u_t` includes this batch.
 *
 * Shapes: `yPred` `[N, 1]` log-densities; `inputs.noise` `[N]` 0/1; `inputs.noiseLogDensity` `[N]`; `inputs.logU`
 * a scalar → a scalar. Labels are ignored. The NLL objective is the paper's; the update of `u` is the standard
 * moving-average estimator of stochastic compositional optimization (the algorithm's text was not readable in
 * the stored copies, and no code is released), so the paper's step-size schedule γ_t is the caller's.
 *
 * @example
 * const state = compositionalNllState({ gamma: 0.1 });
 * const { logU } = state.update(noiseScores, noiseLogQ); // f_θ on the noise rows, without gradient
 * compile(compositionalNll())(zeros, scores, { inputs: { noise: isNoise, noiseLogDensity: logQ, logU } });
 * @see Jiang, Qin, Wu, Chen, Yang, Zhang, "Learning Unnormalized Statistical Models via Compositional Optimization",
 *   ICML 2023 (arXiv:2306.07485).
 */
export function compositionalNll(options: CompositionalNllOptions = {}): Expr<'batch', 'any'> {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const p: CnllParams = { noise: options.noise ?? 'noise', noiseLogDensity: options.noiseLogDensity ?? 'noiseLogDensity', logU: options.logU ?? 'logU' };
  return node(cnllOp, 'batch', [input(p.noise, 'sample'), input(p.noiseLogDensity, 'sample'), input(p.logU, 'batch')], { ...p });
}

/** Caller-held state of {@link compositionalNll}: the moving-average estimate of the partition function, in log space. */
export interface CompositionalNllState {
  readonly gamma: number;
  /** `log u_t` after the last update (undefined before the first). */
  readonly logU: number | undefined;
  /**
   * One step: `u_t = (1 − γ) u_{t−1} + γ mean_j exp(s_j)` with `s_j = noiseScores_j − noiseLogDensity_j` (the first
   * update sets `u_1 = mean_j exp(s_j)`), computed as a log-sum-exp in float64. `gamma` overrides γ for this step
   * (a decaying schedule). Returns `{ logU }` for the loss's `inputs.logU`.
   */
  update(noiseScores: TensorLike, noiseLogDensity: TensorLike, options?: { readonly gamma?: number }): { readonly logU: number };
}

function hostVector(x: TensorLike, name: string): Float64Array {
  const c = toTensor(x, name);
  try {
    const shape = c.tensor.shape;
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1)) || c.tensor.size === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'one value per noise sample', { argument: name, expected: 'shape [M] or [M, 1] with M >= 1', received: formatShape(shape) });
    }
    const v = Float64Array.from(c.host ?? c.tensor.dataSync());
    assertFinite(v, name, shape);
    return v;
  } finally {
    if (c.owned) c.tensor.dispose();
  }
}

/**
 * Creates the moving-average state of {@link compositionalNll}, `γ ∈ (0, 1]` (default 0.1). Call `update` once
 * per step with the model's log-densities of the noise samples (computed without gradient) and their `log q`.
 */
export function compositionalNllState(options: { readonly gamma?: number } = {}): CompositionalNllState {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const gamma = params.inRange('gamma', options.gamma ?? 0.1, Number.MIN_VALUE, 1);
  let logU: number | undefined;
  return {
    gamma,
    get logU() {
      return logU;
    },
    update(noiseScores, noiseLogDensity, stepOptions = {}) {
      const g = params.inRange('gamma', stepOptions?.gamma ?? gamma, Number.MIN_VALUE, 1);
      const f = hostVector(noiseScores, 'noiseScores');
      const q = hostVector(noiseLogDensity, 'noiseLogDensity');
      if (q.length !== f.length) throw new LosskitError('SHAPE_MISMATCH', 'one log-density per noise sample', { argument: 'noiseLogDensity', expected: `${f.length} values`, received: `${q.length}` });
      const s = Array.from(f, (v, j) => v - q[j]!);
      const m = Math.max(...s);
      const logMean = m + Math.log(s.reduce((acc, v) => acc + Math.exp(v - m), 0) / s.length);
      if (logU === undefined) logU = logMean;
      else {
        // log((1 − γ) e^{logU} + γ e^{logMean}) without overflow.
        const a = g === 1 ? -Infinity : Math.log1p(-g) + logU;
        const b = Math.log(g) + logMean;
        const hi = Math.max(a, b);
        logU = hi + Math.log(Math.exp(a - hi) + Math.exp(b - hi));
      }
      if (!Number.isFinite(logU)) throw new LosskitError('NON_FINITE_OUTPUT', 'the partition-function estimate is not finite', { argument: 'noiseScores', received: String(logU) });
      return { logU };
    },
  };
}

export const compositionalNllEntry = defineEntry({
  id: 'compositional-nll',
  name: 'Compositional NLL for unnormalized models (MECO)',
  package: '@losskit/losses',
  export: 'compositionalNll',
  category: 'generative',
  summary: 'Maximum likelihood for energy-based models: the log-partition function as a compositional objective over noise samples, with a moving-average inner estimate.',
  formula: '\\mathrm{NLL}(\\theta) = -\\mathbb{E}_{x}[\\log \\tilde p_\\theta(x)] + \\log \\mathbb{E}_{\\tilde x\\sim q}\\left[\\frac{\\tilde p_\\theta(\\tilde x)}{q(\\tilde x)}\\right],\\ u_t = (1-\\gamma)u_{t-1} + \\gamma\\,\\frac{1}{m}\\sum_j \\frac{\\tilde p_\\theta(\\tilde x_j)}{q(\\tilde x_j)}',
  inputs: 'log-densities yPred [N, 1] of data and noise rows; inputs.noise [N] (1 = noise row), inputs.noiseLogDensity [N], inputs.logU (scalar); labels ignored',
  params: [],
  paper: { title: 'Learning Unnormalized Statistical Models via Compositional Optimization', authors: 'Wei Jiang, Jiayu Qin, Lingyu Wu, Changyou Chen, Tianbao Yang, Lijun Zhang', year: 2023, url: 'arXiv:2306.07485' },
  example:
    "import { compile } from '@losskit/core';\nimport { compositionalNll } from '@losskit/losses';\nconst loss = compile(compositionalNll());\nloss([0, 0, 0, 0], [[1.2], [0.8], [-0.5], [0.3]], { inputs: { noise: [0, 0, 1, 1], noiseLogDensity: [0, 0, -1.1, -0.9], logU: 0.4 } }).print();",
  dsl: 'compositionalNll()',
});
