// Picks the generator of each call: one module per package (and per drop-in subpath), weighted by API size.
import { Rand } from '../lib/rand.mjs';
import * as core from './core.mjs';
import * as losses from './losses.mjs';
import * as keras from './keras.mjs';
import * as tfjs from './tfjs.mjs';
import * as torch from './torch.mjs';
import * as ctc from './ctc.mjs';
import * as optax from './optax.mjs';
import * as optimizers from './optimizers.mjs';
import * as calibration from './calibration.mjs';
import * as metricLearning from './metric-learning.mjs';
import * as unlearning from './unlearning.mjs';
import * as scaling from './scaling.mjs';
import * as data from './data.mjs';
import * as metrics from './metrics.mjs';
import * as lossesPapersB from './losses-papers-b.mjs';
import * as coreSeedsB from './core-seeds-b.mjs';
import * as diagnostics from './diagnostics.mjs';
import * as ood from './ood.mjs';
import * as robustness from './robustness.mjs';
import * as compression from './compression.mjs';

/** Generator modules by package name, with their share of the calls. */
export const GENERATORS = {
  '@losskit/core': { weight: 22, mod: core },
  '@losskit/losses': { weight: 18, mod: losses },
  '@losskit/losses/keras': { weight: 8, mod: keras },
  '@losskit/losses/tfjs': { weight: 6, mod: tfjs },
  '@losskit/losses/optax': { weight: 6, mod: optax },
  '@losskit/optimizers': { weight: 10, mod: optimizers },
  '@losskit/calibration': { weight: 10, mod: calibration },
  '@losskit/metric-learning': { weight: 11, mod: metricLearning },
  '@losskit/unlearning': { weight: 6, mod: unlearning },
  '@losskit/scaling': { weight: 9, mod: scaling },
  '@losskit/losses/torch': { weight: 6, mod: torch },
  // CTC in its three forms (catalog `ctc`, /keras `ctc`, /torch `ctcLoss`); each case names its own package.
  '@losskit/losses ctc': { weight: 3, mod: ctc },
  '@losskit/data': { weight: 8, mod: data },
  '@losskit/metrics': { weight: 8, mod: metrics },
  // The part-B seed tensor functions, procedures and helpers of @losskit/losses (issue #25).
  '@losskit/losses papers-b': { weight: 3, mod: lossesPapersB },
  // σReparam, the attention-entropy monitor and ProbConserv's update of @losskit/core (issue #25 part B).
  '@losskit/core seeds-b': { weight: 2, mod: coreSeedsB },
  '@losskit/diagnostics': { weight: 8, mod: diagnostics },
  '@losskit/ood': { weight: 6, mod: ood },
  '@losskit/robustness': { weight: 6, mod: robustness },
  '@losskit/compression': { weight: 4, mod: compression },
};

/**
 * The case for call `index` of a run with `seed` (deterministic). `only` restricts to package names containing it.
 * A full run starts with the cost probes (one per loss catalog entry at a large size), then random calls.
 */
export function makeCase(lib, seed, index, only) {
  const r = new Rand(seed, index);
  if (!only && index < losses.probeCount(lib)) return { pkg: '@losskit/losses', ...losses.probe(r, lib, index) };
  const table = {};
  for (const [name, g] of Object.entries(GENERATORS)) if (!only || name.includes(only)) table[name] = g.weight;
  if (Object.keys(table).length === 0) throw new Error(`--only ${only} matches no package`);
  const name = r.weighted(table);
  const c = GENERATORS[name].mod.generate(r, lib);
  return { pkg: name, ...c };
}
