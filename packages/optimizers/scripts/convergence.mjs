// Convergence table of the README: every optimizer on three problems, the best of a small learning-rate grid
// (parameter-free methods: their defaults). Prints a Markdown table. Run after a build:
//   node packages/optimizers/scripts/convergence.mjs > /tmp/table.md
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import * as O from '../dist/index.js';

await ready();

// Rosenbrock f(x, y) = (1 − x)² + 100(y − x²)², start (−1.2, 1), 2,000 steps.
const rosen = (p) => tf.tidy(() => tf.sum(tf.add(tf.square(tf.sub(1, p.x)), tf.mul(100, tf.square(tf.sub(p.y, tf.square(p.x)))))));
// Convex quadratic ½Σλᵢxᵢ², λᵢ = 10^{4i/9} (i = 0..9, condition number 1e4), start x = 1, 500 steps.
const lambdas = Array.from({ length: 10 }, (_, i) => 10 ** ((4 * i) / 9));
const quad = (p) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(lambdas), tf.square(p.x)))));

function minimize(opt, f, start, steps) {
  let params = start();
  let state = opt.init(params);
  const closure = O.lossClosure(f);
  for (let k = 0; k < steps; k++) {
    const { value, grads } = closure(params);
    let r;
    try {
      r = O.step(opt, params, grads, state, { extra: { value, loss: closure }, nonFinite: 'ignore' });
    } finally {
      O.disposeParams(grads);
      value.dispose();
    }
    O.disposeParams(params);
    params = r.params;
    state = r.state;
  }
  const v = f(params);
  const out = v.dataSync()[0];
  v.dispose();
  O.disposeState(state);
  O.disposeParams(params);
  return Number.isFinite(out) ? out : Infinity;
}

// Two moons (512 points, noise 0.1, seeded), MLP 2-16-16-2 tanh, softmax cross-entropy, train() 300 steps of 64.
function moons(n, seed) {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const x = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = Math.PI * rnd();
    const px = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.push([px + 0.1 * gauss(), py + 0.1 * gauss()]);
    y.push(c);
  }
  return { x: tf.tensor2d(x), y: tf.tensor1d(y, 'int32') };
}
const data = moons(512, 7);
const init = () => {
  const g = (shape, seed) => tf.randomNormal(shape, 0, Math.sqrt(1 / shape[0]), 'float32', seed);
  return { w1: g([2, 16], 1), b1: tf.zeros([16]), w2: g([16, 16], 2), b2: tf.zeros([16]), w3: g([16, 2], 3), b3: tf.zeros([2]) };
};
const forward = (p, x) => tf.matMul(tf.tanh(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, p.w1), p.b1)), p.w2), p.b2)), p.w3).add(p.b3);
const ce = (yt, yp) => tf.losses.softmaxCrossEntropy(tf.oneHot(yt, 2), yp);
async function mlp(opt) {
  const params = init();
  const r = await O.train({ params, forward, loss: ce, optimizer: opt, data, steps: 300, batchSize: 64, seed: 1, progress: false, nonFinite: 'skip' });
  const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(forward(r.params, data.x), 1), data.y), 'float32')).dataSync()[0]);
  const loss = tf.tidy(() => ce(data.y, forward(r.params, data.x)).dataSync()[0]);
  O.disposeParams(r.params);
  O.disposeParams(params);
  return { loss: Number.isFinite(loss) ? loss : Infinity, acc };
}

const G = [1e-3, 1e-2, 1e-1];
const G2 = [1e-3, 1e-2, 1e-1, 1];
const F = null; // parameter-free: defaults only
/** [name, (lr) => optimizer, grid]; `lr` is undefined for parameter-free entries. */
const list = [
  ['sgd', (lr) => O.sgd({ learningRate: lr }), [1e-4, 1e-3, 1e-2]],
  ['momentum', (lr) => O.momentum({ learningRate: lr }), [1e-4, 1e-3, 1e-2]],
  ['nesterov', (lr) => O.nesterov({ learningRate: lr }), [1e-4, 1e-3, 1e-2]],
  ['adam', (lr) => O.adam({ learningRate: lr }), G],
  ['adamw', (lr) => O.adamw({ learningRate: lr }), G],
  ['nadam', (lr) => O.nadam({ learningRate: lr }), G],
  ['nadamw', (lr) => O.nadamw({ learningRate: lr }), G],
  ['amsgrad', (lr) => O.amsgrad({ learningRate: lr }), G],
  ['adamax', (lr) => O.adamax({ learningRate: lr }), G],
  ['adamaxw', (lr) => O.adamaxw({ learningRate: lr }), G],
  ['adabelief', (lr) => O.adabelief({ learningRate: lr }), G],
  ['yogi', (lr) => O.yogi({ learningRate: lr }), G],
  ['radam', (lr) => O.radam({ learningRate: lr }), G],
  ['adan', (lr) => O.adan({ learningRate: lr }), G],
  ['lamb', (lr) => O.lamb({ learningRate: lr }), G],
  ['lars', (lr) => O.lars({ learningRate: lr, trustCoefficient: 1e-2 }), G2],
  ['novograd', (lr) => O.novograd({ learningRate: lr }), G],
  ['rmsprop', (lr) => O.rmsprop({ learningRate: lr }), G],
  ['adagrad', (lr) => O.adagrad({ learningRate: lr }), G2],
  ['adadelta', (lr) => O.adadelta({ learningRate: lr }), [1, 10]],
  ['adafactor (relativeStep)', () => O.adafactor({ relativeStep: true }), F],
  ['lion', (lr) => O.lion({ learningRate: lr }), [1e-4, 1e-3, 1e-2]],
  ['signSgd', (lr) => O.signSgd({ learningRate: lr }), [1e-4, 1e-3, 1e-2]],
  ['signum', (lr) => O.signum({ learningRate: lr }), [1e-4, 1e-3, 1e-2]],
  ['fromage', (lr) => O.fromage({ learningRate: lr }), G],
  ['sm3', (lr) => O.sm3({ learningRate: lr }), G2],
  ['rprop', (lr) => O.rprop({ learningRate: lr }), G],
  ['noisySgd', (lr) => O.noisySgd({ learningRate: lr, eta: 1e-4, seed: 1 }), [1e-4, 1e-3, 1e-2]],
  ['optimisticGradientDescent', (lr) => O.optimisticGradientDescent({ learningRate: lr }), [1e-5, 1e-4, 1e-3, 1e-2]],
  ['polyakSgd', () => O.polyakSgd(), F],
  ['lbfgs', () => O.lbfgs(), F],
  ['adopt', (lr) => O.adopt({ learningRate: lr }), G],
  ['ademamix', (lr) => O.ademamix({ learningRate: lr }), G],
  ['scheduleFreeSgd', (lr) => O.scheduleFreeSgd({ learningRate: lr }), [1e-4, 1e-3, 1e-2, 1e-1, 1]],
  ['scheduleFreeAdamw', (lr) => O.scheduleFreeAdamw({ learningRate: lr }), G],
  ['prodigy', () => O.prodigy(), F],
  ['dadaptAdamw', () => O.dadaptAdamw(), F],
  ['dog', () => O.dog(), F],
  ['dowg', () => O.dowg(), F],
  ['cocob', () => O.cocob(), F],
  ['madgrad', (lr) => O.madgrad({ learningRate: lr }), G],
  ['sophia (Hutchinson)', (lr) => O.sophia({ learningRate: lr, updateInterval: 1 }), G],
  ['muon (vectors go to its AdamW)', (lr) => O.muon({ learningRate: lr }), G],
  ['momo', () => O.momo(), F],
  ['gravity', (lr) => O.gravity({ learningRate: lr, seed: 1 }), G],
];

const fmt = (v) => (v === Infinity ? 'diverged' : v < 1e-12 ? '< 1e-12' : v.toExponential(1));
const lrTxt = (lr) => (lr === undefined ? 'defaults' : String(lr));
const only = process.argv.slice(2);
console.log('| optimizer | Rosenbrock f after 2,000 steps (lr) | quadratic κ = 1e4, f after 500 steps (lr) | two moons MLP via train(): loss / accuracy after 300 steps (lr) |');
console.log('| --- | --- | --- | --- |');
for (const [name, make, grid] of list) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  const lrs = grid ?? [undefined];
  let best = [Infinity, undefined];
  let bestQ = [Infinity, undefined];
  let bestM = [{ loss: Infinity, acc: 0 }, undefined];
  for (const lr of lrs) {
    const r = minimize(make(lr), rosen, () => ({ x: tf.tensor1d([-1.2]), y: tf.tensor1d([1]) }), 2000);
    if (r < best[0]) best = [r, lr];
    const q = minimize(make(lr), quad, () => ({ x: tf.ones([10]) }), 500);
    if (q < bestQ[0]) bestQ = [q, lr];
    const m = await mlp(make(lr));
    if (m.loss < bestM[0].loss) bestM = [m, lr];
  }
  console.log(`| \`${name}\` | ${fmt(best[0])} (${lrTxt(best[1])}) | ${fmt(bestQ[0])} (${lrTxt(bestQ[1])}) | ${bestM[0].loss === Infinity ? 'diverged' : `${bestM[0].loss.toFixed(3)} / ${(100 * bestM[0].acc).toFixed(1)}%`} (${lrTxt(bestM[1])}) |`);
}
