import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { checkGradient, expectNoLeaks, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { seclaLoss, seclaScores } from '../src/index.js';
import { errorCode, expectClose } from './helpers.js';

beforeAll(async () => {
  await ready();
});

// ── float64 reference, straight from the SECLA formulas (Qu, Tuytelaars, Moens 2023), explicit loops ──
type Sets = number[][][]; // [B][slots][D]
type Mask = number[][]; // [B][slots], 1 = real

const allReal = (x: Sets): Mask => x.map((s) => s.map(() => 1));

function dotRef(u: number[], v: number[]): number {
  let s = 0;
  for (let k = 0; k < u.length; k++) s += u[k]! * v[k]!;
  return s;
}

/** S[a][b] = (1/|X_a|) Σ_{i real in a} max_{j real in b} ⟨X[a][i], Y[b][j]⟩ */
function setScoresRef(X: Sets, Y: Sets, xm: Mask, ym: Mask): number[][] {
  const B = X.length;
  const S: number[][] = [];
  for (let a = 0; a < B; a++) {
    const row: number[] = [];
    for (let b = 0; b < B; b++) {
      let total = 0;
      let count = 0;
      for (let i = 0; i < X[a]!.length; i++) {
        if (xm[a]![i] !== 1) continue;
        let best = -Infinity;
        for (let j = 0; j < Y[b]!.length; j++) {
          if (ym[b]![j] !== 1) continue;
          best = Math.max(best, dotRef(X[a]![i]!, Y[b]![j]!));
        }
        total += best;
        count++;
      }
      row.push(total / count);
    }
    S.push(row);
  }
  return S;
}

function rowCrossEntropyRef(S: number[][]): number {
  const B = S.length;
  let total = 0;
  for (let a = 0; a < B; a++) {
    let m = -Infinity;
    for (let b = 0; b < B; b++) m = Math.max(m, S[a]![b]!);
    let z = 0;
    for (let b = 0; b < B; b++) z += Math.exp(S[a]![b]! - m);
    total += m + Math.log(z) - S[a]![a]!;
  }
  return total / B;
}

interface RefParts { nf: number[][]; fn: number[][]; lNf: number; lFn: number; agree: number; loss: number }

function seclaRef(F: Sets, N: Sets, o: { fm?: Mask; nm?: Mask; alpha?: number; agreement?: 'diag' | 'full' } = {}): RefParts {
  const fm = o.fm ?? allReal(F);
  const nm = o.nm ?? allReal(N);
  const alpha = o.alpha ?? 0.15;
  const nf = setScoresRef(N, F, nm, fm);
  const fn = setScoresRef(F, N, fm, nm);
  const B = F.length;
  let agree = 0;
  if ((o.agreement ?? 'diag') === 'diag') {
    for (let a = 0; a < B; a++) agree += (nf[a]![a]! - fn[a]![a]!) ** 2;
    agree /= B;
  } else {
    for (let a = 0; a < B; a++) for (let b = 0; b < B; b++) agree += (nf[a]![b]! - fn[b]![a]!) ** 2;
    agree /= B * B;
  }
  const lNf = rowCrossEntropyRef(nf);
  const lFn = rowCrossEntropyRef(fn);
  return { nf, fn, lNf, lFn, agree, loss: lNf + lFn + alpha * agree };
}

// ── data ──
/** Seeded normal sets [B][S][D], rounded through float32 so the reference sees what tfjs sees. */
function randomSets(B: number, S: number, D: number, seed: number, scale = 1): Sets {
  const flat = randomMatrix(B * S, D, seed, scale).map((r) => Array.from(Float32Array.from(r)));
  return Array.from({ length: B }, (_, a) => flat.slice(a * S, (a + 1) * S));
}
/** Copy of `x` with every masked-out slot overwritten by `garbage` (large, so it would win any max it entered). */
function withGarbage(x: Sets, m: Mask, garbage: number): Sets {
  return x.map((s, a) => s.map((v, i) => (m[a]![i] === 1 ? v : v.map((_, k) => garbage * (k % 2 === 0 ? 1 : 0.5)))));
}
const flat = (x: Sets): number[] => x.flat(2);
const unflat = (v: ArrayLike<number>, B: number, S: number, D: number): Sets =>
  Array.from({ length: B }, (_, a) => Array.from({ length: S }, (_, i) => Array.from({ length: D }, (_, k) => v[(a * S + i) * D + k]!)));
const scalar = (t: Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

const B = 5;
const P = 3;
const Q = 4;
const D = 6;
const F0 = randomSets(B, P, D, 101);
const N0 = randomSets(B, Q, D, 202);
const FACE_MASK: Mask = [[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1], [1, 0, 1]];
const NAME_MASK: Mask = [[1, 0, 0, 0], [1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 0], [1, 1, 1, 0]];
const GARBAGE = 1e6;

const maskCases: [string, Mask | undefined, Mask | undefined][] = [
  ['no masks (nothing padded)', undefined, undefined],
  ['padded faces', FACE_MASK, undefined],
  ['padded names', undefined, NAME_MASK],
  ['padded faces and names', FACE_MASK, NAME_MASK],
];

describe('seclaLoss / seclaScores against the float64 reference', () => {
  for (const [label, fm, nm] of maskCases) {
    const F = fm ? withGarbage(F0, fm, GARBAGE) : F0;
    const N = nm ? withGarbage(N0, nm, -GARBAGE) : N0;
    const masks = { ...(fm ? { faceMask: fm } : {}), ...(nm ? { nameMask: nm } : {}) };
    const refOpts = { ...(fm ? { fm } : {}), ...(nm ? { nm } : {}) };

    it(`${label}: scores S_nf, S_fn`, () => {
      const ref = seclaRef(F, N, refOpts);
      const { nameToFace, faceToName } = seclaScores(F, N, masks);
      expect(nameToFace.shape).toEqual([B, B]);
      expect(faceToName.shape).toEqual([B, B]);
      const nf = nameToFace.arraySync();
      const fn = faceToName.arraySync();
      nameToFace.dispose();
      faceToName.dispose();
      for (let a = 0; a < B; a++) {
        for (let b = 0; b < B; b++) {
          expectClose(nf[a]![b]!, ref.nf[a]![b]!);
          expectClose(fn[a]![b]!, ref.fn[a]![b]!);
        }
      }
    });

    for (const agreement of ['diag', 'full'] as const) {
      for (const alpha of [0, 0.15, 2]) {
        it(`${label}: loss, agreement '${agreement}', alpha ${alpha}`, () => {
          const ref = seclaRef(F, N, { ...refOpts, alpha, agreement });
          expectClose(scalar(seclaLoss(F, N, { ...masks, alpha, agreement })), ref.loss);
        });
      }
    }
  }

  it('defaults are alpha = 0.15 and diagonal agreement', () => {
    const ref = seclaRef(F0, N0, { alpha: 0.15, agreement: 'diag' });
    expectClose(scalar(seclaLoss(F0, N0)), ref.loss);
    // the two agreement modes really differ on this data (so the mode tests above can tell them apart)
    expect(Math.abs(seclaRef(F0, N0, { agreement: 'full' }).agree - ref.agree)).toBeGreaterThan(1e-3 * ref.agree);
  });

  it('the garbage in padded slots would change the value if it were used', () => {
    const F = withGarbage(F0, FACE_MASK, GARBAGE);
    const unmasked = seclaRef(F, N0, { alpha: 0.15 }).loss;
    const masked = seclaRef(F, N0, { fm: FACE_MASK, alpha: 0.15 }).loss;
    expect(Math.abs(unmasked - masked)).toBeGreaterThan(1);
    expectClose(scalar(seclaLoss(F, N0, { faceMask: FACE_MASK })), masked);
  });

  it('accepts tensors, nested arrays, nested TypedArrays and boolean masks alike', () => {
    const F = withGarbage(F0, FACE_MASK, GARBAGE);
    const ref = seclaRef(F, N0, { fm: FACE_MASK }).loss;
    const ft = tf.tensor3d(F);
    const nt = tf.tensor3d(N0);
    const mb = tf.tensor2d(FACE_MASK, undefined, 'bool');
    const typed = F.map((s) => s.map((v) => Float32Array.from(v)));
    expectClose(scalar(seclaLoss(ft, nt, { faceMask: mb })), ref);
    expectClose(scalar(seclaLoss(typed, N0, { faceMask: FACE_MASK.map((r) => r.map((v) => v === 1)) })), ref);
    expectClose(scalar(seclaLoss(ft, N0, { faceMask: tf.tensor2d(FACE_MASK) })), ref);
    ft.dispose();
    nt.dispose();
    mb.dispose();
  });
});

describe('gradients', () => {
  // Distinct dot products, so every max has a clear winner and finite differences do not cross a tie.
  function minMaxGap(F: Sets, N: Sets, fm: Mask, nm: Mask): number {
    let gap = Infinity;
    const scan = (X: Sets, Y: Sets, xm: Mask, ym: Mask) => {
      for (let a = 0; a < B; a++) for (let b = 0; b < B; b++) for (let i = 0; i < X[a]!.length; i++) {
        if (xm[a]![i] !== 1) continue;
        const v = Y[b]!.map((y, j) => (ym[b]![j] === 1 ? dotRef(X[a]![i]!, y) : -Infinity)).sort((u, w) => w - u);
        if (v[1] !== undefined && v[1] > -Infinity) gap = Math.min(gap, v[0]! - v[1]);
      }
    };
    scan(N, F, nm, fm);
    scan(F, N, fm, nm);
    return gap;
  }
  const F = withGarbage(F0, FACE_MASK, GARBAGE);
  const N = withGarbage(N0, NAME_MASK, -GARBAGE);

  it('the test data has no near-ties among the real candidates of any max', () => {
    expect(minMaxGap(F, N, FACE_MASK, NAME_MASK)).toBeGreaterThan(1e-3);
  });

  for (const agreement of ['diag', 'full'] as const) {
    it(`finite differences w.r.t. faces and names match (agreement '${agreement}', padded)`, () => {
      const opts = { faceMask: FACE_MASK, nameMask: NAME_MASK, alpha: 0.15, agreement };
      const refOpts = { fm: FACE_MASK, nm: NAME_MASK, alpha: 0.15, agreement };
      const nt = tf.tensor3d(N);
      const ft = tf.tensor3d(F);
      const gf = checkGradient((x) => seclaLoss(x, nt, opts), ft, { reference: (v) => seclaRef(unflat(v, B, P, D), N, refOpts).loss });
      const gn = checkGradient((x) => seclaLoss(ft, x, opts), nt, { reference: (v) => seclaRef(F, unflat(v, B, Q, D), refOpts).loss });
      nt.dispose();
      ft.dispose();
      expect(gf.ok, `faces worst ${gf.worst} at ${gf.worstIndex}`).toBe(true);
      expect(gn.ok, `names worst ${gn.worst} at ${gn.worstIndex}`).toBe(true);
      // the gradient is not trivially zero
      expect(Math.max(...gf.analytic.map(Math.abs))).toBeGreaterThan(1e-2);
      expect(Math.max(...gn.analytic.map(Math.abs))).toBeGreaterThan(1e-2);
    });
  }

  it('padded slots get exactly zero gradient (tf.grad, both inputs)', () => {
    const ft = tf.tensor3d(F);
    const nt = tf.tensor3d(N);
    const [gf, gn] = tf.grads((f: Tensor, n: Tensor) => seclaLoss(f, n, { faceMask: FACE_MASK, nameMask: NAME_MASK, agreement: 'full' }))([ft, nt]);
    const vf = gf!.dataSync();
    const vn = gn!.dataSync();
    tf.dispose([ft, nt, gf!, gn!]);
    let realNonZero = 0;
    for (let a = 0; a < B; a++) {
      for (let p = 0; p < P; p++) for (let k = 0; k < D; k++) {
        const g = vf[(a * P + p) * D + k]!;
        if (FACE_MASK[a]![p] === 0) expect(Math.abs(g)).toBe(0);
        else if (g !== 0) realNonZero++;
      }
      for (let q = 0; q < Q; q++) for (let k = 0; k < D; k++) {
        const g = vn[(a * Q + q) * D + k]!;
        if (NAME_MASK[a]![q] === 0) expect(Math.abs(g)).toBe(0);
        else if (g !== 0) realNonZero++;
      }
    }
    expect(realNonZero).toBeGreaterThan(20);
  });

  it('an exact tie (a duplicated face) gets a valid subgradient: moving both copies together matches the derivative', () => {
    // Along v applied to both copies the tie persists, so the loss is differentiable in that direction and
    // its derivative must equal (g_copy0 + g_copy1)·v. Counting the tied max once per copy would double it.
    const F = F0.map((s, a) => (a === 2 ? [s[0]!, [...s[0]!], s[2]!] : s));
    const v = [0.7, -0.2, 0.4, 1.1, -0.9, 0.3];
    const ft = tf.tensor3d(F);
    const g = tf.grad((f: Tensor) => seclaLoss(f, N0))(ft);
    const gv = g.dataSync();
    tf.dispose([ft, g]);
    let analytic = 0;
    for (const p of [0, 1]) for (let k = 0; k < D; k++) analytic += gv[(2 * P + p) * D + k]! * v[k]!;
    const moved = (t: number) => seclaRef(F.map((s, a) => (a === 2 ? s.map((r, p) => (p < 2 ? r.map((x, k) => x + t * v[k]!) : r)) : s)), N0).loss;
    const h = 1e-6;
    const numeric = (moved(h) - moved(-h)) / (2 * h);
    expect(Math.abs(numeric)).toBeGreaterThan(1e-2);
    expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(1e-3 * Math.abs(numeric) + 1e-4);
  });

  it('tf.valueAndGrad and tf.variableGrads agree with tf.grad', () => {
    const opts = { faceMask: FACE_MASK, nameMask: NAME_MASK };
    const ft = tf.tensor3d(F);
    const nt = tf.tensor3d(N);
    const g1 = tf.grad((f: Tensor) => seclaLoss(f, nt, opts))(ft);
    const { value, grad } = tf.valueAndGrad((f: Tensor) => seclaLoss(f, nt, opts))(ft);
    const fv = tf.variable(ft);
    const nv = tf.variable(nt);
    const vg = tf.variableGrads(() => seclaLoss(fv, nv, opts));
    expectClose(value.dataSync()[0]!, seclaRef(F, N, { fm: FACE_MASK, nm: NAME_MASK }).loss);
    expectClose(vg.value.dataSync()[0]!, value.dataSync()[0]!);
    const a = g1.dataSync();
    const b = grad.dataSync();
    const c = vg.grads[fv.name]!.dataSync();
    for (let i = 0; i < a.length; i++) {
      expect(b[i]).toBe(a[i]);
      expect(Math.abs(c[i]! - a[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a[i]!)));
    }
    expect(vg.grads[nv.name]!.shape).toEqual([B, Q, D]);
    tf.dispose([ft, nt, g1, value, grad, fv, nv, vg.value, ...Object.values(vg.grads)]);
  });
});

describe('behaviour', () => {
  it('aligned pairs (names = the image\'s own faces plus noise) give a smaller L_nf than shuffled pairings', () => {
    const b = 6;
    const faces = randomSets(b, 3, 16, 303);
    const noise = randomSets(b, 3, 16, 304, 0.1);
    const names = faces.map((s, a) => s.map((v, i) => v.map((x, k) => x + noise[a]![i]![k]!)));
    const shuffle = [1, 2, 3, 4, 5, 0]; // a derangement: caption a gets the names of image a+1
    const shuffled = shuffle.map((j) => names[j]!);
    // L_nf alone (cross-entropy of the name→face scores with the diagonal as target), from the implementation's scores
    const lNf = (n: Sets) => {
      const { nameToFace, faceToName } = seclaScores(faces, n);
      const v = tf.tidy(() => tf.mean(tf.sub(tf.logSumExp(nameToFace, 1), tf.sum(tf.mul(nameToFace, tf.eye(b)), 1))).dataSync()[0]!);
      tf.dispose([nameToFace, faceToName]);
      return v;
    };
    const aligned = lNf(names);
    const wrong = lNf(shuffled);
    expect(aligned).toBeLessThan(0.1);
    expect(wrong).toBeGreaterThan(aligned + 5);
    // the whole loss prefers the aligned batch as well
    expect(scalar(seclaLoss(faces, names))).toBeLessThan(scalar(seclaLoss(faces, shuffled)));
  });

  it('stability: dot products of about ±1e4 give a finite loss matching float64', () => {
    const F = randomSets(B, P, D, 401, 45);
    const N = randomSets(B, Q, D, 402, 45);
    const s = seclaRef(F, N);
    const maxAbs = Math.max(...s.nf.flat().map(Math.abs), ...s.fn.flat().map(Math.abs));
    expect(maxAbs).toBeGreaterThan(5e3);
    for (const agreement of ['diag', 'full'] as const) {
      const ref = seclaRef(F, N, { agreement, fm: FACE_MASK });
      const got = scalar(seclaLoss(F, N, { agreement, faceMask: FACE_MASK }));
      expect(Number.isFinite(got)).toBe(true);
      expectClose(got, ref.loss);
    }
    const ft = tf.tensor3d(F);
    const g = tf.grad((f: Tensor) => seclaLoss(f, N))(ft);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([ft, g]);
  });
});

describe('edge cases', () => {
  const valueAndGrads = (F: Sets, N: Sets, opts = {}) => {
    const ft = tf.tensor3d(F);
    const nt = tf.tensor3d(N);
    const { value, grads } = tf.valueAndGrads((f: Tensor, n: Tensor) => seclaLoss(f, n, opts))([ft, nt]);
    const out = { v: value.dataSync()[0]!, g: [...grads[0]!.dataSync(), ...grads[1]!.dataSync()] };
    tf.dispose([ft, nt, value, ...grads]);
    expect(Number.isFinite(out.v)).toBe(true);
    expect(out.g.every(Number.isFinite)).toBe(true);
    return out;
  };

  it('B = 1: L_nf = L_fn = 0, only the agreement term remains', () => {
    const F = randomSets(1, P, D, 501);
    const N = randomSets(1, Q, D, 502);
    expect(Math.abs(valueAndGrads(F, N, { alpha: 0 }).v)).toBeLessThanOrEqual(1e-6);
    const ref = seclaRef(F, N, { alpha: 0.15 });
    expect(ref.agree).toBeGreaterThan(1e-3);
    expectClose(valueAndGrads(F, N).v, ref.loss);
    expectClose(valueAndGrads(F, N, { agreement: 'full' }).v, ref.loss);
  });

  it('one face and one name per image (P = Q = 1): matches the float64 reference', () => {
    const F = randomSets(B, 1, D, 511);
    const N = randomSets(B, 1, D, 512);
    expectClose(valueAndGrads(F, N).v, seclaRef(F, N).loss);
  });

  it('identical embeddings everywhere: every score equal, L = 2 log B, finite gradient', () => {
    const v = [0.3, -1, 2, 0.5, 0, 1];
    const F = Array.from({ length: B }, () => Array.from({ length: P }, () => [...v]));
    const N = Array.from({ length: B }, () => Array.from({ length: Q }, () => [...v]));
    const { v: loss, g } = valueAndGrads(F, N, { agreement: 'full' });
    expectClose(loss, 2 * Math.log(B));
    expectClose(loss, seclaRef(F, N, { agreement: 'full' }).loss);
    // every max is a tie: the gradient goes to the first slot (a valid subgradient); it must be defined and finite
    expect(g.length).toBe(B * (P + Q) * D);
  });

  it('zero vectors: scores 0, L = 2 log B, finite gradient', () => {
    const F = Array.from({ length: B }, () => Array.from({ length: P }, () => new Array<number>(D).fill(0)));
    const N = Array.from({ length: B }, () => Array.from({ length: Q }, () => new Array<number>(D).fill(0)));
    const { v: loss } = valueAndGrads(F, N, { faceMask: FACE_MASK, nameMask: NAME_MASK });
    expectClose(loss, 2 * Math.log(B));
  });
});

describe('errors', () => {
  const F = F0;
  const N = N0;
  const nanAt = (x: Sets, a: number, i: number, k: number, v: number) => x.map((s, aa) => s.map((r, ii) => r.map((y, kk) => (aa === a && ii === i && kk === k ? v : y))));

  it('rank', () => {
    expect(errorCode(() => seclaLoss(F[0]!, N))).toBe('RANK_MISMATCH');
    expect(errorCode(() => seclaLoss(F, [N]))).toBe('RANK_MISMATCH');
    expect(errorCode(() => seclaLoss(Float32Array.from(flat(F)), N))).toBe('RANK_MISMATCH');
    expect(errorCode(() => seclaScores(F, N[0]!))).toBe('RANK_MISMATCH');
  });

  it('batch size, embedding size and empty axes', () => {
    expect(errorCode(() => seclaLoss(F, N.slice(0, B - 1)))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => seclaLoss(F, randomSets(B, Q, D + 1, 9)))).toBe('SHAPE_MISMATCH');
    const noSlots = tf.zeros([B, 0, D]);
    expect(errorCode(() => seclaLoss(noSlots, N))).toBe('SHAPE_MISMATCH');
    noSlots.dispose();
    const empty = tf.zeros([0, P, D]);
    const emptyN = tf.zeros([0, Q, D]);
    expect(errorCode(() => seclaLoss(empty, emptyN))).toBe('EMPTY_BATCH');
    tf.dispose([empty, emptyN]);
  });

  it('mask shapes, values and empty rows', () => {
    expect(errorCode(() => seclaLoss(F, N, { faceMask: FACE_MASK.map((r) => [...r, 1]) }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => seclaLoss(F, N, { nameMask: FACE_MASK }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => seclaLoss(F, N, { nameMask: [1, 1, 1, 1] }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => seclaLoss(F, N, { faceMask: FACE_MASK.map((r, a) => (a === 2 ? [1, 0.5, 1] : r)) }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => seclaLoss(F, N, { nameMask: NAME_MASK.map((r, a) => (a === 0 ? [2, 0, 0, 0] : r)) }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => seclaLoss(F, N, { faceMask: FACE_MASK.map((r, a) => (a === 1 ? [0, 0, 0] : r)) }))).toBe('INVALID_ARGUMENT');
    const noName = tf.tensor2d(NAME_MASK.map((r, a) => (a === 4 ? [0, 0, 0, 0] : r)));
    expect(errorCode(() => seclaLoss(F, N, { nameMask: noName }))).toBe('INVALID_ARGUMENT');
    noName.dispose();
  });

  it('NaN / Inf in inputs (arrays and tensors, padded slots included)', () => {
    expect(errorCode(() => seclaLoss(nanAt(F, 1, 2, 3, NaN), N))).toBe('NON_FINITE_INPUT');
    expect(errorCode(() => seclaLoss(F, nanAt(N, 0, 0, 0, -Infinity)))).toBe('NON_FINITE_INPUT');
    const t = tf.tensor3d(nanAt(N, 4, 3, 5, Infinity));
    // slot [4, 3] is padding in NAME_MASK: still rejected (it would poison the gradient)
    expect(errorCode(() => seclaLoss(F, t, { nameMask: NAME_MASK }))).toBe('NON_FINITE_INPUT');
    t.dispose();
    const u = tf.tensor3d(nanAt(F, 0, 0, 0, NaN));
    expect(errorCode(() => seclaScores(u, N))).toBe('NON_FINITE_INPUT');
    u.dispose();
  });

  it('alpha and agreement', () => {
    for (const alpha of [-0.1, NaN, Infinity]) expect(errorCode(() => seclaLoss(F, N, { alpha }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => seclaLoss(F, N, { alpha: 0 }))).toBe('none');
    expect(errorCode(() => seclaLoss(F, N, { agreement: 'mean' as 'diag' }))).toBe('INVALID_ARGUMENT');
  });

  it('the error message names the argument and the expected shape', () => {
    expect(() => seclaLoss(F, N.slice(0, 2))).toThrow(/names.*\[5, Q, 6\].*\[2, 4, 6\]/);
    expect(() => seclaLoss(F, N, { faceMask: [[1]] })).toThrow(/faceMask.*\[5, 3\]/);
  });
});

describe('no leaks', () => {
  const ft = () => tf.tensor3d(withGarbage(F0, FACE_MASK, GARBAGE));
  it('value, scores and tf.grad leak nothing; neither do errors', () => {
    const f = ft();
    const n = tf.tensor3d(N0);
    expectNoLeaks(() => seclaLoss(f, n, { faceMask: FACE_MASK }).dispose(), 'seclaLoss');
    expectNoLeaks(() => seclaLoss(F0, N0, { agreement: 'full' }).dispose(), 'seclaLoss (arrays)');
    expectNoLeaks(() => {
      const s = seclaScores(f, n, { faceMask: FACE_MASK });
      tf.dispose([s.nameToFace, s.faceToName]);
    }, 'seclaScores');
    expectNoLeaks(() => tf.grad((x: Tensor) => seclaLoss(x, n, { faceMask: FACE_MASK }))(f).dispose(), 'tf.grad');
    expectNoLeaks(() => errorCode(() => seclaLoss(f, n, { faceMask: FACE_MASK.map(() => [0, 0, 0]) })), 'error path');
    tf.dispose([f, n]);
  });
});
