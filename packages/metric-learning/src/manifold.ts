import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, checkParam, defineOp, embeddings, formatShape, input, node, params } from '@losskit/core';
import { gram, normalizeRows } from './distances.js';
import { labelsOf, optionsOf } from './internal.js';
import { classMatrixName } from './proxies.js';

/** Options of {@link manifold}. */
export interface ManifoldOptions {
  /** Weight λ_C of the context loss: `L = L_int + λ_C L_ctx`; `Infinity` keeps the context loss alone. Default 1. */
  readonly lambdaC?: number;
  /** Random-walk parameter α ∈ (0, 1). Default 0.8. */
  readonly alpha?: number;
  /** Margin. Default 5e-4. */
  readonly margin?: number;
  /** Name of the input holding the proxies `[K, D]`. Default `'proxies'`. */
  readonly proxies?: string;
}

type Params = { lambdaC: number; alpha: number; margin: number; proxies: string };

/** `A⁻¹` of a square matrix by Gauss-Jordan elimination with partial pivoting in float64; `∂/∂A = −A⁻ᵀ G A⁻ᵀ`. */
const inverse = tf.customGrad(((a: Tensor, save: (t: Tensor[]) => void) => {
  const n = a.shape[0]!;
  const m = Float64Array.from(a.dataSync());
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[piv * n + c]!)) piv = r;
    if (!(Math.abs(m[piv * n + c]!) > 1e-300)) {
      throw new LosskitError('NON_FINITE_OUTPUT', 'manifold(): the random-walk system I − αS̄ is singular', { argument: 'yPred', expected: 'embeddings and proxies whose similarity graph gives an invertible I − αS̄', received: 'a singular matrix' });
    }
    if (piv !== c) {
      for (let k = 0; k < n; k++) {
        [m[c * n + k], m[piv * n + k]] = [m[piv * n + k]!, m[c * n + k]!];
        [inv[c * n + k], inv[piv * n + k]] = [inv[piv * n + k]!, inv[c * n + k]!];
      }
    }
    const d = m[c * n + c]!;
    for (let k = 0; k < n; k++) {
      m[c * n + k]! /= d;
      inv[c * n + k]! /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c]!;
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r * n + k]! -= f * m[c * n + k]!;
        inv[r * n + k]! -= f * inv[c * n + k]!;
      }
    }
  }
  const x = tf.tensor2d(Float32Array.from(inv), [n, n]);
  save([x]);
  return {
    value: x,
    gradFunc: (g: Tensor, saved: Tensor[]) => {
      const xt = tf.transpose(saved[0]!);
      return tf.neg(tf.matMul(tf.matMul(xt, g), xt));
    },
  };
}) as never) as (a: Tensor) => Tensor;

/** `mean_i log(1 + Σ_{j ≠ m_i, z_ij ≥ 0} e^{z_ij})` with `z_ij = F_ij − F_{i m_i} + margin` (PML's masked form). */
function proxyHinge(f: Tensor, target: Tensor, margin: number): Tensor {
  const z = tf.add(tf.sub(f, tf.sum(tf.mul(f, target), -1, true)), margin);
  const keep = tf.logicalAnd(tf.greaterEqual(z, 0), tf.equal(target, 0));
  const e = tf.where(keep, tf.exp(tf.where(keep, z, tf.zerosLike(z))), tf.zerosLike(z));
  return tf.mean(tf.log1p(tf.sum(e, -1)));
}

const op = defineOp<Params>({
  kind: 'ml.manifold',
  evaluate: (ctx, a, p) => {
    const e = a[0]!;
    const prox = ctx.input(p.proxies);
    const d = ctx.numClasses;
    if (prox.rank !== 2 || prox.shape[1] !== d || prox.shape[0] === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'manifold(): the proxies have the wrong shape', { argument: `inputs.${p.proxies}`, expected: `[K, ${d}]`, received: formatShape(prox.shape) });
    }
    const n = ctx.batchSize;
    const k = prox.shape[0]!;
    const y = labelsOf(ctx, 'manifold');
    const yv = y.dataSync();
    for (let i = 0; i < yv.length; i++) {
      if (yv[i]! < 0 || yv[i]! >= k) throw new LosskitError('LABEL_OUT_OF_RANGE', 'manifold(): a meta-class label has no proxy', { argument: 'yTrue', expected: `integers in [0, ${k})`, received: `${yv[i]} at index ${i}` });
    }
    const x = normalizeRows(tf.concat([e, prox], 0));
    const s0 = tf.exp(tf.div(tf.relu(gram(x, x)), 0.5));
    const s = tf.mul(s0, tf.sub(1, tf.eye(n + k)));
    const dInv = tf.rsqrt(tf.sum(s, -1));
    const sBar = tf.mul(tf.mul(s, tf.reshape(dInv, [-1, 1])), tf.reshape(dInv, [1, -1]));
    const F = tf.mul(inverse(tf.sub(tf.eye(n + k), tf.mul(sBar, p.alpha))), 1 - p.alpha);
    const target = tf.cast(tf.equal(tf.reshape(y, [-1, 1]), tf.reshape(tf.range(0, k, 1, 'int32'), [1, -1])), 'float32');
    const fe = tf.slice(F, [0, 0], [n, n + k]);
    const fp = tf.slice(F, [n, 0], [k, n + k]);
    const ctxSim = gram(normalizeRows(fe), normalizeRows(fp)); // cosine(F_e row i, F_p row k)
    const lossCtx = proxyHinge(ctxSim, target, p.margin);
    if (p.lambdaC === Infinity) return lossCtx;
    const lossInt = proxyHinge(tf.slice(F, [0, n], [n, k]), target, p.margin);
    return tf.add(lossInt, tf.mul(lossCtx, p.lambdaC));
  },
  print: (_a, p, m) => (m === 'latex' ? `L_{\\mathrm{int}} + ${p.lambdaC}\\,L_{\\mathrm{ctx}}` : `L_int + ${p.lambdaC}·L_ctx`),
});

/**
 * Manifold loss (Aziere, Todorovic 2019, "Ensemble Deep Manifold Similarity Learning using Hard Proxies"; PML
 * `ManifoldLoss`): the embeddings and K proxies form a similarity graph `S_ij = exp(2 [cos]_+)` (no self loops),
 * `S̄ = D^{−1/2} S D^{−1/2}`; the random walk's manifold similarity is `F = (1 − α)(I − αS̄)⁻¹`. With the sample's
 * meta-class `m_i` (its label, a proxy index in [0, K)), `L_int = mean_i log(1 + Σ_{j ≠ m_i} e^{[F_ij − F_{i m_i} + δ]})`
 * over the proxy columns, `L_ctx` the same on the cosine between the rows of F of the sample and of each proxy
 * (entries below 0 dropped, as PML), and `L = L_int + λ_C L_ctx`. PML draws random meta-classes when none are given;
 * here they are the labels. Defaults λ_C = 1, α = 0.8, δ = 5e-4. The inverse is (B + K)³ work on the host.
 * yPred `[B, D]`, labels in `[0, K)`, `inputs.proxies` `[K, D]` → scalar.
 * @example compile(manifold(), { from: 'embeddings' })(metaClasses, e, { inputs: { proxies } })
 */
export function manifold(options: ManifoldOptions = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const lc = options.lambdaC ?? 1;
  const lambdaC = lc === Infinity ? Infinity : checkParam('lambdaC', lc, 'a number >= 0 (Infinity: context loss only)', (x) => x >= 0);
  const proxies = classMatrixName(options.proxies, 'proxies');
  return node(op, 'batch', [embeddings(), input(proxies, 'pair')], {
    lambdaC,
    alpha: params.openUnitInterval('alpha', options.alpha ?? 0.8),
    margin: params.finite('margin', options.margin ?? 5e-4),
    proxies,
  });
}
