// The train view: a 2-D data set split into train and held-out points, a small MLP, an optimizer, and loss A (the
// editor's expression) and loss B trained side by side from the same seed (same data, same initial weights). One
// chart of train and held-out loss for A and B on shared axes, one of accuracy, and the decision regions; play /
// pause / step / reset; every input validated and in the share URL; the run stops when the view is left. Losses are
// read back from the device once per frame (10 steps), never per step.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type DatasetOptions, datasetNames, makeDataset } from '../data.ts';
import { fmtValue, h } from '../dom.ts';
import { Figure } from '../plot.ts';
import { settings, syncUrl } from '../state.ts';
import { type Mlp, type Stepper, accuracy, gridPredictions, makeMlp, makeStepper } from '../train.ts';
import { compileText } from './play.ts';

const RANGE = 1.8;
const STEPS_PER_FRAME = 10;

interface Run {
  readonly id: 'A' | 'B';
  readonly text: string;
  readonly model: Mlp;
  readonly stepper: Stepper;
  readonly loss: (y: Tensor, p: Tensor) => tf.Scalar;
  readonly train: number[];
  readonly test: number[];
  readonly accTrain: number[];
  readonly accTest: number[];
  readonly at: number[];
}

/** The model A of the last training run (for the calibration view), with its data set and seed. */
export let lastRun: { model: Mlp; options: DatasetOptions; expr: string } | undefined;

type NumKey = 'noise' | 'imbalance' | 'seed' | 'steps' | 'lr' | 'hidden' | 'split';
const LIMITS: Record<NumKey, { min: number; max: number; step: string; integer?: boolean; label: string }> = {
  noise: { min: 0, max: 0.5, step: '0.01', label: 'label noise' },
  imbalance: { min: 0.05, max: 1, step: '0.05', label: 'minority keep' },
  seed: { min: 0, max: 1e6, step: '1', integer: true, label: 'seed' },
  hidden: { min: 2, max: 128, step: '1', integer: true, label: 'hidden units' },
  lr: { min: 1e-5, max: 10, step: '0.01', label: 'learning rate' },
  steps: { min: 1, max: 5000, step: '10', integer: true, label: 'steps' },
  split: { min: 0.1, max: 0.9, step: '0.05', label: 'held-out fraction' },
};

export function trainView(): HTMLElement & { dispose?: () => void } {
  const status = h('span', { testid: 'train-status', class: 'meta', role: 'status' }, 'idle');
  const errors = h('p', { class: 'error', hidden: true, role: 'alert', testid: 'train-error' });
  const invalid = new Map<string, string>();
  const num = (key: NumKey) => {
    const l = LIMITS[key];
    const input = h('input', { type: 'number', step: l.step, min: l.min, max: l.max, value: String(settings[key]), testid: key === 'imbalance' ? 'imbalance' : key, 'aria-describedby': 'train-error' });
    input.addEventListener('input', () => {
      const v = Number(input.value);
      const ok = input.value.trim() !== '' && Number.isFinite(v) && v >= l.min && v <= l.max && (!l.integer || Number.isInteger(v));
      input.classList.toggle('invalid', !ok);
      input.setAttribute('aria-invalid', String(!ok));
      if (ok) { invalid.delete(key); (settings as unknown as Record<string, number>)[key] = v; syncUrl('/train'); reset(); }
      else invalid.set(key, `${l.label} must be ${l.integer ? 'an integer ' : 'a number '}in [${l.min}, ${l.max}], not "${input.value}"`);
      showInvalid();
    });
    return h('label', {}, l.label, ' ', input);
  };
  const showInvalid = () => {
    errors.hidden = invalid.size === 0;
    errors.textContent = [...invalid.values()].join('; ');
    playBtn.disabled = stepBtn.disabled = invalid.size > 0;
  };
  const select = <T extends string>(key: 'dataset' | 'optimizer', values: readonly T[], testid: string) =>
    h('select', { testid, onchange: (e: Event) => { (settings as unknown as Record<string, string>)[key] = (e.target as HTMLSelectElement).value; syncUrl('/train'); reset(); } },
      ...values.map((n) => h('option', { value: n, selected: n === settings[key] }, n)));
  const exprA = h('input', { class: 'expr', value: settings.expr, testid: 'loss-a', spellcheck: 'false', 'aria-label': 'loss A' });
  const exprB = h('input', { class: 'expr', value: settings.compare, testid: 'loss-b', spellcheck: 'false', 'aria-label': 'loss B' });
  exprA.addEventListener('change', () => { settings.expr = exprA.value; syncUrl('/train'); reset(); });
  exprB.addEventListener('change', () => { settings.compare = exprB.value; syncUrl('/train'); reset(); });
  const optLabel = h('p', { testid: 'optimizer-label', class: 'meta' });
  const lossFig = new Figure({ testid: 'train-curve', alt: 'training and held-out loss of A and B', aspect: 0.5, maxHeight: 340 });
  const accFig = new Figure({ testid: 'accuracy-curve', alt: 'training and held-out accuracy of A and B', aspect: 0.5, maxHeight: 340 });
  const regionA = new Figure({ testid: 'boundary-a', alt: 'decision regions of A', aspect: 1, minHeight: 200, maxHeight: 320 });
  const regionB = new Figure({ testid: 'boundary-b', alt: 'decision regions of B', aspect: 1, minHeight: 200, maxHeight: 320 });
  const stats = h('div', { class: 'table-wrap' });
  const cell = (id: string) => h('span', { testid: id }, '—');
  const ui = {
    A: { step: cell('step-a'), first: cell('loss-first-a'), last: cell('loss-last-a'), acc: cell('accuracy-a'), test: cell('heldout-a') },
    B: { step: cell('step-b'), first: cell('loss-first-b'), last: cell('loss-last-b'), acc: cell('accuracy-b'), test: cell('heldout-b') },
  };
  stats.append(h('table', { class: 'params' }, h('thead', {}, h('tr', {}, ...['', 'steps', 'first loss', 'last loss', 'train acc.', 'held-out acc.'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...(['A', 'B'] as const).map((k) => h('tr', {}, h('td', {}, `loss ${k}`), h('td', {}, ui[k].step), h('td', {}, ui[k].first), h('td', {}, ui[k].last), h('td', {}, ui[k].acc), h('td', {}, ui[k].test))))));

  let runs: Run[] = [];
  let data: { x: Tensor; y: Tensor; xt: Tensor; yt: Tensor; pts: { x: Float32Array; labels: Int32Array }; classes: number; options: DatasetOptions } | undefined;
  let steps = 0;
  let playing = false;
  let disposed = false;
  let pending: tf.Scalar[][] = [];

  function freeAll(): void {
    for (const r of runs) { r.stepper.dispose(); if (!lastRun || lastRun.model !== r.model) r.model.dispose(); }
    runs = [];
    for (const q of pending) for (const t of q) t.dispose();
    pending = [];
    if (data) { data.x.dispose(); data.y.dispose(); data.xt.dispose(); data.yt.dispose(); data = undefined; }
  }

  function setup(): boolean {
    freeAll();
    steps = 0;
    const options: DatasetOptions = { name: settings.dataset, n: 400, labelNoise: settings.noise, imbalance: settings.imbalance, seed: settings.seed };
    const d = makeDataset(options);
    const n = d.labels.length;
    const nTest = Math.max(1, Math.round(n * settings.split));
    // Deterministic split: every k-th point is held out.
    const isTest = (i: number) => (i * nTest) % n < nTest;
    const idx = [...Array(n).keys()];
    const tr = idx.filter((i) => !isTest(i));
    const te = idx.filter(isTest);
    const take = (ids: number[]) => ({ x: Float32Array.from(ids.flatMap((i) => [d.x[2 * i]!, d.x[2 * i + 1]!])), y: Int32Array.from(ids.map((i) => d.labels[i]!)) });
    const a = take(tr);
    const b = take(te);
    data = { x: tf.tensor2d(a.x, [tr.length, 2]), y: tf.tensor1d(a.y, 'int32'), xt: tf.tensor2d(b.x, [te.length, 2]), yt: tf.tensor1d(b.y, 'int32'), pts: { x: a.x, labels: a.y }, classes: d.numClasses, options };
    const msgs: string[] = [];
    for (const [id, text] of [['A', exprA.value], ['B', exprB.value]] as const) {
      try {
        const { loss } = compileText(text);
        const model = makeMlp(settings.hidden, d.numClasses, settings.seed);
        const stepper = makeStepper(model, loss, data.x, data.y, settings.optimizer, settings.lr);
        optLabel.textContent = `optimizer: ${stepper.label} · ${tr.length} training and ${te.length} held-out points`;
        runs.push({ id, text, model, stepper, loss: (y, p) => loss(y, p) as tf.Scalar, train: [], test: [], accTrain: [], accTest: [], at: [] });
      } catch (e) {
        msgs.push(`loss ${id}: ${(e as Error).message}`);
      }
    }
    errors.hidden = msgs.length === 0 && invalid.size === 0;
    if (msgs.length) errors.textContent = msgs.join('\n');
    draw();
    return runs.length > 0;
  }

  /** Runs k steps; the per-step losses stay on the device until {@link flush}. */
  function advance(k: number): void {
    if (!data) return;
    for (let s = 0; s < k && steps < settings.steps; s++) {
      pending.push(runs.map((r) => r.stepper.step()));
      steps++;
    }
  }

  /** One read-back for all pending losses, plus held-out loss and accuracies at the current step. */
  async function flush(): Promise<void> {
    if (!data || runs.length === 0) return;
    const d = data;
    const batch = pending;
    pending = [];
    const stacked = batch.length ? tf.stack(batch.flat()) : undefined;
    const evals = tf.tidy(() => tf.stack(runs.flatMap((r) => {
      const pt = r.model.forward(d.xt);
      const pr = r.model.forward(d.x);
      const acc = (p: Tensor, y: Tensor) => tf.mean(tf.cast(tf.equal(tf.argMax(p, -1), tf.cast(y, 'int32')), 'float32'));
      return [r.loss(d.yt, pt), acc(pr, d.y), acc(pt, d.yt)];
    })));
    const [vals, ev] = await Promise.all([stacked ? stacked.data() : Promise.resolve(new Float32Array()), evals.data()]);
    stacked?.dispose();
    evals.dispose();
    for (const q of batch) for (const t of q) t.dispose();
    const R = runs.length;
    batch.forEach((_, s) => runs.forEach((r, k) => r.train.push(vals[s * R + k]!)));
    runs.forEach((r, k) => { r.at.push(steps); r.test.push(ev[3 * k]!); r.accTrain.push(ev[3 * k + 1]!); r.accTest.push(ev[3 * k + 2]!); });
    draw();
  }

  function draw(): void {
    const series = runs.flatMap((r, i) => [
      { x: r.train.map((_, s) => s + 1), y: r.train, label: `${r.id} train (${r.text})`, color: i },
      { x: r.at, y: r.test, label: `${r.id} held-out`, color: i, dash: [6, 4] },
    ]);
    lossFig.draw({ type: 'line', series, x: { label: 'step', domain: [0, Math.max(10, steps)] }, y: { label: 'loss', zero: true } },
      `Training and held-out loss of ${runs.map((r) => `${r.id} (${r.text}): ${fmtValue(r.train.at(-1) ?? NaN)} / ${fmtValue(r.test.at(-1) ?? NaN)}`).join('; ')} after ${steps} steps.`);
    accFig.draw({ type: 'line', series: runs.flatMap((r, i) => [
      { x: r.at, y: r.accTrain, label: `${r.id} train`, color: i },
      { x: r.at, y: r.accTest, label: `${r.id} held-out`, color: i, dash: [6, 4] },
    ]), x: { label: 'step', domain: [0, Math.max(10, steps)] }, y: { label: 'accuracy', domain: [0, 1] } },
      `Accuracy after ${steps} steps: ${runs.map((r) => `${r.id} train ${((r.accTrain.at(-1) ?? 0) * 100).toFixed(1)}%, held-out ${((r.accTest.at(-1) ?? 0) * 100).toFixed(1)}%`).join('; ')}.`);
    for (const r of runs) {
      const u = ui[r.id];
      u.step.textContent = String(steps);
      const show = (v: number | undefined) => (v === undefined ? '—' : fmtValue(v));
      u.first.textContent = show(r.train[0]);
      u.first.setAttribute('data-value', String(r.train[0]));
      u.last.textContent = show(r.train.at(-1));
      u.last.setAttribute('data-value', String(r.train.at(-1)));
      const acc = r.accTrain.at(-1);
      u.acc.textContent = acc === undefined ? '—' : `${(100 * acc).toFixed(1)}%`;
      u.acc.setAttribute('data-value', String(acc));
      const at = r.accTest.at(-1);
      u.test.textContent = at === undefined ? '—' : `${(100 * at).toFixed(1)}%`;
      u.test.setAttribute('data-value', String(at));
      if (data) {
        const fig = r.id === 'A' ? regionA : regionB;
        fig.draw({ type: 'region', n: 56, ...gridPredictions(r.model, 56, RANGE), points: data.pts, r: RANGE, classes: data.classes }, `Decision regions of model ${r.id} after ${steps} steps, with the training points.`);
      }
    }
    void accuracy;
  }

  async function loop(): Promise<void> {
    while (playing && !disposed && steps < settings.steps) {
      advance(STEPS_PER_FRAME);
      await flush();
      status.textContent = `running · step ${steps}`;
      await tf.nextFrame();
    }
    if (disposed) return;
    if (steps >= settings.steps) { playing = false; status.textContent = 'done'; }
    else if (!playing) status.textContent = `paused at step ${steps}`;
    playBtn.textContent = 'Play';
    keepForCalibration();
  }

  function keepForCalibration(): void {
    const a = runs.find((r) => r.id === 'A');
    if (a && data && (!lastRun || lastRun.model !== a.model)) {
      if (lastRun && !runs.some((r) => r.model === lastRun!.model)) lastRun.model.dispose();
      lastRun = { model: a.model, options: data.options, expr: a.text };
    }
  }

  const playBtn = h('button', { testid: 'train', onclick: () => {
    if (playing) { playing = false; return; }
    if (!data || steps >= settings.steps) { if (!setup()) return; }
    playing = true;
    playBtn.textContent = 'Pause';
    status.textContent = 'running';
    void loop();
  } }, 'Play');
  const stepBtn = h('button', { class: 'secondary', testid: 'step', onclick: async () => {
    if (playing) return;
    if (!data) { if (!setup()) return; }
    advance(1);
    await flush();
    status.textContent = `paused at step ${steps}`;
  } }, 'Step');
  const stopBtn = h('button', { class: 'secondary', testid: 'stop', onclick: () => { playing = false; } }, 'Pause');
  stopBtn.hidden = true;
  function reset(): void {
    playing = false;
    setup();
    status.textContent = 'idle';
    playBtn.textContent = 'Play';
  }
  const resetBtn = h('button', { class: 'secondary', testid: 'reset', onclick: reset }, 'Reset');

  const root = h(
    'section',
    { testid: 'train-view' },
    h('h1', {}, 'Train'),
    h('p', { class: 'lead' }, 'A 2-layer tanh MLP trained full-batch on a generated 2-D data set with loss A and, from the same seed (same data, same initial weights), loss B. Dashed lines are the held-out points.'),
    h('div', { class: 'controls' },
      h('label', {}, 'data ', select('dataset', datasetNames, 'dataset')), num('noise'), num('imbalance'), num('split'), num('seed'),
      num('hidden'), h('label', {}, 'optimizer ', select('optimizer', ['adam', 'sgd'] as const, 'optimizer')), num('lr'), num('steps')),
    h('div', { class: 'controls' }, h('label', { class: 'grow' }, 'loss A ', exprA), h('label', { class: 'grow' }, 'loss B ', exprB)),
    h('p', { class: 'row' }, playBtn, stepBtn, resetBtn, stopBtn, status),
    h('div', { id: 'train-error' }, errors),
    optLabel,
    h('div', { class: 'plots two' }, h('div', {}, h('h3', {}, 'Loss'), lossFig.root), h('div', {}, h('h3', {}, 'Accuracy'), accFig.root)),
    stats,
    h('div', { class: 'plots two' }, h('div', {}, h('h3', {}, 'Decision regions, A'), regionA.root), h('div', {}, h('h3', {}, 'Decision regions, B'), regionB.root)),
  ) as HTMLElement & { dispose?: () => void };
  queueMicrotask(() => { if (!disposed) setup(); });
  root.dispose = () => {
    disposed = true;
    playing = false;
    keepForCalibration();
    // Free everything but model A (the calibration view uses it).
    for (const r of runs) { r.stepper.dispose(); if (lastRun?.model !== r.model) r.model.dispose(); }
    runs = [];
    for (const q of pending) for (const t of q) t.dispose();
    pending = [];
    if (data) { data.x.dispose(); data.y.dispose(); data.xt.dispose(); data.yt.dispose(); data = undefined; }
    (window as unknown as { losskitTrainStopped?: number }).losskitTrainStopped = steps;
  };
  return root;
}
