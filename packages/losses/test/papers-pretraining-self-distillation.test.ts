// Self-distillation for further pre-training (Lee et al., ICLR 2023): the MAE reconstruction loss and the
// representation term, against float64 references written from the authors' trainer.py (seanie12/self-distillation,
// commit 4f6436f: MSELoss(reduction="sum")(student, teacher.detach()) / batch_size) and MAE's forward_loss
// (per-patch MSE over masked patches, norm_pix_loss with the unbiased variance + 1e-6).
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, f32, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { maeReconstruction, representationSelfDistillation } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

function maeRef(pred: M, target: M, mask: number[], norm: boolean): number {
  let num = 0;
  let den = 0;
  pred.forEach((row, n) => {
    let t = target[n]!;
    if (norm) {
      const mean = t.reduce((a, v) => a + v, 0) / t.length;
      const v = t.reduce((a, x) => a + (x - mean) ** 2, 0) / (t.length - 1);
      t = t.map((x) => (x - mean) / Math.sqrt(v + 1e-6));
    }
    const mse = row.reduce((a, x, d) => a + (x - t[d]!) ** 2, 0) / row.length;
    num += mask[n]! * mse;
    den += mask[n]!;
  });
  return den === 0 ? 0 : num / den;
}

const N = 6;
const P = 4;
const patches = f32(randomMatrix(N, P, 41, 1));
const predicted = f32(randomMatrix(N, P, 42, 1));
const mask = [1, 0, 1, 1, 0, 1];

suite({ name: 'maeReconstruction() (norm_pix_loss)', loss: compile(maeReconstruction()), yTrue: patches, x: predicted, opts: { inputs: { mask } }, ref: (x) => maeRef(x, patches, mask, true) });
suite({ name: 'maeReconstruction({ normPixels: false })', loss: compile(maeReconstruction({ normPixels: false })), yTrue: patches, x: predicted, opts: { inputs: { mask } }, ref: (x) => maeRef(x, patches, mask, false) });

const student = f32(randomMatrix(5, 3, 43, 1));
const teacher = f32(randomMatrix(5, 3, 44, 1));
const zeros = new Array(5).fill(0);
const distillRef = (x: M) => x.reduce((a, r, i) => a + r.reduce((s, v, d) => s + (v - teacher[i]![d]!) ** 2, 0), 0) / x.length;
suite({ name: 'representationSelfDistillation()', loss: compile(representationSelfDistillation()), yTrue: zeros, x: student, opts: { inputs: { teacher } }, ref: distillRef });

describe('self-distillation losses', () => {
  it('maeReconstruction counts only the masked patches and gives 0 when none is masked', () => {
    const loss = compile(maeReconstruction());
    const none = loss(patches, predicted, { inputs: { mask: new Array(N).fill(0) } });
    expect(none.dataSync()[0]).toBe(0);
    none.dispose();
    // Changing a visible patch's prediction changes nothing.
    const moved = predicted.map((r, n) => (mask[n] ? r : r.map((v) => v + 100)));
    const a = loss(patches, predicted, { inputs: { mask } });
    const b = loss(patches, moved, { inputs: { mask } });
    expect(b.dataSync()[0]).toBeCloseTo(a.dataSync()[0]!, 6);
    a.dispose();
    b.dispose();
  });

  it('maeReconstruction normalizes a constant patch to zeros (no 0/0)', () => {
    const v = compile(maeReconstruction())([[0.5, 0.5, 0.5]], [[0.1, -0.2, 0.3]], { inputs: { mask: [1] } });
    expect(v.dataSync()[0]).toBeCloseTo((0.01 + 0.04 + 0.09) / 3, 6);
    v.dispose();
  });

  it('the distillation term is the sum of squares divided by the batch size under the mean reduction', () => {
    const v = compile(representationSelfDistillation())(zeros, student, { inputs: { teacher } });
    expect(v.dataSync()[0]).toBeCloseTo(distillRef(student), 5);
    v.dispose();
  });

  it('rejects bad options and inputs with typed errors, cleanly', () => {
    expectCleanThrow(() => maeReconstruction({ normPixels: 'yes' as never }), 'INVALID_PARAMETER');
    expectCleanThrow(() => compile(maeReconstruction())(patches, predicted), 'MISSING_INPUT');
    expectCleanThrow(() => compile(maeReconstruction())(patches, predicted, { inputs: { mask: [1, 0] } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(representationSelfDistillation())(zeros, student, { inputs: { teacher: teacher.slice(1) } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => compile(representationSelfDistillation())(zeros, student, { inputs: { teacher: teacher.map((r) => r.map(() => NaN)) } }), 'NON_FINITE_INPUT');
  });

  it('leaks no tensors', () => {
    const a = compile(maeReconstruction());
    const b = compile(representationSelfDistillation());
    expectNoLeaks(() => {
      a(patches, predicted, { inputs: { mask } }).dispose();
      b(zeros, student, { inputs: { teacher } }).dispose();
    });
  });
});
