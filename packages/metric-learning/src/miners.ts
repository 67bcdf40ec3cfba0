import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, type TensorLike, checkParam, formatShape, input, params, toTensor } from '@losskit/core';
import { type Distance, checkDistance, checkedTensor, cosine, distanceName, euclidean, pairwiseTensor, sameDistance } from './distances.js';
import { identityColumns } from './host/kernel.js';
import { type MiningInput, mineHost } from './host/mining.js';
import { type PairData, asPairs, listPairs, listTriplets } from './host/pairs.js';
import { optionsOf, tidy } from './internal.js';

/** PML `BatchEasyHardMiner` strategies. */
export type MiningStrategy = 'hard' | 'semihard' | 'easy' | 'all';

/** `TripletMarginMiner` types: which triplets by gap `g = d_an − d_ap` (or `s_ap − s_an`) against the margin. */
export type TripletType = 'all' | 'hard' | 'semihard' | 'easy';

/** The distance a miner ranks by; `undefined` = the loss's own distance. */
type Own = { readonly distance?: Distance | undefined };

/**
 * A miner selects which pairs or triplets a loss sees, as plain frozen data (PML's miners). Mining reads the
 * distance matrix once per call, on the host, without gradient. Pair miners give positive/negative pairs,
 * triplet miners triplets `(a, p, n)`; losses convert between the two as PML does (triplets → the pairs
 * `(a, p)` and `(a, n)` they contain, without duplicates; pairs → every `(a, p, n)` with `(a, p)` and `(a, n)`
 * mined). Every miner runs in O(B² log B) time and O(B²) memory except those whose output is itself a list of
 * triplets (`angularMiner`, `distanceWeightedMiner`, given tuples), which are linear in their output.
 * By default a miner ranks by the loss's distance; `distance` gives it its own (as PML miners have).
 */
export type Miner =
  | ({ readonly kind: 'batchAll'; readonly output: 'triplets' } & Own)
  | ({ readonly kind: 'batchHard'; readonly output: 'triplets' } & Own)
  | ({ readonly kind: 'tripletMargin'; readonly output: 'triplets'; readonly margin: number; readonly type: TripletType } & Own)
  | ({ readonly kind: 'multiSimilarity'; readonly output: 'pairs'; readonly epsilon: number } & Own)
  | ({ readonly kind: 'hardNegativeTopK'; readonly output: 'pairs'; readonly k: number } & Own)
  | ({
      readonly kind: 'batchEasyHard';
      readonly output: 'pairs';
      readonly pos: MiningStrategy;
      readonly neg: MiningStrategy;
      readonly posRange: readonly [number, number] | undefined;
      readonly negRange: readonly [number, number] | undefined;
    } & Own)
  | ({ readonly kind: 'pairMargin'; readonly output: 'pairs'; readonly posMargin: number; readonly negMargin: number } & Own)
  | ({ readonly kind: 'hdc'; readonly output: 'pairs'; readonly filterPercentage: number } & Own)
  | ({ readonly kind: 'uniformHistogram'; readonly output: 'pairs'; readonly numBins: number; readonly posPerBin: number; readonly negPerBin: number; readonly seed: number } & Own)
  | { readonly kind: 'angular'; readonly output: 'triplets'; readonly angle: number; readonly distance: Distance }
  | { readonly kind: 'distanceWeighted'; readonly output: 'triplets'; readonly cutoff: number; readonly nonzeroLossCutoff: number; readonly seed: number; readonly distance: Distance }
  | { readonly kind: 'packagedTriplets'; readonly output: 'triplets' }
  | { readonly kind: 'tuples'; readonly output: 'triplets' | 'pairs'; readonly names: readonly string[] };

const freeze = <T extends object>(m: T): T => Object.freeze(m);
const own = (o: { readonly distance?: Distance | undefined }) => (o.distance === undefined ? {} : { distance: checkDistance(o.distance) });

/** Every valid triplet `(a, p, n)`: `y_p = y_a`, `p ≠ a`, `y_n ≠ y_a` (the "batch all" of Hermans et al. 2017). */
export function batchAll(options: { readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return freeze({ kind: 'batchAll', output: 'triplets', ...own(options) });
}

/**
 * Batch-hard (Hermans, Beyer, Leibe 2017, "In Defense of the Triplet Loss"; PML `BatchHardMiner`):
 * one triplet per anchor with its hardest positive (farthest) and hardest negative (nearest);
 * anchors lacking either are dropped. Ties go to the lowest index. The paper "Mathematical
 * Justification of Hard Negative Mining via Isometric Approximation Theorem" (Xu et al. 2022)
 * justifies this loss: `Σ_a [m + max_p d(a,p) - min_n d(a,n)]_+`.
 */
export function batchHard(options: { readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return freeze({ kind: 'batchHard', output: 'triplets', ...own(options) });
}

/**
 * PML `TripletMarginMiner(margin, type_of_triplets)`: with gap `g = d_an − d_ap` (similarities: `s_ap − s_an`),
 * `'all'` keeps the triplets violating the margin (`g ≤ margin`), `'hard'` those with `g ≤ min(margin, 0)` (the
 * negative at least as close as the positive), `'semihard'` those with `0 < g ≤ margin`, `'easy'` those with
 * `g > margin`. Defaults margin 0.2, type `'all'`. Never lists the triplets (sorted per-anchor counts).
 */
export function tripletMarginMiner(options: { readonly margin?: number; readonly type?: TripletType; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  const type = options.type ?? 'all';
  if (!['all', 'hard', 'semihard', 'easy'].includes(type)) {
    throw new LosskitError('INVALID_PARAMETER', 'unknown type of triplets', { argument: 'type', expected: "'all', 'hard', 'semihard' or 'easy'", received: String(type) });
  }
  return freeze({ kind: 'tripletMargin', output: 'triplets', margin: params.finite('margin', options.margin ?? 0.2), type, ...own(options) });
}

/**
 * Semi-hard triplets (FaceNet, Schroff et al. 2015; PML `TripletMarginMiner(type_of_triplets='semihard')`):
 * triplets with `0 < d_an - d_ap <= margin` (for similarities `0 < s_ap - s_an <= margin`). Default margin 0.2.
 */
export function semiHard(options: { readonly margin?: number; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return tripletMarginMiner({ margin: params.nonNegative('margin', options.margin ?? 0.2), type: 'semihard', ...(options.distance === undefined ? {} : { distance: options.distance }) });
}

/**
 * Multi-similarity pair miner (Wang et al. 2019; PML `MultiSimilarityMiner`, ε = 0.1): for similarities,
 * a negative `(a, n)` is kept if `s_an > min_p s_ap - ε`, a positive `(a, p)` if `s_ap < max_n s_an + ε`
 * (for distances the comparisons flip). An anchor without positives keeps no negatives and vice versa.
 */
export function multiSimilarityMiner(options: { readonly epsilon?: number; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return freeze({ kind: 'multiSimilarity', output: 'pairs', epsilon: params.nonNegative('epsilon', options.epsilon ?? 0.1), ...own(options) });
}

/**
 * Hard-negative top-k pair miner: every positive pair, and for each anchor its `k` hardest negatives
 * (nearest by distance, most similar by similarity; ties by lowest index). Default k = 1.
 */
export function hardNegativeTopK(options: { readonly k?: number; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return freeze({ kind: 'hardNegativeTopK', output: 'pairs', k: params.positiveInteger('k', options.k ?? 1), ...own(options) });
}

/** Options of {@link batchEasyHardMiner}. */
export interface BatchEasyHardOptions {
  /** Positive strategy. Default `'easy'`. */
  readonly posStrategy?: MiningStrategy;
  /** Negative strategy. Default `'semihard'`. */
  readonly negStrategy?: MiningStrategy;
  /** Only positives with a distance (or similarity) value in `[lo, hi]`. */
  readonly allowedPosRange?: readonly [number, number];
  /** Only negatives with a value in `[lo, hi]`. */
  readonly allowedNegRange?: readonly [number, number];
  readonly distance?: Distance;
}

function rangeParam(name: string, r: unknown): readonly [number, number] | undefined {
  if (r === undefined) return undefined;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && !Number.isNaN(v)) || !(r[0] <= r[1])) {
    throw new LosskitError('INVALID_PARAMETER', 'expected a range [lo, hi]', { argument: name, expected: '[lo, hi] with lo <= hi', received: JSON.stringify(r) });
  }
  return Object.freeze([r[0], r[1]] as [number, number]);
}

/**
 * PML `BatchEasyHardMiner` (Xuan, Stylianou, Pless 2020, "Improved Embeddings with Easy Positive Triplet Mining"):
 * per anchor one positive and one negative pair by strategy: positives `hard` = farthest, `easy` = nearest,
 * `semihard` = the farthest one nearer than the chosen negative; negatives `hard` = nearest, `easy` = farthest,
 * `semihard` = the nearest one farther than the chosen positive; `all` keeps every pair of that kind. Pairs
 * outside the allowed ranges are skipped; anchors lacking a choice are dropped. Defaults: easy positives,
 * semi-hard negatives. Both `semihard`, or `semihard` with `all`, are `INVALID_PARAMETER` (as PML).
 */
export function batchEasyHardMiner(options: BatchEasyHardOptions = {}): Miner {
  options = optionsOf(options);
  const strategies: MiningStrategy[] = ['hard', 'semihard', 'easy', 'all'];
  const pos = options.posStrategy ?? 'easy';
  const neg = options.negStrategy ?? 'semihard';
  for (const [name, s] of [['posStrategy', pos], ['negStrategy', neg]] as const) {
    if (!strategies.includes(s)) throw new LosskitError('INVALID_PARAMETER', 'unknown mining strategy', { argument: name, expected: "'hard', 'semihard', 'easy' or 'all'", received: String(s) });
  }
  if (pos === 'semihard' && neg === 'semihard') throw new LosskitError('INVALID_PARAMETER', 'positives and negatives cannot both be semi-hard', { argument: 'negStrategy', expected: "not 'semihard' when posStrategy is 'semihard'", received: "'semihard'" });
  if ((pos === 'all' && neg === 'semihard') || (neg === 'all' && pos === 'semihard')) {
    throw new LosskitError('INVALID_PARAMETER', "'semihard' cannot be combined with 'all'", { argument: pos === 'all' ? 'negStrategy' : 'posStrategy', expected: "another strategy than 'semihard'", received: "'semihard' with 'all'" });
  }
  return freeze({ kind: 'batchEasyHard', output: 'pairs', pos, neg, posRange: rangeParam('allowedPosRange', options.allowedPosRange), negRange: rangeParam('allowedNegRange', options.allowedNegRange), ...own(options) });
}

/**
 * PML `PairMarginMiner`: positive pairs farther than `posMargin` and negative pairs nearer than `negMargin`
 * (similarities: `s_ap < posMargin`, `s_an > negMargin`). Defaults 0.2 and 0.8.
 */
export function pairMarginMiner(options: { readonly posMargin?: number; readonly negMargin?: number; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return freeze({ kind: 'pairMargin', output: 'pairs', posMargin: params.finite('posMargin', options.posMargin ?? 0.2), negMargin: params.finite('negMargin', options.negMargin ?? 0.8), ...own(options) });
}

/**
 * PML `HDCMiner` (Yuan, Yang, Zhang 2017, "Hard-Aware Deeply Cascaded Embedding"): the hardest
 * `⌈filterPercentage · |P|⌉` positive pairs (farthest) and `⌈filterPercentage · |N|⌉` negative pairs (nearest) of
 * the batch. Default filterPercentage 0.5, in (0, 1].
 */
export function hdcMiner(options: { readonly filterPercentage?: number; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  const f = checkParam('filterPercentage', options.filterPercentage ?? 0.5, 'a number in (0, 1]', (x) => x > 0 && x <= 1);
  return freeze({ kind: 'hdc', output: 'pairs', filterPercentage: f, ...own(options) });
}

/**
 * PML `UniformHistogramMiner`: positive and negative pair values binned into `numBins` equal-width bins over their
 * range, `posPerBin` / `negPerBin` pairs drawn uniformly with replacement from each non-empty bin (pairs may
 * repeat). The draws are deterministic given `seed` and the call's data. Defaults 100, 10, 10, seed 0.
 */
export function uniformHistogramMiner(options: { readonly numBins?: number; readonly posPerBin?: number; readonly negPerBin?: number; readonly seed?: number; readonly distance?: Distance } = {}): Miner {
  options = optionsOf(options);
  return freeze({
    kind: 'uniformHistogram',
    output: 'pairs',
    numBins: params.positiveInteger('numBins', options.numBins ?? 100),
    posPerBin: params.positiveInteger('posPerBin', options.posPerBin ?? 10),
    negPerBin: params.positiveInteger('negPerBin', options.negPerBin ?? 10),
    seed: checkParam('seed', options.seed ?? 0, 'an integer', Number.isInteger),
    ...own(options),
  });
}

/**
 * PML `AngularMiner` (Wang, Zhou, Wen, Liu, Lin 2017, "Deep Metric Learning with Angular Loss"): the triplets
 * whose angle at the negative, `atan(‖a − p‖ / (2‖n − (a + p)/2‖))`, exceeds `angle` (degrees, default 20),
 * on L2-normalized embeddings. Output-sensitive: O(B·P·N) time for P positives and N negatives per anchor.
 */
export function angularMiner(options: { readonly angle?: number } = {}): Miner {
  options = optionsOf(options);
  const angle = checkParam('angle', options.angle ?? 20, 'degrees in (0, 90)', (x) => x > 0 && x < 90);
  return freeze({ kind: 'angular', output: 'triplets', angle: (angle * Math.PI) / 180, distance: cosine() });
}

/**
 * PML `DistanceWeightedMiner` (Wu, Manmatha, Smola, Krähenbühl 2017, "Sampling Matters in Deep Embedding
 * Learning"): negatives drawn with probability ∝ `q(d)⁻¹ = d^{2−D} (1 − d²/4)^{(3−D)/2}` on L2 distances of
 * normalized embeddings (clamped below at `cutoff`, 0 from `nonzeroLossCutoff` on); each anchor gets as many
 * triplets as its class has members, with uniform positives. Defaults cutoff 0.5, nonzeroLossCutoff 1.4, seed 0;
 * deterministic given the seed and the call's data.
 */
export function distanceWeightedMiner(options: { readonly cutoff?: number; readonly nonzeroLossCutoff?: number; readonly seed?: number } = {}): Miner {
  options = optionsOf(options);
  return freeze({
    kind: 'distanceWeighted',
    output: 'triplets',
    cutoff: params.nonNegative('cutoff', options.cutoff ?? 0.5),
    nonzeroLossCutoff: params.positive('nonzeroLossCutoff', options.nonzeroLossCutoff ?? 1.4),
    seed: checkParam('seed', options.seed ?? 0, 'an integer', Number.isInteger),
    distance: euclidean({ normalize: true }),
  });
}

/**
 * PML `EmbeddingsAlreadyPackagedAsTriplets`: the batch is laid out as consecutive triplets
 * `(0, 1, 2), (3, 4, 5), …` (anchor, positive, negative); labels are not read.
 */
export function packagedTriplets(): Miner {
  return freeze({ kind: 'packagedTriplets', output: 'triplets' });
}

/**
 * Explicit index tuples passed with each call, as PML's `indices_tuple`: `tuples()` (triplets) reads
 * `inputs.triplets`, `[3, T]` integer rows `[a, p, n]`; `tuples({ output: 'pairs' })` reads `inputs.posPairs`
 * `[2, P]` (`[a1, p]`) and `inputs.negPairs` `[2, N]` (`[a2, n]`). Indices must be in `[0, B)` (rows) and
 * `[0, R)` (columns); labels are not consulted. Use with {@link mine} to mine with one distance and train with
 * another. Names of the inputs can be changed with `names`.
 * @example loss(labels, e, { inputs: { triplets: [[0, 1], [1, 0], [2, 3]] } })
 */
export function tuples(options: { readonly output?: 'triplets' | 'pairs'; readonly names?: readonly string[] } = {}): Miner {
  options = optionsOf(options);
  const output = options.output ?? 'triplets';
  if (output !== 'triplets' && output !== 'pairs') throw new LosskitError('INVALID_PARAMETER', 'unknown tuple kind', { argument: 'output', expected: "'triplets' or 'pairs'", received: String(output) });
  const names = options.names ?? (output === 'triplets' ? ['triplets'] : ['posPairs', 'negPairs']);
  if (!Array.isArray(names) || names.length !== (output === 'triplets' ? 1 : 2) || !names.every((n) => typeof n === 'string' && n.length > 0)) {
    throw new LosskitError('INVALID_PARAMETER', 'input names', { argument: 'names', expected: output === 'triplets' ? '[name]' : '[posName, negName]', received: JSON.stringify(names) });
  }
  return freeze({ kind: 'tuples', output, names: Object.freeze([...names]) });
}

const MINER_KINDS = ['batchAll', 'batchHard', 'tripletMargin', 'multiSimilarity', 'hardNegativeTopK', 'batchEasyHard', 'pairMargin', 'hdc', 'uniformHistogram', 'angular', 'distanceWeighted', 'packagedTriplets', 'tuples'];

/** Throws unless `m` is undefined or one of this module's miners. */
export function checkMiner(m: unknown): Miner | undefined {
  if (m === undefined) return undefined;
  if (!m || typeof m !== 'object' || !MINER_KINDS.includes((m as Miner).kind) || !['pairs', 'triplets'].includes((m as Miner).output)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unsupported miner', {
      argument: 'miner',
      expected: 'a miner made by a miner builder (batchAll(), batchHard(), tripletMarginMiner(), multiSimilarityMiner(), …)',
      received: m && typeof m === 'object' ? String((m as { kind?: unknown }).kind) : typeof m,
    });
  }
  if ('distance' in m && (m as { distance?: unknown }).distance !== undefined) checkDistance((m as { distance?: unknown }).distance);
  return m as Miner;
}

/** The input nodes a miner reads (the tuples of `tuples()`), to put into a loss expression's arguments. */
export function minerInputs(m: Miner | undefined): Expr<'pair', 'any'>[] {
  return m?.kind === 'tuples' ? m.names.map((n) => input(n, 'pair')) : [];
}

/** Short printed form of a miner for loss printing. */
export function minerName(m: Miner | undefined): string {
  if (!m) return '';
  const d = 'distance' in m && m.distance ? `, ${distanceName(m.distance, 'text')}` : '';
  return `${m.kind}${d}`;
}

/**
 * Reads and checks given index tuples (`[k, T]` integer rows) against `b` rows and `r` columns.
 * @internal
 */
export function readTuples(t: Tensor, name: string, rows: number, b: number, r: number): Int32Array[] {
  if (t.rank !== 2 || t.shape[0] !== rows) {
    throw new LosskitError('SHAPE_MISMATCH', 'index tuples have the wrong shape', { argument: `inputs.${name}`, expected: `[${rows}, T] integer rows (${rows === 3 ? 'anchors, positives, negatives' : 'anchors, others'})`, received: formatShape(t.shape) });
  }
  const v = t.dataSync();
  const n = t.shape[1]!;
  const out = Array.from({ length: rows }, () => new Int32Array(n));
  for (let i = 0; i < rows; i++) {
    const hi = i === 0 ? b : r;
    for (let k = 0; k < n; k++) {
      const x = v[i * n + k]!;
      if (!Number.isInteger(x) || x < 0 || x >= hi) {
        throw new LosskitError('LABEL_OUT_OF_RANGE', 'an index of the given tuples is out of range', { argument: `inputs.${name}`, expected: `integers in [0, ${hi}) in row ${i}`, received: `${x} at [${i}, ${k}]` });
      }
      out[i]![k] = x;
    }
  }
  return out;
}

/** `[B, B]` positive (same label, i ≠ j) and negative masks from int labels, as tensors (the tfjs-op losses). */
export function labelMasks(labels: Tensor): MinedPairs {
  const same = tf.cast(tf.equal(tf.reshape(labels, [-1, 1]), tf.reshape(labels, [1, -1])), 'float32');
  return { pos: tf.sub(same, tf.eye(labels.shape[0]!)), neg: tf.sub(1, same) };
}

/** PML's default distance of each miner when it runs alone ({@link mine}): cosine for multi-similarity, else normalized L2. */
function defaultMinerDistance(m: Miner): Distance {
  if ('distance' in m && m.distance) return m.distance;
  return m.kind === 'multiSimilarity' ? cosine() : euclidean({ normalize: true });
}

/** Host pair data of a `[B, R]` matrix with labels (square batch when `square`). */
function hostData(mat: Tensor, inverted: boolean, rowLabels: Int32Array, colLabels: Int32Array, square: boolean): PairData {
  const [b, r] = mat.shape as [number, number];
  return { m: mat.dataSync() as Float32Array, b, r, inverted, rowLabels, colLabels, selfCol: square ? identityColumns(b) : new Int32Array(b).fill(-1) };
}

function intLabels(y: TensorLike, n: number, name: string): Int32Array {
  const c = toTensor(y, name);
  const t = c.tensor;
  if (t.rank !== 1 || t.shape[0] !== n) throw new LosskitError(t.rank !== 1 ? 'RANK_MISMATCH' : 'SHAPE_MISMATCH', 'one label per row', { argument: name, expected: `shape [${n}]`, received: formatShape(t.shape) });
  const values = c.host ?? t.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i]!)) throw new LosskitError(Number.isFinite(values[i]!) ? 'NON_INTEGER_LABEL' : 'NON_FINITE_INPUT', 'labels must be integers', { argument: name, expected: 'integers', received: `${values[i]} at index ${i}` });
  }
  return Int32Array.from(values);
}

function matrixMiner(miner: unknown): Miner | undefined {
  const m = checkMiner(miner);
  if (m && (m.kind === 'angular' || m.kind === 'distanceWeighted' || m.kind === 'tuples')) {
    throw new LosskitError('INVALID_ARGUMENT', `${m.kind} mining needs the embeddings, not a matrix`, { argument: 'miner', expected: 'a matrix-based miner (or call mine(miner, embeddings, labels))', received: m.kind });
  }
  return m;
}

/** Checks the arguments of {@link minePairs} / {@link mineTriplets}; call inside `tf.tidy`. */
function miningInputs(miner: unknown, mat: TensorLike, labels: TensorLike, inverted: unknown): { miner: Miner | undefined; input: MiningInput } {
  const m = matrixMiner(miner);
  if (typeof inverted !== 'boolean') {
    throw new LosskitError('INVALID_ARGUMENT', 'inverted must be a boolean', { argument: 'inverted', expected: 'distance.isInverted: true for similarities, false for distances', received: String(inverted) });
  }
  const d = checkedTensor(mat, 'mat', 2, 'the distance matrix');
  const b = d.shape[0]!;
  if (d.shape[1] !== b) throw new LosskitError('SHAPE_MISMATCH', 'the distance matrix must be square', { argument: 'mat', expected: 'shape [B, B]', received: formatShape(d.shape) });
  const y = intLabels(labels, b, 'labels');
  const data = hostData(d, inverted, y, y, true);
  return { miner: m, input: { d: data, dataFor: () => data, refData: () => data, dim: 1 } };
}

/** Mined pairs as `[B, B]` float tensors of multiplicities (0/1 for most miners). */
export interface MinedPairs {
  readonly pos: Tensor;
  readonly neg: Tensor;
}

/** Mined triplets as int32 index tensors `[T]` (PML's `(anchors, positives, negatives)`). */
export interface MinedTriplets {
  readonly anchors: Tensor;
  readonly positives: Tensor;
  readonly negatives: Tensor;
}

/**
 * The pairs a miner selects from a distance (or similarity) matrix, or every labelled pair when `miner` is
 * undefined: `{ pos, neg }`, `[B, B]` float masks of multiplicities (positives: same label, i ≠ j). `mat` `[B, B]`
 * (e.g. from {@link pairwise}), `labels` `[B]` integers, `inverted` = `distance.isInverted` (true for
 * similarities); the miner ranks by `mat` (its own `distance` is not used here). Returns new tensors (the caller
 * disposes them); every intermediate is freed, also when the call throws.
 * Errors: `INVALID_ARGUMENT` (miner, inverted; `angularMiner`, `distanceWeightedMiner` and `tuples` need
 * {@link mine}), `RANK_MISMATCH` / `SHAPE_MISMATCH` / `EMPTY_BATCH` / `NON_FINITE_INPUT` (`mat`, `labels`),
 * `NON_INTEGER_LABEL`.
 * @example const { pos, neg } = minePairs(multiSimilarityMiner(), pairwise(cosine(), e, e), labels, true);
 */
export function minePairs(miner: Miner | undefined, mat: TensorLike, labels: TensorLike, inverted: boolean): MinedPairs {
  return tidy(() => {
    const a = miningInputs(miner, mat, labels, inverted);
    const s = asPairs(a.input.d, mineHost(a.miner, a.input));
    const shape: [number, number] = [a.input.d.b, a.input.d.r];
    return { pos: tf.tensor2d(Float32Array.from(s.pos), shape), neg: tf.tensor2d(Float32Array.from(s.neg), shape) };
  });
}

/**
 * The triplets a miner selects, or every valid triplet when `miner` is undefined, as int32 index tensors `[T]`
 * `{ anchors, positives, negatives }` (pair miners: every `(a, p, n)` whose pairs were both mined). Listing is
 * O(T): `batchAll()` gives O(B³) triplets (the losses never list them). Arguments, ownership and errors as
 * {@link minePairs}.
 * @example const { anchors, positives, negatives } = mineTriplets(batchHard(), pairwise(euclidean(), e, e), labels, false);
 */
export function mineTriplets(miner: Miner | undefined, mat: TensorLike, labels: TensorLike, inverted: boolean): MinedTriplets {
  return tidy(() => {
    const a = miningInputs(miner, mat, labels, inverted);
    const mined = mineHost(a.miner, a.input);
    const t = listTriplets(a.input.d, mined.kind === 'triplets' ? mined.sel : { kind: 'window', pos: mined.sel.pos, neg: mined.sel.neg, gap: { lo: -Infinity, hi: Infinity, loOpen: true, hiOpen: true } });
    return { anchors: tf.tensor1d(t.a, 'int32'), positives: tf.tensor1d(t.p, 'int32'), negatives: tf.tensor1d(t.n, 'int32') };
  });
}

/** Options of {@link mine}. */
export interface MineOptions {
  /** The distance to rank by; default the miner's own, else PML's default (cosine for multi-similarity, else normalized L2). */
  readonly distance?: Distance;
  /** A reference set (PML `ref_emb`, `ref_labels`): pairs and triplets go from the queries to these columns. */
  readonly reference?: { readonly embeddings: TensorLike; readonly labels: TensorLike };
}

/** What {@link mine} returns: PML's index tuple, as plain integer arrays. */
export type IndexTuple =
  | { readonly kind: 'triplets'; readonly a: Int32Array; readonly p: Int32Array; readonly n: Int32Array }
  | { readonly kind: 'pairs'; readonly a1: Int32Array; readonly p: Int32Array; readonly a2: Int32Array; readonly n: Int32Array };

/**
 * Runs a miner on embeddings as PML's `miner(embeddings, labels, ref_emb, ref_labels)`: `{ kind: 'triplets', a, p, n }`
 * or `{ kind: 'pairs', a1, p, a2, n }` as `Int32Array`s (no tensors are left). Pass the result to a loss built with
 * {@link tuples} through {@link tupleInputs}. Embeddings `[B, D]`, labels `[B]` integers (tensors or arrays).
 * Errors: `INVALID_ARGUMENT` (miner, distance, `tuples()`), `RANK_MISMATCH` / `SHAPE_MISMATCH` / `EMPTY_BATCH` /
 * `NON_FINITE_INPUT` (embeddings, labels, reference), `NON_INTEGER_LABEL`.
 * @example const t = mine(tripletMarginMiner({ type: 'semihard' }), e, labels);
 */
export function mine(miner: Miner, embeddings: TensorLike, labels: TensorLike, options: MineOptions = {}): IndexTuple {
  const m = checkMiner(miner);
  if (!m) throw new LosskitError('INVALID_ARGUMENT', 'mine() needs a miner', { argument: 'miner', expected: 'a miner', received: 'undefined' });
  if (m.kind === 'tuples') throw new LosskitError('INVALID_ARGUMENT', 'tuples() passes given tuples to a loss; it does not mine', { argument: 'miner', expected: 'a mining miner', received: 'tuples' });
  options = optionsOf(options);
  const dist = checkDistance(options.distance ?? defaultMinerDistance(m));
  return tidy(() => {
    const e = checkedTensor(embeddings, 'embeddings', 2, 'the embeddings');
    const y = intLabels(labels, e.shape[0]!, 'labels');
    let ref = e;
    let ry = y;
    if (options.reference !== undefined) {
      const r = optionsOf(options.reference, 'reference');
      ref = checkedTensor(r.embeddings, 'reference.embeddings', 2, 'the reference embeddings');
      if (ref.shape[1] !== e.shape[1]) throw new LosskitError('SHAPE_MISMATCH', 'reference embeddings need the width of the queries', { argument: 'reference.embeddings', expected: `shape [M, ${e.shape[1]}]`, received: formatShape(ref.shape) });
      ry = intLabels(r.labels, ref.shape[0]!, 'reference.labels');
    }
    const square = ref === e;
    const of = (d: Distance) => hostData(pairwiseTensor(d, e, ref), d.isInverted, y, ry, square);
    const main = of(dist);
    const input: MiningInput = {
      d: main,
      dataFor: (d) => (d === undefined || sameDistance(d, dist) ? main : of(d)),
      refData: (d) => hostData(pairwiseTensor(d, ref, ref), d.isInverted, ry, ry, true),
      dim: e.shape[1]!,
    };
    const mined = mineHost(m, input);
    if (mined.kind === 'triplets') {
      const t = listTriplets(main, mined.sel);
      return { kind: 'triplets' as const, a: t.a, p: t.p, n: t.n };
    }
    const p = listPairs(main, mined.sel);
    return { kind: 'pairs' as const, ...p };
  });
}

/**
 * The `inputs` a loss built with {@link tuples} reads, from a {@link mine} result:
 * `{ triplets: [a, p, n] }` or `{ posPairs: [a1, p], negPairs: [a2, n] }` (names as in `tuples({ names })`).
 */
export function tupleInputs(t: IndexTuple, names?: readonly string[]): Record<string, number[][]> {
  if (!t || typeof t !== 'object' || (t.kind !== 'triplets' && t.kind !== 'pairs')) {
    throw new LosskitError('INVALID_ARGUMENT', 'expected the result of mine()', { argument: 't', expected: "{ kind: 'triplets' | 'pairs', ... }", received: typeof t });
  }
  if (t.kind === 'triplets') return { [names?.[0] ?? 'triplets']: [Array.from(t.a), Array.from(t.p), Array.from(t.n)] };
  return { [names?.[0] ?? 'posPairs']: [Array.from(t.a1), Array.from(t.p)], [names?.[1] ?? 'negPairs']: [Array.from(t.a2), Array.from(t.n)] };
}
