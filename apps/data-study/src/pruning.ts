// Pruning study (issue #27): EL2N and GraNd scores from early training decide which training examples of UCI digits to
// drop; a fresh MLP is trained on what is kept, against random pruning. Run from the repo root: `pnpm study:pruning`.
// Writes apps/data-study/pruning.md, figures/pruning.svg, pruning.json and the table in packages/data/README.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ready } from '@losskit/core';
import { averageScores, el2nScoresOf, grandScores, pruneByScore, randomPrune } from '@losskit/data';
import { argmax, here, labs, logitsOf, pm, root, rows, split, stat, train, writeBlock } from './common.js';

const backend = await ready();
const SCORE_EPOCHS = 5;
const SCORE_RUNS = 3;
const EPOCHS = Number(process.env.STUDY_EPOCHS ?? 30);
const SEEDS = [0, 1, 2];
const FRACTIONS = [0, 0.2, 0.4, 0.6, 0.8];
const t0 = performance.now();

const xTrain = rows(split.train);
const yTrain = labs(split.train);
const xTest = rows(split.test);
const yTest = labs(split.test);

// 1. Scores after a few epochs, averaged over independent runs (the paper averages EL2N / GraNd over runs).
const el2nRuns: number[][] = [];
const grandRuns: number[][] = [];
let denseMs = 0;
let loopMs = 0;
const xt = tf.tensor2d(xTrain);
for (let r = 0; r < SCORE_RUNS; r++) {
  const model = train(xTrain, yTrain, 100 + r, SCORE_EPOCHS);
  el2nRuns.push(el2nScoresOf(model, xt, yTrain));
  let s = performance.now();
  grandRuns.push(grandScores(model, xt, yTrain));
  denseMs += performance.now() - s;
  if (r === 0) {
    s = performance.now();
    const loop = grandScores(model, xt, yTrain, { method: 'loop' });
    loopMs = performance.now() - s;
    const maxRel = Math.max(...loop.map((v, i) => Math.abs(v - grandRuns[0]![i]!) / Math.max(v, 1e-12)));
    console.log(`GraNd on ${xTrain.length} examples: closed form ${(denseMs).toFixed(0)} ms, one backward pass per example ${loopMs.toFixed(0)} ms, max relative difference ${maxRel.toExponential(1)}`);
  }
  model.dispose();
}
xt.dispose();
const scores = { EL2N: averageScores(el2nRuns), GraNd: averageScores(grandRuns) };

// 2. Train on the kept subsets.
const accuracy = (idx: number[], seed: number) => {
  const model = train(idx.map((i) => xTrain[i]!), idx.map((i) => yTrain[i]!), seed, EPOCHS);
  const z = logitsOf(model, xTest);
  model.dispose();
  return z.filter((row, i) => argmax(row) === yTest[i]).length / yTest.length;
};
type Method = 'random' | 'EL2N' | 'GraNd';
const METHODS: Method[] = ['random', 'EL2N', 'GraNd'];
const results: Record<Method, number[][]> = { random: [], EL2N: [], GraNd: [] };
for (const f of FRACTIONS) {
  const full = f === 0 ? SEEDS.map((s) => accuracy(Array.from({ length: xTrain.length }, (_, i) => i), s)) : undefined;
  for (const m of METHODS) {
    results[m].push(full ?? SEEDS.map((s) => accuracy(m === 'random' ? randomPrune(xTrain.length, { fraction: f, seed: s }) : pruneByScore(scores[m], { fraction: f }), s)));
    console.log(`pruned ${(f * 100).toFixed(0)}%  ${m.padEnd(6)} ${pm(results[m].at(-1)!)}%  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}
const seconds = (performance.now() - t0) / 1000;

const table = ['| fraction pruned | kept | random | EL2N (keep hardest) | GraNd (keep hardest) |', '| --- | --- | --- | --- | --- |', ...FRACTIONS.map((f, k) => `| ${(f * 100).toFixed(0)}% | ${xTrain.length - Math.floor(f * xTrain.length)} | ${METHODS.map((m) => pm(results[m][k]!)).join(' | ')} |`)].join('\n');

// 3. The pruning curve.
const W = 560;
const H = 340;
const pad = { l: 56, r: 16, t: 28, b: 44 };
const all = METHODS.flatMap((m) => results[m].flat());
const lo = Math.floor(Math.min(...all) * 100 - 2) / 100;
const hi = Math.min(1, Math.ceil(Math.max(...all) * 100 + 1) / 100);
const X = (f: number) => pad.l + (f / 0.8) * (W - pad.l - pad.r);
const Y = (a: number) => pad.t + (1 - (a - lo) / (hi - lo)) * (H - pad.t - pad.b);
const colors: Record<Method, string> = { random: '#888888', EL2N: '#d62728', GraNd: '#1f77b4' };
const lines = METHODS.map((m) => {
  const pts = FRACTIONS.map((f, k) => [X(f), Y(stat(results[m][k]!).m)] as const);
  const bars = FRACTIONS.map((f, k) => {
    const { m: mu, sd } = stat(results[m][k]!);
    return `<line x1="${X(f).toFixed(1)}" x2="${X(f).toFixed(1)}" y1="${Y(mu - sd).toFixed(1)}" y2="${Y(mu + sd).toFixed(1)}" stroke="${colors[m]}"/>`;
  }).join('');
  return `<polyline fill="none" stroke="${colors[m]}" stroke-width="2" points="${pts.map((p) => p.map((v) => v.toFixed(1)).join(',')).join(' ')}"/>${bars}${pts.map((p) => `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3" fill="${colors[m]}"/>`).join('')}`;
}).join('');
const yTicks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4).map((a) => `<text x="${pad.l - 6}" y="${(Y(a) + 4).toFixed(1)}" text-anchor="end">${(a * 100).toFixed(0)}%</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${Y(a).toFixed(1)}" y2="${Y(a).toFixed(1)}" stroke="#ddd"/>`).join('');
const xTicks = FRACTIONS.map((f) => `<text x="${X(f).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${(f * 100).toFixed(0)}%</text>`).join('');
const legend = METHODS.map((m, i) => `<rect x="${pad.l + 10 + i * 90}" y="8" width="12" height="3" fill="${colors[m]}"/><text x="${pad.l + 26 + i * 90}" y="13">${m}</text>`).join('');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="Test accuracy against the fraction of training examples pruned, random vs EL2N vs GraNd"><title>Pruning curve on UCI digits</title><rect width="100%" height="100%" fill="white"/>${yTicks}${xTicks}${lines}${legend}<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle">fraction of the 1,000 training images pruned</text><text transform="translate(14 ${(H - pad.b + pad.t) / 2}) rotate(-90)" text-anchor="middle">test accuracy (497 images)</text></svg>\n`;
writeFileSync(join(here, 'figures', 'pruning.svg'), svg);

const notes = `MLP 64 → 128 → 10, Adam 1e-3, batch 64, ${EPOCHS} epochs on the kept examples, seeds ${SEEDS.join(', ')} (mean ± sd of test accuracy, %). Scores after ${SCORE_EPOCHS} epochs, averaged over ${SCORE_RUNS} runs; pruning keeps the highest scores (drops the easiest). GraNd in closed form per Dense layer: ${(denseMs / SCORE_RUNS).toFixed(0)} ms for ${xTrain.length} examples against ${loopMs.toFixed(0)} ms with one backward pass per example (${(loopMs / (denseMs / SCORE_RUNS)).toFixed(1)}×, ${backend}). ${seconds.toFixed(0)} s in all.`;
const page = `# Pruning study: EL2N and GraNd on UCI handwritten digits

Generated by \`pnpm study:pruning\` (apps/data-study/src/pruning.ts) in ${seconds.toFixed(0)} s on the ${backend} backend. Do not edit by hand.

Data: UCI *Optical Recognition of Handwritten Digits* (1,797 8×8 images, CC BY 4.0, Alpaydin & Kaynak 1998), the fixed split
of \`splitDigits\`: 1,000 train, 497 test. ${notes}

${table}

![Pruning curve](figures/pruning.svg)

Paul et al. report that on CIFAR-10 up to about half the data can be pruned by EL2N/GraNd with little loss, and that
score-based pruning beats random pruning at moderate fractions, while at extreme fractions keeping only the hardest
examples hurts (their "offset" remedy). A 1,000-image digits set is much smaller and easier, so read the table for its
direction only.
`;
writeFileSync(join(here, 'pruning.md'), page);
writeFileSync(join(here, 'pruning.json'), `${JSON.stringify({ epochs: EPOCHS, scoreEpochs: SCORE_EPOCHS, seeds: SEEDS, fractions: FRACTIONS, results, denseMs: denseMs / SCORE_RUNS, loopMs, seconds, backend }, null, 1)}\n`);
writeBlock(join(root, 'packages', 'data', 'README.md'), 'pruning-study', `${table}\n\n${notes} Plot and details: [apps/data-study/pruning.md](../../apps/data-study/pruning.md) and the docs site's \`#/pruning\` page; regenerate with \`pnpm study:pruning\`.\n\n![Pruning curve](../../apps/data-study/figures/pruning.svg)`);
console.log(`\n${table}\n\ndone in ${seconds.toFixed(0)} s`);
