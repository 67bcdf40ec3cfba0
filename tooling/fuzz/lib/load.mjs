// Loads the BUILT packages (`packages/<dir>/dist`) through each package's `exports` map, so the fuzz suite
// exercises exactly what `npm i @losskit/<pkg>` ships. tfjs-core comes from the workspace root (the same
// physical copy every package resolves, so `tf.memory()` and `tf.engine()` see the packages' tensors).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Package directory under `packages/` for each public name. */
export const PACKAGE_DIRS = {
  '@losskit/core': 'core',
  '@losskit/losses': 'losses',
  '@losskit/optimizers': 'optimizers',
  '@losskit/calibration': 'calibration',
  '@losskit/metric-learning': 'metric-learning',
  '@losskit/unlearning': 'unlearning',
  '@losskit/scaling': 'scaling',
  '@losskit/data': 'data',
  '@losskit/metrics': 'metrics',
  '@losskit/diagnostics': 'diagnostics',
  '@losskit/ood': 'ood',
  '@losskit/robustness': 'robustness',
  '@losskit/compression': 'compression',
};

/** Imports `name` (optionally a subpath such as `./keras`) from its built `dist`, resolved by its exports map. */
export async function loadPackage(name, subpath = '.') {
  const dir = join(root, 'packages', PACKAGE_DIRS[name]);
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entry = pj.exports?.[subpath];
  const target = typeof entry === 'string' ? entry : (entry?.import ?? entry?.default);
  if (!target) throw new Error(`${name} has no export ${subpath}`);
  return import(pathToFileURL(join(dir, target)).href);
}

/** Every module the generators use, loaded once. */
export async function loadAll() {
  const tf = await import('@tensorflow/tfjs-core');
  const lib = {
    tf,
    core: await loadPackage('@losskit/core'),
    coreMath: await loadPackage('@losskit/core', './math'),
    losses: await loadPackage('@losskit/losses'),
    keras: await loadPackage('@losskit/losses', './keras'),
    tfjs: await loadPackage('@losskit/losses', './tfjs'),
    torch: await loadPackage('@losskit/losses', './torch'),
    optax: await loadPackage('@losskit/losses', './optax'),
    optimizers: await loadPackage('@losskit/optimizers'),
    calibration: await loadPackage('@losskit/calibration'),
    metricLearning: await loadPackage('@losskit/metric-learning'),
    unlearning: await loadPackage('@losskit/unlearning'),
    scaling: await loadPackage('@losskit/scaling'),
    data: await loadPackage('@losskit/data'),
    metrics: await loadPackage('@losskit/metrics'),
    diagnostics: await loadPackage('@losskit/diagnostics'),
    ood: await loadPackage('@losskit/ood'),
    robustness: await loadPackage('@losskit/robustness'),
    compression: await loadPackage('@losskit/compression'),
  };
  return lib;
}
