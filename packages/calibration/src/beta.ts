/**
 * Beta calibration (Kull, Silva Filho, Flach 2017), abm parameterisation, fitted in float64 on the host.
 */
import { LosskitError } from '@losskit/core';
import { logSigmoid, logSumExpParts, sigmoid } from '@losskit/core/math';
import { Calibrator, parseCalibrator, type CalibratorJson } from './calibrator.js';
import { renormalize } from './histogram-binning.js';
import { LOG_FLOOR, checkFrom, checkProbs, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';
import { lbfgs } from './lbfgs.js';

/** Options of {@link BetaCalibration.fit}. */
export interface BetaCalibrationOptions {
  /** What the predictions hold. Default `'logits'`. */
  readonly from?: From;
}

/** One fitted beta map: `logit p' = a·ln s − b·ln(1 − s) + c`, with its midpoint m (`p'(m) = ½`). */
export interface BetaMap {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** `(ln s, ln(1 − s))` of column `col` of every row, exact from logits (log-softmax and the log-sum-exp of the other columns). */
function logParts(m: HostMatrix, from: From, col: number): { ls: Float64Array; l1s: Float64Array } {
  const ls = new Float64Array(m.n);
  const l1s = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) {
    const row = m.data.subarray(i * m.c, (i + 1) * m.c);
    if (m.c === 1) {
      // One column: a binary score s = P(y = 1) (probabilities) or its logit.
      const v = row[0]!;
      if (from === 'logits') {
        ls[i] = logSigmoid(v);
        l1s[i] = logSigmoid(-v);
      } else {
        ls[i] = Math.log(Math.max(v, LOG_FLOOR));
        l1s[i] = Math.log(Math.max(1 - v, LOG_FLOOR));
      }
      continue;
    }
    if (from === 'logits') {
      // (x − m) − rel: exact at any logit magnitude (never lse − x, which loses rel beside a huge m).
      const all = logSumExpParts(row);
      const others = logSumExpParts(Array.from(row).filter((_, j) => j !== col));
      ls[i] = row[col]! - all.max - all.rel;
      l1s[i] = others.max - all.max + (others.rel - all.rel);
    } else {
      ls[i] = Math.log(Math.max(row[col]!, LOG_FLOOR));
      let rest = 0;
      for (let j = 0; j < m.c; j++) if (j !== col) rest += row[j]!;
      l1s[i] = Math.log(Math.max(rest, LOG_FLOOR));
    }
  }
  return { ls, l1s };
}

/**
 * Logistic regression of t on features (ln s, −ln(1−s)) with intercept, restricted to the features in `use`
 * (Kull et al.: refit without a feature whose coefficient came out negative, so the map stays monotone).
 */
function fitBeta(ls: Float64Array, l1s: Float64Array, t: Uint8Array, use: readonly [boolean, boolean]): BetaMap {
  const n = ls.length;
  const res = lbfgs(
    (x, g) => {
      const a = use[0] ? x[0]! : 0;
      const b = use[1] ? x[1]! : 0;
      const c = x[2]!;
      let f = 0;
      g.fill(0);
      for (let i = 0; i < n; i++) {
        const v = a * ls[i]! - b * l1s[i]! + c;
        f -= t[i] ? logSigmoid(v) : logSigmoid(-v);
        const r = sigmoid(v) - t[i]!;
        if (use[0]) g[0]! += r * ls[i]!;
        if (use[1]) g[1]! -= r * l1s[i]!;
        g[2]! += r;
      }
      for (let k = 0; k < 3; k++) g[k]! /= n;
      return f / n;
    },
    [use[0] ? 1 : 0, use[1] ? 1 : 0, 0],
    { maxIterations: 500 },
  );
  return { a: use[0] ? res.x[0]! : 0, b: use[1] ? res.x[1]! : 0, c: res.x[2]! };
}

/** The beta map with a, b ≥ 0: full fit, then refits without the feature(s) whose coefficient is negative. */
function fitBetaMonotone(ls: Float64Array, l1s: Float64Array, t: Uint8Array): BetaMap {
  let map = fitBeta(ls, l1s, t, [true, true]);
  if (map.a < 0 || map.b < 0) {
    const use: [boolean, boolean] = [map.a >= 0, map.b >= 0];
    map = fitBeta(ls, l1s, t, use);
    if (map.a < 0 || map.b < 0) map = fitBeta(ls, l1s, t, [map.a >= 0 && use[0], map.b >= 0 && use[1]]);
  }
  return map;
}

/** `m` with `a ln m − b ln(1−m) + c = 0` (the score mapped to ½), by bisection on the monotone map; NaN when a = b = 0. */
function midpoint(map: BetaMap): number {
  if (map.a === 0 && map.b === 0) return NaN;
  const f = (s: number) => map.a * Math.log(s) - map.b * Math.log1p(-s) + map.c;
  let lo = 1e-300;
  let hi = 1 - 1e-16;
  if (f(lo) > 0) return 0;
  if (f(hi) < 0) return 1;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Beta calibration (Kull et al. 2017), the full 3-parameter "abm" family: for a score s = P(class),
 * `p' = 1 / (1 + 1 / (e^c · s^a / (1 − s)^b))`, i.e. `logit p' = a ln s − b ln(1 − s) + c`, fitted by logistic regression on
 * the features `(ln s, −ln(1 − s))` (float64 L-BFGS on the mean log-loss). As in the authors' `betacal`, a coefficient that
 * comes out negative is fixed at 0 and the rest refitted, so the map is monotone non-decreasing. The abm parameterisation
 * reports (a, b, m) with the midpoint `m = s` where `p' = ½`, from `c = b ln(1 − m) − a ln m` (see {@link BetaCalibration.midpoints}).
 * Identity maps include a = b = 1, c = 0; logistic (Platt) calibration of the log-odds is the special case a = b.
 *
 * Binary: predictions `[N, 2]` (s = p₁) or `[N, 1]` (a score / logit), labels in {0, 1} → `[M, 2]` = `[1 − p', p']`.
 * Multiclass (C > 2): one map per class on `p_c` (one-vs-rest), outputs renormalised (netcal does the same).
 * `ln s` and `ln(1 − s)` are computed exactly from logits (log-softmax), so scores near 0 or 1 keep their digits.
 *
 * @example
 * const beta = BetaCalibration.fit(valProbs, valLabels, { from: 'probs' });
 * beta.transform(testProbs);
 *
 * Paper: "Beta calibration: a well-founded and easily implemented improvement on logistic calibration for binary
 * classifiers", Kull, Silva Filho, Flach, AISTATS 2017.
 */
export class BetaCalibration extends Calibrator {
  readonly kind = 'beta' as const;
  private constructor(from: From, classes: number, readonly maps: readonly BetaMap[]) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: BetaCalibrationOptions): BetaCalibration {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    checkInput(m, from);
    const y = readLabels(labels, m.n, Math.max(m.c, 2));
    const maps: BetaMap[] = [];
    if (m.c <= 2) {
      const { ls, l1s } = logParts(m, from, m.c - 1);
      maps.push(fitBetaMonotone(ls, l1s, Uint8Array.from(y, (v) => (v === 1 ? 1 : 0))));
    } else {
      for (let c = 0; c < m.c; c++) {
        const { ls, l1s } = logParts(m, from, c);
        maps.push(fitBetaMonotone(ls, l1s, Uint8Array.from(y, (v) => (v === c ? 1 : 0))));
      }
    }
    return new BetaCalibration(from, m.c, maps);
  }

  static load(json: string | CalibratorJson): BetaCalibration {
    const o = parseCalibrator(json, 'beta');
    const raw = o.state['maps'];
    const want = o.classes <= 2 ? 1 : o.classes;
    const good = (q: unknown): q is BetaMap => {
      const r = q as Partial<BetaMap> | null;
      return !!r && [r.a, r.b, r.c].every((v) => typeof v === 'number' && Number.isFinite(v)) && r.a! >= 0 && r.b! >= 0;
    };
    if (!Array.isArray(raw) || raw.length !== want || !raw.every(good)) {
      throw new LosskitError('INVALID_ARGUMENT', "bad field 'maps' in saved calibrator", { argument: 'json', expected: `${want} maps { a >= 0, b >= 0, c } of finite numbers` });
    }
    return new BetaCalibration(o.from, o.classes, raw.map((q: BetaMap) => ({ a: q.a, b: q.b, c: q.c })));
  }

  /** The midpoint m of every map (`p'(m) = ½`; NaN for a constant map with a = b = 0). */
  get midpoints(): number[] {
    return this.maps.map(midpoint);
  }

  protected calibrate(m: HostMatrix) {
    checkInput(m, this.from);
    const apply = (map: BetaMap, ls: number, l1s: number) => sigmoid(map.a * ls - map.b * l1s + map.c);
    if (this.classes <= 2) {
      const { ls, l1s } = logParts(m, this.from, m.c - 1);
      const out = new Float64Array(m.n * 2);
      for (let i = 0; i < m.n; i++) {
        const v = this.maps[0]!.a * ls[i]! - this.maps[0]!.b * l1s[i]! + this.maps[0]!.c;
        out[2 * i] = sigmoid(-v);
        out[2 * i + 1] = sigmoid(v);
      }
      return { data: out, c: 2 };
    }
    const out = new Float64Array(m.n * m.c);
    for (let c = 0; c < m.c; c++) {
      const { ls, l1s } = logParts(m, this.from, c);
      for (let i = 0; i < m.n; i++) out[i * m.c + c] = apply(this.maps[c]!, ls[i]!, l1s[i]!);
    }
    renormalize(out, m.n, m.c);
    return { data: out, c: m.c };
  }

  protected state() {
    return { maps: this.maps.map((q) => ({ a: q.a, b: q.b, c: q.c })) };
  }
}

/** Probability input: rows of C ≥ 2 are distributions; a single column holds P(y = 1) in [0, 1]. */
function checkInput(m: HostMatrix, from: From): void {
  if (from !== 'probs') return;
  if (m.c >= 2) checkProbs(m, 'predictions');
  else {
    m.data.forEach((p, i) => {
      if (!(p >= 0 && p <= 1)) throw new LosskitError('INVALID_ARGUMENT', "with from: 'probs' a single column holds P(y = 1)", { argument: 'predictions', expected: 'values in [0, 1]', received: `${p} at index [${i}, 0]` });
    });
  }
}
