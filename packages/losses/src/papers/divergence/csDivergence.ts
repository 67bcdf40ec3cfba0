import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, input, node, params } from '@losskit/core';

/** `−‖a_j − b_i‖² / (2σ²)`, `[N, D] × [N, D]` → `[N, N]` (row j over a, column i over b). */
function logGaussianGram(a: Tensor, b: Tensor, sigma: number): Tensor {
  const d = tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0));
  return tf.div(tf.sum(tf.square(d), -1), -2 * sigma * sigma);
}

const csOp = defineOp<{ sigma: number; features: string | null }>({
  kind: 'csDivergence',
  evaluate: (c, _a, p) => {
    const yHat = c.yPred;
    const y = c.yTrue();
    const B = c.batchSize;
    let logK: Tensor = tf.zeros([B, B]);
    if (p.features !== null) {
      // The raw input: compile() broadcasts an op's evaluated pair-level arguments to [B, B] when their shape allows it
      // (features [B, 1] would become B copies of the column).
      const raw = c.input(p.features);
      const x = tf.reshape(raw, [raw.shape[0] ?? B, -1]);
      if (x.shape[0] !== B) {
        throw new LosskitError('SHAPE_MISMATCH', 'features need one row per sample', { argument: `inputs.${p.features}`, expected: `[${B}, D]`, received: `[${raw.shape.join(', ')}]` });
      }
      logK = logGaussianGram(x, x, p.sigma);
    }
    const den = tf.logSumExp(tf.mul(logK, 2), 1); // log Σ_i K_ji²
    // log Σ_j [Σ_i K_ji L_ji / Σ_i K_ji²], all in log space (finite when kernels underflow).
    const term = (logL: Tensor) => tf.logSumExp(tf.sub(tf.logSumExp(tf.add(logK, logL), 1), den));
    const cross = term(logGaussianGram(yHat, y, p.sigma));
    const selfY = term(logGaussianGram(y, y, p.sigma));
    const selfHat = term(logGaussianGram(yHat, yHat, p.sigma));
    return tf.div(tf.add(tf.mul(cross, -2), tf.add(selfY, selfHat)), Math.LN2);
  },
  print: (_a, p, m) =>
    m === 'latex' ? `D_{\\mathrm{CS}}^{\\sigma=${p.sigma}}\\left(p(y${p.features ? '|x' : ''}) \\,\\|\\, p(\\hat y${p.features ? '|x' : ''})\\right)` : `D_CS[σ=${p.sigma}](y, ŷ${p.features ? ' | x' : ''})`,
});

/** Options of {@link csDivergence}. */
export interface CsDivergenceOptions {
  /** Gaussian kernel width σ > 0, shared by all kernels. Default 1 (CS-IB). */
  readonly sigma?: number;
  /** Input holding the conditioning features `x`, `[B, D]`, for the conditional divergence; `null` for the unconditional one. Default `null`. */
  readonly features?: string | null;
}

/**
 * Cauchy-Schwarz divergence between targets and predictions with a Gaussian kernel (in bits), batch level.
 * Conditional form (CS-IB, Eq. 18), with Gram matrices `K = k(x, x)`, `L¹ = k(y, y)`, `L² = k(ŷ, ŷ)`,
 * `L²¹ = k(ŷ, y)`, `k(a, b) = exp(−‖a − b‖²/2σ²)` and `S(L) = Σ_j [Σ_i K_ji L_ji / Σ_i K_ji²]`:
 * `D = −2 log₂ S(L²¹) + log₂ S(L¹) + log₂ S(L²)`. Without features (`K ≡ 1`) it is the unconditional
 * `log₂ mean L¹ + log₂ mean L² − 2 log₂ mean L²¹`. Computed with log-sum-exps (finite when kernels underflow).
 * Inputs: predictions `yPred` `[B, D_y]` (compile with `from: 'probs'`, or any, the values are used as
 * is), targets `[B, D_y]`; features via `inputs[features]` `[B, D_x]`.
 *
 * @example `compile(csDivergence({ features: 'x' }), { from: 'probs' })(y, yHat, { inputs: { x } })`
 * @see Yu, Yu, Løkse, Jenssen, Príncipe, "Cauchy-Schwarz Divergence Information Bottleneck for Regression", ICLR 2024
 *   (formula checked against the authors' `loss_cs.py`).
 */
export function csDivergence(options: CsDivergenceOptions = {}): Expr<'batch', 'any'> {
  const sigma = params.positive('sigma', options.sigma ?? 1);
  const features = options.features ?? null;
  // A 'pair'-level input is passed through unreshaped: the features keep their own width D_x.
  return node(csOp, 'batch', features === null ? [] : [input(features, 'pair')], { sigma, features });
}

export const csDivergenceEntry = defineEntry({
  id: 'cs-divergence',
  name: 'Cauchy-Schwarz divergence (Gaussian kernel)',
  package: '@losskit/losses',
  export: 'csDivergence',
  category: 'divergence',
  summary: 'Kernel estimate of the (conditional) Cauchy-Schwarz divergence between target and prediction distributions.',
  formula: 'D = -2\\log_2 S(L^{21}) + \\log_2 S(L^{1}) + \\log_2 S(L^{2}),\\ S(L) = \\sum_j \\frac{\\sum_i K_{ji} L_{ji}}{\\sum_i K_{ji}^2}',
  inputs: 'predictions [B, D_y], targets [B, D_y]; optional inputs.features [B, D_x]',
  params: [
    { name: 'sigma', default: 1, range: { min: 0, minExclusive: true }, description: 'kernel width σ' },
    { name: 'features', default: null, range: 'input name or null', description: 'conditioning features input' },
  ],
  paper: { title: 'Cauchy-Schwarz Divergence Information Bottleneck for Regression', authors: 'Yu, Yu, Løkse, Jenssen, Príncipe', year: 2024 },
  example: "import { compile } from '@losskit/core';\nimport { csDivergence } from '@losskit/losses';\ncompile(csDivergence(), { from: 'probs' })([[0.1], [0.5], [0.9]], [[0.2], [0.4], [1.0]]).print();",
  dsl: "csDivergence({ sigma: 1 })",
});
