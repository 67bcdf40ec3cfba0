// Catalog entries of the seed-paper components added for issue #26 (appended to `catalog`).
import { type CatalogEntry, defineEntry } from '@losskit/core';

const PKG = '@losskit/metric-learning';

export const teenEntry = defineEntry({
  id: 'teen',
  name: 'TEEN prototype calibration',
  package: PKG,
  export: 'teenCalibrate',
  category: 'few-shot',
  summary: 'Training-free shift of few-shot new-class prototypes towards a similarity-weighted mix of base-class prototypes.',
  formula: '\\hat p_c = (1 - \\alpha)\\bar p_c + \\alpha\\frac{\\Delta_c}{\\|\\Delta_c\\|},\\ \\Delta_c = \\sum_b \\operatorname{softmax}_b\\left(\\tau\\cos(p_c, q_b)\\right)\\bar q_b',
  inputs: 'novel-class prototypes [N, D], base-class prototypes [C_b, D] → calibrated prototypes [N, D]',
  params: [
    { name: 'shiftWeight', default: 0.1, description: 'α, weight of the base-class shift', range: { min: 0, max: 1 } },
    { name: 'temperature', default: 16, description: 'τ, multiplies the cosines before the softmax over base classes', range: { min: 0, minExclusive: true } },
  ],
  paper: { title: 'Few-Shot Class-Incremental Learning via Training-Free Prototype Calibration', authors: 'Wang, Zhou, Zhang, Zhan, Ye', year: 2023, url: 'arXiv:2312.05229' },
  example: "import { teenCalibrate } from '@losskit/metric-learning';\nconst calibrated = teenCalibrate(novelPrototypes, basePrototypes, { shiftWeight: 0.1, temperature: 16 });",
  tryIt: { code: "const base = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];\nconst novel = [[0.9, 0.4, 0], [0, 0.2, 1]];\nconst calibrated = teenCalibrate(novel, base, { shiftWeight: 0.1, temperature: 16 });\nconst rows = calibrated.arraySync();\ncalibrated.dispose();\nrows;" },
});

export const amclEntry = defineEntry({
  id: 'amcl',
  name: 'AMCL (adaptive multi-head contrastive)',
  package: PKG,
  export: 'amclNtXent',
  category: 'self-supervised',
  summary: 'SimCLR over several projection heads with pair-adaptive temperatures from a shared network φ and a top-k negative approximation.',
  formula: '\\sum_h \\operatorname{mean}_r\\Big[-\\frac{s_{rp}}{\\tau_{rp}} + \\frac1k\\sum_{j\\in K_r}\\frac{s_{rj}}{\\tau_{rj}} + \\beta\\Omega(\\tau_{rp}) - \\beta\\sum_{j\\in K_r}\\left(\\log\\tau_{rj} + \\tfrac{1}{\\tau_{rj}}\\right)\\Big],\\ \\tau_{rj} = \\tau_{\\min} + (\\tau_{\\max} - \\tau_{\\min})\\sigma(-\\phi(\\hat z_r)^\\top\\phi(\\hat z_j)),\\ \\Omega(\\tau) = \\tfrac{D}{2}\\log\\tau + \\tfrac1\\tau',
  inputs: 'view 1 and view 2 embeddings [B, H, D] (H heads; [B, D] is one head), B >= 2, and the temperature network φ: [n, D] → [n, D\']',
  params: [
    { name: 'phi', default: null, description: 'the shared temperature network φ (required)' },
    { name: 'beta', default: 1e-4, description: 'β, weight of the temperature regularizer', range: { min: 0 } },
    { name: 'tauMin', default: 1e-5, description: 'lower end of the pair temperatures', range: { min: 0, minExclusive: true } },
    { name: 'tauMax', default: 2, description: 'upper end of the pair temperatures (> tauMin)', range: { min: 0, minExclusive: true } },
    { name: 'topK', default: 100, description: 'k hardest negatives kept per anchor', range: { min: 1 } },
  ],
  paper: { title: 'Adaptive Multi-head Contrastive Learning', authors: 'Wang, Koniusz, Gedeon, Zheng', year: 2024, url: 'arXiv:2310.05615' },
  example: "import * as tf from '@tensorflow/tfjs-core';\nimport { amclNtXent } from '@losskit/metric-learning';\nconst W = tf.variable(tf.randomNormal([128, 128]));\nconst phi = (x) => tf.matMul(x, W);\nconst { value, grads } = tf.variableGrads(() => amclNtXent(view1, view2, { phi, topK: 100 }));",
  tryIt: { code: "const W = tf.variable(tf.randomNormal([4, 4], 0, 0.5, 'float32', 1));\nconst phi = (x) => tf.matMul(x, W);\nconst v1 = tf.randomNormal([6, 3, 4], 0, 1, 'float32', 2);\nconst v2 = tf.add(v1, tf.randomNormal([6, 3, 4], 0, 0.1, 'float32', 3));\nconst loss = amclNtXent(v1, v2, { phi, topK: 4 });\nconst value = loss.dataSync()[0];\ntf.dispose([W, v1, v2, loss]);\nvalue;" },
});

export const hypPairwiseConfusionEntry = defineEntry({
  id: 'hyp-pc',
  name: 'Hyp-PC (hyperbolic pairwise confusion)',
  package: PKG,
  export: 'hypPairwiseConfusion',
  category: 'regularizer',
  summary: 'Poincaré-ball distance between the two halves of the batch, summed over the batch size: confuses identity features.',
  formula: '\\frac{1}{B}\\sum_{i=1}^{B/2} \\frac{2}{\\sqrt c}\\operatorname{artanh}\\left(\\sqrt c\\,\\|(-z_i) \\oplus_c z_{i+B/2}\\|\\right)',
  inputs: 'embeddings [B, D] with B even (mapped into the Poincaré ball), labels [B] (not read)',
  params: [{ name: 'c', default: 1, description: 'curvature magnitude c of the ball', range: { min: 0, minExclusive: true } }],
  paper: { title: 'Hyp-OC: Hyperbolic One Class Classification for Face Anti-Spoofing', authors: 'Narayan, Patel', year: 2024, url: 'arXiv:2404.14406' },
  dsl: 'hypPairwiseConfusion({ c: 1 })',
  example: "import { compile } from '@losskit/core';\nimport { hypPairwiseConfusion } from '@losskit/metric-learning';\nconst loss = compile(hypPairwiseConfusion({ c: 1 }), { from: 'embeddings' });",
});

export const hyperbolicMlrEntry = defineEntry({
  id: 'hyp-ce',
  name: 'Hyp-CE (hyperbolic MLR logits)',
  package: PKG,
  export: 'hyperbolicMlr',
  category: 'classification',
  summary: 'Hyperbolic multinomial logistic regression logits on the Poincaré ball; Hyp-CE is the softmax cross-entropy of these logits.',
  formula: '\\operatorname{logit}_k(x) = \\frac{2\\|a_k\\|}{\\sqrt c}\\operatorname{asinh}\\left(\\frac{2\\sqrt c\\,\\langle (-p_k) \\oplus_c x,\\ a_k/\\|a_k\\|\\rangle}{1 - c\\|(-p_k) \\oplus_c x\\|^2}\\right),\\ p_k = \\exp_0(u_k)',
  inputs: 'points x [B, D] in the Poincaré ball, class normals a [C, D], class offsets u [C, D] (tangent at 0) → logits [B, C]',
  params: [{ name: 'c', default: 1, description: 'curvature magnitude c of the ball', range: { min: 0, minExclusive: true } }],
  paper: { title: 'Hyp-OC: Hyperbolic One Class Classification for Face Anti-Spoofing', authors: 'Narayan, Patel', year: 2024, url: 'arXiv:2404.14406' },
  example: "import { hyperbolicMlr } from '@losskit/metric-learning';\nconst logits = hyperbolicMlr(points, normals, offsets, { c: 1 });",
  tryIt: { code: "const x = [[0.1, 0.2], [-0.3, 0.1], [0.05, -0.4]];\nconst a = [[1, 0], [0, 1]];\nconst u = [[0.2, 0.1], [-0.1, 0.3]];\nconst logits = hyperbolicMlr(x, a, u, { c: 1 });\nconst hypCe = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 0], 'int32'), 2), logits);\nconst value = hypCe.dataSync()[0];\ntf.dispose([logits, hypCe]);\nvalue;" },
});

const BT2_PAPER = { title: 'BT^2: Backward-compatible Training with Basis Transformation', authors: 'Zhou, Li, Shrivastava, Zhao, Torralba, Tian, Lim', year: 2023, url: 'arXiv:2211.03989' };

export const bt2Entry = defineEntry({
  id: 'bt2',
  name: 'BT² backward-compatible loss',
  package: PKG,
  export: 'bt2Loss',
  category: 'compatibility',
  summary: 'Cross-entropy plus old-classifier cross-entropy and cosine matching to stored old and new′ features, for backward-compatible representations.',
  formula: '\\mathrm{CE}(z, y) + w_p\\,\\mathrm{CE}(\\bar c W^\\top, y) + w_o\\left(1 - \\operatorname{mean}_b\\langle \\bar\\phi_{old}, \\bar c\\rangle\\right) + w_n\\left(1 - \\operatorname{mean}_b\\langle \\bar\\phi\', \\bar f\\rangle\\right)',
  inputs: "{ logits [B, C], labels [B], compatible [B, D_old], features [B, D_new], oldTargets [B, D_old], newTargets [B, D_new], pseudoClassifier? [C, D_old] }",
  params: [
    { name: 'pseudoWeight', default: 10, description: 'w_p, weight of the old-classifier cross-entropy', range: { min: 0 } },
    { name: 'oldWeight', default: 10, description: 'w_o, weight of 1 − cos to the old features', range: { min: 0 } },
    { name: 'newWeight', default: 1, description: 'w_n, weight of 1 − cos to the new′ features', range: { min: 0 } },
  ],
  paper: BT2_PAPER,
  example: "import { bt2Loss } from '@losskit/metric-learning';\nconst loss = bt2Loss({ logits, labels, compatible, features, oldTargets, newTargets, pseudoClassifier });",
  tryIt: { code: "const logits = [[2, 0.5, -1], [0.1, 1.5, 0.3]];\nconst loss = bt2Loss({ logits, labels: [0, 1], compatible: [[1, 0.2], [0.1, 1]], features: [[0.5, 0.5, 0], [0, 1, 0.2]], oldTargets: [[1, 0], [0, 1]], newTargets: [[1, 1, 0], [0, 1, 0]], pseudoClassifier: [[1, 0], [0, 1], [0.7, 0.7]] });\nconst value = loss.dataSync()[0];\nloss.dispose();\nvalue;" },
});

export const bt2BasisEntry = defineEntry({
  id: 'bt2-basis',
  name: 'BT² orthonormal basis transformation',
  package: PKG,
  export: 'orthonormalBasis',
  category: 'compatibility',
  summary: 'A learnable orthonormal matrix (exponential of a skew-symmetric parameter) that rotates features without losing information.',
  formula: 'Q = \\exp\\left(\\operatorname{tril}(w, -1) - \\operatorname{tril}(w, -1)^\\top\\right),\\ Q^\\top Q = I',
  inputs: 'parameter w [n, n] → orthonormal Q [n, n]',
  params: [],
  paper: BT2_PAPER,
  example: "import { orthonormalBasis } from '@losskit/metric-learning';\nconst Q = orthonormalBasis(w);",
  tryIt: { code: "const Q = orthonormalBasis([[0, 0.3, 1], [0.5, 0, 0.2], [-0.4, 0.8, 0]]);\nconst check = tf.matMul(Q, Q, true, false);\nconst rows = check.arraySync();\ntf.dispose([Q, check]);\nrows;" },
});

const SBCL_PAPER = { title: 'Subclass-balancing Contrastive Learning for Long-tailed Recognition', authors: 'Hou, Yu, Zhou', year: 2023, url: 'arXiv:2306.15925' };

export const sbclEntry = defineEntry({
  id: 'sbcl',
  name: 'SBCL (subclass-balancing contrastive)',
  package: PKG,
  export: 'sbcl',
  category: 'contrastive',
  summary: 'Supervised contrastive loss on subclasses (head classes clustered to the tail-class size) plus a class-level term among subclasses with class-dependent temperatures.',
  formula: '\\frac{\\tau}{\\tau_b}\\Big(-\\frac{1}{|M_i|}\\sum_{p\\in M_i}\\log\\frac{e^{s_{ip}/\\tau}}{\\sum_{k\\neq i}e^{s_{ik}/\\tau}}\\Big) + \\beta\\Big(-\\frac{1}{|P_i|}\\sum_{p\\in P_i}\\log\\frac{e^{s_{ip}/\\tau_{y_i}}}{\\sum_{k\\in A_i}e^{s_{ik}/\\tau_{y_i}}}\\Big)',
  inputs: 'both views stacked [2N, D] (row i + N = other view of row i), labels [2N], inputs { sbclSubclass, sbclTau } [2N] from sbclSubclasses(features, labels).step(indices)',
  params: [
    { name: 'temperature', default: 0.1, description: 'τ of the subclass-level term', range: { min: 0, minExclusive: true } },
    { name: 'baseTemperature', default: 0.07, description: 'τ_b; the subclass term is scaled by τ/τ_b', range: { min: 0, minExclusive: true } },
    { name: 'beta', default: 0.25, description: 'β, weight of the class-level term', range: { min: 0 } },
  ],
  paper: SBCL_PAPER,
  dsl: 'sbcl()',
  example: "import { compile } from '@losskit/core';\nimport { sbcl, sbclSubclasses } from '@losskit/metric-learning';\nconst sub = sbclSubclasses(features, labels, { seed: 0 });\nconst step = sub.step(batchIndices);\nconst value = compile(sbcl(), { from: 'embeddings' })(step.labels, views, { inputs: step.inputs });",
  tryIt: { code: "const feats = [[1, 0.1], [0.9, 0.3], [0.8, -0.2], [1, -0.4], [0.1, 1], [-0.2, 0.9]];\nconst sub = sbclSubclasses(feats, [0, 0, 0, 0, 1, 1], { minSize: 2 });\nconst step = sub.step([0, 1, 2, 3, 4, 5]);\nconst views = [...feats, ...feats.map((r) => r.map((v) => v + 0.05))];\ncompile(sbcl(), { from: 'embeddings' })(step.labels, views, { inputs: step.inputs });" },
});

export const sbclSubclassesEntry = defineEntry({
  id: 'sbcl-subclasses',
  name: 'SBCL subclass clustering',
  package: PKG,
  export: 'sbclSubclasses',
  category: 'contrastive',
  summary: 'Splits each class into ⌊n_c / max(min n, 10)⌋ k-means subclasses of its features and sets class temperatures from the class density (the SBCL clustering step).',
  formula: 'K_c = \\max\\left(1, \\left\\lfloor \\frac{n_c}{\\max(\\min_{c\'} n_{c\'}, 10)} \\right\\rfloor\\right),\\ d_c = \\frac{\\operatorname{mean}_{x\\in c}\\|x - \\mu_c\\|}{\\log(n_c + 10)},\\ \\tau_c = \\tau\\frac{\\operatorname{clip}(d_c)}{\\operatorname{mean}\\operatorname{clip}(d)}',
  inputs: 'features [n, D], labels [n] → { subclass [n], clusters [C], classTemperatures [C], step(indices) }',
  params: [
    { name: 'minSize', default: 10, description: 'floor of the subclass size', range: { min: 1 } },
    { name: 'temperature', default: 0.1, description: 'τ that the class temperatures scale', range: { min: 0, minExclusive: true } },
    { name: 'seed', default: 0, description: 'seed of the k-means++ initialisation' },
    { name: 'iterations', default: 100, description: 'Lloyd iterations', range: { min: 1 } },
  ],
  paper: SBCL_PAPER,
  example: "import { sbclSubclasses } from '@losskit/metric-learning';\nconst { subclass, classTemperatures } = sbclSubclasses(features, labels, { seed: 0 });",
  tryIt: { code: "const feats = [[1, 0.1], [0.9, 0.3], [0.8, -0.2], [1, -0.4], [0.1, 1], [-0.2, 0.9]];\nconst r = sbclSubclasses(feats, [0, 0, 0, 0, 1, 1], { minSize: 2 });\n({ subclass: Array.from(r.subclass), clusters: r.clusters, classTemperatures: Array.from(r.classTemperatures) });" },
});

export const energyConfusionEntry = defineEntry({
  id: 'ecaml-energy-confusion',
  name: 'ECAML energy confusion',
  package: PKG,
  export: 'energyConfusion',
  category: 'regularizer',
  summary: 'Log of the mean squared distance of cross-class pairs; minimizing it confuses the metric (added with a small weight to a metric loss).',
  formula: '\\log\\Big(\\frac{1}{|N|}\\sum_{(i<j)\\in N}\\tfrac12\\|x_i - x_j\\|^2\\Big),\\ N = \\{(i, j): y_i \\neq y_j\\}',
  inputs: 'embeddings [B, D], labels [B] → batch scalar',
  params: [],
  paper: { title: 'Energy Confused Adversarial Metric Learning for Zero-Shot Image Retrieval and Clustering', authors: 'Chen, Deng', year: 2019, url: 'arXiv:1901.07169' },
  dsl: 'energyConfusion()',
  example: "import { compile } from '@losskit/core';\nimport { energyConfusion, multiSimilarity } from '@losskit/metric-learning';\nconst loss = compile(multiSimilarity().plus(energyConfusion().scale(0.13)), { from: 'embeddings' });",
});

const WDM_PAPER = { title: 'Wasserstein Dependency Measure for Representation Learning', authors: 'Ozair, Lynch, Bengio, van den Oord, Levine, Sermanet', year: 2019, url: 'arXiv:1903.11780' };

export const wpcEntry = defineEntry({
  id: 'wpc',
  name: 'WPC (Wasserstein predictive coding)',
  package: PKG,
  export: 'wpcLoss',
  category: 'self-supervised',
  summary: 'InfoNCE over a critic f(x, y) scored on every pair of the batch, plus a gradient penalty that keeps the critic Lipschitz.',
  formula: '\\frac1B\\sum_i\\Big[\\log\\sum_j e^{f(x_i, y_j)} - f(x_i, y_i)\\Big] + \\lambda\\,\\operatorname{mean}_i\\big(\\|\\nabla_{(x,y)} f(x_i, y_i)\\|_2 - K\\big)^2',
  inputs: 'x [B, Dx], y [B, Dy] (positive pairs by row), the critic (x [n, Dx], y [n, Dy]) → scores [n] → scalar',
  params: [
    { name: 'critic', default: null, description: 'the caller\'s critic f, scoring rows independently (required)' },
    { name: 'penaltyWeight', default: 10, description: 'λ, weight of the gradient penalty (WGAN-GP\'s value)', range: { min: 0 } },
    { name: 'lipschitz', default: 1, description: 'K, the target gradient norm', range: { min: 0, minExclusive: true } },
  ],
  paper: WDM_PAPER,
  example: "import * as tf from '@tensorflow/tfjs-core';\nimport { wpcLoss } from '@losskit/metric-learning';\nconst W = tf.variable(tf.randomNormal([64, 64]));\nconst critic = (x, y) => tf.sum(tf.mul(tf.matMul(x, W), y), -1);\nconst { value, grads } = tf.variableGrads(() => wpcLoss(critic, xEmb, yEmb, { penaltyWeight: 10 }));",
  tryIt: { code: "const W = tf.variable(tf.tensor2d([[0.5, -0.2], [0.1, 0.8]]));\nconst critic = (x, y) => tf.sum(tf.mul(tf.matMul(x, W), y), -1);\nconst x = [[1, 0], [0, 1], [0.5, 0.5]];\nconst y = [[0.9, 0.1], [0.2, 1], [0.4, 0.6]];\nconst { value, grads } = tf.variableGrads(() => wpcLoss(critic, x, y));\nconst out = { loss: value.dataSync()[0], grad: Array.from(grads[W.name].dataSync()) };\ntf.dispose([W, value, grads[W.name]]);\nout;" },
});

export const criticGradientPenaltyEntry = defineEntry({
  id: 'critic-gradient-penalty',
  name: 'Critic gradient penalty (WPC Lipschitz constraint)',
  package: PKG,
  export: 'criticGradientPenalty',
  category: 'regularizer',
  summary: 'Mean squared gap between the critic\'s input-gradient norm and K at the given rows: the WGAN-GP Lipschitz constraint used by WPC.',
  formula: '\\operatorname{mean}_i\\big(\\|\\nabla_{(x,y)} f(x_i, y_i)\\|_2 - K\\big)^2',
  inputs: 'the critic, x [n, Dx], y [n, Dy] → scalar (differentiable in the critic\'s variables)',
  params: [{ name: 'lipschitz', default: 1, description: 'K, the target gradient norm', range: { min: 0, minExclusive: true } }],
  paper: WDM_PAPER,
  example: "import { criticGradientPenalty } from '@losskit/metric-learning';\nconst gp = criticGradientPenalty(critic, x, y, { lipschitz: 1 });",
  tryIt: { code: "const W = tf.tensor2d([[0.5, -0.2], [0.1, 0.8]]);\nconst critic = (x, y) => tf.sum(tf.mul(tf.matMul(x, W), y), -1);\nconst gp = criticGradientPenalty(critic, [[1, 0], [0, 1]], [[0.9, 0.1], [0.2, 1]]);\nconst value = gp.dataSync()[0];\ntf.dispose([W, gp]);\nvalue;" },
});

/** The entries of this file, in catalog order. */
export const seedEntries: readonly CatalogEntry[] = [teenEntry, amclEntry, hypPairwiseConfusionEntry, hyperbolicMlrEntry, bt2Entry, bt2BasisEntry, sbclEntry, sbclSubclassesEntry, energyConfusionEntry, wpcEntry, criticGradientPenaltyEntry];
