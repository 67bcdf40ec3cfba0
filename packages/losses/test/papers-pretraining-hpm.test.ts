// HPM's loss-predictor objective (Wang et al., "Hard Patches Mining for Masked Image Modeling", CVPR 2023), checked
// against a float64 reference written from the authors' forward_learning_loss (Haochen-Wang409/HPM
// models_mae_learn_loss.py, commit c15ae90): pairwise BCE over ordered pairs, ties left out, batch sum / untied pairs.
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { hpmLossPrediction } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Σ_{b,i,j} [t_j > t_i]·(−log σ(s_j − s_i)) + [t_j < t_i]·(−log(1 − σ(s_j − s_i))) over Σ [t_i ≠ t_j]. */
function relativeRef(s: M, t: M): number {
  let num = 0;
  let den = 0;
  s.forEach((row, b) =>
    row.forEach((_, i) =>
      row.forEach((__, j) => {
        const d = row[j]! - row[i]!;
        if (t[b]![j]! > t[b]![i]!) {
          num += softplus(-d);
          den++;
        } else if (t[b]![j]! < t[b]![i]!) {
          num += softplus(d);
          den++;
        }
      }),
    ),
  );
  return num / Math.max(den, 1);
}

/** mean (s − z(t))² with z(t) = (t − mean)/sqrt(var_unbiased + 1e-6) per row. */
function absoluteRef(s: M, t: M): number {
  let acc = 0;
  let n = 0;
  s.forEach((row, b) => {
    const tr = t[b]!;
    const mean = tr.reduce((a, v) => a + v, 0) / tr.length;
    const v = tr.reduce((a, x) => a + (x - mean) ** 2, 0) / (tr.length - 1);
    row.forEach((x, i) => {
      acc += (x - (tr[i]! - mean) / Math.sqrt(v + 1e-6)) ** 2;
      n++;
    });
  });
  return acc / n;
}

const B = 3;
const L = 5;
const pred = f32(randomMatrix(B, L, 31, 1.5));
const observed = f32(randomMatrix(B, L, 32, 1).map((r) => r.map((v) => Math.abs(v))));

suite({ name: 'hpmLossPrediction() (relative)', loss: compile(hpmLossPrediction()), yTrue: observed, x: pred, ref: (x) => relativeRef(x, observed) });
suite({ name: "hpmLossPrediction({ mode: 'absolute' })", loss: compile(hpmLossPrediction({ mode: 'absolute' })), yTrue: observed, x: pred, ref: (x) => absoluteRef(x, observed) });

describe('hpmLossPrediction', () => {
  it('agrees with the authors’ log(σ(d) + 1e-6) form within 2e-6 per pair at moderate scores', () => {
    // The reference code adds 1e-6 inside the log; the exact BCE differs from it by ≤ 1e-6/σ per term.
    let num = 0;
    let den = 0;
    pred.forEach((row, b) =>
      row.forEach((_, i) =>
        row.forEach((__, j) => {
          const p = sigmoid(row[j]! - row[i]!);
          const pos = observed[b]![j]! > observed[b]![i]! ? 1 : 0;
          const neg = observed[b]![j]! < observed[b]![i]! ? 1 : 0;
          num += -pos * Math.log(p + 1e-6) - neg * Math.log(1 - p + 1e-6);
          den += pos + neg;
        }),
      ),
    );
    const v = compile(hpmLossPrediction())(observed, pred);
    expect(Math.abs(v.dataSync()[0]! - num / den)).toBeLessThan(2e-5);
    v.dispose();
  });

  it('leaves tied target losses out of the pairs and of the count', () => {
    const t = [[1, 1, 2]];
    const s = [[0.3, -0.2, 0.5]];
    // Untied ordered pairs: (0,2), (2,0), (1,2), (2,1).
    const want = (softplus(-(0.5 - 0.3)) + softplus(0.3 - 0.5) + softplus(-(0.5 + 0.2)) + softplus(-0.2 - 0.5)) / 4;
    const v = compile(hpmLossPrediction())(t, s);
    expect(v.dataSync()[0]).toBeCloseTo(want, 6);
    v.dispose();
  });

  it('gives 0 with a zero gradient when every target loss ties', () => {
    const { value, grad } = compile(hpmLossPrediction()).valueAndGrad([[0.4, 0.4, 0.4]], [[1, -2, 3]]);
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grad.dataSync())).toEqual([0, 0, 0]);
    value.dispose();
    grad.dispose();
  });

  it('is exact (no log(0)) when the predicted ranking is wrong by 1e4', () => {
    const v = compile(hpmLossPrediction())([[0, 1]], [[1e4, -1e4]]);
    // One untied pair each way: softplus(2e4) twice over 2 pairs.
    expect(v.dataSync()[0]).toBeCloseTo(2e4, 0);
    v.dispose();
  });

  it('rejects an unknown mode and non-finite predictions with typed errors, cleanly', () => {
    expectCleanThrow(() => hpmLossPrediction({ mode: 'bogus' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compile(hpmLossPrediction())(observed, pred.map((r, i) => r.map((v, j) => (i === 1 && j === 2 ? NaN : v)))), 'NON_FINITE_INPUT');
    expectCleanThrow(() => compile(hpmLossPrediction()).valueAndGrad(observed.map((r) => r.slice(1)), pred), 'SHAPE_MISMATCH');
  });

  it('leaks no tensors', () => {
    const loss = compile(hpmLossPrediction());
    expectNoLeaks(() => loss(observed, pred).dispose());
  });
});
