import { LosskitError, type TensorLike, checkParam, params, toTensor } from '@losskit/core';
import { rng as rngOf, shuffleInPlace } from '@losskit/core/math';
import { type IndexTuple, type Miner, mine } from './miners.js';
import { optionsOf, tidy } from './internal.js';
import type { Distance } from './distances.js';

/** Reads integer labels `[N]` (tensor or array) on the host. */
function labelsOf(labels: TensorLike, name = 'labels'): number[] {
  return tidy(() => {
    const c = toTensor(labels, name);
    const t = c.tensor;
    if (t.rank !== 1 || t.shape[0] === 0) throw new LosskitError(t.rank !== 1 ? 'RANK_MISMATCH' : 'EMPTY_BATCH', 'expected integer labels [N]', { argument: name, expected: 'shape [N] with N >= 1', received: `[${t.shape.join(', ')}]` });
    const v = c.host ?? t.dataSync();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]!)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: name, expected: 'integers', received: `${v[i]} at index ${i}` });
    }
    return Array.from(v);
  });
}

/** A stream for `(seed, epoch)`: every epoch of a sampler is reproducible on its own, with no hidden state. */
function streamOf(seed: number, epoch: number): () => number {
  return rngOf((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
}


/** PML's `safe_random_choice`: `size` items without replacement, with replacement when there are fewer. */
function safeChoice(items: readonly number[], size: number, u: () => number): number[] {
  if (items.length >= size) return shuffleInPlace([...items], u).slice(0, size);
  return Array.from({ length: size }, () => items[Math.floor(u() * items.length)]!);
}

/** Label → sample indices, labels in first-seen order (PML `get_labels_to_indices`). */
function byLabel(labels: readonly number[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = m.get(l);
    if (list) list.push(i);
    else m.set(l, [i]);
  });
  return m;
}

const epochOf = (e: unknown): number => checkParam('epoch', e, 'an integer >= 0', (x) => Number.isInteger(x) && x >= 0);

/** A batch sampler: the index list of one epoch and its batches, reproducible from `(seed, epoch)`. */
export interface Sampler {
  /** Number of indices per epoch. */
  readonly length: number;
  /** The dataset indices of epoch `epoch` (default 0), in order. */
  indices(epoch?: number): Int32Array;
  /** The indices of epoch `epoch` cut into consecutive batches. */
  batches(epoch?: number): Int32Array[];
}

/** Options of {@link mPerClassSampler}. */
export interface MPerClassOptions {
  /** Samples per class m. */
  readonly m: number;
  /** Batch size: each batch holds `batchSize / m` classes (m must divide it). Default: every class once per pass. */
  readonly batchSize?: number;
  /** Indices per epoch (PML `length_before_new_iter`), trimmed to whole passes or batches. Default 100000. */
  readonly length?: number;
  /** Seed of the draws. Default 0. */
  readonly seed?: number;
}

/**
 * PML `MPerClassSampler`: every batch holds `m` samples of each of `batchSize / m` distinct classes (drawn without
 * replacement when a class has at least m samples, else with replacement), so label-mined losses always see positives.
 * One epoch is `length` indices (PML's `length_before_new_iter`, rounded down to whole batches, or to whole passes over
 * the classes when no batch size is given). Deterministic: epoch e of a sampler with seed s is always the same list.
 * Errors (`INVALID_PARAMETER`): m < 1, `batchSize` not a multiple of m or larger than m × classes, length < batchSize.
 * @example
 * const sampler = mPerClassSampler(labels, { m: 4, batchSize: 64, length: 6400, seed: 1 });
 * for (const batch of sampler.batches(epoch)) trainStep(batch);
 */
export function mPerClassSampler(labels: TensorLike, options: MPerClassOptions): Sampler {
  const o = optionsOf(options) as MPerClassOptions;
  if (!o || typeof o !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'mPerClassSampler needs options with m', { argument: 'options', expected: '{ m, batchSize?, length?, seed? }', received: String(options) });
  const y = labelsOf(labels);
  const m = params.positiveInteger('m', o.m);
  const classes = byLabel(y);
  const keys = [...classes.keys()];
  const pass = m * keys.length;
  let size = params.positiveInteger('length', o.length ?? 100000);
  const seed = checkParam('seed', o.seed ?? 0, 'an integer', Number.isInteger);
  const batch = o.batchSize === undefined ? undefined : params.positiveInteger('batchSize', o.batchSize);
  if (batch === undefined) {
    if (pass < size) size -= size % pass;
  } else {
    if (batch % m !== 0) throw new LosskitError('INVALID_PARAMETER', 'm must divide the batch size', { argument: 'batchSize', expected: `a multiple of m = ${m}`, received: String(batch) });
    if (pass < batch) throw new LosskitError('INVALID_PARAMETER', 'm × (number of classes) must be at least the batch size', { argument: 'batchSize', expected: `at most ${pass} (${keys.length} classes × m = ${m})`, received: String(batch) });
    if (size < batch) throw new LosskitError('INVALID_PARAMETER', 'the epoch is shorter than one batch', { argument: 'length', expected: `at least batchSize = ${batch}`, received: String(size) });
    size -= size % batch;
  }
  const per = batch ?? pass;
  const indices = (epoch = 0): Int32Array => {
    const u = streamOf(seed, epochOf(epoch));
    const out = new Int32Array(size);
    const rounds = per < size ? Math.floor(size / per) : 1;
    let i = 0;
    for (let r = 0; r < rounds && i < size; r++) {
      const order = shuffleInPlace([...keys], u);
      const use = batch === undefined ? order : order.slice(0, batch / m);
      for (const c of use) {
        for (const idx of safeChoice(classes.get(c)!, m, u)) if (i < size) out[i++] = idx;
      }
    }
    return out;
  };
  return {
    length: size,
    indices,
    batches: (epoch = 0) => {
      const all = indices(epoch);
      const out: Int32Array[] = [];
      for (let s = 0; s < all.length; s += per) out.push(all.slice(s, s + per));
      return out;
    },
  };
}

/** Options of {@link hierarchicalSampler}. */
export interface HierarchicalOptions {
  /** Batch size (a multiple of `superClassesPerBatch`). */
  readonly batchSize: number;
  /** Samples per class, or `'all'` for every sample of a class. */
  readonly samplesPerClass: number | 'all';
  /** Batches per combination of super classes. Default 4. */
  readonly batchesPerSuperTuple?: number;
  /** Super classes per batch. Default 2. */
  readonly superClassesPerBatch?: number;
  /** Seed. Default 0. */
  readonly seed?: number;
}

/**
 * PML `HierarchicalSampler` (after Deep-Metric-Learning-Baselines): for labels at two levels (class and super class),
 * every batch covers `superClassesPerBatch` super classes, each filling `batchSize / superClassesPerBatch` slots with
 * `samplesPerClass` samples of classes of that super class taken in random order (a class that no longer fits is
 * skipped); `batchesPerSuperTuple` batches per combination of super classes, batches shuffled. `classes[i]` and
 * `superClasses[i]` are the two labels of sample i. Deterministic per `(seed, epoch)`.
 * @example hierarchicalSampler(classes, superClasses, { batchSize: 32, samplesPerClass: 4 }).batches(epoch)
 */
export function hierarchicalSampler(classes: TensorLike, superClasses: TensorLike, options: HierarchicalOptions): Omit<Sampler, 'indices'> & { indices(epoch?: number): Int32Array } {
  const o = optionsOf(options) as HierarchicalOptions;
  const y = labelsOf(classes, 'classes');
  const s = labelsOf(superClasses, 'superClasses');
  if (s.length !== y.length) throw new LosskitError('SHAPE_MISMATCH', 'one super class per sample', { argument: 'superClasses', expected: `[${y.length}]`, received: `[${s.length}]` });
  const batch = params.positiveInteger('batchSize', o?.batchSize);
  const per = params.positiveInteger('superClassesPerBatch', o.superClassesPerBatch ?? 2);
  const times = params.positiveInteger('batchesPerSuperTuple', o.batchesPerSuperTuple ?? 4);
  const seed = checkParam('seed', o.seed ?? 0, 'an integer', Number.isInteger);
  if (batch % per !== 0) throw new LosskitError('INVALID_PARAMETER', 'the batch size must be a multiple of superClassesPerBatch', { argument: 'batchSize', expected: `a multiple of ${per}`, received: String(batch) });
  const sub = batch / per;
  const spc = o.samplesPerClass;
  if (spc !== 'all') {
    params.positiveInteger('samplesPerClass', spc);
    if (sub % spc !== 0) throw new LosskitError('INVALID_PARAMETER', 'batchSize / superClassesPerBatch must be a multiple of samplesPerClass', { argument: 'samplesPerClass', expected: `a divisor of ${sub}`, received: String(spc) });
  }
  const tree = new Map<number, Map<number, number[]>>();
  y.forEach((c, i) => {
    const sc = s[i]!;
    if (!tree.has(sc)) tree.set(sc, new Map());
    const t = tree.get(sc)!;
    if (!t.has(c)) t.set(c, []);
    t.get(c)!.push(i);
  });
  const supers = [...tree.keys()];
  if (supers.length < per) throw new LosskitError('INVALID_PARAMETER', 'fewer super classes than superClassesPerBatch', { argument: 'superClassesPerBatch', expected: `at most ${supers.length}`, received: String(per) });
  const combos: number[][] = [];
  const choose = (start: number, acc: number[]) => {
    if (acc.length === per) {
      combos.push([...acc]);
      return;
    }
    for (let i = start; i < supers.length; i++) choose(i + 1, [...acc, supers[i]!]);
  };
  choose(0, []);
  const batches = (epoch = 0): Int32Array[] => {
    const u = streamOf(seed, epochOf(epoch));
    const out: number[][] = [];
    for (const combo of combos) {
      for (let t = 0; t < times; t++) {
        const b: number[] = [];
        for (const sc of combo) {
          const part: number[] = [];
          const cls = shuffleInPlace([...tree.get(sc)!.keys()], u);
          for (const c of cls) {
            if (part.length >= sub) break;
            const inst = tree.get(sc)!.get(c)!;
            const n = spc === 'all' ? inst.length : spc;
            if (part.length + n > sub) continue;
            part.push(...safeChoice(inst, n, u));
          }
          b.push(...part);
        }
        out.push(shuffleInPlace(b, u));
      }
    }
    return shuffleInPlace(out, u).map((b) => Int32Array.from(b));
  };
  return {
    length: combos.length * times,
    batches,
    indices: (epoch = 0) => Int32Array.from(batches(epoch).flatMap((b) => Array.from(b))),
  };
}

/**
 * PML's `convert_to_weights`: a weight per sample from how often it occurs in an index tuple (all of a, p, n, or a1,
 * p, a2, n), divided by the largest count; all 1 when the tuple is empty.
 */
export function tupleWeights(t: IndexTuple, n: number): Float64Array {
  params.positiveInteger('n', n);
  const w = new Float64Array(n);
  const lists = t.kind === 'triplets' ? [t.a, t.p, t.n] : [t.a1, t.p, t.a2, t.n];
  let total = 0;
  for (const l of lists) {
    for (const i of l) {
      if (!(i >= 0 && i < n)) throw new LosskitError('LABEL_OUT_OF_RANGE', 'an index of the tuple is outside the dataset', { argument: 't', expected: `indices in [0, ${n})`, received: String(i) });
      w[i]! += 1;
      total++;
    }
  }
  if (total === 0) return w.fill(1);
  let mx = 0;
  for (const v of w) mx = Math.max(mx, v);
  for (let i = 0; i < n; i++) w[i] = w[i]! / mx;
  return w;
}

/**
 * PML `TuplesToWeightsSampler`: mines the given embeddings, weights every sample by how often it occurs in the mined
 * tuples ({@link tupleWeights}), and draws `size` indices (default N) with replacement in proportion to the weights.
 * Pass the embeddings of the dataset (or of a subset) computed by your model; deterministic per `(seed, epoch)`.
 * @example const idx = tuplesToWeightsSampler(embeddings, labels, tripletMarginMiner({ type: 'hard' })).indices(epoch);
 */
export function tuplesToWeightsSampler(embeddings: TensorLike, labels: TensorLike, miner: Miner, options: { readonly size?: number; readonly seed?: number; readonly distance?: Distance } = {}): Sampler & { readonly weights: Float64Array } {
  options = optionsOf(options);
  const t = mine(miner, embeddings, labels, options.distance ? { distance: options.distance } : {});
  const n = labelsOf(labels).length;
  const weights = tupleWeights(t, n);
  const size = params.positiveInteger('size', options.size ?? n);
  const seed = checkParam('seed', options.seed ?? 0, 'an integer', Number.isInteger);
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cum[i] = acc += weights[i]!;
  const indices = (epoch = 0) => {
    const u = streamOf(seed, epochOf(epoch));
    const out = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const x = u() * acc;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      out[k] = lo;
    }
    return out;
  };
  return { length: size, weights, indices, batches: (epoch = 0) => [indices(epoch)] };
}

/**
 * PML `FixedSetOfTriplets`: `numTriplets` triplets `(a, p, n)` fixed at construction (two random classes, an anchor and
 * positive from the first, with replacement when it has one sample, a negative from the second); each epoch lists them
 * flattened in a shuffled order. For experiments where the only supervision is a set of triplets.
 * @example const sampler = fixedSetOfTriplets(labels, 1000, { seed: 0 }); sampler.indices(epoch)
 */
export function fixedSetOfTriplets(labels: TensorLike, numTriplets: number, options: { readonly seed?: number } = {}): Sampler & { readonly triplets: Int32Array } {
  options = optionsOf(options);
  const y = labelsOf(labels);
  const t = params.positiveInteger('numTriplets', numTriplets);
  const seed = checkParam('seed', options.seed ?? 0, 'an integer', Number.isInteger);
  const classes = byLabel(y);
  const keys = [...classes.keys()];
  if (keys.length < 2) throw new LosskitError('INVALID_ARGUMENT', 'triplets need at least two classes', { argument: 'labels', expected: 'two or more distinct labels', received: `${keys.length}` });
  const u0 = streamOf(seed, -1);
  const triplets = new Int32Array(3 * t);
  for (let i = 0; i < t; i++) {
    const [ca, cn] = shuffleInPlace([...keys], u0);
    const [a, p] = safeChoice(classes.get(ca!)!, 2, u0);
    const list = classes.get(cn!)!;
    triplets.set([a!, p!, list[Math.floor(u0() * list.length)]!], 3 * i);
  }
  const indices = (epoch = 0) => {
    const order = shuffleInPlace(Array.from({ length: t }, (_, i) => i), streamOf(seed, epochOf(epoch)));
    const out = new Int32Array(3 * t);
    order.forEach((k, i) => out.set(triplets.subarray(3 * k, 3 * k + 3), 3 * i));
    return out;
  };
  return { length: 3 * t, triplets, indices, batches: (epoch = 0) => [indices(epoch)] };
}
