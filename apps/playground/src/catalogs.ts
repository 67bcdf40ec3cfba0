// Dynamic discovery of every package's catalog. Each workspace package is imported as a namespace and its
// `catalog` export read at run time, so a package without one (or with an empty one) still builds and the
// docs show what exists. Adding an entry to a package's `catalog` adds its page here with no other edit.
import type { CatalogEntry } from '@losskit/core';
import * as core from '@losskit/core';
import * as losses from '@losskit/losses';
import * as optimizers from '@losskit/optimizers';
import * as calibration from '@losskit/calibration';
import * as metricLearning from '@losskit/metric-learning';
import * as unlearning from '@losskit/unlearning';
import * as scaling from '@losskit/scaling';
import * as data from '@losskit/data';
import * as metrics from '@losskit/metrics';
import * as diagnostics from '@losskit/diagnostics';
import * as ood from '@losskit/ood';
import * as robustness from '@losskit/robustness';
import * as compression from '@losskit/compression';

/** One documented package: its name, its module namespace and the entries of its catalog. */
export interface PackageInfo {
  readonly name: string;
  /** URL slug: `losses`, `metric-learning`. */
  readonly slug: string;
  readonly blurb: string;
  readonly module: Readonly<Record<string, unknown>>;
  readonly entries: readonly CatalogEntry[];
}

/** Reads an export by name without a static binding (Rollup then keeps the namespace; a missing export is `undefined`). */
export function exportOf(module: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(module, name) ? module[name] : undefined;
}

function isEntry(x: unknown): x is CatalogEntry {
  if (x === null || typeof x !== 'object') return false;
  const e = x as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.name === 'string' && typeof e.formula === 'string';
}

function entriesOf(module: Readonly<Record<string, unknown>>): CatalogEntry[] {
  const c = exportOf(module, 'catalog');
  if (!Array.isArray(c)) return [];
  const seen = new Set<string>();
  const out: CatalogEntry[] = [];
  for (const e of c) {
    if (!isEntry(e) || seen.has(e.id)) continue;
    seen.add(e.id);
    out.push({ ...e, params: Array.isArray(e.params) ? e.params : [] });
  }
  return out;
}

const sources: ReadonlyArray<[string, string, Readonly<Record<string, unknown>>]> = [
  ['@losskit/core', 'The typed loss-expression DSL, compile() to tfjs with gradients, backends and errors.', core],
  ['@losskit/losses', 'The loss catalog: Keras / tf.losses drop-ins and losses from the literature, all DSL expressions.', losses],
  ['@losskit/optimizers', 'Gradient transformations, chains, schedules and a training loop.', optimizers],
  ['@losskit/calibration', 'Post-hoc calibrators, calibration metrics and reliability diagrams.', calibration],
  ['@losskit/metric-learning', 'Distances, pair / triplet / proxy / contrastive losses, miners and reducers.', metricLearning],
  ['@losskit/unlearning', 'Forgetting objectives, importance estimates and unlearning metrics.', unlearning],
  ['@losskit/scaling', 'Scaling-law forms, robust fitting, compute-optimal allocation and extrapolation.', scaling],
  ['@losskit/data', 'Data selection and noisy labels: EL2N / GraNd / memorization scores and pruning, sampling, Co-teaching, Late Stopping, SMOTE and resampling.', data],
  ['@losskit/metrics', 'Imbalanced-classification metrics (F1, G-mean, AUCs and surrogates) and evaluation statistics (bootstraps, McNemar, 5×2cv).', metrics],
  ['@losskit/diagnostics', 'Training diagnostics: neural collapse, loss-landscape slices, gradient coherence, spectral alignment, DSE/DSMI, PAC-Bayes and inductive-bias estimates, a naive-Bayes probe.', diagnostics],
  ['@losskit/ood', 'Out-of-distribution detection: Mahalanobis and deep kNN scores, Mixture Outlier Exposure, AUROC and FPR at 95% TPR.', ood],
  ['@losskit/robustness', 'Adversarial robustness: FGSM/PGD, ELLE and AAER regularizers, adaptive smoothing, weight interpolation, boundary tilting, the adversarial-error power law.', robustness],
  ['@losskit/compression', 'Post-training quantization and self-compression of Dense layers: AdaRound, AdaQuant, self-compressing networks.', compression],
];

/** Every package with its catalog (possibly empty), in a fixed order. */
export const packages: readonly PackageInfo[] = sources.map(([name, blurb, module]) => ({
  name,
  slug: name.replace('@losskit/', ''),
  blurb,
  module: module as Readonly<Record<string, unknown>>,
  entries: entriesOf(module as Readonly<Record<string, unknown>>),
}));

/** Finds a package by slug. */
export function packageBySlug(slug: string): PackageInfo | undefined {
  return packages.find((p) => p.slug === slug);
}

/** All entries across packages, with their package slug. */
export function allEntries(): Array<{ pkg: PackageInfo; entry: CatalogEntry }> {
  return packages.flatMap((pkg) => pkg.entries.map((entry) => ({ pkg, entry })));
}

/** The first entry (any package) whose builder is `name`, for hints in the playground. */
export function entryByExport(name: string): { pkg: PackageInfo; entry: CatalogEntry } | undefined {
  return allEntries().find((x) => x.entry.export === name);
}

/** The `from` an entry's example compiles with (`logits` when it does not say). */
export function entryFrom(entry: CatalogEntry): 'logits' | 'probs' | 'embeddings' {
  const m = /from:\s*'(logits|probs|embeddings)'/.exec(entry.tryIt?.code ?? entry.example);
  return (m?.[1] as 'logits' | 'probs' | 'embeddings' | undefined) ?? 'logits';
}
