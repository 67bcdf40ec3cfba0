/**
 * The shared evaluation of the pair and triplet losses: labels and mining on the host, the loss and its closed-form
 * gradient through {@link hostPairLoss}, and the choice between the host kernel and plain tfjs ops.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { EvalContext } from '@losskit/core';
import { type Distance, pairwiseTensor, sameDistance } from './distances.js';
import { type HostCall, type SubLoss, hostLabels, hostPairLoss, identityColumns } from './host/kernel.js';
import { type MiningInput, mineHost } from './host/mining.js';
import type { Mined, PairData } from './host/pairs.js';
import { labelsOf } from './internal.js';
import { type Miner, readTuples } from './miners.js';
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
 * Evaluates a host pair loss on the matrix `mat` `[B, B]` of `p.distance` over the batch: labels from the call,
 * mining with `p.miner` (own distance, given tuples), then `build(d, mined)`'s sub-losses reduced by `p.reducer`.
 * Returns a scalar, or `[B]` when the reducer is per-anchor.
 */
export function runPairLoss(ctx: EvalContext, mat: Tensor, p: PairLossParams, what: string, build: (d: PairData, mined: Mined) => readonly SubLoss[]): Tensor {
  const labels = hostLabels(labelsOf(ctx, what));
  const b = labels.length;
  const call: HostCall = { level: p.reducer.level, reducer: p.reducer, inverted: p.distance.isInverted, rowLabels: labels, colLabels: labels, selfCol: identityColumns(b), symmetric: true };
  const miner = p.miner;
  // Given tuples are read (and checked) before the forward pass, so a bad index is a clean error.
  const given = miner?.kind === 'tuples' ? miner.names.map((n) => readTuples(ctx.input(n), n, miner.output === 'triplets' ? 3 : 2, b, b)) : undefined;
  return hostPairLoss(mat, call, (d) => {
    const extra = new Map<string, PairData>();
    const input: MiningInput = {
      d,
      dim: ctx.yPred.shape[1]!,
      dataFor: (dist) => {
        if (dist === undefined || sameDistance(dist, p.distance)) return d;
        const key = JSON.stringify(dist);
        if (!extra.has(key)) {
          const m = tf.tidy(() => {
            const e = detached(ctx.yPred);
            return pairwiseTensor(dist, e, e).dataSync() as Float32Array;
          });
          extra.set(key, { ...d, m, inverted: dist.isInverted });
        }
        return extra.get(key)!;
      },
      refData: (dist) => input.dataFor(dist),
      ...(given ? { tuples: () => (miner!.output === 'triplets' ? { triplets: given[0]! } : { pos: given[0]!, neg: given[1]! }) } : {}),
    };
    return build(d, mineHost(miner, input));
  });
}
