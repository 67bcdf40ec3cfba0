import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, assertFinite, defineEntry, defineOp, formatShape, input, node, oneHotRows, params, toTensor } from '@losskit/core';
import { withoutGradient } from '../../standard/primitives.js';
import { rng } from '@losskit/core/math';

/** Floor of the mean nearest-neighbour distance inside the log (only reached when every sample sits on a buffer entry). */
const TINY = 1e-30;

const manifoldEntropyOp = defineOp<{ lambda: number; buffer: string }>({
  kind: 'manifoldEntropy',
  evaluate: (c, _a, p) => {
    const z = c.yPred; // [B, D]
    // The input as given (the evaluated argument is broadcast to [B, B] when its shape allows it).
    const buf = c.input(p.buffer);
    if (buf.rank !== 2 || buf.shape[1] !== z.shape[1] || buf.shape[0] === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'the replay buffer must hold embeddings of the prediction’s width', {
        argument: `inputs.${p.buffer}`,
        expected: `shape [K, ${z.shape[1]}] with K >= 1`,
        received: formatShape(buf.shape),
      });
    }
    // d_ik = mean_d (z_id − b_kd)², computed from differences (no |z|² − 2z·b + |b|² cancellation).
    const diff = tf.sub(tf.expandDims(z, 1), tf.expandDims(buf, 0));
    const d = tf.mean(tf.square(diff), 2);
    // The nearest entry (the first at a tie) by a one-hot mask off the tape: tfjs's Min gradient would give every
    // tied entry the full gradient (twice the derivative at a two-way tie); this is a subgradient.
    const first = withoutGradient(d, (x) => oneHotRows(tf.argMin(x, 1), buf.shape[0]!));
    const nearest = tf.sum(tf.mul(d, first), 1);
    return tf.mul(tf.log(tf.maximum(tf.mean(nearest), TINY)), -p.lambda);
  },
  print: (_a, p, m) =>
    m === 'latex' ? `-${p.lambda}\\log\\left(\\frac{1}{B}\\sum_i \\min_{b \\in \\mathcal{B}} \\overline{(z_i - b)^2}\\right)` : `-${p.lambda}·log(mean_i min_b mean((z_i − b)^2))`,
});

/** Options of {@link manifoldEntropy}. */
export interface ManifoldEntropyOptions {
  /** Weight λ of the entropy term. Default 5e-4 (the authors' README, `--entropy_lr 5e-4`). */
  readonly lambda?: number;
  /** Name of the input holding the replay buffer `[K, D]`. Default `buffer`. */
  readonly buffer?: string;
}

/**
 * Manifold entropy maximization with a replay buffer (RB-MaEM), batch level: a nearest-neighbour estimate of the
 * entropy of the discriminator's embeddings, maximized by minimizing
 * `L = −λ log( (1/B) Σ_i min_{b ∈ 𝓑} (1/D) Σ_d (z_id − b_d)² )`,
 * where `z` are the embeddings of the batch (`yPred`, `from: 'embeddings'`) and `𝓑` a FIFO buffer of embeddings of
 * earlier batches (`inputs.buffer`, `[K, D]`, no gradient), kept by {@link manifoldEntropyBuffer}: push each batch
 * after the step. Labels are ignored. The mean distance is floored at 1e-30 inside the log (reached only when every
 * embedding coincides with a buffer entry; the exact value is +∞ there).
 *
 * Checked against the authors' `enrtopy_loss` and training step (HaozheLiu-ST/MEE `train.py` and README, commit
 * f7d3d33): the squared distance averaged over the embedding dimension, the minimum over the buffer, the batch
 * mean and `−lr · log(·)`. One deliberate difference: their buffer is `[K, N, D]`, so sample n is compared with the
 * n-th sample of each stored batch, and its update drops `batch_size` stored batches per step while adding one;
 * here every sample is compared with every stored embedding and each push replaces exactly the oldest B rows.
 *
 * @example `compile(manifoldEntropy(), { from: 'embeddings' })(zeros, embeddings, { inputs: { buffer: state.rows() } })`
 * @see Liu, Li, Wu, Liang, Huang, Li, Ghanem, Zheng, "Combating Mode Collapse in GANs via Manifold Entropy
 *   Estimation", AAAI 2023 (arXiv:2208.12055).
 */
export function manifoldEntropy(options: ManifoldEntropyOptions = {}): Expr<'batch', 'any'> {
  const lambda = params.nonNegative('lambda', options?.lambda ?? 5e-4);
  const buffer = options?.buffer ?? 'buffer';
  return node(manifoldEntropyOp, 'batch', [input(buffer, 'pair')], { lambda, buffer });
}

/** Caller-held replay buffer of {@link manifoldEntropy}: K embeddings of width D, oldest first. */
export interface ManifoldEntropyBuffer {
  readonly size: number;
  readonly dim: number;
  /** The buffer as rows `[K][D]`, oldest first: pass it as `inputs.buffer`. */
  rows(): number[][];
  /** Appends a batch of embeddings `[B, D]` (values copied, no gradient) and drops the oldest B rows. */
  push(embeddings: TensorLike): void;
}

/**
 * Creates the replay buffer of {@link manifoldEntropy}: `size` embeddings of width `dim`, initialized uniformly in
 * `[−1, 1)` (as the authors' `entropy_buffer`), from a seeded generator. Held by the caller; `push` the batch's
 * embeddings after each step.
 */
export function manifoldEntropyBuffer(options: { readonly size: number; readonly dim: number; readonly seed?: number }): ManifoldEntropyBuffer {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', expected: '{ size, dim, seed? }', received: String(options) });
  const size = params.positiveInteger('size', options.size);
  const dim = params.positiveInteger('dim', options.dim);
  const seed = params.finite('seed', options.seed ?? 0);
  const u = rng(seed);
  const data = new Float32Array(size * dim).map(() => 2 * u() - 1);
  return {
    size,
    dim,
    rows: () => Array.from({ length: size }, (_, k) => Array.from(data.subarray(k * dim, (k + 1) * dim))),
    push(embeddings: TensorLike) {
      const c = toTensor(embeddings, 'embeddings');
      const shape = c.tensor.shape;
      try {
        if (shape.length !== 2 || shape[1] !== dim) {
          throw new LosskitError('SHAPE_MISMATCH', 'embeddings must match the buffer width', { argument: 'embeddings', expected: `shape [B, ${dim}]`, received: formatShape(shape) });
        }
        const v = c.host ?? c.tensor.dataSync();
        assertFinite(v, 'embeddings', shape);
        const b = shape[0]!;
        const keep = Math.max(size - b, 0);
        // Oldest first: shift the newest `keep` rows to the front, then append the last min(b, size) new rows.
        data.copyWithin(0, (size - keep) * dim, size * dim);
        const from = Math.max(b - size, 0);
        data.set(Float32Array.from(v).subarray(from * dim), keep * dim);
      } finally {
        if (c.owned) c.tensor.dispose();
      }
    },
  };
}

export const manifoldEntropyEntry = defineEntry({
  id: 'manifold-entropy',
  name: 'Manifold entropy maximization (replay-buffer nearest neighbours)',
  package: '@losskit/losses',
  export: 'manifoldEntropy',
  category: 'generative',
  summary: 'Maximizes a nearest-neighbour entropy estimate of discriminator embeddings against a replay buffer of earlier batches, against mode collapse.',
  formula: 'L = -\\lambda \\log\\left(\\frac{1}{B}\\sum_{i} \\min_{b\\in\\mathcal{B}} \\frac{1}{D}\\sum_d (z_{id} - b_d)^2\\right)',
  inputs: 'embeddings yPred [B, D] (from: embeddings); inputs.buffer: replay buffer [K, D]; labels ignored',
  params: [{ name: 'lambda', default: 5e-4, range: { min: 0 }, description: 'weight λ (the authors’ --entropy_lr)' }],
  paper: { title: 'Combating Mode Collapse in GANs via Manifold Entropy Estimation', authors: 'Haozhe Liu, Bing Li, Haoqian Wu, Hanbang Liang, Yawen Huang, Yuexiang Li, Bernard Ghanem, Yefeng Zheng', year: 2023, url: 'arXiv:2208.12055' },
  example:
    "import { compile } from '@losskit/core';\nimport { manifoldEntropy } from '@losskit/losses';\nconst loss = compile(manifoldEntropy({ lambda: 1 }), { from: 'embeddings' });\nloss([0, 0], [[0.1, 0.5], [0.9, -0.2]], { inputs: { buffer: [[0, 0], [1, 0], [0, 1]] } }).print();",
  dsl: 'manifoldEntropy({ lambda: 1 })',
});
