/**
 * Catalog entries of @losskit/diagnostics: one per diagnostic, generalization measure and probe.
 */
import { type CatalogEntry, defineEntry } from '@losskit/core';

const pkg = '@losskit/diagnostics';
const lossParam = { name: 'loss', default: 'compile(ce())', description: 'Per-example loss ℓ(y, f(x)), a compiled loss with mean reduction.' } as const;
const li = { title: 'Visualizing the Loss Landscape of Neural Nets', authors: 'Li, Xu, Taylor, Studer, Goldstein', year: 2018, url: 'arXiv:1712.09913' };
const cz = { title: 'On the Generalization Mystery in Deep Learning', authors: 'Chatterjee, Zielinski', year: 2022, url: 'arXiv:2203.10036' };
const dse = { title: 'Assessing Neural Network Representations During Training Using Noise-Resilient Diffusion Spectral Entropy', authors: 'Liao, Liu, Christensen, Tong, Huguet, Wolf, Nickel, Adelstein, Krishnaswamy', year: 2023, url: 'arXiv:2312.04823' };
// The docs site's 'model' fixture is a small MLP 2 → 8 (tanh) → 3 with 'retain' / 'forget' data { x, y }.
const modelData = 'const x = tf.tensor2d(retain.x.slice(0, 24));\nconst y = retain.y.slice(0, 24);\n';

export const neuralCollapseEntry = defineEntry({
  id: 'neural-collapse', name: 'Neural collapse NC1–NC3', package: pkg, export: 'neuralCollapse', category: 'representation',
  summary: 'Within-class collapse (NC1), simplex-ETF class means (NC2, equinorm, equiangularity) and classifier self-duality (NC3) of penultimate features.',
  formula: String.raw`\mathrm{NC1} = \tfrac1C \operatorname{tr}(\Sigma_W \Sigma_B^\dagger),\ \mathrm{NC2} = \Big\lVert \tfrac{\tilde M^\top \tilde M}{\lVert \tilde M^\top \tilde M\rVert_F} - \tfrac{I - \tfrac1C \mathbf 1\mathbf 1^\top}{\sqrt{C-1}}\Big\rVert_F,\ \mathrm{NC3} = \Big\lVert \tfrac{W}{\lVert W\rVert_F} - \tfrac{\tilde M}{\lVert \tilde M\rVert_F}\Big\rVert_F^2`,
  inputs: 'features [N, D], labels [N], optional classifier kernel [D, C]',
  params: [{ name: 'classes', default: 'max label + 1', description: 'Number of classes C.' }, { name: 'classifier', default: null, description: 'Dense kernel [D, C] for NC3.' }],
  paper: { title: 'Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced Data', authors: 'Dang, Tran, Osher, Tran-The, Ho, Nguyen', year: 2023, url: 'arXiv:2301.00437' },
  example: "import { neuralCollapse } from '@losskit/diagnostics';\nconst { nc1, nc2, nc3 } = neuralCollapse(features, labels, { classifier: kernel });",
  tryIt: { code: "const features = [[3, 0.1], [2.9, -0.1], [-1.5, 2.6], [-1.4, 2.5], [-1.5, -2.6], [-1.6, -2.5]];\nneuralCollapse(features, [0, 0, 1, 1, 2, 2], { classifier: [[1, -0.5, -0.5], [0, 0.87, -0.87]] });" },
});

export const gaussianNaiveBayesEntry = defineEntry({
  id: 'gaussian-naive-bayes-probe', name: 'Gaussian naive-Bayes probe', package: pkg, export: 'GaussianNaiveBayes', category: 'probe',
  summary: 'Generative linear-evaluation head on frozen features: class means, shared diagonal variance, class priors; incremental fit.',
  formula: String.raw`z_k(x) = \log \pi_k - \tfrac12 \sum_j \frac{(x_j - \mu_{kj})^2}{\sigma_j^2},\quad \sigma_j^2 = \sum_k \pi_k \big(\operatorname{Var}_k(x_j) + \varepsilon\big)`,
  inputs: 'features [N, D], labels [N]', params: [{ name: 'varianceEpsilon', default: 1e-9, range: { min: 0, minExclusive: true }, description: 'ε added to each per-class variance.' }],
  paper: { title: 'Revisiting Discriminative vs. Generative Classifiers: Theory and Implications', authors: 'Zheng, Wu, Bao, Cao, Li, Zhu', year: 2023, url: 'arXiv:2302.02334' },
  example: "import { GaussianNaiveBayes } from '@losskit/diagnostics';\nconst nb = GaussianNaiveBayes.fit(trainFeatures, trainLabels);\nnb.predict(testFeatures);",
  tryIt: { code: "const nb = GaussianNaiveBayes.fit(exampleEmbeddings, embeddingLabels);\n({ predictions: nb.predict(exampleEmbeddings), labels: embeddingLabels });" },
});

export const perExampleGradientsEntry = defineEntry({
  id: 'per-example-gradients', name: 'Per-example gradients', package: pkg, export: 'perExampleGradients', category: 'gradient',
  summary: 'g_i = ∇θ ℓ(y_i, f(x_i)) as a [B, P] matrix: one backward pass plus outer products for Dense stacks, a loop otherwise.',
  formula: String.raw`g_i = \nabla_\theta \ell(y_i, f_\theta(x_i)),\quad \nabla_{W_l}\ell_i = a_{l-1,i}\,\delta_{l,i}^\top`,
  inputs: 'model, x [B, ...], labels [B] or targets [B, C]', params: [lossParam, { name: 'method', default: 'auto', range: "'auto' | 'loop'", description: 'Dense fast path when possible.' }],
  paper: { title: 'Efficient Per-Example Gradient Computations', authors: 'Goodfellow', year: 2015, url: 'arXiv:1510.01799' },
  example: "import { perExampleGradients } from '@losskit/diagnostics';\nconst { gradients, batch, size } = perExampleGradients(model, x, labels);",
  tryIt: { code: `${modelData}const g = perExampleGradients(model, x, y);\n({ batch: g.batch, size: g.size, method: g.method });` },
});

export const gradientCoherenceEntry = defineEntry({
  id: 'gradient-coherence', name: 'Gradient coherence (α, m-coherence)', package: pkg, export: 'gradientCoherence', category: 'gradient',
  summary: 'How aligned per-example gradients are: α = ‖mean g‖² / mean ‖g‖², and m·α (1 for orthogonal, m for identical gradients).',
  formula: String.raw`\alpha = \frac{\mathbb E_{i,j}[g_i \cdot g_j]}{\mathbb E_i[g_i \cdot g_i]} = \frac{\lVert \bar g\rVert^2}{\tfrac1m \sum_i \lVert g_i\rVert^2},\quad \alpha_m = m\,\alpha`,
  inputs: 'per-example gradients [B, P]', params: [], paper: cz,
  example: "import { gradientCoherence, perExampleGradients } from '@losskit/diagnostics';\ngradientCoherence(perExampleGradients(model, x, labels)).mCoherence;",
  tryIt: { code: `${modelData}gradientCoherence(perExampleGradients(model, x, y));` },
});

export const m3Entry = defineEntry({
  id: 'm3-gradient', name: 'M3 (median of 3 means)', package: pkg, export: 'm3Gradient', category: 'gradient',
  summary: 'Coordinate-wise median of the mean gradients of three disjoint groups of the batch: suppresses weak, idiosyncratic directions.',
  formula: String.raw`g^{M3}_j = \operatorname{median}\big(\bar g^{(1)}_j, \bar g^{(2)}_j, \bar g^{(3)}_j\big)`,
  inputs: 'per-example gradients [B, P], B ≥ 3', params: [], paper: cz,
  example: "import { m3Gradient, perExampleGradients, unflattenGradient } from '@losskit/diagnostics';\noptimizer.applyGradients(unflattenGradient(model, m3Gradient(perExampleGradients(model, x, labels))));",
  tryIt: { code: "m3Gradient([[1, 5], [1, -5], [2, 0.1], [3, 0.2], [-1, 7], [2, 0.3]]);" },
});

export const winsorizedEntry = defineEntry({
  id: 'winsorized-gradient', name: 'Winsorized gradient', package: pkg, export: 'winsorizedGradient', category: 'gradient',
  summary: 'Per coordinate, clamp the c smallest and c largest per-example values to the (c+1)-th, then average.',
  formula: String.raw`g^{W}_j = \tfrac1B \sum_i \min\big(\max(g_{ij}, g_{(c+1),j}), g_{(B-c),j}\big)`,
  inputs: 'per-example gradients [B, P], c with 2c < B', params: [{ name: 'c', default: null, range: { min: 0 }, description: 'Examples clamped on each side.' }],
  paper: { title: 'Coherent Gradients: An Approach to Understanding Generalization in Gradient Descent-based Optimization', authors: 'Chatterjee', year: 2020, url: 'arXiv:2002.10657' },
  example: "import { winsorizedGradient } from '@losskit/diagnostics';\nwinsorizedGradient(perExampleGradients(model, x, labels), 1);",
  tryIt: { code: "winsorizedGradient([[1, 5], [1, -5], [2, 0.1], [3, 0.2], [-1, 7]], 1);" },
});

export const directionEntry = defineEntry({
  id: 'filter-normalized-direction', name: 'Filter-normalized direction', package: pkg, export: 'filterNormalizedDirection', category: 'landscape',
  summary: 'A Gaussian direction in weight space with every filter rescaled to the norm of the matching filter of θ.',
  formula: String.raw`d_{i,j} \leftarrow \frac{d_{i,j}}{\lVert d_{i,j}\rVert}\,\lVert \theta_{i,j}\rVert,\quad d \sim \mathcal N(0, I)`,
  inputs: 'model', params: [{ name: 'seed', default: 0, description: 'Seed of the draw.' }, { name: 'ignore', default: 'biasbn', range: "'biasbn' | 'none'", description: 'Zero direction for 1-D weights.' }], paper: li,
  example: "import { filterNormalizedDirection } from '@losskit/diagnostics';\nconst d = filterNormalizedDirection(model, { seed: 1 });",
  tryIt: { code: 'filterNormalizedDirection(model, { seed: 1 }).map((a) => a.length);' },
});

export const landscape1dEntry = defineEntry({
  id: 'loss-landscape-1d', name: 'Loss landscape, 1-D slice', package: pkg, export: 'lossLandscape1d', category: 'landscape',
  summary: 'L(θ + αd) along a filter-normalized direction, with accuracy; weights restored afterwards.',
  formula: String.raw`f(\alpha) = L(\theta + \alpha d)`, inputs: 'model, x [B, ...], labels [B]',
  params: [lossParam, { name: 'alphas', default: '21 points in [-1, 1]', description: 'Step coefficients.' }, { name: 'seed', default: 0, description: 'Direction seed.' }], paper: li,
  example: "import { lossLandscape1d } from '@losskit/diagnostics';\nconst { alphas, losses } = lossLandscape1d(model, x, labels);",
  tryIt: { code: `${modelData}lossLandscape1d(model, x, y, { alphas: [-1, -0.5, 0, 0.5, 1] }).losses;` },
});

export const landscape2dEntry = defineEntry({
  id: 'loss-landscape-2d', name: 'Loss landscape, 2-D slice', package: pkg, export: 'lossLandscape2d', category: 'landscape',
  summary: 'L(θ + αδ + βη) over two filter-normalized directions (the contour plots of Li et al.).',
  formula: String.raw`f(\alpha, \beta) = L(\theta + \alpha \delta + \beta \eta)`, inputs: 'model, x [B, ...], labels [B]',
  params: [lossParam, { name: 'alphas', default: '21 points in [-1, 1]', description: 'First-direction coefficients.' }, { name: 'betas', default: 'alphas', description: 'Second-direction coefficients.' }], paper: li,
  example: "import { lossLandscape2d } from '@losskit/diagnostics';\nconst { losses } = lossLandscape2d(model, x, labels, { alphas: [-1, 0, 1] });",
  tryIt: { code: `${modelData}lossLandscape2d(model, x, y, { alphas: [-1, 0, 1] }).losses;` },
});

export const spectralAlignmentEntry = defineEntry({
  id: 'spectral-alignment', name: 'Spectral alignment', package: pkg, export: 'spectralAlignment', category: 'monitor',
  summary: 'Cosines of layer inputs with the top singular vector of the layer weight, and their sign diversity (collapse warns of loss explosion).',
  formula: String.raw`a_i = \cos(x_i, u_1),\ W v_1 = \sigma_1 u_1;\quad \mathrm{diversity} = 1 - \lvert p_+ - p_- \rvert`,
  inputs: 'Dense kernel [in, out], layer inputs [N, in]', params: [],
  paper: { title: 'Spectral Alignment as Predictor of Loss Explosion in Neural Network Training', authors: 'Qiu, Wu, Tan, Wang, Yao', year: 2025, url: 'arXiv:2510.04202' },
  example: "import { spectralAlignment } from '@losskit/diagnostics';\nspectralAlignment(layer.getWeights()[0], layerInputs).signDiversity;",
  tryIt: { code: 'spectralAlignment(model.layers[0].getWeights()[0], retain.x).signDiversity;' },
});

export const dseEntry = defineEntry({
  id: 'diffusion-spectral-entropy', name: 'Diffusion spectral entropy (DSE)', package: pkg, export: 'diffusionSpectralEntropy', category: 'representation',
  summary: 'Entropy of the diffusion-operator spectrum of a representation: a noise-resilient measure of its intrinsic dimension.',
  formula: String.raw`K = D^{-\frac12} G D^{-\frac12},\ G_{ab} = e^{-\lVert x_a - x_b\rVert^2/2\sigma^2},\ p_k = \frac{\lvert\lambda_k\rvert^t}{\sum_{k'}\lvert\lambda_{k'}\rvert^t},\ \mathrm{DSE} = -\sum_{k \ge 2} p_k \log_2 p_k`,
  inputs: 'features [N, D] (N ≤ 2000)', params: [{ name: 'sigma', default: 10, range: { min: 0, minExclusive: true }, description: 'Kernel bandwidth σ.' }, { name: 't', default: 1, range: { min: 1 }, description: 'Diffusion time.' }], paper: dse,
  example: "import { diffusionSpectralEntropy } from '@losskit/diagnostics';\ndiffusionSpectralEntropy(features, { sigma: 10, t: 1 });",
  tryIt: { code: 'diffusionSpectralEntropy(exampleEmbeddings, { sigma: 1 });' },
});

export const dsmiEntry = defineEntry({
  id: 'diffusion-spectral-mutual-information', name: 'Diffusion spectral mutual information (DSMI)', package: pkg, export: 'diffusionSpectralMutualInformation', category: 'representation',
  summary: 'DSE of the representation minus its class-conditional DSE, with size-matched random subsets for the marginal term.',
  formula: String.raw`\mathrm{DSMI} = \sum_b p(b)\big(\mathrm{DSE}(A^\ast) - \mathrm{DSE}(A \mid B = b)\big),\ \lvert A^\ast\rvert = \lvert\{B = b\}\rvert`,
  inputs: 'features [N, D], labels [N]', params: [{ name: 'sigma', default: 10, description: 'Kernel bandwidth σ.' }, { name: 't', default: 1, description: 'Diffusion time.' }, { name: 'repetitions', default: 5, description: 'Random subsets per class.' }, { name: 'seed', default: 0, description: 'Subset seed.' }], paper: dse,
  example: "import { diffusionSpectralMutualInformation } from '@losskit/diagnostics';\ndiffusionSpectralMutualInformation(features, labels).dsmi;",
  tryIt: { code: 'diffusionSpectralMutualInformation(exampleEmbeddings, embeddingLabels, { sigma: 1 }).dsmi;' },
});

export const pacBayesEntry = defineEntry({
  id: 'pac-bayes-prompt-bound', name: 'PAC-Bayes bound with a language-model prior', package: pkg, export: 'pacBayesBound', category: 'generalization-bound',
  summary: 'Risk bound for a discrete hypothesis (a prompt) with a point-mass posterior: KL = −log P_LM(prompt); kl-inverse, Pinsker or McAllester form.',
  formula: String.raw`\mathrm{kl}(\hat r \,\Vert\, R) \le \frac{-\log P_{LM}(h) + \log\frac{2\sqrt n}{\delta}}{n}`,
  inputs: 'empirical risk, log P(prompt) or KL, n', params: [{ name: 'delta', default: 0.05, range: { min: 0, max: 1, minExclusive: true, maxExclusive: true }, description: 'Confidence δ.' }, { name: 'form', default: 'kl', range: "'kl' | 'sqrt' | 'mcallester'", description: 'Bound variant.' }],
  paper: { title: 'Understanding prompt engineering may not require rethinking generalization', authors: 'Akinwande, Jiang, Sam, Kolter', year: 2023, url: 'arXiv:2310.03957' },
  example: "import { pacBayesBound, uniformPromptLogPrior } from '@losskit/diagnostics';\npacBayesBound({ empiricalRisk: 0.023, logPrior: -35.2, n: 50000 }).bound;",
  tryIt: { code: "({ lmPrior: pacBayesBound({ empiricalRisk: 0.023, logPrior: -35.2, n: 50000 }).bound, uniformPrior: pacBayesBound({ empiricalRisk: 0.023, logPrior: uniformPromptLogPrior(8, 49408), n: 50000 }).bound });" },
});

export const inductiveBiasEntry = defineEntry({
  id: 'inductive-bias', name: 'Inductive-bias estimator', package: pkg, export: 'inductiveBias', category: 'generalization-measure',
  summary: 'Information needed to reach a target error: fit a scaled noncentral χ² to the errors of sampled hypotheses, read −log CDF(ε).',
  formula: String.raw`I(\varepsilon) = -\log P_{h \sim \mathcal H}\big(e(h) \le \varepsilon\big),\quad e/s \sim \chi'^2_{k}(\lambda)`,
  inputs: 'test errors of sampled hypotheses [M], target error ε', params: [{ name: 'maxIterations', default: 500, description: 'L-BFGS-B iterations of the fit.' }],
  paper: { title: 'Towards Exact Computation of Inductive Bias', authors: 'Boopathy, Yue, Hwang, Iyer, Fiete', year: 2024, url: 'arXiv:2406.15941' },
  example: "import { inductiveBias } from '@losskit/diagnostics';\ninductiveBias(sampledErrors, 0.05).bits;",
  tryIt: { code: "const errors = [0.42, 0.47, 0.39, 0.51, 0.45, 0.44, 0.48, 0.41, 0.5, 0.46, 0.43, 0.49];\ninductiveBias(errors, 0.3);" },
});

export const classStatisticsEntry = defineEntry({
  id: 'class-statistics', name: 'Class statistics (means, Σ_W, Σ_B)', package: pkg, export: 'classStatistics', category: 'representation',
  summary: 'Class means and the within-class (tied) and between-class covariances in float64: the statistics behind NC1, the Mahalanobis detector and LDA-style probes.',
  formula: String.raw`\Sigma_W = \tfrac1N \sum_c \sum_{i: y_i = c} (f_i - \mu_c)(f_i - \mu_c)^\top,\quad \Sigma_B = \tfrac1C \sum_c (\mu_c - \mu_G)(\mu_c - \mu_G)^\top`,
  inputs: 'features [N, D], labels [N]', params: [{ name: 'classes', default: 'max label + 1', description: 'Number of classes C.' }],
  paper: { title: 'Prevalence of neural collapse during the terminal phase of deep learning training', authors: 'Papyan, Han, Donoho', year: 2020, url: 'arXiv:2008.08186' },
  example: "import { classStatistics } from '@losskit/diagnostics';\nconst { means, withinCovariance } = classStatistics(features, labels);",
  tryIt: { code: 'const s = classStatistics(exampleEmbeddings, embeddingLabels);\n({ counts: s.counts, means: Array.from(s.means) });' },
});

/** Every entry of @losskit/diagnostics. */
export const catalog: readonly CatalogEntry[] = Object.freeze([
  neuralCollapseEntry, gaussianNaiveBayesEntry, perExampleGradientsEntry, gradientCoherenceEntry, m3Entry, winsorizedEntry, directionEntry,
  landscape1dEntry, landscape2dEntry, spectralAlignmentEntry, dseEntry, dsmiEntry, pacBayesEntry, inductiveBiasEntry, classStatisticsEntry,
]);
