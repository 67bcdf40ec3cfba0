/**
 * Catalog entries of @losskit/metrics: one per metric, surrogate, resampling statistic and test.
 */
import { defineEntry, type CatalogEntry } from '@losskit/core';

const pkg = '@losskit/metrics';
const kulatilleke = { title: 'Empirical study of Machine Learning Classifier Evaluation Metrics behavior in Massively Imbalanced and Noisy data', authors: 'Kulatilleke, Samarakoon', year: 2022, url: 'arXiv:2208.11904' };
const wu = { title: 'Towards Understanding Generalization of Macro-AUC in Multi-label Learning', authors: 'Wu, Li, Yin', year: 2023, url: 'arXiv:2305.05248' };
const buda = { title: 'A systematic study of the class imbalance problem in convolutional neural networks', authors: 'Buda, Maki, Mazurowski', year: 2018, url: 'arXiv:1710.05381' };
const raschka = { title: 'Model Evaluation, Model Selection, and Algorithm Selection in Machine Learning', authors: 'Raschka', year: 2018, url: 'arXiv:1811.12808' };
const labelsIn = 'integer labels yTrue [N], yPred [N]';
const average = { name: 'average', default: "'binary' (C ≤ 2) / 'macro'", range: "'binary' | 'macro' | 'micro' | 'weighted' | 'none'", description: 'How per-class values are combined (scikit-learn).' } as const;
const surrogateLoss = { name: 'loss', default: 'logistic', range: "'logistic' | 'hinge' | 'squared' | 'exponential'", description: 'Base margin loss φ.' } as const;
const seed = { name: 'seed', default: 0, description: 'Seed of the mulberry32 stream.' } as const;
const level = { name: 'level', default: 0.95, range: { min: 0, max: 1, minExclusive: true, maxExclusive: true }, description: 'Two-sided confidence level.' } as const;
const yt = 'const yTrue = [0, 1, 2, 0, 1, 2, 2, 2];\nconst yPred = [0, 2, 1, 0, 0, 1, 2, 2];';

export const f1ScoreEntry = defineEntry({
  id: 'f1-score', name: 'F1 score', package: pkg, export: 'f1Score', category: 'imbalanced classification',
  summary: 'Harmonic mean of precision and recall per class, averaged as scikit-learn does (zero_division = 0).',
  formula: String.raw`F_1 = \frac{2PR}{P+R} = \frac{2\,TP}{2\,TP + FP + FN}`, inputs: labelsIn, params: [average, { name: 'positive', default: 1, description: 'Positive class for binary.' }],
  paper: kulatilleke, example: `${yt}\nf1Score(yTrue, yPred, { average: 'macro' });`,
});
export const gMeanEntry = defineEntry({
  id: 'g-mean', name: 'G-mean', package: pkg, export: 'gMean', category: 'imbalanced classification',
  summary: 'Geometric mean of class-wise recalls (binary: √(TPR·TNR)), as imbalanced-learn computes it.',
  formula: String.raw`G = \Big(\prod_{c=1}^{C} \mathrm{TPR}_c\Big)^{1/C},\quad G_{\mathrm{bin}} = \sqrt{\mathrm{TPR}\cdot\mathrm{TNR}}`, inputs: labelsIn,
  params: [{ name: 'average', default: 'multiclass', range: "'multiclass' | 'binary' | 'macro' | 'micro' | 'weighted' | 'none'", description: 'imbalanced-learn averaging.' }, { name: 'correction', default: 0, range: { min: 0, max: 1 }, description: 'Substitute for a zero recall.' }],
  paper: kulatilleke, example: `${yt}\ngMean(yTrue, yPred);`,
});
export const rankF1GMeanEntry = defineEntry({
  id: 'rank-f1-then-g-mean', name: 'F1 then G-mean ranking', package: pkg, export: 'rankByF1ThenGMean', category: 'imbalanced classification',
  summary: 'Orders models by F1 and breaks ties by G-mean: the combination the study recommends, in that order.',
  formula: String.raw`a \succ b \iff F_1^a > F_1^b + \tau \ \lor\ (|F_1^a - F_1^b| \le \tau \land G^a > G^b)`, inputs: 'models [{ name, f1, gMean }]',
  params: [{ name: 'tolerance', default: 0, range: { min: 0 }, description: 'F1 differences within τ count as ties.' }],
  paper: kulatilleke, example: "rankByF1ThenGMean([{ name: 'a', f1: 0.8, gMean: 0.7 }, { name: 'b', f1: 0.8, gMean: 0.9 }, { name: 'c', f1: 0.6, gMean: 0.95 }]).map((m) => m.name);",
});
export const rocAucEntry = defineEntry({
  id: 'roc-auc', name: 'ROC AUC', package: pkg, export: 'rocAuc', category: 'ranking',
  summary: 'Binary area under the ROC curve by average ranks (ties count ½).',
  formula: String.raw`\mathrm{AUC} = \frac{1}{|P||N|}\sum_{i\in P}\sum_{j\in N} \big(1[s_i > s_j] + \tfrac12 1[s_i = s_j]\big)`, inputs: 'scores [N], labels [N] in {0, 1}', params: [],
  paper: wu, example: 'rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);',
});
export const macroAucEntry = defineEntry({
  id: 'macro-auc', name: 'Macro-AUC', package: pkg, export: 'macroAuc', category: 'ranking',
  summary: 'Mean over labels of the per-label AUC of a multi-label problem; labels with one class are skipped.',
  formula: String.raw`\mathrm{MacroAUC} = \frac1K \sum_{k=1}^{K} \frac{1}{|P_k||N_k|}\sum_{i\in P_k}\sum_{j\in N_k} 1[f_k(x_i) > f_k(x_j)]`, inputs: 'scores [N, K], labels [N, K] in {0, 1}', params: [],
  paper: wu, example: 'macroAuc([[0.9, 0.1], [0.2, 0.8], [0.6, 0.3], [0.4, 0.6]], [[1, 0], [0, 1], [1, 0], [0, 0]]);',
});
export const multiclassAucEntry = defineEntry({
  id: 'multiclass-auc', name: 'Multiclass AUC', package: pkg, export: 'multiclassAuc', category: 'ranking',
  summary: 'One-vs-rest (macro or prevalence-weighted) or Hand & Till one-vs-one AUC of class scores.',
  formula: String.raw`\mathrm{AUC}_{ovr} = \tfrac1C\sum_c \mathrm{AUC}(s_c, 1[y=c]),\ \ \mathrm{AUC}_{ovo} = \tfrac{2}{C(C-1)}\sum_{j<k}\tfrac{A(j|k)+A(k|j)}{2}`,
  inputs: 'scores [N, C], labels [N]', params: [{ name: 'method', default: 'ovr', range: "'ovr' | 'ovo'", description: 'Averaging scheme.' }, { name: 'average', default: 'macro', range: "'macro' | 'weighted'", description: 'ovr weights.' }],
  paper: buda, example: 'multiclassAuc([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4]], [0, 1, 2, 1, 2]);',
});
const surrogateExample = (name: string) => `const scores = tf.tensor2d([[2, -1], [-1, 1], [0.5, -2], [1, 0.3]]);\nconst loss = ${name}(scores, [[1, 0], [0, 1], [0, 0], [1, 1]]);\nloss.dataSync()[0];`;
export const macroAucUnivariateEntry = defineEntry({
  id: 'macro-auc-univariate-loss', name: 'Macro-AUC univariate surrogate', package: pkg, export: 'macroAucUnivariateLoss', category: 'ranking surrogate',
  summary: 'Every instance of every label weighted alike: the widely used univariate loss.',
  formula: String.raw`\frac{1}{K}\sum_k \frac1N \sum_i \phi(\tilde y_{ik} f_{ik}),\ \tilde y = 2y-1`, inputs: 'scores [N, K] (tensor), labels [N, K]', params: [surrogateLoss],
  paper: wu, example: surrogateExample('macroAucUnivariateLoss'),
});
export const macroAucReweightedEntry = defineEntry({
  id: 'macro-auc-reweighted-loss', name: 'Macro-AUC reweighted surrogate', package: pkg, export: 'macroAucReweightedLoss', category: 'ranking surrogate',
  summary: "Each label's positives and negatives weighted by the inverse of their counts.",
  formula: String.raw`\frac{1}{K}\sum_k \Big[\frac{1}{2|P_k|}\sum_{i\in P_k}\phi(f_{ik}) + \frac{1}{2|N_k|}\sum_{j\in N_k}\phi(-f_{jk})\Big]`, inputs: 'scores [N, K] (tensor), labels [N, K]', params: [surrogateLoss],
  paper: wu, example: surrogateExample('macroAucReweightedLoss'),
});
export const macroAucPairwiseEntry = defineEntry({
  id: 'macro-auc-pairwise-loss', name: 'Macro-AUC pairwise surrogate', package: pkg, export: 'macroAucPairwiseLoss', category: 'ranking surrogate',
  summary: 'Convex relaxation of 1 − AUC over the positive–negative pairs of each label.',
  formula: String.raw`\frac{1}{K}\sum_k \frac{1}{|P_k||N_k|}\sum_{i\in P_k}\sum_{j\in N_k}\phi(f_{ik} - f_{jk})`, inputs: 'scores [N, K] (tensor), labels [N, K]', params: [surrogateLoss],
  paper: wu, example: surrogateExample('macroAucPairwiseLoss'),
});
export const cheapBootstrapEntry = defineEntry({
  id: 'cheap-bootstrap', name: 'Cheap bootstrap', package: pkg, export: 'cheapBootstrap', category: 'evaluation statistics',
  summary: 'Confidence interval from as few as one resample: ψ̂ ± t_B·S with Student t on B degrees of freedom.',
  formula: String.raw`\hat\psi \pm t_{B,1-\alpha/2}\, S,\quad S^2 = \frac1B\sum_{b=1}^{B}(\psi^*_b - \hat\psi)^2`, inputs: 'n observations, statistic(indices) → number',
  params: [{ name: 'resamples', default: 1, range: { min: 1 }, description: 'B.' }, level, seed],
  paper: { title: 'Bootstrap in High Dimension with Low Computation', authors: 'Lam, Liu', year: 2023, url: 'arXiv:2306.02210' },
  example: 'const x = [0.71, 0.64, 0.8, 0.77, 0.69, 0.73, 0.75, 0.62];\ncheapBootstrap(x.length, (idx) => idx.reduce((s, i) => s + x[i], 0) / idx.length, { resamples: 2, seed: 1 });',
});
export const multiplierWeightsEntry = defineEntry({
  id: 'multiplier-weights', name: 'Multiplier bootstrap weights', package: pkg, export: 'multiplierWeights', category: 'evaluation statistics',
  summary: 'I.i.d. mean-one weights for a weighted-loss refit (Gaussian, exponential, Poisson, double-or-nothing).',
  formula: String.raw`\hat\theta^{*} = \arg\min_\theta \sum_i \omega_i \ell_i(\theta),\quad \omega_i \overset{iid}{\sim} W,\ \mathbb E\,\omega = 1`, inputs: 'n',
  params: [{ name: 'distribution', default: 'gaussian', range: "'gaussian' | 'exponential' | 'poisson' | 'double-or-nothing'", description: 'Law of ω.' }, { name: 'sigma', default: 1, range: { min: 0 }, description: 'σ of N(1, σ²).' }, seed],
  paper: { title: 'Multiplier Bootstrap-based Exploration', authors: 'Wan, Wei, Kveton, Song', year: 2023, url: 'arXiv:2302.01543' },
  example: "multiplierWeights(6, { distribution: 'exponential', seed: 1 });",
});
export const multiplierMeanEntry = defineEntry({
  id: 'multiplier-bootstrap-mean', name: 'Multiplier-bootstrap mean (MBE)', package: pkg, export: 'multiplierBootstrapMean', category: 'evaluation statistics',
  summary: "One MBE replicate of a mean reward with weighted pseudo-rewards at the bounds.",
  formula: String.raw`\tilde\mu = \frac{\sum_i \omega_i x_i + \lambda(\omega'_0 a + \omega'_1 b)}{\sum_i \omega_i + \lambda(\omega'_0 + \omega'_1)}`, inputs: 'values [n] in [a, b]',
  params: [{ name: 'pseudoWeight', default: 0, range: { min: 0 }, description: 'λ.' }, { name: 'bounds', default: [0, 1], description: '[a, b].' }, seed],
  paper: { title: 'Multiplier Bootstrap-based Exploration', authors: 'Wan, Wei, Kveton, Song', year: 2023, url: 'arXiv:2302.01543' },
  example: 'multiplierBootstrapMean([1, 0, 1, 1, 0], { pseudoWeight: 0.5, seed: 2 });',
});
export const freeLunchEntry = defineEntry({
  id: 'free-lunch-bootstrap', name: 'Free-lunch bootstrap', package: pkg, export: 'freeLunchBootstrap', category: 'evaluation statistics',
  summary: 'Resampled Newton–Raphson iterates give the estimate and its bootstrap standard errors in one run.',
  formula: String.raw`\theta_{b+1} = \theta_b - \gamma H_b(\theta_b)^{-1} G_b(\theta_b),\quad \widehat{\mathrm{se}} = \mathrm{sd}(\theta_b)\sqrt{\tfrac{2-\gamma}{\gamma}\tfrac{m}{n}}`,
  inputs: 'theta0 [d], gradient(θ, idx) → [d], hessian(θ, idx) → [d, d]',
  params: [{ name: 'n', default: null, description: 'Observations.' }, { name: 'batchSize', default: 'n', description: 'm.' }, { name: 'stepSize', default: 1, range: { min: 0, max: 1, minExclusive: true }, description: 'γ.' }, { name: 'draws', default: 500, description: 'Kept iterates.' }, { name: 'burnIn', default: 20, description: 'Discarded iterates.' }, seed],
  paper: { title: 'Inference by Stochastic Optimization: A Free-Lunch Bootstrap', authors: 'Forneron, Ng', year: 2020, url: 'arXiv:2004.09627' },
  example: 'const x = [2.1, 1.7, 2.9, 2.4, 1.8, 2.6, 2.2, 3.1, 1.9, 2.5];\nconst mean = (idx) => idx.reduce((s, i) => s + x[i], 0) / idx.length;\nfreeLunchBootstrap([0], (t, idx) => [t[0] - mean(idx)], () => [[1]], { n: x.length, draws: 400, seed: 1 }).standardErrors;',
});
export const expectedMaxEntry = defineEntry({
  id: 'expected-max-score', name: 'Expected max score (unbiased)', package: pkg, export: 'expectedMaxScore', category: 'evaluation statistics',
  summary: 'Expected best validation score after n tuning trials, unbiased without replacement (or Dodge et al.).',
  formula: String.raw`\hat V_n = \sum_{j=1}^{B} v_{(j)}\,\binom{j-1}{n-1}\Big/\binom{B}{n}`, inputs: 'scores [B], n',
  params: [{ name: 'method', default: 'unbiased', range: "'unbiased' | 'dodge'", description: 'Estimator.' }],
  paper: { title: "Showing Your Work Doesn't Always Work", authors: 'Tang, Lee, Ma, Lin, et al.', year: 2020, url: 'arXiv:2004.13705' },
  example: 'expectedMaxScore([0.61, 0.7, 0.68, 0.75, 0.72], 3);',
});
export const multiBootstrapEntry = defineEntry({
  id: 'multi-bootstrap', name: 'Multi-Bootstrap', package: pkg, export: 'multiBootstrap', category: 'evaluation statistics',
  summary: 'Joint bootstrap over training seeds and test examples, for a procedure or the difference of two.',
  formula: String.raw`L^* = \frac{1}{|S^*|}\sum_{s\in S^*} \mathrm{score}\big(y_{J^*}, \hat y^{(s)}_{J^*}\big),\ S^*, J^* \text{ drawn with replacement}`,
  inputs: 'base predictions [seeds][examples], labels [examples], score(yTrue, yPred)',
  params: [{ name: 'pairedSeeds', default: false, description: 'Same seeds both sides.' }, { name: 'resamples', default: 500, description: 'B.' }, level, seed],
  paper: { title: 'The MultiBERTs: BERT Reproductions for Robustness Analysis', authors: 'Sellam, Yadlowsky, Wei, et al.', year: 2022, url: 'arXiv:2106.16163' },
  example: 'const labels = [0, 1, 1, 0, 1, 0];\nconst acc = (y, p) => y.filter((v, i) => v === p[i]).length / y.length;\nmultiBootstrap([[0, 1, 1, 0, 0, 0], [0, 1, 0, 0, 1, 0]], labels, acc, { intervention: [[0, 1, 1, 0, 1, 0], [0, 1, 1, 1, 1, 0]], resamples: 200, seed: 1 }).delta;',
});
export const bootstrap632Entry = defineEntry({
  id: 'bootstrap-632', name: '.632 / .632+ bootstrap', package: pkg, export: 'bootstrap632', category: 'evaluation statistics',
  summary: 'Out-of-bag error blended with the resubstitution error (0.632 weight, or the .632+ adaptive weight).',
  formula: String.raw`\mathrm{acc} = 1 - \big(w\,\mathrm{err}_{oob} + (1-w)\,\mathrm{err}_{train}\big),\ w = \frac{0.632}{1 - 0.368R},\ R = \frac{\mathrm{err}_{oob}-\mathrm{err}_{train}}{\gamma - \mathrm{err}_{train}}`,
  inputs: 'labels [n], fitPredict(trainIndices) → predicted labels [n]',
  params: [{ name: 'method', default: '.632', range: "'.632' | '.632+' | 'oob'", description: 'Estimator.' }, { name: 'splits', default: 200, description: 'Rounds.' }, seed],
  paper: raschka, example: 'const y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 1];\nconst x = [0.1, 0.3, 0.8, 0.7, 0.2, 0.9, 0.4, 0.35, 0.6, 0.75];\nconst fitPredict = (train) => { const t = train.reduce((s, i) => s + x[i], 0) / train.length; return x.map((v) => (v > t ? 1 : 0)); };\nbootstrap632(y, fitPredict, { method: \'.632+\', splits: 50, seed: 1 }).reduce((a, b) => a + b, 0) / 50;',
});
export const mcnemarEntry = defineEntry({
  id: 'mcnemar', name: "McNemar's test", package: pkg, export: 'mcnemar', category: 'hypothesis tests',
  summary: 'Paired test of two classifiers on their disagreements, χ² with continuity correction or exact binomial.',
  formula: String.raw`\chi^2 = \frac{(|b - c| - 1)^2}{b + c} \sim \chi^2_1`, inputs: 'table [[a, b], [c, d]] (mcnemarTable)',
  params: [{ name: 'corrected', default: true, description: 'Continuity correction.' }, { name: 'exact', default: false, description: 'Binomial test.' }],
  paper: raschka, example: 'mcnemar([[101, 121], [59, 33]]);',
});
const diffs = '[[0.02, -0.01], [0.03, 0.01], [0.0, 0.02], [0.01, 0.04], [-0.02, 0.01]]';
export const pairedT5x2Entry = defineEntry({
  id: 'paired-t-test-5x2cv', name: '5×2cv paired t-test', package: pkg, export: 'pairedTTest5x2cv', category: 'hypothesis tests',
  summary: "Dietterich's test on five 2-fold cross-validations, Student t with 5 degrees of freedom.",
  formula: String.raw`t = \frac{p_1^{(1)}}{\sqrt{\tfrac15\sum_{i=1}^{5} s_i^2}},\ s_i^2 = (p_i^{(1)} - \bar p_i)^2 + (p_i^{(2)} - \bar p_i)^2`, inputs: 'differences [5][2]', params: [],
  paper: raschka, example: `pairedTTest5x2cv(${diffs});`,
});
export const combinedF5x2Entry = defineEntry({
  id: 'combined-f-test-5x2cv', name: 'Combined 5×2cv F-test', package: pkg, export: 'combinedFTest5x2cv', category: 'hypothesis tests',
  summary: "Alpaydin's F-test over all ten 5×2cv differences, F(10, 5).",
  formula: String.raw`f = \frac{\sum_{i=1}^{5}\sum_{j=1}^{2} (p_i^{(j)})^2}{2\sum_{i=1}^{5} s_i^2} \sim F(10, 5)`, inputs: 'differences [5][2]', params: [],
  paper: raschka, example: `combinedFTest5x2cv(${diffs});`,
});

/** Every entry of this package, in the order the docs list them. */
export const catalog: readonly CatalogEntry[] = [
  f1ScoreEntry, gMeanEntry, rankF1GMeanEntry, rocAucEntry, macroAucEntry, multiclassAucEntry, macroAucUnivariateEntry, macroAucReweightedEntry,
  macroAucPairwiseEntry, cheapBootstrapEntry, multiplierWeightsEntry, multiplierMeanEntry, freeLunchEntry, expectedMaxEntry, multiBootstrapEntry,
  bootstrap632Entry, mcnemarEntry, pairedT5x2Entry, combinedF5x2Entry,
];
