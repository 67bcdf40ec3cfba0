// A live, editable example (home page and the guide): an expression in a text box; as you type, its formula, its
// value on the example batch and its loss curve with the gradient update (150 ms after the last key).
import type { CompileOptions } from '@losskit/core';
import { type From, Evaluator, curveSetup, siteBatch } from './curves.ts';
import { fmtValue, h, renderMath } from './dom.ts';
import { DslError, checkCompilable, parseWithTree } from './dsl.ts';
import { Figure } from './plot.ts';

export interface LiveOptions {
  readonly from?: From;
  readonly compile?: CompileOptions;
  /** Show the per-sample values and named parts. */
  readonly parts?: boolean;
  readonly testid?: string;
  readonly rows?: number;
}

/** Builds a live example for `text`. */
export function liveExample(text: string, o: LiveOptions = {}): HTMLElement {
  const from = o.from ?? 'logits';
  const input = h('textarea', { class: 'live-input', rows: o.rows ?? 1, spellcheck: 'false', 'aria-label': 'loss expression', testid: o.testid ? `${o.testid}-input` : undefined });
  input.value = text;
  const formula = h('div', { class: 'formula' });
  const value = h('span', { class: 'value', testid: o.testid ? `${o.testid}-value` : undefined }, '…');
  const err = h('p', { class: 'error', hidden: true, role: 'alert' });
  const extra = h('div', { class: 'meta' });
  const fig = new Figure({ alt: 'loss and gradient along the target logit', aspect: 0.42, minHeight: 170, maxHeight: 260, ...(o.testid ? { testid: `${o.testid}-plot` } : {}) });
  const open = h('a', { class: 'button small', href: '#' }, 'Open in the playground');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gen = 0;
  const run = async () => {
    const g = ++gen;
    const src = input.value;
    open.setAttribute('href', `#/play?e=${encodeURIComponent(src)}${from !== 'logits' ? `&from=${from}` : ''}`);
    try {
      const { expr } = parseWithTree(src);
      checkCompilable(expr, src);
      const ev = new Evaluator(expr, { from, ...o.compile });
      const batch = siteBatch(from);
      const r = await ev.value(batch);
      const setup = curveSetup(batch, from);
      const c = await ev.curve(batch, setup, from, 81);
      if (g !== gen) return;
      err.hidden = true;
      renderMath(formula, expr.toLatex());
      value.textContent = fmtValue(r.value);
      value.setAttribute('data-value', String(r.value));
      const lines: string[] = [];
      if (o.parts && r.perSample) lines.push(`per example: [${r.perSample.map((v) => fmtValue(v).replace(/0+$/, '')).join(', ')}]`);
      if (o.parts) {
        const parts = ev.loss.parts(batch.yTrue as never, batch.yPred as never);
        const names = Object.keys(parts).filter((k) => k !== 'total');
        if (names.length) lines.push(`named parts: ${names.map((k) => `${k} = ${fmtValue(parts[k]!)}`).join(', ')}`);
      }
      extra.textContent = lines.join(' · ');
      fig.draw(
        { type: 'line', series: [{ x: c.xs, y: c.ys, label: 'loss ℓ' }, { x: c.xs, y: c.grads, label: setup.gradLabel, dash: [5, 3], color: 1 }], x: { label: setup.label, domain: setup.range }, y: { label: 'value' } },
        `Loss of ${src} and its gradient as the ${setup.label} moves from ${setup.range[0]} to ${setup.range[1]}.`,
      );
    } catch (e) {
      if (g !== gen) return;
      err.hidden = false;
      err.textContent = e instanceof DslError || (e as Error)?.name === 'LosskitError' ? (e as Error).message : String((e as Error)?.message ?? e);
      value.textContent = '—';
    }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => void run(), 150); });
  queueMicrotask(() => void run());
  return h('div', { class: 'live-example', testid: o.testid },
    input, err,
    h('div', { class: 'live-out' }, h('div', {}, formula, h('p', {}, 'Value on the example batch: ', value, ' ', open), extra), fig.root));
}
