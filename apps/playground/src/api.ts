// The API reference: generated at build time by tooling/docs/api.mjs (TypeDoc over every package's public entry
// points) and loaded on demand (`virtual:losskit-api`, its own chunk). Pages per module and per export with
// signatures, TSDoc, parameters, examples and links to the source (served by the site itself, #/source/...).
import { allEntries } from './catalogs.ts';
import { h } from './dom.ts';

export interface ApiSignature {
  readonly text: string;
  readonly summary?: string;
  readonly examples?: readonly string[];
  readonly see?: readonly string[];
  readonly remarks?: string;
  readonly returns?: string;
  readonly returnType?: string;
  readonly params?: ReadonlyArray<{ readonly name: string; readonly type: string; readonly doc?: string; readonly default?: string }>;
}

export interface ApiMember {
  readonly name: string;
  readonly kind: string;
  readonly summary?: string;
  readonly signatures?: readonly ApiSignature[];
  readonly type?: string;
  readonly typeParameters?: string;
  readonly examples?: readonly string[];
  readonly see?: readonly string[];
  readonly remarks?: string;
  readonly default?: string;
  readonly deprecated?: string;
  readonly source?: { readonly file: string; readonly line: number };
  readonly members?: readonly ApiMember[];
  readonly static?: boolean;
  readonly readonly?: boolean;
  readonly optional?: boolean;
}

export interface ApiModule {
  readonly module: string;
  readonly summary?: string;
  readonly exports: readonly ApiMember[];
}

export interface ApiData {
  readonly generated: string;
  readonly typedoc: string;
  readonly modules: readonly ApiModule[];
  readonly undocumented: readonly string[];
}

let loaded: ApiData | undefined;
let loading: Promise<ApiData> | undefined;

/** The API data (loaded once, on first use). */
export function loadApi(): Promise<ApiData> {
  loading ??= import('virtual:losskit-api').then((m) => (loaded = m.default));
  return loading;
}
/** The API data if already loaded. */
export function apiNow(): ApiData | undefined {
  return loaded;
}

/** URL slug of a module: `@losskit/losses/keras` → `losses.keras`. */
export const moduleSlug = (m: string) => m.replace('@losskit/', '').replace('/', '.');
export const apiHref = (module: string, name?: string) => `#/api/${moduleSlug(module)}${name ? `/${encodeURIComponent(name)}` : ''}`;
export const sourceHref = (s: { file: string; line: number }) => `#/source/${s.file}?L=${s.line}`;

/** Finds an export by name (module first, then anywhere). */
export function findExport(api: ApiData, name: string, module?: string): { module: ApiModule; member: ApiMember } | undefined {
  const mods = module ? [...api.modules.filter((m) => m.module === module), ...api.modules.filter((m) => m.module !== module)] : api.modules;
  for (const m of mods) {
    const x = m.exports.find((e) => e.name === name);
    if (x) return { module: m, member: x };
  }
  return undefined;
}

// ── a small Markdown renderer for TSDoc (paragraphs, lists, code, links) ───────

function inline(text: string, api: ApiData | undefined, module?: string): Array<Node | string> {
  const out: Array<Node | string> = [];
  const re = /`([^`]+)`|\[\[([^\]]+)\]\]|\[([^\]]+)\]\((https?:[^)]+)\)|(https?:\/\/[^\s)]+)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(h('code', {}, m[1]));
    else if (m[2] !== undefined) {
      const name = m[2].split(/[.#\s|]/)[0]!;
      const target = api ? findExport(api, name, module) : undefined;
      out.push(target ? h('a', { href: apiHref(target.module.module, target.member.name) }, h('code', {}, m[2])) : h('code', {}, m[2]));
    } else if (m[3] !== undefined) out.push(h('a', { href: m[4]!, rel: 'noopener', target: '_blank' }, m[3]));
    else out.push(h('a', { href: m[5]!, rel: 'noopener', target: '_blank' }, m[5]!));
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Renders TSDoc Markdown (paragraphs, `-` lists, fenced code, inline code, links, `{@link}`). */
export function markdown(text: string, api?: ApiData, module?: string): HTMLElement {
  const root = h('div', { class: 'md' });
  const blocks = text.replace(/\r/g, '').split(/\n{2,}|(?=```)/);
  let inCode: string[] | undefined;
  for (const raw of text.replace(/\r/g, '').split(/(```[\s\S]*?```)/)) {
    if (raw.startsWith('```')) {
      root.append(h('pre', { class: 'code' }, raw.replace(/^```\w*\n?/, '').replace(/```$/, '')));
      continue;
    }
    for (const para of raw.split(/\n{2,}/)) {
      const p = para.trim();
      if (!p) continue;
      if (/^[-*] /m.test(p) && p.split('\n').every((l) => /^\s*[-*] |^\s+\S/.test(l))) {
        const items = p.split(/\n(?=\s*[-*] )/).map((l) => h('li', {}, ...inline(l.replace(/^\s*[-*] /, ''), api, module)));
        root.append(h('ul', {}, ...items));
      } else root.append(h('p', {}, ...inline(p.replace(/\n/g, ' '), api, module)));
    }
  }
  void blocks;
  void inCode;
  return root;
}

// ── pages ───────────────────────────────────────────────────────────────────────

const loadingNote = () => h('p', { class: 'meta', testid: 'api-loading' }, 'Loading the API reference…');

/** `#/api` and `#/api/<module>`: the modules and their exports. */
export function apiIndexView(slug?: string): HTMLElement {
  // The heading stays the same element while the content loads (it has the focus after navigation).
  const title = h('h1', {}, slug ? `@losskit/${slug.replace('.', '/')}` : 'API reference');
  const crumbs = h('p', { class: 'crumbs' });
  const body = h('div', {}, loadingNote());
  const root = h('section', { testid: 'api-index' }, crumbs, title, body);
  void loadApi().then((api) => {
    const mods = slug ? api.modules.filter((m) => moduleSlug(m.module) === slug) : api.modules;
    const count = api.modules.reduce((n, m) => n + m.exports.length, 0);
    crumbs.replaceChildren(h('a', { href: '#/api' }, 'API'), slug ? ` / ${mods[0]?.module ?? slug}` : '');
    body.replaceChildren(
      h('p', { class: 'lead' }, `Every export of every package (${count} in ${api.modules.length} entry points), generated from the TSDoc by TypeDoc ${api.typedoc}. Each name links to its signature, documentation and source.`),
      ...mods.map((m) => {
        const groups = new Map<string, ApiMember[]>();
        for (const x of m.exports) groups.set(x.kind, [...(groups.get(x.kind) ?? []), x]);
        return h(
          'div',
          { class: 'api-module' },
          h('h2', {}, h('a', { href: apiHref(m.module) }, m.module)),
          m.summary ? markdown(m.summary, api, m.module) : null,
          ...[...groups.entries()].map(([kind, xs]) =>
            h('div', {}, h('h3', {}, `${kind}s`), h('ul', { class: 'api-list' }, ...xs.map((x) => h('li', {}, h('a', { href: apiHref(m.module, x.name), testid: 'api-link' }, h('code', {}, x.name)), x.summary ? ` — ${firstSentence(x.summary)}` : '')))),
          ),
        );
      }),
    );
  });
  return root;
}

export function firstSentence(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(t);
  return (m ? m[1]! : t).slice(0, 200);
}

/** A type, linked to its API page when it is an export. */
function typeLink(type: string, api: ApiData, module: string): Node {
  const name = /^[A-Z]\w*/.exec(type)?.[0];
  const target = name ? findExport(api, name, module) : undefined;
  return target ? h('a', { href: apiHref(target.module.module, target.member.name) }, h('code', {}, type)) : h('code', {}, type);
}

function memberBlock(x: ApiMember, api: ApiData, module: string, level: 'h2' | 'h3' = 'h2'): HTMLElement {
  const parts: Array<Node | null> = [];
  const head = h(level, { id: `m-${x.name}` }, h('code', {}, `${x.static ? 'static ' : ''}${x.name}`), h('span', { class: 'kind' }, ` ${x.kind}`));
  parts.push(head);
  if (x.source) parts.push(h('p', { class: 'meta' }, h('a', { href: sourceHref(x.source), testid: 'source-link' }, `${x.source.file}:${x.source.line}`)));
  if (x.signatures) {
    for (const s of x.signatures) {
      parts.push(h('pre', { class: 'sig', testid: 'api-signature' }, s.text));
      if (s.summary) parts.push(markdown(s.summary, api, module));
      if (s.params?.length) {
        parts.push(h('table', { class: 'params' }, h('thead', {}, h('tr', {}, h('th', {}, 'parameter'), h('th', {}, 'type'), h('th', {}, 'description'))),
          h('tbody', {}, ...s.params.map((p) => h('tr', {}, h('td', {}, h('code', {}, p.name)), h('td', {}, typeLink(p.type, api, module)), h('td', {}, p.doc ? markdown(p.doc, api, module) : p.default ? `default ${p.default}` : ''))))));
      }
      if (s.returns) parts.push(h('p', {}, h('strong', {}, 'Returns: '), ...inline(s.returns, api, module)));
      for (const e of s.examples ?? []) parts.push(h('pre', { class: 'code' }, e.replace(/^`|`$/g, '')));
      for (const see of s.see ?? []) parts.push(h('p', { class: 'meta' }, 'See: ', ...inline(see, api, module)));
    }
  } else {
    if (x.type) parts.push(h('pre', { class: 'sig', testid: 'api-signature' }, `${x.kind === 'type' ? `type ${x.name}${x.typeParameters ?? ''} = ` : `${x.name}${x.optional ? '?' : ''}: `}${x.type}`));
    if (x.summary) parts.push(markdown(x.summary, api, module));
  }
  if (x.remarks) parts.push(markdown(x.remarks, api, module));
  if (x.default) parts.push(h('p', { class: 'meta' }, `Default: ${x.default}`));
  if (!x.signatures) for (const e of x.examples ?? []) parts.push(h('pre', { class: 'code' }, e));
  if (x.members?.length) {
    parts.push(h('div', { class: 'members' }, ...x.members.map((m) => memberBlock(m, api, module, 'h3'))));
  }
  return h('div', { class: 'api-member' }, ...parts);
}

/** `#/api/<module>/<name>`: one export. */
export function apiPageView(slug: string, name: string): HTMLElement {
  const crumbs = h('p', { class: 'crumbs' });
  const body = h('div', {}, loadingNote());
  const root = h('section', { testid: 'api-page' }, crumbs, h('h1', {}, name), body);
  void loadApi().then((api) => {
    const m = api.modules.find((x) => moduleSlug(x.module) === slug);
    const x = m?.exports.find((e) => e.name === name);
    if (!m || !x) {
      body.replaceChildren(h('p', { class: 'note' }, `No export "${name}" in ${slug}.`));
      return;
    }
    crumbs.replaceChildren(h('a', { href: '#/api' }, 'API'), ' / ', h('a', { href: apiHref(m.module) }, m.module), ' / ', name);
    const entries = allEntries().filter((e) => e.entry.export === name && e.entry.package === m.module.replace(/^(@losskit\/[\w-]+).*$/, '$1'));
    body.replaceChildren(
      h('p', { class: 'meta' }, h('code', {}, `import { ${name} } from '${m.module}'`),
        ...entries.map((e) => h('span', {}, ' · catalog: ', h('a', { href: `#/entry/${e.pkg.slug}/${encodeURIComponent(e.entry.id)}`, testid: 'api-entry' }, e.entry.name)))),
      memberBlock(x, api, m.module),
    );
    root.setAttribute('data-loaded', 'true');
  });
  return root;
}

// ── sources ─────────────────────────────────────────────────────────────────────

const sources = import.meta.glob('../../../packages/*/src/**/*.ts', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;

/** `#/source/<path>?L=<line>`: a package source file with line numbers, the line highlighted. */
export function sourceView(path: string, line: number): HTMLElement {
  const root = h('section', { testid: 'source-view' }, h('h1', { class: 'path' }, path));
  const key = `../../../${path}`;
  const load = sources[key];
  if (!load || !/^packages\/[\w-]+\/src\//.test(path)) {
    root.append(h('p', { class: 'note' }, `No source file ${path} in this build.`));
    return root;
  }
  const body = h('div', {}, h('p', { class: 'meta' }, 'Loading…'));
  root.append(body);
  void load().then((text) => {
    const lines = text.split('\n');
    const pre = h('pre', { class: 'source', testid: 'source-code' });
    lines.forEach((l, i) => pre.append(h('span', { class: `line${i + 1 === line ? ' hl' : ''}`, id: `L${i + 1}`, 'data-n': String(i + 1) }, l), '\n'));
    body.replaceChildren(pre);
    requestAnimationFrame(() => pre.querySelector('.hl')?.scrollIntoView({ block: 'center' }));
  });
  return root;
}
