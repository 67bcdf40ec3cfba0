// Generated documentation: an index of packages, a page per package and a page per catalog entry.
import type { CatalogEntry, ParamSpec } from '@losskit/core';
import { compile } from '@losskit/core';
import { type PackageInfo, packageBySlug, packages } from '../catalogs.ts';
import { fmtValue, h, renderMath } from '../dom.ts';
import { parseExpression } from '../dsl.ts';
import { exampleLabels, exampleLogits } from '../example.ts';
import { hashFor, settings } from '../state.ts';

/** `#/` — every package with its entry count. */
export function homeView(): HTMLElement {
  return h(
    'section',
    { testid: 'home' },
    h('h1', {}, 'losskit'),
    h('p', { class: 'lead' }, 'Composable ML objectives on tfjs-core: write a loss as an expression, compile it once, run it on WebGL, WASM or CPU. Every page below is generated from the packages’ catalogs.'),
    h('p', {}, h('a', { href: hashFor('/play'), class: 'button' }, 'Open the playground →')),
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
    h('p', { class: 'lead' }, p.blurb),
    p.entries.length === 0
      ? h('p', { class: 'note', testid: 'empty-catalog' }, `${p.name} has no catalog entries yet (its \`catalog\` export is missing or empty). Entries appear here as soon as the package adds them.`)
      : null,
    ...[...groups.entries()].map(([cat, list]) =>
      h(
        'div',
        {},
        h('h2', {}, cat),
        h(
          'table',
          { class: 'entries' },
          h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'summary'), h('th', {}, 'paper'))),
          h(
            'tbody',
            {},
            ...list.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: entryHref(p, e), testid: 'entry-link' }, e.name)),
                h('td', {}, e.summary),
                h('td', {}, e.paper ? `${e.paper.authors ?? ''}${e.paper.year ? ` (${e.paper.year})` : ''}` : '—'),
              ),
            ),
          ),
        ),
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

/** `#/entry/<slug>/<id>` — name, summary, formula, paper, parameters, example, and a live run of the DSL. */
export function entryView(slug: string, id: string): HTMLElement {
  const p = packageBySlug(slug);
  const e = p?.entries.find((x) => x.id === id);
  if (!p || !e) return notFound(`no catalog entry "${id}" in ${slug}`);
  const formula = h('div', { class: 'formula', testid: 'entry-formula' });
  renderMath(formula, e.formula);
  const live = h('div', { class: 'live' });
  const builder = p.module[e.export];
  if (typeof builder === 'function' && (p.slug === 'core' || p.slug === 'losses')) {
    // Run the builder with its defaults on the example batch (the `dsl` field is shown as documentation).
    const call = `${e.export}()`;
    const out = h('span', { testid: 'entry-value' });
    const run = h('button', { testid: 'entry-run', onclick: () => runDsl(call, out) }, `Run ${call} on the example batch`);
    const open = h('a', {
      class: 'button',
      href: '#',
      testid: 'entry-open',
      onclick: (ev: Event) => {
        ev.preventDefault();
        settings.expr = call;
        location.hash = hashFor('/play');
      },
    }, 'Open in the playground');
    live.append(h('h2', {}, 'Try it'), h('p', {}, run, ' ', open, ' ', out));
  }
  const dsl = e.dsl ? [h('h2', {}, 'As a DSL expression'), h('pre', { class: 'code', testid: 'entry-dsl' }, e.dsl)] : [];
  return h(
    'section',
    { testid: 'entry-page', 'data-entry': `${slug}/${e.id}` },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'packages'), ' / ', h('a', { href: `#/pkg/${p.slug}` }, p.name), ' / ', e.name),
    h('h1', { testid: 'entry-name' }, e.name),
    h('p', { class: 'lead' }, e.summary),
    h('p', { class: 'meta' }, h('code', {}, `import { ${e.export} } from '${e.package}'`), ` · ${e.category}`),
    formula,
    h('h2', {}, 'Inputs'),
    h('p', {}, e.inputs),
    h('h2', {}, 'Parameters'),
    e.params.length === 0
      ? h('p', {}, 'None.')
      : h(
          'table',
          { class: 'params', testid: 'entry-params' },
          h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'default'), h('th', {}, 'range'), h('th', {}, 'description'))),
          h('tbody', {}, ...e.params.map((q) => h('tr', {}, h('td', {}, h('code', {}, q.name)), h('td', {}, defaultText(q.default)), h('td', {}, rangeText(q.range)), h('td', {}, q.description)))),
        ),
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
  return /^https?:\/\//.test(u) ? u : /^\d{4}\.\d{4,5}/.test(u) ? `https://arxiv.org/abs/${u}` : u;
}

function runDsl(dsl: string, out: HTMLElement): void {
  try {
    const loss = compile(parseExpression(dsl) as never);
    const v = loss(exampleLabels as number[], exampleLogits as number[][]);
    const x = v.dataSync()[0]!;
    v.dispose();
    out.textContent = `loss = ${fmtValue(x)}`;
    out.className = 'ok';
  } catch (err) {
    out.textContent = (err as Error).message;
    out.className = 'error';
    // The error's LosskitError code, or 'untyped' for anything else (a bug: the e2e fails on it).
    out.dataset.code = (err as { code?: string }).code ?? 'untyped'; // DslError keeps a wrapped LosskitError's code
  }
}

export function notFound(msg: string): HTMLElement {
  return h('section', { testid: 'not-found' }, h('h1', {}, 'Not found'), h('p', {}, msg), h('p', {}, h('a', { href: '#/' }, 'All packages')));
}
