// Shared state of the site and its encoding in the URL (hash), so any view can be shared as a link:
// `#/play?e=<expression>&b=<backend>&ds=moons&noise=0.05&imb=1&seed=1&steps=100&lr=0.05&opt=adam&cmp=<expr>`.
import type { BackendName } from '@losskit/core';
import type { DatasetName } from './data.ts';

export interface Settings {
  expr: string;
  compare: string;
  backend: BackendName;
  dataset: DatasetName;
  noise: number;
  imbalance: number;
  seed: number;
  steps: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  hidden: number;
}

export const defaults: Readonly<Settings> = Object.freeze({
  expr: 'ce().plus(square().incorrect())',
  compare: 'ce()',
  backend: 'wasm',
  dataset: 'moons',
  noise: 0.05,
  imbalance: 1,
  seed: 1,
  steps: 150,
  lr: 0.05,
  optimizer: 'adam',
  hidden: 16,
});

export const settings: Settings = { ...defaults };

const keys: Record<keyof Settings, string> = {
  expr: 'e', compare: 'cmp', backend: 'b', dataset: 'ds', noise: 'noise', imbalance: 'imb', seed: 'seed', steps: 'steps', lr: 'lr', optimizer: 'opt', hidden: 'h',
};

/** Parses the route and settings from a location hash such as `#/play?e=ce()`. */
export function parseHash(hash: string): { path: string[]; params: URLSearchParams } {
  const h = hash.replace(/^#/, '');
  const [p = '', q = ''] = h.split('?', 2);
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
}

/** Applies the settings found in `params` (unknown or invalid values are ignored). */
export function readSettings(params: URLSearchParams): void {
  const num = (k: string, lo: number, hi: number): number | undefined => {
    const v = params.get(k);
    if (v === null) return undefined;
    const x = Number(v);
    return Number.isFinite(x) && x >= lo && x <= hi ? x : undefined;
  };
  const e = params.get(keys.expr);
  if (e !== null) settings.expr = e;
  const c = params.get(keys.compare);
  if (c !== null) settings.compare = c;
  const b = params.get(keys.backend);
  if (b === 'wasm' || b === 'webgl' || b === 'webgpu' || b === 'cpu') settings.backend = b;
  const ds = params.get(keys.dataset);
  if (ds === 'moons' || ds === 'spirals' || ds === 'blobs') settings.dataset = ds;
  const opt = params.get(keys.optimizer);
  if (opt === 'adam' || opt === 'sgd') settings.optimizer = opt;
  settings.noise = num(keys.noise, 0, 0.5) ?? settings.noise;
  settings.imbalance = num(keys.imbalance, 0.05, 1) ?? settings.imbalance;
  settings.seed = num(keys.seed, 0, 2 ** 31) ?? settings.seed;
  settings.steps = Math.round(num(keys.steps, 1, 5000) ?? settings.steps);
  settings.lr = num(keys.lr, 1e-5, 10) ?? settings.lr;
  settings.hidden = Math.round(num(keys.hidden, 2, 128) ?? settings.hidden);
}

/** The hash for `path` with every setting that differs from its default. */
export function hashFor(path: string): string {
  const q = new URLSearchParams();
  for (const k of Object.keys(keys) as Array<keyof Settings>) {
    // The expression is always written on the playground, so a shared link survives a change of defaults.
    if (settings[k] !== defaults[k] || (k === 'expr' && path === '/play')) q.set(keys[k], String(settings[k]));
  }
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

/** Rewrites the current URL (no navigation) so it encodes the current settings. */
export function syncUrl(path: string): void {
  const h = hashFor(path);
  if (location.hash !== h) history.replaceState(null, '', h);
}
