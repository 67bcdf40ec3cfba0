/**
 * Platt scaling (Platt 1999) for binary classifiers, fitted in float64 on the host.
 */
import { LosskitError, params } from '@losskit/core';
import { logSigmoid, sigmoid } from '@losskit/core/math';
import { Calibrator, parseCalibrator, scalar, type CalibratorJson } from './calibrator.js';
import { LOG_FLOOR, PROB_SUM_TOLERANCE, checkFrom, checkProbs, readLabels, readMatrix, readOptions, type From, type HostMatrix, type Labels, type Predictions } from './input.js';
import { lbfgs } from './lbfgs.js';

/** Options of {@link PlattScaling.fit}. */
export interface PlattScalingOptions {
  /** What the predictions hold. Default `'logits'`. */
  readonly from?: From;
  /**
   * Use Platt's smoothed targets `t+ = (N+ + 1)/(N+ + 2)`, `t− = 1/(N− + 2)` instead of 0/1 (Platt 1999, as
   * scikit-learn's sigmoid calibration). Default true.
   */
  readonly smoothTargets?: boolean;
}

/**
 * The scalar score s of each row: the logit margin `z1 − z0` or log-odds `log p1 − log p0` (one column: the column itself).
 * Probabilities are checked as everywhere in this package: two columns by {@link checkProbs} (rows summing to 1 within
 * {@link PROB_SUM_TOLERANCE}), one column as values in [0, 1].
 */
function scoresOf(m: HostMatrix, from: From): Float64Array {
  if (from === 'probs') {
    if (m.c === 2) checkProbs(m, 'predictions');
    else {
      m.data.forEach((p, i) => {
        if (!(p >= 0 && p <= 1)) {
          throw new LosskitError('INVALID_ARGUMENT', "with from: 'probs' a single column holds P(y = 1)", { argument: 'predictions', expected: 'values in [0, 1]', received: `${p} at index [${i}, 0]` });
        }
      });
    }
  }
  const s = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) {
    if (from === 'logits') s[i] = m.c === 2 ? m.data[2 * i + 1]! - m.data[2 * i]! : m.data[i]!;
    else {
      const p1 = Math.min(m.c === 2 ? m.data[2 * i + 1]! : m.data[i]!, 1);
      const p0 = m.c === 2 ? Math.min(m.data[2 * i]!, 1) : 1 - p1;
      s[i] = Math.log(Math.max(p1, LOG_FLOOR)) - Math.log(Math.max(p0, LOG_FLOOR));
    }
  }
  return s;
}

/**
 * Platt scaling: `P(y = 1 | s) = σ(a·s + b)`, with s the positive-class logit margin (`z1 − z0` for two logit
 * columns, the single column for `[N, 1]` input, `log(p1/p0)` for probabilities). (Platt writes
 * `1/(1 + exp(A f + B))`, i.e. a = −A, b = −B.) `a, b` minimise the cross-entropy against Platt's smoothed
 * targets (default) or the 0/1 labels, by float64 L-BFGS from a = 1, b = 0. Labels must be 0 or 1.
 *
 * Shapes: fit `[N, 2]` or `[N, 1]` + labels `[N]`; transform `[M, 2]` or `[M, 1]` → `[M, 2]` = `[1 − p, p]`
 * (both columns, unlike netcal's binary output, calibration-framework#10).
 *
 * @example
 * const platt = PlattScaling.fit(valScores, valLabels);  // valScores [N, 2] logits
 * platt.transform(testScores);                           // [[1 − p, p], ...]
 *
 * Paper: "Probabilistic Outputs for Support Vector Machines and Comparisons to Regularized Likelihood
 * Methods", Platt, 1999.
 */
export class PlattScaling extends Calibrator {
  readonly kind = 'platt' as const;
  private constructor(from: From, classes: number, readonly a: number, readonly b: number) {
    super(from, classes);
  }

  static fit(predictions: Predictions, labels: Labels, options?: PlattScalingOptions): PlattScaling {
    options = readOptions(options);
    const from = checkFrom(options.from ?? 'logits');
    const m = readMatrix(predictions);
    if (m.c !== 1 && m.c !== 2) {
      throw new LosskitError('SHAPE_MISMATCH', 'Platt scaling is binary', { argument: 'predictions', expected: 'shape [N, 2] or [N, 1]', received: `[${m.n}, ${m.c}]` });
    }
    const y = readLabels(labels, m.n, 2);
    const s = scoresOf(m, from);
    let pos = 0;
    for (let i = 0; i < m.n; i++) pos += y[i]!;
    const neg = m.n - pos;
    const smooth = params.boolean('smoothTargets', options.smoothTargets ?? true);
    const tPos = smooth ? (pos + 1) / (pos + 2) : 1;
    const tNeg = smooth ? 1 / (neg + 2) : 0;
    const res = lbfgs(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        let f = 0;
        g[0] = 0;
        g[1] = 0;
        for (let i = 0; i < m.n; i++) {
          const v = a * s[i]! + b;
          const t = y[i] === 1 ? tPos : tNeg;
          f -= t * logSigmoid(v) + (1 - t) * logSigmoid(-v);
          const r = sigmoid(v) - t;
          g[0] += r * s[i]!;
          g[1] += r;
        }
        g[0] /= m.n;
        g[1] /= m.n;
        return f / m.n;
      },
      [1, 0],
      { maxIterations: 200 },
    );
    return new PlattScaling(from, m.c, res.x[0]!, res.x[1]!);
  }

  static load(json: string | CalibratorJson): PlattScaling {
    const o = parseCalibrator(json, 'platt');
    return new PlattScaling(o.from, o.classes, scalar(o.state, 'a'), scalar(o.state, 'b'));
  }

  protected calibrate(m: HostMatrix) {
    const s = scoresOf(m, this.from);
    const out = new Float64Array(m.n * 2);
    for (let i = 0; i < m.n; i++) {
      const v = this.a * s[i]! + this.b;
      out[2 * i] = sigmoid(-v);
      out[2 * i + 1] = sigmoid(v);
    }
    return { data: out, c: 2 };
  }

  protected state() {
    return { a: this.a, b: this.b };
  }
}
