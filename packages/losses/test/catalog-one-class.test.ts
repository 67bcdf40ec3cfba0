// One class (C = 1), issue #17: every catalog entry either returns a finite value or raises a typed LosskitError
// (never tfjs' raw "depth must be >= 2" from oneHot), and where the loss has a closed form at C = 1 the value
// matches it. Targets are dense `[B, 1]` here: integer labels at C = 1 go through core's one-hot of the labels,
// which core's compile() takes over (tfjs' oneHot rejects depth 1); this package's own ops build one-hot rows
// without tf.oneHot (`oneHotRows`). With one class p = softmax(z) = 1 and log p = 0 for any logit.
import * as tf from '@tensorflow/tfjs-core';
import { type Compilable, type CompileOptions, LosskitError, type TensorLike, ce, compile, entropy, input, ready } from '@losskit/core';
import { softplus } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';

beforeAll(async () => {
  await ready();
});

type Rows = number[][];
interface Case {
  /** The builder (compiled here), or for a tensor-function entry `fn(x)` on frames `x` with one class. */
  readonly expr?: () => Compilable;
  readonly fn?: (x: tf.Tensor) => tf.Tensor;
  readonly y: Rows;
  readonly z: Rows;
  readonly inputs?: Readonly<Record<string, number[] | Rows | number>>;
  readonly options?: CompileOptions;
  /** Per-sample closed form at C = 1 (row i), or 'typed' when one class is not allowed. Omitted: finite only. */
  readonly ref?: ((y: number, z: number, i: number) => number) | 'typed';
  /** For an entry that is a procedure, not a loss over `[B, C]` predictions: its own one-output check (throws on failure). */
  readonly check?: () => void;
}

const z = [[0.7], [-1.3]]; // logits, or predictions for regression losses
const zp = [[0.7], [1.3]]; // positive predictions
const one: Rows = [[1], [1]]; // the one-hot target of the only class
const yr: Rows = [[0.5], [2]]; // real targets
const yb: Rows = [[1], [0]]; // binary targets
const zero = () => 0;
const probs: CompileOptions = { from: 'probs' };
const EPS = 1e-7;
const clip = (v: number) => Math.min(1, Math.max(EPS, v));

const table: Readonly<Record<string, Case>> = {
  'mean-squared-error': { expr: () => L.meanSquaredError(), y: yr, z, ref: (y, x) => (x - y) ** 2 },
  'mean-absolute-error': { expr: () => L.meanAbsoluteError(), y: yr, z, ref: (y, x) => Math.abs(x - y) },
  'mean-absolute-percentage-error': { expr: () => L.meanAbsolutePercentageError(), y: yr, z, ref: (y, x) => (100 * Math.abs(y - x)) / Math.abs(y) },
  'mean-squared-logarithmic-error': { expr: () => L.meanSquaredLogarithmicError(), y: yr, z: zp, ref: (y, x) => (Math.log1p(x) - Math.log1p(y)) ** 2 },
  huber: { expr: () => L.huber(), y: yr, z, ref: (y, x) => { const e = Math.abs(x - y); return e <= 1 ? 0.5 * e * e : e - 0.5; } },
  'log-cosh': { expr: () => L.logCosh(), y: yr, z, ref: (y, x) => Math.log(Math.cosh(x - y)) },
  poisson: { expr: () => L.poisson(), y: yr, z: zp, ref: (y, x) => x - y * Math.log(x + EPS) },
  hinge: { expr: () => L.hinge(), y: yb, z, ref: (y, x) => Math.max(0, 1 - (2 * y - 1) * x) },
  'squared-hinge': { expr: () => L.squaredHinge(), y: yb, z, ref: (y, x) => Math.max(0, 1 - (2 * y - 1) * x) ** 2 },
  'categorical-hinge': { expr: () => L.categoricalHinge(), y: one, z, ref: (_y, x) => Math.max(0, 1 - x) },
  'cosine-similarity': { expr: () => L.cosineSimilarity(), y: yr, z, ref: (y, x) => -Math.sign(x * y) },
  kld: { expr: () => L.kld(), y: one, z: [[1], [1]], options: probs, // one class: the only distribution is [1] (compile() rejects rows not summing to 1)
    ref: (y, x) => clip(y) * Math.log(clip(y) / clip(x)) },
  tversky: { expr: () => L.tversky(), y: yb, z: [[0.7], [0.2]], options: probs },
  dice: { expr: () => L.dice(), y: yb, z: [[0.7], [0.2]], options: probs },
  'categorical-crossentropy': { expr: () => L.categoricalCrossentropy(), y: one, z, ref: zero },
  'categorical-generalized-cross-entropy': { expr: () => L.categoricalGeneralizedCrossEntropy(), y: one, z, ref: zero },
  'binary-focal-crossentropy': {
    expr: () => L.binaryFocalCrossentropy(), y: yb, z,
    ref: (y, x) => { const p = 1 / (1 + Math.exp(-x)); const q = Math.min(1 - EPS, Math.max(EPS, p)); const pt = y * p + (1 - y) * (1 - p); return (1 - pt) ** 2 * -(y * Math.log(q) + (1 - y) * Math.log(1 - q)); },
  },
  'categorical-focal-crossentropy': { expr: () => L.categoricalFocalCrossentropy(), y: one, z, ref: () => -0.25 * EPS ** 2 * Math.log(1 - EPS) },
  'multi-margin': { expr: () => L.multiMargin(), y: one, z, ref: zero },
  'multi-label-soft-margin': { expr: () => L.multiLabelSoftMargin(), y: yb, z, ref: (y, x) => y * softplus(-x) + (1 - y) * softplus(x) },
  'margin-ranking': { expr: () => L.marginRanking(), y: [[1], [-1]], z, inputs: { input2: [[0.5], [0.1]] }, ref: (y, x, i) => Math.max(0, -y * (x - [0.5, 0.1][i]!)) },
  'gaussian-nll': { expr: () => L.gaussianNLL(), y: yb, z, inputs: { var: [[0.2], [1.5]] }, ref: (y, x, i) => { const v = [0.2, 1.5][i]!; return 0.5 * (Math.log(v) + (x - y) ** 2 / v); } },
  quantile: { expr: () => L.quantile(), y: yr, z, ref: (y, x) => { const u = y - x; return u >= 0 ? 0.5 * u : -0.5 * u; } },
  'smooth-l1': { expr: () => L.smoothL1(), y: yr, z, ref: (y, x) => { const e = Math.abs(x - y); return e < 1 ? 0.5 * e * e : e - 0.5; } },
  'pseudo-huber': { expr: () => L.pseudoHuber(), y: yr, z, ref: (y, x) => Math.sqrt((x - y) ** 2 + 1) - 1 },
  'poly-loss': { expr: () => L.polyLoss(), y: one, z, ref: zero },
  'kl-with-log-targets': { expr: () => L.klWithLogTargets(), y: [[0], [0]], z, ref: zero },
  'jensen-shannon': { expr: () => L.jensenShannon(), y: one, z, ref: zero },

  // Defined through a mean over the j ≠ y classes, 1/(C − 1) Σ_{j≠y} z_j²: no such class.
  squentropy: { expr: () => L.squentropy(), y: one, z, ref: 'typed' },
  'comp-sum': { expr: () => L.compSum({ tau: 1.5 }), y: one, z, ref: zero },
  gce: { expr: () => L.gce(), y: one, z, ref: zero },
  'mae-prob': { expr: () => L.mae(), y: one, z, ref: zero },
  'sum-exponential': { expr: () => L.sumExponential(), y: one, z, ref: zero },
  'ldr-kl': { expr: () => L.ldrKl(), y: one, z, ref: zero },
  // λ_i is normalised by log C = 0.
  'aldr-kl': { expr: () => L.aldrKl(), y: one, z, ref: 'typed' },
  // z̃ = (z − μ)/σ with σ floored (variance + 1e-12): z̃_y = 0 for one class, so softplus(a·b)/a.
  'spherical-z': { expr: () => L.sphericalZ({ a: 1, b: 3 }), y: one, z, ref: () => softplus(3) },
  'log-z-squared': { expr: () => L.logZSquared(), y: one, z, ref: (_y, x) => 1e-4 * x * x },
  'stablemax-ce': { expr: () => L.stableMaxCe(), y: one, z, ref: zero },
  harmonic: { expr: () => L.harmonic({ n: 8 }), y: one, z: zp, ref: zero },
  'sparsemax-loss': { expr: () => L.sparsemaxLoss(), y: one, z, ref: zero },
  'bias-loss': { expr: () => L.biasLoss(), y: one, z, inputs: { featureVariance: [0.4, 1.3] }, ref: zero },
  ldam: { expr: () => L.ldam({ classCounts: [500] }), y: one, z, ref: zero },
  'logit-adjusted': { expr: () => L.logitAdjusted({ priors: [1] }), y: one, z, ref: zero },
  focal: { expr: () => L.focal(), y: one, z, ref: zero },
  'class-balanced': { expr: () => L.classBalanced(ce(), { classCounts: [5000] }), y: one, z, ref: zero },
  'one-vs-rest': { expr: () => L.oneVsRest(), y: one, z, ref: (_y, x) => softplus(-x) },
  'z-error-mse': { expr: () => L.zErrorMse(), y: yr, z },
  // One bin per logit: with C = 1 the bins option (≥ 2 bins) cannot match.
  'hl-gauss': { expr: () => L.hlGauss({ min: 0, max: 4, bins: 4 }), y: [[0], [0]], z, inputs: { value: [1.3, 2.9] }, ref: 'typed' },
  'two-hot': { expr: () => L.twoHot({ min: 0, max: 4, bins: 4 }), y: [[0], [0]], z, inputs: { value: [1.3, 2.9] }, ref: 'typed' },
  'ntl-mse': { expr: () => L.ntlMse({ tokenIds: [0] }), y: one, z, ref: zero },
  'ntl-wasserstein': { expr: () => L.ntlWasserstein({ tokenIds: [0] }), y: one, z, ref: zero },
  'consistency-pseudo-huber': { expr: () => L.consistencyPseudoHuber(), y: yr, z, ref: (y, x) => { const c = 0.00054; return Math.sqrt((x - y) ** 2 + c * c) - c; } },

  dco: { expr: () => L.dco({ n: 16 }), y: one, z, ref: zero },
  'entropy-minimization': { expr: () => L.entropyMinimization(), y: one, z, ref: zero },
  'open-set-entropy-minimization': { expr: () => L.openSetEntropyMinimization(), y: one, z, inputs: { source: [[1], [1]] }, ref: zero },
  'symmetric-teacher-ce': { expr: () => L.symmetricTeacherCe(), y: one, z, inputs: { teacher: [[3], [0]] }, ref: zero },
  'entropy-prior-kl': { expr: () => L.entropyPriorKl({ prior: [1] }), y: one, z, ref: zero },
  'marginal-entropy-maximization': { expr: () => L.marginalEntropyMaximization(), y: one, z, ref: zero },
  'attention-entropy-maximization': { expr: () => L.attentionEntropyMaximization(), y: one, z, ref: zero },
  'attention-entropy-regularization': { expr: () => L.attentionEntropyRegularization(), y: one, z: one, options: probs },
  'label-smoothing': { expr: () => L.labelSmoothing(), y: one, z, ref: zero },
  'confidence-penalty': { expr: () => L.confidencePenalty(), y: one, z, ref: zero },
  'hinton-kd': { expr: () => L.kd(), y: one, z, inputs: { teacher: [[3], [0]] }, ref: zero },
  'dual-head-binary-kl': { expr: () => L.binaryKl(), y: one, z, inputs: { teacher: [[3], [0]] } },
  // Class logits followed by at least one aspect logit: one column leaves no aspect.
  'multi-aspect-kd': { expr: () => L.multiAspectKd({ classes: 1 }), y: one, z, ref: 'typed' },
  'kl-divergence': { expr: () => L.klDivergence(), y: one, z, ref: zero },
  'reverse-kl': { expr: () => L.reverseKl(), y: one, z, ref: zero },
  'js-divergence': { expr: () => L.jsDivergence(), y: one, z, ref: zero },
  'f-divergence': { expr: () => L.fDivergence({ divergence: 'squaredHellinger' }), y: one, z, ref: zero },
  'f-divergence-variational': { expr: () => L.fDivergenceVariational({ divergence: 'kl' }), y: yb, z },
  'cs-divergence': { expr: () => L.csDivergence(), y: [[0.1], [0.5]], z: [[0.2], [0.4]], options: probs },
  'aggregate-response': {
    expr: () => L.aggregateResponseLoss(), y: one, z: [[0.5], [1.2]], inputs: { bag: [0, 0] },
    ref: (y, x) => { const f = 0.85; return (y - f) ** 2 + 0.5 * (x - f) ** 2; },
  },
  'easy-llp': { expr: () => L.easyLlp({ prior: 0.5, bagSize: 4 }), y: [[0.75], [0.25]], z, ref: (a, x) => softplus(x) - (4 * (a - 0.5) + 0.5) * x },
  'neural-ndcg': { expr: () => L.neuralNdcg(), y: [[1], [0]], z, ref: (y) => (y > 0 ? -1 : 0) },
  'brier-score': { expr: () => L.brierScore(), y: one, z, ref: zero },
  'spherical-score': { expr: () => L.sphericalScore(), y: one, z, ref: zero },
  'log-score': { expr: () => L.logScore(), y: one, z, ref: zero },
  'uncertainty-weighted': { expr: () => L.uncertaintyWeighted(ce()), y: one, z, inputs: { uncertainty: [0.5, -0.2] }, ref: (_y, _x, i) => [0.5, -0.2][i]! },
  'multi-sample': { expr: () => L.multiSample(ce(), { samples: 1 }), y: one, z, ref: zero },
  weighted: { expr: () => L.weighted(ce()), y: one, z, inputs: { weight: [1, 0.5] }, ref: zero },
  masked: { expr: () => L.masked(entropy()), y: one, z, inputs: { mask: [1, 0] }, ref: zero },
  'ens-loss': { expr: () => L.ensLoss({ seed: 1 }), y: yb, z },
  'loss-reweighted': { expr: () => L.lossReweighted(ce()), y: one, z, ref: zero },
  // CTC with one class: only the blank, so only empty label sequences; the one all-blank path has probability 1.
  ctc: { fn: (x) => L.ctc([[-1], [-1]], x, { reduction: 'none' }), y: one, z, ref: zero },
  'cosine-embedding': { expr: () => L.cosineEmbedding(), y: yr, z, inputs: { target: [1, -1] }, ref: zero }, // D = 1: cos = ±1
  'hinge-embedding': { expr: () => L.hingeEmbedding(), y: [[1], [-1]], z, ref: (y, x) => (y === 1 ? x : Math.max(0, 1 - x)) },
  'soft-margin': { expr: () => L.softMargin(), y: [[1], [-1]], z, ref: (y, x) => softplus(-y * x) },
  'multi-label-margin': { expr: () => L.multiLabelMargin(), y: one, z, ref: zero }, // no non-target class
  nll: { expr: () => L.nll(), y: one, z, ref: (_y, x) => -x },
  'poisson-nll': { expr: () => L.poissonNLL(), y: yr, z, ref: (y, x) => Math.exp(x) - y * x },
  'bce-with-logits': { expr: () => L.bceWithLogits({ posWeight: [3] }), y: yb, z, ref: (y, x) => 3 * y * softplus(-x) + (1 - y) * softplus(x) },
  'weighted-cross-entropy': { expr: () => L.weightedCrossEntropy({ weight: [2], labelSmoothing: 0.1 }), y: one, z, ref: zero },
  'explicit-triplet-margin': { expr: () => L.explicitTripletMargin(), y: yr, z, inputs: { negative: [[0.1], [0.2]] }, ref: (y, x, i) => Math.max(0, Math.abs(x - y + 1e-6) - Math.abs(x - [0.1, 0.2][i]! + 1e-6) + 1) },
  'explicit-triplet-margin-with-distance': { expr: () => L.explicitTripletMarginWithDistance(), y: yr, z, inputs: { negative: [[0.1], [0.2]] }, ref: (y, x, i) => Math.max(0, Math.abs(x - y + 1e-6) - Math.abs(x - [0.1, 0.2][i]! + 1e-6) + 1) },

  // optax losses: with one class the target scores highest, so the multiclass margins are 0.
  'multiclass-hinge': { expr: () => L.multiclassHinge(), y: one, z, ref: zero },
  perceptron: { expr: () => L.perceptron(), y: [[1], [-1]], z, ref: (y, x) => Math.max(0, -x * y) },
  'multiclass-perceptron': { expr: () => L.multiclassPerceptron(), y: one, z, ref: zero },
  'binary-sparsemax': { expr: () => L.binarySparsemax(), y: yb, z, ref: (y, x) => { const u = y === 1 ? -x : x; return u <= -1 ? 0 : u >= 1 ? u : (u + 1) ** 2 / 4; } },
  'generalized-kl': { expr: () => L.generalizedKl(), y: yr, z, ref: (y, x) => y * Math.log(y) - y * x + Math.exp(x) - y },
  // One item per list: its softmax is 1, so −y log 1 = 0.
  'ranking-softmax': { expr: () => L.rankingSoftmax({ where: input('where', 'class') }), y: yr, z, inputs: { where: [[1], [1]] }, ref: zero },
  // logsumexp of one score is the score: Ω*(s) − y·s = 0 for the one-hot target.
  'fenchel-young': { expr: () => L.fenchelYoung((s) => s.logSumExp()), y: one, z, ref: zero },
  'l2-loss': { expr: () => L.l2Loss(), y: yr, z, ref: (y, x) => 0.5 * (x - y) ** 2 },
  // One component: cos = sign(ŷ y).
  'cosine-distance': { expr: () => L.cosineDistance(), y: yr, z, ref: (y, x) => 1 - Math.sign(x * y) },
  // One class: the sigmoid, and a batch-level scalar.
  'generalized-dice': { expr: () => L.generalizedDice(), y: yb, z },

  // seed losses, part B (issue #25)
  // One patch per image: no pair of patches, so no term.
  'hpm-loss-prediction': { expr: () => L.hpmLossPrediction(), y: yr, z, ref: zero },
  // One pixel per patch: the normalized target is 0, the loss the mean squared prediction over masked patches.
  'mae-reconstruction': { expr: () => L.maeReconstruction(), y: yr, z, inputs: { mask: [1, 1] }, ref: () => (0.7 ** 2 + 1.3 ** 2) / 2 },
  'representation-self-distillation': { expr: () => L.representationSelfDistillation(), y: one, z, inputs: { teacher: [[0.2], [0.1]] }, ref: (_y, x, i) => (x - [0.2, 0.1][i]!) ** 2 },
  eisl: { fn: (x) => L.eisl([[0, 0, 0], [0, 0, 0]], x, { selection: 'softmax', reduction: 'none' }), y: one, z, ref: zero },
  // log C = 0: no sample passes the entropy filter Ent < 0.5 log C.
  deyo: { expr: () => L.deyo(), y: one, z, inputs: { destroyed: [[0], [0]] }, ref: zero },
  'manifold-entropy': { expr: () => L.manifoldEntropy({ lambda: 1 }), y: [0, 0] as unknown as Rows, z, inputs: { buffer: [[0], [1]] }, options: { from: 'embeddings' } },
  'f-distill': { expr: () => L.fDistill(), y: one, z, inputs: { teacher: [[0.1], [0.2]], fakeScore: [[0.3], [0]], weights: [1, 1] } },
  'compositional-nll': { expr: () => L.compositionalNll(), y: one, z, inputs: { noise: [0, 1], noiseLogDensity: [0, -1], logU: 0.2 }, ref: () => -0.7 + 0.2 },
  'bce-ranking': { expr: () => L.bceRankingLoss(), y: yb, z },
  'cka-guidance': { expr: () => L.ckaGuidance(), y: one, z, inputs: { guide: [[1, 0], [0, 1]] } },
  // Procedures: their targets train with cross-entropy, which is 0 with one class.
  's3ft-target': {
    fn: (x) => tf.tidy(() => compile(ce(), { reduction: 'none' })(L.s3ftTarget({ gold: [0, 0], prediction: [0, 0], predictionCorrect: true }).target, tf.reshape(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [-1, 1]))),
    y: one,
    z,
    ref: zero,
  },
  mixup: {
    fn: (x) =>
      tf.tidy(() => {
        const b = L.mixup(tf.reshape(x, [2, 3]), [0, 0], { numClasses: 1, seed: 1 });
        return compile(ce(), { reduction: 'none' })(b.y, tf.slice(b.x, [0, 0], [-1, 1]));
      }),
    y: one,
    z,
    ref: zero,
  },
  'dr-tune': {
    fn: (x) =>
      tf.tidy(() => {
        const q = L.drTuneQueue({ size: 2, dim: 1 });
        q.push([[0.5], [1]], [0, 0], [[1], [2]]);
        const f = tf.reshape(tf.slice(x, [0, 0, 0], [-1, 1, 1]), [-1, 1]);
        const cal = L.drTuneCalibrate(q, f, [[1]]);
        return compile(ce(), { reduction: 'none' })(tf.concat([tf.zeros([2], 'int32'), cal.labels]), tf.concat([f, cal.features]));
      }),
    y: one,
    z,
    ref: zero,
  },
  // seed papers, part A (issue #25)
  wdr: { expr: () => L.wdr({ weights: ['w'] }), y: one, z, inputs: { w: [[0.3, -0.2], [0.5, 0.1]] } },
  // One class: CE = 0 and p = 1, so the batch value is λ log(1 + B).
  'fed-ld': { expr: () => L.fedLd({ lambda: 1 }), y: one, z },
  // One response token: r = β (z − ref), ℓ = l softplus(−r) + (1 − l) softplus(r).
  'implicit-prm': {
    expr: () => L.implicitPrm({ beta: 0.5 }), y: one, z, inputs: { reference: [[0.2], [-0.5]], label: [1, 0] },
    ref: (_y, x, i) => { const r = 0.5 * (x - [0.2, -0.5][i]!); return i === 0 ? softplus(-r) : softplus(r); },
  },
  'group-dro': { expr: () => L.groupDro(ce(), { groups: 2 }), y: one, z, inputs: { group: [0, 1], groupWeights: [0.5, 0.5] } },
  // One dimension: a 1 × 1 covariance (d = B = 1), (σ₀ − σ)².
  'bures-wasserstein': { expr: () => L.buresWasserstein(), y: [[9]], z: [[4]] },
  'mixbag-ci-loss': { expr: () => L.confidenceIntervalLoss(), y: one, z, inputs: { bag: [0, 0], lower: [[-1], [-1]], upper: [[-1], [-1]] } },
  'rationale-invariance': {
    expr: () => L.rationaleInvariance(), y: [0, 0] as never, z,
    inputs: { features: [[0.5, 1], [1.5, -0.2]], classifierWeight: [[1, 0.4]], rationaleBank: [[[0.3, 0.1]]] as never },
  },
  // One class: the attention is a = 1, so p⁺ = σ·(1 − 1) = 0, clamped at 1e-8 (the authors' clamp): −log 1e-8, w = 1, γ₊ = 0.
  'multi-focal-modifier': { expr: () => L.multiFocalModifier({ classCounts: [5], cooccurrence: [[5]] }), y: one, z, ref: () => -Math.log(1e-8) },
  // One class: log p = 0, so the weighted cross-entropy is 0 and there is no head class (c < y) for the utility.
  'integrated-risk': { expr: () => L.integratedRisk({ classCounts: [5] }), y: one, z, ref: zero },
  // A procedure over a surrogate with one output (predictions [N, 1]): finite gradient and state, nothing leaked.
  ignite: {
    y: one, z,
    check: () => {
      const before = tf.memory().numTensors;
      const x = tf.tensor2d([[0.7], [-1.3]]);
      const w = tf.tensor2d([[0.4]]);
      const f = (p: Record<string, tf.Tensor>) => tf.tanh(tf.matMul(x, p.w!));
      const s = L.igniteStep({ w }, (p) => tf.mean(tf.square(f(p))) as tf.Scalar, f, L.igniteInit());
      expect(Array.from(s.grads.w!.dataSync()).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(s.state.lambda)).toBe(true);
      tf.dispose([s.value, s.grads.w!, x, w]);
      expect(tf.memory().numTensors).toBe(before);
    },
  },
};

describe('every catalog entry at C = 1 (one class): a finite value (its closed form where one is given) or a typed LosskitError', () => {
  it('the table covers the catalog exactly', () => {
    const ids = L.catalog.map((e) => e.id).sort();
    expect(Object.keys(table).sort()).toEqual(ids);
  });
  for (const entry of L.catalog) {
    const c = table[entry.id]!;
    it(`${entry.id}: ${c.check ? 'passes its one-output check' : c.ref === 'typed' ? 'raises a typed LosskitError' : c.ref ? 'equals its closed form at C = 1 (value finite, gradient finite)' : 'gives a finite value and gradient'}; leaks nothing`, () => {
      if (c.check) {
        c.check();
        return;
      }
      if (c.fn) {
        const fn = c.fn;
        const x = tf.tensor3d(c.z.map((r) => [r, r, r]));
        const before = tf.memory().numTensors;
        const out = fn(x);
        const got = Array.from(out.dataSync());
        out.dispose();
        expect(got.every((v) => v === 0), `${entry.id}: ${got}`).toBe(true);
        const g = tf.grad((t: tf.Tensor) => tf.sum(fn(t)) as tf.Scalar)(x);
        expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
        g.dispose();
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
        return;
      }
      const loss = compile(c.expr!() as never, { ...(c.options ?? {}), reduction: 'none' } as never);
      const call = c.inputs ? { inputs: c.inputs as Record<string, TensorLike> } : undefined;
      const before = tf.memory().numTensors;
      if (c.ref === 'typed') {
        let err: unknown;
        try {
          loss(c.y, c.z, call).dispose();
        } catch (e) {
          err = e;
        }
        expect(err, `${entry.id} should throw`).toBeInstanceOf(LosskitError);
        expect(tf.memory().numTensors).toBe(before);
        return;
      }
      const t = loss(c.y, c.z, call);
      const got = Array.from(t.dataSync());
      t.dispose();
      expect(got.every(Number.isFinite), `${entry.id}: ${got}`).toBe(true);
      const ref = c.ref;
      if (ref) got.forEach((g, i) => expect(Math.abs(g - ref(c.y[i]![0]!, c.z[i]![0]!, i)), `${entry.id} sample ${i}: ${g} vs ${ref(c.y[i]![0]!, c.z[i]![0]!, i)}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref(c.y[i]![0]!, c.z[i]![0]!, i)))));
      const mean = compile(c.expr!() as never, (c.options ?? {}) as never);
      const { value, grad } = mean.valueAndGrad(c.y, c.z, call);
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([value, grad]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
