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
  /** What yPred holds in the playground. */
  from: 'logits' | 'probs' | 'embeddings';
  /** Up to two comparison losses on the playground's axes. */
  overlays: string[];
  /** The catalog entry (`losses/kd`) whose Try-it batch the playground uses. */
  entry: string;
  /** Train view: train/held-out split seed offset, batch of steps per frame. */
  split: number;
  /** Calibration view: calibrator, bins, overconfidence. */
  calibrator: string;
  bins: number;
  sharpness: number;
  /** Scaling view: law id and compute budget. */
  law: string;
  budget: number;
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
  from: 'logits',
  overlays: ['ce()'],
  entry: '',
  split: 0.3,
  calibrator: 'TemperatureScaling',
  bins: 10,
  sharpness: 2.5,
  law: 'chinchilla',
  budget: 1e21,
});

export const settings: Settings = { ...defaults, overlays: [...defaults.overlays] };

const keys: Record<keyof Settings, string> = {
  expr: 'e', compare: 'cmp', backend: 'b', dataset: 'ds', noise: 'noise', imbalance: 'imb', seed: 'seed', steps: 'steps', lr: 'lr', optimizer: 'opt', hidden: 'h',
  from: 'from', overlays: 'vs', entry: 'entry', split: 'split', calibrator: 'cal', bins: 'bins', sharpness: 'sharp', law: 'law', budget: 'C',
};

/** Which settings each page writes into its URL. */
const PAGE_KEYS: Record<string, ReadonlyArray<keyof Settings>> = {
  '/play': ['expr', 'from', 'overlays', 'entry', 'backend'],
  '/train': ['expr', 'compare', 'dataset', 'noise', 'imbalance', 'seed', 'steps', 'lr', 'optimizer', 'hidden', 'split', 'backend'],
  '/calibration': ['calibrator', 'bins', 'sharpness', 'seed', 'backend'],
  '/scaling': ['law', 'budget', 'backend'],
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
  // What yPred holds is part of the playground's URL: absent means logits (an old value must not leak into a new link).
  const f = params.get(keys.from);
  settings.from = f === 'logits' || f === 'probs' || f === 'embeddings' ? f : defaults.from;
  const vs = params.get(keys.overlays);
  if (vs !== null) settings.overlays = vs === '' ? [] : vs.split('|').slice(0, 2);
  const en = params.get(keys.entry);
  settings.entry = en !== null && /^[\w-]+\/[\w.-]+$/.test(en) ? en : '';
  settings.split = num(keys.split, 0.1, 0.9) ?? settings.split;
  const cal = params.get(keys.calibrator);
  if (cal !== null && /^\w+$/.test(cal)) settings.calibrator = cal;
  settings.bins = Math.round(num(keys.bins, 2, 50) ?? settings.bins);
  settings.sharpness = num(keys.sharpness, 0.2, 10) ?? settings.sharpness;
  const law = params.get(keys.law);
  if (law !== null && /^[\w-]+$/.test(law)) settings.law = law;
  settings.budget = num(keys.budget, 1e10, 1e30) ?? settings.budget;
}

/** Resets the settings a page owns to their defaults (before reading a URL that may not mention them). */
export function resetSettings(): void {
  Object.assign(settings, { ...defaults, overlays: [...defaults.overlays], backend: settings.backend });
}

/** The hash for `path` with every setting that differs from its default. */
export function hashFor(path: string): string {
  const q = new URLSearchParams();
  const own = PAGE_KEYS[path] ?? ['backend'];
  for (const k of own) {
    const v = settings[k];
    const same = Array.isArray(v) ? v.join('|') === (defaults[k] as string[]).join('|') : v === defaults[k];
    // The expression is always written on the playground, so a shared link survives a change of defaults.
    if (!same || (k === 'expr' && path === '/play')) q.set(keys[k], Array.isArray(v) ? v.join('|') : String(v));
  }
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

/** Rewrites the current URL (no navigation) so it encodes the current settings. */
export function syncUrl(path: string): void {
  const h = hashFor(path);
  if (location.hash !== h) history.replaceState(null, '', h);
}
