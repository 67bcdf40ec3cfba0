/**
 * Memorization scores (Feldman, "Does Learning Require Memorization? A Short Tale about a Long Tail", STOC 2020):
 * `mem(A, S, i) = Pr_{h∼A(S)}[h(x_i) = y_i] − Pr_{h∼A(S∖i)}[h(x_i) = y_i]`, estimated by training on random subsets and
 * comparing each example's accuracy over the models that saw it with the models that did not (the subsampled estimator
 * of Feldman & Zhang, "What Neural Networks Memorize and Why", NeurIPS 2020).
 */
import { LosskitError, params } from '@losskit/core';
import { readOptions, seeded, shuffled } from './input.js';

/**
 * `trials` random subsets of 0..n−1 of size `⌊ratio·n⌋` (default ratio 0.7, Feldman & Zhang's choice), as masks
 * `[trials][n]` (true = in the training subset). Seeded.
 */
export function subsetMasks(n: number, options?: { readonly trials?: number; readonly ratio?: number; readonly seed?: number }): boolean[][] {
  params.positiveInteger('n', n);
  const o = readOptions(options);
  const trials = params.positiveInteger('trials', o.trials ?? 100);
  const ratio = params.openUnitInterval('ratio', o.ratio ?? 0.7);
  const u = seeded(o.seed);
  const m = Math.max(1, Math.floor(ratio * n));
  const ids = Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: trials }, () => {
    const mask = new Array<boolean>(n).fill(false);
    for (const i of shuffled(ids, u).slice(0, m)) mask[i] = true;
    return mask;
  });
}

/**
 * Memorization estimate of each example from trial masks `[T][n]` and per-trial correctness `[T][n]` (1/true when the
 * model of trial t classified example i correctly; any values in [0, 1], e.g. the probability of the label, work too):
 * `mem_i = mean_{t: i ∈ S_t} c_{t,i} − mean_{t: i ∉ S_t} c_{t,i}`. An example never in (or never out of) a subset gets
 * NaN-free 0 and is listed in `undetermined`.
 * @example memorizationScores([[true, false], [false, true]], [[1, 0], [1, 1]]) // { scores: [0, 1], … }
 */
export function memorizationScores(inMask: readonly (readonly boolean[])[], correct: readonly (readonly (number | boolean)[])[]): { scores: number[]; undetermined: number[] } {
  if (!Array.isArray(inMask) || inMask.length === 0) throw new LosskitError('EMPTY_BATCH', 'no trials', { argument: 'inMask', expected: 'masks [trials][n]', received: Array.isArray(inMask) ? 'an empty array' : typeof inMask });
  if (!Array.isArray(correct) || correct.length !== inMask.length) throw new LosskitError('SHAPE_MISMATCH', 'one correctness row per trial', { argument: 'correct', expected: `${inMask.length} rows`, received: Array.isArray(correct) ? `${correct.length}` : typeof correct });
  const n = inMask[0]!.length;
  const inSum = new Array<number>(n).fill(0);
  const inCount = new Array<number>(n).fill(0);
  const outSum = new Array<number>(n).fill(0);
  const outCount = new Array<number>(n).fill(0);
  inMask.forEach((mask, t) => {
    const c = correct[t]!;
    if (!Array.isArray(mask) || mask.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'every mask has n entries', { argument: `inMask[${t}]`, expected: `${n} booleans`, received: Array.isArray(mask) ? `${mask.length}` : typeof mask });
    if (!Array.isArray(c) || c.length !== n) throw new LosskitError('SHAPE_MISMATCH', 'every correctness row has n entries', { argument: `correct[${t}]`, expected: `${n} values`, received: Array.isArray(c) ? `${c.length}` : typeof c });
    for (let i = 0; i < n; i++) {
      const v = Number(c[i]);
      if (!(v >= 0 && v <= 1)) throw new LosskitError('INVALID_ARGUMENT', 'correctness must be in [0, 1]', { argument: `correct[${t}]`, expected: 'booleans or numbers in [0, 1]', received: `${String(c[i])} at index ${i}` });
      if (mask[i]) {
        inSum[i]! += v;
        inCount[i]!++;
      } else {
        outSum[i]! += v;
        outCount[i]!++;
      }
    }
  });
  const undetermined: number[] = [];
  const scores = inSum.map((s, i) => {
    if (inCount[i] === 0 || outCount[i] === 0) {
      undetermined.push(i);
      return 0;
    }
    return s / inCount[i]! - outSum[i]! / outCount[i]!;
  });
  return { scores, undetermined };
}

/**
 * Runs the subsampled memorization estimator: for each of `trials` random subsets, `trainAndEvaluate(trainIndices)`
 * trains a fresh model on those examples and returns its correctness on **all** n examples; then
 * {@link memorizationScores}. `trainAndEvaluate` may be async (tfjs-layers `fit`).
 * @example await estimateMemorization(n, async (idx) => correctnessOfModelTrainedOn(idx), { trials: 40 })
 */
export async function estimateMemorization(
  n: number,
  trainAndEvaluate: (trainIndices: number[]) => Promise<readonly (number | boolean)[]> | readonly (number | boolean)[],
  options?: { readonly trials?: number; readonly ratio?: number; readonly seed?: number },
): Promise<{ scores: number[]; undetermined: number[] }> {
  if (typeof trainAndEvaluate !== 'function') throw new LosskitError('INVALID_ARGUMENT', 'trainAndEvaluate must be a function', { argument: 'trainAndEvaluate', expected: 'a function (trainIndices) => correctness [n]', received: typeof trainAndEvaluate });
  const masks = subsetMasks(n, options);
  const correct: Array<readonly (number | boolean)[]> = [];
  for (const mask of masks) correct.push(await trainAndEvaluate(mask.flatMap((b, i) => (b ? [i] : []))));
  return memorizationScores(masks, correct);
}
