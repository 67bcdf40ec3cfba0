// PML's loss wrappers: SelfSupervisedLoss (symmetric and asymmetric) and CrossBatchMemory with its caller-held queue,
// against float64 loops over the pairs PML forms (losses/self_supervised_loss.py, losses/cross_batch_memory.py and
// utils/loss_and_miner_utils.py `remove_self_comparisons` @216a792).
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  angular, arcFace, batchHard, contrastive, crossBatchMemory, crossBatchMemoryState, euclidean, ntXent, perAnchor, selfSupervised, supCon, tripletMargin,
} from '../src/index.js';
import * as R from './reference.js';

beforeAll(async () => {
  await ready();
});

type M = number[][];
const B = 5;
const D = 3;
const V1 = f32(randomMatrix(B, D, 301));
const V2 = f32(randomMatrix(B, D, 302));
const ids = [0, 1, 2, 3, 4];
const close = (got: number, want: number, tol = 1e-5) => {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(Math.abs(want), 1e-2));
};
const mean = (v: number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : 0);
const nonZeroMean = (v: number[]) => mean(v.filter((x) => x > 0));

/** Contrastive (euclidean, m⁺ 0, m⁻ 1, non-zero means) over explicit query × reference pairs. */
function contrastiveRect(q: M, r: M, qy: number[], ry: number[], self: number[]): number {
  const lp: number[] = [];
  const ln: number[] = [];
  q.forEach((a, i) => r.forEach((b, j) => {
    const d = R.euc(a, b);
    if (qy[i] === ry[j] && j !== self[i]) lp.push(Math.max(0, d));
    else if (qy[i] !== ry[j]) ln.push(Math.max(0, 1 - d));
  }));
  return nonZeroMean(lp) + nonZeroMean(ln);
}

describe('selfSupervised', () => {
  it('symmetric (default): the loss on both views stacked with labels [0..B−1, 0..B−1]', () => {
    const loss = compile(selfSupervised(ntXent({ temperature: 0.3 })), { from: 'embeddings' });
    const v = loss(ids, V1, { inputs: { augmented: V2 } });
    close(v.dataSync()[0]!, R.ntXentRef([...V1, ...V2], [...ids, ...ids], 0.3, { kind: 'none' }));
    v.dispose();
  });

  it('symmetric with a square-only loss (angular) and a miner; yTrue is not read', () => {
    const a = compile(selfSupervised(supCon({ miner: batchHard() })), { from: 'embeddings' });
    const r1 = a([9, 9, 9, 9, 9], V1, { inputs: { augmented: V2 } });
    const r2 = a(ids, V1, { inputs: { augmented: V2 } });
    expect(r1.dataSync()[0]).toBe(r2.dataSync()[0]);
    close(r1.dataSync()[0]!, R.supConRef([...V1, ...V2], [...ids, ...ids], 0.1, { kind: 'batchHard' }));
    tf.dispose([r1, r2]);
    const ang = compile(selfSupervised(angular()), { from: 'embeddings' })(ids, V1, { inputs: { augmented: V2 } });
    expect(Number.isFinite(ang.dataSync()[0]!)).toBe(true);
    ang.dispose();
  });

  it('asymmetric: view 1 queries view 2, the positive of row i is column i (PML ref_emb)', () => {
    const loss = compile(selfSupervised(contrastive(), { symmetric: false }), { from: 'embeddings' });
    const v = loss(ids, V1, { inputs: { augmented: V2 } });
    close(v.dataSync()[0]!, contrastiveRect(V1, V2, ids, ids, [-1, -1, -1, -1, -1]));
    v.dispose();
  });

  it('gradients reach both views (finite differences of the float64 reference)', () => {
    const loss = compile(selfSupervised(ntXent({ temperature: 0.5 })), { from: 'embeddings' });
    const x1 = tf.tensor2d(V1);
    const x2 = tf.tensor2d(V2);
    const unflat = (v: Float64Array) => Array.from({ length: B }, (_, i) => Array.from(v.slice(i * D, (i + 1) * D)));
    const g1 = checkGradient((t) => loss(ids, t, { inputs: { augmented: x2 } }), x1, { reference: (v) => R.ntXentRef([...unflat(v), ...V2], [...ids, ...ids], 0.5, { kind: 'none' }) });
    const g2 = checkGradient((t) => loss(ids, x1, { inputs: { augmented: t } }), x2, { reference: (v) => R.ntXentRef([...V1, ...unflat(v)], [...ids, ...ids], 0.5, { kind: 'none' }) });
    tf.dispose([x1, x2]);
    expect(g1.ok && g2.ok, `worst ${g1.worst}, ${g2.worst}`).toBe(true);
  });

  it('refuses non-pair losses, per-anchor reducers, and square-only losses when asymmetric', () => {
    expectCleanThrow(() => selfSupervised(arcFace() as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => selfSupervised(contrastive({ reducer: perAnchor() }) as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => selfSupervised(angular(), { symmetric: false }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => selfSupervised(ntXent(), { symmetric: 1 as never }), 'INVALID_PARAMETER');
  });
});

describe('crossBatchMemory', () => {
  const batches = [0, 1, 2].map((k) => ({ e: f32(randomMatrix(4, D, 400 + k)), y: [k % 2, 1, 2, (k + 1) % 3] }));

  it('three batches through a memory of 6: the queue wraps, each query skips its own slot (remove_self_comparisons)', () => {
    const state = crossBatchMemoryState({ memorySize: 6 });
    const loss = compile(crossBatchMemory(contrastive()), { from: 'embeddings' });
    const mem: { e: number[]; y: number; slot: number }[] = [];
    let pos = 0;
    for (const { e, y } of batches) {
      const self: number[] = [];
      e.forEach((row, i) => {
        const slot = (pos + i) % 6;
        const at = mem.findIndex((m) => m.slot === slot);
        if (at >= 0) mem.splice(at, 1);
        mem.push({ e: row, y: y[i]!, slot });
        self.push(slot);
      });
      pos = (pos + e.length) % 6;
      mem.sort((a, b) => a.slot - b.slot);
      const { inputs } = state.update(e, y);
      expect(Array.from(inputs.cbmLabels)).toEqual(mem.map((m) => m.y));
      expect(Array.from(inputs.cbmSelf)).toEqual(self);
      const v = loss(y, e, { inputs });
      close(v.dataSync()[0]!, contrastiveRect(e, mem.map((m) => m.e), y, mem.map((m) => m.y), self));
      v.dispose();
    }
    expect(state.filled).toBe(6);
  });

  it('triplets against the memory (tripletMargin + batchHard), and the gradient flows to the queries only', () => {
    const state = crossBatchMemoryState({ memorySize: 16 });
    state.update(batches[0]!.e, batches[0]!.y);
    const { e, y } = batches[1]!;
    const { inputs } = state.update(e, y);
    const memE = [...batches[0]!.e, ...e];
    const memY = [...batches[0]!.y, ...y];
    const self = [4, 5, 6, 7];
    const ref = (q: M, memory: M) => {
      const l: number[] = [];
      q.forEach((a, i) => {
        let hp = -1;
        let hn = -1;
        memory.forEach((b, j) => {
          const d = R.euc(a, b);
          if (memY[j] === y[i] && j !== self[i] && (hp < 0 || d > R.euc(a, memory[hp]!))) hp = j;
          if (memY[j] !== y[i] && (hn < 0 || d < R.euc(a, memory[hn]!))) hn = j;
        });
        if (hp >= 0 && hn >= 0) l.push(Math.max(0, R.euc(a, memory[hp]!) - R.euc(a, memory[hn]!) + 0.4));
      });
      return nonZeroMean(l);
    };
    const loss = compile(crossBatchMemory(tripletMargin({ margin: 0.4, miner: batchHard() })), { from: 'embeddings' });
    const v = loss(y, e, { inputs });
    const want = ref(e, memE);
    expect(want).toBeGreaterThan(1e-3);
    close(v.dataSync()[0]!, want);
    v.dispose();
    const x = tf.tensor2d(e);
    // the memory (with this batch's copy) is constant: only the query side moves
    const g = checkGradient((t) => loss(y, t, { inputs }), x, { reference: (v2) => ref(Array.from({ length: 4 }, (_, i) => Array.from(v2.slice(i * D, (i + 1) * D))), memE) });
    x.dispose();
    expect(g.ok, `worst ${g.worst}`).toBe(true);
  });

  it('per-anchor reducers give one value per query; no tensors leak', () => {
    const state = crossBatchMemoryState({ memorySize: 8 });
    const loss = compile(crossBatchMemory(contrastive({ reducer: perAnchor() })), { from: 'embeddings' });
    const { inputs } = state.update(batches[0]!.e, batches[0]!.y);
    const per = expectNoLeaks(() => {
      const t = loss.perSample(batches[0]!.y, batches[0]!.e, { inputs });
      const out = Array.from(t.dataSync());
      t.dispose();
      return out;
    });
    expect(per.length).toBe(4);
  });

  it('errors: square-only losses, a batch larger than the memory, mismatched self slots, a changed width', () => {
    expectCleanThrow(() => crossBatchMemory(angular()), 'INVALID_ARGUMENT');
    expectCleanThrow(() => crossBatchMemoryState({ memorySize: 2 }).update(batches[0]!.e, batches[0]!.y), 'INVALID_ARGUMENT');
    expectCleanThrow(() => crossBatchMemoryState({ memorySize: 0 }), 'INVALID_PARAMETER');
    const st = crossBatchMemoryState({ memorySize: 8 });
    const { inputs } = st.update(batches[0]!.e, batches[0]!.y);
    const loss = compile(crossBatchMemory(contrastive({ distance: euclidean() })), { from: 'embeddings' });
    expectCleanThrow(() => loss(batches[0]!.y, batches[0]!.e, { inputs: { ...inputs, cbmSelf: Int32Array.from([1, 0, 2, 3]) } }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loss.valueAndGrad([0, 1, 2], batches[0]!.e.slice(0, 3), { inputs }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => st.update([[1, 2]], [0]), 'SHAPE_MISMATCH');
  });
});
