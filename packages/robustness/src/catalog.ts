/**
 * Catalog entries of @losskit/robustness: one per attack, regularizer, model combinator, diagnostic and fit.
 */
import { type CatalogEntry, defineEntry } from '@losskit/core';

const pkg = '@losskit/robustness';
const eps = { name: 'epsilon', default: null, range: { min: 0 }, description: 'L∞ budget ε.' } as const;
const lossParam = { name: 'loss', default: 'compile(ce())', description: 'Loss the attack ascends / the per-example loss.' } as const;
// The docs site's 'model' fixture: an MLP 2 → 8 (tanh) → 3 with 'retain' data { x, y }.
const data = 'const x = tf.tensor2d(retain.x.slice(0, 16));\nconst y = retain.y.slice(0, 16);\n';
const cubuk = { title: 'Intriguing Properties of Adversarial Examples', authors: 'Cubuk, Zoph, Schoenholz, Le', year: 2018, url: 'arXiv:1711.02846' };

export const fgsmEntry = defineEntry({
  id: 'fgsm', name: 'FGSM attack', package: pkg, export: 'fgsm', category: 'attack',
  summary: 'One signed-gradient step of size ε on the input, clipped to the valid range.',
  formula: String.raw`x_{adv} = \operatorname{clip}\big(x + \varepsilon\,\operatorname{sign}(\nabla_x \mathcal L(f(x), y))\big)`,
  inputs: 'model, x [N, ...], labels [N]', params: [eps, lossParam, { name: 'bounds', default: null, description: 'Valid input range [lo, hi].' }],
  paper: { title: 'Explaining and Harnessing Adversarial Examples', authors: 'Goodfellow, Shlens, Szegedy', year: 2015, url: 'arXiv:1412.6572' },
  example: "import { fgsm } from '@losskit/robustness';\nconst xAdv = fgsm({ model, x, y: labels, epsilon: 0.1, bounds: [0, 1] });",
  tryIt: { code: `${data}fgsm({ model, x, y, epsilon: 0.3 });` },
});

export const pgdEntry = defineEntry({
  id: 'pgd', name: 'PGD attack (L∞)', package: pkg, export: 'pgd', category: 'attack',
  summary: 'Projected signed-gradient ascent inside the ε-ball, from a random start.',
  formula: String.raw`x^{t+1} = \Pi_{B_\infty(x, \varepsilon)}\big(x^t + \eta\,\operatorname{sign}(\nabla_x \mathcal L(f(x^t), y))\big)`,
  inputs: 'model, x [N, ...], labels [N]', params: [eps, lossParam, { name: 'stepSize', default: 'ε/4', description: 'η.' }, { name: 'steps', default: 10, description: 'Iterations.' }, { name: 'randomStart', default: true, description: 'Uniform start in the ball.' }, { name: 'seed', default: 0, description: 'Start seed.' }],
  paper: { title: 'Towards Deep Learning Models Resistant to Adversarial Attacks', authors: 'Madry, Makelov, Schmidt, Tsipras, Vladu', year: 2018, url: 'arXiv:1706.06083' },
  example: "import { pgd } from '@losskit/robustness';\nconst xAdv = pgd({ model, x, y: labels, epsilon: 0.1, steps: 10 });",
  tryIt: { code: `${data}pgd({ model, x, y, epsilon: 0.3, steps: 5 });` },
});

export const elleEntry = defineEntry({
  id: 'elle', name: 'ELLE local-linearity regularizer', package: pkg, export: 'elleRegularizer', category: 'regularizer',
  summary: 'Squared deviation of the loss at a random convex combination from the combination of the losses: cheap local linearity against catastrophic overfitting.',
  formula: String.raw`E_{lin} = \tfrac1N \sum_i \big(\ell(x_c) - (1-\alpha)\ell(x_a) - \alpha\,\ell(x_b)\big)^2,\ x_a, x_b \sim U(B_\infty(x, \varepsilon)),\ x_c = (1-\alpha)x_a + \alpha x_b`,
  inputs: 'model, x [N, ...], labels [N]', params: [eps, lossParam, { name: 'seed', default: 0, description: 'Triplet seed.' }],
  paper: { title: 'Efficient local linearity regularization to overcome catastrophic overfitting', authors: 'Abad Rocamora, Liu, Chrysos, Olmos, Cevher', year: 2024, url: 'arXiv:2401.11618' },
  example: "import { elleRegularizer } from '@losskit/robustness';\nconst eLin = elleRegularizer({ model, x, y: labels, epsilon: 8 / 255, seed: step });",
  tryIt: { code: `${data}elleRegularizer({ model, x, y, epsilon: 0.5, seed: 1 });` },
});

export const elleAEntry = defineEntry({
  id: 'elle-a', name: 'ELLE-A adaptive λ', package: pkg, export: 'elleAdaptiveUpdate', category: 'regularizer',
  summary: 'Raise λ to λ_max when E_lin spikes above mean + sensitivity · std of its history, else decay it.',
  formula: String.raw`\lambda_{t+1} = \begin{cases}\lambda_{max} & E_t > \bar E + s\,\sigma_E\\ d\,\lambda_t & \text{otherwise}\end{cases}`,
  inputs: 'state, E_lin', params: [{ name: 'lambdaMax', default: null, description: 'λ on a spike.' }, { name: 'sensitivity', default: null, description: 's.' }, { name: 'decayRate', default: null, range: { min: 0, max: 1 }, description: 'd.' }],
  paper: { title: 'Efficient local linearity regularization to overcome catastrophic overfitting', authors: 'Abad Rocamora, Liu, Chrysos, Olmos, Cevher', year: 2024, url: 'arXiv:2401.11618' },
  example: "import { elleAdaptiveInit, elleAdaptiveUpdate } from '@losskit/robustness';\nlet s = elleAdaptiveInit();\ns = elleAdaptiveUpdate(s, 0.02, { lambdaMax: 5000, sensitivity: 2, decayRate: 0.99 });",
  tryIt: { code: "let s = elleAdaptiveInit();\nfor (const e of [0.01, 0.012, 0.011, 0.2, 0.01]) s = elleAdaptiveUpdate(s, e, { lambdaMax: 100, sensitivity: 2, decayRate: 0.9 });\ns;" },
});

export const aaerEntry = defineEntry({
  id: 'aaer', name: 'AAER (abnormal adversarial examples regularization)', package: pkg, export: 'aaerLoss', category: 'regularizer',
  summary: 'FGSM training loss plus a penalty on the examples whose loss the attack step decreased (count, loss drop, logit variation).',
  formula: String.raw`\mathcal L = \overline{\ell_{after}} + \lambda_1 \tfrac{|AAE|}{N}\Big(\lambda_2\, \overline{(\ell_{before} - \ell_{after})}_{AAE} + \lambda_3 \max\big(V_{AAE} - V_{NAE}, 0\big)\Big)`,
  inputs: 'model, x [N, ...], labels [N]', params: [eps, { name: 'lambda1', default: 1, description: 'λ₁.' }, { name: 'lambda2', default: 4, description: 'λ₂.' }, { name: 'lambda3', default: 1.5, description: 'λ₃.' }, { name: 'stepSize', default: 'ε', description: 'FGSM α.' }, { name: 'start', default: 'double', range: "'double' | 'project'", description: 'δ₀ ~ U(±2ε) (no projection) or U(±ε) with projection.' }],
  paper: { title: 'Eliminating Catastrophic Overfitting Via Abnormal Adversarial Examples Regularization', authors: 'Lin, Liu, Ren, Wang, Feng, Zhou', year: 2023, url: 'arXiv:2404.08154' },
  example: "import { aaerLoss } from '@losskit/robustness';\noptimizer.minimize(() => aaerLoss({ model, x, y: labels, epsilon: 8 / 255, bounds: [0, 1], seed: step }).loss);",
  tryIt: { code: `${data}const r = aaerLoss({ model, x, y, epsilon: 0.5, seed: 2 });\n({ loss: r.loss, abnormal: r.abnormal, normal: r.normal });` },
});

export const smoothingEntry = defineEntry({
  id: 'adaptive-smoothing', name: 'Adaptive smoothing', package: pkg, export: 'adaptiveSmoothing', category: 'model-combinator',
  summary: 'Mix a standard and a robust classifier in probability space with a (per-example) weight α.',
  formula: String.raw`\log p(x) = \log\Big((1-\alpha(x))\,\mathrm{softmax}(s_g\, g(x)) + \alpha(x)\,\mathrm{softmax}(s_h\, h(x))\Big)`,
  inputs: 'standard logits [N, C], robust logits [N, C], α (number or [N])', params: [{ name: 'standardScale', default: 1, description: 's_g.' }, { name: 'robustScale', default: 1, description: 's_h.' }],
  paper: { title: 'Improving the Accuracy-Robustness Trade-Off of Classifiers via Adaptive Smoothing', authors: 'Bai, Anderson, Kim, Lavaei', year: 2024, url: 'arXiv:2301.12554' },
  example: "import { adaptiveSmoothing } from '@losskit/robustness';\nconst logp = adaptiveSmoothing(standardModel.apply(x), robustModel.apply(x), 0.6);",
  tryIt: { code: 'adaptiveSmoothing(logits, logits.map((r) => r.map((v) => -v)), [0.2, 0.5, 0.8, 1]);' },
});

export const interpolationEntry = defineEntry({
  id: 'wise-ft-bang', name: 'WiSE-FT / BANG weight interpolation', package: pkg, export: 'interpolateWeights', category: 'weight-space',
  summary: 'Linear interpolation between pre-trained and fine-tuned weights; BANG fine-tunes the endpoint with mixup or label smoothing first.',
  formula: String.raw`\theta_\alpha = (1-\alpha)\,\theta_{pre} + \alpha\,\theta_{ft}`,
  inputs: 'pretrained weights, fine-tuned weights (model.getWeights())', params: [{ name: 'alpha', default: null, range: { min: 0, max: 1 }, description: 'Mixing α.' }],
  paper: { title: 'Spurious Feature Diversification Improves Out-of-distribution Generalization', authors: 'Lin, Tan, Hao, Ng, Zhang', year: 2024, url: 'arXiv:2309.17230' },
  example: "import { interpolateWeights } from '@losskit/robustness';\nmodel.setWeights(interpolateWeights(preWeights, ftWeights, 0.5));",
  tryIt: { code: "interpolateWeights([tf.tensor1d([0, 0]), tf.tensor1d([1, 1])], [tf.tensor1d([2, 4]), tf.tensor1d([3, 1])], 0.25);" },
});

export const tiltingEntry = defineEntry({
  id: 'boundary-tilting-angle', name: 'Boundary-tilting angle', package: pkg, export: 'boundaryTiltingAngle', category: 'diagnostic',
  summary: 'Angle between a linear boundary normal and the nearest-centroid normal μ_a − μ_b of two classes.',
  formula: String.raw`\cos\theta = \frac{\langle w, \mu_a - \mu_b\rangle}{\lVert w\rVert\,\lVert \mu_a - \mu_b\rVert}`,
  inputs: 'weights w [D] or Dense kernel [D, C], features [N, D], labels [N]', params: [{ name: 'classes', default: [1, 0], description: 'The two classes (a, b).' }],
  paper: { title: 'A Boundary Tilting Persepective on the Phenomenon of Adversarial Examples', authors: 'Tanay, Griffin', year: 2016, url: 'arXiv:1608.07690' },
  example: "import { boundaryTiltingAngle } from '@losskit/robustness';\nboundaryTiltingAngle(kernel, features, labels, { classes: [3, 5] }).degrees;",
  tryIt: { code: 'boundaryTiltingAngle([1, 0.5, 0, 0], exampleEmbeddings, embeddingLabels).degrees;' },
});

export const powerLawEntry = defineEntry({
  id: 'adversarial-power-law', name: 'Adversarial-error power law', package: pkg, export: 'fitAdversarialPowerLaw', category: 'fit',
  summary: 'Fit E(ε) = A ε^β to adversarial error against the perturbation size (robust log-space fit of @losskit/scaling).',
  formula: String.raw`E(\varepsilon) = A\,\varepsilon^{\beta}`, inputs: 'points { epsilon, error } (error > 0)', params: [{ name: 'loss', default: 'huber', description: 'Residual loss of the fit.' }],
  paper: cubuk,
  example: "import { adversarialErrorCurve, fitAdversarialPowerLaw } from '@losskit/robustness';\nfitAdversarialPowerLaw(adversarialErrorCurve({ model, x, y: labels, epsilons: [0.01, 0.02, 0.04] })).params;",
  tryIt: { code: 'fitAdversarialPowerLaw([0.01, 0.02, 0.04, 0.08].map((epsilon) => ({ epsilon, error: 0.9 * epsilon ** 0.8 }))).params;' },
});

export const curveEntry = defineEntry({
  id: 'adversarial-error-curve', name: 'Adversarial-error curve', package: pkg, export: 'adversarialErrorCurve', category: 'diagnostic',
  summary: 'Top-1 error after an FGSM (or PGD) attack at each budget ε: the data of the power law.',
  formula: String.raw`E(\varepsilon) = \tfrac1N \sum_i \mathbb 1\big[\arg\max f(x_i^{adv,\varepsilon}) \ne y_i\big]`,
  inputs: 'model, x [N, ...], labels [N], budgets', params: [{ name: 'epsilons', default: null, description: 'Budgets ε > 0.' }, { name: 'attack', default: 'fgsm', range: "'fgsm' | 'pgd'", description: 'Attack.' }], paper: cubuk,
  example: "import { adversarialErrorCurve } from '@losskit/robustness';\nadversarialErrorCurve({ model, x, y: labels, epsilons: [0.01, 0.02, 0.04] });",
  tryIt: { code: `${data}adversarialErrorCurve({ model, x, y, epsilons: [0.05, 0.1, 0.2, 0.4] });` },
});

/** Every entry of @losskit/robustness. */
export const catalog: readonly CatalogEntry[] = Object.freeze([fgsmEntry, pgdEntry, elleEntry, elleAEntry, aaerEntry, smoothingEntry, interpolationEntry, tiltingEntry, powerLawEntry, curveEntry]);
