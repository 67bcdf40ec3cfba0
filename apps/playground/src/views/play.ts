// The playground: edit a DSL expression; on every change (150 ms after the last key) compile it and show the formula,
// the value on the example batch, the loss and its gradient along the target logit (overlaid with up to two other
// losses), and the loss surface over two logits with the descent field. A logits / probabilities switch with the
// input hints of the catalog losses in the expression, a slider for every numeric parameter, and errors that
// underline the sub-expression at fault with a fix to apply.
import { type CompiledLoss, type Expr, LosskitError, compile } from '@losskit/core';
import { currentBackend } from '../backend.ts';
import { entryByExport, entryFrom, packageBySlug } from '../catalogs.ts';
import { type From, Evaluator, batchFor, curveSetup, siteBatch } from '../curves.ts';
import { fmtValue, h, renderMath } from '../dom.ts';
import { DslError, type NumericParam, buildersIn, checkCompilable, missingParams, numericParams, parseWithTree } from '../dsl.ts';
import { createEditor } from '../editor.ts';
import { Figure } from '../plot.ts';
import { settings, syncUrl } from '../state.ts';
import { type Batch, tryEntry } from '../tryit.ts';

export interface CompiledResult {
  readonly expr: Expr;
  readonly loss: CompiledLoss;
}

/** Parses and compiles an expression text, turning every failure into a {@link DslError}. */
export function compileText(text: string, from: From = 'logits'): CompiledResult {
  const { expr } = parseWithTree(text);
  checkCompilable(expr, text);
  try {
    return { expr, loss: compile(expr as never, { from } as never) as unknown as CompiledLoss };
  } catch (e) {
    if (e instanceof LosskitError) throw new DslError(`${e.code}: ${e.message}`, 0, text.length, e.code);
    throw e;
  }
}

const MAX_OVERLAYS = 2;
const entryBatches = new Map<string, Promise<Batch | undefined>>();

/** The batch a catalog entry's Try-it runs on (cached), when it differs from the site's. */
function batchOfEntry(slugId: string): Promise<Batch | undefined> {
  let p = entryBatches.get(slugId);
  if (!p) {
    const [slug, id] = slugId.split('/');
    const e = packageBySlug(slug ?? '')?.entries.find((x) => x.id === id);
    p = e ? tryEntry(e).then((o) => (o.kind === 'loss' ? o.setup.batch : undefined)).catch(() => undefined) : Promise.resolve(undefined);
    entryBatches.set(slugId, p);
  }
  return p;
}

/** Slider range for a parameter: the catalog's range when known, else around the value. */
function sliderRange(p: NumericParam): { min: number; max: number; step: number } {
  const owner = p.owner.replace(/^\./, '');
  const spec = entryByExport(owner)?.entry.params.find((q) => q.name === p.name);
  const r = spec?.range && typeof spec.range === 'object' ? spec.range : undefined;
  const v = p.value;
  const span = Math.max(1, Math.abs(v) * 2);
  let min = r?.min ?? (v >= 0 ? 0 : v - span);
  let max = r?.max ?? (v >= 0 ? Math.max(v * 3, 1) : v + span);
  if (p.name === 'pow' || p.name === 'gamma') max = Math.max(max, 5);
  if (!Number.isFinite(max) || max > 1e3) max = Math.max(v * 3, 10);
  if (r?.maxExclusive) max = max - (max - min) / 200;
  if (r?.minExclusive) min = min + (max - min) / 200;
  if (v < min) min = v;
  if (v > max) max = v;
  // Integer counts step by 1; anything else by a round step (1, 2 or 5 × 10^k), so typed values such as 1 or 0.25 stay reachable.
  const raw = (max - min) / 200;
  const nice = 10 ** Math.floor(Math.log10(raw));
  const step = Number.isInteger(v) && (p.name === 'k' || p.name === 'n' || p.name === 'bins' || p.name === 'samples') ? 1 : raw / nice >= 5 ? 5 * nice : raw / nice >= 2 ? 2 * nice : nice;
  return { min, max, step };
}

export function playView(): HTMLElement & { dispose?: () => void } {
  const errorBox = h('div', { class: 'error', testid: 'error', hidden: true, role: 'alert', 'aria-live': 'assertive' });
  const fixBtn = h('button', { class: 'small', testid: 'apply-fix', hidden: true }, 'Apply fix');
  const formula = h('div', { class: 'formula wrap', testid: 'formula' });
  const text = h('code', { testid: 'formula-text', class: 'wrap' });
  const info = h('span', { class: 'meta', testid: 'expr-info' });
  const value = h('span', { class: 'value', testid: 'loss-value' }, '…');
  const status = h('span', { class: 'meta', testid: 'play-status' }, 'idle');
  const hint = h('p', { class: 'hint', testid: 'input-hint' });
  const sliders = h('div', { class: 'sliders', testid: 'sliders' });
  const overlayBox = h('div', { class: 'overlays' });
  const batchNote = h('small', { testid: 'batch-note' });
  const curveFig = new Figure({ testid: 'curve', alt: 'loss curve', aspect: 0.62, maxHeight: 380 });
  const gradFig = new Figure({ testid: 'grad', alt: 'gradient curve', aspect: 0.62, maxHeight: 380 });
  const surfFig = new Figure({ testid: 'surface', alt: 'loss surface', aspect: 0.82, maxHeight: 420 });
  const surfBox = h('div', { class: 'surface-box' }, h('h3', {}, 'Loss surface over two logits'), surfFig.root);
  let from: From = settings.from;
  const fromSwitch = h('div', { class: 'switch', role: 'radiogroup', 'aria-label': 'what yPred holds' },
    ...(['logits', 'probs', 'embeddings'] as const).map((f) => h('label', {}, h('input', { type: 'radio', name: 'from', value: f, checked: f === from, testid: `from-${f}`, onchange: () => { from = f; settings.from = f; void update(editor.value(), 'full'); } }), f === 'probs' ? 'probabilities' : f)));
  const share = h('button', {
    class: 'secondary', testid: 'share',
    onclick: async () => {
      syncUrl('/play');
      try { await navigator.clipboard.writeText(location.href); share.textContent = 'Link copied'; } catch { share.textContent = 'Link in the address bar'; }
    },
  }, 'Copy share link');

  // Overlays: up to two more expressions on the same axes (the URL's `vs`).
  const overlays: string[] = settings.overlays.slice(0, MAX_OVERLAYS);
  const addBtn = h('button', { class: 'secondary small', testid: 'add-overlay', onclick: () => { if (overlays.length < MAX_OVERLAYS) { overlays.push('ce()'); renderOverlays(); void update(editor.value(), 'full'); } } }, '+ compare with another loss');
  function renderOverlays(): void {
    overlayBox.replaceChildren(
      ...overlays.map((t, i) => h('div', { class: 'overlay-row' },
        h('span', { class: `swatch line`, style: `--c:var(--c${i + 1})` }),
        h('input', { class: 'expr', value: t, testid: `overlay-${i + 1}`, 'aria-label': `comparison loss ${i + 1}`, spellcheck: 'false',
          oninput: (e: Event) => { overlays[i] = (e.target as HTMLInputElement).value; settings.overlays = [...overlays]; schedule(editor.value()); } }),
        h('button', { class: 'secondary small', 'aria-label': `remove comparison ${i + 1}`, onclick: () => { overlays.splice(i, 1); renderOverlays(); void update(editor.value(), 'full'); } }, '×'))),
      overlays.length < MAX_OVERLAYS ? addBtn : '',
    );
    settings.overlays = [...overlays];
  }
  renderOverlays();

  let generation = 0;
  let lastTree: ReturnType<typeof parseWithTree> | undefined;
  // Comparison curves depend only on their text, `from` and the batch: kept while a slider moves the main expression.
  const overlayCache = new Map<string, Awaited<ReturnType<Evaluator['curve']>>>();
  let profileCache: { key: string; batch: Batch; note: string } | undefined;
  let sliderKey = '';
  const timing = { keyToPlot: 0, sliderToPlot: 0 };

  async function profileBatch(expr: Expr, names: string[]): Promise<{ batch: Batch; note: string }> {
    // A catalog loss in the expression that needs other data (targets, inputs) brings its Try-it batch.
    const pinned = settings.entry;
    const candidates = [...(pinned ? [pinned] : []), ...names.map((n) => entryByExport(n)).filter((x) => x !== undefined).map((x) => `${x.pkg.slug}/${x.entry.id}`)];
    for (const c of candidates) {
      const b = await batchOfEntry(c);
      if (b && (b.source !== 'site' || Object.keys(b.inputs).length > 0 || !Array.isArray(b.yTrue) || typeof (b.yTrue as unknown[])[0] !== 'number' || from === 'embeddings')) {
        try {
          const ev = new Evaluator(expr, { from });
          await ev.value(batchFor(b, from));
          return { batch: batchFor(b, from), note: `the Try-it batch of ${c}` };
        } catch {
          // this batch does not fit the expression; try the next
        }
      }
    }
    return { batch: siteBatch(from === 'embeddings' ? 'logits' : from), note: 'the example batch' };
  }

  async function update(src: string, mode: 'full' | 'slider', t0 = performance.now()): Promise<void> {
    const gen = ++generation;
    settings.expr = src;
    syncUrl('/play');
    status.textContent = 'computing';
    status.removeAttribute('data-for');
    let parsed: ReturnType<typeof parseWithTree>;
    try {
      parsed = parseWithTree(src);
      checkCompilable(parsed.expr, src);
    } catch (e) {
      showError(e, src, gen);
      return;
    }
    lastTree = parsed;
    const names = buildersIn(parsed.tree);
    try {
      // Input hints from the catalog losses in the expression.
      const hints = names.map((n) => entryByExport(n)).filter((x) => x !== undefined);
      const wantsProbs = hints.find((x) => entryFrom(x.entry) === 'probs');
      const wantsEmb = hints.find((x) => entryFrom(x.entry) === 'embeddings');
      hint.replaceChildren(...hints.slice(0, 2).map((x) => h('span', {}, h('a', { href: `#/entry/${x.pkg.slug}/${x.entry.id}` }, x.entry.export), `: ${x.entry.inputs}. `)));
      const want = wantsEmb ? 'embeddings' : wantsProbs ? 'probs' : undefined;
      if (want && want !== from) {
        hint.append(h('strong', { class: 'warn', testid: 'from-warning' }, `${(wantsEmb ?? wantsProbs)!.entry.export} reads ${want === 'probs' ? 'probabilities' : 'embeddings'}: `), h('button', { class: 'small', testid: 'switch-from', onclick: () => { from = want; settings.from = want; (fromSwitch.querySelector(`[value=${want}]`) as HTMLInputElement).checked = true; void update(editor.value(), 'full'); } }, `switch to ${want === 'probs' ? 'probabilities' : want}`));
      } else if (!hints.length) hint.textContent = from === 'logits' ? 'yPred holds logits: prob() is their softmax, logProb() the log-softmax.' : from === 'probs' ? 'yPred holds probabilities (rows sum to 1): prob() reads them, logProb() is the log of the clipped value; logit() is not available.' : 'yPred holds embeddings [B, D] for pair-level terms.';
      const profileKey = `${from}|${settings.entry}|${[...new Set(names)].sort().join(',')}`;
      if (profileCache?.key !== profileKey) profileCache = { key: profileKey, ...(await profileBatch(parsed.expr, names)) };
      const { batch, note } = profileCache;
      // While a slider moves, compile without kernel generation (the values agree to float32 rounding).
      const ev = new Evaluator(parsed.expr, { from });
      const r = await ev.value(batch);
      const setup = curveSetup(batch, from);
      const curve = await ev.curve(batch, setup, from);
      const series = [{ text: src, curve }];
      const bad: string[] = [];
      for (const o of overlays) {
        const key = `${o}|${profileKey}|${setup.column}|${setup.range.join(',')}`;
        try {
          let c = overlayCache.get(key);
          if (!c) {
            const p = parseWithTree(o);
            checkCompilable(p.expr, o);
            c = await new Evaluator(p.expr, { from }).curve(batch, setup, from);
            overlayCache.set(key, c);
          }
          series.push({ text: o, curve: c });
        } catch (e) {
          bad.push(`${o}: ${(e as Error).message}`);
        }
      }
      if (gen !== generation) return;
      errorBox.hidden = true;
      fixBtn.hidden = true;
      editor.markError(null);
      curveFig.root.classList.remove('stale');
      if (bad.length) { errorBox.hidden = false; errorBox.textContent = `comparison skipped — ${bad.join('; ')}`; }
      // The formula (KaTeX) is typeset after the plots, so a slider's redraw never waits for it.
      const latex = parsed.expr.toLatex();
      const typeset = () => { if (gen === generation && formula.getAttribute('data-latex') !== latex) renderMath(formula, latex, false); };
      if (mode === 'slider') requestAnimationFrame(typeset);
      else typeset();
      text.textContent = parsed.expr.toString();
      info.textContent = `${parsed.expr.level}-level · ${parsed.expr.needs === 'logits' ? 'needs logits' : 'logits or probabilities'} · from: '${from}' · backend ${currentBackend() ?? '?'}`;
      value.textContent = fmtValue(r.value);
      value.setAttribute('data-value', String(r.value));
      batchNote.textContent = `on ${note}: yTrue = ${JSON.stringify(batch.yTrue)}, yPred = ${JSON.stringify(batch.yPred, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(3)) : v))}${Object.keys(batch.inputs).length ? `, inputs: ${Object.keys(batch.inputs).join(', ')}` : ''}; compile(expr, { from: '${from}' }), mean reduction.${r.perSample ? ` Per example: [${r.perSample.map((v) => Number(v.toPrecision(4))).join(', ')}].` : ''}`;
      curveFig.draw({ type: 'line', series: series.map((s, i) => ({ x: s.curve.xs, y: s.curve.ys, label: s.text, color: i })), x: { label: setup.label, domain: setup.range }, y: { label: parsed.expr.level === 'sample' ? 'per-example loss ℓ' : 'batch loss L' } },
        `Loss of ${series.map((s) => s.text).join(', ')} as the ${setup.label} moves from ${setup.range[0]} to ${setup.range[1]}; at the start ${fmtValue(curve.ys[0]!)}, at the end ${fmtValue(curve.ys[curve.ys.length - 1]!)}.`);
      gradFig.draw({ type: 'line', series: series.map((s, i) => ({ x: s.curve.xs, y: s.curve.grads, label: s.text, color: i })), x: { label: setup.label, domain: setup.range }, y: { label: setup.gradLabel }, hlines: [{ at: 0 }] },
        `Gradient ${setup.gradLabel} of the same losses along the ${setup.label}.`);
      if (mode === 'full') {
        const s = from === 'logits' ? await ev.surface(batch, setup.column) : undefined;
        if (gen !== generation) return;
        surfBox.hidden = !s;
        if (s) {
          surfFig.draw({ type: 'heatmap', values: s.values, nx: 40, ny: 40, x: { label: `z${setup.column}`, domain: [-6, 6] }, y: { label: `z${s.other}`, domain: [-6, 6] }, colorLabel: 'per-example loss', arrows: { nx: 12, ny: 12, gx: s.gx, gy: s.gy } },
            `Heatmap of the loss of ${src} over logits z${setup.column} and z${s.other} of example 0, from ${fmtValue(Math.min(...s.values))} to ${fmtValue(Math.max(...s.values))}, with arrows along the descent direction.`);
        }
        buildSliders(src, parsed.tree);
      }
      const ms = performance.now() - t0;
      if (mode === 'slider') timing.sliderToPlot = ms; else timing.keyToPlot = ms;
      status.textContent = 'ok';
      status.setAttribute('data-for', src);
      status.setAttribute('data-ms', ms.toFixed(1));
      status.setAttribute('data-mode', mode);
    } catch (e) {
      showError(e, src, gen);
    }
  }

  function showError(e: unknown, src: string, gen: number): void {
    if (gen !== generation) return;
    const err = e instanceof DslError ? e : e instanceof LosskitError ? new DslError(`${e.code}: ${e.message}`, 0, src.length, e.code) : new DslError(String((e as Error)?.message ?? e), 0, src.length);
    errorBox.hidden = false;
    errorBox.textContent = err.message;
    if (err.code) errorBox.setAttribute('data-code', err.code);
    else errorBox.removeAttribute('data-code');
    if (err.fix) {
      const fix = err.fix;
      fixBtn.hidden = false;
      fixBtn.textContent = `Apply fix: ${fix.label}`;
      fixBtn.onclick = () => editor.replace(fix.from, fix.to, fix.text);
    } else fixBtn.hidden = true;
    editor.markError(err.to > err.from ? { from: err.from, to: err.to } : { from: 0, to: src.length });
    value.textContent = '—';
    value.removeAttribute('data-value');
    curveFig.root.classList.add('stale');
    status.textContent = 'error';
    status.setAttribute('data-for', src);
  }

  function buildSliders(src: string, tree: ReturnType<typeof parseWithTree>['tree']): void {
    const params = numericParams(tree);
    const key = `${params.map((p) => `${p.owner}.${p.name}@${p.from}`).join('|')}#${buildersIn(tree).join(',')}`;
    if (key === sliderKey && sliders.childElementCount > 0) return;
    sliderKey = key;
    sliders.replaceChildren(...params.map((p, i) => {
      const { min, max, step } = sliderRange(p);
      const out = h('output', {}, String(p.value));
      const input = h('input', { type: 'range', min, max, step, value: String(p.value), testid: `slider-${i}`, 'aria-label': `${p.name} of ${p.owner}` });
      input.addEventListener('input', () => {
        const t0 = performance.now();
        const cur = numericParams(lastTree!.tree)[i];
        if (!cur) return;
        const v = Number(input.value);
        const textV = String(Number(v.toPrecision(4)));
        out.textContent = textV;
        editor.replace(cur.from, cur.to, textV, true);
        void update(editor.value(), 'slider', t0);
      });
      input.addEventListener('change', () => void update(editor.value(), 'full'));
      return h('label', { class: 'slider' }, h('span', {}, h('code', {}, p.name), p.owner && !p.owner.startsWith('.') ? ` (${p.owner})` : ''), input, out);
    }));
    // Catalog parameters left at their default: one click writes them into the expression (and a slider appears).
    const missing = missingParams(tree, (b) => (entryByExport(b)?.entry.params ?? []).filter((q) => typeof q.default === 'number').map((q) => ({ name: q.name, value: q.default as number })));
    if (missing.length) {
      sliders.append(h('div', { class: 'add-params' }, h('span', { class: 'meta' }, 'At their defaults: '),
        ...missing.map((m) => h('button', { class: 'secondary small', testid: `add-param-${m.name}`, onclick: () => editor.replace(m.at, m.at, m.text) }, `+ ${m.name} = ${m.value} (${m.owner})`))));
    }
    if (!params.length && !missing.length) sliders.append(h('span', { class: 'meta' }, 'No numeric parameters: write one, e.g. focal({ gamma: 2 }) or .scale(0.5), and a slider appears.'));
    void src;
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  function schedule(t: string): void {
    clearTimeout(timer);
    timer = setTimeout(() => void update(t, 'full'), 150);
  }
  const editor = createEditor(h('div'), settings.expr, (t, silent) => { if (!silent) schedule(t); });
  const editorHost = h('div', { class: 'editor', testid: 'editor' }, editor.view.dom);
  queueMicrotask(() => void update(settings.expr, 'full'));
  const root = h(
    'section',
    { testid: 'play', class: 'play' },
    h('h1', {}, 'Playground'),
    h('p', { class: 'lead' }, 'Write a loss in the DSL (terms of ', h('a', { href: '#/pkg/core' }, '@losskit/core'), ', ', h('a', { href: '#/pkg/losses' }, 'losses'), ', metric-learning and unlearning; Ctrl-Space for completions; ', h('a', { href: '#/guide' }, 'the guide'), ').'),
    editorHost,
    h('div', { class: 'row' }, errorBox, fixBtn),
    h('div', { class: 'row controls' }, h('span', { class: 'meta' }, 'yPred holds'), fromSwitch, share, status),
    hint,
    formula,
    h('p', { class: 'wrap' }, text, ' ', info),
    h('p', { class: 'readout' }, 'Loss on the batch: ', value, h('br'), batchNote),
    h('h2', {}, 'Parameters'),
    sliders,
    h('h2', {}, 'Compare'),
    overlayBox,
    h('div', { class: 'plots' },
      h('div', {}, h('h3', {}, 'Loss'), curveFig.root),
      h('div', {}, h('h3', {}, 'Gradient'), gradFig.root),
      surfBox),
  ) as HTMLElement & { dispose?: () => void; timing?: typeof timing };
  root.timing = timing;
  (window as unknown as { losskitTiming?: typeof timing }).losskitTiming = timing;
  root.dispose = () => { clearTimeout(timer); generation++; };
  return root;
}
