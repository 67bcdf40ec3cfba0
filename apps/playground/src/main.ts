// Entry point: header with navigation and the backend switch, and a hash router over the views.
import type { BackendName } from '@losskit/core';
import { backendLabel, backendNames, useBackend } from './backend.ts';
import { h } from './dom.ts';
import { parseHash, readSettings, settings, syncUrl } from './state.ts';
import './style.css';
import { entryView, homeView, notFound, packageView } from './views/docs.ts';
import { calibrationView, scalingView } from './views/extras.ts';
import { exportView } from './views/exportView.ts';
import { guideView } from './views/guide.ts';
import { performanceView } from './views/performance.ts';
import { playView } from './views/play.ts';
import { trainView } from './views/trainView.ts';

const app = document.getElementById('app')!;
const main = h('main', {});
const backendShown = h('span', { class: 'backend', testid: 'backend' }, 'starting…');
const backendSelect = h(
  'select',
  { testid: 'backend-select', 'aria-label': 'backend', onchange: (e: Event) => void switchBackend((e.target as HTMLSelectElement).value as BackendName) },
  ...backendNames.map((b) => h('option', { value: b }, b)),
);

const nav = h(
  'nav',
  {},
  h('a', { href: '#/', class: 'brand' }, 'losskit'),
  h('a', { href: '#/', 'data-route': 'docs' }, 'Docs'),
  h('a', { href: '#/play', 'data-route': 'play' }, 'Playground'),
  h('a', { href: '#/export', 'data-route': 'export' }, 'Export'),
  h('a', { href: '#/train', 'data-route': 'train' }, 'Train'),
  h('a', { href: '#/calibration', 'data-route': 'calibration' }, 'Calibration'),
  h('a', { href: '#/scaling', 'data-route': 'scaling' }, 'Scaling'),
  h('a', { href: '#/performance', 'data-route': 'performance' }, 'Performance'),
  h('span', { class: 'spacer' }),
  h('label', {}, 'backend ', backendSelect),
  ' ',
  h('span', {}, 'active: ', backendShown),
);
app.append(h('header', {}, nav), main);

let currentPath = '/';

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

function route(path: string[]): { view: HTMLElement; section: string } {
  const [head, a, b] = path;
  if (!head) return { view: homeView(), section: 'docs' };
  if (head === 'pkg' && a) return { view: packageView(a), section: 'docs' };
  if (head === 'entry' && a && b) return { view: entryView(a, b), section: 'docs' };
  if (head === 'play') return { view: playView(), section: 'play' };
  if (head === 'export') return { view: exportView(), section: 'export' };
  if (head === 'guide' && a === 'cluster') return { view: guideView(), section: 'export' };
  if (head === 'train') return { view: trainView(), section: 'train' };
  if (head === 'calibration') return { view: calibrationView(), section: 'calibration' };
  if (head === 'scaling') return { view: scalingView(), section: 'scaling' };
  if (head === 'performance') return { view: performanceView(), section: 'performance' };
  return { view: notFound(`no page "${path.join('/')}"`), section: '' };
}

function render(): void {
  const { path, params } = parseHash(location.hash);
  readSettings(params);
  currentPath = `/${path.map(encodeURIComponent).join('/')}`;
  const { view, section } = route(path);
  for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-route]')) a.classList.toggle('active', a.dataset.route === section);
  main.replaceChildren(view);
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', render);

async function start(): Promise<void> {
  readSettings(parseHash(location.hash).params);
  const active = await useBackend(settings.backend);
  backendSelect.value = settings.backend;
  backendShown.textContent = active === settings.backend ? backendLabel() : `${backendLabel()} (${settings.backend} unavailable)`;
  backendShown.setAttribute('data-backend', active);
  document.body.setAttribute('data-ready', 'true');
  render();
}

void start();
