import { type CatalogEntry, type ParamSpec, type PaperRef, defineEntry } from '@losskit/core';

import { pmlPairEntries } from './catalogPml.js';
import { seedEntries } from './catalogSeeds.js';

const PKG = '@losskit/metric-learning';
const EMB = 'embeddings [B, D], integer labels [B]';
const p = (name: string, def: ParamSpec['default'], description: string, range?: ParamSpec['range']): ParamSpec =>
  range === undefined ? { name, default: def, description } : { name, default: def, description, range };
const entry = (
  id: string, name: string, exp: string, category: string, summary: string, formula: string, params: ParamSpec[],
  paper: PaperRef, dsl: string, inputs = EMB,
): CatalogEntry =>
  defineEntry({
    id, name, package: PKG, export: exp, category, summary, formula, inputs, params, paper, dsl,
    example: `import { compile } from '@losskit/core';\nimport { ${exp} } from '${PKG}';\nconst loss = compile(${dsl}, { from: 'embeddings' });`,
  });

const common = [p('distance', 'euclidean()', 'distance or similarity (isInverted orients the margin)'), p('miner', null, 'pair or triplet miner'), p('reducer', 'meanNonZero()', 'element reducer')];

export const tripletMarginEntry = entry('triplet-margin', 'Triplet margin loss', 'tripletMargin', 'pair',
  'Hinge on d(a,p) - d(a,n) + m over triplets, with optional mining.', '\\left[d(a,p) - d(a,n) + m\\right]_+',
  [p('margin', 0.05, 'margin m', { min: 0 }), ...common], { title: 'FaceNet: A Unified Embedding for Face Recognition and Clustering', authors: 'Schroff, Kalenichenko, Philbin', year: 2015, url: 'arXiv:1503.03832' },
  'tripletMargin({ margin: 0.2, miner: batchHard() })');
export const contrastiveEntry = entry('contrastive', 'Contrastive loss', 'contrastive', 'pair',
  'Pulls positive pairs within m⁺ and pushes negatives beyond m⁻.', '\\left[d_{ap} - m^+\\right]_+ + \\left[m^- - d_{an}\\right]_+',
  [p('posMargin', 0, 'positive margin', { min: 0 }), p('negMargin', 1, 'negative margin', { min: 0 }), ...common],
  { title: 'Dimensionality Reduction by Learning an Invariant Mapping', authors: 'Hadsell, Chopra, LeCun', year: 2006 }, 'contrastive({ negMargin: 1 })');
export const multiSimilarityEntry = entry('multi-similarity', 'Multi-similarity loss', 'multiSimilarity', 'pair',
  'Soft weighting of positive and negative pairs by self- and relative similarity.',
  '\\frac{1}{\\alpha}\\log\\left(1 + \\sum_p e^{-\\alpha(s_{ap} - \\lambda)}\\right) + \\frac{1}{\\beta}\\log\\left(1 + \\sum_n e^{\\beta(s_{an} - \\lambda)}\\right)',
  [p('alpha', 2, 'positive scale'), p('beta', 50, 'negative scale'), p('base', 0.5, 'base λ')],
  { title: 'Multi-Similarity Loss with General Pair Weighting for Deep Metric Learning', authors: 'Wang, Han, Huang, Dong, Scott', year: 2019, url: 'arXiv:1904.06627' },
  'multiSimilarity({ miner: multiSimilarityMiner() })');
export const circleEntry = entry('circle', 'Circle loss', 'circle', 'pair', 'Pair similarity optimization with self-paced weights.',
  '\\log\\left(1 + \\sum_n e^{\\gamma\\alpha_n(s_n - m)}\\sum_p e^{-\\gamma\\alpha_p(s_p - 1 + m)}\\right)', [p('m', 0.25, 'relaxation'), p('gamma', 256, 'scale')],
  { title: 'Circle Loss: A Unified Perspective of Pair Similarity Optimization', authors: 'Sun et al.', year: 2020, url: 'arXiv:2002.10857' }, 'circle()');
export const ntXentEntry = entry('nt-xent', 'NT-Xent / InfoNCE', 'ntXent', 'contrastive', 'Softmax over one positive against the anchor\'s negatives, per positive pair.',
  '-\\log\\frac{e^{s_{ap}/\\tau}}{e^{s_{ap}/\\tau} + \\sum_n e^{s_{an}/\\tau}}', [p('temperature', 0.07, 'τ', { min: 0, minExclusive: true })],
  { title: 'A Simple Framework for Contrastive Learning of Visual Representations', authors: 'Chen, Kornblith, Norouzi, Hinton', year: 2020, url: 'arXiv:2002.05709' }, 'ntXent({ temperature: 0.5 })');
export const nPairsEntry = entry('n-pairs', 'Multi-class N-pair loss', 'nPairs', 'contrastive', 'NT-Xent with τ = 1 on dot products.',
  '\\log\\left(1 + \\sum_n e^{f_a^\\top f_n - f_a^\\top f_p}\\right)', [],
  { title: 'Improved Deep Metric Learning with Multi-class N-pair Loss Objective', authors: 'Sohn', year: 2016 }, 'nPairs()');
export const supConEntry = entry('supcon', 'Supervised contrastive loss', 'supCon', 'contrastive', 'Mean log-likelihood of every positive against all other samples.',
  '-\\frac{1}{|P_a|}\\sum_{p}\\log\\frac{e^{s_{ap}/\\tau}}{\\sum_{k\\neq a} e^{s_{ak}/\\tau}}', [p('temperature', 0.1, 'τ')],
  { title: 'Supervised Contrastive Learning', authors: 'Khosla et al.', year: 2020, url: 'arXiv:2004.11362' }, 'supCon()');
export const liftedStructureEntry = entry('lifted-structure', 'Lifted structured loss', 'liftedStructure', 'pair', 'Smooth hinge over all negatives of both ends of each positive pair.',
  '\\frac{1}{2|\\hat P|}\\sum_{(i,j)}\\left[\\log\\left(\\sum_{k} e^{\\alpha - D_{ik}} + \\sum_{l} e^{\\alpha - D_{jl}}\\right) + D_{ij}\\right]_+^2', [p('margin', 1, 'α', { min: 0 })],
  { title: 'Deep Metric Learning via Lifted Structured Feature Embedding', authors: 'Song, Xiang, Jegelka, Savarese', year: 2016 }, 'liftedStructure()');
export const clipEntry = entry('clip', 'CLIP contrastive loss', 'clip', 'image-text', 'Symmetric softmax cross-entropy over image-text cosine logits.',
  '\\tfrac12\\left(\\mathrm{CE}_{i\\to t} + \\mathrm{CE}_{t\\to i}\\right),\\ z_{ij} = e^{t\'}\\cos(x_i, y_j)', [p('logScale', Math.log(1 / 0.07), "t' (number or { input })")],
  { title: 'Learning Transferable Visual Models From Natural Language Supervision', authors: 'Radford et al.', year: 2021 }, 'clip()', 'image embeddings [B, D], inputs.text [B, D]');
export const siglipEntry = entry('siglip', 'SigLIP sigmoid loss', 'siglip', 'image-text', 'Pairwise sigmoid loss with learnable temperature and bias.',
  '-\\frac{1}{B}\\sum_{i,j}\\log\\sigma\\left(\\ell_{ij}(e^{t\'} x_i\\cdot y_j + b)\\right)', [p('logTemperature', Math.log(10), "t'"), p('bias', -10, 'b')],
  { title: 'Sigmoid Loss for Language Image Pre-Training', authors: 'Zhai, Mustafa, Kolesnikov, Beyer', year: 2023, url: 'arXiv:2303.15343' }, 'siglip()', 'image embeddings [B, D], inputs.text [B, D]');
const PROXY_IN = 'embeddings [B, D], labels [B] in [0, C), inputs.proxies or inputs.weights [C, D]';
export const proxyNcaEntry = entry('proxy-nca', 'Proxy-NCA', 'proxyNca', 'proxy', 'Softmax over negative squared distances to class proxies.',
  '-\\log\\operatorname{softmax}_c\\left(-s\\|\\hat e - \\hat p_c\\|^2\\right)_y', [p('softmaxScale', 1, 's')],
  { title: 'No Fuss Distance Metric Learning using Proxies', authors: 'Movshovitz-Attias et al.', year: 2017 }, 'proxyNca()', PROXY_IN);
export const proxyAnchorEntry = entry('proxy-anchor', 'Proxy-Anchor', 'proxyAnchor', 'proxy', 'Proxies as anchors, pulling all positives and pushing all negatives.',
  '\\frac{1}{|P^+|}\\sum_{p\\in P^+}\\log\\left(1+\\sum_{x\\in X_p^+}e^{-\\alpha(s-\\delta)}\\right) + \\frac{1}{|P|}\\sum_p\\log\\left(1+\\sum_{x\\in X_p^-}e^{\\alpha(s+\\delta)}\\right)',
  [p('alpha', 32, 'α'), p('delta', 0.1, 'δ')], { title: 'Proxy Anchor Loss for Deep Metric Learning', authors: 'Kim, Kim, Cho, Kwak', year: 2020 }, 'proxyAnchor()', PROXY_IN);
export const arcFaceEntry = entry('arcface', 'ArcFace', 'arcFace', 'margin-softmax', 'Additive angular margin on the target class.',
  '\\mathrm{CE}\\left(s[\\cos(\\theta_y + m); \\cos\\theta_{j\\neq y}]\\right)', [p('scale', 64, 's'), p('margin', 0.5, 'm (radians)')],
  { title: 'ArcFace: Additive Angular Margin Loss for Deep Face Recognition', authors: 'Deng, Guo, Xue, Zafeiriou', year: 2019 }, 'arcFace()', PROXY_IN);
export const cosFaceEntry = entry('cosface', 'CosFace', 'cosFace', 'margin-softmax', 'Additive cosine margin on the target class.',
  '\\mathrm{CE}\\left(s[\\cos\\theta_y - m; \\cos\\theta_{j\\neq y}]\\right)', [p('scale', 64, 's'), p('margin', 0.35, 'm')],
  { title: 'CosFace: Large Margin Cosine Loss for Deep Face Recognition', authors: 'Wang et al.', year: 2018 }, 'cosFace()', PROXY_IN);
export const adaFaceEntry = entry('adaface', 'AdaFace', 'adaFace', 'margin-softmax', 'Margin adapted to feature-norm image quality (batch statistics).',
  '\\mathrm{CE}\\left(s[\\cos(\\theta_y - m\\hat z) - (m\\hat z + m); \\cos\\theta_{j\\neq y}]\\right),\\ \\hat z = \\mathrm{clip}\\left(h\\frac{\\|z\\| - \\mu_B}{\\sigma_B + \\epsilon}, -1, 1\\right)',
  [p('m', 0.4, 'margin'), p('h', 0.333, 'concentration'), p('s', 64, 'scale')],
  { title: 'AdaFace: Quality Adaptive Margin for Face Recognition', authors: 'Kim, Jain, Liu', year: 2022, url: 'arXiv:2204.00964' }, 'adaFace()', PROXY_IN);
export const byolEntry = entry('byol', 'BYOL regression loss', 'byol', 'self-supervised', 'Normalized MSE between online prediction and stop-gradient target projection.',
  '2 - 2\\cos\\left(q_\\theta(z), \\operatorname{sg}(z\'_\\xi)\\right)', [p('tauBase', 0.996, 'EMA τ at step 0 (byolTau)')],
  { title: 'Bootstrap your own latent: A new approach to self-supervised Learning', authors: 'Grill et al.', year: 2020, url: 'arXiv:2006.07733' }, 'byol()', 'online predictions [B, D], inputs.target [B, D]');
export const iconEntry = entry('i-con', 'I-Con', 'icon', 'self-supervised', 'KL between supervisory and learned neighbourhood distributions.',
  '\\sum_i \\mathrm{KL}\\left(p(\\cdot|i)\\,\\|\\,\\operatorname{softmax}_{j\\neq i}(s_{ij}/\\tau)\\right)', [p('temperature', 0.5, 'τ'), p('debias', 0, 'α: mix p with uniform', { min: 0, max: 1, maxExclusive: true })],
  { title: 'I-Con: A Unifying Framework for Representation Learning', authors: 'Alshammari, Hershey, Feldmann, Freeman, Hamilton', year: 2025, url: 'arXiv:2504.16929' }, 'icon()');
export const decoupledSoftmaxEntry = entry('dexml-decoupled-softmax', 'DEXML decoupled softmax', 'decoupledSoftmax', 'contrastive', 'Softmax per positive with the other positives removed from the denominator.',
  '-\\frac{1}{|P_i|}\\sum_{l\\in P_i}\\log\\frac{e^{s_{il}}}{e^{s_{il}} + \\sum_{j\\notin P_i} e^{s_{ij}}}', [p('temperature', 0.05, 'τ')],
  { title: 'Dual-Encoders for Extreme Multi-Label Classification', authors: 'Gupta et al.', year: 2024, url: 'arXiv:2310.10636' }, 'decoupledSoftmax()');
export const protoTripletEntry = entry('proto-triplet', 'Proto-triplet loss', 'protoTriplet', 'prototype', 'Triplet hinge against class prototypes (batch class means).',
  '\\left[d(e_i, c_{y_i}) - \\min_{k\\neq y_i} d(e_i, c_k) + m\\right]_+', [p('margin', 0.5, 'm', { min: 0 })],
  { title: 'SuSana Distancia is all you need: Enforcing class separability in metric learning via two novel distance-based loss functions for few-shot image classification', authors: 'Mendez-Ruiz et al.', year: 2023 }, 'protoTriplet()');
export const icnnEntry = entry('icnn', 'ICNN loss', 'icnn', 'prototype', 'k-NN class-separability score: -log of the mean of a normalised distance term λ and the same-class neighbour fraction γ.',
  '-\\log\\frac{\\lambda + \\gamma}{2},\\ \\gamma = \\frac{1}{B}\\sum_i \\frac{|\\{m \\le k: y_{(m)} = y_i\\}|}{k},\\ \\lambda = \\tfrac12\\left(1 - \\overline{d_{im}/d^{dc}_i} + \\overline{d_{im}/\\max d}\\right)',
  [p('k', 4, 'neighbours k', { min: 1 }), p('ipc', null, 'neighbourhood size (default k + 1; the paper: shot + query)')],
  { title: 'SuSana Distancia is all you need: Enforcing class separability in metric learning via two novel distance-based loss functions for few-shot image classification', authors: 'Mendez-Ruiz et al.', year: 2023 }, 'icnn()');
export const metrixEntry = entry('metrix', 'Metrix (mixup for metric learning)', 'metrix', 'pair', 'Embedding mixup x̃ = λe_p + (1-λ)e_n scored as a λ-weighted positive and (1-λ)-weighted negative contrastive pair.',
  '\\lambda\\left[d(a,\\tilde x)\\right]_+ + (1-\\lambda)\\left[m - d(a,\\tilde x)\\right]_+,\\ \\tilde x = \\lambda e_p + (1-\\lambda) e_n,\\ \\lambda\\sim\\mathrm{Beta}(\\alpha,\\alpha)',
  [p('alpha', 2, 'Beta(α, α) of λ', { min: 0, minExclusive: true }), p('lambda', null, 'fixed λ instead of sampling', { min: 0, max: 1 }), p('negMargin', 0.5, 'negative margin m', { min: 0 }), p('posMargin', 0, 'positive margin', { min: 0 }), p('distance', 'euclidean()', 'distance or similarity')],
  { title: 'It Takes Two to Tango: Mixup for Deep Metric Learning', authors: 'Venkataramanan, Psomas, Kijak, Amsaleg, Karantzalos, Avrithis', year: 2022, url: 'arXiv:2106.04990' },
  'metrix({ lambda: 0.3 })');

export const isogclrEntry = defineEntry({ ...entry('isogclr', 'iSogCLR', 'isogclr', 'self-supervised', 'Robust (KL-DRO) contrastive loss with per-sample temperatures learned by their own gradient; state from isogclrState().',
  '\\min_w \\sum_i \\min_{\\tau_i} \\tau_i \\log\\frac{1}{|N_i|}\\sum_{j\\in N_i} e^{(s_{ij} - s_{ip})/\\tau_i} + \\tau_i\\rho;\\ \\text{model surrogate } \\frac{1}{|N_i|}\\sum_{j\\in N_i}\\operatorname{sg}\\left(\\frac{e^{s_{ij}/\\tau_i}}{\\hat g_i}\\right)s_{ij} - s_{ip}',
  [p('rho', 6, 'DRO radius ρ (isogclrState)', { min: 0 }), p('gamma', 0.8, 'moving-average weight of ĝ_i', { min: 0, minExclusive: true, max: 1 }), p('betaU', 0.9, 'momentum of the τ-gradient', { min: 0, minExclusive: true, max: 1 }),
    p('eta', 0.001, 'τ step size', { min: 0, minExclusive: true }), p('tauInit', 0.1, 'initial τ_i'), p('tauMin', 0.05, 'lower clip of τ', { min: 0.02 }), p('tauMax', 1, 'upper clip of τ'), p('gradClip', 3, 'clip of ∂F/∂τ')],
  { title: 'Not All Semantics are Created Equal: Contrastive Self-supervised Learning with Automatic Temperature Individualization', authors: 'Qiu, Hu, Yuan, Zhou, Wang, Zhang, Yang', year: 2023, url: 'arXiv:2305.11965' },
  'isogclr()', 'both views stacked [2B, D], labels and inputs { isogclrTau, isogclrS } [2B] from isogclrState(N).update(ids, z)'),
  tryIt: { code: "const state = isogclrState(8);\nconst z = [...exampleEmbeddings, ...exampleEmbeddings.map((r) => r.map((v) => v + 0.1))];\nconst { labels, inputs } = state.update([0, 1, 2, 3, 4, 5, 6, 7], z);\ncompile(isogclr(), { from: 'embeddings' })(labels, z, { inputs });" } });
export const adaFaceRunningEntry = entry('adaface-running', 'AdaFace (running norm statistics)', 'adaFace', 'margin-softmax', 'AdaFace with EMA feature-norm statistics (t_alpha = 0.01) kept by adaFaceNormStats().',
  '\\hat z = \\mathrm{clip}\\left(h\\frac{\\|z\\| - \\mu}{\\sigma + \\epsilon}, -1, 1\\right),\\ \\mu \\leftarrow t_\\alpha\\,\\mathrm{mean}_B\\|z\\| + (1 - t_\\alpha)\\mu,\\ \\sigma \\leftarrow t_\\alpha\\,\\mathrm{std}_B\\|z\\| + (1 - t_\\alpha)\\sigma',
  [p('m', 0.4, 'margin'), p('h', 0.333, 'concentration'), p('s', 64, 'scale'), p('tAlpha', 0.01, 'EMA weight of the batch (an option of adaFaceNormStats(), not of the loss)', '(0, 1]')],
  { title: 'AdaFace: Quality Adaptive Margin for Face Recognition', authors: 'Kim, Jain, Liu', year: 2022, url: 'arXiv:2204.00964' }, "adaFace({ normStats: 'running' })",
  'embeddings [B, D], labels [B] in [0, C), inputs.weights [C, D], inputs { adaFaceNormMean, adaFaceNormStd } from adaFaceNormStats().update(z)');

// SECLA is a plain tensor function on padded sets (not an Expr), so its entry has no DSL and its own example.
export const seclaEntry = defineEntry({
  id: 'secla', name: 'SECLA (symmetry-enhanced contrastive loss)', package: PKG, export: 'seclaLoss', category: 'image-text',
  summary: 'Weakly supervised face naming: name→face and face→name set-to-set softmax cross-entropy over the batch plus an agreement term between the two directions.',
  formula: 'L_{nf} + L_{fn} + \\alpha\\,\\frac{1}{B}\\sum_a\\left(S^{nf}_{aa} - S^{fn}_{aa}\\right)^2,\\ L_{nf} = \\frac{1}{B}\\sum_a\\left[\\log\\sum_b e^{S^{nf}_{ab}} - S^{nf}_{aa}\\right],\\ S^{nf}_{ab} = \\frac{1}{|Q_a|}\\sum_{q\\in Q_a}\\max_{p\\in P_b}\\langle n_{aq}, f_{bp}\\rangle,\\ S^{fn}_{ab} = \\frac{1}{|P_a|}\\sum_{p\\in P_a}\\max_{q\\in Q_b}\\langle f_{ap}, n_{bq}\\rangle',
  inputs: 'faces [B, P, D], names [B, Q, D], optional 0/1 faceMask [B, P] and nameMask [B, Q]',
  params: [p('alpha', 0.15, 'weight α of the agreement term', { min: 0 }), p('agreement', 'diag', "'diag': (1/B)Σ_a (S_nf[a,a] − S_fn[a,a])²; 'full': (1/B²)Σ_{a,b} (S_nf[a,b] − S_fn[b,a])²")],
  paper: { title: 'Weakly Supervised Face Naming with Symmetry-Enhanced Contrastive Loss', authors: 'Qu, Tuytelaars, Moens', year: 2023, url: 'arXiv:2210.08957' },
  example: "import * as tf from '@tensorflow/tfjs-core';\nimport { seclaLoss } from '@losskit/metric-learning';\nconst faces = tf.variable(tf.randomNormal([8, 4, 32]));\nconst names = tf.variable(tf.randomNormal([8, 3, 32]));\nconst faceMask = tf.concat([tf.ones([8, 2]), tf.zeros([8, 2])], 1);\nconst { value, grads } = tf.variableGrads(() => seclaLoss(faces, names, { faceMask, alpha: 0.15 }));",
});

/** Every catalog entry of @losskit/metric-learning. */
export const catalog: readonly CatalogEntry[] = Object.freeze([
  tripletMarginEntry, contrastiveEntry, multiSimilarityEntry, circleEntry, ntXentEntry, nPairsEntry, supConEntry, liftedStructureEntry,
  clipEntry, siglipEntry, seclaEntry, proxyNcaEntry, proxyAnchorEntry, arcFaceEntry, cosFaceEntry, adaFaceEntry, byolEntry, iconEntry,
  decoupledSoftmaxEntry, protoTripletEntry, icnnEntry, metrixEntry, isogclrEntry, adaFaceRunningEntry,
  ...pmlPairEntries,
  ...seedEntries,
]);
