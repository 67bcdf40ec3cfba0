// "Try it" for every catalog entry, without a hand-written page: the entry's own example (or its `tryIt.code`) runs
// with every package's exports, `tf` and the site's example data in scope, and its result is read by kind:
// - a compiled loss (the example calls `compile(...)`): the expression is evaluated on the site's example batch, with
//   targets and extra inputs (teacher logits, variances, second inputs, ...) of the kinds the example passes,
//   generated for that batch (probability losses get probabilities); when the expression fixes the class count or
//   the batch, the example's own sizes are kept;
// - a gradient transformation (optimizers): it trains a linear softmax classifier on a 2-D data set for 60 steps;
// - a schedule (step → value): its values over the steps;
// - an unlearning objective: 5 unlearning steps of a small trained model, forget and retain accuracy before / after;
// - anything else: the value (a number, a tensor, an array, an object of numbers).
// Kept free of the DOM so Node tests run every entry the way the page does.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { CatalogEntry, CompileOptions, CompiledLoss, Expr } from '@losskit/core';
import * as core from '@losskit/core';
import * as losses from '@losskit/losses';
import * as optimizers from '@losskit/optimizers';
import * as calibration from '@losskit/calibration';
import * as metricLearning from '@losskit/metric-learning';
import * as unlearning from '@losskit/unlearning';
import * as scaling from '@losskit/scaling';
import * as data from '@losskit/data';
import * as metrics from '@losskit/metrics';
import * as diagnostics from '@losskit/diagnostics';
import * as ood from '@losskit/ood';
import * as robustness from '@losskit/robustness';
import * as compression from '@losskit/compression';
import { makeDataset, mulberry32 } from './data.ts';
import { exampleLabels, exampleLogits } from './example.ts';

type Rows = number[][];
type Data = number[] | Rows;

const MODULES: Record<string, Readonly<Record<string, unknown>>> = {
  '@losskit/core': core, '@losskit/losses': losses, '@losskit/optimizers': optimizers, '@losskit/calibration': calibration,
  '@losskit/metric-learning': metricLearning, '@losskit/unlearning': unlearning, '@losskit/scaling': scaling,
  '@losskit/data': data, '@losskit/metrics': metrics,
  '@losskit/diagnostics': diagnostics, '@losskit/ood': ood, '@losskit/robustness': robustness, '@losskit/compression': compression,
};

/** The example batch of an entry: targets, predictions and extra inputs, as plain arrays. */
export interface Batch {
  readonly yTrue: Data;
  readonly yPred: Data;
  readonly inputs: Readonly<Record<string, Data>>;
  /** How it was made, for the page: `site` (the documented batch), `sized` (its kinds at the example's sizes), `example`. */
  readonly source: 'site' | 'sized' | 'example';
}

export interface LossSetup {
  readonly expr: Expr;
  readonly options: CompileOptions;
  /** The expression text the playground opens with (undefined when it cannot be written without local variables). */
  readonly call: string | undefined;
  readonly batch: Batch;
}

export type Outcome =
  | { readonly kind: 'loss'; readonly setup: LossSetup; readonly value: number; readonly perSample: number[] | undefined }
  | { readonly kind: 'optimizer'; readonly losses: number[]; readonly accuracy: number; readonly label: string }
  | { readonly kind: 'schedule'; readonly steps: number[]; readonly values: number[] }
  | { readonly kind: 'objective'; readonly before: Record<string, number>; readonly after: Record<string, number>; readonly name: string }
  | { readonly kind: 'value'; readonly text: string; readonly number?: number }
  | { readonly kind: 'unavailable'; readonly why: string };

// ── seeded data ─────────────────────────────────────────────────────────────────

function rng(seed: number): { u: () => number; n: () => number } {
  const u = mulberry32(seed);
  return { u, n: () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-12))) * Math.cos(2 * Math.PI * u()) };
}
const f32 = (v: number) => Math.round(Math.fround(v) * 1e4) / 1e4;
const softmax = (r: readonly number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => f32(v / s));
};
const fixRow = (r: number[]) => {
  // Rounding may leave a distribution off 1 by 1e-4; move the rest onto the largest entry.
  const s = r.reduce((a, b) => a + b, 0);
  const k = r.indexOf(Math.max(...r));
  r[k] = f32(r[k]! + 1 - s);
  return r;
};

type Kind = 'int' | 'onehot' | 'binary' | 'pm1' | 'count' | 'dist' | 'unit' | 'positive' | 'logdist' | 'real';

/** The kind of an example array, read from its values (as the fuzz suite's catalog recipes do). */
export function kindOf(x: unknown): { shape: number[]; kind: Kind; max: number } {
  const flat = [x].flat(Infinity as 1).map(Number);
  const shape: number[] = [];
  for (let cur: unknown = x; Array.isArray(cur); cur = cur[0]) shape.push(cur.length);
  const rows = shape.length === 2 ? (x as Rows) : undefined;
  const allInt = flat.every(Number.isInteger);
  const max = Math.max(...flat, 1);
  if (shape.length === 1 && allInt && flat.every((v) => v >= 0)) return { shape, kind: 'int', max };
  if (flat.every((v) => v === 0 || v === 1)) return { shape, kind: rows?.every((r) => r.reduce((a, b) => a + b, 0) === 1) ? 'onehot' : 'binary', max };
  if (flat.every((v) => v === -1 || v === 1)) return { shape, kind: 'pm1', max };
  if (allInt && flat.every((v) => v >= 0)) return { shape, kind: 'count', max };
  if (flat.every((v) => v >= 0 && v <= 1)) {
    const dist = rows && rows[0]!.length > 1 && rows.every((r) => Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    return { shape, kind: dist ? 'dist' : 'unit', max };
  }
  if (flat.every((v) => v > 0)) return { shape, kind: 'positive', max };
  if (flat.every((v) => v <= 0)) return { shape, kind: 'logdist', max };
  return { shape, kind: 'real', max };
}

/** Values of a kind for a shape; for the site's own shape ([4, 3] logits, [4] labels) the documented batch. */
function valuesOf(kind: Kind, shape: number[], seed: number, max = 1, C = 3, siteLogits = false): Data {
  const r = rng(seed);
  const B = shape[0]!;
  const site = B === exampleLabels.length && (shape.length === 1 || shape[1] === exampleLogits[0]!.length);
  const logitRows = (cols: number): Rows =>
    site && siteLogits && cols === 3 ? exampleLogits.map((row) => [...row]) : Array.from({ length: B }, () => Array.from({ length: cols }, () => f32(1.5 * r.n())));
  if (shape.length === 1) {
    if (kind === 'int') return site ? exampleLabels.map((l) => l % Math.max(1, Math.min(C, max + 1))) : Array.from({ length: B }, (_, i) => i % Math.max(1, Math.min(C, max + 1)));
    if (kind === 'count') return Array.from({ length: B }, () => 1 + Math.floor(r.u() * max));
    if (kind === 'binary' || kind === 'onehot') return Array.from({ length: B }, (_, i) => (i % 2 === 0 ? 1 : 0));
    if (kind === 'pm1') return Array.from({ length: B }, (_, i) => (i % 2 === 0 ? 1 : -1));
    if (kind === 'unit' || kind === 'dist') return Array.from({ length: B }, () => f32(0.05 + 0.9 * r.u()));
    if (kind === 'positive') return Array.from({ length: B }, () => f32(0.2 + 1.8 * r.u()));
    if (kind === 'logdist') return Array.from({ length: B }, () => f32(-3 * r.u()));
    return Array.from({ length: B }, () => f32(r.n()));
  }
  const cols = shape[1]!;
  switch (kind) {
    case 'onehot':
      return Array.from({ length: B }, (_, i) => Array.from({ length: cols }, (_, j) => (j === (site ? exampleLabels[i]! % cols : i % cols) ? 1 : 0)));
    case 'binary':
      return Array.from({ length: B }, (_, i) => Array.from({ length: cols }, (_, j) => ((i + j) % 2 === 0 ? 1 : 0)));
    case 'pm1':
      return Array.from({ length: B }, (_, i) => Array.from({ length: cols }, (_, j) => ((i + j) % 2 === 0 ? 1 : -1)));
    case 'count':
      return Array.from({ length: B }, () => Array.from({ length: cols }, () => 1 + Math.floor(r.u() * max)));
    case 'dist':
      return logitRows(cols).map((row) => fixRow(softmax(row)));
    case 'logdist':
      return logitRows(cols).map((row) => softmax(row).map((p) => f32(Math.log(Math.max(p, 1e-30)))));
    case 'unit':
      return logitRows(cols).map((row) => row.map((v) => f32(1 / (1 + Math.exp(-v)))));
    case 'positive':
      return Array.from({ length: B }, () => Array.from({ length: cols }, () => f32(0.2 + 1.8 * r.u())));
    default:
      return logitRows(cols);
  }
}

// ── the scope an example runs in ────────────────────────────────────────────────

/** Example data every entry's code may use, built only when the code names it. */
const FIXTURES: Record<string, () => unknown> = {
  labels: () => [...exampleLabels],
  logits: () => exampleLogits.map((r) => [...r]),
  probs: () => exampleLogits.map((r) => fixRow(softmax(r))),
  n: () => exampleLabels.length,
  valLogits: () => calibrationSet(1).logits,
  valLabels: () => calibrationSet(1).labels,
  testLogits: () => calibrationSet(2).logits,
  testLabels: () => calibrationSet(2).labels,
  calLogits: () => calibrationSet(1).logits,
  calLabels: () => calibrationSet(1).labels,
  valProbs: () => calibrationSet(1).logits.map(softmax).map(fixRow),
  testProbs: () => calibrationSet(2).logits.map(softmax).map(fixRow),
  valScores: () => calibrationSet(3, 2).logits,
  testScores: () => calibrationSet(4, 2).logits,
  embeddings: () => embeddingBatch().x,
  exampleEmbeddings: () => embeddingBatch().x,
  embeddingLabels: () => embeddingBatch().labels,
  runs: () => chinchillaRuns(),
  lrs: () => Array.from({ length: 200 }, (_, t) => 1e-3 * (t < 150 ? 1 : (200 - t) / 50)),
  pairs: () => Array.from({ length: 12 }, (_, i) => { const Lx = 2 + 0.15 * i; return { Lx, Ly: f32(0.8 + 1.1 * (Lx - 1.6) ** 0.9) }; }),
  retainGrads: () => ({ w: tf.tensor2d([[0.5, -0.2], [0.1, 0.3]]), b: tf.tensor1d([0.05, -0.1]) }),
  forgetGrads: () => ({ w: tf.tensor2d([[0.4, 0.1], [-0.3, 0.2]]), b: tf.tensor1d([0.1, 0.1]) }),
  model: () => unlearningSetup().model,
  retrained: () => unlearningSetup().retrained,
  forget: () => unlearningSetup().forget,
  retain: () => unlearningSetup().retain,
};
/** Per package: calibration metrics need more than 4 samples; `train` is the unlearning examples' training data. */
const PACKAGE_FIXTURES: Record<string, Record<string, () => unknown>> = {
  '@losskit/calibration': {
    logits: () => calibrationSet(2).logits,
    labels: () => calibrationSet(2).labels,
    n: () => 240,
    // Regression: Gaussian predictions { mean, std } and targets y.
    mean: () => regressionSet(2).mean,
    std: () => regressionSet(2).std,
    y: () => regressionSet(2).y,
    valPred: () => ({ mean: regressionSet(1).mean, std: regressionSet(1).std }),
    valY: () => regressionSet(1).y,
    testPred: () => ({ mean: regressionSet(2).mean, std: regressionSet(2).std }),
    testY: () => regressionSet(2).y,
  },
  '@losskit/unlearning': { train: () => unlearningSetup().train },
};
/** Binary scores come with binary labels. */
const BINARY_FIXTURES: Record<string, () => unknown> = { valLabels: () => calibrationSet(3, 2).labels, testLabels: () => calibrationSet(4, 2).labels };

/** Over-confident 3-class logits (N = 240) with labels, as a miscalibrated model would give. */
function calibrationSet(seed: number, classes = 3): { logits: Rows; labels: number[] } {
  const r = rng(100 + seed);
  const logits: Rows = [];
  const labels: number[] = [];
  for (let i = 0; i < 240; i++) {
    const y = i % classes;
    const predicted = r.u() < 0.75 ? y : (y + 1 + Math.floor(r.u() * (classes - 1))) % classes;
    logits.push(Array.from({ length: classes }, (_, j) => f32((j === predicted ? 2.5 : 0) + 1.2 * r.n()) * 2.2));
    labels.push(y);
  }
  return { logits, labels };
}

/** Over-confident Gaussian regression predictions (N = 240): the predicted σ is half the true noise scale. */
function regressionSet(seed: number): { mean: number[]; std: number[]; y: number[] } {
  const r = rng(200 + seed);
  const mean: number[] = [];
  const std: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 240; i++) {
    const x = (i / 240) * 4 - 2;
    const sigma = 0.2 + 0.3 * Math.abs(x);
    mean.push(f32(Math.sin(x)));
    std.push(f32(sigma / 2));
    y.push(f32(Math.sin(x) + sigma * r.n()));
  }
  return { mean, std, y };
}

/** 8 embeddings in 4 dimensions, two per class. */
function embeddingBatch(): { x: Rows; labels: number[] } {
  const r = rng(7);
  const centers = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  const labels = [0, 0, 1, 1, 2, 2, 3, 3];
  return { x: labels.map((c) => centers[c]!.map((v) => f32(v + 0.35 * r.n()))), labels };
}

/** Runs of a Chinchilla-like law (Hoffmann et al. 2022, Approach 3) with 1% multiplicative noise. */
export function chinchillaRuns(): Array<{ N: number; D: number; loss: number }> {
  const r = rng(11);
  const out: Array<{ N: number; D: number; loss: number }> = [];
  for (const N of [1e7, 3e7, 1e8, 3e8, 1e9]) for (const D of [2e8, 1e9, 5e9, 2e10]) out.push({ N, D, loss: f32((1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28) * (1 + 0.01 * (r.u() - 0.5))) });
  return out;
}

let unlearningCache: ReturnType<typeof buildUnlearning> | undefined;
function unlearningSetup() {
  unlearningCache ??= buildUnlearning();
  return unlearningCache;
}
function buildUnlearning() {
  const data = makeDataset({ name: 'blobs', n: 120, labelNoise: 0, imbalance: 1, seed: 3 });
  const n = data.labels.length;
  const x = Array.from({ length: n }, (_, i) => [data.x[2 * i]!, data.x[2 * i + 1]!]);
  const y = Array.from(data.labels);
  const make = (seed: number) => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 8, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }), tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) })] });
    return m;
  };
  const forgetIdx = y.map((c, i) => (c === 2 && i % 2 === 0 ? i : -1)).filter((i) => i >= 0);
  const pick = (idx: number[]) => ({ x: idx.map((i) => x[i]!), y: idx.map((i) => y[i]!) });
  const retainIdx = y.map((_, i) => i).filter((i) => !forgetIdx.includes(i));
  return { model: make(1), retrained: make(5), forget: pick(forgetIdx), retain: pick(retainIdx), train: { x, y } };
}

/** Free identifiers a piece of code may use from the scope (approximate: every identifier-like word). */
function wordsOf(code: string): Set<string> {
  return new Set(code.replace(/(['"])(?:\\.|(?!\1).)*\1/g, '').match(/[A-Za-z_$][\w$]*/g) ?? []);
}

/** The names and values an entry's code runs with (its own package's exports win over other packages'). */
function consoleFor(logs: string[]) {
  const log = (...a: unknown[]) => { logs.push(a.map((v) => (typeof v === 'string' ? v : describeValue(v))).join(' ')); };
  return { log, info: log, warn: log, error: log };
}

function scopeFor(entry: CatalogEntry, code: string, compile: unknown, logs: string[]): Map<string, unknown> {
  const scope = new Map<string, unknown>();
  const words = wordsOf(code);
  for (const [name, mod] of Object.entries(MODULES)) {
    if (name === entry.package) continue;
    for (const [k, v] of Object.entries(mod)) if (words.has(k) && !scope.has(k)) scope.set(k, v);
  }
  for (const [k, v] of Object.entries(MODULES[entry.package] ?? {})) if (words.has(k)) scope.set(k, v);
  const fixtures: Record<string, () => unknown> = { ...FIXTURES, ...PACKAGE_FIXTURES[entry.package], ...(words.has('valScores') || words.has('testScores') ? BINARY_FIXTURES : {}) };
  for (const [k, make] of Object.entries(fixtures)) {
    if (!words.has(k)) continue;
    // A name the code declares itself (`const logits = ...`) is not a fixture.
    if (new RegExp(`\\b(?:const|let|var)\\s+(?:\\{[^}]*\\b${k}\\b[^}]*\\}|${k})\\b`).test(code)) continue;
    if (scope.has(k) && !PACKAGE_FIXTURES[entry.package]?.[k]) continue;
    scope.set(k, make());
  }
  scope.set('tf', tf);
  scope.set('compile', compile);
  scope.set('console', consoleFor(logs));
  return scope;
}

/** The code the site runs for an entry: `tryIt.code`, or the example without its imports. */
export function codeOf(entry: CatalogEntry): string {
  if (entry.tryIt?.code) return entry.tryIt.code;
  return entry.example.split('\n').filter((l) => !/^\s*import\s/.test(l)).join('\n');
}

/** Rewrites code so its last expression statement (or last declared name) is returned. */
function withResult(code: string): string {
  const lines = code.replace(/\.print\(\)/g, '').split('\n');
  // Strip trailing line comments (outside strings, roughly) so `x; // 0.2` keeps `x`.
  const clean = lines.map((l) => l.replace(/\s*\/\/[^'"]*$/, ''));
  let last = clean.length - 1;
  while (last >= 0 && !clean[last]!.trim()) last--;
  if (last < 0) return code;
  const line = clean[last]!.trim().replace(/;$/, '');
  const decl = /^(?:const|let|var)\s+(?:\{([^}]*)\}|([A-Za-z_$][\w$]*))\s*=/.exec(line);
  const body = clean.slice(0, last);
  if (decl) {
    const names = decl[1] ? decl[1].split(',').map((s) => s.split(':').pop()!.trim()).filter(Boolean) : [decl[2]!];
    return [...body, line + ';', names.length === 1 ? `return ${names[0]};` : `return { ${names.join(', ')} };`].join('\n');
  }
  // Several statements on the last line (`a(x); b(y)`): return the last one.
  const parts = line.split(/;\s*/);
  const tail = parts.pop()!;
  return [...body, ...parts.map((p) => `${p};`), `return (${tail});`].join('\n');
}

interface Recorded {
  compiles: Array<{ expr: Expr; options: CompileOptions | undefined; loss: CompiledLoss }>;
  calls: Array<{ yTrue: unknown; yPred: unknown; options: { inputs?: Record<string, unknown> } | undefined }>;
}

/** Runs an entry's code; `compile` is recorded (its calls too) so a loss's expression and data can be read back. */
export async function runCode(entry: CatalogEntry): Promise<{ result: unknown; rec: Recorded; logs: string[] }> {
  const rec: Recorded = { compiles: [], calls: [] };
  const compile = (expr: Expr, options?: CompileOptions) => {
    const loss = core.compile(expr as never, options as never) as unknown as CompiledLoss;
    rec.compiles.push({ expr, options, loss });
    const wrapped = ((yTrue: unknown, yPred: unknown, o?: unknown) => {
      rec.calls.push({ yTrue, yPred, options: o && typeof o === 'object' && !Array.isArray(o) && !(o instanceof tf.Tensor) ? (o as { inputs?: Record<string, unknown> }) : undefined });
      return loss(yTrue as never, yPred as never, o as never);
    }) as unknown as CompiledLoss;
    for (const k of ['perSample', 'valueAndGrad', 'parts', 'toString', 'toLatex'] as const) (wrapped as unknown as Record<string, unknown>)[k] = (loss[k] as (...a: unknown[]) => unknown).bind(loss);
    Object.defineProperty(wrapped, 'expr', { value: expr });
    return wrapped;
  };
  const code = codeOf(entry);
  const logs: string[] = [];
  const scope = scopeFor(entry, code, compile, logs);
  const names = [...scope.keys()];
  // eslint-disable-next-line no-new-func -- catalog code written by the package authors, not user input
  const fn = new Function(...names, `"use strict"; return (async () => {\n${withResult(code)}\n})();`) as (...a: unknown[]) => Promise<unknown>;
  const result = await fn(...names.map((k) => scope.get(k)));
  return { result, rec, logs };
}

// ── losses ──────────────────────────────────────────────────────────────────────

/** The argument text of the first `compile(` call in `code` (balanced parentheses), if any. */
export function compileArgument(code: string): string | undefined {
  const i = code.indexOf('compile(');
  if (i < 0) return undefined;
  let depth = 0;
  const start = i + 'compile('.length;
  for (let k = start; k < code.length; k++) {
    const ch = code[k]!;
    if (ch === "'" || ch === '"') { const end = code.indexOf(ch, k + 1); if (end < 0) return undefined; k = end; continue; }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return code.slice(start, k).trim();
      depth--;
    } else if (ch === ',' && depth === 0) return code.slice(start, k).trim();
  }
  void start;
  return undefined;
}

const toArray = (x: unknown): Data | undefined => {
  if (x instanceof tf.Tensor) return x.arraySync() as Data;
  if (Array.isArray(x)) return x as Data;
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  return undefined;
};

/** Batches to try, best first: the site's batch, the example's kinds at its own sizes, the example's own data. */
function candidateBatches(call: Recorded['calls'][number] | undefined, options: CompileOptions | undefined): Batch[] {
  if (!call) {
    if (options?.from === 'embeddings') {
      const e = embeddingBatch();
      return [{ yTrue: e.labels, yPred: e.x, inputs: {}, source: 'site' }];
    }
    const from = options?.from ?? 'logits';
    return [{ yTrue: [...exampleLabels], yPred: from === 'probs' ? exampleLogits.map((r) => fixRow(softmax(r))) : exampleLogits.map((r) => [...r]), inputs: {}, source: 'site' }];
  }
  const yTrue = toArray(call.yTrue);
  const yPred = toArray(call.yPred);
  if (!yTrue || !yPred) return [];
  const inputs = Object.entries(call.options?.inputs ?? {}).map(([k, v]) => [k, toArray(v)] as const).filter((e): e is readonly [string, Data] => !!e[1]);
  const pk = kindOf(yPred);
  const B0 = pk.shape[0]!;
  const C0 = pk.shape[1] ?? 1;
  const from = options?.from ?? 'logits';
  const make = (B: number, C: number, source: Batch['source']): Batch => {
    const map = (shape: number[]) => shape.map((d, i) => (i === 0 && d === B0 ? B : i === 1 && d === C0 ? C : d));
    const tk = kindOf(yTrue);
    const yp = from === 'embeddings' ? valuesOf('real', map(pk.shape), 5, 1, C) : valuesOf(pk.kind === 'int' || pk.kind === 'count' || pk.kind === 'onehot' || pk.kind === 'binary' || pk.kind === 'pm1' ? 'real' : pk.kind, map(pk.shape), 5, pk.max, C, true);
    return {
      yTrue: valuesOf(tk.kind, map(tk.shape), 6, tk.max, C),
      yPred: from === 'probs' && pk.kind === 'real' ? (yp as Rows).map((r) => fixRow(softmax(r))) : yp,
      inputs: Object.fromEntries(inputs.map(([k, v], i) => { const ik = kindOf(v); return [k, valuesOf(ik.kind, map(ik.shape), 20 + i, ik.max, C)]; })),
      source,
    };
  };
  const out: Batch[] = [];
  if (C0 >= 2 && from !== 'embeddings') out.push(make(exampleLabels.length, exampleLogits[0]!.length, 'site'));
  else out.push(make(exampleLabels.length, C0, 'site'));
  out.push(make(exampleLabels.length, C0, 'sized'));
  out.push({ yTrue, yPred, inputs: Object.fromEntries(inputs), source: 'example' });
  return out;
}

/** Generates inputs the expression reads but the example does not pass (MISSING_INPUT), shaped as the error says. */
function missingInput(e: unknown, batch: Batch): Batch | undefined {
  if (!(e instanceof core.LosskitError) || !e.argument?.startsWith('inputs.')) return undefined;
  if (e.code !== 'MISSING_INPUT' && !(e.code === 'SHAPE_MISMATCH' || /shape/.test(e.message))) return undefined;
  const name = e.argument.slice('inputs.'.length);
  const pred = batch.yPred as Rows;
  const B = pred.length;
  const D = Array.isArray(pred[0]) ? (pred[0] as number[]).length : 1;
  const classes = Array.isArray(batch.yTrue) && !Array.isArray(batch.yTrue[0]) ? Math.max(...(batch.yTrue as number[])) + 1 : D;
  if (/scalar/.test(e.expected ?? '')) return { ...batch, inputs: { ...batch.inputs, [name]: [f32(1 + rng(42).u())] as unknown as Data } };
  const sym: Record<string, number> = { B, C: classes, D, N: B };
  const shape = /\[([\w,\s]+)\]/.exec(e.expected ?? '')?.[1]?.split(',').map((s) => s.trim()).map((s) => (/^\d+$/.test(s) ? Number(s) : sym[s] ?? NaN));
  const dims = shape && shape.every(Number.isFinite) ? shape : Array.isArray(pred[0]) ? [B, D] : [B];
  const positive = /var|std|tau|temp|scale|size|weight|mask|count/i.test(name);
  const mask = /mask/i.test(name);
  const v = mask ? valuesOf('binary', dims, 40, 1) : valuesOf(positive ? 'positive' : 'real', dims, 41);
  return { ...batch, inputs: { ...batch.inputs, [name]: v } };
}

/** Evaluates a compiled loss on a batch: the value and (sample level) the per-sample values. */
export function evaluateLoss(expr: Expr, options: CompileOptions | undefined, batch: Batch): { value: number; perSample: number[] | undefined } {
  const loss = core.compile(expr as never, options as never) as unknown as CompiledLoss;
  const callOptions = Object.keys(batch.inputs).length ? { inputs: batch.inputs } : undefined;
  const v = loss(batch.yTrue, batch.yPred, callOptions as never);
  const value = v.dataSync()[0]!;
  v.dispose();
  let perSample: number[] | undefined;
  if (expr.level === 'sample') {
    const p = loss.perSample(batch.yTrue, batch.yPred, callOptions as never);
    perSample = Array.from(p.dataSync());
    p.dispose();
  }
  if (!Number.isFinite(value)) throw new Error(`the value is ${value}`);
  return { value, perSample };
}

/** Sets up a loss entry from its recorded example: expression, options, editor text and a batch that runs. */
export function lossSetup(entry: CatalogEntry, rec: Recorded, checkCall?: (text: string) => boolean): LossSetup & { value: number; perSample: number[] | undefined } {
  const c = rec.compiles[0]!;
  const candidates = candidateBatches(rec.calls[0], c.options);
  let lastError: unknown;
  for (let batch of candidates) {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const r = evaluateLoss(c.expr, c.options, batch);
        const call = [entry.tryIt?.call, compileArgument(codeOf(entry)), entry.dsl, `${entry.export}()`].find((t) => t !== undefined && (!checkCall || checkCall(t)));
        return { expr: c.expr, options: c.options ?? {}, call, batch, ...r };
      } catch (e) {
        lastError = e;
        const next = missingInput(e, batch);
        if (!next) break;
        batch = next;
      }
    }
  }
  throw lastError ?? new Error('no batch to run on');
}

// ── other kinds of entries ──────────────────────────────────────────────────────

function isTransformation(x: unknown): x is { init: (p: unknown) => unknown; update: (...a: unknown[]) => unknown } {
  return x !== null && typeof x === 'object' && typeof (x as { init?: unknown }).init === 'function' && typeof (x as { update?: unknown }).update === 'function';
}
function isObjective(x: unknown): x is unlearning.Objective {
  return x !== null && typeof x === 'object' && 'needsReference' in (x as object) && 'gamma' in (x as object) && 'alpha' in (x as object);
}

/** Trains a linear softmax classifier on 2-D blobs for 60 steps with the optimizer. */
async function optimizerDemo(opt: unknown): Promise<{ losses: number[]; accuracy: number }> {
  const d = makeDataset({ name: 'blobs', n: 150, labelNoise: 0, imbalance: 1, seed: 2 });
  const x = tf.tensor2d(d.x, [d.labels.length, 2]);
  const y = tf.tensor1d(d.labels, 'int32');
  const params = { w: tf.variable(tf.zeros([2, 3])), b: tf.variable(tf.zeros([3])) };
  const lossesOut: number[] = [];
  try {
    await optimizers.train({
      params, forward: (p, xb) => tf.add(tf.matMul(xb, p.w!), p.b!), loss: core.compile(core.ce()) as never, optimizer: opt as never,
      data: { x, y }, steps: 60, batchSize: 50, progress: false, onStep: (i) => { lossesOut.push(i.loss); },
    });
    const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(tf.add(tf.matMul(x, params.w), params.b), -1), y), 'float32')).dataSync()[0]!);
    return { losses: lossesOut, accuracy: acc };
  } finally {
    x.dispose(); y.dispose(); params.w.dispose(); params.b.dispose();
  }
}

/** Horizon of a schedule from its entry's parameters (transitionSteps, decaySteps, ...), default 1000. */
function horizon(code: string): number {
  let total = 0;
  for (const m of code.matchAll(/(transitionSteps|decaySteps|warmupSteps|stableSteps|boundaries)\s*:\s*\[?\s*([\d.e+]+)/g)) total += Number(m[2]);
  const bounds = /\]\s*,\s*\[([\d.,\s]+)\]\s*\)/.exec(code);
  if (bounds) total = Math.max(total, ...bounds[1]!.split(',').map(Number));
  return total > 0 ? Math.ceil(total * 1.25) : 1000;
}

async function objectiveDemo(obj: unlearning.Objective): Promise<{ before: Record<string, number>; after: Record<string, number> }> {
  const s = unlearningSetup();
  // Train the model briefly first so there is something to forget.
  await optimizers.train({ model: s.model as never, loss: core.compile(core.ce()) as never, optimizer: optimizers.adam({ learningRate: 0.05 }), data: { x: s.train.x, y: s.train.y }, steps: 40, progress: false });
  const metric = () => {
    const m = unlearning.unlearningMetrics({ model: s.model as never, forget: s.forget, retain: s.retain }) as unknown as Record<string, Record<string, number>>;
    return { 'forget accuracy': m.forget!.accuracy!, 'retain accuracy': m.retain!.accuracy! };
  };
  const before = metric();
  let forget: unlearning.LabeledData = s.forget;
  for (let attempt = 0; ; attempt++) {
    try {
      await unlearning.unlearn({ model: s.model as never, forget, retain: s.retain, objective: obj, optimizer: optimizers.adam({ learningRate: 0.02 }), steps: 5, ...(obj.needsReference ? { reference: 'initial' as const } : {}) });
      break;
    } catch (e) {
      // An input the objective reads on the forget batch (FLAT's template distribution): a uniform distribution.
      const shape = e instanceof core.LosskitError && e.code === 'MISSING_INPUT' ? /\[(\d+),\s*(\d+)\]/.exec(e.expected ?? '') : null;
      if (!shape || attempt > 2) throw e;
      const name = (e as core.LosskitError).argument!.replace(/^.*inputs\./, '');
      forget = { ...forget, inputs: { ...forget.inputs, [name]: Array.from({ length: Number(shape[1]) }, () => Array.from({ length: Number(shape[2]) }, () => 1 / Number(shape[2]))) } };
    }
  }
  return { before, after: metric() };
}

/** A short text for any value: numbers, tensors, arrays, objects of numbers. */
export function describeValue(x: unknown, depth = 0): string {
  const num = (v: number) => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString());
  if (typeof x === 'number') return num(x);
  if (typeof x === 'string' || typeof x === 'boolean') return JSON.stringify(x);
  if (x === null || x === undefined) return String(x);
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) return 'a disposed tensor';
    const v = Array.from(x.dataSync() as ArrayLike<number>);
    return `${x.rank === 0 ? '' : `tensor [${x.shape.join(', ')}] `}${x.rank === 0 ? num(v[0]!) : `[${v.slice(0, 12).map(num).join(', ')}${v.length > 12 ? ', …' : ''}]`}`;
  }
  if (Array.isArray(x)) {
    if (depth > 1) return `[${x.length} items]`;
    return `[${x.slice(0, 8).map((v) => describeValue(v, depth + 1)).join(', ')}${x.length > 8 ? `, … (${x.length})` : ''}]`;
  }
  if (ArrayBuffer.isView(x)) return describeValue(Array.from(x as unknown as ArrayLike<number>), depth);
  if (x instanceof Set) return `{${[...x].slice(0, 8).map((v) => describeValue(v, depth + 1)).join(', ')}}`;
  if (typeof x === 'function') return `function ${(x as { name?: string }).name ?? ''}`;
  if (typeof x === 'object') {
    if (depth > 1) return '{…}';
    const entries = Object.entries(x as Record<string, unknown>).filter(([, v]) => typeof v !== 'function').slice(0, 10);
    const text = typeof (x as { toString?: unknown }).toString === 'function' && (x as object).toString !== Object.prototype.toString ? String(x) : '';
    return `${text ? `${text} ` : ''}{ ${entries.map(([k, v]) => `${k}: ${describeValue(v, depth + 1)}`).join(', ')} }`;
  }
  return String(x);
}

function disposeAll(x: unknown, depth = 0): void {
  if (depth > 3) return;
  if (x instanceof tf.Tensor) { if (!(x instanceof tf.Variable) && !x.isDisposed) x.dispose(); return; }
  if (Array.isArray(x)) for (const v of x) disposeAll(v, depth + 1);
  else if (x && typeof x === 'object' && !(x instanceof Map) && !(Object.getPrototypeOf(x) !== Object.prototype && !Array.isArray(x))) for (const v of Object.values(x)) disposeAll(v, depth + 1);
}

/**
 * Runs an entry's Try-it. Throws when the entry's code or its loss fails (a bug the e2e reports); an entry that
 * cannot run in a browser returns `unavailable` with the reason from its catalog entry.
 */
export async function tryEntry(entry: CatalogEntry, checkCall?: (text: string) => boolean): Promise<Outcome> {
  if (entry.tryIt?.unavailable) return { kind: 'unavailable', why: entry.tryIt.unavailable };
  const { result: raw, rec, logs } = await runCode(entry);
  const result = raw instanceof Promise ? await raw : raw;
  if (rec.compiles.length > 0) {
    const s = lossSetup(entry, rec, checkCall);
    return { kind: 'loss', setup: { expr: s.expr, options: s.options, call: s.call, batch: s.batch }, value: s.value, perSample: s.perSample };
  }
  if (isTransformation(result)) {
    const r = await optimizerDemo(result);
    return { kind: 'optimizer', ...r, label: 'a linear softmax classifier on 150 points of 3 blobs, 60 steps of batch 50' };
  }
  if (typeof result === 'function' && result.length <= 1) {
    const T = horizon(codeOf(entry));
    const steps = Array.from({ length: 101 }, (_, i) => Math.round((i * T) / 100));
    const values = steps.map((t) => Number((result as (t: number) => unknown)(t)));
    if (values.every(Number.isFinite)) return { kind: 'schedule', steps, values };
  }
  if (isObjective(result)) {
    const r = await objectiveDemo(result);
    return { kind: 'objective', ...r, name: result.name };
  }
  if (result instanceof core.Expr) {
    // A term that is not compiled by the example: compile it (from its level) on the site's batch.
    const expr = result.level === 'class' ? result.mean() : result.level === 'pair' ? result.mean() : result;
    const s = lossSetup(entry, { compiles: [{ expr: expr as Expr, options: undefined, loss: undefined as never }], calls: [] }, checkCall);
    return { kind: 'loss', setup: { expr: s.expr, options: s.options, call: s.call, batch: s.batch }, value: s.value, perSample: s.perSample };
  }
  const text = result === undefined && logs.length ? logs.join('\n') : describeValue(result);
  const number = typeof result === 'number' ? result : result instanceof tf.Tensor && result.size === 1 ? result.dataSync()[0] : undefined;
  disposeAll(result);
  return { kind: 'value', text, ...(number !== undefined ? { number } : {}) };
}
