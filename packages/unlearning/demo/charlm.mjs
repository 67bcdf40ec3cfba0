// Character-level language model on generated "facts" (name:city.), unlearned with several open-unlearning methods and
// compared with a model retrained without the forget facts (TOFU's protocol at toy scale).
// Run: pnpm --filter @losskit/unlearning demo:charlm   (builds nothing: run `pnpm exec turbo run build` first)
// Writes the table between the charlm markers of packages/unlearning/README.md (pass --no-write to only print it).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ce, ready } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { adam } from '@losskit/optimizers';
import {
  forgetQuality,
  gradientDifference,
  mia,
  meanTokenNll,
  modelUtility,
  npoSequence,
  objective,
  rmu,
  sequenceProbability,
  simNpoSequence,
  exactMemorization,
  truthRatio,
  unlearn,
  wgaTerm,
} from '@losskit/unlearning';

const started = performance.now();
await ready();
tf.setBackend('wasm');

// ── data ────────────────────────────────────────────────────────────────────
const CHARS = ' abcdefghijklmnopqrstuvwxyz:.';
const V = CHARS.length;
const T = 14;
const CITIES = ['paris', 'rome', 'oslo', 'lima', 'cairo', 'quito', 'delhi', 'tokyo'];
const u = rng(7);
const pick = (a) => a[Math.floor(u() * a.length)];
const names = new Set();
while (names.size < 150) names.add(Array.from({ length: 3 + Math.floor(u() * 3) }, (_, i) => pick(i % 2 ? 'aeiou' : 'bcdfghklmnprstvz')).join(''));
const people = [...names].map((name) => ({ name, city: pick(CITIES) }));
const forgetPeople = people.slice(0, 20);
const retainPeople = people.slice(20, 130);
const holdoutPeople = people.slice(130, 150);

/** x: one-hot [N, T, V] of the text, y: [N, T] next-character labels on the answer (after ':'), −100 elsewhere. */
function encode(facts) {
  const x = [];
  const y = [];
  for (const { name, city } of facts) {
    const s = `${name}:${city}.`.padEnd(T + 1, ' ');
    const start = s.indexOf(':');
    x.push(Array.from(s.slice(0, T), (c) => CHARS.indexOf(c)));
    y.push(Array.from({ length: T }, (_, t) => (t >= start && t < start + city.length + 1 ? CHARS.indexOf(s[t + 1]) : -100)));
  }
  // Each position sees the one-hot window of the T characters up to it (zeros before the start): a dense layer on it is
  // a causal convolution with a kernel over the whole context (the WASM backend has no Conv1D gradient, and GRUs run
  // too slowly there for a 3-minute demo).
  const win = x.map((row) => Array.from({ length: T }, (_, t) => {
    const w = new Array(T * V).fill(0);
    for (let k = 0; k <= t; k++) w[(T - 1 - (t - k)) * V + row[k]] = 1;
    return w;
  }));
  return { x: tf.tensor3d(win), y };
}
const forget = encode(forgetPeople);
const retain = encode(retainPeople);
const holdout = encode(holdoutPeople);
// TOFU's truth ratio: the correct answer against perturbed ones (three other cities), per fact.
const perturbed = (facts) => [1, 2, 3].map((k) => encode(facts.map((f) => ({ name: f.name, city: CITIES[(CITIES.indexOf(f.city) + k) % CITIES.length] }))));
const forgetPert = perturbed(forgetPeople);
const retainPert = perturbed(retainPeople);

// ── models ──────────────────────────────────────────────────────────────────
function makeModel(seed) {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [T, T * V], units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
      tfl.layers.dense({ units: V, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) }),
    ],
  });
}

function maskedCe(logits, labels) {
  const m = tf.cast(tf.notEqual(labels, -100), 'float32');
  const lab = tf.where(tf.notEqual(labels, -100), labels, tf.zerosLike(labels));
  const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(lab, V)), -1));
  return tf.div(tf.sum(tf.mul(nll, m)), tf.sum(m));
}

function fit(model, sets, steps) {
  const x = tf.concat(sets.map((s) => s.x));
  const y = tf.tensor2d(sets.flatMap((s) => s.y), undefined, 'int32');
  const opt = tf.train.adam(0.01);
  const n = x.shape[0];
  for (let s = 0; s < steps; s++) {
    const idx = tf.tensor1d(Array.from({ length: 64 }, () => Math.floor(u() * n)), 'int32');
    const xb = tf.gather(x, idx);
    const yb = tf.gather(y, idx);
    opt.minimize(() => maskedCe(model.apply(xb, { training: true }), yb));
    tf.dispose([idx, xb, yb]);
  }
  tf.dispose([x, y]);
  opt.dispose();
}

// ── evaluation (TOFU-style) ─────────────────────────────────────────────────
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
function evaluate(model, retrainedTr) {
  const trOf = (set, pert, aggregator) => truthRatio(meanTokenNll(model, set), pert.map((p) => meanTokenNll(model, p)).reduce((acc, col) => acc.map((row, i) => [...row, col[i]]), set.y.map(() => [])), { aggregator });
  const forgetTr = trOf(forget, forgetPert, 'closerTo1Better');
  const retainTr = trOf(retain, retainPert, 'trueBetter');
  const retainProb = mean(sequenceProbability(model, retain));
  const retainAcc = mean(exactMemorization(model, retain));
  return {
    forgetTr: forgetTr.values,
    forgetQuality: retrainedTr ? forgetQuality(forgetTr.values, retrainedTr) : 1,
    modelUtility: modelUtility([retainProb, retainAcc, retainTr.value]),
    forgetProb: mean(sequenceProbability(model, forget)),
    forgetAcc: mean(exactMemorization(model, forget)),
    retainProb,
    retainAcc,
    mia: mia({ model, forget, holdout, attack: 'loss' }).auc,
  };
}

const TRAIN_STEPS = Number(process.env.CHARLM_STEPS ?? 150);
const original = makeModel(1);
fit(original, [forget, retain], TRAIN_STEPS);
console.log(`original trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const retrained = makeModel(1);
fit(retrained, [retain], TRAIN_STEPS);
const retrainedEval = evaluate(retrained);
const rows = [
  ['original (trained on all facts)', evaluate(original, retrainedEval.forgetTr)],
  ['retrained without the forget facts', { ...retrainedEval, forgetQuality: forgetQuality(retrainedEval.forgetTr, retrainedEval.forgetTr) }],
];
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const methods = [
  ['GradDiff (per token)', gradientDifference(), 3e-3, 40, {}],
  ['NPO (sequence, β = 0.1)', objective({ name: 'npo', forget: npoSequence({ beta: 0.1 }), retain: ce() }), 3e-3, 40, { reference: 'initial' }],
  ['SimNPO (sequence, β = 4.5, γ = 0.125)', objective({ name: 'simNpo', forget: simNpoSequence(), retain: ce(), gamma: 0.125 }), 3e-3, 40, {}],
  ['WGA (per token, β = 1)', objective({ name: 'wga', forget: wgaTerm({ beta: 1 }), retain: ce() }), 3e-3, 40, {}],
  ['RMU (first layer, c = 2, α = 1; open-unlearning RMU.yaml)', rmu({ layer: 0, steeringCoeff: 2, alpha: 1 }), 3e-3, 40, { reference: 'initial' }],
  ['RMU (first layer, c = 20, α = 1; the RMU class default)', rmu({ layer: 0, steeringCoeff: 20, alpha: 1 }), 3e-3, 40, { reference: 'initial' }],
];
const weights = original.getWeights().map((w) => w.clone());
for (const [label, obj, lr, steps, extra] of methods) {
  const model = makeModel(1);
  model.setWeights(weights);
  await unlearn({ model, forget, retain, objective: obj, optimizer: adam({ learningRate: lr }), steps, batchSize: 10, retainBatchSize: 20, seed: 3, ...extra });
  rows.push([label, evaluate(model, retrainedEval.forgetTr)]);
  model.dispose();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const f = (v) => (v < 1e-3 && v > 0 ? v.toExponential(1) : v.toFixed(3));
const table = [
  '| model | forget quality (KS p, truth ratio vs retrained) | model utility (hmean of retain Prob, accuracy, truth ratio) | forget Prob | forget accuracy | retain Prob | retain accuracy | MIA AUC (loss, forget vs holdout) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(([label, r]) => `| ${label} | ${f(r.forgetQuality)} | ${f(r.modelUtility)} | ${f(r.forgetProb)} | ${f(r.forgetAcc)} | ${f(r.retainProb)} | ${f(r.retainAcc)} | ${f(r.mia)} |`),
].join('\n');
const seconds = ((performance.now() - started) / 1000).toFixed(0);
const cpu = process.cpuUsage();
const cpuSeconds = ((cpu.user + cpu.system) / 1e6).toFixed(0);
const block = `${table}\n\n${people.length} generated facts \`name:city.\` (20 forget, 110 retain, 20 holdout never trained on), dense(128, relu) on each position's causal one-hot window of ${T} characters (a causal convolution) → dense(64) → dense(${V}) on one-hot characters, ${TRAIN_STEPS} Adam steps (batch 64); each method: 40 Adam steps (3e-3), forget batch 10, retain batch 20. RMU steers the 128 ReLU units of the first layer; at c = 2 their norm barely has to move, so the model changes little in 40 steps (c = 20 forgets more and costs utility; at the second, tanh layer c = 20 gave forget quality 0.34 but utility 0.61 in a trial run). Produced by \`pnpm --filter @losskit/unlearning demo:charlm\` in ${seconds} s wall clock, ${cpuSeconds} s of CPU time (WASM backend; machine load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on 2 cores).`;
console.log(`\n${block}`);
if (!process.argv.includes('--no-write')) {
  const readme = fileURLToPath(new URL('../README.md', import.meta.url));
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- charlm:start -->';
  const end = '<!-- charlm:end -->';
  if (text.includes(start) && text.includes(end)) {
    writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${block}\n${text.slice(text.indexOf(end))}`);
    console.log('README table updated');
  }
}
