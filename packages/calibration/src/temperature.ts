/**
 * Temperature scaling (Guo et al. 2017): one temperature T > 0 minimising the NLL of softmax(z / T),
 * fitted by a safeguarded Newton method in log T, in float64 on the host.
 */
import { LosskitError, params } from '@losskit/core';
import { Calibrator, parseCalibrator, scalar, type CalibratorJson } from './calibrator.js';
import { checkFrom, logitsOf, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';

/** Options of {@link TemperatureScaling.fit}. */
export interface TemperatureScalingOptions {
  /** What the predictions hold. Default `'logits'`. Probabilities are mapped to `log p` (logits up to a row constant). */
  readonly from?: From;
  /** Starting temperature. Default 1.5, as gpleiss/temperature_scaling and netcal. */
  readonly initialTemperature?: number;
  /** Newton iterations at most. Default 100. */
  readonly maxIterations?: number;
  /** Stop when `|dNLL/d log T|` falls below this. Default 1e-10. */
  readonly tolerance?: number;
}

/** Bounds on T: beyond them the NLL is flat to float64 precision for any realistic logits. */
const T_MIN = 1e-4;
const T_MAX = 1e4;

/** NLL of softmax(s·z) and its first two derivatives with respect to t = −log s = log T. */
export function temperatureObjective(z: Float64Array, y: Int32Array, n: number, c: number, t: number): { value: number; d1: number; d2: number } {
  const s = Math.exp(-t);
  let f = 0;
  let g = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, s * z[o + j]!);
    let S = 0;
    let S1 = 0;
    let S2 = 0;
    for (let j = 0; j < c; j++) {
      const w = s * z[o + j]! - m; // shifted scaled logit, <= 0
      const e = Math.exp(w);
      S += e;
      S1 += e * w;
      S2 += e * w * w;
    }
    const ew = S1 / S;
    const uy = s * z[o + y[i]!]!;
    f += m + Math.log(S) - uy;
    g += uy - (m + ew); // u_y − E_p[u]
    v += Math.max(S2 / S - ew * ew, 0); // Var_p[u]
  }
  return { value: f / n, d1: g / n, d2: -g / n + v / n };
}

/**
 * Temperature scaling (Guo et al. 2017).
 *
 * `p = softmax(z / T)`, with `T* = argmin_T (1/N) Σ_i −log softmax(z_i / T)_{y_i}` on held-out data.
 * Fitting: Newton's method on `t = log T` (stopping when |f'| < 1e-10 or the Newton step in log T is below 1e-7) with the exact first and second derivatives
 * (`f'(t) = mean(u_y − E_p u)`, `f''(t) = −f'(t) + mean Var_p(u)`, `u = z / T`), a backtracking line search that
 * only accepts decreasing steps, a gradient step where `f'' <= 0`, starting at T = 1.5 and bounded to
 * [1e-4, 1e4]. NLL is convex in 1/T, so this finds the global minimum in the bounds; the NLL at T* is never
 * above the NLL at T = 1 on the fit set. With `from: 'probs'` the logits are `log p` (softmax-invariant shift).
 *
 * Shapes: fit `[N, C]` + labels `[N]`; transform `[M, C]` → probabilities `[M, C]`.
 *
 * @example
 * const ts = TemperatureScaling.fit(valLogits, valLabels);
 * ts.temperature;                      // e.g. 2.7
 * const probs = ts.transform(testLogits);
 *
 * Paper: "On Calibration of Modern Neural Networks", Guo, Pleiss, Sun, Weinberger, 2017.
 */
export class TemperatureScaling extends Calibrator {
  readonly kind = 'temperature' as const;

  private constructor(
    from: From,
    classes: number,
    /** The fitted temperature T. */
    readonly temperature: number,
    /** Fit diagnostics (absent after `load`). */
    readonly diagnostics?: { readonly nllBefore: number; readonly nllAfter: number; readonly iterations: number; readonly converged: boolean },
  ) {
    super(from, classes);
  }

  /** Fits T on held-out predictions and labels. */
  static fit(predictions: Predictions, labels: Labels, options?: TemperatureScalingOptions): TemperatureScaling {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const t0 = params.positive('initialTemperature', options.initialTemperature ?? 1.5);
    const maxIt = params.positiveInteger('maxIterations', options.maxIterations ?? 100);
    const tol = params.positive('tolerance', options.tolerance ?? 1e-10);
    const m = readMatrix(predictions);
    const y = readLabels(labels, m.n, m.c);
    const z = logitsOf(m, from);
    const lo = Math.log(T_MIN);
    const hi = Math.log(T_MAX);
    let t = Math.min(Math.max(Math.log(t0), lo), hi);
    let cur = temperatureObjective(z, y, m.n, m.c, t);
    let converged = false;
    let it = 0;
    for (; it < maxIt; it++) {
      if (Math.abs(cur.d1) < tol) {
        converged = true;
        break;
      }
      let step = cur.d2 > 0 ? -cur.d1 / cur.d2 : -Math.sign(cur.d1);
      step = Math.max(Math.min(step, 2), -2); // at most a factor e² in T per iteration
      if (Math.abs(step) < 1e-7) {
        // T known to ~1e-7 relative. Below this the summed derivative over N rows is dominated by float64
        // rounding (|f'| floors near 1e-8 for N = 5e4), and line searches would only burn evaluations.
        converged = true;
        break;
      }
      let next = cur;
      let tn = t;
      let accepted = false;
      for (let ls = 0; ls < 20; ls++) {
        tn = Math.min(Math.max(t + step, lo), hi);
        next = temperatureObjective(z, y, m.n, m.c, tn);
        if (next.value <= cur.value) {
          accepted = true;
          break;
        }
        step *= 0.5;
      }
      if (!accepted || tn === t) {
        converged = true; // no decreasing step exists at float64 precision, or pinned at a bound
        break;
      }
      t = tn;
      cur = next;
    }
    const nllBefore = temperatureObjective(z, y, m.n, m.c, 0).value;
    // exp(log T_MAX) can round just above T_MAX: clamp so the fitted temperature always loads back.
    return new TemperatureScaling(from, m.c, Math.min(T_MAX, Math.max(T_MIN, Math.exp(t))), { nllBefore, nllAfter: cur.value, iterations: it, converged });
  }

  /** Restores a calibrator saved with `save()`. */
  static load(json: string | CalibratorJson): TemperatureScaling {
    const o = parseCalibrator(json, 'temperature');
    const T = scalar(o.state, 'temperature');
    if (!(T >= T_MIN && T <= T_MAX)) throw new LosskitError('INVALID_ARGUMENT', 'bad temperature in saved calibrator', { argument: 'json', expected: `a temperature in [${T_MIN}, ${T_MAX}] (the range fit searches)`, received: String(T) });
    return new TemperatureScaling(o.from, o.classes, T);
  }

  protected calibrate(m: HostMatrix): { data: Float64Array; c: number } {
    const z = logitsOf(m, this.from);
    const out = new Float64Array(m.n * m.c);
    for (let i = 0; i < m.n; i++) {
      let mx = -Infinity;
      for (let j = 0; j < m.c; j++) mx = Math.max(mx, z[i * m.c + j]! / this.temperature);
      let s = 0;
      for (let j = 0; j < m.c; j++) {
        const e = Math.exp(z[i * m.c + j]! / this.temperature - mx);
        out[i * m.c + j] = e;
        s += e;
      }
      for (let j = 0; j < m.c; j++) out[i * m.c + j]! /= s;
    }
    return { data: out, c: m.c };
  }

  protected state(): Record<string, unknown> {
    return { temperature: this.temperature };
  }
}
