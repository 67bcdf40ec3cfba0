// Retrieval and clustering metrics of PML's AccuracyCalculator (utils/accuracy_calculator.py @216a792) against float64
// brute force written from its definitions; the chunked k-NN against brute force and its peak memory; AMI against the
// permutation expectation it is defined by.
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, randomMatrix, rng } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracy, ami, amiOfKMeans, knn, mapAtR, meanAveragePrecision, meanReciprocalRank, nmi, precisionAt1, precisionAtK, rPrecision } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// 1-D layout (euclidean): points 0, 1, 10, 11, 12, 30 with labels a a b b a c (as metrics.test.ts)
const X = [[0], [1], [10], [11], [12], [30]];
const Y = [0, 0, 1, 1, 0, 2];
const E = { metric: 'euclidean' } as const;

/** Brute-force float64 neighbour lists (self excluded, ties by index) and the PML metrics over them. */
function brute(emb: number[][], y: number[], cos: boolean) {
  const unit = (v: number[]) => {
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const u = cos ? emb.map(unit) : emb;
  const dist = (a: number[], b: number[]) => (cos ? -a.reduce((s, x, k) => s + x * b[k]!, 0) : a.reduce((s, x, k) => s + (x - b[k]!) ** 2, 0));
  const lists = u.map((a, i) => u.map((b, j) => [dist(a, b), j] as const).filter(([, j]) => j !== i).sort((p, q) => p[0] - q[0] || p[1] - q[1]).map(([, j]) => y[j]!));
  const R = y.map((yi, i) => y.filter((yj, j) => j !== i && yj === yi).length);
  const mean = (v: (number | undefined)[]) => {
    const w = v.filter((x): x is number => x !== undefined);
    return w.length ? w.reduce((s, x) => s + x, 0) / w.length : 0;
  };
  const ap = (row: number[], yi: number, r: number, upto: number) => {
    let h = 0;
    let s = 0;
    row.slice(0, upto).forEach((l, i) => {
      if (l === yi) s += ++h / (i + 1);
    });
    return s / r;
  };
  return {
    lists,
    pAtK: (k: number) => mean(lists.map((row, i) => (R[i]! ? row.slice(0, k).filter((l) => l === y[i]).length / k : undefined))),
    rPrec: mean(lists.map((row, i) => (R[i]! ? row.slice(0, R[i]).filter((l) => l === y[i]).length / R[i]! : undefined))),
    mapR: mean(lists.map((row, i) => (R[i]! ? ap(row, y[i]!, R[i]!, R[i]!) : undefined))),
    map: (k: number) => mean(lists.map((row, i) => (R[i]! ? ap(row, y[i]!, R[i]!, k) : undefined))),
    mrr: (k: number) => mean(lists.map((row, i) => (R[i]! ? (row.slice(0, k).indexOf(y[i]!) + 1 ? 1 / (row.slice(0, k).indexOf(y[i]!) + 1) : 0) : undefined))),
  };
}

describe('hand-computed values (1-D layout)', () => {
  it('MRR, R-precision, MAP over all references, precision@2', () => {
    // neighbour labels: q0 [a b b a c]; q1 [a b b a c]; q10 [b a(12) b(11)…]: 11 then 12 then 1, 0, 30 → [b a a a c];
    // q11 [b(10) a(12) a(1) a(0) c]; q12 [b b a a c]; q30 lone
    expect(meanReciprocalRank(X, Y, E)).toBeCloseTo((1 + 1 + 1 + 1 + 1 / 3) / 5, 12);
    expect(rPrecision(X, Y, E)).toBeCloseTo((0.5 + 0.5 + 1 + 1 + 0) / 5, 12);
    // MAP: q0 rel at ranks 1, 4 → (1 + 2/4)/2; q1 same; q10: 1; q11: 1; q12 rel at 3, 4 → (1/3 + 2/4)/2
    expect(meanAveragePrecision(X, Y, E)).toBeCloseTo((0.75 + 0.75 + 1 + 1 + (1 / 3 + 0.5) / 2) / 5, 12);
    expect(precisionAtK(X, Y, 2, E)).toBeCloseTo((0.5 + 0.5 + 0.5 + 0.5 + 0) / 5, 12);
  });

  it('avgOfAvgs averages per class first (PML avg_of_avgs)', () => {
    // precision@1 per query: a: q0 1, q1 1, q12 0 → 2/3; b: q10 1, q11 1 → 1; c lone
    expect(precisionAt1(X, Y, { ...E, avgOfAvgs: true })).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });
});

describe('against brute force on random data', () => {
  const u = rng(11);
  const emb = randomMatrix(120, 5, 13);
  const y = Array.from({ length: 120 }, () => Math.floor(u() * 7));
  for (const cos of [true, false]) {
    it(`${cos ? 'cosine' : 'euclidean'}: every metric, and accuracy() in one call`, () => {
      const o = { metric: cos ? 'cosine' : 'euclidean' } as const;
      const b = brute(emb, y, cos);
      expect(precisionAtK(emb, y, 5, o)).toBeCloseTo(b.pAtK(5), 12);
      expect(rPrecision(emb, y, o)).toBeCloseTo(b.rPrec, 12);
      expect(mapAtR(emb, y, o)).toBeCloseTo(b.mapR, 12);
      expect(meanAveragePrecision(emb, y, { ...o, k: 30 })).toBeCloseTo(b.map(30), 12);
      expect(meanReciprocalRank(emb, y, { ...o, k: 3 })).toBeCloseTo(b.mrr(3), 12);
      const all = accuracy(emb, y, { ...o, k: 30 });
      expect(all.precisionAt1).toBeCloseTo(b.pAtK(1), 12);
      expect(all.rPrecision).toBeCloseTo(b.rPrec, 12);
      expect(all.mapAtR).toBeCloseTo(b.mapR, 12);
      expect(all.meanAveragePrecision).toBeCloseTo(b.map(30), 12);
      expect(all.meanReciprocalRank).toBeCloseTo(b.mrr(30), 12);
    });
  }
});

describe('chunked k-NN (no [N, M] matrix)', () => {
  it('N = 3000 leave-one-out, in chunks of 256: the same neighbours as brute force for sampled queries', () => {
    const n = 3000;
    const emb = randomMatrix(n, 6, 17);
    const { indices, k } = knn(emb, 4, { metric: 'euclidean', batchSize: 256 });
    expect(k).toBe(4);
    for (const i of [0, 1, 777, 1500, 2999]) {
      const d = emb.map((b, j) => [emb[i]!.reduce((s, x, t) => s + (x - b[t]!) ** 2, 0), j] as const).filter(([, j]) => j !== i).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
      expect(Array.from(indices.subarray(i * 4, i * 4 + 4))).toEqual(d.slice(0, 4).map(([, j]) => j));
    }
  });

  it('50,000 queries against 1,000 references: peak device memory stays far below one [N, M] float32 matrix', async () => {
    const n = 50_000;
    const m = 1000;
    const q = tf.randomNormal([n, 8], 0, 1, 'float32', 3);
    const r = tf.randomNormal([m, 8], 0, 1, 'float32', 4);
    let out: ReturnType<typeof knn> | undefined;
    const info = await tf.profile(() => {
      out = knn(q, 3, { reference: { embeddings: r }, metric: 'cosine', batchSize: 1024 });
    });
    expect(info.peakBytes).toBeLessThan((n * m * 4) / 10);
    expect(out!.indices.length).toBe(n * 3);
    // spot-check against brute force
    const qv = (await q.array()) as number[][];
    const rv = (await r.array()) as number[][];
    for (const i of [0, 12345, 49999]) {
      const c = (a: number[], b: number[]) => a.reduce((s, x, t) => s + x * b[t]!, 0) / (Math.hypot(...a) * Math.hypot(...b));
      const d = rv.map((b, j) => [-c(qv[i]!, b), j] as const).sort((p, s) => p[0] - s[0] || p[1] - s[1]);
      expect(Array.from(out!.indices.subarray(i * 3, i * 3 + 3))).toEqual(d.slice(0, 3).map(([, j]) => j));
    }
    tf.dispose([q, r]);
  });

  it('accepts tensors and arrays alike, and leaves no tensors', () => {
    const emb = randomMatrix(40, 3, 19);
    const y = emb.map((_, i) => i % 4);
    const t = tf.tensor2d(emb);
    const yt = tf.tensor1d(y, 'int32');
    const a = expectNoLeaks(() => accuracy(t, yt));
    expect(a).toEqual(accuracy(emb, y));
    tf.dispose([t, yt]);
  });
});

describe('AMI (scikit-learn adjusted_mutual_info_score, arithmetic normalization)', () => {
  /** E[MI] by averaging MI over every permutation of b (the model AMI corrects for). */
  function amiByPermutations(a: number[], b: number[]): number {
    const n = a.length;
    const mi = (x: number[], z: number[]) => {
      const c = (v: number[]) => v.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<number, number>());
      const j = new Map<string, number>();
      x.forEach((t, i) => j.set(`${t},${z[i]}`, (j.get(`${t},${z[i]}`) ?? 0) + 1));
      const cx = c(x);
      const cz = c(z);
      let s = 0;
      for (const [key, v] of j) {
        const [p, q] = key.split(',').map(Number) as [number, number];
        s += (v / n) * Math.log((v * n) / (cx.get(p)! * cz.get(q)!));
      }
      return s;
    };
    const h = (x: number[]) => {
      const c = x.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<number, number>());
      return -[...c.values()].reduce((s, v) => s + (v / n) * Math.log(v / n), 0);
    };
    let total = 0;
    let count = 0;
    const perm = (arr: number[], k: number) => {
      if (k === arr.length) {
        total += mi(a, arr);
        count++;
        return;
      }
      for (let i = k; i < arr.length; i++) {
        [arr[k], arr[i]] = [arr[i]!, arr[k]!];
        perm(arr, k + 1);
        [arr[k], arr[i]] = [arr[i]!, arr[k]!];
      }
    };
    perm([...b], 0);
    const emi = total / count;
    return (mi(a, b) - emi) / ((h(a) + h(b)) / 2 - emi);
  }

  it('matches the permutation expectation on small labelings', () => {
    for (const [a, b] of [[[0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 2, 0]], [[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]], [[1, 1, 0, 2, 2, 2, 0], [0, 0, 0, 1, 1, 1, 1]]] as const) {
      expect(ami([...a], [...b])).toBeCloseTo(amiByPermutations([...a], [...b]), 10);
    }
  });

  it('scikit-learn documentation values: 1 for identical partitions (any relabeling), 0 for a fully split class', () => {
    expect(ami([0, 0, 1, 1], [0, 0, 1, 1])).toBeCloseTo(1, 12);
    expect(ami([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 12);
    expect(ami([0, 0, 0, 0], [0, 1, 2, 3])).toBeCloseTo(0, 12);
  });

  it('AMI of k-means on well-separated clusters is 1; accuracy() reports NMI and AMI with clustering', () => {
    const pts = [[0, 0], [0.1, 0], [0, 0.1], [5, 5], [5.1, 5], [5, 5.1], [-5, 5], [-5.1, 5]];
    const lab = [0, 0, 0, 1, 1, 1, 2, 2];
    expect(amiOfKMeans(pts, lab, { seed: 3 })).toBeCloseTo(1, 12);
    const a = accuracy(pts, lab, { clustering: true, seed: 3, metric: 'euclidean' });
    expect(a.ami).toBeCloseTo(1, 12);
    expect(a.nmi).toBeCloseTo(nmi(lab, lab), 12);
  });

  it('errors are typed', () => {
    expectCleanThrow(() => ami([0, 1], [0]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => knn(X, 0), 'INVALID_PARAMETER');
    expectCleanThrow(() => accuracy(X, Y, { batchSize: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => meanAveragePrecision(X, Y, { k: 1.5 }), 'INVALID_PARAMETER');
  });
});
