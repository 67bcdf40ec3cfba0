// IGNITE: the step's gradient ∇L + λ(ρ/r)(∇G(θ + r g/‖g‖) − g) and multiplier update λ + η(ρ‖g‖ − ε) against a
// float64 reference written from the authors' train_step, for a tanh surrogate with closed-form gradients; the
// correction against finite differences of ‖∇G‖ (the Hessian-vector product it approximates); Variables and a
// tfjs-layers model; ±1e4; ∇G = 0; bad input; leaks.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compile, ready, square } from '@losskit/core';
import { expectCleanThrow, expectNoLeaks, numericGradient } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { igniteInit, igniteStep } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const X = [[0.5, -1, 0.3], [1, 0.2, -0.7], [-0.3, 0.8, 0.9], [0.6, 0.6, -0.2]];
const Y = [0.4, 1.1, -0.2, 0.3];
const W0 = [0.3, -0.2, 0.5];
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const f64 = (w: number[]) => X.map((x) => Math.tanh(dot(x, w)));
/** ∇_w mean_i (tanh(x_i·w) − y_i)². */
const gradL = (w: number[]) => {
  const f = f64(w);
  return w.map((_, k) => X.reduce((s, x, i) => s + 2 * (f[i]! - Y[i]!) * (1 - f[i]! ** 2) * x[k]!, 0) / X.length);
};
/** ∇_w G, G(w) = mean_i tanh(x_i·w). */
const gradG = (w: number[]) => {
  const f = f64(w);
  return w.map((_, k) => X.reduce((s, x, i) => s + (1 - f[i]! ** 2) * x[k]!, 0) / X.length);
};
const norm = (v: number[]) => Math.sqrt(dot(v, v));
function stepRef(w: number[], lambda: number, rho: number, r: number, eps: number, eta: number) {
  const g = gradG(w);
  const n = norm(g);
  const gHat = gradG(w.map((v, k) => v + (r * g[k]!) / n));
  const grads = gradL(w).map((v, k) => v + ((lambda * rho) / r) * (gHat[k]! - g[k]!));
  return { grads, sharpness: rho * n, lambda: lambda + eta * (rho * n - eps) };
}

const x = () => tf.tensor2d(X);
const y = () => tf.tensor1d(Y);
const mse = compile(square().mean());
const lossOf = (xt: tf.Tensor, yt: tf.Tensor) => (p: Record<string, tf.Tensor>) => mse(tf.reshape(yt, [-1, 1]), tf.tanh(tf.matMul(xt, p.w!)));
const predOf = (xt: tf.Tensor) => (p: Record<string, tf.Tensor>) => tf.tanh(tf.matMul(xt, p.w!));

describe('igniteStep', () => {
  it('matches the float64 reference of the authors’ train_step (gradient, sharpness, λ update)', () => {
    const xt = x();
    const yt = y();
    const w = tf.tensor2d(W0, [3, 1]);
    for (const [lambda, opts] of [[1e-3, {}], [0.7, { rho: 0.2, r: 0.1, epsilon: 0.01, etaLambda: 0.5 }]] as const) {
      const s = igniteStep({ w }, lossOf(xt, yt), predOf(xt), { lambda }, opts);
      const o = { rho: 0.05, r: 0.05, epsilon: 0.1, etaLambda: 1e-3, ...opts };
      const ref = stepRef(W0, lambda, o.rho, o.r, o.epsilon, o.etaLambda);
      const got = Array.from(s.grads.w!.dataSync());
      got.forEach((v, k) => expect(Math.abs(v - ref.grads[k]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.grads[k]!))));
      expect(Math.abs(s.sharpness - ref.sharpness) / ref.sharpness).toBeLessThan(1e-5);
      expect(Math.abs(s.state.lambda - ref.lambda)).toBeLessThan(1e-7);
      expect(Math.abs(s.value.dataSync()[0]! - Y.reduce((a, v, i) => a + (f64(W0)[i]! - v) ** 2, 0) / 4)).toBeLessThan(1e-6);
      tf.dispose([s.value, s.grads.w!]);
    }
    tf.dispose([xt, yt, w]);
  });

  it('its correction λ(ρ/r)(∇G(θ̂) − ∇G) is the finite-difference form of λρ ∇‖∇G‖ (checked against numeric derivatives at r = 1e-3)', () => {
    const xt = x();
    const yt = y();
    const w = tf.tensor2d(W0, [3, 1]);
    const lambda = 1;
    const rho = 1;
    const s = igniteStep({ w }, lossOf(xt, yt), predOf(xt), { lambda }, { rho, r: 1e-3 });
    const hv = numericGradient((v) => norm(gradG(Array.from(v))), W0);
    const want = gradL(W0).map((v, k) => v + lambda * rho * hv[k]!);
    Array.from(s.grads.w!.dataSync()).forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(2e-3));
    tf.dispose([s.value, s.grads.w!, xt, yt, w]);
  });

  it('λ follows the authors’ unprojected dual ascent: it turns negative when the sharpness stays under ε', () => {
    const xt = x();
    const yt = y();
    const w = tf.tensor2d(W0, [3, 1]);
    const s = igniteStep({ w }, lossOf(xt, yt), predOf(xt), { lambda: 0 }, { epsilon: 10, etaLambda: 1 });
    expect(s.state.lambda).toBeLessThan(0);
    tf.dispose([s.value, s.grads.w!, xt, yt, w]);
  });

  it('with ∇G = 0 (a prediction that does not depend on θ) the gradient is ∇L', () => {
    const xt = x();
    const yt = y();
    const w = tf.tensor2d(W0, [3, 1]);
    const s = igniteStep({ w }, lossOf(xt, yt), () => tf.ones([4, 1]), igniteInit(0.5));
    Array.from(s.grads.w!.dataSync()).forEach((v, k) => expect(Math.abs(v - gradL(W0)[k]!)).toBeLessThan(1e-6));
    expect(s.sharpness).toBe(0);
    tf.dispose([s.value, s.grads.w!, xt, yt, w]);
  });

  it('moves tf.Variables in place to θ̂ and restores them exactly; same result as plain tensors', () => {
    const xt = x();
    const yt = y();
    const wv = tf.variable(tf.tensor2d(W0, [3, 1]));
    const before = Array.from(wv.dataSync());
    // The functions read the Variable directly (as a tfjs-layers model reads its weights), not their argument.
    const s = igniteStep({ w: wv }, () => mse(tf.reshape(yt, [-1, 1]), tf.tanh(tf.matMul(xt, wv))), () => tf.tanh(tf.matMul(xt, wv)), { lambda: 0.7 }, { r: 0.1 });
    expect(Array.from(wv.dataSync())).toEqual(before);
    const ref = stepRef(W0, 0.7, 0.05, 0.1, 0.1, 1e-3);
    Array.from(s.grads.w!.dataSync()).forEach((v, k) => expect(Math.abs(v - ref.grads[k]!)).toBeLessThan(1e-5));
    tf.dispose([s.value, s.grads.w!, xt, yt, wv]);
  });

  it('trains a tfjs-layers model: one step per batch through its trainable Variables, loss decreasing', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 4, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }), tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) })] });
    const vars: Record<string, tf.Tensor> = {};
    for (const w of model.trainableWeights) vars[w.name] = w.read();
    const xt = x();
    const yt = tf.reshape(y(), [-1, 1]);
    const forward = () => model.apply(xt) as tf.Tensor;
    let state = igniteInit();
    const losses: number[] = [];
    for (let t = 0; t < 30; t++) {
      const s = igniteStep(vars, () => mse(yt, forward()), forward, state);
      losses.push(s.value.dataSync()[0]!);
      for (const [k, v] of Object.entries(vars)) (v as tf.Variable).assign(tf.tidy(() => tf.sub(v, tf.mul(s.grads[k]!, 0.2))));
      state = s.state;
      tf.dispose([s.value, ...Object.values(s.grads)]);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    tf.dispose([xt, yt]);
    model.dispose();
  });

  it('is finite at ±1e4 inputs (a linear surrogate: ∇G is constant, the correction is 0)', () => {
    const xt = tf.tensor2d(X.map((r) => r.map((v) => v * 1e4)));
    const yt = tf.tensor2d(Y.map((v) => [v * 1e4]));
    const w = tf.tensor2d(W0, [3, 1]);
    const s = igniteStep({ w }, (p) => mse(yt, tf.matMul(xt, p.w!)), (p) => tf.matMul(xt, p.w!), { lambda: 1 });
    expect(Array.from(s.grads.w!.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(s.state.lambda)).toBe(true);
    tf.dispose([s.value, s.grads.w!, xt, yt, w]);
  });

  it('raises typed errors without leaking and leaves the tape clean', () => {
    const xt = x();
    const yt = y();
    const w = tf.tensor2d(W0, [3, 1]);
    const L = lossOf(xt, yt);
    const P = predOf(xt);
    const st = igniteInit();
    const ints = tf.tensor1d([1, 2], 'int32');
    expectCleanThrow(() => igniteStep({}, L, P, st), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w: [1] as never }, L, P, st), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w: ints }, L, P, st), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w }, 'loss' as never, P, st), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w }, L, undefined as never, st), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w }, (p) => tf.matMul(xt, p.w!), P, st), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w }, L, P, { lambda: NaN }), 'INVALID_PARAMETER');
    expectCleanThrow(() => igniteStep({ w }, L, P, null as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => igniteStep({ w }, L, P, st, { rho: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => igniteStep({ w }, L, P, st, { r: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => igniteStep({ w }, L, P, st, { epsilon: -1 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => igniteStep({ w }, (p) => tf.mul(tf.sum(p.w!), NaN) as tf.Scalar, P, st), 'NON_FINITE_OUTPUT');
    expectCleanThrow(() => igniteInit(Infinity), 'INVALID_PARAMETER');
    tf.dispose([xt, yt, w, ints]);
  });

  it('leaks no tensors over many steps', () => {
    const xt = x();
    const yt = y();
    const w = tf.tensor2d(W0, [3, 1]);
    expectNoLeaks(() => {
      let st = igniteInit();
      for (let i = 0; i < 10; i++) {
        const s = igniteStep({ w }, lossOf(xt, yt), predOf(xt), st);
        st = s.state;
        tf.dispose([s.value, s.grads.w!]);
      }
    });
    tf.dispose([xt, yt, w]);
  });
});
