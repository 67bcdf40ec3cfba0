/**
 * Catalog entries of @losskit/ood: one per detector, score, metric and training objective.
 */
import { type CatalogEntry, defineEntry } from '@losskit/core';

const pkg = '@losskit/ood';
const lee = { title: 'A Simple Unified Framework for Detecting Out-of-Distribution Samples and Adversarial Attacks', authors: 'Lee, Lee, Lee, Shin', year: 2018, url: 'arXiv:1807.03888' };
// Three Gaussian clusters as ID features and a far cluster as OOD, built in the Try-it code.
const blobs = "const idF = exampleEmbeddings.map((r) => r.slice(0, 3));\nconst oodF = idF.map((r) => r.map((v) => v + 2.5));\n";

export const mahalanobisEntry = defineEntry({
  id: 'mahalanobis', name: 'Mahalanobis detector', package: pkg, export: 'MahalanobisDetector', category: 'ood-score',
  summary: 'Class-conditional Gaussians with a tied covariance on features; score = max_c −½ Mahalanobis distance² (one or several layers).',
  formula: String.raw`M(x) = \max_c -\tfrac12 \big(f(x) - \mu_c\big)^\top \Sigma^{\dagger} \big(f(x) - \mu_c\big),\quad \Sigma = \tfrac1N \sum_c \sum_{y_i = c} (f_i - \mu_c)(f_i - \mu_c)^\top`,
  inputs: 'training features [N, D] (or one per layer), labels [N]; test features [M, D]',
  params: [{ name: 'classes', default: 'max label + 1', description: 'Number of classes.' }, { name: 'rtol', default: 'D·ε', description: 'Pseudo-inverse eigenvalue cutoff.' }], paper: lee,
  example: "import { MahalanobisDetector, auroc } from '@losskit/ood';\nconst det = MahalanobisDetector.fit(trainFeatures, trainLabels);\nauroc(det.score(idFeatures), det.score(oodFeatures));",
  tryIt: { code: `${blobs}const det = MahalanobisDetector.fit(idF, embeddingLabels);\n({ id: det.score(idF), ood: det.score(oodF), auroc: auroc(det.score(idF), det.score(oodF)) });` },
});

export const preprocessEntry = defineEntry({
  id: 'mahalanobis-input-preprocessing', name: 'Mahalanobis input preprocessing', package: pkg, export: 'mahalanobisScoreWithPreprocessing', category: 'ood-score',
  summary: 'Step the input against the gradient of the distance to its closest class, then score: x̂ = x − ε sign(∇ₓ ½ d²_ĉ).',
  formula: String.raw`\hat x = x - \varepsilon\, \operatorname{sign}\Big(\nabla_x \tfrac12 \big(f(x) - \mu_{\hat c}\big)^\top \Sigma^{\dagger} \big(f(x) - \mu_{\hat c}\big)\Big),\quad M(\hat x)`,
  inputs: 'detector, feature function x ↦ f(x) [N, D], inputs x [N, ...]',
  params: [{ name: 'epsilon', default: null, range: { min: 0 }, description: 'Noise magnitude ε (tuned on validation data).' }, { name: 'layer', default: 0, description: 'Detector layer.' }, { name: 'inputScale', default: 1, description: 'Per-channel input std the sign is divided by.' }], paper: lee,
  example: "import { mahalanobisScoreWithPreprocessing } from '@losskit/ood';\nmahalanobisScoreWithPreprocessing({ detector, features: (x) => hidden.apply(x), x, epsilon: 0.002 });",
  tryIt: { code: "const hidden = (x) => tf.tanh(tf.matMul(x, tf.tensor2d([[1, -0.5], [0.3, 1]])));\nconst x = tf.tensor2d(retain.x);\nconst det = MahalanobisDetector.fit(hidden(x), retain.y);\nmahalanobisScoreWithPreprocessing({ detector: det, features: hidden, x: tf.tensor2d(forget.x), epsilon: 0.01 });" },
});

export const ensembleEntry = defineEntry({
  id: 'mahalanobis-layer-ensemble', name: 'Mahalanobis feature ensemble', package: pkg, export: 'fitLayerEnsemble', category: 'ood-score',
  summary: 'Logistic regression on per-layer Mahalanobis scores (ID vs OOD validation samples); the decision value is the ensemble score.',
  formula: String.raw`S(x) = \sum_\ell \alpha_\ell M_\ell(x) + b,\quad \min_{\alpha, b} \tfrac12\lVert\alpha\rVert^2 + C \sum_i \log\big(1 + e^{-y_i S(x_i)}\big)`,
  inputs: 'per-layer scores of ID [N, L] and OOD [M, L] validation samples', params: [{ name: 'C', default: 1, range: { min: 0, minExclusive: true }, description: 'Inverse L2 strength (the authors cross-validate it).' }], paper: lee,
  example: "import { fitLayerEnsemble, ensembleScore } from '@losskit/ood';\nconst ens = fitLayerEnsemble(det.scores(valIdLayers), det.scores(valOodLayers));\nensembleScore(det.scores(testLayers), ens);",
  tryIt: { code: "const ens = fitLayerEnsemble([[-1, -2], [-1.5, -1], [-0.5, -1.2]], [[-6, -4], [-5, -7], [-4, -6]]);\n({ ens, scores: ensembleScore([[-1, -1], [-6, -6]], ens) });" },
});

export const knnEntry = defineEntry({
  id: 'knn-score', name: 'Deep kNN score', package: pkg, export: 'KnnDetector', category: 'ood-score',
  summary: 'Negative distance to the k-th nearest L2-normalized ID feature: OOD detection in feature space, independent of the decision boundary.',
  formula: String.raw`S(x) = -\big\lVert z - z_{(k)} \big\rVert_2,\quad z = \frac{f(x)}{\lVert f(x)\rVert_2}`,
  inputs: 'ID features [N, D]; test features [M, D]', params: [{ name: 'k', default: 50, range: { min: 1 }, description: 'Neighbour rank k (≤ N).' }],
  paper: { title: 'Can Pre-trained Networks Detect Familiar Out-of-Distribution Data?', authors: 'Miyai, Yu, Irie, Aizawa', year: 2023, url: 'arXiv:2310.00847' },
  example: "import { KnnDetector } from '@losskit/ood';\nKnnDetector.fit(trainFeatures, { k: 10 }).score(testFeatures);",
  tryIt: { code: `${blobs}const knn = KnnDetector.fit(idF, { k: 2 });\n({ id: knn.score(idF), ood: knn.score(oodF) });` },
});

export const mixoeEntry = defineEntry({
  id: 'mixoe', name: 'Mixture Outlier Exposure', package: pkg, export: 'mixOEBatch', category: 'ood-training',
  summary: 'Mix ID inputs with auxiliary outliers (mixup or CutMix, λ ~ Beta(α, α)) and train the mixtures toward λ·onehot + (1−λ)·uniform.',
  formula: String.raw`\mathcal L = \mathrm{CE}\big(f(x), y\big) + \beta\, \mathrm{CE}\big(f(\lambda x + (1-\lambda) x_{out}),\ \lambda\, e_y + (1-\lambda)\tfrac{1}{K}\mathbf 1\big)`,
  inputs: 'ID inputs [B, ...], labels [B], outliers [B, ...]', dsl: 'ce()',
  params: [{ name: 'alpha', default: 1, range: { min: 0, minExclusive: true }, description: 'Beta(α, α) of λ.' }, { name: 'beta', default: 1, range: { min: 0 }, description: 'Weight of the mixed term.' }, { name: 'mode', default: 'mixup', range: "'mixup' | 'cutmix'", description: 'How inputs are mixed.' }, { name: 'seed', default: 0, description: 'Seed of λ and the box.' }],
  paper: { title: 'Mixture Outlier Exposure: Towards Out-of-Distribution Detection in Fine-grained Environments', authors: 'Zhang, Inkawhich, Linderman, Chen, Li', year: 2023, url: 'arXiv:2106.03917' },
  example: "import { mixOEBatch, mixOELoss } from '@losskit/ood';\nconst b = mixOEBatch({ inputs: xb, labels: yb, outliers: ob, classes: 10, seed: step });\nmixOELoss()(b.targets, model.apply(b.inputs), b.weights);",
  tryIt: { code: "const b = mixOEBatch({ inputs: tf.tensor2d(retain.x.slice(0, 4)), labels: retain.y.slice(0, 4), outliers: tf.tensor2d([[5, 5], [-5, 5], [5, -5], [-5, -5]]), classes: 3, seed: 1 });\nmixOELoss()(b.targets, model.apply(b.inputs), b.weights);" },
});

export const aurocEntry = defineEntry({
  id: 'auroc', name: 'AUROC (ID positive)', package: pkg, export: 'auroc', category: 'ood-metric',
  summary: 'Probability that a random ID score exceeds a random OOD score (ties ½).',
  formula: String.raw`\mathrm{AUROC} = \frac{1}{n_{in} n_{out}} \sum_{i \in in} \sum_{j \in out} \Big(\mathbb 1[s_i > s_j] + \tfrac12 \mathbb 1[s_i = s_j]\Big)`,
  inputs: 'ID scores [n], OOD scores [m]', params: [], paper: lee,
  example: "import { auroc } from '@losskit/ood';\nauroc([0.9, 0.8, 0.3], [0.1, 0.4]);",
});

export const fprEntry = defineEntry({
  id: 'fpr-at-95-tpr', name: 'FPR at 95% TPR', package: pkg, export: 'fprAtTpr', category: 'ood-metric',
  summary: 'Fraction of OOD samples accepted at the threshold that keeps 95% of ID samples.',
  formula: String.raw`\mathrm{FPR}@\tau = \tfrac{1}{n_{out}}\big|\{j : s_j \ge \tau\}\big|,\ \tau = \text{the } \lceil 0.95\, n_{in}\rceil\text{-th largest ID score}`,
  inputs: 'ID scores [n], OOD scores [m]', params: [{ name: 'tpr', default: 0.95, range: { min: 0, max: 1, minExclusive: true }, description: 'True-positive rate.' }], paper: lee,
  example: "import { fprAtTpr } from '@losskit/ood';\nfprAtTpr([0.9, 0.8, 0.7, 0.3], [0.1, 0.75, 0.2]);",
});

/** Every entry of @losskit/ood. */
export const catalog: readonly CatalogEntry[] = Object.freeze([mahalanobisEntry, preprocessEntry, ensembleEntry, knnEntry, mixoeEntry, aurocEntry, fprEntry]);
