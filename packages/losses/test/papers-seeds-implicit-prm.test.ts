// Implicit PRM cross-entropy: float64 reference from the README's CE objective (with the loss's minus sign) and PRIME's
// compute_ce_dpo_loss_rm: BCE(σ(β Σ_t mask (logp − logp_ref)), label); gradient, stability, ties, bad input, leaks.
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { checkGradient, expectCleanThrow, f32, logSigmoid, randomMatrix } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { implicitPrm } from '../src/index.js';
import { type M, suite } from './papers-suite.js';

beforeAll(async () => {
  await ready();
});

function prmRef(policy: M, reference: M, mask: M, label: number[], beta: number): number {
  let total = 0;
  policy.forEach((row, i) => {
    const r = beta * row.reduce((a, lp, t) => a + mask[i]![t]! * (lp - reference[i]![t]!), 0);
    const l = label[i]!;
    total += -(l * logSigmoid(r) + (1 - l) * logSigmoid(-r));
  });
  return total / policy.length;
}

const B = 4;
const T = 5;
const policy = f32(randomMatrix(B, T, 91, 1).map((r) => r.map((v) => -Math.abs(v) - 0.1)));
const reference = f32(randomMatrix(B, T, 92, 1).map((r) => r.map((v) => -Math.abs(v) - 0.1)));
const mask = [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 0, 0, 0, 0]];
const label = [1, 0, 1, 0.3];

for (const beta of [0.05, 1]) {
  suite({
    name: `implicitPrm({ beta: ${beta} })`,
    loss: compile(implicitPrm({ beta })),
    yTrue: mask,
    x: policy,
    opts: { inputs: { reference, label } },
    ref: (m) => prmRef(m, reference, mask, label, beta),
  });
}
// Ties: policy equal to the reference (r = 0, the loss is log 2 whatever the label).
suite({ name: 'implicitPrm at policy = reference', loss: compile(implicitPrm()), yTrue: mask, x: reference, opts: { inputs: { reference, label } }, ref: (m) => prmRef(m, reference, mask, label, 0.05) });

describe('implicitPrm', () => {
  it('is log 2 per response where the policy equals the reference', () => {
    const v = compile(implicitPrm())(mask, reference, { inputs: { reference, label } });
    expect(Math.abs(v.dataSync()[0]! - Math.LN2)).toBeLessThan(1e-6);
    v.dispose();
  });

  it('equals PRIME’s compute_ce_dpo_loss_rm, binary_cross_entropy(sigmoid(β Σ_t scores), acc), with soft accuracies (β = 0.1)', () => {
    // Token scores (logp − logp_ref) and accuracies as in a public unit test of PRIME's function; the reference is 0 here.
    const scores = [
      [0.1, 0.3, 0.6, -0.1, 0.2, 0.5, 0.1, 0.3, 0.6, -0.1],
      [0.1, 0.3, 0.6, -0.4, 0.9, -0.1, 0.2, 0.5, 0.1, 0.3],
      [0.1, 0.3, 0.6, -0.1, 0.2, 0.7, 1.0, 0.2, 0.5, 0.1],
      [0.1, 0.3, 0.6, -0.1, 0.2, 0.5, 0.1, 0.5, 0.1, 0.3],
    ];
    const acc = [0.8, 0.3, 1.0, 0.0];
    const ones = scores.map((r) => r.map(() => 1));
    const zeros = scores.map((r) => r.map(() => 0));
    // torch.nn.functional.binary_cross_entropy(sigmoid(0.1·Σ scores), acc), mean over the batch, in float64.
    const want = scores.reduce((a, r, i) => {
      const p = 1 / (1 + Math.exp(-0.1 * r.reduce((s, v) => s + v, 0)));
      return a - (acc[i]! * Math.log(p) + (1 - acc[i]!) * Math.log(1 - p));
    }, 0) / 4;
    const v = compile(implicitPrm({ beta: 0.1 }))(ones, scores, { inputs: { reference: zeros, label: acc } });
    expect(Math.abs(v.dataSync()[0]! - want) / want).toBeLessThan(1e-5);
    v.dispose();
  });

  it('masked (padding) tokens do not matter: neither value nor gradient depends on them', () => {
    const loss = compile(implicitPrm({ beta: 1 }));
    const changed = policy.map((r, i) => r.map((v, t) => (mask[i]![t] ? v : v - 7)));
    const a = loss(mask, policy, { inputs: { reference, label } });
    const b = loss(mask, changed, { inputs: { reference, label } });
    expect(Math.abs(a.dataSync()[0]! - b.dataSync()[0]!)).toBeLessThan(1e-6);
    const { grad, value } = loss.valueAndGrad(mask, policy, { inputs: { reference, label } });
    const g = grad.arraySync() as number[][];
    g.forEach((row, i) => row.forEach((v, t) => (mask[i]![t] ? undefined : expect(Math.abs(v)).toBe(0))));
    tf.dispose([a, b, grad, value]);
  });

  it('passes a gradient check with respect to the reference log-probabilities too', () => {
    const loss = compile(implicitPrm({ beta: 0.5 }));
    const ref = tf.tensor2d(reference);
    const r = checkGradient((t) => loss(mask, policy, { inputs: { reference: t, label } }), ref, { reference: (flat) => prmRef(policy, reference.map((row, i) => row.map((_, t) => flat[i * T + t]!)), mask, label, 0.5) });
    ref.dispose();
    expect(r.ok, `worst ${r.worst}`).toBe(true);
  });

  it('raises typed errors without leaking: labels outside [0, 1], mask outside [0, 1], missing inputs, bad β or names', () => {
    const loss = compile(implicitPrm());
    expect(expectCleanThrow(() => loss(mask, policy, { inputs: { reference, label: [1, 0, 2, 0] } }), 'INVALID_ARGUMENT').argument).toBe('inputs.label');
    expect(expectCleanThrow(() => loss(mask.map((r) => r.map((v) => v * 3)), policy, { inputs: { reference, label } }), 'INVALID_ARGUMENT').argument).toBe('yTrue');
    expectCleanThrow(() => loss(mask, policy, { inputs: { label } }), 'MISSING_INPUT');
    expectCleanThrow(() => loss(mask, policy, { inputs: { reference } }), 'MISSING_INPUT');
    expectCleanThrow(() => loss(mask, policy, { inputs: { reference: reference.slice(1), label } }), 'SHAPE_MISMATCH');
    expectCleanThrow(() => loss(mask, policy, { inputs: { reference, label: [1, NaN, 0, 0] } }), 'NON_FINITE_INPUT');
    expectCleanThrow(() => implicitPrm({ beta: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => implicitPrm({ reference: 'not a name' }), 'INVALID_PARAMETER');
  });
});
