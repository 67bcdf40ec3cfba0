// Entry point: header with navigation, search and the backend switch, and a hash router over the views. Each route
// sets the page title, moves focus to the page's heading (announced by screen readers), and disposes the previous
// view (a training run stops when its view is left).
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '@losskit/core';
import { apiIndexView, apiPageView, loadApi, sourceView } from './api.ts';
import { backendLabel, backendNames, useBackend } from './backend.ts';
import { h } from './dom.ts';
import { parseHash, readSettings, settings, syncUrl } from './state.ts';
import './style.css';
import { entryView, homeView, notFound, packageView, search, searchView } from './views/docs.ts';
import { calibrationView, scalingView } from './views/extras.ts';
import { pruningView } from './views/pruning.ts';
import { oodView } from './views/ood.ts';
import { guideView } from './views/guide.ts';
import { clusterGuideView } from './views/clusterGuide.ts';
import { exportView } from './views/exportView.ts';
import { performanceView } from './views/performance.ts';
import { playView } from './views/play.ts';
import { trainView } from './views/trainView.ts';
import { packageBySlug } from './catalogs.ts';

const app = document.getElementById('app')!;
const main = h('main', { id: 'main', tabindex: '-1' });
const announcer = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', testid: 'announcer' });
const backendShown = h('span', { class: 'backend', testid: 'backend' }, 'starting…');
const backendSelect = h(
  'select',
  { testid: 'backend-select', 'aria-label': 'backend', onchange: (e: Event) => void switchBackend((e.target as HTMLSelectElement).value as BackendName) },
  ...backendNames.map((b) => h('option', { value: b }, b)),
);

// Search box with a result list (entries, API, pages); Enter opens the full results.
const searchInput = h('input', { type: 'search', placeholder: 'Search…', 'aria-label': 'Search entries and API', testid: 'search', autocomplete: 'off', role: 'combobox', 'aria-expanded': 'false', 'aria-controls': 'search-list' });
const searchList = h('ul', { id: 'search-list', class: 'search-list', role: 'listbox', hidden: true, testid: 'search-list' });
let searchTimer: ReturnType<typeof setTimeout> | undefined;
function showSearch(): void {
  const q = searchInput.value;
  const hits = search(q, 10);
  searchList.replaceChildren(...hits.map((x) => h('li', { role: 'option' }, h('a', { href: x.href, onclick: () => closeSearch() }, h('span', { class: `tag ${x.kind}` }, x.kind), ' ', h('strong', {}, x.title), h('small', {}, ` ${x.detail.slice(0, 90)}`)))));
  searchList.hidden = hits.length === 0;
  searchInput.setAttribute('aria-expanded', String(hits.length > 0));
}
function closeSearch(): void {
  searchList.hidden = true;
  searchInput.setAttribute('aria-expanded', 'false');
}
searchInput.addEventListener('input', () => {
  void loadApi().then(() => showSearch());
  clearTimeout(searchTimer);
  searchTimer = setTimeout(showSearch, 60);
});
searchInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && searchInput.value.trim()) { location.hash = `#/search?q=${encodeURIComponent(searchInput.value.trim())}`; closeSearch(); }
  if (e.key === 'Escape') closeSearch();
  if (e.key === 'ArrowDown') { (searchList.querySelector('a') as HTMLElement | null)?.focus(); e.preventDefault(); }
});
searchInput.addEventListener('blur', () => setTimeout(() => { if (!searchList.contains(document.activeElement)) closeSearch(); }, 150));

const nav = h(
  'nav',
  { 'aria-label': 'main' },
  h('a', { href: '#/', class: 'brand' }, 'losskit'),
  h('div', { class: 'links' },
    h('a', { href: '#/', 'data-route': 'docs' }, 'Docs'),
    h('a', { href: '#/guide', 'data-route': 'guide' }, 'Guide'),
    h('a', { href: '#/api', 'data-route': 'api' }, 'API'),
    h('a', { href: '#/play', 'data-route': 'play' }, 'Playground'),
    h('a', { href: '#/train', 'data-route': 'train' }, 'Train'),
    h('a', { href: '#/calibration', 'data-route': 'calibration' }, 'Calibration'),
    h('a', { href: '#/scaling', 'data-route': 'scaling' }, 'Scaling'),
    h('a', { href: '#/performance', 'data-route': 'performance' }, 'Performance'),
    h('a', { href: '#/export', 'data-route': 'export' }, 'Export'),
    h('a', { href: '#/pruning', 'data-route': 'pruning' }, 'Pruning'),
    h('a', { href: '#/ood', 'data-route': 'ood' }, 'OOD')),
  h('div', { class: 'search-box' }, searchInput, searchList),
  h('label', { class: 'backend-pick' }, 'backend ', backendSelect, ' ', backendShown),
);
app.append(h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, 'Skip to content'), h('header', {}, nav), main, announcer);

let currentPath = '/';
let currentView: (HTMLElement & { dispose?: () => void }) | undefined;

async function switchBackend(name: BackendName): Promise<void> {
  backendShown.textContent = 'switching…';
  backendShown.removeAttribute('data-backend');
  const active = await useBackend(name);
  settings.backend = name;
  backendSelect.value = name;
  backendShown.textContent = active === name ? backendLabel() : `${backendLabel()} (${name} unavailable)`;
  backendShown.setAttribute('data-backend', active);
  syncUrl(currentPath);
  render(); // recompute the current view on the new backend
}

function route(path: string[], params: URLSearchParams): { view: HTMLElement; section: string; title: string } {
  const [head, a, b] = path;
  if (!head) return { view: homeView(), section: 'docs', title: 'losskit: composable ML objectives for tfjs' };
  if (head === 'pkg' && a) return { view: packageView(a), section: 'docs', title: `${packageBySlug(a)?.name ?? a} · losskit` };
  if (head === 'entry' && a && b) {
    const e = packageBySlug(a)?.entries.find((x) => x.id === b);
    return { view: entryView(a, b), section: 'docs', title: `${e?.name ?? b} · ${packageBySlug(a)?.name ?? a} · losskit` };
  }
  if (head === 'guide' && a === 'cluster') return { view: clusterGuideView(), section: 'export', title: 'From the browser to a cluster · losskit' };
  if (head === 'export') return { view: exportView(), section: 'export', title: 'Export to PyTorch and NumPy · losskit' };
  if (head === 'guide') return { view: guideView(), section: 'guide', title: 'Write your own loss · losskit' };
  if (head === 'api' && a && b) return { view: apiPageView(a, b), section: 'api', title: `${b} · API · losskit` };
  if (head === 'api') return { view: apiIndexView(a), section: 'api', title: `${a ? `@losskit/${a.replace('.', '/')} ` : ''}API reference · losskit` };
  if (head === 'source') return { view: sourceView(path.slice(1).join('/'), Number(params.get('L') ?? 0)), section: 'api', title: `${path.at(-1)} (source) · losskit` };
  if (head === 'search') return { view: searchView(params.get('q') ?? ''), section: '', title: `Search “${params.get('q') ?? ''}” · losskit` };
  if (head === 'play') return { view: playView(), section: 'play', title: 'Playground · losskit' };
  if (head === 'train') return { view: trainView(), section: 'train', title: 'Train · losskit' };
  if (head === 'calibration') return { view: calibrationView(), section: 'calibration', title: 'Calibration · losskit' };
  if (head === 'scaling') return { view: scalingView(), section: 'scaling', title: 'Scaling laws · losskit' };
  if (head === 'performance') return { view: performanceView(), section: 'performance', title: 'Performance · losskit' };
  if (head === 'pruning') return { view: pruningView(), section: 'pruning', title: 'Data pruning · losskit' };
  if (head === 'ood') return { view: oodView(), section: 'ood', title: 'OOD detection · losskit' };
  return { view: notFound(`no page "${path.join('/')}"`), section: '', title: 'Not found · losskit' };
}

function render(): void {
  const { path, params } = parseHash(location.hash);
  readSettings(params);
  currentPath = `/${path.map(encodeURIComponent).join('/')}`;
  currentView?.dispose?.();
  const { view, section, title } = route(path, params);
  currentView = view;
  for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-route]')) {
    a.classList.toggle('active', a.dataset.route === section);
    if (a.dataset.route === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren(view);
  document.title = title;
  window.scrollTo(0, 0);
  // Move focus to the new page's heading so keyboard and screen-reader users start there; announce the page.
  const h1 = main.querySelector('h1');
  if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
  announcer.textContent = title;
}

window.addEventListener('hashchange', () => {
  // `#main` is the skip link's target, not a route.
  if (location.hash === '#main') return;
  render();
});

async function start(): Promise<void> {
  readSettings(parseHash(location.hash).params);
  const active = await useBackend(settings.backend);
  backendSelect.value = settings.backend;
  backendShown.textContent = active === settings.backend ? backendLabel() : `${backendLabel()} (${settings.backend} unavailable)`;
  backendShown.setAttribute('data-backend', active);
  document.body.setAttribute('data-ready', 'true');
  render();
}

// Tensor count, for the e2e's check that a left view leaves nothing running.
(window as unknown as { losskitTensors?: () => number }).losskitTensors = () => tf.memory().numTensors;

void start();
