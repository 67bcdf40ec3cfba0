// Catalog entries of the pytorch-metric-learning losses added for issue #20 (appended to `catalog`).
import { type CatalogEntry, type ParamSpec, type PaperRef, defineEntry } from '@losskit/core';

const PKG = '@losskit/metric-learning';
const EMB = 'embeddings [B, D], integer labels [B]';
const p = (name: string, def: ParamSpec['default'], description: string, range?: ParamSpec['range']): ParamSpec =>
  range === undefined ? { name, default: def, description } : { name, default: def, description, range };
const entry = (
  id: string, name: string, exp: string, category: string, summary: string, formula: string, params: ParamSpec[],
  paper: PaperRef, dsl: string, inputs = EMB, example?: string, tryIt?: string,
): CatalogEntry =>
  defineEntry({
    id, name, package: PKG, export: exp, category, summary, formula, inputs, params, paper, dsl,
    ...(tryIt === undefined ? {} : { tryIt: { code: tryIt } }),
    example: example ?? `import { compile } from '@losskit/core';\nimport { ${exp} } from '${PKG}';\nconst loss = compile(${dsl}, { from: 'embeddings' });`,
  });
const miner = p('miner', null, 'pair or triplet miner (or tuples() for given index tuples)');
const reducer = (def: string) => p('reducer', def, 'element reducer');
const POS = { min: 0, minExclusive: true };

export const angularEntry = entry('angular', 'Angular loss', 'angular', 'pair', 'Constrains the angle at the negative of each (anchor, positive, negative) triangle.',
  '\\log\\left(1 + \\sum_{n} e^{4\\tan^2\\alpha\\,(x_a + x_p)^\\top x_n - 2(1 + \\tan^2\\alpha)\\,x_a^\\top x_p}\\right)',
  [p('alpha', 40, 'angle α in degrees', { min: 0, max: 90, minExclusive: true, maxExclusive: true }), miner, reducer('mean()')],
  { title: 'Deep Metric Learning with Angular Loss', authors: 'Wang, Zhou, Wen, Liu, Lin', year: 2017, url: 'arXiv:1708.01682' }, 'angular({ alpha: 40 })');
export const generalizedLiftedStructureEntry = entry('generalized-lifted-structure', 'Generalized lifted structure loss', 'generalizedLiftedStructure', 'pair',
  'Per anchor, a soft maximum over positive distances plus a soft maximum over negative margins.',
  '\\left[\\log\\sum_{p} e^{d_{ap} - m^+} + \\log\\sum_{n} e^{m^- - d_{an}}\\right]_+',
  [p('negMargin', 1, 'm⁻'), p('posMargin', 0, 'm⁺'), p('distance', 'euclidean({ normalize: true })', 'distance or similarity'), miner, reducer('mean()')],
  { title: 'In Defense of the Triplet Loss for Person Re-Identification', authors: 'Hermans, Beyer, Leibe', year: 2017, url: 'arXiv:1703.07737' }, 'generalizedLiftedStructure()');
export const histogramEntry = entry('histogram', 'Histogram loss', 'histogram', 'pair', 'Probability that a random negative pair is more similar than a random positive pair, from soft histograms.',
  '\\sum_r p^-_r\\,\\Phi^+_r,\\ \\Phi^+_r = \\sum_{q \\le r} p^+_q',
  [p('numBins', 100, 'R bins over [−1, 1]', { min: 2 }), miner],
  { title: 'Learning Deep Embeddings with Histogram Loss', authors: 'Ustinova, Lempitsky', year: 2016, url: 'arXiv:1611.00822' }, 'histogram({ numBins: 100 })');
export const instanceEntry = entry('instance', 'Instance loss', 'instance', 'contrastive', 'Softmax cross-entropy of each sample over its scaled cosine similarities to the batch.',
  '-\\log \\operatorname{softmax}_j(\\gamma\\, s_{ij})_{t_i}', [p('gamma', 64, 'scale γ', POS), reducer('mean()')],
  { title: 'Dual-Path Convolutional Image-Text Embeddings with Instance Loss', authors: 'Zheng, Zheng, Garrett, Yang, Xu, Shen', year: 2020, url: 'arXiv:1711.05535' }, 'instance({ gamma: 64 })');
export const intraPairVarianceEntry = entry('intra-pair-variance', 'Intra-pair variance loss', 'intraPairVariance', 'pair', 'Penalizes positive (negative) similarities that stray below (above) their mean.',
  '\\left[(1 - \\epsilon^+)\\mu^+ - s_{ap}\\right]_+^2 + \\left[s_{an} - (1 + \\epsilon^-)\\mu^-\\right]_+^2',
  [p('posEps', 0.01, 'ε⁺'), p('negEps', 0.01, 'ε⁻'), p('distance', 'cosine()', 'distance or similarity'), miner, reducer('mean()')],
  { title: 'Deep Metric Learning with Tuplet Margin Loss', authors: 'Yu, Tao', year: 2019 }, 'intraPairVariance()');
export const ncaEntry = entry('nca', 'NCA loss', 'nca', 'pair', 'Negative log-probability that a sample picks a same-label neighbour under a softmax over the batch.',
  '-\\log\\sum_{j: y_j = y_i} \\operatorname{softmax}_{k \\neq i}(-s\\,d_{ik})_j', [p('softmaxScale', 1, 's', POS), p('distance', 'lp(2, { squared: true, normalize: true })', 'distance or similarity'), reducer('mean()')],
  { title: 'Neighbourhood Components Analysis', authors: 'Goldberger, Roweis, Hinton, Salakhutdinov', year: 2004 }, 'nca({ softmaxScale: 1 })');
export const pnpEntry = entry('pnp', 'PNP loss', 'pnp', 'ranking', 'Penalizes only the negatives ranked before each positive (a smoothed rank surrogate of AP).',
  '\\frac{1}{B}\\sum_q \\frac{1}{|P_q|}\\sum_{i \\in P_q} f\\left(\\sum_{n \\in N_q} \\sigma\\left(\\frac{s_{qn} - s_{qi}}{\\tau}\\right)\\right)',
  [p('variant', 'O', "'O', 'Ds', 'Dq', 'Iu' or 'Ib'"), p('anneal', 0.01, 'sigmoid temperature τ', POS), p('alpha', 1, 'Dq exponent', POS), p('b', 2, 'Ib parameter', POS)],
  { title: 'Rethinking the Optimization of Average Precision: Only Penalizing Negative Instances before Positive Ones is Enough', authors: 'Li, Kan, Wang, Shan, Chen', year: 2022, url: 'arXiv:2102.04640' }, "pnp({ variant: 'O' })");
export const rankedListEntry = entry('ranked-list', 'Ranked list loss', 'rankedList', 'ranking', 'Weighted hinge on the positives outside α − m and the negatives inside α, per anchor.',
  '(1 - \\lambda)\\frac{\\sum_{P^*} w^+ (d - (\\alpha - m))}{\\sum w^+} + \\lambda\\frac{\\sum_{N^*} w^- (\\alpha - d)}{\\sum w^-}',
  [p('margin', 0.4, 'm', { min: 0 }), p('Tn', 10, 'negative temperature', { min: -50, max: 50 }), p('Tp', 0, 'positive temperature', { min: -50, max: 50 }), p('imbalance', 0.5, 'λ', { min: 0, max: 1 }), p('alpha', '1 + margin/2', 'negative boundary α'), reducer('mean()')],
  { title: 'Ranked List Loss for Deep Metric Learning', authors: 'Wang, Hua, Kodirov, Hu, Garnier, Robertson', year: 2019, url: 'arXiv:1903.03238' }, 'rankedList({ margin: 0.4, Tn: 10 })');
export const snrContrastiveEntry = entry('snr-contrastive', 'Signal-to-noise ratio contrastive loss', 'snrContrastive', 'pair', 'Contrastive loss on the SNR distance var(e_i − e_j) / var(e_i).',
  '\\left[\\frac{\\operatorname{var}(e_a - e_p)}{\\operatorname{var}(e_a)} - m^+\\right]_+ + \\left[m^- - \\frac{\\operatorname{var}(e_a - e_n)}{\\operatorname{var}(e_a)}\\right]_+',
  [p('posMargin', 0, 'm⁺', { min: 0 }), p('negMargin', 1, 'm⁻', { min: 0 }), miner, reducer('meanNonZero()')],
  { title: 'Signal-To-Noise Ratio: A Robust Distance Metric for Deep Metric Learning', authors: 'Yuan, Xu, Chen, Wang', year: 2019, url: 'arXiv:1904.02616' }, 'snrContrastive()');
export const thresholdConsistentMarginEntry = entry('threshold-consistent-margin', 'Threshold-consistent margin loss', 'thresholdConsistentMargin', 'regularizer',
  'Mean violation of a positive and a negative cosine threshold; added to a base loss.',
  '\\lambda^+ \\operatorname{mean}_{s_{ap} \\le m^+}(m^+ - s_{ap}) + \\lambda^- \\operatorname{mean}_{s_{an} \\ge m^-}(s_{an} - m^-)',
  [p('lambdaPlus', 1, 'λ⁺', { min: 0 }), p('lambdaMinus', 1, 'λ⁻', { min: 0 }), p('marginPlus', 0.9, 'm⁺', { min: -1, max: 1 }), p('marginMinus', 0.5, 'm⁻', { min: -1, max: 1 }), miner],
  { title: 'Threshold-Consistent Margin Loss for Open-World Deep Metric Learning', authors: 'Zhang, Li, Jiang, Shen, Liu, Guan, Tian', year: 2023, url: 'arXiv:2307.04047' },
  'contrastive({ distance: cosine(), posMargin: 0.9, negMargin: 0.4 }).plus(thresholdConsistentMargin())');
export const tupletMarginEntry = entry('tuplet-margin', 'Tuplet margin loss', 'tupletMargin', 'pair', 'N-pair-style softmax with an angular margin on the positive.',
  '\\log\\left(1 + \\sum_{n} e^{s(\\cos\\theta_{an} - \\cos(\\theta_{ap} - \\beta))}\\right)',
  [p('margin', 5.73, 'β in degrees', { min: 0, max: 180, maxExclusive: true }), p('scale', 64, 's', POS), miner, reducer('mean()')],
  { title: 'Deep Metric Learning with Tuplet Margin Loss', authors: 'Yu, Tao', year: 2019 }, 'tupletMargin()');
export const marginEntry = entry('margin', 'Margin loss (learnable β)', 'margin', 'pair', 'Distances of positives below β − α and of negatives above β + α, with β fixed or learned (per class).',
  '[d_{ap} - \\beta + \\alpha]_+ + [\\beta - d_{an} + \\alpha]_+',
  [p('margin', 0.2, 'α', { min: 0 }), p('beta', 1.2, 'β (number or { input } for a learned scalar or [C])'), p('nu', 0, 'ν of the β regularizer', { min: 0 }), p('distance', 'euclidean({ normalize: true })', 'distance or similarity'), miner, reducer('divisor()')],
  { title: 'Sampling Matters in Deep Embedding Learning', authors: 'Wu, Manmatha, Smola, Krähenbühl', year: 2017, url: 'arXiv:1706.07567' }, 'margin({ margin: 0.2, beta: 1.2 })');
export const dynamicSoftMarginEntry = entry('dynamic-soft-margin', 'Dynamic soft margin loss', 'dynamicSoftMargin', 'pair', 'Triplet gaps weighted by their running empirical CDF (caller-held histogram).',
  '\\operatorname{mean}_{(a,p,n)} F(x)\\,x,\\ x = d_{ap} - d_{an}',
  [p('minVal', -2, 'histogram lower end', { max: -2 }), p('numBins', 10, 'bins (at most 1e5)', { min: 1 }), miner],
  { title: 'Learning Local Descriptors With a CDF-Based Dynamic Soft Margin', authors: 'Zhang, Rusinkiewicz', year: 2019 }, 'dynamicSoftMargin()',
  `${EMB}, inputs.dsmHistogram [numBins] from dynamicSoftMarginState({ momentum: 0.01 }).update(embeddings, labels)`,
  "import { compile } from '@losskit/core';\nimport { dynamicSoftMargin, dynamicSoftMarginState } from '@losskit/metric-learning';\nconst dsm = dynamicSoftMarginState();\nconst loss = compile(dynamicSoftMargin(), { from: 'embeddings' });\nconst { inputs } = dsm.update(embeddings, labels);\nloss(labels, embeddings, { inputs });",
  "const dsm = dynamicSoftMarginState();\nconst { inputs } = dsm.update(exampleEmbeddings, embeddingLabels);\ncompile(dynamicSoftMargin(), { from: 'embeddings' })(embeddingLabels, exampleEmbeddings, { inputs });");
export const fastAPEntry = entry('fast-ap', 'FastAP', 'fastAP', 'ranking', 'Histogram approximation of average precision over squared distances of normalized embeddings.',
  '1 - \\frac{1}{N^+}\\sum_b \\frac{h^+_b H^+_b}{H_b}', [p('numBins', 10, 'histogram bins (at most 1e5)', { min: 1 }), reducer('mean()')],
  { title: 'Deep Metric Learning to Rank', authors: 'Cakir, He, Xia, Kulis, Sclaroff', year: 2019 }, 'fastAP({ numBins: 10 })');

const CLASS_IN = 'embeddings [B, D], labels [B] in [0, C), inputs.weights [C, D]';
const CENTER_IN = 'embeddings [B, D], labels [B] in [0, C), inputs.weights [C·K, D] (row c·K + k)';
export const largeMarginSoftmaxEntry = entry('large-margin-softmax', 'Large-margin softmax (L-Softmax)', 'largeMarginSoftmax', 'margin-softmax', 'Multiplicative angular margin ψ(θ) = (−1)^k cos(mθ) − 2k on the target logit.',
  '\\operatorname{CE}\\left(s\\|W_j\\|\\|x\\|\\,[\\psi(\\theta_y); \\cos\\theta_{j \\neq y}]\\right),\\ \\psi(\\theta) = (-1)^k\\cos(m\\theta) - 2k',
  [p('margin', 4, 'integer m (at most 64)', { min: 1 }), p('scale', 1, 's', POS)],
  { title: 'Large-Margin Softmax Loss for Convolutional Neural Networks', authors: 'Liu, Wen, Yu, Yang', year: 2016, url: 'arXiv:1612.02295' }, 'largeMarginSoftmax({ margin: 4 })', CLASS_IN);
export const sphereFaceEntry = entry('sphereface', 'SphereFace (A-Softmax)', 'sphereFace', 'margin-softmax', 'L-Softmax with normalized class weights: logits scaled by ‖x‖ only.',
  '\\operatorname{CE}\\left(s\\|x\\|\\,[\\psi(\\theta_y); \\cos\\theta_{j \\neq y}]\\right)', [p('margin', 4, 'integer m (at most 64)', { min: 1 }), p('scale', 1, 's', POS)],
  { title: 'SphereFace: Deep Hypersphere Embedding for Face Recognition', authors: 'Liu, Wen, Yu, Li, Raj, Song', year: 2017, url: 'arXiv:1704.08063' }, 'sphereFace()', CLASS_IN);
export const normalizedSoftmaxEntry = entry('normalized-softmax', 'Normalized softmax', 'normalizedSoftmax', 'proxy', 'Softmax cross-entropy over temperature-scaled cosines to the class weights.',
  '\\operatorname{CE}\\left(\\cos(x, W_j)/\\tau\\right)', [p('temperature', 0.05, 'τ', POS)],
  { title: 'Classification is a Strong Baseline for Deep Metric Learning', authors: 'Zhai, Wu', year: 2019, url: 'arXiv:1811.12649' }, 'normalizedSoftmax({ temperature: 0.05 })', CLASS_IN);
export const p2sGradEntry = entry('p2sgrad', 'P2SGrad', 'p2sGrad', 'proxy', 'Mean squared error between the cosines to the class weights and the one-hot target.',
  '\\frac{1}{C}\\sum_j (\\cos\\theta_j - \\mathbb{1}[j = y])^2', [],
  { title: 'P2SGrad: Refined Gradients for Optimizing Deep Face Models', authors: 'Zhang, Zhao, Ma, Kang, Wang, Li', year: 2019, url: 'arXiv:1905.02479' }, 'p2sGrad()', CLASS_IN);
export const softTripleEntry = entry('soft-triple', 'SoftTriple loss', 'softTriple', 'proxy', 'Softmax over classes each represented by K centers, softly assigned.',
  '\\operatorname{CE}\\left(\\lambda(S_c - \\delta\\,\\mathbb{1}[c = y])\\right),\\ S_c = \\sum_k \\operatorname{softmax}_k(s_{ck}/\\gamma)\\,s_{ck}',
  [p('centersPerClass', 10, 'K', { min: 1 }), p('la', 20, 'λ', POS), p('gamma', 0.1, 'γ', POS), p('margin', 0.01, 'δ')],
  { title: 'SoftTriple Loss: Deep Metric Learning Without Triplet Sampling', authors: 'Qian, Shang, Sun, Hu, Li, Jin', year: 2019, url: 'arXiv:1909.05235' }, 'softTriple({ centersPerClass: 10 })', CENTER_IN, undefined,
  "const C = Math.max(...embeddingLabels) + 1;\nconst weights = Array.from({ length: C * 10 }, (_, r) => exampleEmbeddings[0].map((_, j) => Math.cos(1.3 * r + j)));\ncompile(softTriple({ centersPerClass: 10 }), { from: 'embeddings' })(embeddingLabels, exampleEmbeddings, { inputs: { weights } });");
export const subCenterArcFaceEntry = entry('subcenter-arcface', 'Sub-center ArcFace', 'subCenterArcFace', 'margin-softmax', 'ArcFace over the closest of K sub-centers per class (robust to label noise).',
  '\\operatorname{CE}\\left(s[\\cos(\\theta_y + m); \\cos\\theta_{j \\neq y}]\\right),\\ \\cos\\theta_j = \\max_k \\cos(x, W_{jk})',
  [p('subCenters', 3, 'K', { min: 1 }), p('margin', 28.6, 'm in degrees', { min: 0, max: 180, maxExclusive: true }), p('scale', 64, 's', POS)],
  { title: 'Sub-center ArcFace: Boosting Face Recognition by Large-scale Noisy Web Faces', authors: 'Deng, Guo, Liu, Zafeiriou', year: 2020 }, 'subCenterArcFace({ subCenters: 3 })', CENTER_IN, undefined,
  "const C = Math.max(...embeddingLabels) + 1;\nconst weights = Array.from({ length: C * 3 }, (_, r) => exampleEmbeddings[0].map((_, j) => Math.cos(1.3 * r + j)));\ncompile(subCenterArcFace({ subCenters: 3 }), { from: 'embeddings' })(embeddingLabels, exampleEmbeddings, { inputs: { weights } });");
export const vicregEntry = entry('vicreg', 'VICReg', 'vicreg', 'self-supervised', 'Invariance between two views plus variance and covariance regularization of each.',
  '\\lambda\\,s(Z, Z^{\\prime}) + \\mu\\,[v(Z) + v(Z^{\\prime})] + \\nu\\,[c(Z) + c(Z^{\\prime})]',
  [p('invarianceLambda', 25, 'λ', { min: 0 }), p('varianceMu', 25, 'μ', { min: 0 }), p('covarianceV', 1, 'ν', { min: 0 }), p('eps', 1e-4, 'ε', POS)],
  { title: 'VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning', authors: 'Bardes, Ponce, LeCun', year: 2022, url: 'arXiv:2105.04906' }, 'vicreg()',
  'view 1 [B, D] (yPred), inputs.reference view 2 [B, D], labels [B] (not read), B >= 2');
export const manifoldEntry = entry('manifold', 'Manifold loss', 'manifold', 'proxy', 'Hinge on random-walk manifold similarities between samples and their meta-class proxies.',
  'L_{int} + \\lambda_C L_{ctx},\\ F = (1 - \\alpha)(I - \\alpha \\bar S)^{-1}',
  [p('lambdaC', 1, 'λ_C (Infinity: context loss only)', '[0, ∞], Infinity included'), p('alpha', 0.8, 'α', { min: 0, max: 1, minExclusive: true, maxExclusive: true }), p('margin', 5e-4, 'δ')],
  { title: 'Ensemble Deep Manifold Similarity Learning using Hard Proxies', authors: 'Aziere, Todorovic', year: 2019 }, 'manifold()',
  'embeddings [B, D], meta-class labels [B] in [0, K), inputs.proxies [K, D]');

/** The entries of this file, in catalog order. */
export const pmlPairEntries: readonly CatalogEntry[] = [
  angularEntry, generalizedLiftedStructureEntry, histogramEntry, instanceEntry, intraPairVarianceEntry, ncaEntry, pnpEntry, rankedListEntry,
  snrContrastiveEntry, thresholdConsistentMarginEntry, tupletMarginEntry, marginEntry, dynamicSoftMarginEntry, fastAPEntry,
  largeMarginSoftmaxEntry, sphereFaceEntry, normalizedSoftmaxEntry, p2sGradEntry, softTripleEntry, subCenterArcFaceEntry, vicregEntry, manifoldEntry,
];
