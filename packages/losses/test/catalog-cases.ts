// The documented example batch of every catalog entry, by id: the builder call its `dsl` must equal, the
// labels or targets, the predictions, any required `inputs` and compile options. Shared by the dsl test and
// the export test.
import { type Compilable, type CompileOptions, ce, entropy, input } from '@losskit/core';
import * as L from '../src/index.js';

export type Rows = number[] | number[][];
export interface Case {
  /** The builder call the `dsl` text must equal (compared by structural key). */
  readonly ref: () => Compilable;
  readonly y: Rows;
  readonly z: number[][];
  readonly inputs?: Readonly<Record<string, Rows | number>>;
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

export const table: Readonly<Record<string, Case>> = {
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
  'aggregate-response': { ref: () => L.aggregateResponseLoss(), y: [[1], [1], [3]], z: [[0.5], [1.2], [2.5]], inputs: { bag: [0, 0, 1] }, options: probs },
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
  'cosine-embedding': { ref: () => L.cosineEmbedding(), y: [[1, 0.5], [0.2, -1]], z: [[0.9, 0.3], [0.5, 0.4]], inputs: { target: [1, -1] } },
  'hinge-embedding': { ref: () => L.hingeEmbedding(), y: [[1, -1], [-1, 1]], z: [[0.3, 0.4], [1.5, 0.2]] },
  'soft-margin': { ref: () => L.softMargin(), y: [[1, -1], [-1, 1]], z: [[0.3, 2], [-1, 0.5]] },
  'multi-label-margin': { ref: () => L.multiLabelMargin(), ...cls },
  nll: { ref: () => L.nll(), y: [0, 2], z: [[-0.4, -1.2, -2.3], [-2, -1.5, -0.4]] },
  'poisson-nll': { ref: () => L.poissonNLL(), ...reg },
  'bce-with-logits': { ref: () => L.bceWithLogits({ posWeight: [3, 1, 0.5] }), ...binary },
  'weighted-cross-entropy': { ref: () => L.weightedCrossEntropy({ weight: [1, 2, 0.5], labelSmoothing: 0.1 }), ...cls },
  'explicit-triplet-margin': { ref: () => L.explicitTripletMargin(), y: reg.y, z: reg.z, inputs: { negative: reg.y.map((r) => r.map((v) => v + 0.5)) } },
  'explicit-triplet-margin-with-distance': { ref: () => L.explicitTripletMarginWithDistance(), y: reg.y, z: reg.z, inputs: { negative: reg.y.map((r) => r.map((v) => v + 0.5)) } },

  // optax losses (src/standard/optaxLosses.ts)
  // No tie in max_j(s_j + 1 − y_j) (cls's first row ties): core's exporter gives tied maxima the full gradient, compile() shares it.
  'multiclass-hinge': { ref: () => L.multiclassHinge(), y: [0, 2], z: [[2, 0.5, 0], [0, 1, 3]] },
  perceptron: { ref: () => L.perceptron(), y: [[1, -1, 1], [-1, 1, -1]], z: binary.z },
  'multiclass-perceptron': { ref: () => L.multiclassPerceptron(), ...cls },
  'binary-sparsemax': { ref: () => L.binarySparsemax(), ...binary },
  'generalized-kl': { ref: () => L.generalizedKl(), y: [[0.2, 0.5, 0], [1.5, 0, 0.3]], z: [[-1.2, -0.9, 0.1], [0.3, -2, -1]] },
  'ranking-softmax': { ref: () => L.rankingSoftmax({ where: input('where', 'class') }), y: [[1, 0, 0], [0, 0, 1]], z: [[2, 1, 0], [1, 0.5, 1.5]], inputs: { where: [[1, 1, 0], [1, 1, 1]] } },
  'fenchel-young': { ref: () => L.fenchelYoung((s) => s.logSumExp()), ...cls },
  'l2-loss': { ref: () => L.l2Loss(), ...reg },
  'cosine-distance': { ref: () => L.cosineDistance(), ...reg },
  'generalized-dice': { ref: () => L.generalizedDice(), y: [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], z: [[2, 0, -1], [1, 0.5, 0], [0, 1.5, 0], [-1, 0, 2]] },

  // seed losses, part B (issue #25)
  'hpm-loss-prediction': { ref: () => L.hpmLossPrediction(), y: [[0.9, 0.2, 0.5], [0.1, 0.4, 0.3]], z: [[1.2, -0.3, 0.4], [0.2, 0.1, 0.6]] },
  'mae-reconstruction': { ref: () => L.maeReconstruction(), y: [[0.2, 0.8, 0.5], [0.1, 0.1, 0.9], [0.4, 0.3, 0.2]], z: [[0.1, 0.9, 0.3], [0.2, -0.4, 1.1], [0.5, 0.5, 0.5]], inputs: { mask: [1, 1, 0] } },
  'representation-self-distillation': { ref: () => L.representationSelfDistillation(), y: [0, 0], z: [[0.3, -1.2, 0.5], [1, 0, 0.2]], inputs: { teacher: [[0.1, -1, 0.4], [0.8, 0.3, 0]] } },
  deyo: { ref: () => L.deyo(), y: [0, 0, 0], z: [[4, 0, 0, 0], [0, 3, 0, 0], [1, 1, 1, 1]], inputs: { destroyed: [[0, 0, 0, 0], [0, 3, 0, 0], [1, 1, 1, 1]] } },
  'manifold-entropy': { ref: () => L.manifoldEntropy({ lambda: 1 }), y: [0, 0], z: [[0.1, 0.5], [0.9, -0.2]], inputs: { buffer: [[0, 0], [1, 0], [0, 1]] }, options: { from: 'embeddings' } },
  'f-distill': { ref: () => L.fDistill(), y: [0, 0], z: [[0.2, 0.4], [-0.1, 0.3]], inputs: { teacher: [[0.1, 0.5], [0.2, 0.2]], fakeScore: [[0.3, 0.1], [0, 0.4]], weights: [1.2, 0.8] } },
  'compositional-nll': { ref: () => L.compositionalNll(), y: [0, 0, 0, 0], z: [[1.2], [0.8], [-0.5], [0.3]], inputs: { noise: [0, 0, 1, 1], noiseLogDensity: [0, 0, -1.1, -0.9], logU: 0.4 } },
  'bce-ranking': { ref: () => L.bceRankingLoss(), y: [[1, 0], [0, 1], [1, 0]], z: [[0.2, 1.5], [0.3, 0.1], [2, -1]] },
  'cka-guidance': { ref: () => L.ckaGuidance(), y: [0, 0, 0], z: [[1, 0.5], [0.2, -1], [-0.4, 0.3]], inputs: { guide: [[2, 0, 1], [0, 1, 0], [1, 1, -1]] } },
  // seed papers, part A (issue #25)
  wdr: { ref: () => L.wdr({ weights: ['w1', 'w2'] }), ...cls, inputs: { w1: [[0.3, -0.2, 0.5], [0.1, 0.9, -0.4]], w2: [[1.2, -0.7], [0.05, 0.4], [-0.3, 0.8]] } },
  'fed-ld': { ref: () => L.fedLd({ lambda: 0.03 }), ...cls },
  'implicit-prm': {
    ref: () => L.implicitPrm({ beta: 0.05 }),
    y: [[1, 1, 1], [1, 1, 0]],
    z: [[-0.2, -1.1, -0.4], [-2.0, -0.3, 0]],
    inputs: { reference: [[-0.5, -1.0, -0.9], [-1.2, -0.8, 0]], label: [1, 0] },
  },
  'group-dro': { ref: () => L.groupDro(ce(), { groups: 2 }), y: [0, 1, 1, 0], z: [[2, 0], [0.5, 0.2], [0, 1], [-1, 1]], inputs: { group: [0, 0, 1, 1], groupWeights: [0.45, 0.55] } },
  'bures-wasserstein': { ref: () => L.buresWasserstein(), y: [[2, 0.5], [0.5, 1]], z: [[1, 0.2], [0.2, 0.8]] },
  'mixbag-ci-loss': {
    ref: () => L.confidenceIntervalLoss(),
    y: [[0.75, 0.25], [0.75, 0.25], [0.5, 0.5], [0.5, 0.5]],
    z: [[2, 0], [1, 1], [0, 1], [1, 0]],
    inputs: { bag: [0, 0, 1, 1], lower: [[0.5, 0.1], [0.5, 0.1], [-1, -1], [-1, -1]], upper: [[0.9, 0.5], [0.9, 0.5], [-1, -1], [-1, -1]] },
  },
  'rationale-invariance': {
    ref: () => L.rationaleInvariance(),
    y: [0, 1, 0, 1],
    z: [[0.96, 0.51], [1.34, -1.0], [0.6, 0.57], [0.46, -0.63]],
    inputs: {
      features: [[0.5, 1.0, -0.3], [1.5, -0.2, 0.4], [0.3, 0.8, 0.1], [0.9, -0.5, 1.2]],
      classifierWeight: [[1.0, 0.4, -0.2], [-0.6, 0.9, 0.3]],
      rationaleBank: [[[0.4, 0.36, -0.01], [-0.24, 0.81, -0.01]], [[1.2, -0.14, 0.16], [-0.72, -0.31, 0.24]]] as never,
    },
  },
  'multi-focal-modifier': {
    ref: () => L.multiFocalModifier({ classCounts: [900, 90, 10], cooccurrence: [[900, 40, 5], [40, 90, 3], [5, 3, 10]] }),
    y: [[1, 0, 0], [1, 1, 0], [0, 0, 1]],
    z: [[2, -1, -3], [0.5, 1, -2], [-1, -2, 0.3]],
  },
  'integrated-risk': { ref: () => L.integratedRisk({ classCounts: [500, 50, 5] }), ...cls },
};


/**
 * Entries that are plain tensor functions (multi-input losses that do not fit one `[N, C]` prediction, e.g.
 * CTC's `[B, T, C]` frames with label sequences): no `dsl`; their example, run as written (imports dropped),
 * defines a finite `loss`.
 */
export const tensorEntries: ReadonlySet<string> = new Set(['ctc', 'eisl', 's3ft-target', 'mixup', 'dr-tune', 'ignite']);
