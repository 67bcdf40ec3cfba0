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


const regInputs = 'Gaussian predictions { mean [N], std [N] }, targets [N]';
const regBins = { name: 'bins', default: 10, range: { min: 1 }, description: 'Equal-width bins over the predicted variance / std.' } as const;
const netcalRegression = { title: 'Parametric and Multivariate Uncertainty Calibration for Regression and Object Detection', authors: 'Küppers, Schneider, Haselhoff', year: 2022, url: 'arXiv:2207.01242' };
const kumar = { title: 'Trainable Calibration Measures For Neural Networks From Kernel Mean Embeddings', authors: 'Kumar, Sarawagi, Jain', year: 2018 };
const liang = { title: 'Improved Trainable Calibration Method for Neural Networks on Medical Imaging Classification', authors: 'Liang, Zhang, Wang, Jacobs', year: 2020, url: 'arXiv:2009.04057' };
const levi = { title: 'Evaluating and Calibrating Uncertainty Prediction in Regression Tasks', authors: 'Levi, Gispan, Giladi, Fetaya', year: 2019, url: 'arXiv:1905.11659' };
const kuleshov = { title: 'Accurate Uncertainties for Deep Learning Using Calibrated Regression', authors: 'Kuleshov, Fenner, Ermon', year: 2018, url: 'arXiv:1807.00263' };
const width = { name: 'width', default: 0.4, range: { min: 0, minExclusive: true }, description: 'Laplacian kernel width ω.' } as const;

export const aceEntry = defineEntry({
  id: 'ace', name: 'Adaptive calibration error', package: pkg, export: 'ace', category: 'metric',
  summary: 'Class-wise (or top-label) calibration error over equal-mass ranges, every range weighted equally; optional threshold (TACE).',
  formula: String.raw`\mathrm{ACE} = \frac{1}{KR}\sum_{k}\sum_{r} |\mathrm{acc}(r,k) - \mathrm{conf}(r,k)|`, inputs: metricInputs,
  params: [from, bins, { name: 'scope', default: 'classwise', range: "'classwise' | 'top-label'", description: 'Which predictions are binned.' }, { name: 'threshold', default: 0, range: { min: 0, max: 1, maxExclusive: true }, description: 'TACE threshold ε.' }],
  paper: { title: 'Measuring Calibration in Deep Learning', authors: 'Nixon, Dusenberry, Zhang, Jerfel, Tran', year: 2019, url: 'arXiv:1904.01685' },
  example: 'ace(logits, labels, { bins: 15 });',
});

export const mmceEntry = defineEntry({
  id: 'mmce', name: 'Maximum mean calibration error', package: pkg, export: 'mmce', category: 'metric',
  summary: 'Kernel (RKHS) distance between confidence and correctness, bin-free; unweighted or weighted by correct/wrong counts.',
  formula: String.raw`\mathrm{MMCE}^2 = \frac{1}{N^2}\sum_{i,j}(c_i - r_i)(c_j - r_j)\,e^{-|r_i - r_j|/\omega}`, inputs: metricInputs,
  params: [from, width, { name: 'weighted', default: false, description: 'MMCE_w (the training form).' }], paper: kumar, example: 'mmce(logits, labels);',
});

export const mmcePenaltyEntry = defineEntry({
  id: 'mmce-penalty', name: 'MMCE training penalty', package: pkg, export: 'mmcePenalty', category: 'calibration-loss',
  summary: 'Batch-level differentiable MMCE (weighted by default) for compile(), e.g. ce().mean().plus(mmcePenalty().scale(2)).',
  formula: String.raw`\sqrt{v^\top K v},\ v_i = \tfrac{c_i(1-r_i)}{n_c} - \tfrac{(1-c_i) r_i}{n_w},\ K_{ij} = e^{-|r_i - r_j|/\omega}`,
  inputs: 'logits or probabilities [B, C], labels [B]', params: [width, { name: 'weighted', default: true, description: 'MMCE_w or MMCE_m.' }], paper: kumar,
  example: 'const loss = compile(ce().mean().plus(mmcePenalty().scale(2)));', dsl: 'mmcePenalty({ width: 0.4 })',
});

export const dcaEntry = defineEntry({
  id: 'dca', name: 'Difference between confidence and accuracy', package: pkg, export: 'dca', category: 'metric',
  summary: 'Absolute gap between mean top-label confidence and accuracy (a lower bound on ECE).',
  formula: String.raw`\mathrm{DCA} = \Big|\tfrac1N\sum_i c_i - \tfrac1N\sum_i r_i\Big|`, inputs: metricInputs, params: [from], paper: liang, example: 'dca(logits, labels);',
});

export const dcaPenaltyEntry = defineEntry({
  id: 'dca-penalty', name: 'DCA training penalty', package: pkg, export: 'dcaPenalty', category: 'calibration-loss',
  summary: 'Batch-level |mean confidence − accuracy| with the accuracy detached, as a DSL expression.',
  formula: String.raw`\Big|\tfrac1B\sum_i \max_c p_{ic} - \tfrac1B\sum_i \mathbb{1}[\hat y_i = y_i]\Big|`, inputs: 'logits or probabilities [B, C], labels [B]', params: [], paper: liang,
  example: 'const loss = compile(ce().mean().plus(dcaPenalty().scale(5)));', dsl: 'prob().max().minus(correctness()).mean().abs()',
});

export const uceEntry = defineEntry({
  id: 'uce', name: 'Uncertainty calibration error (regression)', package: pkg, export: 'uce', category: 'metric',
  summary: 'Count-weighted gap between MSE and mean predicted variance over variance bins (netcal UCE).',
  formula: String.raw`\mathrm{UCE} = \sum_m \frac{|B_m|}{N}\,|\mathrm{MSE}(B_m) - \mathrm{MV}(B_m)|`, inputs: regInputs, params: [regBins],
  paper: { title: 'Well-calibrated regression uncertainty in medical imaging with deep learning', authors: 'Laves, Ihler, Fast, Kahrs, Ortmaier', year: 2020 }, example: 'uce({ mean, std }, y);',
});

export const enceEntry = defineEntry({
  id: 'ence', name: 'Expected normalized calibration error', package: pkg, export: 'ence', category: 'metric',
  summary: 'Mean over σ-bins of |RMV − RMSE| / RMV (scale-free).', formula: String.raw`\mathrm{ENCE} = \frac1M\sum_m \frac{|\mathrm{RMV}(m) - \mathrm{RMSE}(m)|}{\mathrm{RMV}(m)}`,
  inputs: regInputs, params: [regBins], paper: levi, example: 'ence({ mean, std }, y);',
});

export const picpEntry = defineEntry({
  id: 'picp', name: 'PICP / MPIW', package: pkg, export: 'picp', category: 'metric',
  summary: 'Coverage and mean width of the central Gaussian q-interval.', formula: String.raw`\mathrm{PICP} = \tfrac1N\sum_i \mathbb{1}[|y_i - \mu_i| \le \sigma_i \Phi^{-1}(\tfrac{1+q}{2})]`,
  inputs: regInputs, params: [{ name: 'q', default: 0.95, range: { min: 0, max: 1, minExclusive: true, maxExclusive: true }, description: 'Interval level(s).' }], paper: netcalRegression, example: 'picp({ mean, std }, y, { q: 0.9 });',
});

export const qceEntry = defineEntry({
  id: 'qce', name: 'Quantile calibration error', package: pkg, export: 'qce', category: 'metric',
  summary: 'Mean over levels of |PICP(q) − q|, marginal or binned by σ.', formula: String.raw`\mathrm{QCE} = \frac1{|Q|}\sum_q |\mathrm{PICP}(q) - q|`,
  inputs: regInputs, params: [{ name: 'q', default: '0.05…0.95', description: 'Levels.' }, { name: 'marginal', default: true, description: 'Marginal or σ-binned.' }, regBins], paper: netcalRegression,
  example: 'qce({ mean, std }, y);',
});

export const gaussianNllEntry = defineEntry({
  id: 'gaussian-nll', name: 'Gaussian NLL', package: pkg, export: 'gaussianNll', category: 'metric',
  summary: 'Mean negative log-likelihood of the targets under N(μ, σ²).', formula: String.raw`\tfrac1N\sum_i \tfrac12\log(2\pi\sigma_i^2) + \tfrac{(y_i-\mu_i)^2}{2\sigma_i^2}`,
  inputs: regInputs, params: [], example: 'gaussianNll({ mean, std }, y);',
});

export const varianceScalingEntry = defineEntry({
  id: 'variance-scaling', name: 'Variance scaling', package: pkg, export: 'VarianceScaling', category: 'calibrator',
  summary: 'One closed-form factor on every predicted σ (Gaussian MLE on held-out data).', formula: String.raw`s^2 = \tfrac1N\sum_i (y_i - \mu_i)^2/\sigma_i^2,\ \sigma' = s\sigma`,
  inputs: regInputs, params: [], paper: levi, example: 'VarianceScaling.fit(valPred, valY).transform(testPred);',
});

export const isotonicQuantileEntry = defineEntry({
  id: 'isotonic-quantile-recalibration', name: 'Isotonic recalibration of quantiles', package: pkg, export: 'IsotonicQuantileRecalibration', category: 'calibrator',
  summary: 'Isotonic map of the predicted CDF values to their empirical frequencies; recalibrated CDF, quantiles and intervals.',
  formula: String.raw`R = \arg\min_{R\uparrow}\sum_i (R(F_i(y_i)) - \hat P(F_i(y_i)))^2,\ q_\tau = F^{-1}(R^{-1}(\tau))`, inputs: regInputs, params: [], paper: kuleshov,
  example: 'IsotonicQuantileRecalibration.fit(valPred, valY).quantiles(testPred, [0.05, 0.95]);',
});

export const regressionReliabilityEntry = defineEntry({
  id: 'regression-reliability', name: 'Regression reliability diagram', package: pkg, export: 'regressionReliability', category: 'diagram',
  summary: 'Observed frequency of y ≤ q_τ against τ from PIT values, with an SVG renderer (renderRegressionReliabilitySvg).',
  formula: String.raw`\mathrm{obs}(\tau) = \tfrac1N\sum_i \mathbb{1}[u_i \le \tau]`, inputs: 'PIT values [N] in [0, 1]', params: [{ name: 'levels', default: '0.05…0.95', description: 'Levels τ.' }], paper: kuleshov,
  example: 'renderRegressionReliabilitySvg(regressionReliability(gaussianPit({ mean, std }, y)));',
});

export const streamingEntry = defineEntry({
  id: 'streaming-calibration-error', name: 'Streaming ECE / MCE', package: pkg, export: 'StreamingCalibrationError', category: 'metric',
  summary: 'update / result / reset with O(C·M) state; equal to the batch ECE of the concatenated batches (streamingMetric for any other metric).',
  formula: String.raw`\mathrm{ECE}\big(\textstyle\bigcup_t \mathcal B_t\big)`, inputs: metricInputs + ', one batch per update', params: [from, bins, norm],
  example: 'const m = new StreamingCalibrationError();\nm.update(logits, labels);\nm.result();',
});

export const betaEntry = defineEntry({
  id: 'beta-calibration', name: 'Beta calibration', package: pkg, export: 'BetaCalibration', category: 'calibrator',
  summary: 'Logistic regression on (ln s, −ln(1−s)) with a, b ≥ 0 (abm family); one-vs-rest for multiclass.',
  formula: String.raw`\mathrm{logit}\,p' = a\ln s - b\ln(1-s) + c,\ c = b\ln(1-m) - a\ln m`, inputs: metricInputs, params: [from],
  paper: { title: 'Beta calibration: a well-founded and easily implemented improvement on logistic calibration for binary classifiers', authors: 'Kull, Silva Filho, Flach', year: 2017 },
  example: "BetaCalibration.fit(valProbs, valLabels, { from: 'probs' }).transform(testProbs);",
});

export const bbqEntry = defineEntry({
  id: 'bbq', name: 'Bayesian binning into quantiles', package: pkg, export: 'BBQ', category: 'calibrator',
  summary: 'Average of equal-frequency histograms weighted by their Beta-Bernoulli marginal likelihood.',
  formula: String.raw`P(z\mid s) = \sum_M \frac{P(D\mid M)}{\sum_{M'}P(D\mid M')}\,\frac{m_b + \alpha_b}{N_b + \alpha_b + \beta_b}`, inputs: metricInputs,
  params: [from, { name: 'binRange', default: 10, description: 'C in [N^{1/3}/C, C N^{1/3}].' }, { name: 'priorStrength', default: 2, description: "N'." }],
  paper: { title: 'Obtaining Well Calibrated Probabilities Using Bayesian Binning', authors: 'Naeini, Cooper, Hauskrecht', year: 2015 }, example: 'BBQ.fit(valLogits, valLabels).transform(testLogits);',
});

export const nearIsotonicEntry = defineEntry({
  id: 'near-isotonic-regression', name: 'Near-isotonic regression', package: pkg, export: 'NearIsotonicRegression', category: 'calibrator',
  summary: 'Least squares with a penalty λ on monotonicity violations, solved exactly along its path; λ by BIC by default.',
  formula: String.raw`\min_\beta \tfrac12\sum_k w_k(\bar y_k - \beta_k)^2 + \lambda\sum_k (\beta_k - \beta_{k+1})_+`, inputs: metricInputs,
  params: [from, { name: 'lambda', default: 'bic', description: 'Penalty λ ≥ 0, or the BIC-best path knot.' }],
  paper: { title: 'Nearly-Isotonic Regression', authors: 'Tibshirani, Hoefling, Tibshirani', year: 2011 }, example: 'NearIsotonicRegression.fit(valLogits, valLabels).transform(testLogits);',
});

export const enirEntry = defineEntry({
  id: 'enir', name: 'ENIR', package: pkg, export: 'ENIR', category: 'calibrator',
  summary: 'BIC-weighted ensemble of the near-isotonic regressions along the whole λ path.',
  formula: String.raw`P(z\mid s) = \sum_k \frac{e^{-\mathrm{BIC}_k/2}}{\sum_j e^{-\mathrm{BIC}_j/2}}\,\beta^{(k)}(s)`, inputs: metricInputs, params: [from],
  paper: { title: 'Binary Classifier Calibration Using an Ensemble of Near Isotonic Regression Models', authors: 'Naeini, Cooper', year: 2016 }, example: 'ENIR.fit(valLogits, valLabels).transform(testLogits);',
});

export const dirichletEntry = defineEntry({
  id: 'dirichlet-calibration', name: 'Dirichlet calibration (ODIR)', package: pkg, export: 'DirichletCalibration', category: 'calibrator',
  summary: 'Matrix scaling of the log-probabilities (not the logits) with off-diagonal and intercept regularisation.',
  formula: String.raw`p = \mathrm{softmax}(W\ln q + b)`, inputs: metricInputs,
  params: [from, { name: 'offDiagonalPenalty', default: 0, range: { min: 0 }, description: 'λ.' }, { name: 'interceptPenalty', default: 0, range: { min: 0 }, description: 'μ.' }],
  paper: { title: 'Beyond temperature scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet calibration', authors: 'Kull, Perello-Nieto, Kängsepp, Silva Filho, Song, Flach', year: 2019, url: 'arXiv:1910.12656' },
  example: 'DirichletCalibration.fit(valLogits, valLabels, { offDiagonalPenalty: 0.01 }).transform(testLogits);',
});

/** Every entry of @losskit/calibration. */
const lsboostPaper = { title: 'Multicalibration as Boosting for Regression', authors: 'Globus-Harris, Harrison, Kearns, Roth, Sorrell', year: 2023, url: 'arXiv:2301.13767' };

export const lsboostEntry = defineEntry({
  id: 'lsboost', name: 'LSBoost (multicalibration for regression)', package: pkg, export: 'LSBoost', category: 'calibrator',
  summary: 'Level-set boosting: round predictions to m level sets, fit a least-squares linear learner on the features inside each, repeat until the squared error stops improving.',
  formula: String.raw`f_{t+1}(x) = \mathrm{round}_m\big((1-\eta) f_t(x) + \eta\, h_v(x)\big),\ h_v = \arg\min_{h \in H} \mathbb E[(y - h(x))^2 \mid \mathrm{round}_m f_t(x) = v]`,
  inputs: 'predictions [N] in [lo, hi], features [N, D], targets [N]', params: [{ name: 'bins', default: 10, range: { min: 1 }, description: 'm level sets' }, { name: 'rounds', default: 100, range: { min: 1 }, description: 'T' }, { name: 'tolerance', default: 1e-6, range: { min: 0 }, description: 'minimum MSE decrease per round' }, { name: 'learningRate', default: 1, range: { min: 0, max: 1, minExclusive: true }, description: 'η' }],
  paper: lsboostPaper, example: 'LSBoost.fit(valPred, valX, valY, { bins: 10 }).transform(testPred, testX);',
  tryIt: { code: "// Base predictions ignore a group bit that shifts the labels by +0.3.\nconst x = Array.from({ length: 200 }, (_, i) => [(i % 50) / 50, i % 3 === 0 ? 1 : 0]);\nconst f = x.map(([s]) => 0.2 + 0.5 * s);\nconst y = x.map(([s, g]) => 0.2 + 0.5 * s + (g ? 0.3 : 0));\nconst mc = LSBoost.fit(f, x, y, { bins: 20 });\n[multicalibrationError(f, x, y, { bins: 20 }), multicalibrationError(mc.transform(f, x), x, y, { bins: 20 })];" },
});

export const multicalibrationErrorEntry = defineEntry({
  id: 'multicalibration-error', name: 'Multicalibration error (linear class)', package: pkg, export: 'multicalibrationError', category: 'metric',
  summary: 'Worst correlation, over unit-norm linear functions of the features, between h(x) and the residual inside the level sets of f.',
  formula: String.raw`\sup_{\lVert w\rVert \le 1} \sum_v P(S_v)\,\mathbb E[w^\top[x,1](y - f(x)) \mid S_v]^2 = \lambda_{max}\Big(\sum_v P(S_v)\, a_v a_v^\top\Big)`,
  inputs: 'predictions [N], features [N, D], targets [N]', params: [{ name: 'bins', default: 10, range: { min: 1 }, description: 'm level sets' }],
  paper: lsboostPaper, example: 'multicalibrationError(preds, X, y, { bins: 10 });',
  tryIt: { code: "multicalibrationError([0.5, 0.5, 0.5, 0.5], [[0], [0], [1], [1]], [0.4, 0.4, 0.8, 0.8], { bins: 5 });" },
});

export const bootstrapPredictionIntervalsEntry = defineEntry({
  id: 'bootstrap-prediction-intervals', name: 'Bootstrap prediction intervals (doubt)', package: pkg, export: 'BootstrapPredictionIntervals', category: 'calibrator',
  summary: 'Prediction intervals for any regressor: bootstrap refits for the model variance plus .632+-blended training and out-of-bag residuals for the noise.',
  formula: String.raw`\hat f(x) + \mathrm{quantile}_{\alpha/2,\,1-\alpha/2}\{\hat f_b(x) - \bar f(x) + r_k\},\ r = (1-w) r_{train} + w\, r_{oob},\ w = \tfrac{0.632}{1 - 0.368 R}`,
  inputs: 'features [N, D], targets [N], fit: (x, y) => predictor', params: [{ name: 'resamples', default: null, description: 'B (default ⌊√N⌋)' }, { name: 'seed', default: 0, description: 'PRNG seed' }, { name: 'level', default: 0.95, range: { min: 0, max: 1, minExclusive: true, maxExclusive: true }, description: 'interval level (predict)' }],
  paper: { title: 'Monitoring Model Deterioration with Explainable Uncertainty Estimation via Non-parametric Bootstrap', authors: 'Mougan, Nielsen', year: 2023, url: 'arXiv:2201.11676' },
  example: 'BootstrapPredictionIntervals.fit(x, y, (xs, ys) => fitModel(xs, ys), { seed: 1 }).predict(xTest, 0.95);',
  tryIt: { code: "// Least squares on one feature as the model to wrap.\nconst ols = (xs, ys) => { const n = ys.length, mx = xs.reduce((s, r) => s + r[0], 0) / n, my = ys.reduce((s, v) => s + v, 0) / n; let sxy = 0, sxx = 0; xs.forEach((r, i) => { sxy += (r[0] - mx) * (ys[i] - my); sxx += (r[0] - mx) ** 2; }); const b = sxy / sxx; return (q) => q.map((r) => my + b * (r[0] - mx)); };\nconst x = Array.from({ length: 100 }, (_, i) => [i / 50 - 1]);\nconst y = x.map(([v], i) => 2 * v + 1 + 0.3 * Math.sin(i * 12.9898));\nBootstrapPredictionIntervals.fit(x, y, ols, { seed: 1 }).predict([[0], [0.5]], 0.9);" },
});

export const blackBoxBrierEntry = defineEntry({
  id: 'black-box-brier-loss', name: 'Black-box proper ℓ2 loss (generative models)', package: pkg, export: 'blackBoxBrierLoss', category: 'metric',
  summary: 'Unbiased, sample-only estimate of ‖p‖² − 2⟨p, q⟩ for a discrete generative model p and target q; its expectation is minimised at p = q.',
  formula: String.raw`L = \tfrac{1}{n(n-1)}\sum_{i\ne j} 1[X_i = X_j] - \tfrac{2}{nm}\sum_{i,k} 1[X_i = Y_k],\ \mathbb E L = \lVert p\rVert^2 - 2\langle p, q\rangle`,
  inputs: 'model samples [n ≥ 2], target samples [m ≥ 1] (numbers or strings)', params: [],
  paper: { title: 'Proper losses for discrete generative models', authors: 'Kimpara, Frongillo, Waggoner', year: 2023, url: 'arXiv:2211.03761' },
  example: 'blackBoxBrierLoss(modelSamples, targetSamples);',
  tryIt: { code: "blackBoxBrierLoss(['a', 'b', 'a', 'c'], ['a', 'a', 'b']);" },
});

const legendreTronPaper = { title: 'LegendreTron: Uprising Proper Multiclass Loss Learning', authors: 'Lam, Walder, Penev, Nock', year: 2023, url: 'arXiv:2301.11695' };

export const legendreTronEntry = defineEntry({
  id: 'legendretron', name: 'LegendreTron (learned proper canonical link)', package: pkg, export: 'LegendreTron', category: 'calibrator',
  summary: 'A linear head on the log-probabilities followed by a learned inverse canonical link softmax⁺ ∘ ∇F_B ∘ … ∘ ∇F_1 (F_b strongly convex, from input-convex networks), trained jointly by Adam on the log loss.',
  formula: String.raw`p = \mathrm{softmax}^+\big(\nabla F_B \circ \cdots \circ \nabla F_1(W \ln p_0 + b)\big),\ F_b(x) = \mathrm{softplus}(w_1)\,\mathrm{ICNN}_b(x) + \mathrm{softplus}(w_0)\tfrac{\lVert x\rVert^2}{2}`,
  inputs: `${metricInputs} (C ≥ 2)`,
  params: [from, { name: 'hidden', default: 2, description: 'ICNN width (even).' }, { name: 'depth', default: 4, description: 'ICNN layers.' }, { name: 'blocks', default: 2, description: 'Composed gradient maps B.' }, { name: 'learningRate', default: 0.01, description: 'Adam learning rate.' }, { name: 'epochs', default: 60, description: 'Passes over the data.' }, { name: 'batchSize', default: 256, description: 'Minibatch size.' }, { name: 'weightDecay', default: 0, range: { min: 0 }, description: 'λ/2 Σ θ² on the link.' }, { name: 'seed', default: 0, description: 'Initialisation and shuffling seed.' }],
  paper: legendreTronPaper, example: 'const lt = await LegendreTron.fit(valLogits, valLabels);\nlt.transform(testLogits);',
  tryIt: { code: "// Over-confident, distorted scores for 3 classes: s = 2g + 0.4g³ of the true logits g.\nconst g = Array.from({ length: 300 }, (_, i) => [Math.sin(i * 1.3) * 2, Math.cos(i * 0.7) * 2, 0]);\nconst labels = g.map((r, i) => { const e = r.map(Math.exp), s = e[0] + e[1] + e[2], u = (Math.sin(i * 12.9898) * 43758.5453) % 1; const t = Math.abs(u) * s; return t < e[0] ? 0 : t < e[0] + e[1] ? 1 : 2; });\nconst scores = g.map((r) => r.map((v) => 2 * v + 0.4 * v ** 3));\nconst lt = await LegendreTron.fit(scores, labels, { epochs: 20 });\n({ before: nll(scores, labels), after: nll(lt.transform(scores), labels, { from: 'probs' }) });" },
});

export const legendreTronLossEntry = defineEntry({
  id: 'legendretron-loss', name: 'LegendreTron loss', package: pkg, export: 'legendreTronLoss', category: 'calibration-loss',
  summary: 'Log loss of the learned LegendreTron link ψ⁻¹ (the objective of the authors\' code); proper, differentiable in the scores and the link parameters θ.',
  formula: String.raw`\ell(y, v) = -\log \psi^{-1}(v)_y,\ \psi^{-1} = \mathrm{softmax}^+ \circ \nabla F_B \circ \cdots \circ \nabla F_1,\ v \in \mathbb R^{C-1}`,
  inputs: 'scores tensor [N, C−1], labels [N] in [0, C), theta tensor [legendreLinkSize(shape)], shape { dim, hidden, depth, blocks }', params: [], paper: legendreTronPaper,
  example: 'const shape = { dim: 2, hidden: 2, depth: 4, blocks: 2 };\nlegendreTronLoss(scores, labels, tf.tensor1d(initLegendreLink(shape, 0)), shape);',
  tryIt: { code: "const shape = { dim: 2, hidden: 2, depth: 4, blocks: 2 };\nlegendreTronLoss(tf.tensor2d([[0.5, -1], [2, 0]]), [0, 2], tf.tensor1d(initLegendreLink(shape, 0)), shape);" },
});

export const catalog: readonly CatalogEntry[] = Object.freeze([
  temperatureScalingEntry, vectorScalingEntry, matrixScalingEntry, plattScalingEntry, histogramBinningEntry, isotonicRegressionEntry,
  correctnessAwareEntry, correctnessAwareLossEntry, eceEntry, mceEntry, classwiseEceEntry, topLabelEceEntry, ksEntry, brierEntry, nllEntry,
  accuracyEntry, bootstrapEntry, splitConformalEntry, bayesianConformalEntry, coverageEntry, reliabilityEntry,
  aceEntry, mmceEntry, mmcePenaltyEntry, dcaEntry, dcaPenaltyEntry, uceEntry, enceEntry, picpEntry, qceEntry, gaussianNllEntry,
  varianceScalingEntry, isotonicQuantileEntry, regressionReliabilityEntry, streamingEntry, betaEntry, bbqEntry, nearIsotonicEntry, enirEntry, dirichletEntry,
  lsboostEntry, multicalibrationErrorEntry, bootstrapPredictionIntervalsEntry, blackBoxBrierEntry, legendreTronEntry, legendreTronLossEntry,
]);
