import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, logSoftmax, randomMatrix, softmax } from '@losskit/core/testing';
import { ctc } from '../src/index.js';
import * as K from '../src/keras/index.js';

beforeAll(async () => {
  await ready();
});

// ── the reference: every alignment, enumerated in float64 ─────────────────────────────────────────────
// Graves et al. 2006, eq. 2-3: p(l|x) = Σ over paths π ∈ {0..C-1}^T with B(π) = l of Π_t y_t(π_t), where B merges
// repeated symbols and then drops blanks. Written from the definition, independent of the α/β recursion.
function collapse(path: readonly number[], blank: number): number[] {
  const out: number[] = [];
  let prev = -1;
  for (const k of path) {
    if (k !== prev && k !== blank) out.push(k);
    prev = k;
  }
  return out;
}

/** −log p(l|x) of one sequence from log-probabilities `lp` [T][C] (only the first `T` frames are read). */
function bruteForce(lp: readonly (readonly number[])[], T: number, labels: readonly number[], blank: number): number {
  const C = lp[0]!.length;
  const terms: number[] = [];
  const path = new Array<number>(T).fill(0);
  const walk = (t: number, acc: number): void => {
    if (t === T) {
      const c = collapse(path, blank);
      if (c.length === labels.length && c.every((v, i) => v === labels[i])) terms.push(acc);
      return;
    }
    for (let k = 0; k < C; k++) {
      path[t] = k;
      walk(t + 1, acc + lp[t]![k]!);
    }
  };
  walk(0, 0);
  if (terms.length === 0) return Number.POSITIVE_INFINITY;
  const m = Math.max(...terms);
  return -(m + Math.log(terms.reduce((s, v) => s + Math.exp(v - m), 0)));
}

/** −log p by the α recursion of Graves et al. eq. 6-7 in probability space (float64, no log-space tricks). */
function alphaRecursion(lp: readonly (readonly number[])[], labels: readonly number[], blank: number): number {
  const ext = [blank, ...labels.flatMap((l) => [l, blank])];
  const S = ext.length;
  let a = ext.map((k, s) => (s < 2 ? Math.exp(lp[0]![k]!) : 0));
  for (let t = 1; t < lp.length; t++) {
    a = ext.map((k, s) => {
      let v = a[s]! + (s >= 1 ? a[s - 1]! : 0);
      if (s % 2 === 1 && s >= 2 && ext[s - 2] !== k) v += a[s - 2]!;
      return v * Math.exp(lp[t]![k]!);
    });
  }
  return -Math.log(a[S - 1]! + (S > 1 ? a[S - 2]! : 0));
}

interface Case {
  name: string;
  B: number;
  T: number;
  C: number;
  labels: number[][];
  labelLengths?: number[];
  inputLengths?: number[];
  blank?: number;
  seed: number;
  scale?: number;
}

const cases: Case[] = [
  { name: 'distinct labels', B: 2, T: 5, C: 3, labels: [[1, 2], [2, 1]], seed: 1 },
  { name: 'repeated labels (a blank must separate the copies)', B: 2, T: 5, C: 3, labels: [[1, 1], [2, 2]], seed: 2 },
  { name: 'padded labels with -1 and variable lengths', B: 3, T: 5, C: 4, labels: [[1, 2, 3], [3, -1, -1], [2, 2, -1]], inputLengths: [5, 3, 4], seed: 3 },
  { name: 'explicit label lengths with padding that is not read', B: 2, T: 4, C: 3, labels: [[2, 1, 7], [1, 9, 9]], labelLengths: [2, 1], seed: 4 },
  { name: 'an empty label sequence (all blanks)', B: 2, T: 4, C: 3, labels: [[-1, -1], [1, -1]], seed: 5 },
  { name: 'blank index 2 (not 0) with label 0', B: 2, T: 5, C: 3, labels: [[0, 1], [1, 0]], blank: 2, seed: 6 },
  { name: 'T equal to the minimal length L + repeats', B: 2, T: 3, C: 3, labels: [[1, 1], [1, 2]], inputLengths: [3, 2], seed: 7 },
  { name: 'logits of ±30', B: 2, T: 5, C: 3, labels: [[1, 2], [2, 2]], seed: 8, scale: 30 },
];

function caseData(c: Case): { logits: number[][][]; lengths: number[]; seqs: number[][]; inputLengths: number[] } {
  const flat = randomMatrix(c.B * c.T, c.C, c.seed, c.scale ?? 1.5).map((r) => Array.from(Float32Array.from(r)));
  const logits = Array.from({ length: c.B }, (_, b) => flat.slice(b * c.T, (b + 1) * c.T));
  const seqs = c.labels.map((row, b) => (c.labelLengths ? row.slice(0, c.labelLengths[b]) : row.slice(0, row.findIndex((v) => v < 0) < 0 ? row.length : row.findIndex((v) => v < 0))));
  return { logits, lengths: seqs.map((s) => s.length), seqs, inputLengths: c.inputLengths ?? new Array(c.B).fill(c.T) };
}

const refLosses = (logits: number[][][], d: ReturnType<typeof caseData>, blank: number, fromLogits = true) =>
  logits.map((x, b) => bruteForce(fromLogits ? x.map((r) => logSoftmax(r)) : x, d.inputLengths[b]!, d.seqs[b]!, blank));

const arr = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const nested = (flat: Float64Array, B: number, T: number, C: number) =>
  Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from(flat.slice((b * T + t) * C, (b * T + t + 1) * C))));

describe('ctc: per-sequence losses against every alignment enumerated in float64', () => {
  for (const c of cases) {
    it(`${c.name}: reduction 'none' matches the brute-force −log p(l|x) (rel 1e-5)`, () => {
      const d = caseData(c);
      const got = arr(ctc(c.labels, d.logits, { reduction: 'none', blank: c.blank ?? 0, inputLengths: d.inputLengths, ...(c.labelLengths ? { labelLengths: c.labelLengths } : {}) }));
      const want = refLosses(d.logits, d, c.blank ?? 0);
      got.forEach((g, b) => expect(Math.abs(g - want[b]!), `sequence ${b}: ${g} vs ${want[b]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[b]!))));
    });
    it(`${c.name}: the closed-form gradient of the mean loss matches central differences of the brute force`, () => {
      const d = caseData(c);
      const x = tf.tensor3d(d.logits);
      const opts = { blank: c.blank ?? 0, inputLengths: d.inputLengths, ...(c.labelLengths ? { labelLengths: c.labelLengths } : {}) };
      const r = checkGradient((t) => ctc(c.labels, t, opts), x, {
        reference: (flat) => {
          const ls = refLosses(nested(flat, c.B, c.T, c.C), d, c.blank ?? 0);
          return ls.reduce((a, v) => a + v, 0) / c.B;
        },
      });
      x.dispose();
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
    });
  }

  it("from: 'logProbs' uses the scores as given (no normalisation); value and gradient (−occupancy) match the brute force", () => {
    const c = cases[2]!;
    const d = caseData(c);
    // Unnormalised log-scores: the brute force sums Π exp(u) over alignments without any softmax.
    const u = d.logits.map((x) => x.map((r) => r.map((v) => v * 0.5 - 1)));
    const got = arr(ctc(c.labels, u, { from: 'logProbs', reduction: 'none', inputLengths: d.inputLengths }));
    const want = refLosses(u, d, 0, false);
    got.forEach((g, b) => expect(g).toBeCloseTo(want[b]!, 4));
    const x = tf.tensor3d(u);
    const r = checkGradient((t) => ctc(c.labels, t, { from: 'logProbs', reduction: 'sum', inputLengths: d.inputLengths }), x, {
      reference: (flat) => refLosses(nested(flat, c.B, c.T, c.C), d, 0, false).reduce((a, v) => a + v, 0),
    });
    x.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });

  it('frames past a sequence’s input length get gradient exactly 0 and do not change the loss', () => {
    const c = cases[2]!;
    const d = caseData(c);
    const x = tf.tensor3d(d.logits);
    const g = tf.grad((t: tf.Tensor) => ctc(c.labels, t, { inputLengths: d.inputLengths }) as tf.Scalar)(x);
    const gv = g.arraySync() as number[][][];
    expect(gv[1]!.slice(3).flat().every((v) => v === 0)).toBe(true); // sequence 1 has 3 frames of 5
    expect(gv[2]![4]!.every((v) => v === 0)).toBe(true);
    const changed = d.logits.map((x0, b) => x0.map((r, t) => (t >= d.inputLengths[b]! ? r.map(() => 1e3) : r)));
    const a = arr(ctc(c.labels, d.logits, { reduction: 'none', inputLengths: d.inputLengths }));
    const b2 = arr(ctc(c.labels, changed, { reduction: 'none', inputLengths: d.inputLengths }));
    expect(b2).toEqual(a);
    tf.dispose([x, g]);
  });
});

describe('ctc: values published in the anchors’ own tests', () => {
  it('Keras CTCTest.test_correctness: 2.448645 (keras-team/keras keras/src/losses/losses_test.py @ 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60)', () => {
    // logits = (arange(24).reshape(2, 4, 3) - 12) / 100, y_true [[1, 2, 1, 0], [1, 2, 0, 2]]: Keras counts the non-zero
    // entries as the label length (3 each) and reads the first 3 entries ([1, 2, 1] and [1, 2, 0]; the second holds
    // the blank 0 as a label). The core function rejects a blank label, so the first row alone is checked here; the
    // Keras drop-in (test/keras.ctc.test.ts) reproduces the full value.
    const logits = [0, 1].map((b) => [0, 1, 2, 3].map((t) => [0, 1, 2].map((k) => (b * 12 + t * 3 + k - 12) / 100)));
    const first = arr(ctc([[1, 2, 1]], [logits[0]!], { reduction: 'none' }))[0]!;
    expect(first).toBeCloseTo(bruteForce(logits[0]!.map((r) => logSoftmax(r)), 4, [1, 2, 1], 0), 5);
  });

  it("Graves' reference example in TensorFlow's ctc_loss_op_test.py testBasic: losses 3.34211 and 5.42262 and their logit gradients (tensorflow/tensorflow @ 08b198be5665bc00cdf9ac887ce150fb9862d339)", () => {
    // Inputs are log-probabilities passed as logits (rows sum to 1, so the log-softmax leaves them), blank = the last
    // class (5); TF asserts atol 1e-6 on float32.
    const p0 = [
      [0.633766, 0.221185, 0.0917319, 0.0129757, 0.0142857, 0.0260553],
      [0.111121, 0.588392, 0.278779, 0.0055756, 0.00569609, 0.010436],
      [0.0357786, 0.633813, 0.321418, 0.00249248, 0.00272882, 0.0037688],
      [0.0663296, 0.643849, 0.280111, 0.00283995, 0.0035545, 0.00331533],
      [0.458235, 0.396634, 0.123377, 0.00648837, 0.00903441, 0.00623107],
    ];
    const p1 = [
      [0.30176, 0.28562, 0.0831517, 0.0862751, 0.0816851, 0.161508],
      [0.24082, 0.397533, 0.0557226, 0.0546814, 0.0557528, 0.19549],
      [0.230246, 0.450868, 0.0389607, 0.038309, 0.0391602, 0.202456],
      [0.280884, 0.429522, 0.0326593, 0.0339046, 0.0326856, 0.190345],
      [0.423286, 0.315517, 0.0338439, 0.0393744, 0.0339315, 0.154046],
    ];
    const g0 = [
      [-0.366234, 0.221185, 0.0917319, 0.0129757, 0.0142857, 0.0260553],
      [0.111121, -0.411608, 0.278779, 0.0055756, 0.00569609, 0.010436],
      [0.0357786, 0.633813, -0.678582, 0.00249248, 0.00272882, 0.0037688],
      [0.0663296, -0.356151, 0.280111, 0.00283995, 0.0035545, 0.00331533],
      [-0.541765, 0.396634, 0.123377, 0.00648837, 0.00903441, 0.00623107],
    ];
    const g1 = [
      [-0.69824, 0.28562, 0.0831517, 0.0862751, 0.0816851, 0.161508],
      [0.24082, -0.602467, 0.0557226, 0.0546814, 0.0557528, 0.19549],
      [0.230246, 0.450868, 0.0389607, 0.038309, 0.0391602, -0.797544],
      [0.280884, -0.570478, 0.0326593, 0.0339046, 0.0326856, 0.190345],
      [-0.576714, 0.315517, 0.0338439, 0.0393744, 0.0339315, 0.154046],
    ];
    // Two trailing NaN frames in TF's input are outside the sequence lengths; here they are zeros (NaN is rejected).
    const x = tf.tensor3d([p0, p1].map((p) => [...p.map((r) => r.map(Math.log)), new Array(6).fill(0), new Array(6).fill(0)]));
    const labels = [[0, 1, 2, 1, 0], [0, 1, 1, 0, -1]];
    const losses = arr(ctc(labels, x, { blank: 5, inputLengths: [5, 5], reduction: 'none' }));
    expect(Math.abs(losses[0]! - 3.34211)).toBeLessThan(1e-5);
    expect(Math.abs(losses[1]! - 5.42262)).toBeLessThan(1e-5);
    const g = tf.grad((t: tf.Tensor) => ctc(labels, t, { blank: 5, inputLengths: [5, 5], reduction: 'sum' }) as tf.Scalar)(x);
    const gv = g.arraySync() as number[][][];
    [g0, g1].forEach((want, b) => {
      want.forEach((row, t) => row.forEach((w, k) => expect(Math.abs(gv[b]![t]![k]! - w), `[${b}, ${t}, ${k}]`).toBeLessThan(2e-6)));
      expect(gv[b]!.slice(5).flat().every((v) => v === 0)).toBe(true);
    });
    tf.dispose([x, g]);
  });

  it('optax CTCTest one-to-one alignments (T = L, no repeats): loss −Σ_t log p_t(l_t), gradient softmax − onehot (google-deepmind/optax optax/losses/_classification_test.py @ 2edbcbe2390da13983b92cbef94ac0460ecde1c5)', () => {
    const B = 3;
    const T = 6;
    const C = 7;
    const logits = randomMatrix(B * T, C, 11, 2).map((r) => Array.from(Float32Array.from(r)));
    const labels = [[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], [2, 4, 2, 4, 2, 4]];
    const x = tf.tensor3d(Array.from({ length: B }, (_, b) => logits.slice(b * T, (b + 1) * T)));
    const got = arr(ctc(labels, x, { reduction: 'none' }));
    labels.forEach((l, b) => {
      const want = -l.reduce((s, k, t) => s + logSoftmax(logits[b * T + t]!)[k]!, 0);
      expect(got[b]!).toBeCloseTo(want, 4);
    });
    const g = tf.grad((t: tf.Tensor) => ctc(labels, t) as tf.Scalar)(x);
    const gv = g.arraySync() as number[][][];
    labels.forEach((l, b) =>
      l.forEach((k, t) => {
        const sm = softmax(logits[b * T + t]!);
        sm.forEach((p, j) => expect(Math.abs(gv[b]![t]![j]! - (p - (j === k ? 1 : 0)) / B)).toBeLessThan(1e-6));
      }),
    );
    tf.dispose([x, g]);
  });

  it('optax test_repeat_with_one_to_one_alignment: repeats force the minimal alignment with blanks between copies', () => {
    const labels = [[1, 2, 2, 3], [2, 3, 4, 4], [1, 1, 1, 1], [1, 1, 2, 3], [1, 1, 1, 2]];
    const alignment = [[1, 2, 0, 2, 3], [2, 3, 4, 0, 4], [1, 0, 1, 0, 1, 0, 1], [1, 0, 1, 2, 3], [1, 0, 1, 0, 1, 2]];
    const lengths = alignment.map((a) => a.length);
    const T = Math.max(...lengths);
    const logits = randomMatrix(5 * T, 5, 12).map((r) => Array.from(Float32Array.from(r)));
    const x = Array.from({ length: 5 }, (_, b) => logits.slice(b * T, (b + 1) * T));
    const got = arr(ctc(labels, x, { inputLengths: lengths, reduction: 'none' }));
    alignment.forEach((a, b) => {
      const want = -a.reduce((s, k, t) => s + logSoftmax(x[b]![t]!)[k]!, 0);
      expect(got[b]!).toBeCloseTo(want, 4);
    });
  });
});

describe('ctc: impossible alignments, reductions, stability', () => {
  const logits = [0, 1, 2].map((b) => randomMatrix(3, 4, 20 + b).map((r) => Array.from(Float32Array.from(r))));
  // Sequence 0: 4 labels in 3 frames; sequence 1: [1, 1] needs 3 frames and has 2; sequence 2 is possible.
  const labels = [[1, 2, 3, 1], [1, 1, -1, -1], [2, 3, -1, -1]];
  const inputLengths = [3, 2, 3];

  it('an impossible alignment gives +∞ (never NaN), and gradient 0 for that sequence while the others keep theirs', () => {
    const got = arr(ctc(labels, logits, { inputLengths, reduction: 'none' }));
    expect(got[0]).toBe(Number.POSITIVE_INFINITY);
    expect(got[1]).toBe(Number.POSITIVE_INFINITY);
    expect(got[2]!).toBeCloseTo(bruteForce(logits[2]!.map((r) => logSoftmax(r)), 3, [2, 3], 0), 5);
    expect(arr(ctc(labels, logits, { inputLengths }))[0]).toBe(Number.POSITIVE_INFINITY);
    const x = tf.tensor3d(logits);
    const g = tf.grad((t: tf.Tensor) => tf.sum(ctc(labels, t, { inputLengths, reduction: 'none' })) as tf.Scalar)(x);
    const gv = g.arraySync() as number[][][];
    expect(gv[0]!.flat().every((v) => v === 0)).toBe(true);
    expect(gv[1]!.flat().every((v) => v === 0)).toBe(true);
    expect(gv[2]!.flat().every(Number.isFinite)).toBe(true);
    expect(gv[2]!.flat().some((v) => v !== 0)).toBe(true);
    tf.dispose([x, g]);
  });

  it('zeroInfinity: impossible alignments give 0 with gradient 0; the mean includes them as zeros (torch)', () => {
    const got = arr(ctc(labels, logits, { inputLengths, reduction: 'none', zeroInfinity: true }));
    expect(got.slice(0, 2)).toEqual([0, 0]);
    const mean = arr(ctc(labels, logits, { inputLengths, zeroInfinity: true }))[0]!;
    expect(mean).toBeCloseTo(got[2]! / 3, 6);
  });

  it("reductions: 'mean' averages sequences, 'sum' adds them, 'meanByLabelLength' divides each by max(L, 1) first (torch 'mean')", () => {
    const c = cases[2]!;
    const d = caseData(c);
    const none = arr(ctc(c.labels, d.logits, { reduction: 'none', inputLengths: d.inputLengths }));
    const o = { inputLengths: d.inputLengths };
    expect(arr(ctc(c.labels, d.logits, o))[0]!).toBeCloseTo(none.reduce((a, v) => a + v, 0) / 3, 5);
    expect(arr(ctc(c.labels, d.logits, { ...o, reduction: 'sum' }))[0]!).toBeCloseTo(none.reduce((a, v) => a + v, 0), 5);
    const byLen = none.reduce((a, v, b) => a + v / Math.max(1, d.lengths[b]!), 0) / 3;
    expect(arr(ctc(c.labels, d.logits, { ...o, reduction: 'meanByLabelLength' }))[0]!).toBeCloseTo(byLen, 5);
    // An empty label sequence divides by 1.
    const e = caseData(cases[4]!);
    const ne = arr(ctc(cases[4]!.labels, e.logits, { reduction: 'none' }));
    expect(arr(ctc(cases[4]!.labels, e.logits, { reduction: 'meanByLabelLength' }))[0]!).toBeCloseTo((ne[0]! + ne[1]!) / 2, 5);
  });

  it('stays finite and exact at logits of ±1e4 (value against the float64 brute force, finite gradient)', () => {
    const big = [[[1e4, -1e4, 0], [-1e4, 1e4, 3], [0, -1e4, 1e4], [1e4, 0, -1e4]], [[0, 0, 0], [1e4, 1e4, -1e4], [-1e4, 1e4, 0], [5, -5, 1e4]]];
    const lab = [[1, 2], [1, -1]];
    const got = arr(ctc(lab, big, { reduction: 'none' }));
    const want = big.map((x, b) => bruteForce(x.map((r) => logSoftmax(r)), 4, b === 0 ? [1, 2] : [1], 0));
    got.forEach((g, b) => expect(Math.abs(g - want[b]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, want[b]!)));
    const x = tf.tensor3d(big);
    const g = tf.grad((t: tf.Tensor) => ctc(lab, t) as tf.Scalar)(x);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, g]);
  });

  it('(B, T, C, L) = (2, 500, 100, 100): forward and backward finish in well under a second on WASM, with finite values', () => {
    const B = 2;
    const T = 500;
    const C = 100;
    const x = tf.variable(tf.randomNormal([B, T, C], 0, 1, 'float32', 5));
    const lab = Array.from({ length: B }, (_, b) => Array.from({ length: 100 }, (_, i) => 1 + ((i * 7 + b) % (C - 1))));
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => ctc(lab, x) as tf.Scalar, [x]);
    const v = value.dataSync()[0]!;
    const ms = performance.now() - t0;
    expect(Number.isFinite(v) && v > 0).toBe(true);
    // Real timing on this machine is ~50 ms; the bound only catches an accidental O(T·S·C) or tape blow-up.
    expect(ms).toBeLessThan(3000);
    expect(Array.from(grads[x.name]!.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, value, ...Object.values(grads)]);
  });
});

describe('ctc: bad input gives typed errors and leaves tfjs as it was', () => {
  const x = [[[0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [0, 0, 0]]];
  it('rejects non-finite scores, labels out of range or equal to the blank, bad lengths, shapes and options', () => {
    expectCleanThrow(() => ctc([[1]], [[[Number.NaN, 0, 0], [0, 0, 0], [0, 0, 0]]]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => ctc([[3]], x), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => ctc([[0]], x), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => ctc([[1.5]], x), 'NON_INTEGER_LABEL');
    expectCleanThrow(() => ctc([[1]], x, { inputLengths: [4] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ctc([[1]], x, { inputLengths: [1, 1] }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => ctc([[1]], x, { labelLengths: [2] }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ctc([[1], [2]], x), 'SHAPE_MISMATCH');
    expectCleanThrow(() => ctc([[1]], [[0.1, 0.2]]), 'RANK_MISMATCH');
    expectCleanThrow(() => ctc([[1]], x, { blank: 3 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => ctc([[1]], x, { reduction: 'avg' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ctc([[1]], x, { from: 'probs' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ctc([[1]], x, { zeroInfinity: 1 as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => ctc([[1]], x, { validate: 'no' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => ctc(undefined as never, x), 'INVALID_ARGUMENT');
  });
  it('validate: false skips only the finiteness check; labels and lengths are still checked', () => {
    const bad = [[[Number.NEGATIVE_INFINITY, 0, 0], [0, 0, 0], [0, 0, 0]]];
    const v = arr(ctc([[1]], bad, { validate: false, from: 'logProbs', reduction: 'none' }));
    expect(Number.isNaN(v[0]!)).toBe(false);
    expectCleanThrow(() => ctc([[7]], x, { validate: false }), 'LABEL_OUT_OF_RANGE');
  });
  it('a call and its gradient leak no tensors', () => {
    const t = tf.tensor3d(x);
    ctc([[1]], t).dispose();
    expectNoLeaks(() => {
      ctc([[1, 2]], t).dispose();
      tf.grad((y: tf.Tensor) => ctc([[1, 2]], y) as tf.Scalar)(t).dispose();
    });
    t.dispose();
  });
});

describe('Keras drop-in ctc (@losskit/losses/keras)', () => {
  // keras-team/keras keras/src/losses/losses_test.py @ 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, CTCTest.test_correctness.
  const logits = [0, 1].map((b) => [0, 1, 2, 3].map((t) => [0, 1, 2].map((k) => (b * 12 + t * 3 + k - 12) / 100)));
  it('reproduces Keras CTCTest.test_correctness: 2.448645 (label length = non-zero count, the first that-many entries read)', () => {
    const got = arr(K.ctc([[1, 2, 1, 0], [1, 2, 0, 2]], logits))[0]!;
    expect(Math.abs(got - 2.448645)).toBeLessThan(1e-5);
    // Row 1 from the brute force; row 2 reads [1, 2, 0], the blank as a label, which no path collapses to, so its
    // reference is Graves' α recursion in probability space (eq. 6-7, skip allowed between unequal labels).
    const lp = logits.map((x) => x.map((r) => logSoftmax(r)));
    const none = arr(K.ctc([[1, 2, 1, 0], [1, 2, 0, 2]], logits, { reduction: 'none' }));
    expect(none[0]!).toBeCloseTo(bruteForce(lp[0]!, 4, [1, 2, 1], 0), 5);
    expect(none[1]!).toBeCloseTo(alphaRecursion(lp[1]!, [1, 2, 0], 0), 5);
  });
  it('per-sequence values, sample weights and every Keras reduction agree with the brute force', () => {
    const x = [0, 1, 2].map((b) => randomMatrix(4, 3, 30 + b).map((r) => Array.from(Float32Array.from(r))));
    const y = [[1, 2, 0], [2, 0, 0], [1, 1, 0]];
    const want = x.map((v, b) => bruteForce(v.map((r) => logSoftmax(r)), 4, [[1, 2], [2], [1, 1]][b]!, 0));
    const w = [0.5, 0, 2];
    expectCloseAll(arr(K.ctc(y, x, { reduction: 'none' })), want);
    expect(arr(K.ctc(y, x))[0]!).toBeCloseTo((want[0]! + want[1]! + want[2]!) / 3, 5);
    expect(arr(K.ctc(y, x, { sampleWeight: w, reduction: 'sum' }))[0]!).toBeCloseTo(0.5 * want[0]! + 2 * want[2]!, 5);
    expect(arr(K.ctc(y, x, { sampleWeight: w, reduction: 'mean_with_sample_weight' }))[0]!).toBeCloseTo((0.5 * want[0]! + 2 * want[2]!) / 2.5, 5);
  });
  it('an impossible alignment raises NON_FINITE_OUTPUT (validate: false gives +∞); bad shapes raise typed errors', () => {
    const x = [[[0, 0, 0], [0, 0, 0]]];
    expectCleanThrow(() => K.ctc([[1, 1]], x), 'NON_FINITE_OUTPUT');
    expect(arr(K.ctc([[1, 1]], x, { validate: false }))[0]).toBe(Number.POSITIVE_INFINITY);
    expectCleanThrow(() => K.ctc([1, 1], x), 'SHAPE_MISMATCH');
    expectCleanThrow(() => K.ctc([[1, 1]], [[0, 0, 0]]), 'RANK_MISMATCH');
    expectCleanThrow(() => K.ctc([[3]], x), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => K.ctc([[1]], [[[Number.NaN, 0, 0], [0, 0, 0]]]), 'NON_FINITE_INPUT');
  });
});

function expectCloseAll(got: number[], want: number[]): void {
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!))));
}
