import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, node } from '@losskit/core';
import { type SymmetricEigen, matMul, matrixFunction, symmetricEigen } from './symmetricEigen.js';

/** Relative tolerance on asymmetry and on negative eigenvalues of a float32 covariance (float32 rounding is ~6e-8). */
const TOL = 1e-4;
/** Eigenvalues of `Σ₀^{1/2} Σ Σ₀^{1/2}` below this fraction of the largest count as 0 in the gradient's inverse root. */
const RANK_TOL = 1e-6;

/** `(S + Sᵀ)/2` of a square float32 matrix read back in float64, after checking it is square, symmetric and PSD. */
function covariance(values: ArrayLike<number>, n: number, name: string): { s: Float64Array; eig: SymmetricEigen } {
  const s = new Float64Array(n * n);
  let scale = 0;
  for (let k = 0; k < n * n; k++) scale = Math.max(scale, Math.abs(values[k]!));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = values[i * n + j]!;
      const b = values[j * n + i]!;
      if (Math.abs(a - b) > TOL * scale) {
        throw new LosskitError('INVALID_ARGUMENT', `${name} is not symmetric`, { argument: name, expected: 'a symmetric covariance matrix', received: `[${i}][${j}] = ${a} but [${j}][${i}] = ${b}` });
      }
      s[i * n + j] = (a + b) / 2;
    }
  }
  const eig = symmetricEigen(s, n);
  const top = Math.max(...Array.from(eig.values, Math.abs), 0);
  const low = Math.min(...eig.values);
  if (low < -TOL * top) {
    throw new LosskitError('INVALID_ARGUMENT', `${name} is not positive semi-definite`, { argument: name, expected: 'a covariance matrix (eigenvalues >= 0)', received: `smallest eigenvalue ${low}` });
  }
  return { s, eig };
}

/**
 * BW²(Σ₀, Σ) in float64 and its gradient with respect to Σ, `I − Σ₀^{1/2} M^{-1/2} Σ₀^{1/2}` with `M = Σ₀^{1/2} Σ Σ₀^{1/2}`
 * (`M^{-1/2}` the pseudo-inverse square root: eigenvalues below `RANK_TOL` of the largest count as 0).
 */
function bures(pred: ArrayLike<number>, target: ArrayLike<number>, n: number): { value: number; grad: Float64Array } {
  const sigma = covariance(pred, n, 'yPred');
  const sigma0 = covariance(target, n, 'yTrue');
  const root0 = matrixFunction(sigma0.eig, n, (l) => Math.sqrt(Math.max(l, 0)));
  const m = matMul(matMul(root0, sigma.s, n), root0, n);
  const em = symmetricEigen(m, n);
  const top = Math.max(...Array.from(em.values, Math.abs), 0);
  let trRoot = 0;
  for (const l of em.values) trRoot += Math.sqrt(Math.max(l, 0));
  let tr = 0;
  for (let i = 0; i < n; i++) tr += sigma.s[i * n + i]! + sigma0.s[i * n + i]!;
  const invRoot = matrixFunction(em, n, (l) => (l > RANK_TOL * top ? 1 / Math.sqrt(l) : 0));
  const t = matMul(matMul(root0, invRoot, n), root0, n);
  const grad = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) grad[i * n + j] = (i === j ? 1 : 0) - t[i * n + j]!;
  return { value: Math.max(tr - 2 * trRoot, 0), grad };
}

const buresOp = defineOp<Record<string, never>>({
  kind: 'buresWasserstein',
  evaluate: (c) => {
    const n = c.batchSize;
    if (c.numClasses !== n) {
      throw new LosskitError('SHAPE_MISMATCH', 'the predicted covariance must be square', { argument: 'yPred', expected: '[d, d]', received: `[${n}, ${c.numClasses}]` });
    }
    if (c.labels) {
      throw new LosskitError('SHAPE_MISMATCH', 'the target is a covariance matrix, not labels', { argument: 'yTrue', expected: `[${n}, ${n}]`, received: `[${c.labels.shape.join(', ')}] (labels)` });
    }
    const target = c.yTrue();
    const f = tf.customGrad(((pred: Tensor) => {
      const { value, grad } = bures(pred.dataSync(), target.dataSync(), n);
      return {
        value: tf.scalar(value),
        gradFunc: (dy: Tensor) => tf.mul(dy, tf.tensor2d(Float32Array.from(grad), [n, n])),
      };
    }) as never) as unknown as (t: Tensor) => Tensor;
    return f(c.yPred);
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\mathcal{B}^2(\\Sigma_0, \\Sigma)' : 'BW²(Σ₀, Σ)'),
});

/**
 * Squared Bures-Wasserstein distance between covariance matrices, batch level:
 * `BW²(Σ₀, Σ) = tr Σ₀ + tr Σ − 2 tr (Σ₀^{1/2} Σ Σ₀^{1/2})^{1/2}`, the squared 2-Wasserstein distance between
 * `N(0, Σ₀)` and `N(0, Σ)`. Bréchet et al. train a deep linear generator `W = W_N ⋯ W_1` of `N(0, WWᵀ)` on it: pass
 * `Σ = W Wᵀ` as `yPred` and the target covariance `Σ₀` as `yTrue` (both `[d, d]`, symmetric positive semi-definite;
 * asymmetry or a negative eigenvalue beyond float32 rounding raises `INVALID_ARGUMENT` naming the argument). Computed in
 * float64 on the host (Jacobi eigen-decompositions) with the closed-form gradient
 * `∂BW²/∂Σ = I − Σ₀^{1/2} (Σ₀^{1/2} Σ Σ₀^{1/2})^{-1/2} Σ₀^{1/2}` through `tf.customGrad`; the gradient reaches `yPred`
 * only (the target is data). Where `Σ₀^{1/2} Σ Σ₀^{1/2}` is singular (a rank-deficient generator) the loss is not
 * differentiable — the paper's reason for analysing a smoothed version — and the pseudo-inverse square root is used,
 * which gives the exact gradient along perturbations that keep the range of Σ (e.g. `W ↦ W + dW` of a full-column-rank
 * W). The paper's smooth perturbative loss is not implemented (its exact form could not be checked).
 * Checked against a float64 reference of the formula, the Gaussian closed form for commuting matrices
 * `Σ_i (√λ_i − √μ_i)²`, and the 1-D value `(σ₀ − σ)²`.
 *
 * @example `compile(buresWasserstein())(targetCovariance, tf.matMul(W, W, false, true))`
 * @see Bréchet, Papagiannouli, An, Montúfar, "Critical Points and Convergence Analysis of Generative Deep Linear Networks
 *   Trained with Bures-Wasserstein Loss", ICML 2023.
 */
export function buresWasserstein(): Expr<'batch', 'any'> {
  return node(buresOp, 'batch', [], {});
}

export const buresWassersteinEntry = defineEntry({
  id: 'bures-wasserstein',
  name: 'Bures-Wasserstein loss (covariances)',
  package: '@losskit/losses',
  export: 'buresWasserstein',
  category: 'divergence',
  summary: 'Squared 2-Wasserstein distance between zero-mean Gaussians N(0, Σ₀) and N(0, Σ), computed from the covariances.',
  formula: '\\operatorname{tr}\\Sigma_0 + \\operatorname{tr}\\Sigma - 2\\operatorname{tr}\\left(\\Sigma_0^{1/2}\\Sigma\\,\\Sigma_0^{1/2}\\right)^{1/2}',
  inputs: 'predicted covariance Σ [d, d] as yPred (e.g. W Wᵀ), target covariance Σ₀ [d, d] as yTrue; symmetric PSD',
  params: [],
  paper: {
    title: 'Critical Points and Convergence Analysis of Generative Deep Linear Networks Trained with Bures-Wasserstein Loss',
    authors: 'Pierre Bréchet, Katerina Papagiannouli, Jing An, Guido Montúfar',
    year: 2023,
    url: 'arXiv:2303.03027',
  },
  example:
    "import { compile } from '@losskit/core';\nimport { buresWasserstein } from '@losskit/losses';\nconst target = [[2, 0.5], [0.5, 1]];\nconst predicted = [[1, 0.2], [0.2, 0.8]];\ncompile(buresWasserstein())(target, predicted).print();",
  dsl: 'buresWasserstein()',
});
