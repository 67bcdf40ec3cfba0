// FedLD margin-control loss: float64 reference from the authors' MarginalLogLoss (mean CE + λ log(1 + ‖softmax‖²_F over
// the whole batch matrix)), gradient, stability, ties, bad input, leaks.
import { compile, ready } from '@losskit/core';
import { expectCleanThrow, f32, logSoftmax, randomLabels, randomMatrix, softmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { fedLd } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

function fedLdRef(labels: readonly number[], x: M, lambda: number): number {
  const ce = x.reduce((a, row, i) => a - logSoftmax(row)[labels[i]!]!, 0) / x.length;
  const fro2 = x.reduce((a, row) => a + softmax(row).reduce((s, p) => s + p * p, 0), 0);
  return ce + lambda * Math.log1p(fro2);
}

const x = f32(randomMatrix(5, 4, 81, 2));
const labels = randomLabels(5, 4, 82);
for (const lambda of [0.03, 0.1, 1]) {
  suite({ name: `fedLd({ lambda: ${lambda} })`, loss: compile(fedLd({ lambda })), yTrue: labels, x, ref: (m) => fedLdRef(labels, m, lambda) });
}
// Ties: equal logits in every row (softmax uniform) and a big tie of huge logits.
const ties = [[1, 1, 1, 1], [0, 0, 0, 0], [3, 3, -1, -1]];
suite({ name: 'fedLd at tied logits', loss: compile(fedLd()), yTrue: [0, 2, 1], x: ties, ref: (m) => fedLdRef([0, 2, 1], m, 0.03), big: [[1e4, 1e4, 1e4, 1e4], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -1e4, -1e4]] });

describe('fedLd', () => {
  it('λ = 0 is the mean cross-entropy', () => {
    const a = compile(fedLd({ lambda: 0 }))(labels, x);
    expect(Math.abs(a.dataSync()[0]! - fedLdRef(labels, x, 0))).toBeLessThan(1e-5);
    a.dispose();
  });
  it('the penalty is between λ log(1 + B/C) (uniform rows) and λ log(1 + B) (one-hot rows)', () => {
    const B = 3;
    const C = 4;
    const uniform = compile(fedLd({ lambda: 1 }))([0, 0, 0], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(Math.abs(uniform.dataSync()[0]! - (Math.log(C) + Math.log1p(B / C)))).toBeLessThan(1e-5);
    const peaked = compile(fedLd({ lambda: 1 }))([0, 0, 0], [[60, 0, 0, 0], [60, 0, 0, 0], [60, 0, 0, 0]]);
    expect(Math.abs(peaked.dataSync()[0]! - Math.log1p(B))).toBeLessThan(1e-5);
    uniform.dispose();
    peaked.dispose();
  });
  it('raises typed errors on bad hyperparameters and sample weights (batch level), without leaks', () => {
    expectCleanThrow(() => fedLd({ lambda: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => fedLd({ lambda: NaN }), 'INVALID_PARAMETER');
    const loss = compile(fedLd());
    expectCleanThrow(() => loss(labels, x, [1, 1, 1, 1, 1]), 'INVALID_ARGUMENT');
    expectCleanThrow(() => loss([0, 1, 2, 3, 9], x), 'LABEL_OUT_OF_RANGE');
    expectCleanThrow(() => loss(labels, [[NaN, 0, 0, 0], ...x.slice(1)]), 'NON_FINITE_INPUT');
  });
});
