/**
 * Ensembles of binning models, one-vs-rest for multiclass then renormalised: BBQ (Bayesian binning into quantiles,
 * Naeini et al. 2015), near-isotonic regression (Tibshirani et al. 2011) and ENIR (the ensemble of near-isotonic
 * regressions along its solution path, Naeini & Cooper 2016). Float64 on the host.
 */
import { LosskitError, params } from '@losskit/core';
import { logSumExp } from '@losskit/core/math';
import { Calibrator, parseCalibrator, type CalibratorJson } from './calibrator.js';
import { renormalize } from './histogram-binning.js';
import { evaluateIsotonic, type IsotonicMap } from './isotonic.js';
import { checkFrom, probsOf, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';
import { logGamma } from './special.js';

/** Column c of the probabilities, with the one-vs-rest targets 1[y = c]. */
function column(p: Float64Array, y: Int32Array, n: number, C: number, c: number): { s: Float64Array; t: Uint8Array } {
  const s = new Float64Array(n);
  const t = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = p[i * C + c]!;
    t[i] = y[i] === c ? 1 : 0;
  }
  return { s, t };
}

// ── BBQ ─────────────────────────────────────────────────────────────────────

/** One equal-frequency histogram of a BBQ ensemble: bin b is `(edges[b], edges[b+1]]` (the first also holds 0). */
export interface BbqModel {
  readonly edges: readonly number[];
  /** Posterior-mean calibrated probability of each bin, `(m_b + α_b) / (N_b + α_b + β_b)`. */
  readonly values: readonly number[];
  /** Normalised model weight (posterior probability of the model). */
  readonly weight: number;
}

function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid + 1]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Smallest bin prior: a bin whose edges are both 0 (or 1) would give a Beta prior with a zero parameter. */
const PRIOR_FLOOR = 1e-6;

/** The B-bin equal-frequency model and its log marginal likelihood (BDeu-style score of Naeini et al., eq. 2). */
function bbqModel(sorted: Float64Array, s: Float64Array, t: Uint8Array, B: number, prior: number): { edges: number[]; values: number[]; logScore: number } {
  const n = sorted.length;
  const edges = [0];
  for (let b = 1; b < B; b++) {
    const k = Math.floor((b * n) / B);
    edges.push((sorted[k - 1]! + sorted[k]!) / 2);
  }
  edges.push(1);
  const cnt = new Float64Array(B);
  const pos = new Float64Array(B);
  for (let i = 0; i < n; i++) {
    const b = binOf(edges, s[i]!);
    cnt[b]!++;
    pos[b]! += t[i]!;
  }
  const a0 = prior / B;
  let logScore = 0;
  const values: number[] = [];
  for (let b = 0; b < B; b++) {
    const pb = Math.min(Math.max((edges[b]! + edges[b + 1]!) / 2, PRIOR_FLOOR), 1 - PRIOR_FLOOR);
    const alpha = a0 * pb;
    const beta = a0 * (1 - pb);
    const m = pos[b]!;
    const nn = cnt[b]! - m;
    logScore += logGamma(a0) - logGamma(cnt[b]! + a0) + logGamma(m + alpha) - logGamma(alpha) + logGamma(nn + beta) - logGamma(beta);
    values.push((m + alpha) / (cnt[b]! + alpha + beta));
  }
  return { edges, values, logScore };
}

/** Options of {@link BBQ.fit}. */
export interface BbqOptions {
  readonly from?: From;
  /** C in the bin range `[⌊N^{1/3}/C⌋, ⌈C·N^{1/3}⌉]` (Naeini et al. use C = 10). Default 10. */
  readonly binRange?: number;
  /** Prior equivalent sample size N'. Default 2 (the paper's value). */
  readonly priorStrength?: number;
  /** Renormalise the one-vs-rest outputs to sum to 1. Default true. */
  readonly normalize?: boolean;
}

/**
 * Bayesian binning into quantiles (Naeini, Cooper, Hauskrecht 2015). For each class c (one-vs-rest on `p_c`), the models
 * are equal-frequency histograms with B bins for every B in `[max(1, ⌊N^{1/3}/C⌋), min(N, ⌈C·N^{1/3}⌉)]`; model M is
 * scored by its marginal likelihood under a Beta prior per bin,
 * `P(D|M) = Π_b Γ(N'/B)/Γ(N_b + N'/B) · Γ(m_b + α_b)/Γ(α_b) · Γ(n_b + β_b)/Γ(β_b)`,
 * `α_b = (N'/B)·p_b`, `β_b = (N'/B)(1 − p_b)`, `p_b` the midpoint of the bin's edges (floored at 1e-6 from 0 and 1),
 * `m_b` / `n_b` the positives / negatives in the bin. The calibrated probability averages the models' posterior-mean bin
 * values `(m_b + α_b)/(N_b + α_b + β_b)` with weights `P(D|M) / Σ_M' P(D|M')` (uniform model prior; computed in log space).
 * Edges sit halfway between the last score of one bin and the first of the next (first edge 0, last 1); a score on an edge
 * belongs to the lower bin. netcal's `BBQ` scores the same models by BIC/AIC and keeps those above an elbow instead of
 * the Bayesian score; this follows the paper.
 *
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`. Defaults C = 10, N' = 2, normalised.
 *
 * @example
 * const bbq = BBQ.fit(valLogits, valLabels);
 * bbq.transform(testLogits);
 *
 * Paper: "Obtaining Well Calibrated Probabilities Using Bayesian Binning", Naeini, Cooper, Hauskrecht, AAAI 2015.
 */
export class BBQ extends Calibrator {
  readonly kind = 'bbq' as const;
  private constructor(from: From, classes: number, readonly models: readonly (readonly BbqModel[])[], readonly normalize: boolean) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: BbqOptions): BBQ {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const range = params.positive('binRange', options.binRange ?? 10);
    const prior = params.positive('priorStrength', options.priorStrength ?? 2);
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const p = probsOf(m, from);
    const cube = Math.cbrt(m.n);
    const minB = Math.max(1, Math.floor(cube / range));
    const maxB = Math.max(minB, Math.min(m.n, Math.ceil(cube * range)));
    const all: BbqModel[][] = [];
    for (let c = 0; c < m.c; c++) {
      const { s, t } = column(p, y, m.n, m.c, c);
      const sorted = Float64Array.from(s).sort();
      const raw = [];
      for (let B = minB; B <= maxB; B++) raw.push(bbqModel(sorted, s, t, B, prior));
      const lse = logSumExp(raw.map((r) => r.logScore));
      all.push(raw.map((r) => ({ edges: r.edges, values: r.values, weight: Math.exp(r.logScore - lse) })).filter((q) => q.weight > 0));
    }
    return new BBQ(from, m.c, all, params.boolean('normalize', options.normalize ?? true));
  }

  static load(json: string | CalibratorJson): BBQ {
    const o = parseCalibrator(json, 'bbq');
    const raw = o.state['models'];
    const bad = () => new LosskitError('INVALID_ARGUMENT', "bad field 'models' in saved calibrator", { argument: 'json', expected: `${o.classes} lists of { edges (increasing from 0 to 1), values in [0, 1], weight > 0 }` });
    if (!Array.isArray(raw) || raw.length !== o.classes) throw bad();
    const models = raw.map((list: unknown) => {
      if (!Array.isArray(list) || list.length === 0) throw bad();
      return list.map((q: unknown) => {
        const r = q as Partial<BbqModel> | null;
        if (!r || !Array.isArray(r.edges) || !Array.isArray(r.values) || r.edges.length !== r.values.length + 1 || r.values.length === 0) throw bad();
        const e = r.edges as unknown[];
        if (!e.every((v, i) => typeof v === 'number' && v >= 0 && v <= 1 && (i === 0 || v >= (e[i - 1] as number)))) throw bad();
        if (!(r.values as unknown[]).every((v) => typeof v === 'number' && v >= 0 && v <= 1)) throw bad();
        if (typeof r.weight !== 'number' || !(r.weight > 0) || !Number.isFinite(r.weight)) throw bad();
        return { edges: r.edges as number[], values: r.values as number[], weight: r.weight };
      });
    });
    return new BBQ(o.from, o.classes, models, o.state['normalize'] !== false);
  }

  protected calibrate(m: HostMatrix) {
    const p = probsOf(m, this.from);
    const out = new Float64Array(m.n * m.c);
    for (let c = 0; c < m.c; c++) {
      const list = this.models[c]!;
      let total = 0;
      for (const q of list) total += q.weight;
      for (let i = 0; i < m.n; i++) {
        let v = 0;
        for (const q of list) v += q.weight * q.values[binOf(q.edges, p[i * m.c + c]!)]!;
        out[i * m.c + c] = v / total;
      }
    }
    if (this.normalize) renormalize(out, m.n, m.c);
    return { data: out, c: m.c };
  }

  protected state() {
    return { models: this.models.map((l) => l.map((q) => ({ edges: [...q.edges], values: [...q.values], weight: q.weight }))), normalize: this.normalize };
  }
}

// ── near-isotonic regression path ────────────────────────────────────────────

/** One knot of the near-isotonic path: at penalty λ, the fitted value of every distinct score and the number of groups. */
export interface NearIsotonicKnot {
  readonly lambda: number;
  readonly values: Float64Array;
  readonly groups: number;
  /** Slope dβ/dλ of every distinct score's value until the next knot. */
  readonly slopes: Float64Array;
}

/**
 * The whole solution path of near-isotonic regression (Tibshirani, Hoefling, Tibshirani 2011) of targets on sorted distinct
 * scores with weights `w_k` and means `ȳ_k`: `β(λ) = argmin ½ Σ_k w_k (ȳ_k − β_k)² + λ Σ_k (β_k − β_{k+1})_+`.
 * Starting at λ = 0 (β = ȳ), each group of fused scores moves with slope `−(v_right − v_left)/n_g` (v = 1 where the
 * neighbouring boundary is violated, n_g the group weight) until two neighbours meet and fuse; the path ends at the
 * isotonic fit (no violation left). Returns one knot per fusion event, from λ = 0.
 */
export function nearIsotonicPath(weights: ArrayLike<number>, means: ArrayLike<number>): NearIsotonicKnot[] {
  const K = weights.length;
  let start: number[] = Array.from({ length: K }, (_, k) => k);
  let n: number[] = Array.from(weights);
  let value: number[] = Array.from(means);
  let lambda = 0;
  const knots: NearIsotonicKnot[] = [];
  const expand = (vals: readonly number[]) => {
    const out = new Float64Array(K);
    for (let g = 0; g < start.length; g++) out.fill(vals[g]!, start[g], start[g + 1] ?? K);
    return out;
  };
  for (let guard = 0; guard <= K; guard++) {
    const G = start.length;
    const v = Array.from({ length: G }, (_, g) => (g + 1 < G && value[g]! > value[g + 1]! ? 1 : 0));
    const slope = Array.from({ length: G }, (_, g) => -(v[g]! - (g > 0 ? v[g - 1]! : 0)) / n[g]!);
    knots.push({ lambda, values: expand(value), groups: G, slopes: expand(slope) });
    if (!v.some((x) => x === 1)) break;
    let dt = Infinity;
    for (let g = 0; g + 1 < G; g++) {
      const gap = value[g + 1]! - value[g]!;
      const rate = slope[g + 1]! - slope[g]!;
      if (gap === 0) dt = 0;
      else if (gap * rate < 0) dt = Math.min(dt, -gap / rate);
    }
    if (!Number.isFinite(dt)) break;
    lambda += dt;
    value = value.map((b, g) => b + slope[g]! * dt);
    // Fuse every neighbouring pair that met (to rounding).
    const ns: number[] = [];
    const nn: number[] = [];
    const nv: number[] = [];
    for (let g = 0; g < G; g++) {
      const last = nv.length - 1;
      const tol = 1e-12 * Math.max(1, Math.abs(value[g]!));
      if (last >= 0 && Math.abs(nv[last]! - value[g]!) <= tol) {
        nv[last] = (nv[last]! * nn[last]! + value[g]! * n[g]!) / (nn[last]! + n[g]!);
        nn[last]! += n[g]!;
      } else {
        ns.push(start[g]!);
        nn.push(n[g]!);
        nv.push(value[g]!);
      }
    }
    start = ns;
    n = nn;
    value = nv;
  }
  return knots;
}

/** Distinct sorted scores with their counts and target means. */
function distinct(s: Float64Array, t: Uint8Array): { x: number[]; w: number[]; mean: number[] } {
  const order = Array.from(s, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
  const x: number[] = [];
  const w: number[] = [];
  const sum: number[] = [];
  for (const i of order) {
    const last = x.length - 1;
    if (last >= 0 && x[last] === s[i]) {
      w[last]!++;
      sum[last]! += t[i]!;
    } else {
      x.push(s[i]!);
      w.push(1);
      sum.push(t[i]!);
    }
  }
  return { x, w, mean: sum.map((v, k) => v / w[k]!) };
}

/** BIC = −2 log-likelihood + (number of groups)·ln N of the Bernoulli targets under a knot's fitted values. */
function bic(knot: NearIsotonicKnot, w: readonly number[], mean: readonly number[], N: number): number {
  let ll = 0;
  for (let k = 0; k < w.length; k++) {
    const p = Math.min(Math.max(knot.values[k]!, 1e-12), 1 - 1e-12);
    const pos = w[k]! * mean[k]!;
    ll += pos * Math.log(p) + (w[k]! - pos) * Math.log(1 - p);
  }
  return -2 * ll + knot.groups * Math.log(N);
}

const clip01 = (v: number) => Math.min(Math.max(v, 0), 1);

/** Options of {@link NearIsotonicRegression.fit}. */
export interface NearIsotonicOptions {
  readonly from?: From;
  /**
   * The penalty λ ≥ 0 on violations (in units of the summed squared error over the fit samples), or `'bic'` (default): the
   * knot of the solution path with the lowest BIC.
   */
  readonly lambda?: number | 'bic';
  readonly normalize?: boolean;
}

function checkMaps(o: CalibratorJson): IsotonicMap[] {
  const raw = o.state['maps'];
  const bad = () => new LosskitError('INVALID_ARGUMENT', "bad field 'maps' in saved calibrator", { argument: 'json', expected: `${o.classes} maps { x (non-decreasing), y in [0, 1] } of equal length` });
  if (!Array.isArray(raw) || raw.length !== o.classes) throw bad();
  return raw.map((r: unknown) => {
    const q = (r ?? {}) as { x?: unknown; y?: unknown };
    if (!Array.isArray(q.x) || !Array.isArray(q.y) || q.x.length !== q.y.length || q.x.length === 0) throw bad();
    const xs = q.x as unknown[];
    if (!xs.every((t, i) => typeof t === 'number' && Number.isFinite(t) && (i === 0 || t >= (xs[i - 1] as number)))) throw bad();
    if (!(q.y as unknown[]).every((t) => typeof t === 'number' && t >= 0 && t <= 1)) throw bad();
    return { x: q.x as number[], y: q.y as number[] };
  });
}

function applyMaps(maps: readonly IsotonicMap[], p: Float64Array, m: HostMatrix, normalize: boolean) {
  const out = new Float64Array(m.n * m.c);
  for (let i = 0; i < m.n; i++) for (let c = 0; c < m.c; c++) out[i * m.c + c] = evaluateIsotonic(maps[c]!, p[i * m.c + c]!);
  if (normalize) renormalize(out, m.n, m.c);
  return { data: out, c: m.c };
}

/**
 * Near-isotonic regression calibration (Tibshirani, Hoefling, Tibshirani 2011), one-vs-rest: for class c, over the distinct
 * sorted scores `p_c`, `β = argmin ½ Σ_i (1[y_i = c] − β(p_ic))² + λ Σ_k (β_k − β_{k+1})_+`, which allows small
 * violations of monotonicity (λ = 0: the per-score means; λ large: isotonic regression). Solved exactly by the path
 * algorithm ({@link nearIsotonicPath}). Between fitted scores the map is linear, beyond them constant.
 *
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`. Default λ: the path knot with the lowest BIC.
 *
 * @example
 * NearIsotonicRegression.fit(valLogits, valLabels, { lambda: 5 }).transform(testLogits);
 *
 * Paper: "Nearly-Isotonic Regression", Tibshirani, Hoefling, Tibshirani, Technometrics 2011.
 */
export class NearIsotonicRegression extends Calibrator {
  readonly kind = 'near-isotonic' as const;
  private constructor(from: From, classes: number, readonly maps: readonly IsotonicMap[], readonly normalize: boolean) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: NearIsotonicOptions): NearIsotonicRegression {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const lambda = options.lambda === undefined || options.lambda === 'bic' ? 'bic' : params.nonNegative('lambda', options.lambda);
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const p = probsOf(m, from);
    const maps: IsotonicMap[] = [];
    for (let c = 0; c < m.c; c++) {
      const { s, t } = column(p, y, m.n, m.c, c);
      const d = distinct(s, t);
      const path = nearIsotonicPath(d.w, d.mean);
      let values: Float64Array;
      if (lambda === 'bic') {
        const scores = path.map((k) => bic(k, d.w, d.mean, m.n));
        values = path[scores.indexOf(Math.min(...scores))]!.values;
      } else {
        let k = 0;
        while (k + 1 < path.length && path[k + 1]!.lambda <= lambda) k++;
        const knot = path[k]!;
        values = knot.values.map((v, j) => v + knot.slopes[j]! * (lambda - knot.lambda));
      }
      maps.push({ x: d.x, y: Array.from(values, clip01) });
    }
    return new NearIsotonicRegression(from, m.c, maps, params.boolean('normalize', options.normalize ?? true));
  }

  static load(json: string | CalibratorJson): NearIsotonicRegression {
    const o = parseCalibrator(json, 'near-isotonic');
    return new NearIsotonicRegression(o.from, o.classes, checkMaps(o), o.state['normalize'] !== false);
  }

  protected calibrate(m: HostMatrix) {
    return applyMaps(this.maps, probsOf(m, this.from), m, this.normalize);
  }

  protected state() {
    return { maps: this.maps.map((q) => ({ x: [...q.x], y: [...q.y] })), normalize: this.normalize };
  }
}

/** Options of {@link ENIR.fit}. */
export interface EnirOptions {
  readonly from?: From;
  readonly normalize?: boolean;
}

/**
 * ENIR, the ensemble of near-isotonic regressions (Naeini & Cooper 2016), one-vs-rest: for class c, every knot of the
 * near-isotonic solution path ({@link nearIsotonicPath}, from λ = 0 to the isotonic fit) is a model, scored by
 * `BIC = −2 log L + k ln N` (Bernoulli likelihood of `1[y = c]` under the model's fitted values clipped to [1e-12, 1 − 1e-12],
 * k = its number of fused groups); the calibrated probability averages the models with weights `∝ exp(−BIC/2)`. Every model
 * is linear between the distinct fit scores, so the average is one piecewise-linear map, which is what is stored.
 * netcal's `ENIR` drops the first and last path models and keeps those above a BIC elbow; this follows the paper.
 *
 * Shapes: fit `[N, C]` + `[N]`; transform `[M, C]` → `[M, C]`.
 *
 * @example
 * ENIR.fit(valLogits, valLabels).transform(testLogits);
 *
 * Paper: "Binary Classifier Calibration Using an Ensemble of Near Isotonic Regression Models", Naeini, Cooper, ICDM 2016.
 */
export class ENIR extends Calibrator {
  readonly kind = 'enir' as const;
  private constructor(from: From, classes: number, readonly maps: readonly IsotonicMap[], readonly normalize: boolean) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: EnirOptions): ENIR {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const p = probsOf(m, from);
    const maps: IsotonicMap[] = [];
    for (let c = 0; c < m.c; c++) {
      const { s, t } = column(p, y, m.n, m.c, c);
      const d = distinct(s, t);
      const path = nearIsotonicPath(d.w, d.mean);
      const logW = path.map((k) => -bic(k, d.w, d.mean, m.n) / 2);
      const lse = logSumExp(logW);
      const avg = new Float64Array(d.x.length);
      path.forEach((k, j) => {
        const w = Math.exp(logW[j]! - lse);
        for (let q = 0; q < avg.length; q++) avg[q]! += w * clip01(k.values[q]!);
      });
      maps.push({ x: d.x, y: Array.from(avg, clip01) });
    }
    return new ENIR(from, m.c, maps, params.boolean('normalize', options.normalize ?? true));
  }

  static load(json: string | CalibratorJson): ENIR {
    const o = parseCalibrator(json, 'enir');
    return new ENIR(o.from, o.classes, checkMaps(o), o.state['normalize'] !== false);
  }

  protected calibrate(m: HostMatrix) {
    return applyMaps(this.maps, probsOf(m, this.from), m, this.normalize);
  }

  protected state() {
    return { maps: this.maps.map((q) => ({ x: [...q.x], y: [...q.y] })), normalize: this.normalize };
  }
}
