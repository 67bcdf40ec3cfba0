// Sequence (per-token) objectives and metrics over [B, T, V] logits with a padding mask, against float64 references
// written from open-unlearning's code (locuslab/open-unlearning d3d7cf9e: src/trainer/utils.py compute_batch_nll /
// compute_dpo_loss / compute_wga_loss, src/trainer/unlearn/simnpo.py, grad_diff.py; src/evals/metrics/utils.py
// evaluate_probability, memorization.py, mia/*.py).
import * as tf from '@tensorflow/tfjs-core';
import { ce, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectCleanThrowAsync, logSoftmax, randomMatrix } from '@losskit/core/testing';
import { sgd } from '@losskit/optimizers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ModelLike,
  type TermBatch,
  ceuTerm,
  satImpTerm,
  undialTerm,
  dpoSequence,
  exactMemorization,
  extractionStrength,
  gradientAscent,
  gradientDifference,
  meanTokenNll,
  mia,
  miaAuc,
  miaScores,
  minKPlusPlusScore,
  minKScore,
  npoSequence,
  objective,
  privLeak,
  relDiff,
  probabilityWithOptions,
  sequenceProbability,
  simNpoSequence,
  tokenLogProbs,
  truthRatio,
  unlearn,
  wgaTerm,
  zlibSize,
} from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const VIN = 6; // input vocabulary
const V = 5; // output vocabulary
const T = 4;
const E0 = randomMatrix(VIN, V, 11, 1.5);
const Eref = randomMatrix(VIN, V, 12, 1.5);

/** logits[n, t, :] = E[x[n, t], :] (a lookup table: the smallest differentiable sequence model). */
function lookupModel(E: number[][]): ModelLike & { E: tf.Variable } {
  const W = tf.variable(tf.tensor2d(E));
  // one-hot · E rather than tf.gather: the WASM backend has no gradient kernel for gather (UnsortedSegmentSum).
  const apply = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(tf.oneHot(tf.cast(x, 'int32'), W.shape[0]), [-1, W.shape[0]]), W), [...x.shape, W.shape[1]]));
  return { E: W, trainableWeights: [{ read: () => W }], apply };
}

const xs = [
  [0, 1, 2, 3],
  [4, 5, 0, 1],
  [2, 2, 3, 0],
];
const ys = [
  [-100, 3, 1, 0],
  [2, 4, -100, -100],
  [1, 1, 2, 3],
];
const altX = [
  [5, 4, 3, 2],
  [1, 0, 1, 0],
  [3, 3, 3, 3],
];
const altY = [
  [0, 0, -100, -100],
  [4, -100, 1, 2],
  [2, 2, 2, -100],
];

const nll = (E: number[][], x: number, y: number): number => -logSoftmax(E[x]!)[y]!;
const seqNll = (E: number[][], x: number[], y: number[]): number => y.reduce((s, l, t) => (l < 0 ? s : s + nll(E, x[t]!, l)), 0);
const count = (y: number[]): number => y.filter((l) => l >= 0).length;
const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

/** Runs one step with batch = the whole set and returns the forget / retain values reported before the update. */
async function firstValues(obj: Parameters<typeof unlearn>[0]['objective'], extra: Partial<Parameters<typeof unlearn>[0]> = {}): Promise<{ forget: number; retain: number }> {
  const model = lookupModel(E0);
  const ref = lookupModel(Eref);
  let forget = NaN;
  let retain = NaN;
  try {
    await unlearn({ model, forget: { x: xs, y: ys, inputs: { alternateX: altX, alternateY: altY } }, retain: { x: altX, y: altY }, objective: obj, optimizer: sgd({ learningRate: 0.1 }), steps: 1, batchSize: 3, retainBatchSize: 3, reference: ref, onStep: (i) => void ((forget = i.forgetLoss), (retain = i.retainLoss)), ...extra });
  } finally {
    model.E.dispose();
    ref.E.dispose();
  }
  return { forget, retain };
}

describe('per-token objectives on a sequence model (masked mean over the valid tokens of the batch)', () => {
  const tokenMean = (E: number[][], x: number[][], y: number[][], f: (l: number) => number): number => {
    let s = 0;
    let n = 0;
    x.forEach((row, i) => row.forEach((xt, t) => {
      const l = y[i]![t]!;
      if (l < 0) return;
      s += f(nll(E, xt, l));
      n++;
    }));
    return s / n;
  };
  it('gradient ascent / gradient difference: −mean NLL of the forget tokens, mean NLL of the retain tokens (HF outputs.loss)', async () => {
    const v = await firstValues(gradientDifference({ gamma: 1, alpha: 2 }));
    expect(v.forget).toBeCloseTo(-tokenMean(E0, xs, ys, (l) => l), 5);
    expect(v.retain).toBeCloseTo(2 * tokenMean(E0, altX, altY, (l) => l), 5);
  });
  it('WGA per token: −mean over valid tokens of e^{−βℓ}·ℓ (compute_wga_loss)', async () => {
    const v = await firstValues(objective({ forget: wgaTerm({ beta: 0.7 }) }));
    expect(v.forget).toBeCloseTo(tokenMean(E0, xs, ys, (l) => -Math.exp(-0.7 * l) * l), 5);
  });
  it('SatImp per token: −mean over valid tokens of p^β1 (1 − p)^β2 · ℓ, p = e^{−ℓ}', async () => {
    const v = await firstValues(objective({ forget: satImpTerm({ beta1: 2, beta2: 1.5 }) }));
    expect(v.forget).toBeCloseTo(tokenMean(E0, xs, ys, (l) => -(Math.exp(-l) ** 2) * (1 - Math.exp(-l)) ** 1.5 * l), 5);
  });
  it('UNDIAL per token: mean over valid tokens of CE against softmax(z_ref − β e_y) of the reference model at that token', async () => {
    const v = await firstValues(objective({ forget: undialTerm({ beta: 3 }) }), {});
    let s = 0;
    let n = 0;
    xs.forEach((row, i) => row.forEach((xt, t) => {
      const y = ys[i]![t]!;
      if (y < 0) return;
      const zt = Eref[xt]!.map((z, j) => (j === y ? z - 3 : z));
      const q = logSoftmax(zt).map(Math.exp);
      const lp = logSoftmax(E0[xt]!);
      s += -q.reduce((a, qj, j) => a + qj * lp[j]!, 0);
      n++;
    }));
    expect(v.forget).toBeCloseTo(s / n, 5);
  });
  it('CE-U per token: mean over valid tokens of CE against the softmax of the other tokens (every answer token; open-unlearning skips the first)', async () => {
    const v = await firstValues(objective({ forget: ceuTerm() }));
    let s = 0;
    let n = 0;
    xs.forEach((row, i) => row.forEach((xt, t) => {
      const y = ys[i]![t]!;
      if (y < 0) return;
      const z = E0[xt]!;
      const others = z.map((zj, j) => (j === y ? -Infinity : zj));
      const m = Math.max(...others);
      const den = others.reduce((a, zj) => a + (zj === -Infinity ? 0 : Math.exp(zj - m)), 0);
      const lp = logSoftmax(z);
      s += -others.reduce((a, zj, j) => a + (zj === -Infinity ? 0 : (Math.exp(zj - m) / den) * lp[j]!), 0);
      n++;
    }));
    expect(v.forget).toBeCloseTo(s / n, 5);
  });
  it('an inputs.mask of 0 removes tokens from the mean as a −100 label does', async () => {
    const mask = ys.map((row) => row.map((_, t) => (t === 1 ? 0 : 1)));
    const model = lookupModel(E0);
    let f = NaN;
    try {
      await unlearn({ model, forget: { x: xs, y: ys, inputs: { mask } }, objective: gradientAscent(), optimizer: sgd({ learningRate: 0.1 }), steps: 1, batchSize: 3, onStep: (i) => void (f = i.forgetLoss) });
    } finally {
      model.E.dispose();
    }
    const yMasked = ys.map((row) => row.map((l, t) => (t === 1 ? -100 : l)));
    expect(f).toBeCloseTo(-tokenMean(E0, xs, yMasked, (l) => l), 5);
  });
});

describe('sequence-level objectives (summed NLL per sequence, compute_batch_nll)', () => {
  it('npoSequence: mean_b (2/β) softplus(β(ℓ_ref − ℓ))', async () => {
    const v = await firstValues(objective({ forget: npoSequence({ beta: 0.5 }) }));
    const want = xs.map((x, i) => (2 / 0.5) * softplus(0.5 * (seqNll(Eref, x, ys[i]!) - seqNll(E0, x, ys[i]!)))).reduce((a, b) => a + b) / 3;
    expect(v.forget).toBeCloseTo(want, 5);
  });
  it('simNpoSequence: mean_b (2/β) softplus(−β(ℓ/|y| − δ))', async () => {
    const v = await firstValues(objective({ forget: simNpoSequence({ beta: 2, delta: 0.3 }) }));
    const want = xs.map((x, i) => (2 / 2) * softplus(-2 * (seqNll(E0, x, ys[i]!) / count(ys[i]!) - 0.3))).reduce((a, b) => a + b) / 3;
    expect(v.forget).toBeCloseTo(want, 5);
  });
  it('dpoSequence: mean_b (2/β) softplus(−β[(ℓw_ref − ℓw) − (ℓl_ref − ℓl)]) with the alternates as the preferred answers', async () => {
    const v = await firstValues(objective({ forget: dpoSequence({ beta: 0.4 }) }));
    const want =
      xs
        .map((x, i) => {
          const win = seqNll(Eref, altX[i]!, altY[i]!) - seqNll(E0, altX[i]!, altY[i]!);
          const lose = seqNll(Eref, x, ys[i]!) - seqNll(E0, x, ys[i]!);
          return (2 / 0.4) * softplus(-0.4 * (win - lose));
        })
        .reduce((a, b) => a + b) / 3;
    expect(v.forget).toBeCloseTo(want, 5);
  });
  it('gradients of the sequence terms with respect to the logits match finite differences', () => {
    const logits = tf.tensor3d(xs.map((row) => row.map((t) => E0[t]!)));
    const altLogits = tf.tensor3d(altX.map((row) => row.map((t) => Eref[t]!)));
    const labels = tf.tensor2d(ys.map((r) => r.map((l) => Math.max(l, 0))), undefined, 'int32');
    const mask = tf.tensor2d(ys.map((r) => r.map((l) => (l < 0 ? 0 : 1))));
    const inputs = { referenceNll: tf.tensor1d([1.5, 2, 0.5]), referenceAlternateNll: tf.tensor1d([1, 3, 2]), alternateX: tf.tensor2d(altX), alternateY: tf.tensor2d(altY) };
    for (const term of [npoSequence({ beta: 0.5 }), simNpoSequence({ beta: 3 }), dpoSequence({ beta: 0.4 })]) {
      const check = checkGradient((z) => {
        const b: TermBatch = { model: { trainableWeights: [], apply: () => z }, forward: (x) => (x.rank === 2 && x === inputs.alternateX ? altLogits : z), x: tf.zeros([3, T]), y: labels, mask, inputs };
        return term.value(b);
      }, logits);
      expect(check.ok, `${term.name}: worst ${check.worst} at ${check.worstIndex}`).toBe(true);
    }
    tf.dispose([logits, altLogits, labels, mask, ...Object.values(inputs)]);
  });
});

describe('unlearning a sequence model', () => {
  it('gradient ascent raises the forget NLL; the variables option leaves the unselected weights unchanged', async () => {
    const model = lookupModel(E0);
    const other = tf.variable(tf.ones([2, 2]), true, 'frozen_extra');
    const m: ModelLike = { trainableWeights: [{ read: () => model.E }, { read: () => other }], apply: (x) => tf.add(model.apply(x) as tf.Tensor, tf.mul(tf.sum(other), 0)) };
    try {
      const before = meanTokenNll(m, { x: xs, y: ys });
      await unlearn({ model: m, forget: { x: xs, y: ys }, objective: gradientAscent(), optimizer: sgd({ learningRate: 0.5 }), steps: 5, variables: new RegExp(`^${model.E.name}$`) });
      const after = meanTokenNll(m, { x: xs, y: ys });
      after.forEach((v, i) => expect(v).toBeGreaterThan(before[i]!));
      expect(Array.from(other.dataSync())).toEqual([1, 1, 1, 1]);
    } finally {
      model.E.dispose();
      other.dispose();
    }
  });
  it('bad sequence input raises typed errors before the first step and leaks nothing', async () => {
    const model = lookupModel(E0);
    const run = (forget: { x: unknown; y: unknown; inputs?: Record<string, unknown> }, obj = gradientAscent()) => () => unlearn({ model, forget: forget as never, objective: obj, optimizer: sgd({ learningRate: 0.1 }), steps: 1 });
    try {
      await expectCleanThrowAsync(run({ x: xs, y: [1, 2, 3] }), 'SHAPE_MISMATCH');
      await expectCleanThrowAsync(run({ x: xs, y: ys.map((r) => r.map((l) => (l === 4 ? 9 : l))) }), 'LABEL_OUT_OF_RANGE');
      await expectCleanThrowAsync(run({ x: xs, y: ys.map((r) => r.map((l) => (l === 4 ? 1.5 : l))) }), 'NON_INTEGER_LABEL');
      await expectCleanThrowAsync(run({ x: xs, y: ys, inputs: { mask: ys.map((r) => r.map(() => 0.5)) } }), 'INVALID_ARGUMENT');
      await expectCleanThrowAsync(run({ x: xs, y: ys }, objective({ forget: dpoSequence() })), 'MISSING_INPUT');
      await expectCleanThrowAsync(() => unlearn({ model, forget: { x: xs, y: ys }, objective: objective({ forget: npoSequence() }), optimizer: sgd({ learningRate: 0.1 }), steps: 1 }), 'MISSING_INPUT');
      await expectCleanThrowAsync(() => unlearn({ model, forget: { x: xs, y: ys }, objective: gradientAscent(), optimizer: sgd({ learningRate: 0.1 }), steps: 1, variables: /nothing-matches/ }), 'INVALID_ARGUMENT');
      // a sequence-level term on a classifier
      const W = tf.variable(tf.ones([2, 3]));
      const clf: ModelLike = { trainableWeights: [{ read: () => W }], apply: (x) => tf.matMul(x, W) };
      await expectCleanThrowAsync(() => unlearn({ model: clf, forget: { x: [[1, 2]], y: [0] }, objective: objective({ forget: simNpoSequence() }), optimizer: sgd({ learningRate: 0.1 }), steps: 1 }), 'INVALID_ARGUMENT');
      W.dispose();
    } finally {
      model.E.dispose();
    }
  });
});

describe('sequence metrics against float64 references', () => {
  const model = (): ReturnType<typeof lookupModel> => lookupModel(E0);
  const lp = xs.map((x, i) => ys[i]!.flatMap((l, t) => (l < 0 ? [] : [logSoftmax(E0[x[t]!]!)[l]!])));
  it('tokenLogProbs, meanTokenNll and sequenceProbability (evaluate_probability: avg_loss, exp(−avg_loss))', () => {
    const m = model();
    try {
      tokenLogProbs(m, { x: xs, y: ys }).forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(lp[i]![t]!, 5)));
      const avg = lp.map((r) => -r.reduce((a, b) => a + b, 0) / r.length);
      meanTokenNll(m, { x: xs, y: ys }).forEach((v, i) => expect(v).toBeCloseTo(avg[i]!, 5));
      sequenceProbability(m, { x: xs, y: ys }).forEach((v, i) => expect(v).toBeCloseTo(Math.exp(-avg[i]!), 5));
      // a sequence with no labelled token: NaN, and [] of log-probs
      expect(meanTokenNll(m, { x: [[0, 1, 2, 3]], y: [[-100, -100, -100, -100]] })[0]).toBeNaN();
    } finally {
      m.E.dispose();
    }
  });
  it('exact memorization and extraction strength (memorization.py)', () => {
    // E with a known arg-max per input token: argmax row r = r % V.
    const E = Array.from({ length: VIN }, (_, r) => Array.from({ length: V }, (_, c) => (c === r % V ? 5 : 0)));
    const m = lookupModel(E);
    try {
      const x = [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]];
      const y = [[0, 1, 2, 3], [4, 1, 2, 3], [0, 1, 2, 4]];
      expect(exactMemorization(m, { x, y })).toEqual([1, 0.75, 0.75]);
      // ES = 1 − k/L, k the first suffix start that matches (open-unlearning loop stops at L − 1).
      expect(extractionStrength(m, { x, y })).toEqual([1, 0.75, 0.25]);
    } finally {
      m.E.dispose();
    }
  });
  it('MIA scores: loss, minK, minK++, zlib, reference and gradNorm, signed as open-unlearning (higher = non-member)', () => {
    const m = model();
    const r = lookupModel(Eref);
    try {
      const data = { x: xs, y: ys };
      const avg = lp.map((row) => -row.reduce((a, b) => a + b, 0) / row.length);
      miaScores(m, data, { attack: 'loss' }).forEach((v, i) => expect(v).toBeCloseTo(avg[i]!, 5));
      miaScores(m, data, { attack: 'minK', k: 0.5 }).forEach((v, i) => expect(v).toBeCloseTo(minKScore(lp[i]!, 0.5), 5));
      const vocab = xs.map((x, i) => ys[i]!.flatMap((l, t) => (l < 0 ? [] : [logSoftmax(E0[x[t]!]!)])));
      miaScores(m, data, { attack: 'minKPlusPlus', k: 0.5 }).forEach((v, i) => expect(v).toBeCloseTo(minKPlusPlusScore(lp[i]!, vocab[i]!, 0.5), 4));
      miaScores(m, data, { attack: 'zlib', zlibSizes: [10, 20, 40] }).forEach((v, i) => expect(v).toBeCloseTo(avg[i]! / [10, 20, 40][i]!, 6));
      const ravg = xs.map((x, i) => seqNll(Eref, x, ys[i]!) / count(ys[i]!));
      miaScores(m, data, { attack: 'reference', reference: r }).forEach((v, i) => expect(v).toBeCloseTo(avg[i]! - ravg[i]!, 5));
      // gradNorm: ∂(mean NLL)/∂E_row = (softmax − onehot)/L for each labelled position; one variable → its 2-norm.
      const g = xs.map((x, i) => {
        const G = Array.from({ length: VIN }, () => new Array(V).fill(0) as number[]);
        const L = count(ys[i]!);
        ys[i]!.forEach((l, t) => {
          if (l < 0) return;
          const p = logSoftmax(E0[x[t]!]!).map(Math.exp);
          p.forEach((pv, c) => (G[x[t]!]![c]! += (pv - (c === l ? 1 : 0)) / L));
        });
        return Math.sqrt(G.flat().reduce((a, v) => a + v * v, 0));
      });
      miaScores(m, data, { attack: 'gradNorm' }).forEach((v, i) => expect(v).toBeCloseTo(g[i]!, 5));
      const res = mia({ model: m, forget: data, holdout: { x: altX, y: altY }, attack: 'loss' });
      expect(res.auc).toBeCloseTo(miaAuc(res.forgetScores, res.holdoutScores).auc, 12);
    } finally {
      m.E.dispose();
      r.E.dispose();
    }
  });
  it('a classifier is a sequence of one token: loss scores are its per-sample CE', () => {
    const W = tf.variable(tf.tensor2d([[1, -1, 0.5], [0.2, 0.3, -2]]));
    const clf: ModelLike = { trainableWeights: [{ read: () => W }], apply: (x) => tf.matMul(x, W) };
    try {
      const x = [[1, 2], [-1, 0.5]];
      const y = [0, 2];
      const want = x.map((row, i) => -logSoftmax([0, 1, 2].map((c) => row[0]! * [[1, -1, 0.5], [0.2, 0.3, -2]][0]![c]! + row[1]! * [[1, -1, 0.5], [0.2, 0.3, -2]][1]![c]!))[y[i]!]!);
      miaScores(clf, { x, y }, { attack: 'loss' }).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    } finally {
      W.dispose();
    }
  });
  it('zlibSize equals the lengths of Python zlib.compress(text.encode("utf-8")) (computed with CPython 3 zlib)', async () => {
    expect(await zlibSize(['hello world', 'The capital of Freedonia is Quux. '.repeat(5), 'abcdefghijklmnopqrstuvwxyz0123456789', 'a'])).toEqual([19, 45, 44, 9]);
  });
  it('truth ratio, normalised probability and PrivLeak follow open-unlearning (memorization.py, privacy.py)', () => {
    const c = [0.5, 1.2];
    const w = [[1, 2], [0.3, 0.9]];
    const pc = c.map((l) => Math.exp(-l));
    const pw = w.map((r) => Math.exp(-(r[0]! + r[1]!) / 2));
    const tr = pc.map((p, i) => pw[i]! / (p + 1e-10));
    const r1 = truthRatio(c, w);
    r1.values.forEach((v, i) => expect(v).toBeCloseTo(tr[i]!, 12));
    expect(r1.value).toBeCloseTo(tr.map((t) => Math.min(t, 1 / (t + 1e-10))).reduce((a, b) => a + b) / 2, 12);
    expect(truthRatio(c, w, { aggregator: 'trueBetter' }).value).toBeCloseTo(tr.map((t) => Math.max(0, 1 - t)).reduce((a, b) => a + b) / 2, 12);
    expect(truthRatio(c, w, { aggregator: 'probMean' }).values[0]).toBeCloseTo(pc[0]! / (pc[0]! + pw[0]! + 1e-10), 12);
    expect(probabilityWithOptions(c, w).values[1]).toBeCloseTo(pc[1]! / (pc[1]! + Math.exp(-0.3) + Math.exp(-0.9) + 1e-10), 12);
    expect(privLeak(0.8, 0.5)).toBeCloseTo(((0.2 - 0.5) / 0.5) * 100, 6);
    expect(privLeak(0.5)).toBeCloseTo(0, 6);
    // rel_diff (privacy.py): (score − ref)/(ref + 1e-10)·100, no 1 − x flip.
    expect(relDiff(0.8, 0.5)).toBeCloseTo(((0.8 - 0.5) / (0.5 + 1e-10)) * 100, 9);
    expect(relDiff(0.25, 0.5)).toBeCloseTo(-50, 6);
  });
  it('bad input to the metrics raises typed errors and leaks nothing', () => {
    const m = model();
    try {
      expectCleanThrow(() => miaScores(m, { x: xs, y: ys }, { attack: 'bogus' as never }), 'INVALID_PARAMETER');
      expectCleanThrow(() => miaScores(m, { x: xs, y: ys }, { attack: 'zlib' }), 'MISSING_INPUT');
      expectCleanThrow(() => miaScores(m, { x: xs, y: ys }, { attack: 'zlib', zlibSizes: [1, 2] }), 'SHAPE_MISMATCH');
      // mia() with zlib sizes for the forget set only: the holdout must bring its own (it reused the forget sizes).
      expectCleanThrow(() => mia({ model: m, forget: { x: xs, y: ys }, holdout: { x: xs, y: ys }, attack: 'zlib', zlibSizes: [10, 20, 40] }), 'MISSING_INPUT');
      expectCleanThrow(() => miaScores(m, { x: xs, y: ys }, { attack: 'reference' }), 'MISSING_INPUT');
      expectCleanThrow(() => miaScores(m, { x: xs, y: ys }, { attack: 'gradNorm', p: 3 }), 'INVALID_PARAMETER');
      expectCleanThrow(() => miaScores(m, { x: xs, y: ys }, { attack: 'minK', k: 0 }), 'INVALID_PARAMETER');
      expectCleanThrow(() => tokenLogProbs(m, { x: xs, y: ys.map((r) => r.slice(1)) }), 'SHAPE_MISMATCH');
      expectCleanThrow(() => tokenLogProbs(m, { x: xs, y: ys }, { batchSize: 0 }), 'INVALID_PARAMETER');
      expectCleanThrow(() => truthRatio([1], [[NaN]]), 'NON_FINITE_INPUT');
      expectCleanThrow(() => truthRatio([1, 2], [1]), 'SHAPE_MISMATCH');
      expectCleanThrow(() => truthRatio([1], [1], { aggregator: 'x' as never }), 'INVALID_PARAMETER');
      // A mean token NLL is ≥ 0 (a probability ≤ 1): a negative one is a caller's mistake, not a truth ratio.
      expectCleanThrow(() => truthRatio([1, 0.5], [[0.2, 0.4], [-1, 0.3]]), 'INVALID_ARGUMENT');
      expectCleanThrow(() => truthRatio([-0.5], [1], { aggregator: 'probMean' }), 'INVALID_ARGUMENT');
      expectCleanThrow(() => probabilityWithOptions([1], [[0.5, -2]]), 'INVALID_ARGUMENT');
      expectCleanThrow(() => privLeak(1.5), 'INVALID_ARGUMENT');
      expectCleanThrow(() => relDiff(NaN, 0.5), 'INVALID_ARGUMENT');
      expectCleanThrow(() => relDiff(0.5, -0.1), 'INVALID_ARGUMENT');
    } finally {
      m.E.dispose();
    }
  });
});

it('ce() per token equals the masked-mean NLL the retain side reports', async () => {
  const v = await firstValues(objective({ forget: ce().neg(), retain: ce() }));
  expect(v.retain).toBeCloseTo(altX.reduce((s, x, i) => s + seqNll(E0, x, altY[i]!), 0) / altY.reduce((s, y) => s + count(y), 0), 5);
});
