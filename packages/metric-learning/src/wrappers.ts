import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, defineOp, embeddings, formatShape, input, node, params } from '@losskit/core';
import { checkedTensor, pairwiseTensor } from './distances.js';
import { hostLabels, identityColumns } from './host/kernel.js';
import { labelsOf, optionsOf } from './internal.js';
import { minerInputs } from './miners.js';
import { type PairLossParams, isPairOp, pairOpOf, runPairLoss } from './pairLoss.js';

type Wrapped = { kind: string; inner: PairLossParams };

/** The wrapped loss: a pair loss of this package, with its params (plain data). */
function wrapped(loss: unknown, wrapper: string, needRectangular: boolean): Wrapped {
  const e = loss as Expr | null;
  if (!e || typeof e !== 'object' || !e.op || !isPairOp(e.op as never)) {
    throw new LosskitError('INVALID_ARGUMENT', `${wrapper} wraps a pair or triplet loss of @losskit/metric-learning`, {
      argument: 'loss',
      expected: 'e.g. contrastive(), tripletMargin(), ntXent(), supCon(), multiSimilarity(), circle(), nca(), margin(), …',
      received: e && typeof e === 'object' && e.op ? `an expression of kind ${e.op.kind}` : typeof loss,
    });
  }
  const info = (e.op as unknown as { pair: { rectangular: boolean; what: string; extras?: unknown } }).pair;
  if (needRectangular && !info.rectangular) {
    throw new LosskitError('INVALID_ARGUMENT', `${wrapper} needs a loss that compares rows with other columns only; ${info.what} also compares the columns among themselves`, {
      argument: 'loss',
      expected: 'a loss other than angular, liftedStructure, histogram, instance, pnp, fastAP',
      received: info.what,
    });
  }
  if (info.extras) {
    throw new LosskitError('INVALID_ARGUMENT', `${wrapper} does not take losses with extra inputs (${info.what})`, { argument: 'loss', expected: 'a loss without per-call inputs', received: info.what });
  }
  return { kind: e.op.kind, inner: e.params as unknown as PairLossParams };
}

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

const sslOp = defineOp<Wrapped & { symmetric: boolean; reference: string }>({
  kind: 'ml.selfSupervised',
  evaluate: (ctx, _a, p) => {
    const op = pairOpOf(p.kind)!;
    const e = ctx.yPred;
    const r = ctx.input(p.reference);
    const b = ctx.batchSize;
    const host = op.pair.host(p.inner as never);
    if (p.symmetric) {
      const x = tf.concat([e, r], 0);
      const labels = Int32Array.from({ length: 2 * b }, (_, i) => i % b);
      const mat = pairwiseTensor(p.inner.distance, x, x);
      return runPairLoss(ctx, mat, p.inner, op.pair.what, host, { embeddings: x, queries: x, labels, rowLabels: labels, selfCol: identityColumns(2 * b), square: true });
    }
    const labels = range(b);
    const mat = pairwiseTensor(p.inner.distance, e, r);
    return runPairLoss(ctx, mat, p.inner, op.pair.what, host, { embeddings: r, queries: e, labels, rowLabels: labels, selfCol: new Int32Array(b).fill(-1) });
  },
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{SSL}_{${p.symmetric ? 'sym' : 'asym'}}(${p.kind.replace('ml.', '')})` : `selfSupervised(${p.kind.replace('ml.', '')}${p.symmetric ? '' : ', asymmetric'})`),
});

/**
 * PML `SelfSupervisedLoss`: a pair loss over two augmented views without labels. yPred holds view 1 `[B, D]`,
 * `inputs.augmented` view 2 `[B, D]`; sample `i` of both views is one class. `symmetric` (default, as PML): the loss
 * runs on both views stacked, `[2B, D]` with labels `[0..B−1, 0..B−1]`; otherwise view 1 are the queries and view 2
 * the references (PML's `ref_emb`), the positive of row i being column i. yTrue is not read (pass any integers
 * `[B]`). The wrapped loss keeps its distance, miner (on the stacked or query × reference matrix) and reducer, which
 * must reduce to the batch (a per-anchor reducer has 2B anchors). Gradients reach both views.
 * @example
 * const loss = compile(selfSupervised(ntXent({ temperature: 0.1 })), { from: 'embeddings' });
 * loss(ids, view1, { inputs: { augmented: view2 } });
 */
export function selfSupervised(loss: Expr<'batch', 'any'>, options: { readonly symmetric?: boolean; readonly augmented?: string } = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const symmetric = options.symmetric ?? true;
  if (typeof symmetric !== 'boolean') throw new LosskitError('INVALID_PARAMETER', 'expected a boolean', { argument: 'symmetric', expected: 'true or false', received: String(symmetric) });
  const w = wrapped(loss, 'selfSupervised', !symmetric);
  if (w.inner.reducer.level !== 'batch') {
    throw new LosskitError('INVALID_ARGUMENT', 'selfSupervised needs a loss reduced to the batch', { argument: 'loss', expected: 'a batch-level reducer (mean(), meanNonZero(), …)', received: `${w.inner.reducer.kind}()` });
  }
  const reference = options.augmented ?? 'augmented';
  return node(sslOp, 'batch', [embeddings(), input(reference, 'class'), ...minerInputs(w.inner.miner)], { ...w, symmetric, reference });
}

/** Names of the inputs {@link crossBatchMemory} reads (from {@link crossBatchMemoryState}). */
export const CBM_INPUTS = { embeddings: 'cbmEmbeddings', labels: 'cbmLabels', self: 'cbmSelf' } as const;

const cbmOp = defineOp<Wrapped>({
  kind: 'ml.crossBatchMemory',
  evaluate: (ctx, _a, p) => {
    const op = pairOpOf(p.kind)!;
    const d = ctx.numClasses;
    const b = ctx.batchSize;
    const flat = ctx.input(CBM_INPUTS.embeddings);
    const memLabels = hostLabels(tf.reshape(ctx.input(CBM_INPUTS.labels), [-1]));
    const m = memLabels.length;
    if (flat.size !== m * d || m === 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'the memory holds the wrong number of values', { argument: `inputs.${CBM_INPUTS.embeddings}`, expected: `${m} × ${d} values (one row of width ${d} per memory label)`, received: formatShape(flat.shape) });
    }
    const self = hostLabels(tf.reshape(ctx.input(CBM_INPUTS.self), [-1]));
    const rows = hostLabels(labelsOf(ctx, 'crossBatchMemory'));
    if (self.length !== b) throw new LosskitError('SHAPE_MISMATCH', 'one memory slot per query', { argument: `inputs.${CBM_INPUTS.self}`, expected: `[${b}]`, received: `[${self.length}]` });
    for (let i = 0; i < b; i++) {
      const s = self[i]!;
      if (s !== -1 && (!(s >= 0 && s < m) || memLabels[s] !== rows[i])) {
        throw new LosskitError('INVALID_ARGUMENT', 'a query is not where the memory says it is', { argument: `inputs.${CBM_INPUTS.self}`, expected: `the memory slot of each query (labels must match), or -1`, received: `${s} at index ${i}` });
      }
    }
    const mem = tf.reshape(flat, [m, d]);
    const mat = pairwiseTensor(p.inner.distance, ctx.yPred, mem);
    return runPairLoss(ctx, mat, p.inner, op.pair.what, op.pair.host(p.inner as never), { embeddings: mem, queries: ctx.yPred, labels: memLabels, selfCol: self });
  },
  print: (_a, p, m) => (m === 'latex' ? `\\mathrm{XBM}(${p.kind.replace('ml.', '')})` : `crossBatchMemory(${p.kind.replace('ml.', '')})`),
});

/**
 * PML `CrossBatchMemory` (Wang, Zhang, Huang, Scott 2020, "Cross-Batch Memory for Embedding Learning"): the wrapped
 * loss compares the batch (queries, yPred `[B, D]`) with a memory of past embeddings and labels that includes the
 * current batch; each query's own memory slot is never its positive. The memory is caller-held state, updated before
 * each call by {@link crossBatchMemoryState} (which returns this call's `inputs`); it carries no gradient, as in PML.
 * The wrapped loss keeps its distance, miner (on the query × memory matrix) and reducer. Losses that compare columns
 * among themselves (`angular`, `liftedStructure`, …) are refused.
 * @example
 * const memory = crossBatchMemoryState({ memorySize: 1024 });
 * const loss = compile(crossBatchMemory(contrastive()), { from: 'embeddings' });
 * const { inputs } = memory.update(embeddings, labels);
 * loss(labels, embeddings, { inputs });
 */
export function crossBatchMemory<L extends 'batch' | 'sample'>(loss: Expr<L, 'any'>): Expr<L, 'any'> {
  const w = wrapped(loss, 'crossBatchMemory', true);
  const args = [embeddings(), input(CBM_INPUTS.embeddings, 'pair'), input(CBM_INPUTS.labels, 'pair'), input(CBM_INPUTS.self, 'pair'), ...minerInputs(w.inner.miner)];
  return node(cbmOp, w.inner.reducer.level, args, w) as Expr<L, 'any'>;
}

/** Caller-held memory of {@link crossBatchMemory}. */
export interface CrossBatchMemoryState {
  readonly memorySize: number;
  /** Number of filled slots (grows to `memorySize`). */
  readonly filled: number;
  /**
   * Enqueues the batch (a detached copy) at the queue position, wrapping around, and returns this call's inputs:
   * the filled memory `cbmEmbeddings` (flat, `[M·D]`), `cbmLabels` `[M]` and `cbmSelf` `[B]` (the slot of each query).
   */
  update(embeddings: TensorLike, labels: TensorLike): { readonly inputs: { readonly cbmEmbeddings: Float32Array; readonly cbmLabels: Int32Array; readonly cbmSelf: Int32Array } };
  /** Empties the memory. */
  reset(): void;
}

/**
 * The memory queue of {@link crossBatchMemory} (PML `CrossBatchMemory`'s `embedding_memory`, `label_memory`,
 * `queue_idx`): `memorySize` rows (default 1024), filled in order and overwritten circularly; before it is full only
 * the filled rows are used. A batch larger than the memory is `INVALID_ARGUMENT` (as PML's assertion).
 * @example const memory = crossBatchMemoryState({ memorySize: 4096 });
 */
export function crossBatchMemoryState(options: { readonly memorySize?: number } = {}): CrossBatchMemoryState {
  options = optionsOf(options);
  const size = params.positiveInteger('memorySize', options.memorySize ?? 1024);
  let emb: Float32Array | undefined;
  let width = 0;
  const lab = new Int32Array(size);
  let idx = 0;
  let filled = 0;
  return {
    memorySize: size,
    get filled() {
      return filled;
    },
    update(embeddingsIn, labelsIn) {
      const { values, b, d } = tf.tidy(() => {
        const e = checkedTensor(embeddingsIn, 'embeddings', 2, 'the embeddings');
        return { values: Float32Array.from(e.dataSync()), b: e.shape[0]!, d: e.shape[1]! };
      });
      const y = tf.tidy(() => Array.from(checkedTensor(labelsIn, 'labels', 1, 'the labels').dataSync()));
      if (y.length !== b) throw new LosskitError('SHAPE_MISMATCH', 'one label per embedding', { argument: 'labels', expected: `[${b}]`, received: `[${y.length}]` });
      y.forEach((v, i) => {
        if (!Number.isInteger(v)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: 'labels', expected: 'integers', received: `${v} at index ${i}` });
      });
      if (b > size) throw new LosskitError('INVALID_ARGUMENT', 'the batch is larger than the memory', { argument: 'embeddings', expected: `at most ${size} rows (memorySize)`, received: `${b} rows` });
      if (emb && d !== width) throw new LosskitError('SHAPE_MISMATCH', 'the embedding width changed', { argument: 'embeddings', expected: `[B, ${width}]`, received: `[${b}, ${d}]` });
      if (!emb) {
        emb = new Float32Array(size * d);
        width = d;
      }
      const self = new Int32Array(b);
      for (let i = 0; i < b; i++) {
        const slot = (idx + i) % size;
        emb.set(values.subarray(i * d, (i + 1) * d), slot * d);
        lab[slot] = y[i]!;
        self[i] = slot;
      }
      idx = (idx + b) % size;
      filled = Math.min(size, filled + b);
      return { inputs: { cbmEmbeddings: emb.slice(0, filled * d), cbmLabels: lab.slice(0, filled), cbmSelf: self } };
    },
    reset() {
      emb = undefined;
      idx = 0;
      filled = 0;
    },
  };
}
