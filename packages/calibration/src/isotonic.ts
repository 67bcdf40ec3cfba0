/**
 * Isotonic regression calibration (Zadrozny & Elkan 2002) by pool-adjacent-violators, one-vs-rest for
 * multiclass, then renormalised.
 */
import { LosskitError, params } from '@losskit/core';
import { Calibrator, parseCalibrator, type CalibratorJson } from './calibrator.js';
import { renormalize } from './histogram-binning.js';
import { checkFrom, probsOf, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';

/** Options of {@link IsotonicRegression.fit}. */
export interface IsotonicRegressionOptions {
  /** What the predictions hold. Default `'logits'` (softmax is applied first). */
  readonly from?: From;
  /** Renormalise the C one-vs-rest outputs to sum to 1. Default true. */
  readonly normalize?: boolean;
}

/** A fitted non-decreasing piecewise-linear map: knots `x` (non-decreasing) with values `y` (non-decreasing). */
export interface IsotonicMap {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/**
 * Weighted pool-adjacent-violators on points sorted by x (equal x merged first, so the fit is a function of x).
 * Returns knots at the first and last x of every pooled block.
 */
export function poolAdjacentViolators(xs: ArrayLike<number>, ys: ArrayLike<number>): IsotonicMap {
  const order = Array.from({ length: xs.length }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  // Merge ties in x.
  const px: number[] = [];
  const py: number[] = [];
  const pw: number[] = [];
  for (const i of order) {
    const x = xs[i]!;
    const last = px.length - 1;
    if (last >= 0 && px[last] === x) {
      py[last] = (py[last]! * pw[last]! + ys[i]!) / (pw[last]! + 1);
      pw[last]!++;
    } else {
      px.push(x);
      py.push(ys[i]!);
      pw.push(1);
    }
  }
  // Blocks: value, weight, first and last point index.
  const bv: number[] = [];
  const bw: number[] = [];
  const bs: number[] = [];
  const be: number[] = [];
  for (let k = 0; k < px.length; k++) {
    bv.push(py[k]!);
    bw.push(pw[k]!);
    bs.push(k);
    be.push(k);
    while (bv.length > 1 && bv[bv.length - 2]! > bv[bv.length - 1]!) {
      const v2 = bv.pop()!;
      const w2 = bw.pop()!;
      const e2 = be.pop()!;
      bs.pop();
      const j = bv.length - 1;
      bv[j] = (bv[j]! * bw[j]! + v2 * w2) / (bw[j]! + w2);
      bw[j]! += w2;
      be[j] = e2;
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let j = 0; j < bv.length; j++) {
    x.push(px[bs[j]!]!);
    y.push(bv[j]!);
    if (be[j] !== bs[j]) {
      x.push(px[be[j]!]!);
      y.push(bv[j]!);
    }
  }
  return { x, y };
}

/** Evaluates an isotonic map: linear interpolation between knots, constant beyond the ends. */
export function evaluateIsotonic(map: IsotonicMap, v: number): number {
  const { x, y } = map;
  const n = x.length;
  if (v <= x[0]!) return y[0]!;
  if (v >= x[n - 1]!) return y[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo]!;
  const x1 = x[hi]!;
  return x1 > x0 ? y[lo]! + ((v - x0) / (x1 - x0)) * (y[hi]! - y[lo]!) : y[hi]!;
}

/**
 * Isotonic regression: for each class c, the non-decreasing map g_c minimising `Σ_i (g_c(p_ic) − 1[y_i = c])²`
 * (pool-adjacent-violators, ties in `p_c` averaged first), evaluated by linear interpolation between block ends
 * and held constant outside the fitted range (as scikit-learn's `IsotonicRegression(out_of_bounds='clip')`).
 * With `normalize` (default) the C outputs are divided by their sum (all zero → uniform). Without it each
 * per-class output is monotone non-decreasing in `p_c`.
 *
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`.
 *
 * @example
 * const iso = IsotonicRegression.fit(valLogits, valLabels);
 * iso.transform(testLogits);
 *
 * Paper: "Transforming Classifier Scores into Accurate Multiclass Probability Estimates", Zadrozny, Elkan, 2002.
 */
export class IsotonicRegression extends Calibrator {
  readonly kind = 'isotonic' as const;
  private constructor(from: From, classes: number, readonly maps: readonly IsotonicMap[], readonly normalize: boolean) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: IsotonicRegressionOptions): IsotonicRegression {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const p = probsOf(m, from);
    const maps: IsotonicMap[] = [];
    const xs = new Float64Array(m.n);
    const ys = new Float64Array(m.n);
    for (let c = 0; c < m.c; c++) {
      for (let i = 0; i < m.n; i++) {
        xs[i] = p[i * m.c + c]!;
        ys[i] = y[i] === c ? 1 : 0;
      }
      maps.push(poolAdjacentViolators(xs, ys));
    }
    return new IsotonicRegression(from, m.c, maps, params.boolean('normalize', options.normalize ?? true));
  }

  static load(json: string | CalibratorJson): IsotonicRegression {
    const o = parseCalibrator(json, 'isotonic');
    const raw = o.state['maps'];
    const bad = () => new LosskitError('INVALID_ARGUMENT', "bad field 'maps' in saved calibrator", { argument: 'json', expected: `${o.classes} maps { x, y } of equal-length, non-decreasing finite numbers` });
    if (!Array.isArray(raw) || raw.length !== o.classes) throw bad();
    const maps = raw.map((r: unknown) => {
      const q = (r ?? {}) as { x?: unknown; y?: unknown };
      if (!Array.isArray(q.x) || !Array.isArray(q.y) || q.x.length !== q.y.length || q.x.length === 0) throw bad();
      const ok = (v: unknown[]) => v.every((t, i) => typeof t === 'number' && Number.isFinite(t) && (i === 0 || t >= (v[i - 1] as number)));
      // An isotonic map is non-decreasing in x and in y, with finite knots.
      if (!ok(q.x) || !ok(q.y)) throw bad();
      return { x: q.x as number[], y: q.y as number[] };
    });
    return new IsotonicRegression(o.from, o.classes, maps, o.state['normalize'] !== false);
  }

  protected calibrate(m: HostMatrix) {
    const p = probsOf(m, this.from);
    const out = new Float64Array(m.n * m.c);
    for (let i = 0; i < m.n; i++) for (let c = 0; c < m.c; c++) out[i * m.c + c] = evaluateIsotonic(this.maps[c]!, p[i * m.c + c]!);
    if (this.normalize) renormalize(out, m.n, m.c);
    return { data: out, c: m.c };
  }

  protected state() {
    return { maps: this.maps.map((q) => ({ x: [...q.x], y: [...q.y] })), normalize: this.normalize };
  }
}
