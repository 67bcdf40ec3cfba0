/**
 * Catalog entries of @losskit/calibration: one per calibrator, metric, conformal method and diagram.
 */
import { defineEntry, type CatalogEntry } from '@losskit/core';

const pkg = '@losskit/calibration';
const guo = { title: 'On Calibration of Modern Neural Networks', authors: 'Guo, Pleiss, Sun, Weinberger', year: 2017, url: 'arXiv:1706.04599' };
const from = { name: 'from', default: 'logits', range: "'logits' | 'probs'", description: 'What the predictions hold.' } as const;
const bins = { name: 'bins', default: 15, range: { min: 1 }, description: 'Number of bins M (at most N).' } as const;
const strategy = { name: 'strategy', default: 'width', range: "'width' | 'mass'", description: 'Equal-width bins (m/M, (m+1)/M] or equal-mass bins.' } as const;
const metricInputs = 'logits or probabilities [N, C], integer labels [N]';

export const temperatureScalingEntry = defineEntry({
  id: 'temperature-scaling', name: 'Temperature scaling', package: pkg, export: 'TemperatureScaling', category: 'calibrator',
  summary: 'One temperature T > 0 minimising held-out NLL; Newton in log T from T = 1.5, float64.',
  formula: String.raw`p = \mathrm{softmax}(z / T),\quad T^\star = \arg\min_T \tfrac1N \sum_i -\log \mathrm{softmax}(z_i/T)_{y_i}`,
  inputs: metricInputs, params: [from, { name: 'initialTemperature', default: 1.5, range: { min: 0, minExclusive: true }, description: 'Starting T.' }],
  paper: guo, example: "const ts = TemperatureScaling.fit(valLogits, valLabels);\nts.transform(testLogits);",
});

export const vectorScalingEntry = defineEntry({
  id: 'vector-scaling', name: 'Vector scaling', package: pkg, export: 'VectorScaling', category: 'calibrator',
  summary: 'Per-class scale and bias on the logits, fitted by float64 L-BFGS on NLL.',
  formula: String.raw`p = \mathrm{softmax}(w \odot z + b)`, inputs: metricInputs,
  params: [from, { name: 'interceptPenalty', default: 0, range: { min: 0 }, description: 'μ in μ/C Σ b².' }],
  paper: guo, example: 'VectorScaling.fit(valLogits, valLabels).transform(testLogits);',
});

export const matrixScalingEntry = defineEntry({
  id: 'matrix-scaling', name: 'Matrix scaling (ODIR)', package: pkg, export: 'MatrixScaling', category: 'calibrator',
  summary: 'Full affine map of the logits with optional off-diagonal and intercept regularisation (ODIR).',
  formula: String.raw`p = \mathrm{softmax}(Wz + b),\ \min \tfrac1N\sum_i -\log p_{i,y_i} + \tfrac{\lambda}{C(C-1)}\sum_{k\ne j}W_{kj}^2 + \tfrac{\mu}{C}\sum_k b_k^2`,
  inputs: metricInputs,
  params: [from, { name: 'offDiagonalPenalty', default: 0, range: { min: 0 }, description: 'λ (ODIR).' }, { name: 'interceptPenalty', default: 0, range: { min: 0 }, description: 'μ (ODIR).' }],
  paper: { title: 'Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet calibration', authors: 'Kull, Perello-Nieto, Kängsepp, Silva Filho, Song, Flach', year: 2019, url: 'arXiv:1910.12656' },
  example: 'MatrixScaling.fit(valLogits, valLabels, { offDiagonalPenalty: 0.01, interceptPenalty: 0.01 }).transform(testLogits);',
});

export const plattScalingEntry = defineEntry({
  id: 'platt-scaling', name: 'Platt scaling', package: pkg, export: 'PlattScaling', category: 'calibrator',
  summary: 'Binary logistic calibration of the logit margin, with Platt\'s smoothed targets.',
  formula: String.raw`P(y=1\mid s) = \sigma(a s + b),\ s = z_1 - z_0`, inputs: 'binary logits or probabilities [N, 2] or [N, 1], labels in {0, 1}',
  params: [from, { name: 'smoothTargets', default: true, description: 'Platt targets (N₊+1)/(N₊+2) and 1/(N₋+2).' }],
  paper: { title: 'Probabilistic Outputs for Support Vector Machines and Comparisons to Regularized Likelihood Methods', authors: 'Platt', year: 1999 },
  example: 'PlattScaling.fit(valScores, valLabels).transform(testScores);',
});

export const histogramBinningEntry = defineEntry({
  id: 'histogram-binning', name: 'Histogram binning', package: pkg, export: 'HistogramBinning', category: 'calibrator',
  summary: 'One-vs-rest equal-width binning of p_c mapped to the bin frequency, then renormalised.',
  formula: String.raw`\hat p_c = \frac{\#\{i \in B_m : y_i = c\}}{|B_m|}\ \text{for}\ p_c \in B_m`, inputs: metricInputs, params: [from, bins],
  paper: { title: 'Obtaining calibrated probability estimates from decision trees and naive Bayesian classifiers', authors: 'Zadrozny, Elkan', year: 2001 },
  example: "HistogramBinning.fit(valProbs, valLabels, { from: 'probs' }).transform(testProbs);",
});

export const isotonicRegressionEntry = defineEntry({
  id: 'isotonic-regression', name: 'Isotonic regression', package: pkg, export: 'IsotonicRegression', category: 'calibrator',
  summary: 'Pool-adjacent-violators per class (one-vs-rest), then renormalised.',
  formula: String.raw`g_c = \arg\min_{g\uparrow} \sum_i (g(p_{ic}) - 1[y_i = c])^2`, inputs: metricInputs, params: [from],
  paper: { title: 'Transforming Classifier Scores into Accurate Multiclass Probability Estimates', authors: 'Zadrozny, Elkan', year: 2002 },
  example: 'IsotonicRegression.fit(valLogits, valLabels).transform(testLogits);',
});

const liu = { title: 'Optimizing Calibration by Gaining Aware of Prediction Correctness', authors: 'Liu, Wang, Zou, Zou, Zheng', year: 2024, url: 'arXiv:2404.13016' };

export const correctnessAwareEntry = defineEntry({
  id: 'correctness-aware-calibrator', name: 'Correctness-aware calibrator', package: pkg, export: 'CorrectnessAwareCalibrator', category: 'calibrator',
  summary: 'Per-sample temperature from a small MLP over logit gaps (and transformed copies), trained on the CA loss.',
  formula: String.raw`T_i = \mathrm{clamp}(w_2^\top \mathrm{ReLU}(W_1 a_i + b_1) + b_2, 0.1, 10),\ L_{CA} = \frac{\sum_i w_i (\max_k \mathrm{softmax}(z_i/T_i)_k - \kappa_i)^2}{\sum_i w_i}`,
  inputs: 'logits [N, C], labels [N], optional transformed-copy logits R × [N, C]',
  params: [from, { name: 'hidden', default: 5, description: 'Hidden width.' }, { name: 'learningRate', default: 0.01, description: 'Adam learning rate.' }, { name: 'epochs', default: 100, description: 'Passes over the data.' }, { name: 'batchSize', default: 1000, description: 'Minibatch size.' }, { name: 'topK', default: 10, description: 'Logits used as features.' }],
  paper: liu, example: 'const ca = await CorrectnessAwareCalibrator.fit(valLogits, valLabels);\nca.transform(testLogits);',
});

export const correctnessAwareLossEntry = defineEntry({
  id: 'correctness-aware-loss', name: 'CA loss', package: pkg, export: 'correctnessAwareLoss', category: 'calibration-loss',
  summary: 'Class-balanced squared gap between calibrated top confidence and prediction correctness.',
  formula: String.raw`L_{CA} = \frac{\sum_i w_i (c_i - \kappa_i)^2}{\sum_i w_i},\ w_i = \begin{cases}1-\mathrm{acc} & \kappa_i = 1\\ \mathrm{acc} & \kappa_i = 0\end{cases}`,
  inputs: 'logits tensor [N, C], labels [N], temperatures tensor [N]', params: [], paper: liu,
  example: 'const loss = correctnessAwareLoss(logits, labels, tf.fill([n], 2));',
  tryIt: { code: 'correctnessAwareLoss(tf.tensor2d(logits), labels, tf.fill([labels.length], 2));' },
});

const norm = { name: 'norm', default: 'l1', range: "'l1' | 'l2' | 'max'", description: 'L1 = ECE, L2 = RMSCE, max = MCE.' } as const;

export const eceEntry = defineEntry({
  id: 'ece', name: 'Expected calibration error', package: pkg, export: 'ece', category: 'metric',
  summary: 'Binned top-label calibration error; equal-width or equal-mass bins (lo, hi].',
  formula: String.raw`\mathrm{ECE} = \sum_m \frac{|B_m|}{N}\,|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)|`, inputs: metricInputs, params: [from, bins, strategy, norm],
  paper: guo, example: 'ece(logits, labels, { bins: 15 });',
});

export const mceEntry = defineEntry({
  id: 'mce', name: 'Maximum calibration error', package: pkg, export: 'mce', category: 'metric',
  summary: 'Largest bin gap between accuracy and confidence.', formula: String.raw`\mathrm{MCE} = \max_m |\mathrm{acc}(B_m) - \mathrm{conf}(B_m)|`,
  inputs: metricInputs, params: [from, bins, strategy],
  paper: { title: 'Obtaining Well Calibrated Probabilities Using Bayesian Binning', authors: 'Naeini, Cooper, Hauskrecht', year: 2015 },
  example: 'mce(logits, labels);',
});

export const classwiseEceEntry = defineEntry({
  id: 'classwise-ece', name: 'Class-wise ECE', package: pkg, export: 'classwiseEce', category: 'metric',
  summary: 'Mean over classes of the binned calibration error of p_c against 1[y = c].',
  formula: String.raw`\frac1C\sum_c \sum_m \frac{|B_{mc}|}{N}\,|\bar y_c(B_{mc}) - \bar p_c(B_{mc})|`, inputs: metricInputs, params: [from, bins, strategy, norm],
  paper: { title: 'Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet calibration', authors: 'Kull et al.', year: 2019 },
  example: 'classwiseEce(logits, labels);',
});

export const topLabelEceEntry = defineEntry({
  id: 'top-label-ece', name: 'Top-label ECE', package: pkg, export: 'topLabelEce', category: 'metric',
  summary: 'ECE conditioned on the predicted label, weighted by how often each label is predicted.',
  formula: String.raw`\sum_l \frac{N_l}{N}\,\mathrm{ECE}(\{i : \hat y_i = l\})`, inputs: metricInputs, params: [from, bins, strategy, norm],
  paper: { title: 'Top-label calibration and multiclass-to-binary reductions', authors: 'Gupta, Ramdas', year: 2022 },
  example: 'topLabelEce(logits, labels);',
});

export const ksEntry = defineEntry({
  id: 'ks-calibration-error', name: 'KS calibration error', package: pkg, export: 'ksCalibrationError', category: 'metric',
  summary: 'Bin-free: largest gap between cumulative confidence and cumulative accuracy, sorted by confidence.',
  formula: String.raw`\max_k \Big|\tfrac1N\sum_{i\le k} \mathrm{conf}_{(i)} - \tfrac1N\sum_{i\le k}\mathrm{acc}_{(i)}\Big|`, inputs: metricInputs, params: [from],
  paper: { title: 'Calibration of Neural Networks using Splines', authors: 'Gupta, Rahimi, Ajanthan, Mensink, Sminchisescu, Hartley', year: 2021 },
  example: 'ksCalibrationError(logits, labels);',
});

export const brierEntry = defineEntry({
  id: 'brier-score', name: 'Brier score', package: pkg, export: 'brierScore', category: 'metric',
  summary: 'Mean squared error between the probability vector and the one-hot label (multiclass, in [0, 2]).',
  formula: String.raw`\tfrac1N \sum_i \sum_c (p_{ic} - 1[y_i = c])^2`, inputs: metricInputs, params: [from],
  paper: { title: 'Verification of forecasts expressed in terms of probability', authors: 'Brier', year: 1950 }, example: 'brierScore(logits, labels);',
});

export const nllEntry = defineEntry({
  id: 'nll', name: 'Negative log-likelihood', package: pkg, export: 'nll', category: 'metric',
  summary: 'Mean −log p of the true class (stable log-sum-exp from logits).', formula: String.raw`\tfrac1N\sum_i -\log p_{i,y_i}`,
  inputs: metricInputs, params: [from, { name: 'epsilon', default: 1e-12, description: "Probability floor with from: 'probs'." }], example: 'nll(logits, labels);',
});

export const accuracyEntry = defineEntry({
  id: 'accuracy', name: 'Accuracy', package: pkg, export: 'accuracy', category: 'metric',
  summary: 'Top-1 accuracy.', formula: String.raw`\tfrac1N\sum_i 1[\arg\max_c p_{ic} = y_i]`, inputs: metricInputs, params: [from], example: 'accuracy(logits, labels);',
});

export const bootstrapEntry = defineEntry({
  id: 'bootstrap-ci', name: 'Bootstrap confidence interval', package: pkg, export: 'bootstrapCi', category: 'metric',
  summary: 'Seeded percentile bootstrap interval for any metric of this package.',
  formula: String.raw`[\hat\theta^*_{((1-\ell)/2)},\ \hat\theta^*_{((1+\ell)/2)}]`, inputs: 'a metric, predictions [N, C], labels [N]',
  params: [{ name: 'resamples', default: 1000, description: 'B.' }, { name: 'level', default: 0.95, description: 'Confidence level.' }, { name: 'seed', default: 0, description: 'PRNG seed.' }],
  paper: { title: 'Bootstrap Methods: Another Look at the Jackknife', authors: 'Efron', year: 1979 }, example: 'bootstrapCi(ece, logits, labels, {}, { seed: 1 });',
});

const alpha = { name: 'alpha', default: 0.1, range: { min: 0, max: 1, minExclusive: true, maxExclusive: true }, description: 'Miscoverage level.' } as const;

export const splitConformalEntry = defineEntry({
  id: 'split-conformal', name: 'Split conformal prediction (LAC / APS)', package: pkg, export: 'SplitConformal', category: 'conformal',
  summary: 'Prediction sets with finite-sample marginal coverage ≥ 1 − α.',
  formula: String.raw`\hat q = s_{(\lceil (n+1)(1-\alpha)\rceil)},\ C(x) = \{c : s(x, c) \le \hat q\}`, inputs: metricInputs,
  params: [from, alpha, { name: 'score', default: 'lac', range: "'lac' | 'aps'", description: 'Non-conformity score.' }, { name: 'randomized', default: true, description: 'Randomised APS.' }],
  paper: { title: 'Classification with Valid and Adaptive Coverage', authors: 'Romano, Sesia, Candès', year: 2020, url: 'arXiv:2006.02544' },
  example: "const cp = SplitConformal.fit(calLogits, calLabels, { alpha: 0.1, score: 'aps' });\ncp.predict(testLogits);",
});

export const bayesianConformalEntry = defineEntry({
  id: 'bayesian-conformal', name: 'Bayesian-bootstrap conformal', package: pkg, export: 'BayesianConformal', category: 'conformal',
  summary: 'Posterior over the conformal threshold from Dirichlet weights on the calibration scores.',
  formula: String.raw`w \sim \mathrm{Dir}(c\,\mathbf 1_{n+1}),\ q_w = \min\{s_{(k)} : \textstyle\sum_{j\le k} w_{(j)} \ge 1-\alpha\}`, inputs: metricInputs,
  params: [from, alpha, { name: 'credibility', default: 0.5, description: 'Posterior quantile of q_w used as threshold.' }, { name: 'concentration', default: 1, description: 'Dirichlet concentration c.' }, { name: 'draws', default: 2000, description: 'Monte-Carlo draws.' }],
  paper: { title: 'Bayesian Conformal Prediction via the Bayesian Bootstrap', authors: 'Gibson', year: 2025, url: 'arXiv:2508.01418' },
  example: 'BayesianConformal.fit(calLogits, calLabels, { credibility: 0.9 }).predict(testLogits);',
});

export const coverageEntry = defineEntry({
  id: 'coverage', name: 'Empirical coverage / mean set size', package: pkg, export: 'coverage', category: 'conformal',
  summary: 'Fraction of prediction sets containing the label, and their mean size (meanSetSize).',
  formula: String.raw`\tfrac1M\sum_i 1[y_i \in C_i],\quad \tfrac1M\sum_i |C_i|`, inputs: 'label sets, labels [M]', params: [], example: 'coverage(sets, labels); meanSetSize(sets);',
  tryIt: { code: "const sets = SplitConformal.fit(valLogits, valLabels, { alpha: 0.1 }).predict(testLogits);\n({ coverage: coverage(sets, testLabels), meanSetSize: meanSetSize(sets) });" },
});

export const reliabilityEntry = defineEntry({
  id: 'reliability-diagram', name: 'Reliability diagram', package: pkg, export: 'reliabilityDiagram', category: 'diagram',
  summary: 'Per-bin count, confidence and accuracy, and a standalone SVG renderer (renderReliabilitySvg).',
  formula: String.raw`(\mathrm{conf}(B_m), \mathrm{acc}(B_m), |B_m|)_{m=1}^M`, inputs: metricInputs, params: [from, bins, strategy], paper: guo,
  example: 'const svg = renderReliabilitySvg(reliabilityDiagram(logits, labels));',
});

/** Every entry of @losskit/calibration. */
export const catalog: readonly CatalogEntry[] = Object.freeze([
  temperatureScalingEntry, vectorScalingEntry, matrixScalingEntry, plattScalingEntry, histogramBinningEntry, isotonicRegressionEntry,
  correctnessAwareEntry, correctnessAwareLossEntry, eceEntry, mceEntry, classwiseEceEntry, topLabelEceEntry, ksEntry, brierEntry, nllEntry,
  accuracyEntry, bootstrapEntry, splitConformalEntry, bayesianConformalEntry, coverageEntry, reliabilityEntry,
]);
