// Generated documentation: the home page, a page per package and a page per catalog entry with a live Try-it, and
// the search over entries and the API.
import type { CatalogEntry, ParamSpec } from '@losskit/core';
import { type PackageInfo, allEntries, packageBySlug, packages } from '../catalogs.ts';
import { apiHref, apiNow, firstSentence, loadApi, findExport, sourceHref } from '../api.ts';
import { fmtValue, h, renderMath } from '../dom.ts';
import { parseExpression } from '../dsl.ts';
import { liveExample } from '../live.ts';
import { Figure } from '../plot.ts';
import { Evaluator, curveSetup } from '../curves.ts';
import { type Outcome, tryEntry } from '../tryit.ts';

/** `#/` — what losskit is, a live example, and every package. */
export function homeView(): HTMLElement {
  const total = packages.reduce((n, p) => n + p.entries.length, 0);
  return h(
    'section',
    { testid: 'home' },
    h('h1', {}, 'losskit'),
    h('p', { class: 'lead', testid: 'home-lead' },
      'losskit is a TypeScript library of machine-learning objectives for tfjs: you write a loss as a typed expression from small terms (',
      h('code', {}, 'ce()'), ', ', h('code', {}, 'square()'), ', ', h('code', {}, 'focal({ gamma: 2 })'), ') and combinators (',
      h('code', {}, '.plus'), ', ', h('code', {}, '.incorrect()'), ', ', h('code', {}, '.mean()'),
      '), and ', h('code', {}, 'compile()'), ' turns it into a fused tfjs function with its value, per-example values and gradient, on WebGL, WASM or CPU. ',
      `Around it are the losses from the literature, optimizers, calibration, metric learning, unlearning and scaling laws: ${total} catalog entries, each with a page that runs in your browser. Edit the expression below.`),
    liveExample('ce().plus(square().incorrect())', { testid: 'home-live' }),
    h('p', {}, h('a', { href: '#/guide', class: 'button' }, 'Write your own loss →'), ' ', h('a', { href: '#/play', class: 'button secondary' }, 'Open the playground'), ' ', h('a', { href: '#/api', class: 'button secondary' }, 'API reference')),
    h('h2', {}, 'Packages'),
    h(
      'div',
      { class: 'cards' },
      ...packages.map((p) =>
        h(
          'a',
          { class: 'card', href: `#/pkg/${p.slug}`, testid: `pkg-card-${p.slug}` },
          h('h3', {}, p.name),
          h('p', {}, p.blurb),
          h('span', { class: 'count' }, p.entries.length === 0 ? 'no catalog entries yet' : `${p.entries.length} entr${p.entries.length === 1 ? 'y' : 'ies'}`),
        ),
      ),
    ),
  );
}

/** `#/pkg/<slug>` — the package's entries grouped by category. */
/** Site pages with a study of a package's functions, linked from the package page. */
const STUDY_PAGES: Readonly<Record<string, { readonly href: string; readonly text: string }>> = {
  data: { href: '#/pruning', text: 'Pruning study →' },
  ood: { href: '#/ood', text: 'OOD study (AUROC, FPR95, score histograms) →' },
  diagnostics: { href: '#/ood', text: 'Loss-landscape slice in the OOD study →' },
};

export function packageView(slug: string): HTMLElement {
  const p = packageBySlug(slug);
  if (!p) return notFound(`no package "${slug}"`);
  const groups = new Map<string, CatalogEntry[]>();
  for (const e of p.entries) groups.set(e.category, [...(groups.get(e.category) ?? []), e]);
  return h(
    'section',
    { testid: 'package-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'packages'), ' / ', p.name),
    h('h1', {}, p.name),
    h('p', { class: 'lead' }, p.blurb, ' ', h('a', { href: apiHref(p.name) }, 'API reference →'),
      STUDY_PAGES[slug] ? ' ' : null, STUDY_PAGES[slug] ? h('a', { href: STUDY_PAGES[slug].href, testid: 'study-link' }, STUDY_PAGES[slug].text) : null),
    p.entries.length === 0
      ? h('p', { class: 'note', testid: 'empty-catalog' }, `${p.name} has no catalog entries yet (its \`catalog\` export is missing or empty). Entries appear here as soon as the package adds them.`)
      : null,
    ...[...groups.entries()].map(([cat, list]) =>
      h(
        'div',
        {},
        h('h2', {}, cat),
        h('div', { class: 'table-wrap' }, h(
          'table',
          { class: 'entries' },
          h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'summary'), h('th', { class: 'wide-only' }, 'paper'))),
          h(
            'tbody',
            {},
            ...list.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: entryHref(p, e), testid: 'entry-link' }, e.name)),
                h('td', {}, e.summary),
                h('td', { class: 'wide-only' }, e.paper ? `${e.paper.authors?.split(',')[0] ?? ''}${e.paper.authors?.includes(',') ? ' et al.' : ''}${e.paper.year ? ` (${e.paper.year})` : ''}` : '—'),
              ),
            ),
          ),
        )),
      ),
    ),
  );
}

export function entryHref(p: PackageInfo, e: CatalogEntry): string {
  return `#/entry/${p.slug}/${encodeURIComponent(e.id)}`;
}

function rangeText(r: ParamSpec['range']): string {
  if (r === undefined) return '—';
  if (typeof r === 'string') return r;
  const lo = r.min === undefined ? '(-∞' : `${r.minExclusive ? '(' : '['}${r.min}`;
  const hi = r.max === undefined ? '∞)' : `${r.max}${r.maxExclusive ? ')' : ']'}`;
  return `${lo}, ${hi}`;
}

function defaultText(d: ParamSpec['default']): string {
  return Array.isArray(d) ? `[${d.join(', ')}]` : String(d);
}

const canParse = (t: string) => {
  try { parseExpression(t); return true; } catch { return false; }
};

/** `#/entry/<slug>/<id>` — name, summary, formula, paper, parameters, example, and its Try-it (run on open). */
export function entryView(slug: string, id: string): HTMLElement {
  const p = packageBySlug(slug);
  const e = p?.entries.find((x) => x.id === id);
  if (!p || !e) return notFound(`no catalog entry "${id}" in ${slug}`);
  const formula = h('div', { class: 'formula', testid: 'entry-formula' });
  renderMath(formula, e.formula);
  const apiLink = h('a', { href: apiHref(e.package, e.export), testid: 'entry-api' }, `API: ${e.export}`);
  const srcLink = h('span', {});
  void loadApi().then((api) => {
    const x = findExport(api, e.export, e.package);
    if (x?.member.source) srcLink.replaceChildren(' · ', h('a', { href: sourceHref(x.member.source), testid: 'entry-source' }, 'source'));
  });
  const out = h('div', { class: 'tryit-out', testid: 'entry-value', 'aria-live': 'polite' }, 'running…');
  const run = h('button', { testid: 'entry-run', onclick: () => void runTry(e, p, out) }, 'Run again');
  const live = h('section', { class: 'tryit', 'aria-label': 'Try it' }, h('h2', {}, 'Try it'), h('p', { class: 'meta' }, e.tryIt?.code ? 'Runs this code in your browser:' : 'Runs the example above in your browser' + (e.example.includes('compile(') ? ', on the site’s example batch:' : ':')), e.tryIt?.code ? h('pre', { class: 'code' }, e.tryIt.code) : '', out, h('p', {}, run));
  queueMicrotask(() => void runTry(e, p, out));
  const dsl = e.dsl ? [h('h2', {}, 'As a DSL expression'), h('pre', { class: 'code', testid: 'entry-dsl' }, e.dsl)] : [];
  return h(
    'section',
    { testid: 'entry-page', 'data-entry': `${slug}/${e.id}` },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'packages'), ' / ', h('a', { href: `#/pkg/${p.slug}` }, p.name), ' / ', e.name),
    h('h1', { testid: 'entry-name' }, e.name),
    h('p', { class: 'lead' }, e.summary),
    h('p', { class: 'meta' }, h('code', {}, `import { ${e.export} } from '${e.package}'`), ` · ${e.category} · `, apiLink, srcLink),
    formula,
    h('h2', {}, 'Inputs'),
    h('p', {}, e.inputs),
    h('h2', {}, 'Parameters'),
    e.params.length === 0
      ? h('p', {}, 'None.')
      : h('div', { class: 'table-wrap' }, h(
          'table',
          { class: 'params', testid: 'entry-params' },
          h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'default'), h('th', {}, 'range'), h('th', {}, 'description'))),
          h('tbody', {}, ...e.params.map((q) => h('tr', {}, h('td', {}, h('code', {}, q.name)), h('td', {}, defaultText(q.default)), h('td', {}, rangeText(q.range)), h('td', {}, q.description)))),
        )),
    h('h2', {}, 'Paper'),
    e.paper
      ? h(
          'p',
          { testid: 'entry-paper' },
          h('em', {}, e.paper.title),
          e.paper.authors ? `, ${e.paper.authors}` : '',
          e.paper.year ? ` (${e.paper.year})` : '',
          e.paper.url ? ' · ' : '',
          e.paper.url ? h('a', { href: paperUrl(e.paper.url), rel: 'noopener', target: '_blank' }, e.paper.url) : '',
        )
      : h('p', {}, 'Standard (no single paper).'),
    h('h2', {}, 'Example'),
    h('pre', { class: 'code', testid: 'entry-example' }, e.example),
    ...dsl,
    live,
  );
}

function paperUrl(u: string): string {
  return /^https?:\/\//.test(u) ? u : /^(arXiv:)?\d{4}\.\d{4,5}/.test(u) ? `https://arxiv.org/abs/${u.replace(/^arXiv:/, '')}` : u;
}

const fmtArr = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v));

/** Shows an outcome; sets `data-state` to ok / error / unavailable (the e2e reads it). */
function showOutcome(o: Outcome, e: CatalogEntry, p: PackageInfo, out: HTMLElement): void {
  out.replaceChildren();
  out.dataset.state = o.kind === 'unavailable' ? 'unavailable' : 'ok';
  out.dataset.kind = o.kind;
  if (o.kind === 'unavailable') {
    out.append(h('p', { class: 'note' }, `This entry does not run in a browser: ${o.why}`));
    return;
  }
  if (o.kind === 'loss') {
    const { setup } = o;
    out.dataset.value = String(o.value);
    const from = setup.options.from ?? 'logits';
    const openHref = setup.call ? `#/play?e=${encodeURIComponent(setup.call)}&entry=${p.slug}/${encodeURIComponent(e.id)}${from !== 'logits' ? `&from=${from}` : ''}` : undefined;
    const batchWords = setup.batch.source === 'site' ? 'the example batch' : setup.batch.source === 'sized' ? 'the example batch at the sizes this entry fixes' : 'the entry’s own example data';
    out.append(
      h('p', {}, h('code', {}, setup.call ?? e.export), ` on ${batchWords} (from: '${from}'): `, h('span', { class: 'value', testid: 'entry-number' }, `loss = ${fmtValue(o.value)}`)),
      o.perSample ? h('p', { class: 'meta' }, `per example: [${o.perSample.map((v) => fmtValue(v)).join(', ')}]`) : '',
      h('details', {}, h('summary', {}, 'The batch'),
        h('pre', { class: 'code wrap' }, `yTrue = ${fmtArr(setup.batch.yTrue)}\nyPred = ${fmtArr(setup.batch.yPred)}${Object.entries(setup.batch.inputs).map(([k, v]) => `\ninputs.${k} = ${fmtArr(v)}`).join('')}`)),
      openHref ? h('p', {}, h('a', { class: 'button', href: openHref, testid: 'entry-open' }, 'Open in the playground')) : h('p', { class: 'meta' }, 'This expression needs values the playground editor cannot write; run it from code.'),
    );
    // The loss and its gradient as example 0's target coordinate moves (the playground shows more).
    const fig = new Figure({ alt: `loss of ${setup.call ?? e.export}`, aspect: 0.36, minHeight: 170, maxHeight: 260, testid: 'entry-plot' });
    out.append(fig.root);
    const f = (from === 'embeddings' || from === 'probs' ? from : 'logits') as 'logits' | 'probs' | 'embeddings';
    const cs = curveSetup(setup.batch, f);
    void new Evaluator(setup.expr, setup.options).curve(setup.batch, cs, f, 61).then((c) => {
      fig.draw({ type: 'line', series: [{ x: c.xs, y: c.ys, label: 'loss' }, { x: c.xs, y: c.grads, label: cs.gradLabel, dash: [5, 3], color: 1 }], x: { label: cs.label, domain: cs.range }, y: { label: 'value' } },
        `Loss of ${setup.call ?? e.export} and its gradient as the ${cs.label} moves from ${cs.range[0]} to ${cs.range[1]}.`);
    }).catch(() => fig.root.remove());
    return;
  }
  if (o.kind === 'optimizer') {
    const fig = new Figure({ alt: `Training loss of ${e.export} on ${o.label}: from ${o.losses[0]?.toFixed(3)} to ${o.losses.at(-1)?.toFixed(3)}.`, aspect: 0.4, minHeight: 170, maxHeight: 260, testid: 'entry-plot' });
    out.append(h('p', {}, `Trains ${o.label}: loss ${o.losses[0]?.toFixed(4)} → `, h('span', { class: 'value', testid: 'entry-number' }, o.losses.at(-1)?.toFixed(4) ?? ''), `, training accuracy ${(100 * o.accuracy).toFixed(1)}%.`), fig.root);
    fig.draw({ type: 'line', series: [{ x: o.losses.map((_, i) => i + 1), y: o.losses, label: `${e.export}: batch loss` }], x: { label: 'step' }, y: { label: 'cross-entropy', zero: true } });
    return;
  }
  if (o.kind === 'schedule') {
    const fig = new Figure({ alt: `Schedule ${e.export}: ${o.values[0]} at step 0, ${o.values.at(-1)} at step ${o.steps.at(-1)}.`, aspect: 0.4, minHeight: 170, maxHeight: 260, testid: 'entry-plot' });
    out.append(h('p', {}, 'The schedule’s value per step: ', h('span', { class: 'value', testid: 'entry-number' }, `${fmtValue(o.values[0]!)} → ${fmtValue(o.values.at(-1)!)}`)), fig.root);
    fig.draw({ type: 'line', series: [{ x: o.steps, y: o.values, label: e.export }], x: { label: 'step t' }, y: { label: 'value', zero: true } });
    return;
  }
  if (o.kind === 'objective') {
    out.append(h('p', {}, `Unlearning with ${o.name} for 5 steps (a small MLP trained on three blobs; forget set: half of class 2):`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'params', testid: 'entry-number' }, h('thead', {}, h('tr', {}, h('th', {}, ''), ...Object.keys(o.before).map((k) => h('th', {}, k)))),
        h('tbody', {}, h('tr', {}, h('td', {}, 'before'), ...Object.values(o.before).map((v) => h('td', {}, v.toFixed(3)))), h('tr', {}, h('td', {}, 'after'), ...Object.values(o.after).map((v) => h('td', {}, v.toFixed(3))))))));
    return;
  }
  out.append(h('pre', { class: 'code wrap', testid: 'entry-number' }, o.text));
}

async function runTry(e: CatalogEntry, p: PackageInfo, out: HTMLElement): Promise<void> {
  out.dataset.state = 'running';
  out.textContent = 'running…';
  try {
    const o = await tryEntry(e, canParse);
    showOutcome(o, e, p, out);
  } catch (err) {
    out.dataset.state = 'error';
    const typed = (err as { name?: string }).name === 'LosskitError';
    out.dataset.code = typed ? ((err as { code?: string }).code ?? 'untyped') : 'untyped';
    out.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${typed ? `${(err as { code?: string }).code}: ` : ''}${(err as Error)?.message ?? String(err)}`));
  }
}

export function notFound(msg: string): HTMLElement {
  return h('section', { testid: 'not-found' }, h('h1', {}, 'Not found'), h('p', {}, msg), h('p', {}, h('a', { href: '#/' }, 'All packages')));
}

// ── search ──────────────────────────────────────────────────────────────────────

export interface Hit {
  readonly title: string;
  readonly detail: string;
  readonly href: string;
  readonly kind: string;
  readonly score: number;
}

/** Searches catalog entries and, once loaded, the API (names first, then summaries). */
export function search(q: string, limit = 40): Hit[] {
  const s = q.trim().toLowerCase();
  if (!s) return [];
  const words = s.split(/\s+/);
  const score = (name: string, text: string): number => {
    const n = name.toLowerCase();
    const t = text.toLowerCase();
    if (!words.every((w) => n.includes(w) || t.includes(w))) return 0;
    return (n === s ? 100 : 0) + (n.startsWith(s) ? 50 : 0) + (n.includes(s) ? 25 : 0) + words.filter((w) => n.includes(w)).length * 5 + 1;
  };
  const hits: Hit[] = [];
  for (const { pkg, entry } of allEntries()) {
    const sc = score(`${entry.name} ${entry.export} ${entry.id}`, `${entry.summary} ${entry.category} ${entry.paper?.title ?? ''} ${entry.paper?.authors ?? ''}`);
    if (sc) hits.push({ title: entry.name, detail: `${pkg.name} · ${entry.category} — ${entry.summary}`, href: entryHref(pkg, entry), kind: 'entry', score: sc + 3 });
  }
  const api = apiNow();
  for (const m of api?.modules ?? []) {
    for (const x of m.exports) {
      const sc = score(x.name, x.summary ?? '');
      if (sc) hits.push({ title: x.name, detail: `${m.module} · ${x.kind}${x.summary ? ` — ${firstSentence(x.summary)}` : ''}`, href: apiHref(m.module, x.name), kind: 'api', score: sc });
    }
  }
  for (const page of PAGES) {
    const sc = score(page.title, page.words);
    if (sc) hits.push({ title: page.title, detail: page.words, href: page.href, kind: 'page', score: sc + 10 });
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, limit);
}

const PAGES = [
  { title: 'Write your own loss (guide)', href: '#/guide', words: 'guide tutorial DSL levels class sample pair batch logits probabilities named parts reductions compile options' },
  { title: 'Playground', href: '#/play', words: 'editor expression plot gradient sliders compare' },
  { title: 'Train', href: '#/train', words: 'training MLP moons spirals blobs compare losses' },
  { title: 'Calibration', href: '#/calibration', words: 'reliability diagram temperature scaling ECE' },
  { title: 'Scaling laws', href: '#/scaling', words: 'chinchilla kaplan fit compute optimal' },
  { title: 'Performance', href: '#/performance', words: 'benchmark speed fused kernels ratio' },
  { title: 'Data pruning', href: '#/pruning', words: 'pruning EL2N GraNd score curve digits' },
  { title: 'OOD detection', href: '#/ood', words: 'out-of-distribution Mahalanobis kNN AUROC FPR95 histogram loss landscape' },
];

/** `#/search?q=` — the full result list. */
export function searchView(q: string): HTMLElement {
  const list = h('ul', { class: 'hits', testid: 'search-results' });
  const fill = () => {
    const hits = search(q, 200);
    list.replaceChildren(...hits.map((x) => h('li', {}, h('a', { href: x.href }, h('span', { class: `tag ${x.kind}` }, x.kind), ' ', h('strong', {}, x.title)), h('div', { class: 'meta' }, x.detail))));
    if (!hits.length) list.append(h('li', {}, `Nothing matches “${q}”.`));
  };
  fill();
  void loadApi().then(fill);
  return h('section', { testid: 'search-page' }, h('h1', {}, `Search: ${q}`), list);
}
