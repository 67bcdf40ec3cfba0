import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import {
  adabelief, adadelta, adafactor, adagrad, adam, adamax, adamaxw, adamw, adan, amsgrad, applyUpdates, disposeParams, disposeState, fromage, lamb, lars, lbfgs,
  lion, lossClosure, nadam, nadamw, novograd, optimisticGradientDescent, polyakSgd, radam, rmsprop, sgd, signSgd, sm3, yogi,
  type GradientTransformation, type Params,
} from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** Python's '{:.2E}' format: 1.40E+01. */
const pyE = (x: number) => x.toExponential(2).toUpperCase().replace(/E([+-])(\d)$/, 'E$10$2');

/** Runs the docstring loop of optax's examples: f(x) = Σx² from x = [1, 2, 3], printing f after each update. */
function objectives<S>(opt: GradientTransformation<S>, steps = 5): string[] {
  return values(opt, steps).map(pyE);
}

function values<S>(opt: GradientTransformation<S>, steps = 5): number[] {
  const f = (p: Params) => tf.sum(tf.square(p.x!)) as tf.Scalar;
  const closure = lossClosure(f);
  let params: Params = { x: tf.tensor1d([1, 2, 3]) };
  let state = opt.init(params);
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    const { value, grads } = closure(params);
    const r = opt.update(grads, state, params, { value, loss: closure });
    const next = applyUpdates(params, r.updates);
    [r.updates, grads, params].forEach(disposeParams);
    value.dispose();
    disposeState(state);
    params = next;
    state = r.state;
    const v = f(params);
    out.push(v.dataSync()[0]!);
    v.dispose();
  }
  disposeParams(params);
  disposeState(state);
  return out;
}

// Published in the Examples sections of google-deepmind/optax optax/_src/alias.py (commit 2edbcbe2390da13983b92cbef94ac0460ecde1c5):
// `solver = optax.<name>(...)`, 5 updates on f(x) = Σx² from [1, 2, 3], `print('{:.2E}'.format(f(params)))`.
// Options we pass that differ from our defaults are optax's defaults (lion's weight decay 1e-3).
const published: [string, () => GradientTransformation<any>, string[]][] = [
  ['adabelief(0.003)', () => adabelief({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.38E+01', '1.38E+01']],
  ['adadelta(10)', () => adadelta({ learningRate: 10 }), ['1.36E+01', '1.32E+01', '1.29E+01', '1.25E+01', '1.21E+01']],
  ['adafactor(0.003)', () => adafactor({ learningRate: 0.003 }), ['1.39E+01', '1.38E+01', '1.38E+01', '1.37E+01', '1.36E+01']],
  ['adagrad(1.0)', () => adagrad({ learningRate: 1 }), ['5.01E+00', '2.40E+00', '1.25E+00', '6.86E-01', '3.85E-01']],
  ['adam(0.003)', () => adam({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
  ['nadam(0.003)', () => nadam({ learningRate: 0.003 }), ['1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01', '1.38E+01']],
  ['adamw(0.003)', () => adamw({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
  ['nadamw(0.003)', () => nadamw({ learningRate: 0.003 }), ['1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01', '1.38E+01']],
  ['adan(0.1)', () => adan({ learningRate: 0.1 }), ['1.28E+01', '1.17E+01', '1.07E+01', '9.68E+00', '8.76E+00']],
  ['lion(0.003, wd 1e-3)', () => lion({ learningRate: 0.003, weightDecay: 1e-3 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
  ['amsgrad(0.003)', () => amsgrad({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
  ['fromage(0.003)', () => fromage({ learningRate: 0.003 }), ['1.39E+01', '1.38E+01', '1.37E+01', '1.37E+01', '1.36E+01']],
  ['lars(0.003)', () => lars({ learningRate: 0.003 }), ['1.40E+01', '1.40E+01', '1.40E+01', '1.40E+01', '1.40E+01']],
  ['lamb(0.003)', () => lamb({ learningRate: 0.003 }), ['1.39E+01', '1.38E+01', '1.38E+01', '1.37E+01', '1.36E+01']],
  ['signSgd(0.003)', () => signSgd({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
  ['novograd(0.003)', () => novograd({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.38E+01', '1.37E+01']],
  ['optimisticGradientDescent(0.003)', () => optimisticGradientDescent({ learningRate: 0.003 }), ['1.38E+01', '1.37E+01', '1.35E+01', '1.33E+01', '1.32E+01']],
  ['radam(0.003)', () => radam({ learningRate: 0.003 }), ['1.38E+01', '1.37E+01', '1.35E+01', '1.33E+01', '1.32E+01']],
  ['rmsprop(0.003)', () => rmsprop({ learningRate: 0.003 }), ['1.39E+01', '1.38E+01', '1.37E+01', '1.37E+01', '1.36E+01']],
  ['sgd(0.003)', () => sgd({ learningRate: 0.003 }), ['1.38E+01', '1.37E+01', '1.35E+01', '1.33E+01', '1.32E+01']],
  ['sm3(0.003)', () => sm3({ learningRate: 0.003 }), ['1.40E+01', '1.40E+01', '1.40E+01', '1.40E+01', '1.40E+01']],
  ['yogi(0.002)', () => yogi({ learningRate: 0.002 }), ['1.40E+01', '1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01']],
  ['adamax(0.003)', () => adamax({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
  ['adamaxw(0.003)', () => adamaxw({ learningRate: 0.003 }), ['1.40E+01', '1.39E+01', '1.39E+01', '1.39E+01', '1.38E+01']],
];
// Not listed: noisy_sgd (JAX's PRNG stream), and rprop: optax's scale_by_rprop returns the *previous* step
// (`jnp.where(s < 0, 0, prev_g)` with prev_g = state.prev_updates, transform.py at the commit above), so its printed
// values lag one update behind the algorithm of Riedmiller & Braun; ours follows the paper (tested in aliases.test.ts).

describe("optax's published docstring values (f = Σx² from [1, 2, 3], 5 updates, '{:.2E}')", () => {
  for (const [name, make, want] of published) {
    it(name, () => {
      expect(objectives(make())).toEqual(want);
    });
  }

  it('polyakSgd(): 3.5, 0.875, 0.21875, 0.0546875, 0.013671875 (exact: each step halves x)', () => {
    const got = values(polyakSgd());
    [3.5, 0.875, 0.21875, 0.0546875, 0.013671875].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
  });

  it('lbfgs(): 7.52E+00 after the first update, then the minimum (optax prints 7.46E-14 in float32)', () => {
    const got = objectives(lbfgs(), 2);
    expect(got[0]).toBe('7.52E+00');
    expect(Number(got[1])).toBeLessThan(1e-10);
  });
});
