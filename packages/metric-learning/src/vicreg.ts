import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineOp, embeddings, input, node, params } from '@losskit/core';
import { gram } from './distances.js';
import { optionsOf } from './internal.js';

/** Options of {@link vicreg}. */
export interface VicregOptions {
  /** Weight λ of the invariance term. Default 25. */
  readonly invarianceLambda?: number;
  /** Weight μ of the variance terms. Default 25. */
  readonly varianceMu?: number;
  /** Weight ν of the covariance terms. Default 1. */
  readonly covarianceV?: number;
  /** ε inside the standard deviation. Default 1e-4. */
  readonly eps?: number;
  /** Name of the class-level input holding the second view `[B, D]`. Default `'reference'`. */
  readonly reference?: string;
}

type Params = { lambda: number; mu: number; nu: number; eps: number; reference: string };

/** Variance and covariance terms of one view `[B, D]`: `mean_d [1 − √(var_d + ε)]_+ / 2` and `Σ_{i≠j} C_ij² / D`. */
function terms(z: Tensor, eps: number): [Tensor, Tensor] {
  const [b, d] = z.shape as [number, number];
  const zc = tf.sub(z, tf.mean(z, 0, true));
  const variance = tf.div(tf.sum(tf.square(zc), 0), b - 1);
  const v = tf.div(tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(variance, eps))))), 2);
  const t = tf.transpose(zc);
  const cov = tf.div(gram(t, t), b - 1);
  const off = tf.sub(tf.sum(tf.square(cov)), tf.sum(tf.square(variance)));
  return [v, tf.div(off, d)];
}

const op = defineOp<Params>({
  kind: 'ml.vicreg',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const r = a[1]!;
    if (ctx.batchSize < 2) {
      throw new LosskitError('SHAPE_MISMATCH', 'VICReg needs at least two samples (its variances divide by B − 1)', { argument: 'yPred', expected: 'shape [B, D] with B >= 2', received: `[${ctx.batchSize}, ${ctx.numClasses}]` });
    }
    const inv = tf.mean(tf.square(tf.sub(e, r)));
    const [v1, c1] = terms(e, p.eps);
    const [v2, c2] = terms(r, p.eps);
    return tf.addN([tf.mul(inv, p.lambda), tf.mul(tf.add(v1, v2), p.mu), tf.mul(tf.add(c1, c2), p.nu)]);
  },
  print: (_a, p, m) =>
    m === 'latex'
      ? `${p.lambda}\\,s(Z, Z') + ${p.mu}\\,[v(Z) + v(Z')] + ${p.nu}\\,[c(Z) + c(Z')]`
      : `${p.lambda}·s(Z, Z') + ${p.mu}·[v(Z) + v(Z')] + ${p.nu}·[c(Z) + c(Z')]`,
});

/**
 * VICReg (Bardes, Ponce, LeCun 2022, "VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised
 * Learning"; PML `VICRegLoss`): for two views `Z` (yPred) and `Z'` (`inputs.reference`), each `[B, D]`,
 * `L = λ s(Z, Z') + μ [v(Z) + v(Z')] + ν [c(Z) + c(Z')]` with the invariance `s = mean_i mean_d (z − z')²`, the variance
 * hinge `v(Z) = mean_d [1 − √(Var_d(Z) + ε)]_+ / 2` and the covariance `c(Z) = Σ_{i≠j} C(Z)²_ij / D` (unbiased variances
 * and covariances, B − 1). Labels are not read (pass any integers `[B]`). Defaults λ = μ = 25, ν = 1, ε = 1e-4.
 * @example compile(vicreg(), { from: 'embeddings' })(ids, z1, { inputs: { reference: z2 } })
 */
export function vicreg(options: VicregOptions = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const reference = options.reference ?? 'reference';
  return node(op, 'batch', [embeddings(), input(reference, 'class')], {
    lambda: params.nonNegative('invarianceLambda', options.invarianceLambda ?? 25),
    mu: params.nonNegative('varianceMu', options.varianceMu ?? 25),
    nu: params.nonNegative('covarianceV', options.covarianceV ?? 1),
    eps: params.positive('eps', options.eps ?? 1e-4),
    reference,
  });
}
