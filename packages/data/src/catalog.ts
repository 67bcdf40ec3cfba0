/**
 * Catalog entries of @losskit/data: one per score, selection rule, sampler and training procedure.
 */
import { defineEntry, type CatalogEntry } from '@losskit/core';

const pkg = '@losskit/data';
const diet = { title: 'Deep Learning on a Data Diet: Finding Important Examples Early in Training', authors: 'Paul, Ganguli, Dziugaite', year: 2021, url: 'arXiv:2107.07075' };
const feldman = { title: 'Does Learning Require Memorization? A Short Tale about a Long Tail', authors: 'Feldman', year: 2020, url: 'arXiv:1906.05271' };
const axiotis = { title: 'Data-Efficient Learning via Clustering-Based Sensitivity Sampling: Foundation Models and Beyond', authors: 'Axiotis, Cohen-Addad, Henzinger, Jerome, Mirrokni, Saulpic, Woodruff, Wunder', year: 2024, url: 'arXiv:2402.17327' };
const pdd = { title: 'Progressive Data Dropout: An Embarrassingly Simple Approach to Faster Training', authors: 'Shriram M S, Hao, Hou, Lu, Sevilla-Lara, Arnab, Gowda', year: 2025, url: 'arXiv:2505.22342' };
const ast = { title: 'Efficient Dataset Distillation through Alignment with Smooth and High-Quality Expert Trajectories', authors: 'Shen, Wang, Wang, Chen, Wen, Wu, Yao', year: 2023, url: 'arXiv:2310.10541' };
const nested = { title: 'Compressing Features for Learning with Noisy Labels', authors: 'Chen, Shen, Hu, Zhang, Aubry', year: 2022, url: 'arXiv:2206.13140' };
const late = { title: 'Late Stopping: Avoiding Confidently Learning from Mislabeled Examples', authors: 'Yuan, Feng, Liu', year: 2023, url: 'arXiv:2308.13862' };
const smoteRef = { title: 'SMOTE: Synthetic Minority Over-sampling Technique', authors: 'Chawla, Bowyer, Hall, Kegelmeyer', year: 2002, url: 'arXiv:1106.1813' };
const buda = { title: 'A systematic study of the class imbalance problem in convolutional neural networks', authors: 'Buda, Maki, Mazurowski', year: 2018, url: 'arXiv:1710.05381' };
const pldPaper = { title: 'Personalized Denoising Implicit Feedback for Robust Recommender System', authors: 'Zhang, Cao, Wu, Sun, Shen, Cheng', year: 2025, url: 'arXiv:2502.00348' };
const seed = { name: 'seed', default: 0, description: 'Seed of the mulberry32 stream.' } as const;

export const el2nEntry = defineEntry({
  id: 'el2n', name: 'EL2N score', package: pkg, export: 'el2nScores', category: 'data pruning',
  summary: 'L2 norm of the error vector softmax(f(x)) − onehot(y), from any predictions; high = hard example.',
  formula: String.raw`\mathrm{EL2N}(x, y) = \big\lVert \mathrm{softmax}(f(x)) - e_y \big\rVert_2`, inputs: 'logits or probabilities [N, C], labels [N] or targets [N, C]',
  params: [{ name: 'from', default: 'logits', range: "'logits' | 'probs'", description: 'What the predictions hold.' }],
  paper: diet, example: 'el2nScores([[2, 0, -1], [0.1, 0.2, 0.3], [-1, 3, 0]], [0, 2, 1]);',
});
export const grandEntry = defineEntry({
  id: 'grand', name: 'GraNd score', package: pkg, export: 'grandScores', category: 'data pruning',
  summary: 'Norm of the per-example loss gradient over all parameters; closed form per Dense layer, vectorised over the batch.',
  formula: String.raw`\mathrm{GraNd}(x, y) = \big\lVert \nabla_\theta \ell(f_\theta(x), y)\big\rVert_2,\quad \lVert g_i\rVert^2 = \sum_l (\lVert a_{l-1,i}\rVert^2 + 1)\lVert\delta_{l,i}\rVert^2`,
  inputs: 'model (tfjs-layers), x [N, ...], labels [N]',
  params: [{ name: 'method', default: 'auto', range: "'auto' | 'dense' | 'loop'", description: 'Closed form for Dense stacks or one backward pass per example.' }, { name: 'batchSize', default: 128, description: 'Examples per backward pass.' }],
  paper: diet,
  example: "import * as tfl from '@tensorflow/tfjs-layers';\nconst model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tfl.layers.dense({ units: 3 })] });\ngrandScores(model, tf.randomNormal([6, 4]), [0, 1, 2, 0, 1, 2]);",
  // The sandbox has no tfjs-layers: a two-layer ReLU net as a plain ModelLike (GraNd then takes its per-example loop).
  tryIt: { code: "const W1 = tf.variable(tf.randomNormal([4, 8], 0, 0.5, 'float32', 1));\nconst W2 = tf.variable(tf.randomNormal([8, 3], 0, 0.5, 'float32', 2));\nconst model = { trainableWeights: [W1, W2].map((v) => ({ read: () => v })), apply: (x) => tf.matMul(tf.relu(tf.matMul(x, W1)), W2) };\nconst x = tf.randomNormal([6, 4], 0, 1, 'float32', 3);\nconst scores = grandScores(model, x, [0, 1, 2, 0, 1, 2]);\ntf.dispose([W1, W2, x]);\nscores;" },
});
export const pruneEntry = defineEntry({
  id: 'prune-by-score', name: 'Score-based pruning', package: pkg, export: 'pruneByScore', category: 'data pruning',
  summary: 'Keep the hardest examples: drop a fraction with the lowest scores (optionally also the very highest).',
  formula: String.raw`S' = \{ i : \mathrm{rank}(s_i) > \lfloor fN \rfloor \} \setminus \mathrm{top}_{\text{offset}}(s)`, inputs: 'scores [N]',
  params: [{ name: 'fraction', default: null, range: { min: 0, max: 1, maxExclusive: true }, description: 'Fraction removed.' }, { name: 'remove', default: 'easiest', range: "'easiest' | 'hardest'", description: 'Which end is dropped.' }, { name: 'offset', default: 0, description: 'Highest scores also dropped.' }],
  paper: diet, example: 'pruneByScore([0.1, 0.9, 0.5, 0.3, 0.7, 0.2], { fraction: 0.5 });',
});
export const memorizationEntry = defineEntry({
  id: 'memorization', name: 'Memorization score', package: pkg, export: 'memorizationScores', category: 'data pruning',
  summary: "Accuracy on an example when it is in the training subset minus when it is held out, over random subsets.",
  formula: String.raw`\mathrm{mem}(A, S, i) = \Pr_{h\sim A(S)}[h(x_i) = y_i] - \Pr_{h\sim A(S\setminus i)}[h(x_i) = y_i]`, inputs: 'masks [T][N], correctness [T][N]',
  params: [{ name: 'trials', default: 100, description: 'Subsets (subsetMasks / estimateMemorization).' }, { name: 'ratio', default: 0.7, description: 'Subset fraction.' }, seed],
  paper: feldman, example: 'const masks = subsetMasks(4, { trials: 6, seed: 1 });\nconst correct = masks.map((m) => m.map((inside, i) => (i === 3 ? inside : true)));\nmemorizationScores(masks, correct).scores;',
});
export const kMeansEntry = defineEntry({
  id: 'k-means', name: 'k-means (k-means++)', package: pkg, export: 'kMeans', category: 'data selection',
  summary: 'k-means++ seeding and Lloyd iterations on host float64 embeddings.',
  formula: String.raw`\min_{c_1..c_k} \sum_i \min_j \lVert x_i - c_j\rVert^2`, inputs: 'x [N, D]', params: [{ name: 'k', default: null, description: 'Clusters.' }, seed],
  paper: axiotis, example: 'kMeans([[0, 0], [0, 1], [5, 5], [5, 6], [9, 0]], { k: 3, seed: 1 }).assignments;',
});
export const sensitivityEntry = defineEntry({
  id: 'sensitivity-sampling', name: 'Sensitivity sampling', package: pkg, export: 'sensitivitySample', category: 'data selection',
  summary: 'Weighted coreset: sample by cluster mean loss plus λ·distance to the center, weight 1/(m·p).',
  formula: String.raw`p(e) \propto \hat\ell_{\pi(e)} + \lambda \lVert e - c_{\pi(e)}\rVert^z,\quad w(e) = \frac{1}{m\,p(e)}`, inputs: 'embeddings [N, D]',
  params: [{ name: 'k', default: null, description: 'Clusters.' }, { name: 'm', default: null, description: 'Sample size.' }, { name: 'lambda', default: 1, description: 'λ.' }, { name: 'z', default: 1, description: 'Distance exponent.' }, seed],
  paper: axiotis, example: 'const e = Array.from({ length: 30 }, (_, i) => [Math.cos(i), Math.sin(i) + (i % 3)]);\nsensitivitySample(e, { k: 3, m: 8, seed: 1 }).indices;',
});
export const pddEntry = defineEntry({
  id: 'progressive-data-dropout', name: 'Progressive Data Dropout', package: pkg, export: 'difficultyDropoutMask', category: 'data selection',
  summary: 'Back-propagate only the examples the model does not handle yet (p(y|x) < τ), all of them from the revision epoch.',
  formula: String.raw`D_t = \{(x_i, y_i) : p_t(y_i\mid x_i) < \tau\}\ (t < E_{rev}),\quad D_t = D_0\ (t \ge E_{rev})`, inputs: 'predictions [B, C], labels [B]',
  params: [{ name: 'threshold', default: 0, range: { min: 0, max: 1 }, description: 'τ (0: misclassified examples).' }, { name: 'revisionEpoch', default: null, description: 'From this epoch on, all data.' }],
  paper: pdd, example: 'difficultyDropoutMask([[3, 0], [0, 1], [1, 1.2]], [0, 0, 1], { threshold: 0.9 });',
});
export const trajectoryEntry = defineEntry({
  id: 'trajectory-matching', name: 'Trajectory matching (linear student)', package: pkg, export: 'trajectoryMatchingLoss', category: 'dataset distillation',
  summary: 'Normalised distance between a student trained N steps on synthetic data and the expert M epochs later.',
  formula: String.raw`\mathcal L = \frac{\lVert \hat\theta_{t+N} - \theta^*_{t+M}\rVert^2}{\lVert \theta^*_t - \theta^*_{t+M}\rVert^2}`, inputs: 'xSyn [n, D], ySyn [n, C], expert checkpoints',
  params: [{ name: 'steps', default: null, description: 'Student steps N.' }, { name: 'lr', default: null, description: 'Student learning rate (learnable).' }],
  paper: ast,
  example: "const x = [[0, 1], [1, 0], [0.9, 0.2], [0.1, 0.8], [1, 1], [0, 0]];\nconst y = [0, 1, 1, 0, 1, 0];\nconst e = linearExpertTrajectory(x, y, { classes: 2, epochs: 3, lr: 1, batchSize: 2 });\nconst t = (p) => ({ w: tf.tensor2d(p.w), b: tf.tensor1d(p.b) });\nconst xSyn = tf.tensor2d([[0.2, 0.9], [0.8, 0.1]]);\nconst loss = trajectoryMatchingLoss({ xSyn, ySyn: tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2).toFloat(), lr: 1, start: t(e[0]), target: t(e[2]), steps: 4 });\nloss.dataSync()[0];",
});
export const smallLossEntry = defineEntry({
  id: 'co-teaching', name: 'Co-teaching small-loss selection', package: pkg, export: 'coTeachingSelect', category: 'noisy labels',
  summary: "Each network keeps its ⌊(1 − τ)B⌋ smallest-loss examples and hands them to its peer.",
  formula: String.raw`I_A = \mathrm{argmin}_{|I| = \lfloor(1-\tau_t)B\rfloor} \sum_{i\in I}\ell_B(x_i, y_i),\ \ \tau_t = \tau\min(t/T_k, 1)`, inputs: 'per-sample losses of both networks [B]',
  params: [{ name: 'forgetRate', default: null, range: { min: 0, max: 1, maxExclusive: true }, description: 'τ_t (forgetRateSchedule).' }],
  paper: nested, example: 'coTeachingSelect([0.2, 3.1, 0.4, 0.1], [0.3, 0.2, 2.5, 0.1], 0.25);',
});
export const nestedEntry = defineEntry({
  id: 'nested-dropout', name: 'Nested dropout mask', package: pkg, export: 'nestedDropoutMask', category: 'noisy labels',
  summary: 'Keep a random prefix of the feature vector, its length drawn with p(k) ∝ exp(−((k − μ)/σ)²).',
  formula: String.raw`h' = h \odot 1[j \le k],\quad p(k) \propto e^{-((k-\mu)/\sigma)^2}`, inputs: 'batch, features',
  params: [{ name: 'sigma', default: null, description: 'σ (10 on CIFAR-10).' }, { name: 'mu', default: 0, description: 'μ.' }, seed],
  paper: nested, example: 'nestedDropoutMask(3, 6, { sigma: 3, seed: 1 }).arraySync();',
});
export const lateStoppingEntry = defineEntry({
  id: 'late-stopping', name: 'Late Stopping (FkL)', package: pkg, export: 'lateStoppingSelect', category: 'noisy labels',
  summary: 'Keep the examples learned first (correct k epochs in a row); stop the round once enough are learned.',
  formula: String.raw`\mathrm{FkL}(i) = \min\{t : \hat y_{t-k+1..t}(x_i) = y_i\},\quad |S_{r+1}| \ge \lfloor N_0 \rho^{r}\rfloor`, inputs: 'predictions per epoch [E][N], labels [N]',
  params: [{ name: 'k', default: 1, description: 'Consecutive correct epochs.' }, { name: 'warmup', default: null, description: 'Uncounted first epochs.' }, { name: 'rate', default: 0.98, description: 'ρ (lateStoppingKeep).' }],
  paper: late, example: 'lateStoppingSelect([[0, 1, 0, 2], [0, 1, 1, 2], [0, 1, 1, 0]], [0, 1, 1, 1], 2, { k: 2 });',
});
export const smoteEntry = defineEntry({
  id: 'smote', name: 'SMOTE', package: pkg, export: 'smote', category: 'class imbalance',
  summary: 'Synthetic minority points on the segments to random nearest same-class neighbours.',
  formula: String.raw`x_{new} = x_i + u\,(x_{nn} - x_i),\quad u \sim U(0, 1),\ x_{nn} \in \mathrm{kNN}_c(x_i)`, inputs: 'x [N, D], labels [N]',
  params: [{ name: 'k', default: 5, description: 'Neighbours.' }, { name: 'targetCounts', default: 'balance', description: 'Target size per class.' }, seed],
  paper: smoteRef, example: 'smote([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5], [6, 6], [5.5, 5.5]], [1, 1, 1, 0, 0, 0, 0, 0], { k: 2, seed: 1 }).synthetic;',
});
export const rosEntry = defineEntry({
  id: 'random-oversampling', name: 'Random over-sampling', package: pkg, export: 'randomOversample', category: 'class imbalance',
  summary: 'Replicate random examples of each class up to the majority size (indices into the data).',
  formula: String.raw`S = D \cup \{ \text{draws with replacement from } D_c \}_{t_c - n_c}`, inputs: 'labels [N]', params: [{ name: 'targetCounts', default: 'balance', description: 'Target size per class.' }, seed],
  paper: buda, example: 'randomOversample([0, 0, 0, 0, 1, 2], { seed: 1 });',
});
export const rusEntry = defineEntry({
  id: 'random-undersampling', name: 'Random under-sampling', package: pkg, export: 'randomUndersample', category: 'class imbalance',
  summary: 'Keep a random subset of each class down to the minority size (indices into the data).',
  formula: String.raw`S = \bigcup_c \mathrm{sample}(D_c, t_c),\ t_c = \min_k n_k`, inputs: 'labels [N]', params: [{ name: 'targetCounts', default: 'balance', description: 'Target size per class.' }, seed],
  paper: buda, example: 'randomUndersample([0, 0, 0, 0, 1, 1, 2, 2], { seed: 1 });',
});
export const twoPhaseEntry = defineEntry({
  id: 'two-phase-training', name: 'Two-phase training', package: pkg, export: 'twoPhaseTrain', category: 'class imbalance',
  summary: 'Train on a balanced (ROS/RUS) set, then fine-tune only the output layer on the original data.',
  formula: String.raw`\theta \leftarrow \mathrm{fit}(\theta; S_{bal}),\quad \theta_{out} \leftarrow \mathrm{fit}(\theta_{out}; D)`, inputs: 'model, optimizer, x [N, ...], y [N]',
  params: [{ name: 'sampler', default: 'ros', range: "'ros' | 'rus'", description: 'Balanced first phase.' }, { name: 'phase1Epochs', default: null, description: 'Epochs.' }, { name: 'phase2Epochs', default: null, description: 'Epochs.' }],
  paper: buda,
  example: "import * as tfl from '@tensorflow/tfjs-layers';\nconst model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 8, activation: 'relu' }), tfl.layers.dense({ units: 2 })] });\ntwoPhaseTrain({ model, optimizer: tf.train.adam(0.01), x: tf.randomNormal([40, 2]), y: tf.tensor1d(Array.from({ length: 40 }, (_, i) => (i < 4 ? 1 : 0)), 'int32'), phase1Epochs: 3, phase2Epochs: 2 });",
  // The sandbox has no tfjs-layers: a linear softmax classifier as a plain ModelLike (phase 2 refits its kernel and bias).
  tryIt: { code: "const W = tf.variable(tf.zeros([2, 2]));\nconst b = tf.variable(tf.zeros([2]));\nconst model = { trainableWeights: [W, b].map((v) => ({ read: () => v })), apply: (x) => tf.add(tf.matMul(x, W), b) };\nconst x = tf.randomNormal([40, 2], 0, 1, 'float32', 1);\nconst y = tf.tensor1d(Array.from({ length: 40 }, (_, i) => (i < 4 ? 1 : 0)), 'int32');\nconst history = twoPhaseTrain({ model, optimizer: tf.train.adam(0.05), phase2Optimizer: tf.train.adam(0.05), x, y, phase1Epochs: 3, phase2Epochs: 2 });\ntf.dispose([W, b, x, y]);\nhistory;" },
});
export const priorCorrectionEntry = defineEntry({
  id: 'prior-correction', name: 'Prior-correction thresholding', package: pkg, export: 'priorCorrection', category: 'class imbalance',
  summary: 'Divide each class probability by its training prior before the argmax.',
  formula: String.raw`\hat y = \arg\max_c \frac{p(c\mid x)}{\pi_c} = \arg\max_c\, (z_c - \log \pi_c)`, inputs: 'logits or probabilities [N, C], priors [C]',
  params: [{ name: 'from', default: 'logits', range: "'logits' | 'probs'", description: 'What the predictions hold.' }],
  paper: buda, example: 'priorCorrection([[2, 1], [0.2, 0], [3, -1]], [9, 1]).labels;',
});

export const mlpTrajectoryEntry = defineEntry({
  id: 'trajectory-matching-mlp', name: 'Trajectory matching (MLP student, AST options)', package: pkg, export: 'mlpTrajectoryMatchingLoss', category: 'dataset distillation',
  summary: 'Normalised distance between a one-hidden-layer MLP student trained N (momentum) steps on synthetic data and the expert, plus AST\'s intermediate matching terms.',
  formula: String.raw`\mathcal L = \frac{\lVert \hat\theta_{N} - \theta^*_{t+M}\rVert^2}{\lVert \theta^*_t - \theta^*_{t+M}\rVert^2} + \sum_{m=1}^{M-1} \beta_m \frac{\lVert \hat\theta_{km} - \theta^*_{t+m}\rVert^2}{\lVert \theta^*_t - \theta^*_{t+m}\rVert^2},\quad b \leftarrow \mu b + \nabla_\theta\, s\,\mathrm{CE},\ \hat\theta \leftarrow \hat\theta - \alpha b`,
  inputs: 'xSyn [n, D], ySyn [n, C], expert checkpoints { w1 [D, H], b1 [H], w2 [H, C], b2 [C] }',
  params: [{ name: 'steps', default: null, description: 'Student steps N.' }, { name: 'lr', default: null, description: 'Student learning rate α (learnable).' }, { name: 'activation', default: 'tanh', range: "'tanh' | 'softplus'", description: 'Hidden activation.' }, { name: 'momentum', default: 0, description: 'Student momentum μ (AST).' }, { name: 'innerLossScale', default: 1, description: 'Balanced inner-loss factor s.' }, { name: 'intermediate', default: null, description: 'Expert checkpoints θ*_{t+1..t+M−1} for intermediate matching.' }],
  paper: ast,
  example: "const P = (s) => ({ w1: tf.randomNormal([2, 3], 0, 0.5, 'float32', s), b1: tf.zeros([3]), w2: tf.randomNormal([3, 2], 0, 0.5, 'float32', s + 1), b2: tf.zeros([2]) });\nconst xSyn = tf.tensor2d([[0.2, 0.9], [0.8, 0.1]]);\nconst ySyn = tf.tensor2d([[1, 0], [0, 1]]);\nconst loss = mlpTrajectoryMatchingLoss({ xSyn, ySyn, lr: 0.5, start: P(1), target: P(3), intermediate: [P(5)], steps: 4, momentum: 0.5 });\nloss.dataSync()[0];",
});
export const astBalancedEntry = defineEntry({
  id: 'ast-balanced-inner-loss', name: 'AST balanced inner loss', package: pkg, export: 'astBalancedLossScale', category: 'dataset distillation',
  summary: 'Factor on the student\'s inner cross-entropy by start epoch: larger for late (flat) trajectory segments.',
  formula: String.raw`s(t) = \log_5(t - \lfloor S/2\rfloor + 8)\ (t \ge \lfloor S/2\rfloor),\quad s(t) = 1/\log_5(\lfloor S/2\rfloor - t + 8)\ \text{otherwise}`,
  inputs: 'startEpoch t, maxStartEpoch S',
  params: [{ name: 'maxStartEpoch', default: null, description: 'S (the authors use 25 and more).' }],
  paper: ast, example: 'astBalancedLossScale(20, 25);',
});
export const astClipEntry = defineEntry({
  id: 'ast-clipping-loss', name: 'AST expert clipping loss', package: pkg, export: 'astExpertLossScale', category: 'dataset distillation',
  summary: 'Factor on the expert\'s loss in its first 11 epochs (0.5 rising to 0.9), smoothing the start of the expert trajectory.',
  formula: String.raw`\mathcal L_e = c_e\,\mathrm{CE},\quad c = (0.5, 0.5, 0.55, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),\ c_{e \ge 11} = 1`,
  inputs: 'epoch e', params: [],
  paper: ast, example: 'Array.from({ length: 12 }, (_, e) => astExpertLossScale(e));',
});
export const astPenaltyEntry = defineEntry({
  id: 'ast-gradient-penalty', name: 'AST expert gradient penalty', package: pkg, export: 'astGradientPenalty', category: 'dataset distillation',
  summary: 'Penalty pulling the norm of the input gradient of the expert\'s summed outputs to 1, added to the expert\'s training loss.',
  formula: String.raw`\mathrm{GP} = \lambda\, \tfrac1N \textstyle\sum_i \big(\lVert \nabla_x \sum_c f_c(x_i) \rVert_2 - 1\big)^2`,
  inputs: 'MLP { w1 [D, H], b1 [H], w2 [H, C], b2 [C] }, x [N, D]',
  params: [{ name: 'lambda', default: 2, description: 'λ.' }, { name: 'activation', default: 'tanh', range: "'tanh' | 'softplus'", description: 'Hidden activation.' }],
  paper: ast,
  example: "const expert = { w1: tf.randomNormal([2, 3], 0, 1, 'float32', 1), b1: tf.zeros([3]), w2: tf.randomNormal([3, 2], 0, 1, 'float32', 2), b2: tf.zeros([2]) };\nastGradientPenalty(expert, tf.tensor2d([[0.2, 0.9], [0.8, 0.1], [0.5, 0.5]])).dataSync()[0];",
});
export const representativeEntry = defineEntry({
  id: 'ast-representative-init', name: 'AST representative initialisation', package: pkg, export: 'representativeInit', category: 'dataset distillation',
  summary: 'Initialise the synthetic set with the real examples nearest to k-means centres of the expert logits, class by class.',
  formula: String.raw`S_c = \bigcup_{j=1}^{K} \operatorname{arg\,min}^{(\lfloor ipc/K\rfloor)}_{i:\,y_i = c} \lVert f^*(x_i) - \mu_{c,j}\rVert^2`,
  inputs: 'expert logits [N, C], labels [N]',
  params: [{ name: 'perClass', default: null, description: 'Synthetic examples per class (ipc).' }, { name: 'clusters', default: 'min(10, perClass)', description: 'k-means centres per class.' }, seed],
  paper: ast, example: 'const logits = [[0, 0.1], [0.1, 0], [0.4, 0.4], [10, 0], [10.1, 0.1], [0, 10], [0.1, 10.1], [10, 10], [9.9, 10]];\nrepresentativeInit(logits, [0, 0, 0, 0, 0, 1, 1, 1, 1], { perClass: 2, clusters: 2 });',
});

export const pldCandidatesEntry = defineEntry({
  id: 'pld-candidates', name: 'PLD candidate pools', package: pkg, export: 'pldCandidates', category: 'noisy labels',
  summary: 'Per user, k observed items (without replacement when possible) and one unobserved item: the pool PLD resamples from.',
  formula: String.raw`P_u = \{i_1, \dots, i_k\} \sim \mathcal U(\mathcal I_u),\quad j \sim \mathcal U(\mathcal I \setminus \mathcal I_u)`,
  inputs: 'observed items per user, user ids [B]',
  params: [{ name: 'items', default: null, description: 'Number of items.' }, { name: 'k', default: 5, description: 'Candidates per user.' }, seed],
  paper: pldPaper, example: 'pldCandidates([[0, 2, 5], [1, 3]], [0, 1, 1], { items: 8, k: 2, seed: 1 });',
});
export const pldResampleEntry = defineEntry({
  id: 'pld-resample', name: 'PLD resampling', package: pkg, export: 'pldResample', category: 'noisy labels',
  summary: "Draw each user's training positive from its candidate pool with probability softmax(−loss/τ): low-loss (clean) interactions more often.",
  formula: String.raw`p_{uj} = \frac{\exp(-\ell_{uj}/\tau)}{\sum_{j'} \exp(-\ell_{uj'}/\tau)}`,
  inputs: 'candidate losses [B, k]',
  params: [{ name: 'temperature', default: 0.1, description: 'τ.' }, seed],
  paper: pldPaper, example: 'pldResample([[0.2, 1.5, 0.3], [2.0, 0.1, 0.1]], { temperature: 0.1, seed: 1 });',
});

/** Every entry of this package, in the order the docs list them. */
export const catalog: readonly CatalogEntry[] = [
  el2nEntry, grandEntry, pruneEntry, memorizationEntry, kMeansEntry, sensitivityEntry, pddEntry, trajectoryEntry, smallLossEntry, nestedEntry,
  lateStoppingEntry, smoteEntry, rosEntry, rusEntry, twoPhaseEntry, priorCorrectionEntry,
  mlpTrajectoryEntry, astBalancedEntry, astClipEntry, astPenaltyEntry, representativeEntry, pldCandidatesEntry, pldResampleEntry,
];
