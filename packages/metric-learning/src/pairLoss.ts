/**
 * The shared evaluation of the pair and triplet losses: labels and mining on the host, the loss and its closed-form
 * gradient through {@link hostPairLoss}, the choice between the host kernel and plain tfjs ops, and the op factory
 * the wrappers (`selfSupervised`, `crossBatchMemory`) use to re-run a loss against another reference set.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, type OpSpec, type Printed, defineOp, node } from '@losskit/core';
import { type Distance, distanceMatrix, isSymmetric, pairwiseTensor, sameDistance } from './distances.js';
import { type HostCall, type SubLoss, hostLabels, hostPairLoss, identityColumns } from './host/kernel.js';
import { type MiningInput, mineHost } from './host/mining.js';
import type { Mined, PairData } from './host/pairs.js';
import { labelsOf } from './internal.js';
import { type Miner, minerInputs, readTuples } from './miners.js';
import type { Reducer } from './reducers.js';

/** The options every pair loss carries. */
export interface PairLossParams {
  readonly distance: Distance;
  readonly miner: Miner | undefined;
  readonly reducer: Reducer;
}

let engineOverride: 'host' | 'tfjs' | undefined;

/**
 * Which implementation the five losses with a plain-tfjs form (contrastive, NT-Xent, SupCon, multi-similarity,
 * circle, without a miner, with a mean / non-zero / threshold / per-anchor / sum reducer) run: the host kernel on CPU-side backends (`wasm`, `cpu`), where one read-back of the
 * matrix and float64 loops beat a dozen `[B, B]` tfjs ops and their autodiff; tfjs ops on GPU backends, where a
 * read-back costs more than the ops. Every other case runs the host kernel.
 */
export function pairEngine(p: PairLossParams): 'host' | 'tfjs' {
  const plain = p.miner === undefined && ['mean', 'meanNonZero', 'threshold', 'perAnchor', 'sum'].includes(p.reducer.kind);
  if (!plain) return 'host';
  if (engineOverride) return engineOverride;
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu' ? 'host' : 'tfjs';
}

/** @internal Runs `fn` with the engine forced (tests compare the two implementations). */
export function withPairEngine<T>(engine: 'host' | 'tfjs', fn: () => T): T {
  const prev = engineOverride;
  engineOverride = engine;
  try {
    return fn();
  } finally {
    engineOverride = prev;
  }
}

/** A fresh, untracked copy (mining matrices of other distances never join the gradient tape). */
const detached = (x: Tensor): Tensor => tf.tensor(x.dataSync(), x.shape, 'float32');

/**
 * The columns of a call: the batch itself (default), or another reference set (PML's `ref_emb`, `ref_labels`) with
 * the column holding each row itself, if any.
 */
export interface Reference {
  readonly embeddings: Tensor;
  readonly labels: Int32Array;
  readonly selfCol: Int32Array;
  /** The query rows, for miners of another distance (the rows of `mat`). */
  readonly queries: Tensor;
  /** Labels of the rows when they are not the call's labels (self-supervised views). */
  readonly rowLabels?: Int32Array;
  /** The columns are the rows themselves (a square batch built by the caller): the gradient may be symmetrized. */
  readonly square?: boolean;
}

/** Extra differentiable inputs of a loss (margin's β) and their host values. */
export interface Extras {
  readonly tensors: readonly Tensor[];
}

/** A host loss builder: the sub-losses of one call from the matrix, the mined selection and the extras' values. */
export type HostBuild = (d: PairData, mined: Mined, extra: readonly Float32Array[]) => readonly SubLoss[];

/**
 * Evaluates a host pair loss on the matrix `mat` `[B, R]` of `p.distance`: labels from the call (or `ref`), mining with
 * `p.miner` (own distance, given tuples), then `build`'s sub-losses reduced by `p.reducer`.
 * Returns a scalar, or `[B]` when the reducer is per-anchor.
 */
export function runPairLoss(ctx: EvalContext, mat: Tensor, p: PairLossParams, what: string, build: HostBuild, ref?: Reference, extras: readonly Tensor[] = []): Tensor {
  const { call, inputOf } = pairCall(ctx, p, what, ref);
  return hostPairLoss(mat, call, (d, extra) => build(d, mineHost(p.miner, inputOf(d)), extra), extras);
}

/**
 * The host view of one call (labels, columns, self columns) and the mining input of a matrix `d` of it: other
 * distances' matrices on request, given tuples read (and checked) up front so a bad index is a clean error.
 */
export function pairCall(ctx: EvalContext, p: PairLossParams, what: string, ref?: Reference): { call: HostCall; inputOf: (d: PairData) => MiningInput } {
  const labels = ref?.rowLabels ?? hostLabels(labelsOf(ctx, what));
  const b = labels.length;
  const colLabels = ref ? ref.labels : labels;
  const r = colLabels.length;
  const call: HostCall = {
    level: p.reducer.level,
    reducer: p.reducer,
    inverted: p.distance.isInverted,
    rowLabels: labels,
    colLabels,
    selfCol: ref ? ref.selfCol : identityColumns(b),
    symmetric: (!ref || ref.square === true) && isSymmetric(p.distance),
  };
  const miner = p.miner;
  const given = miner?.kind === 'tuples' ? miner.names.map((n) => readTuples(ctx.input(n), n, miner.output === 'triplets' ? 3 : 2, b, r)) : undefined;
  const inputOf = (d: PairData): MiningInput => {
    const cache = new Map<string, PairData>();
    const matrixOf = (dist: Distance, square: boolean): PairData => {
      const key = `${square}:${JSON.stringify(dist)}`;
      if (!cache.has(key)) {
        const m = tf.tidy(() => {
          const q = detached(ref ? ref.queries : ctx.yPred);
          const c = ref ? detached(ref.embeddings) : q;
          return (square ? pairwiseTensor(dist, c, c) : pairwiseTensor(dist, q, c)).dataSync() as Float32Array;
        });
        cache.set(key, square ? { m, b: r, r, inverted: dist.isInverted, rowLabels: colLabels, colLabels, selfCol: identityColumns(r) } : { ...d, m, inverted: dist.isInverted });
      }
      return cache.get(key)!;
    };
    return {
      d,
      dim: ctx.yPred.shape[1]!,
      dataFor: (dist) => (dist === undefined || sameDistance(dist, p.distance) ? d : matrixOf(dist, false)),
      refData: (dist) => ((!ref || ref.square === true) && sameDistance(dist, p.distance) ? d : matrixOf(dist, true)),
      ...(given ? { tuples: () => (miner!.output === 'triplets' ? { triplets: given[0]! } : { pos: given[0]!, neg: given[1]! }) } : {}),
    };
  };
  return { call, inputOf };
}

/** What a pair loss op knows beyond evaluation: its host builder, for the wrappers. */
export interface PairOpInfo<P extends PairLossParams> {
  /** The host sub-losses of one call. */
  readonly host: (p: P) => HostBuild;
  /** Error-message name of the loss. */
  readonly what: string;
  /**
   * Whether the loss reads only row-to-column entries (`m[a, j]`), so it runs against another reference set (a
   * memory queue, another view). Losses that also read column-to-column entries need the square batch.
   */
  readonly rectangular: boolean;
  /** Extra differentiable inputs read from the call (margin's β). */
  readonly extras?: (ctx: EvalContext, p: P) => Tensor[];
}

/** A pair loss op: an `OpSpec` carrying its {@link PairOpInfo}. */
export type PairOp<P extends PairLossParams> = OpSpec<P> & { readonly pair: PairOpInfo<P> };

/**
 * Defines a pair loss op whose argument 0 is the `[B, B]` matrix of `p.distance` over the batch. `tfjs` is the
 * optional plain-op form for GPU backends (see {@link pairEngine}).
 */
export function pairLossOp<P extends PairLossParams>(spec: {
  readonly kind: string;
  readonly info: PairOpInfo<P>;
  readonly tfjs?: (ctx: EvalContext, mat: Tensor, p: P) => Tensor;
  readonly print: (args: readonly Printed[], params: P, mode: 'text' | 'latex') => string;
}): PairOp<P> {
  const { info } = spec;
  const op = defineOp<P>({
    kind: spec.kind,
    evaluate: (ctx, a, p) => {
      const mat = a[0]!;
      if (spec.tfjs && pairEngine(p) === 'tfjs') return spec.tfjs(ctx, mat, p);
      return runPairLoss(ctx, mat, p, info.what, info.host(p), undefined, info.extras?.(ctx, p) ?? []);
    },
    print: spec.print,
  });
  const out = Object.freeze({ ...op, pair: info });
  PAIR_OPS.set(spec.kind, out as unknown as PairOp<PairLossParams>);
  return out;
}

/** Every pair loss op by kind (the wrappers re-run a wrapped loss from its kind and params, which are plain data). */
const PAIR_OPS = new Map<string, PairOp<PairLossParams>>();

/** The pair loss op of `kind`, if any. */
export const pairOpOf = (kind: string): PairOp<PairLossParams> | undefined => PAIR_OPS.get(kind);

/** Whether `op` is a pair loss op (for the wrappers). */
export function isPairOp(op: OpSpec<never>): op is PairOp<PairLossParams> {
  return typeof (op as { pair?: unknown }).pair === 'object';
}

/** The expression node of a pair loss: the matrix of `p.distance` (and the inputs of given tuples) as arguments. */
export function pairNode<P extends PairLossParams, L extends 'batch' | 'sample'>(op: PairOp<P>, level: L, p: P, extra: readonly Expr[] = []): Expr<L, 'any'> {
  return node(op, level, [distanceMatrix(p.distance), ...minerInputs(p.miner), ...extra], p as unknown as Record<string, unknown>) as Expr<L, 'any'>;
}
