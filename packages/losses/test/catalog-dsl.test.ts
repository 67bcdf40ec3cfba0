// Every catalog entry's `dsl` must run in the playground sandbox: a JavaScript expression whose only free
// names are the exports of @losskit/core and @losskit/losses. Each row of the table gives the builder call
// the `dsl` must equal (same structural key) and a small documented batch, with any required `inputs`,
// on which the compiled expression must give a finite value.
import * as core from '@losskit/core';
import { type Compilable, type CompileOptions, type TensorLike, ce, compile, entropy, Expr, ready } from '@losskit/core';
import { expectNoLeaks } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as losses from '../src/index.js';
import * as L from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type Rows = number[] | number[][];
interface Case {
  /** The builder call the `dsl` text must equal (compared by structural key). */
  readonly ref: () => Compilable;
  readonly y: Rows;
  readonly z: number[][];
  readonly inputs?: Readonly<Record<string, Rows>>;
  readonly options?: CompileOptions;
}

// Documented example batches.
const cls = { y: [0, 2], z: [[2, 1, 0], [0, 1, 3]] }; // labels and logits, C = 3
const reg = { y: [[0, 1, 0.5], [1, 0, 2], [0.5, 0.5, 0.5]], z: [[0.1, 0.9, 0.4], [1.2, 0.3, 1.5], [0.4, 0.7, 0.6]] }; // targets, predictions
const binary = { y: [[1, 0, 1], [0, 1, 0]], z: [[2, -1, 0.5], [-0.3, 1, -2]] };
const dist = { y: [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]], z: [[2, 1, 0], [0, 1, 3]] };
const masks = { y: [[1, 0, 1], [0, 1, 1]], z: [[0.9, 0.2, 0.6], [0.1, 0.7, 0.8]] };
const teacher = { teacher: [[3, 0, 0], [0, 1, 2]] };
const probs: CompileOptions = { from: 'probs' };

const table: Readonly<Record<string, Case>> = {
  'mean-squared-error': { ref: () => L.meanSquaredError(), ...reg },
  'mean-absolute-error': { ref: () => L.meanAbsoluteError(), ...reg },
  'mean-absolute-percentage-error': { ref: () => L.meanAbsolutePercentageError(), ...reg },
  'mean-squared-logarithmic-error': { ref: () => L.meanSquaredLogarithmicError(), ...reg },
  huber: { ref: () => L.huber(), ...reg },
  'log-cosh': { ref: () => L.logCosh(), ...reg },
  poisson: { ref: () => L.poisson(), ...reg },
  hinge: { ref: () => L.hinge(), ...cls },
  'squared-hinge': { ref: () => L.squaredHinge(), ...cls },
  'categorical-hinge': { ref: () => L.categoricalHinge(), ...cls },
  'cosine-similarity': { ref: () => L.cosineSimilarity(), ...reg },
  kld: { ref: () => L.kld(), ...dist },
  tversky: { ref: () => L.tversky(), ...masks },
  dice: { ref: () => L.dice(), ...masks },
  'categorical-crossentropy': { ref: () => L.categoricalCrossentropy(), ...cls },
  'categorical-generalized-cross-entropy': { ref: () => L.categoricalGeneralizedCrossEntropy(), ...cls },
  'binary-focal-crossentropy': { ref: () => L.binaryFocalCrossentropy(), ...binary },
  'categorical-focal-crossentropy': { ref: () => L.categoricalFocalCrossentropy(), ...cls },
  'multi-margin': { ref: () => L.multiMargin(), ...cls },
  'multi-label-soft-margin': { ref: () => L.multiLabelSoftMargin(), ...binary },
  'margin-ranking': { ref: () => L.marginRanking(), y: [[1], [-1]], z: [[0.3], [0.9]], inputs: { input2: [[0.5], [0.1]] } },
  'gaussian-nll': { ref: () => L.gaussianNLL(), y: [[1], [0]], z: [[0.5], [0.2]], inputs: { var: [[0.2], [1.5]] } },
  quantile: { ref: () => L.quantile(), ...reg },
  'smooth-l1': { ref: () => L.smoothL1(), ...reg },
  'pseudo-huber': { ref: () => L.pseudoHuber(), ...reg },
  'poly-loss': { ref: () => L.polyLoss(), ...cls },
  'kl-with-log-targets': { ref: () => L.klWithLogTargets(), y: dist.y.map((r) => r.map(Math.log)), z: dist.z },
  'jensen-shannon': { ref: () => L.jensenShannon(), ...cls },

  squentropy: { ref: () => L.squentropy(), ...cls },
  'comp-sum': { ref: () => L.compSum({ tau: 1.5 }), ...cls },
  gce: { ref: () => L.gce(), ...cls },
  'mae-prob': { ref: () => L.mae(), ...cls },
  'sum-exponential': { ref: () => L.sumExponential(), ...cls },
  'ldr-kl': { ref: () => L.ldrKl(), ...cls },
  'aldr-kl': { ref: () => L.aldrKl(), ...cls },
  'spherical-z': { ref: () => L.sphericalZ({ a: 1, b: 3 }), ...cls },
  'log-z-squared': { ref: () => L.logZSquared(), ...cls },
  'stablemax-ce': { ref: () => L.stableMaxCe(), ...cls },
  harmonic: { ref: () => L.harmonic({ n: 8 }), y: [0, 1], z: [[0.5, 2, 3], [1.5, 0.2, 2]] },
  'sparsemax-loss': { ref: () => L.sparsemaxLoss(), ...cls },
  'bias-loss': { ref: () => L.biasLoss(), ...cls, inputs: { featureVariance: [0.4, 1.3] } },
  ldam: { ref: () => L.ldam({ classCounts: [500, 50, 5] }), ...cls },
  'logit-adjusted': { ref: () => L.logitAdjusted({ priors: [0.9, 0.09, 0.01] }), ...cls },
  focal: { ref: () => L.focal(), ...cls },
  'class-balanced': { ref: () => L.classBalanced(ce(), { classCounts: [5000, 500, 50] }), ...cls },
  'one-vs-rest': { ref: () => L.oneVsRest(), ...cls },
  'z-error-mse': { ref: () => L.zErrorMse(), ...reg },
  'hl-gauss': { ref: () => L.hlGauss({ min: 0, max: 4, bins: 4 }), y: [0, 0], z: [[0, 1, 0, 0], [0, 0, 1, 2]], inputs: { value: [1.3, 2.9] } },
  'two-hot': { ref: () => L.twoHot({ min: 0, max: 4, bins: 4 }), y: [0, 0], z: [[0, 1, 0, 0], [0, 0, 1, 2]], inputs: { value: [1.3, 2.9] } },
  'ntl-mse': { ref: () => L.ntlMse({ tokenIds: [1, 2, 3] }), y: [2, 0], z: [[0, 1, 2, 0.5], [2, 0, 0, 1]] },
  'ntl-wasserstein': { ref: () => L.ntlWasserstein({ tokenIds: [1, 2, 3] }), y: [2, 0], z: [[0, 1, 2, 0.5], [2, 0, 0, 1]] },
  'consistency-pseudo-huber': { ref: () => L.consistencyPseudoHuber(), ...reg }, // its dsl is pseudoHuber({ c: 'auto' })

  dco: { ref: () => L.dco({ n: 16 }), ...cls },
  'entropy-minimization': { ref: () => L.entropyMinimization(), ...cls },
  'open-set-entropy-minimization': { ref: () => L.openSetEntropyMinimization(), y: [0, 0], z: [[2, 1], [0, 1]], inputs: { source: [[0.5, 0.5], [0.9, 0.1]] } },
  'symmetric-teacher-ce': { ref: () => L.symmetricTeacherCe(), ...cls, inputs: teacher },
  'entropy-prior-kl': { ref: () => L.entropyPriorKl({ prior: [0.7, 0.3] }), y: [0, 0], z: [[2, 0], [0, 1]] },
  'marginal-entropy-maximization': { ref: () => L.marginalEntropyMaximization(), ...cls },
  'attention-entropy-maximization': { ref: () => L.attentionEntropyMaximization(), ...cls },
  'attention-entropy-regularization': {
    ref: () => L.attentionEntropyRegularization(),
    y: [0, 0],
    z: [[0.97, 0.01, 0.01, 0.01], [0.25, 0.25, 0.25, 0.25]],
    options: probs,
  },
  'label-smoothing': { ref: () => L.labelSmoothing(), ...cls },
  'confidence-penalty': { ref: () => L.confidencePenalty(), ...cls },
  'hinton-kd': { ref: () => L.kd(), ...cls, inputs: teacher },
  'dual-head-binary-kl': { ref: () => L.binaryKl(), ...cls, inputs: teacher },
  'multi-aspect-kd': { ref: () => L.multiAspectKd({ classes: 2 }), y: [[1, 0, 0.8], [0, 1, 0.1]], z: [[2, 0, 1], [0, 1, -1]] },
  'kl-divergence': { ref: () => L.klDivergence(), ...dist },
  'reverse-kl': { ref: () => L.reverseKl(), ...dist },
  'js-divergence': { ref: () => L.jsDivergence(), ...dist },
  'f-divergence': { ref: () => L.fDivergence({ divergence: 'squaredHellinger' }), y: [[0.7, 0.3], [0.2, 0.8]], z: [[1, 0], [0, 2]] },
  'f-divergence-variational': { ref: () => L.fDivergenceVariational({ divergence: 'kl' }), y: [[1], [0]], z: [[0.5], [-0.2]] },
  'cs-divergence': { ref: () => L.csDivergence(), y: [[0.1], [0.5], [0.9]], z: [[0.2], [0.4], [1.0]], options: probs },
  'aggregate-response': { ref: () => L.aggregateResponseLoss(), y: [[1], [1], [3]], z: [[0.5], [1.2], [2.5]], inputs: { bag: [0, 0, 1] } },
  'easy-llp': { ref: () => L.easyLlp({ prior: 0.5, bagSize: 4 }), y: [[0.75], [0.25]], z: [[1], [-0.5]] },
  'neural-ndcg': { ref: () => L.neuralNdcg(), y: [[2, 0, 1]], z: [[0.3, 0.9, 0.1]] },
  'brier-score': { ref: () => L.brierScore(), ...cls },
  'spherical-score': { ref: () => L.sphericalScore(), ...cls },
  'log-score': { ref: () => L.logScore(), ...cls },
  'uncertainty-weighted': { ref: () => L.uncertaintyWeighted(ce()), ...cls, inputs: { uncertainty: [0.5, -0.2] } },
  'multi-sample': { ref: () => L.multiSample(ce(), { samples: 2 }), y: [0, 1], z: [[2, 0, 1, 1], [0, 1, 1, 0]] },
  weighted: { ref: () => L.weighted(ce()), ...cls, inputs: { weight: [1, 0.5] } },
  masked: { ref: () => L.masked(entropy()), ...cls, inputs: { mask: [1, 0] } },
  'ens-loss': { ref: () => L.ensLoss({ seed: 1 }), y: [[1], [0]], z: [[0.3], [0.8]] },
  'loss-reweighted': { ref: () => L.lossReweighted(ce()), y: [0, 1, 0], z: [[2, 0], [2, 0], [0, 1]] },
};

// The playground's sandbox: every export of both packages by name, nothing else.
const scope: Record<string, unknown> = { ...core, ...losses };
const names = Object.keys(scope);
const values = names.map((n) => scope[n]);
const run = (dsl: string): unknown => new Function(...names, `return (${dsl})`)(...values);

const call = (c: Case) => (c.inputs ? { inputs: c.inputs as Record<string, TensorLike> } : undefined);

describe('catalog dsl fields are executable', () => {
  it('every catalog entry has a test case and every case an entry', () => {
    const ids = losses.catalog.map((e) => e.id);
    expect(ids.filter((id) => !(id in table))).toEqual([]);
    expect(Object.keys(table).filter((id) => !ids.includes(id))).toEqual([]);
  });

  for (const entry of losses.catalog) {
    const c = table[entry.id];
    it(`${entry.id}: \`${entry.dsl}\` evaluates to the builder's expression and a finite loss`, () => {
      expect(c, `no test case for ${entry.id}`).toBeDefined();
      if (!c) return;
      expect(typeof entry.dsl).toBe('string');
      const expr = run(entry.dsl!);
      expect(expr).toBeInstanceOf(Expr);
      expect((expr as Expr<never, never>).key).toBe((c.ref() as unknown as Expr<never, never>).key);
      // The builder the entry names is exported.
      expect(typeof scope[entry.export]).toBe('function');
      // Required inputs are documented in the entry.
      for (const name of Object.keys(c.inputs ?? {})) expect(entry.inputs, `inputs of ${entry.id} should mention ${name}`).toContain(name);
      const loss = compile(expr as never, c.options as never);
      const t = loss(c.y as TensorLike, c.z, call(c));
      const v = t.dataSync()[0]!;
      t.dispose();
      expect(Number.isFinite(v), `${entry.id}: ${v}`).toBe(true);
    });
  }

  it('evaluating a dsl and compiling it leaks no tensors', () => {
    const c = table.squentropy!;
    const loss = compile(run('squentropy()') as never);
    loss(c.y as TensorLike, c.z).dispose();
    expectNoLeaks(() => {
      loss(c.y as TensorLike, c.z).dispose();
    });
  });
});
