// The Export tab: the playground's expression as a PyTorch or NumPy module (toPyTorch / toNumPy), with the
// `from` and reduction options, a copy button, the equivalent `losskit export` command and a link to the guide
// "From the browser to a cluster".
import { type PredictionKind, type Reduction, toNumPy, toPyTorch } from '@losskit/core';
import { h } from '../dom.ts';
import { DslError, parseExpression } from '../dsl.ts';
import { createEditor } from '../editor.ts';
import { settings, syncUrl } from '../state.ts';

const TARGETS = [['pytorch', 'PyTorch'], ['numpy', 'NumPy']] as const;
const FROMS: readonly PredictionKind[] = ['logits', 'probs', 'embeddings'];
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'];

/** The shell command that prints the same module (single quotes escaped for POSIX shells). */
function command(src: string, target: string, from: PredictionKind, reduction: Reduction): string {
  const opts = [target !== 'pytorch' ? `--to ${target}` : '', from !== 'logits' ? `--from ${from}` : '', reduction !== 'mean' ? `--reduction ${reduction}` : ''].filter(Boolean);
  return `losskit export ${opts.length ? `${opts.join(' ')} ` : ''}'${src.replace(/'/g, `'\\''`)}'`;
}

export function exportView(): HTMLElement {
  const select = <T extends string>(testid: string, options: ReadonlyArray<readonly [T, string]>, onchange: () => void) =>
    h('select', { testid, onchange }, ...options.map(([v, label]) => h('option', { value: v }, label)));
  const target = select('export-target', TARGETS, () => update());
  const from = select('export-from', FROMS.map((f) => [f, f] as const), () => update());
  const reduction = select('export-reduction', REDUCTIONS.map((r) => [r, r] as const), () => update());
  const code = h('pre', { class: 'code', testid: 'export-code' });
  const cmd = h('code', { testid: 'export-command' });
  const errorBox = h('div', { class: 'error', testid: 'export-error', hidden: true });
  const copied = h('span', { class: 'meta', testid: 'export-copied' });
  const copy = h('button', {
    testid: 'export-copy',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(code.textContent ?? '');
        copied.textContent = 'Copied';
      } catch {
        copied.textContent = 'Copy failed: select the code and copy it by hand';
      }
    },
  }, 'Copy');

  let text = settings.expr;
  function update(): void {
    copied.textContent = '';
    const t = target.value as 'pytorch' | 'numpy';
    const f = from.value as PredictionKind;
    const r = reduction.value as Reduction;
    cmd.textContent = command(text, t, f, r);
    try {
      const expr = parseExpression(text);
      const options = { from: f, reduction: r, source: text };
      code.textContent = t === 'pytorch' ? toPyTorch(expr, options) : toNumPy(expr, options);
      errorBox.hidden = true;
      errorBox.removeAttribute('data-code');
      code.classList.remove('stale');
      copy.removeAttribute('disabled');
    } catch (e) {
      const err = e as DslError;
      errorBox.hidden = false;
      errorBox.textContent = err.message;
      if (err.code) errorBox.setAttribute('data-code', err.code);
      code.classList.add('stale');
      copy.setAttribute('disabled', '');
      editor.markError(e instanceof DslError && err.to > err.from ? { from: err.from, to: err.to } : null);
    }
  }
  const editorHost = h('div', { class: 'editor', testid: 'export-editor' });
  const editor = createEditor(editorHost, settings.expr, (src) => {
    text = src;
    settings.expr = src;
    syncUrl('/export');
    editor.markError(null);
    update();
  });
  queueMicrotask(update);

  return h(
    'section',
    { testid: 'export' },
    h('h1', {}, 'Export'),
    h(
      'p',
      { class: 'lead' },
      'The expression as a self-contained Python module: ',
      h('code', {}, 'loss(y_true, y_pred, sample_weight=None)'),
      ', ',
      h('code', {}, 'per_sample'),
      ', ',
      h('code', {}, 'parts'),
      ' and, for PyTorch, an ',
      h('code', {}, 'nn.Module'),
      ', with the same values and gradients as ',
      h('code', {}, 'compile()'),
      '. Train with it on PyTorch’s distributed engine: ',
      h('a', { href: '#/guide/cluster', testid: 'export-guide' }, 'From the browser to a cluster'),
      '.',
    ),
    editorHost,
    h('div', { class: 'row' }, h('label', {}, 'target ', target), h('label', {}, 'from ', from), h('label', {}, 'reduction ', reduction), copy, copied),
    errorBox,
    h('p', { class: 'meta' }, 'Command line: ', cmd),
    code,
  );
}
