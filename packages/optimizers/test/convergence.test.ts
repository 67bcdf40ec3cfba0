import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@losskit/core';
import { adabelief, adam, disposeParams, disposeState, lbfgs, lion, lossClosure, momentum, momo, momoAdam, polyakSgd, prodigy, sam, scheduleFreeAdamw, sm3, step, type GradientTransformation, type Params } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

// Rosenbrock f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1), classic start (−1.2, 1).
const rosenbrock = (p: Params) =>
  tf.tidy(() => tf.sum(tf.add(tf.square(tf.sub(1, p.x!)), tf.mul(100, tf.square(tf.sub(p.y!, tf.square(p.x!)))))) as tf.Scalar);
const rosenStart = (): Params => ({ x: tf.tensor1d([-1.2]), y: tf.tensor1d([1]) });
const rosenOpt = [1, 1];

// Ill-conditioned quadratic f(x) = ½ Σ λ_i x_i², λ_i = 10^{3i/9} (i = 0..9, condition number 1000), minimum 0 at 0.
const lambdas = Array.from({ length: 10 }, (_, i) => 10 ** ((3 * i) / 9));
const quadratic = (p: Params) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(lambdas), tf.square(p.x!)))) as tf.Scalar);
const quadStart = (): Params => ({ x: tf.ones([10]) });

function minimize<S>(opt: GradientTransformation<S>, f: (p: Params) => tf.Scalar, start: Params, steps: number): { value: number; point: number[] } {
  let params = start;
  let state = opt.init(params);
  const closure = lossClosure(f);
  for (let k = 0; k < steps; k++) {
    const { value, grads } = closure(params);
    const r = step(opt, params, grads, state, { extra: { value, loss: closure } });
    disposeParams(params);
    disposeParams(grads);
    value.dispose();
    params = r.params;
    state = r.state;
  }
  const v = f(params);
  const out = { value: v.dataSync()[0]!, point: Object.values(params).flatMap((t) => [...t.dataSync()]) };
  v.dispose();
  disposeState(state);
  disposeParams(params);
  return out;
}

const distance = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));

describe('Rosenbrock from (−1.2, 1)', () => {
  it('adam (lr 0.05) reaches f < 1e-6 within 2000 steps', () => {
    const r = minimize(adam({ learningRate: 0.05 }), rosenbrock, rosenStart(), 2000);
    expect(r.value).toBeLessThan(1e-6);
    expect(distance(r.point, rosenOpt)).toBeLessThan(1e-2);
  });
  it('momentum (lr 1.5e-3, μ 0.95) reaches f < 1e-6 within 500 steps', () => {
    const r = minimize(momentum({ learningRate: 1.5e-3, momentum: 0.95 }), rosenbrock, rosenStart(), 500);
    expect(r.value).toBeLessThan(1e-6);
  });
  it('momo (defaults: α 1, f* 0) reaches f < 1e-8 within 1000 steps', () => {
    const r = minimize(momo(), rosenbrock, rosenStart(), 1000);
    expect(r.value).toBeLessThan(1e-8);
  });
  it('momoAdam (α 0.1) reaches f < 1e-4 within 1000 steps', () => {
    const r = minimize(momoAdam({ learningRate: 0.1 }), rosenbrock, rosenStart(), 1000);
    expect(r.value).toBeLessThan(1e-4);
  });
  it('sam(adam, ρ 0.002) ends within 0.05 of (1, 1) with f < 1e-3 after 2000 steps (SAM settles where ∇f(θ + ε̂) = 0, near but not at the minimum)', () => {
    const r = minimize(sam(adam({ learningRate: 0.05 }), { rho: 0.002 }), rosenbrock, rosenStart(), 2000);
    expect(r.value).toBeLessThan(1e-3);
    expect(distance(r.point, rosenOpt)).toBeLessThan(0.05);
  });
});

describe('ill-conditioned quadratic (κ = 1000, 10 dims) from x = 1', () => {
  it('adam (lr 0.05) reaches f < 1e-8 within 300 steps', () => {
    expect(minimize(adam({ learningRate: 0.05 }), quadratic, quadStart(), 300).value).toBeLessThan(1e-8);
  });
  it('momentum (lr 1.9e-3, μ 0.95) reaches f < 1e-6 within 500 steps', () => {
    expect(minimize(momentum({ learningRate: 1.9e-3, momentum: 0.95 }), quadratic, quadStart(), 500).value).toBeLessThan(1e-6);
  });
  it('momo (defaults) reaches f < 1e-8 within 500 steps', () => {
    expect(minimize(momo(), quadratic, quadStart(), 500).value).toBeLessThan(1e-8);
  });
  it('sam(momentum, ρ 0.01) ends within 2ρ of the minimum after 500 steps', () => {
    const r = minimize(sam(momentum({ learningRate: 1e-3, momentum: 0.9 }), { rho: 0.01 }), quadratic, quadStart(), 500);
    expect(distance(r.point, new Array(10).fill(0))).toBeLessThan(0.02);
  });
});

// The README's convergence table (scripts/convergence.mjs) on the same problems: a few of its claims, as tests.
const lambdas4 = Array.from({ length: 10 }, (_, i) => 10 ** ((4 * i) / 9));
const quadratic4 = (p: Params) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(lambdas4), tf.square(p.x!)))) as tf.Scalar);

describe('convex quadratic with condition number 1e4 (10 dims) from x = 1', () => {
  const cases: [string, () => GradientTransformation<any>, number, number][] = [
    ['adabelief (lr 0.1)', () => adabelief({ learningRate: 0.1 }), 500, 1e-8],
    ['scheduleFreeAdamw (lr 0.1)', () => scheduleFreeAdamw({ learningRate: 0.1 }), 500, 1e-8],
    ['prodigy (defaults)', () => prodigy(), 500, 1e-8],
    ['sm3 (lr 1)', () => sm3({ learningRate: 1 }), 500, 1e-8],
    ['lion (lr 0.01)', () => lion({ learningRate: 0.01 }), 500, 1e-6],
    ['lbfgs (zoom line search), still finite after converging', () => lbfgs(), 500, 1e-6],
  ];
  for (const [name, make, steps, tol] of cases) {
    it(`${name}: f < ${tol} after ${steps} steps`, () => {
      const v = minimize(make(), quadratic4, quadStart(), steps).value;
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeLessThan(tol);
    }, 60_000);
  }
});

describe('Rosenbrock from (−1.2, 1), new optimizers', () => {
  it('lbfgs reaches f < 1e-10 within 100 steps', () => {
    expect(minimize(lbfgs(), rosenbrock, rosenStart(), 100).value).toBeLessThan(1e-10);
  });
  it('polyakSgd (f* = 0) reaches f < 1e-8 within 2000 steps', () => {
    expect(minimize(polyakSgd(), rosenbrock, rosenStart(), 2000).value).toBeLessThan(1e-8);
  });
  it('adabelief (lr 0.1) reaches f < 1e-8 within 2000 steps', () => {
    expect(minimize(adabelief({ learningRate: 0.1 }), rosenbrock, rosenStart(), 2000).value).toBeLessThan(1e-8);
  });
});
