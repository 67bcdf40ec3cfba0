// Fusion coverage of the loss catalog: which catalog losses that map a row of [B, C] logits to one value per
// sample compile to the fused row kernel (compile(expr).fused), and why the others cannot. Used by the
// fusion-coverage bench suite and by test/fusion-coverage.test.ts.
//
// Every catalog entry is classified here, so a new entry without a row fails the test:
// - `row`: builder arguments (a row-to-sample loss from logits); `cannot` gives the reason when it does not fuse;
// - `other`: not a row-to-sample loss of logits (extra inputs, batch- or pair-level, another input layout).

/** Row-to-sample catalog losses: entry id → [build(losses, core), reason it cannot fuse (or undefined)]. */
export const ROW_LOSSES = {
  'mean-squared-error': [(l) => l.meanSquaredError()],
  'mean-absolute-error': [(l) => l.meanAbsoluteError()],
  'mean-absolute-percentage-error': [(l) => l.meanAbsolutePercentageError()],
  'mean-squared-logarithmic-error': [(l) => l.meanSquaredLogarithmicError()],
  huber: [(l) => l.huber()],
  'log-cosh': [(l) => l.logCosh()],
  poisson: [(l) => l.poisson()],
  'categorical-hinge': [(l) => l.categoricalHinge()],
  'cosine-similarity': [(l) => l.cosineSimilarity()],
  kld: [(l) => l.kld()],
  'categorical-crossentropy': [(l) => l.categoricalCrossentropy()],
  'categorical-generalized-cross-entropy': [(l) => l.categoricalGeneralizedCrossEntropy()],
  'binary-focal-crossentropy': [(l) => l.binaryFocalCrossentropy()],
  'categorical-focal-crossentropy': [(l) => l.categoricalFocalCrossentropy()],
  'multi-margin': [(l) => l.multiMargin()],
  'multi-label-soft-margin': [(l) => l.multiLabelSoftMargin()],
  quantile: [(l) => l.quantile()],
  'smooth-l1': [(l) => l.smoothL1()],
  'pseudo-huber': [(l) => l.pseudoHuber()],
  'poly-loss': [(l) => l.polyLoss()],
  'kl-with-log-targets': [(l) => l.klWithLogTargets()],
  'jensen-shannon': [(l) => l.jensenShannon()],
  squentropy: [(l) => l.squentropy()],
  'comp-sum': [(l) => l.compSum({ tau: 1.5 })],
  gce: [(l) => l.gce()],
  'mae-prob': [(l) => l.mae()],
  'sum-exponential': [(l) => l.sumExponential()],
  'ldr-kl': [(l) => l.ldrKl()],
  'aldr-kl': [(l) => l.aldrKl()],
  'spherical-z': [(l) => l.sphericalZ({ a: 1, b: 3 })],
  'log-z-squared': [(l) => l.logZSquared()],
  'stablemax-ce': [(l) => l.stableMaxCe()],
  harmonic: [(l) => l.harmonic({ n: 8 })],
  'sparsemax-loss': [(l) => l.sparsemaxLoss(), 'sparsemax needs the sorted row (a threshold search), not a fixed number of sweeps'],
  ldam: [(l) => l.ldam({ classCounts: [50, 30, 20, 10, 5, 3, 1] })],
  'logit-adjusted': [(l) => l.logitAdjusted({ priors: [0.3, 0.2, 0.15, 0.15, 0.1, 0.05, 0.05] })],
  focal: [(l) => l.focal()],
  'class-balanced': [(l, c) => l.classBalanced(c.ce(), { classCounts: [50, 30, 20, 10, 5, 3, 1], beta: 0.999 })],
  'one-vs-rest': [(l) => l.oneVsRest()],
  'ntl-mse': [(l) => l.ntlMse({ tokenIds: [1, 2, 3] })],
  'ntl-wasserstein': [(l) => l.ntlWasserstein({ tokenIds: [1, 2, 3] })],
  'consistency-pseudo-huber': [(l) => l.consistencyPseudoHuber()],
  dco: [(l) => l.dco({ n: 16 })],
  'entropy-minimization': [(l) => l.entropyMinimization()],
  'attention-entropy-maximization': [(l) => l.attentionEntropyMaximization()],
  'attention-entropy-regularization': [(l) => l.attentionEntropyRegularization()],
  'label-smoothing': [(l) => l.labelSmoothing()],
  'confidence-penalty': [(l) => l.confidencePenalty()],
  'multi-aspect-kd': [(l) => l.multiAspectKd({ classes: 4 }), 'its row holds C class logits then A aspect logits, which the op slices apart'],
  'kl-divergence': [(l) => l.klDivergence()],
  'reverse-kl': [(l) => l.reverseKl()],
  'js-divergence': [(l) => l.jsDivergence()],
  'f-divergence': [(l) => l.fDivergence({ divergence: 'squaredHellinger' })],
  'brier-score': [(l) => l.brierScore()],
  'spherical-score': [(l) => l.sphericalScore()],
  'log-score': [(l) => l.logScore()],
  'neural-ndcg': [(l) => l.neuralNdcg(), 'NeuralNDCG sorts the row (a soft permutation matrix per row)'],
  'multi-sample': [(l, c) => l.multiSample(c.ce(), { samples: 2 }), 'its row holds M heads side by side, each a row of its own'],
  'multi-focal-modifier': [(l) => l.multiFocalModifier({ classCounts: [900, 90, 10], cooccurrence: [[900, 40, 5], [40, 90, 3], [5, 3, 10]] }), 'its co-occurrence attention is a [C, C] matrix times the row of targets (C² per row, no row-program node), and it must reject integer labels and non-binary targets, which a fused kernel cannot report (the op throws them)'],
  'hinge-embedding': [(l) => l.hingeEmbedding()],
  'soft-margin': [(l) => l.softMargin()],
  'multi-label-margin': [(l) => l.multiLabelMargin(), 'reads the label set of each row (targets up to the first −1) and sums over pairs (j in the set, i not), a custom op with no core-term form'],
  nll: [(l) => l.nll()],
  'poisson-nll': [(l) => l.poissonNLL()],
  'bce-with-logits': [(l) => l.bceWithLogits({ posWeight: [3, 1, 0.5, 1, 2, 1, 1] })],
  'weighted-cross-entropy': [(l) => l.weightedCrossEntropy({ weight: [1, 2, 3, 1, 1, 0.5, 2] })],
  'multiclass-hinge': [(l) => l.multiclassHinge()],
  perceptron: [(l) => l.perceptron()],
  'multiclass-perceptron': [(l) => l.multiclassPerceptron()],
  'binary-sparsemax': [(l) => l.binarySparsemax()],
  'generalized-kl': [(l) => l.generalizedKl()],
  'ranking-softmax': [(l) => l.rankingSoftmax(), 'optax semantics take −∞ scores as masked items (a finite loss), which the fused kernels reject as non-finite logits; with `where`, items leave the softmax'],
  'fenchel-young': [(l) => l.fenchelYoung((s) => s.logSumExp())],
  'l2-loss': [(l) => l.l2Loss()],
  'cosine-distance': [(l) => l.cosineDistance()],
};

/** Catalog entries that are not row-to-sample losses of logits, with the reason. */
export const OTHER = {
  hinge: "not a function of one row: Keras' target rule reads the whole batch (2y − 1 only when every target of the batch is 0 or 1)",
  'squared-hinge': "not a function of one row: Keras' target rule reads the whole batch (2y − 1 only when every target of the batch is 0 or 1)",
  'z-error-mse': 'not a function of one row: its inlier weights are normalised over the batch',
  'entropy-prior-kl': 'reads the batch marginal p̄ (a batch-level term)',
  tversky: 'batch-level (sums over the whole batch)',
  dice: 'batch-level (sums over the whole batch)',
  'margin-ranking': 'needs a second input (inputs.input2)',
  'gaussian-nll': 'needs the variance as an input (inputs.var)',
  'bias-loss': 'needs inputs.featureVariance',
  'hl-gauss': 'needs scalar targets as an input (inputs.value)',
  'two-hot': 'needs scalar targets as an input (inputs.value)',
  'open-set-entropy-minimization': 'batch-level, needs inputs.source',
  'symmetric-teacher-ce': 'needs the teacher logits as an input',
  'marginal-entropy-maximization': 'reads the batch marginal (a batch-level term)',
  'hinton-kd': 'needs the teacher logits as an input',
  'dual-head-binary-kl': 'needs the teacher logits as an input',
  'f-divergence-variational': 'critic outputs [B, 1] with batch expectations',
  'cs-divergence': 'batch-level (kernel sums over pairs of samples)',
  'aggregate-response': 'needs bag ids as an input',
  'easy-llp': 'bag proportions with inputs.bagSize',
  'uncertainty-weighted': 'a wrapper: needs inputs.uncertainty',
  weighted: 'a wrapper: needs inputs.weight',
  masked: 'a wrapper: needs inputs.mask',
  'loss-reweighted': 'a wrapper that reweights by the batch',
  'ens-loss': 'needs the score g as an input',  ctc: 'a sequence loss: [B, T, C] logits against label sequences (a dynamic program over time)',
  'cosine-embedding': 'needs the ±1 pair target as an input (inputs.target)',
  'explicit-triplet-margin': 'needs the negative as an input (inputs.negative)',
  'explicit-triplet-margin-with-distance': 'needs the negative as an input and takes a user distance function',
  'generalized-dice': 'batch-level (class weights from the whole batch)',
  // seed losses of issue #25
  'hpm-loss-prediction': 'batch-level (pairs of patches within an image)',
  'mae-reconstruction': 'batch-level, needs inputs.mask',
  'representation-self-distillation': 'needs the teacher representations as an input',
  eisl: 'a tensor function over [B, T, V] sequences (no DSL expression)',
  deyo: 'batch-level, needs the destroyed-image logits as an input',
  'manifold-entropy': 'batch-level embeddings against a replay buffer input',
  'f-distill': 'needs the teacher, fake-score and weight inputs',
  'compositional-nll': 'batch-level log-densities with noise inputs',
  'bce-ranking': 'batch-level (ranking pairs across the batch)',
  'cka-guidance': 'batch-level (CKA over the batch), needs the guide activations',
  's3ft-target': 'a procedure that builds targets (no DSL expression)',
  'dr-tune': 'a procedure over a caller-held queue (no DSL expression)',
  mixup: 'a batch transform (no DSL expression)',
  wdr: 'a weight regularizer (reads weight inputs, not logits)',
  'fed-ld': 'batch-level (the norm of the batch softmax matrix)',
  'rationale-invariance': 'batch-level, needs features, classifier weight and the rationale bank',
  'implicit-prm': 'needs the reference log-probs and outcome labels as inputs',
  'group-dro': 'a wrapper over groups: needs inputs.group and inputs.groupWeights',
  'bures-wasserstein': 'batch-level (a matrix square root of covariances)',
  'mixbag-ci-loss': 'batch-level bag proportions with interval inputs',
  ignite: 'a training procedure (no DSL expression)',
  'integrated-risk': 'batch-level (the cross-entropy is normalized by the batch\'s class weights Σ_i w_{y_i}, as torch\'s weighted F.cross_entropy)',
};

/**
 * Compiles every row-to-sample catalog loss and reports `{ rows, fused, total, ratio, unexpected }`: per entry
 * whether it fused and the reason when it cannot; `unexpected` lists entries the table does not classify or whose
 * fusion differs from the table.
 */
export function fusionCoverage(losses, core) {
  const rows = [];
  const unexpected = [];
  for (const entry of losses.catalog) {
    const spec = ROW_LOSSES[entry.id];
    if (!spec) {
      if (!(entry.id in OTHER)) unexpected.push(`${entry.id}: not classified`);
      continue;
    }
    const [build, cannot] = spec;
    const fused = core.compile(build(losses, core)).fused;
    rows.push({ id: entry.id, fused, cannot });
    if (fused === (cannot !== undefined)) unexpected.push(`${entry.id}: ${fused ? 'fuses although listed as cannot' : 'does not fuse'}`);
  }
  const fusedCount = rows.filter((r) => r.fused).length;
  return { rows, fused: fusedCount, total: rows.length, ratio: fusedCount / rows.length, unexpected };
}
