import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, ce, compile, ready } from '@losskit/core';
import { checkGradient, expectNoLeaks, f32, logSoftmax, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attentionEntropyMaximization,
  attentionEntropyRegularization,
  confidencePenalty,
  dco,
  entropyMinimization,
  entropyPriorKl,
  labelSmoothing,
  marginalEntropyMaximization,
  openSetEntropyMinimization,
  symmetricTeacherCe,
} from '../src/index.js';
import { type M, suite, unflat } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

// ── float64 references written from the papers' formulas ─────────────────────
const H = (p: number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const colMean = (m: M) => m[0]!.map((_, j) => mean(m.map((r) => r[j]!)));
// DCO: −log(1 − (1 − p)^N) = −log(−expm1(N log1p(−p)))
const dcoRef = (z: number[], y: number, n: number) => -Math.log(-Math.expm1(n * Math.log1p(-softmax(z)[y]!)));


const B = 6;
const C = 4;
const z = f32(randomMatrix(B, C, 11, 2));
const y = randomLabels(B, C, 12);
const teacher = f32(randomMatrix(B, C, 13, 2));
const zeros = new Array(B).fill(0);

for (const n of [1, 4, 64]) {
  suite({
    name: `dco({ n: ${n} })`,
    loss: compile(dco({ n })),
    yTrue: y,
    x: z,
    ref: (x) => mean(x.map((r, i) => dcoRef(r, y[i]!, n))),
    big: z.map((r, i) => r.map((_, j) => (j === y[i] ? (i % 2 ? 1e4 : -1e4) : 0))),
  });
}

suite({ name: 'entropyMinimization()', loss: compile(entropyMinimization()), yTrue: zeros, x: z, ref: (x) => mean(x.map((r) => H(softmax(r)))) });

{
  // Source probabilities: half the rows above, half below the current confidence in the current argmax.
  const source = z.map((r, i) => {
    const p = softmax(r);
    const k = p.indexOf(Math.max(...p));
    const q = p.map((v) => v);
    const shift = i % 2 ? 0.2 : -0.2;
    q[k] = Math.min(Math.max(p[k]! + shift * p[k]!, 0), 1);
    return q;
  });
  const ref = (x: M) => {
    let num = 0;
    let cnt = 0;
    x.forEach((r, i) => {
      const p = softmax(r);
      const k = p.indexOf(Math.max(...p));
      if (p[k]! >= source[i]![k]!) {
        num += H(p);
        cnt++;
      }
    });
    return num / Math.max(cnt, 1);
  };
  suite({ name: 'openSetEntropyMinimization()', loss: compile(openSetEntropyMinimization()), yTrue: zeros, x: z, opts: { inputs: { source } }, ref });
  it('openSetEntropyMinimization keeps exactly the samples whose confidence did not drop', () => {
    const all = compile(openSetEntropyMinimization())(zeros, z, { inputs: { source: z.map(() => new Array(C).fill(0)) } });
    const none = compile(openSetEntropyMinimization())(zeros, z, { inputs: { source: z.map(() => new Array(C).fill(1)) } });
    expect(all.dataSync()[0]).toBeCloseTo(mean(z.map((r) => H(softmax(r)))), 5);
    expect(none.dataSync()[0]).toBe(0);
    all.dispose();
    none.dispose();
  });
}

{
  const alpha = 0.3;
  const ref = (x: M) =>
    mean(
      x.map((s, i) => {
        const ps = softmax(s), ls = logSoftmax(s), pt = softmax(teacher[i]!), lt = logSoftmax(teacher[i]!);
        return -(1 - alpha) * pt.reduce((a, v, j) => a + v * ls[j]!, 0) - alpha * ps.reduce((a, v, j) => a + v * lt[j]!, 0);
      }),
    );
  suite({ name: 'symmetricTeacherCe({ alpha: 0.3 })', loss: compile(symmetricTeacherCe({ alpha })), yTrue: zeros, x: z, opts: { inputs: { teacher } }, ref });
}

{
  const prior = [0.4, 0.3, 0.2, 0.1];
  const nu = [1, 2, 0.5, 1];
  const lambda = 3;
  const ref = (x: M) => {
    const P = x.map(softmax);
    const pbar = colMean(P);
    const kl = prior.reduce((s, t, k) => s + (t > 0 ? t * Math.log(t / pbar[k]!) : 0), 0);
    return mean(P.map((p) => -p.reduce((s, v, k) => s + nu[k]! * v * Math.log(v), 0))) + lambda * kl;
  };
  suite({ name: 'entropyPriorKl({ prior, lambda: 3, classWeights })', loss: compile(entropyPriorKl({ prior, lambda, classWeights: nu })), yTrue: zeros, x: z, ref });
}

{
  const lambda = 0.7;
  const ref = (x: M) => mean(x.map((r, i) => -logSoftmax(r)[y[i]!]!)) - lambda * H(colMean(x.map(softmax)));
  suite({ name: 'marginalEntropyMaximization({ lambda: 0.7 })', loss: compile(marginalEntropyMaximization({ lambda })), yTrue: y, x: z, ref });
}

suite({
  name: 'attentionEntropyMaximization() on attention scores',
  loss: compile(attentionEntropyMaximization()),
  yTrue: zeros,
  x: z,
  ref: (x) => mean(x.map((r) => 0.1 * softmax(r).reduce((s, a) => s + a * Math.log(a), 0))),
});

{
  const T = 5;
  // Probabilities well above the 1e-7 clip, so finite differences (step 1e-6) do not cross it.
  const rows = f32(randomMatrix(8, T, 21, 1.5)).map((r) => softmax(r));
  const opts = { lambda: 2, gamma: 0.05, threshold: 0.6 };
  const ref = (x: M) =>
    x.reduce((s, a) => {
      const e = -a.reduce((t, v) => t + v * Math.log(Math.max(v, 1e-7)), 0);
      const d = e - opts.threshold * Math.log(T);
      return s + (Math.abs(d) > opts.gamma * Math.log(T) ? opts.lambda * d * d : 0);
    }, 0);
  const rowLabels = new Array(8).fill(0);
  const loss = compile(attentionEntropyRegularization(opts), { from: 'probs', reduction: 'sum' });
  describe('attentionEntropyRegularization (from probs)', () => {
    it('matches the float64 reference and the dead zone zeroes rows near the target', () => {
      const v = loss(rowLabels, rows);
      expect(Math.abs(v.dataSync()[0]! - ref(rows)) / ref(rows)).toBeLessThan(1e-5);
      v.dispose();
      const uniform = [new Array(T).fill(1 / T)];
      const u = compile(attentionEntropyRegularization({ threshold: 1, gamma: 0.01 }), { from: 'probs' })([0], uniform);
      expect(u.dataSync()[0]).toBe(0);
      u.dispose();
    });
    it('passes a gradient check and leaks nothing', () => {
      const x = tf.tensor2d(rows);
      const r = checkGradient((t) => loss(rowLabels, t), x, { reference: (flat) => ref(unflat(flat, rows)) });
      expect(r.ok, `worst ${r.worst} at ${r.worstIndex}: ${r.analytic[r.worstIndex]} vs ${r.numeric[r.worstIndex]}`).toBe(true);
      expectNoLeaks(() => {
        for (let i = 0; i < 10; i++) loss(rowLabels, x).dispose();
      });
      x.dispose();
    });
    it('is finite for one-hot attention rows', () => {
      const { value, grad } = loss.valueAndGrad([0], [[1, 0, 0, 0, 0]]);
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
      value.dispose();
      grad.dispose();
    });
  });
}

suite({
  name: 'labelSmoothing({ epsilon: 0.2 })',
  loss: compile(labelSmoothing({ epsilon: 0.2 })),
  yTrue: y,
  x: z,
  ref: (x) => mean(x.map((r, i) => -logSoftmax(r).reduce((s, l, j) => s + ((j === y[i] ? 0.8 : 0) + 0.2 / C) * l, 0))),
});

// ε = 1 is allowed, as by core's ce() and Keras (keras/src/losses/losses.py accepts label_smoothing in [0, 1]):
// the target is the uniform distribution, so the loss is −(1/C) Σ_j log p_j.
suite({
  name: 'labelSmoothing({ epsilon: 1 }) (the closed range [0, 1] of ce() and Keras)',
  loss: compile(labelSmoothing({ epsilon: 1 })),
  yTrue: y,
  x: z,
  ref: (x) => mean(x.map((r) => -logSoftmax(r).reduce((s, l) => s + l / C, 0))),
});

suite({
  name: 'confidencePenalty({ beta: 0.3 })',
  loss: compile(confidencePenalty({ beta: 0.3 })),
  yTrue: y,
  x: z,
  ref: (x) => mean(x.map((r, i) => -logSoftmax(r)[y[i]!]! - 0.3 * H(softmax(r)))),
});

suite({
  name: 'confidencePenalty({ beta: 0.3, threshold: 1.2 })',
  loss: compile(confidencePenalty({ beta: 0.3, threshold: 1.2 })),
  yTrue: y,
  x: z,
  ref: (x) => mean(x.map((r, i) => -logSoftmax(r)[y[i]!]! + 0.3 * Math.max(0, 1.2 - H(softmax(r))))),
});

describe('identities', () => {
  it('dco with n = 1 equals cross-entropy', () => {
    const a = compile(dco({ n: 1 })).perSample(y, z).arraySync() as number[];
    const b = compile(ce()).perSample(y, z).arraySync() as number[];
    a.forEach((v, i) => expect(Math.abs(v - b[i]!) / b[i]!).toBeLessThan(1e-5));
  });
  it('dco is accurate for tiny p (sequence-level log-probabilities far below float32 range)', () => {
    const lp = [-50, -200, -1e4];
    const n = 8;
    const got = compile(dco({ n, logProb: undefined as never })); // default path checked above; here via logits
    const logits = lp.map((l) => [l, 0]); // p_0 = σ(l) ≈ e^l
    const v = got.perSample([0, 0, 0], logits).arraySync() as number[];
    lp.forEach((l, i) => {
      const logp = -Math.log1p(Math.exp(l)) + l; // log σ(l)
      const want = -Math.log(n) - logp; // −log(N p) + O(p)
      expect(Math.abs(v[i]! - want) / want).toBeLessThan(1e-5);
    });
  });
});

describe('bad hyperparameters throw LosskitError', () => {
  const cases: [string, () => unknown, string][] = [
    ['dco n = 0', () => dco({ n: 0 }), 'INVALID_PARAMETER'],
    ['dco n = 2.5', () => dco({ n: 2.5 }), 'INVALID_PARAMETER'],
    ['symmetricTeacherCe alpha = 2', () => symmetricTeacherCe({ alpha: 2 }), 'INVALID_PARAMETER'],
    ['entropyPriorKl prior not summing to 1', () => entropyPriorKl({ prior: [0.5, 0.2] }), 'INVALID_PARAMETER'],
    ['entropyPriorKl lambda < 0', () => entropyPriorKl({ prior: [0.5, 0.5], lambda: -1 }), 'INVALID_PARAMETER'],
    ['marginalEntropyMaximization lambda NaN', () => marginalEntropyMaximization({ lambda: Number.NaN }), 'INVALID_PARAMETER'],
    ['aem lambda < 0', () => attentionEntropyMaximization({ lambda: -0.1 }), 'INVALID_PARAMETER'],
    ['attention reg contextSize 1', () => attentionEntropyRegularization({ contextSize: 1 }), 'INVALID_PARAMETER'],
    ['labelSmoothing epsilon 1.5', () => labelSmoothing({ epsilon: 1.5 }), 'INVALID_PARAMETER'],
    ['labelSmoothing epsilon < 0', () => labelSmoothing({ epsilon: -0.1 }), 'INVALID_PARAMETER'],
    ['labelSmoothing epsilon NaN', () => labelSmoothing({ epsilon: Number.NaN }), 'INVALID_PARAMETER'],
    ['confidencePenalty beta < 0', () => confidencePenalty({ beta: -1 }), 'INVALID_PARAMETER'],
    ['openSet without source input', () => compile(openSetEntropyMinimization())(zeros, z), 'MISSING_INPUT'],
  ];
  for (const [name, f, code] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LosskitError);
      expect((err as LosskitError).code).toBe(code);
    });
  }
});
