// Calibration: reliability diagrams (ticks, axis titles, legend) before and after a calibrator from
// @losskit/calibration, on the last trained model or on over-confident synthetic logits; calibrator, bins and
// sharpness in the URL. Scaling: a law family of @losskit/scaling with an example data set per law (or a pasted CSV),
// the fit plotted as a curve over the budget axis (sorted, evaluated on a grid), and the compute-optimal point.
import * as tf from '@tensorflow/tfjs-core';
import * as calibration from '@losskit/calibration';
import * as scaling from '@losskit/scaling';
import { makeDataset, mulberry32 } from '../data.ts';
import { h, renderMath } from '../dom.ts';
import { Figure, type Series } from '../plot.ts';
import { settings, syncUrl } from '../state.ts';
import { lastRun } from './trainView.ts';

type Rows = number[][];

// ── calibration ───────────────────────────────────────────────────────────────

interface Calibrator { transform(x: Rows): Rows | tf.Tensor }
type CalibratorClass = { fit(logits: Rows, labels: number[], options?: Record<string, unknown>): Calibrator | Promise<Calibrator> };

/** Calibrators of @losskit/calibration with a static `fit` and a `transform` (multi-class ones). */
export function calibrators(): Array<[string, CalibratorClass]> {
  return (['TemperatureScaling', 'VectorScaling', 'MatrixScaling', 'HistogramBinning', 'IsotonicRegression'] as const)
    .map((k) => [k, (calibration as Record<string, unknown>)[k]] as [string, unknown])
    .filter((e): e is [string, CalibratorClass] => typeof e[1] === 'function' && typeof (e[1] as { fit?: unknown }).fit === 'function');
}

function softmaxRows(rows: Rows): Rows {
  return rows.map((r) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

/** Top-label reliability: per equal-width confidence bin, mean confidence, accuracy and count; and the ECE. */
export function reliability(probs: Rows, labels: number[], bins = 10): { conf: number[]; acc: number[]; count: number[]; ece: number } {
  const conf = new Array<number>(bins).fill(0), acc = new Array<number>(bins).fill(0), count = new Array<number>(bins).fill(0);
  probs.forEach((p, i) => {
    let k = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[k]!) k = j;
    const c = p[k]!;
    const b = Math.min(bins - 1, Math.floor(c * bins));
    conf[b]! += c;
    acc[b]! += k === labels[i] ? 1 : 0;
    count[b]! += 1;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) {
      ece += (count[b]! / probs.length) * Math.abs(acc[b]! / count[b]! - conf[b]! / count[b]!);
      conf[b]! /= count[b]!;
      acc[b]! /= count[b]!;
    } else { conf[b] = Number.NaN; acc[b] = Number.NaN; }
  }
  return { conf, acc, count, ece };
}

/** Over-confident synthetic logits: a 75%-accurate classifier whose logits are scaled by `sharpness`. */
function syntheticSet(seed: number, sharpness: number, n = 1500, classes = 4): { logits: Rows; labels: number[] } {
  const r = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const logits: Rows = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % classes;
    const margin = 0.6 + 1.2 * r();
    logits.push(Array.from({ length: classes }, (_, j) => sharpness * ((j === y ? margin : 0) + 0.9 * g())));
    labels.push(y);
  }
  return { logits, labels };
}

function diagram(fig: Figure, r: ReturnType<typeof reliability>, title: string): void {
  const bins = r.acc.length;
  const centers = r.acc.map((_, b) => (b + 0.5) / bins);
  const gap = r.acc.map((a, b) => (Number.isFinite(a) ? r.conf[b]! : Number.NaN));
  fig.draw({
    type: 'line',
    series: [
      { x: centers, y: gap, label: 'mean confidence (gap to accuracy)', style: 'bars', barWidth: 1 / bins, color: 1, alpha: 0.3 },
      { x: centers, y: r.acc, label: 'accuracy', style: 'bars', barWidth: 1 / bins, color: 0, alpha: 0.8 },
    ],
    x: { label: 'confidence (top-label probability)', domain: [0, 1] },
    y: { label: 'accuracy', domain: [0, 1] },
    diagonal: 'perfect calibration',
  }, `${title}: reliability diagram with ${bins} bins; expected calibration error ${(100 * r.ece).toFixed(2)}%.`);
}

export function calibrationView(): HTMLElement {
  const root = h('section', { testid: 'calibration-view' }, h('h1', {}, 'Calibration'));
  const list = calibrators();
  if (list.length === 0) {
    root.append(h('p', { class: 'note', testid: 'calibration-missing' }, '@losskit/calibration exports no calibrator with fit/transform yet.'));
    return root;
  }
  if (!list.some(([k]) => k === settings.calibrator)) settings.calibrator = list[0]![0];
  const before = new Figure({ testid: 'reliability-before', alt: 'reliability before calibration', aspect: 0.85, maxHeight: 380 });
  const after = new Figure({ testid: 'reliability-after', alt: 'reliability after calibration', aspect: 0.85, maxHeight: 380 });
  const detail = h('p', { class: 'meta', testid: 'calibration-detail', 'aria-live': 'polite' });
  const eceBefore = h('strong', { testid: 'ece-before' });
  const eceAfter = h('strong', { testid: 'ece-after' });
  const pick = h('select', { testid: 'calibrator', 'aria-label': 'calibrator' }, ...list.map(([k]) => h('option', { value: k, selected: k === settings.calibrator }, k)));
  const bins = h('input', { type: 'number', min: 2, max: 50, step: 1, value: String(settings.bins), testid: 'bins', 'aria-label': 'bins' });
  const sharp = h('input', { type: 'range', min: 0.2, max: 6, step: 0.1, value: String(settings.sharpness), testid: 'sharpness', 'aria-label': 'over-confidence' });
  const useModel = h('input', { type: 'checkbox', disabled: !lastRun, testid: 'use-model' });
  const run = async () => {
    const b = Number(bins.value);
    if (!Number.isInteger(b) || b < 2 || b > 50) { detail.textContent = 'bins must be an integer in [2, 50]'; bins.setAttribute('aria-invalid', 'true'); return; }
    bins.removeAttribute('aria-invalid');
    settings.calibrator = pick.value;
    settings.bins = b;
    settings.sharpness = Number(sharp.value);
    syncUrl('/calibration');
    let fitSet: { logits: Rows; labels: number[] };
    let testSet: { logits: Rows; labels: number[] };
    let source: string;
    if (useModel.checked && lastRun) {
      const { model, options } = lastRun;
      const logitsOf = (seed: number) => {
        const d = makeDataset({ ...options, n: 600, seed });
        return { logits: tf.tidy(() => model.forward(tf.tensor2d(d.x, [d.labels.length, 2])).arraySync() as Rows), labels: Array.from(d.labels) };
      };
      fitSet = logitsOf(options.seed + 1000);
      testSet = logitsOf(options.seed + 2000);
      source = `the trained model A (loss ${lastRun.expr}) on held-out points`;
    } else {
      fitSet = syntheticSet(settings.seed + 1, settings.sharpness);
      testSet = syntheticSet(settings.seed + 2, settings.sharpness);
      source = `synthetic 4-class logits (75% accurate, logits ×${settings.sharpness})`;
    }
    try {
      const cls = list.find(([k]) => k === pick.value)![1];
      const fitted = await cls.fit(fitSet.logits, fitSet.labels, { from: 'logits' });
      const out = fitted.transform(testSet.logits);
      const probs = out instanceof tf.Tensor ? (out.arraySync() as Rows) : out;
      if (out instanceof tf.Tensor) out.dispose();
      const r0 = reliability(softmaxRows(testSet.logits), testSet.labels, b);
      const r1 = reliability(probs, testSet.labels, b);
      diagram(before, r0, 'Before');
      diagram(after, r1, `After ${pick.value}`);
      eceBefore.textContent = `${(100 * r0.ece).toFixed(2)}%`;
      eceAfter.textContent = `${(100 * r1.ece).toFixed(2)}%`;
      const t = (fitted as { temperature?: unknown }).temperature;
      detail.textContent = `${pick.value} fitted on a separate set from ${source}${typeof t === 'number' ? `: T = ${t.toFixed(3)}` : ''}.`;
    } catch (e) {
      detail.textContent = `calibration failed: ${(e as Error).message}`;
    }
  };
  for (const el of [pick, bins, useModel]) el.addEventListener('change', () => void run());
  sharp.addEventListener('input', () => void run());
  queueMicrotask(() => void run());
  root.append(
    h('p', { class: 'lead' }, 'Reliability diagrams of a classifier on held-out data before and after a post-hoc calibrator from ', h('a', { href: '#/pkg/calibration' }, '@losskit/calibration'), ': each bar is the accuracy of the predictions whose confidence falls in the bin; a calibrated model follows the diagonal.'),
    h('div', { class: 'controls' }, h('label', {}, 'calibrator ', pick), h('label', {}, 'bins ', bins), h('label', {}, 'over-confidence ', sharp), h('label', {}, useModel, ' use the model trained on the Train page')),
    h('p', {}, 'ECE before ', eceBefore, ' → after ', eceAfter),
    h('div', { class: 'plots two' }, h('div', {}, h('h3', {}, 'Before'), before.root), h('div', {}, h('h3', {}, 'After'), after.root)),
    detail,
  );
  return root;
}

// ── scaling ───────────────────────────────────────────────────────────────────

interface LawSpec {
  readonly id: string;
  readonly name: string;
  readonly family: unknown;
  readonly x: string;
  readonly target?: string;
  /** Example runs made from the law's published (or illustrative) constants with 1% noise. */
  readonly runs: () => Array<Record<string, number>>;
  /** The budget axis: compute C = 6ND for (N, D) laws. */
  readonly budget?: boolean;
}

const noise = (seed: number) => { const r = mulberry32(seed); return () => 1 + 0.01 * (r() - 0.5); };

/** One example data set per law family (constants from the papers where there are some). */
export function lawSpecs(): LawSpec[] {
  const s = scaling as Record<string, unknown> & typeof scaling;
  const out: LawSpec[] = [];
  const grid = (f: (N: number, D: number) => number) => {
    const e = noise(1);
    const runs: Array<Record<string, number>> = [];
    for (const N of [1e7, 3e7, 1e8, 3e8, 1e9]) for (const D of [2e8, 1e9, 5e9, 2e10]) runs.push({ N, D, loss: f(N, D) * e() });
    return runs;
  };
  if (s.chinchillaFamily) out.push({ id: 'chinchilla', name: 'Chinchilla L(N, D) (Hoffmann et al. 2022)', family: s.chinchillaFamily, x: 'C', budget: true, runs: () => grid((N, D) => 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28) });
  if (s.kaplanNDFamily) out.push({ id: 'kaplan-nd', name: 'Kaplan L(N, D) (Kaplan et al. 2020)', family: s.kaplanNDFamily, x: 'C', budget: true, runs: () => grid((N, D) => ((6.4e13 / N) ** (0.076 / 0.103) + 1.8e13 / D) ** 0.103) });
  if (s.kaplanFamily) out.push({ id: 'kaplan-n', name: 'Kaplan L(N) (Kaplan et al. 2020)', family: s.kaplanFamily('N'), x: 'N', runs: () => { const e = noise(2); return [1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9, 3e9].map((N) => ({ N, loss: (8.8e13 / N) ** 0.076 * e() })); } });
  if (s.kaplanFamily) out.push({ id: 'kaplan-c', name: 'Kaplan L(C) (Kaplan et al. 2020)', family: s.kaplanFamily('C'), x: 'C', runs: () => { const e = noise(3); return [1e-3, 1e-2, 0.1, 1, 10, 100].map((C) => ({ C, loss: (3.1e8 / C) ** 0.05 * e() })); } });
  if (s.powerLawFamily) out.push({ id: 'power-law', name: 'Power law with a floor E + (x₀/N)^α', family: s.powerLawFamily('N'), x: 'N', runs: () => { const e = noise(4); return [1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9].map((N) => ({ N, loss: (1.8 + (4e5 / N) ** 0.3) * e() })); } });
  if (s.nmtFamily) out.push({ id: 'nmt', name: 'NMT L(Ne, Nd) (Ghorbani et al. 2021)', family: s.nmtFamily({ NeRef: 1e8, NdRef: 1e8 }), x: 'Ne', runs: () => { const e = noise(5); const r: Array<Record<string, number>> = []; for (const Ne of [2e7, 5e7, 1e8, 3e8]) for (const Nd of [2e7, 5e7, 1e8, 3e8]) r.push({ Ne, Nd, loss: (2.2 * (1e8 / Ne) ** 0.2 * (1e8 / Nd) ** 0.3 + 0.6) * e() }); return r; } });
  if (s.downstreamLogFamily) out.push({ id: 'downstream', name: 'Downstream score vs pretraining data', family: s.downstreamLogFamily, x: 'Dp', target: 'bleu', runs: () => { const e = noise(6); return [1e6, 3e6, 1e7, 3e7, 1e8, 3e8].map((Dp) => ({ Dp, bleu: 30 * (1 - 0.5 * Math.exp(-0.4 * Math.log(Dp / 1e6))) * e() })); } });
  if (s.lossToLossFamily) out.push({ id: 'loss-to-loss', name: 'Loss-to-loss (Brandfonbrener et al. 2024)', family: s.lossToLossFamily(), x: 'Lx', target: 'Ly', runs: () => { const e = noise(7); return Array.from({ length: 12 }, (_, i) => { const Lx = 2 + 0.15 * i; return { Lx, Ly: (0.8 + 1.1 * (Lx - 1.6) ** 0.9) * e() }; }); } });
  return out;
}

function toCsv(runs: Array<Record<string, number>>): string {
  const cols = Object.keys(runs[0] ?? {});
  return [cols.join(','), ...runs.map((r) => cols.map((c) => Number(r[c]!.toPrecision(6))).join(','))].join('\n');
}

function parseCsv(text: string): Array<Record<string, number>> {
  const lines = text.trim().split(/\r?\n/).filter((l) => l.trim());
  const head = (lines.shift() ?? '').split(',').map((s) => s.trim());
  return lines.map((l, i) => {
    const cells = l.split(',').map((s) => Number(s.trim()));
    if (cells.length !== head.length || cells.some((x) => !Number.isFinite(x))) throw new Error(`row ${i + 2}: expected ${head.length} numbers`);
    return Object.fromEntries(head.map((k, j) => [k, cells[j]!]));
  });
}

export function scalingView(): HTMLElement {
  const specs = lawSpecs();
  const fitLaw = (scaling as Record<string, unknown>).fitLaw as ((f: unknown, r: unknown, o?: unknown) => { law: { predict(x: Record<string, number>): number; toString(): string }; params: Record<string, number>; converged: boolean }) | undefined;
  const root = h('section', { testid: 'scaling-view' }, h('h1', {}, 'Scaling laws'));
  if (typeof fitLaw !== 'function' || specs.length === 0) {
    root.append(h('p', { class: 'note', testid: 'scaling-missing' }, '@losskit/scaling does not export a law fitter yet.'));
    return root;
  }
  let spec = specs.find((x) => x.id === settings.law) ?? specs[0]!;
  const csv = h('textarea', { rows: 8, testid: 'scaling-csv', 'aria-label': 'runs as CSV', spellcheck: 'false' });
  csv.value = toCsv(spec.runs());
  const fam = h('select', { testid: 'scaling-family', 'aria-label': 'law' }, ...specs.map((f) => h('option', { value: f.id, selected: f.id === spec.id }, f.name)));
  const budget = h('input', { type: 'number', value: String(settings.budget), step: 'any', testid: 'scaling-budget', 'aria-label': 'compute budget C in FLOPs' });
  const budgetRow = h('label', {}, 'budget C (FLOPs) ', budget);
  const out = h('div', { testid: 'scaling-result', 'aria-live': 'polite' });
  const formula = h('div', { class: 'formula' });
  const plot = new Figure({ testid: 'scaling-plot', alt: 'scaling law fit', aspect: 0.55, maxHeight: 420 });
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'aria-label': 'upload runs CSV', onchange: async (e: Event) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) { csv.value = await f.text(); fit(); } } });
  const fit = () => {
    try {
      budgetRow.hidden = !spec.budget;
      const C = Number(budget.value);
      if (spec.budget && !(C > 0)) throw new Error('the budget C must be a positive number of FLOPs');
      settings.law = spec.id;
      settings.budget = C;
      syncUrl('/scaling');
      const family = spec.family as { latex?: string; inputNames: readonly string[] };
      const runs = parseCsv(csv.value);
      const res = fitLaw(family, runs, spec.target ? { target: spec.target } : undefined);
      if (family.latex) renderMath(formula, family.latex);
      const rows = [h('p', {}, h('code', { class: 'wrap' }, res.law.toString()), res.converged ? '' : ' (not converged)')];
      const yKey = spec.target ?? 'loss';
      const series: Series[] = [];
      const vlines = [];
      if (spec.budget) {
        // Compute-optimal allocation of the fitted law along the budget C = 6ND, as a curve over a grid of budgets.
        const opt = (c: number) => scaling.computeOptimal(res.law as never, c);
        const cs = runs.map((r) => 6 * r.N! * r.D!);
        const lo = Math.log10(Math.min(...cs, C)) - 0.3, hi = Math.log10(Math.max(...cs, C)) + 0.3;
        const fx: number[] = [], fy: number[] = [];
        for (let k = 0; k <= 80; k++) { const c = 10 ** (lo + ((hi - lo) * k) / 80); fx.push(c); fy.push(opt(c).loss); }
        const o = opt(C);
        rows.push(h('p', { testid: 'scaling-optimal' }, `Compute-optimal at C = ${C.toExponential(2)} FLOPs: N* = ${o.N.toExponential(3)}, D* = ${o.D.toExponential(3)} (${(o.D / o.N).toFixed(1)} tokens per parameter), predicted loss ${o.loss.toFixed(4)}.`));
        series.push({ x: fx, y: fy, label: 'fitted law at the compute-optimal (N, D)', color: 1 });
        series.push({ x: cs, y: runs.map((r) => r[yKey]!), label: 'runs', style: 'points', color: 0 });
        series.push({ x: [C], y: [o.loss], label: 'compute-optimal point at C', style: 'points', color: 2, width: 6 });
        vlines.push({ at: C, label: `budget C = ${C.toExponential(1)}` });
        plot.draw({ type: 'line', series, vlines, x: { label: 'compute C = 6ND (FLOPs)', log: true }, y: { label: 'loss' } },
          `Runs and the fitted ${spec.name} along the compute-optimal frontier; at C = ${C.toExponential(1)} the predicted loss is ${o.loss.toFixed(3)}.`);
      } else {
        const x = spec.x;
        const xs = runs.map((r) => r[x]!);
        const log = xs.every((v) => v > 0) && Math.max(...xs) / Math.min(...xs) > 20;
        const lo = Math.min(...xs), hi = Math.max(...xs);
        const others = family.inputNames.filter((n) => n !== x);
        // The curve: the law over a sorted grid of x (other inputs at their median), never the CSV order.
        const med = Object.fromEntries(others.map((n) => { const v = runs.map((r) => r[n]!).sort((a, b) => a - b); return [n, v[Math.floor(v.length / 2)]!]; }));
        const gx: number[] = [], gy: number[] = [];
        for (let k = 0; k <= 80; k++) { const v = log ? 10 ** (Math.log10(lo) + ((Math.log10(hi) - Math.log10(lo)) * k) / 80) : lo + ((hi - lo) * k) / 80; gx.push(v); gy.push(res.law.predict({ ...med, [x]: v })); }
        series.push({ x: gx, y: gy, label: `fit${others.length ? ` (${others.map((n) => `${n} = ${med[n]!.toExponential(1)}`).join(', ')})` : ''}`, color: 1 });
        series.push({ x: xs, y: runs.map((r) => r[yKey]!), label: 'runs', style: 'points', color: 0 });
        rows.push(h('p', { testid: 'scaling-optimal' }, `Fitted parameters: ${Object.entries(res.params).map(([k, v]) => `${k} = ${Number(v.toPrecision(4))}`).join(', ')}.`));
        plot.draw({ type: 'line', series, x: { label: x, log }, y: { label: yKey } }, `Runs and the fitted ${spec.name} over ${x}.`);
      }
      out.replaceChildren(...rows);
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, (e as Error).message));
    }
  };
  fam.addEventListener('change', () => { spec = specs.find((x) => x.id === fam.value) ?? specs[0]!; csv.value = toCsv(spec.runs()); fit(); });
  budget.addEventListener('change', fit);
  queueMicrotask(fit);
  root.append(
    h('p', { class: 'lead' }, 'Pick a law: its example runs (made from the paper’s constants with 1% noise) fill the table; paste or upload your own CSV (columns: the law’s inputs and the loss), and the fit, its curve and, for laws of N and D, the compute-optimal allocation update.'),
    h('div', { class: 'controls' }, h('label', {}, 'law ', fam), budgetRow, h('button', { testid: 'scaling-fit', onclick: fit }, 'Fit')),
    formula,
    out,
    plot.root,
    h('details', {}, h('summary', {}, 'Runs (CSV)'), csv, h('p', {}, file)),
  );
  return root;
}
