/**
 * Catalog entries of @losskit/compression: one per quantization method.
 */
import { type CatalogEntry, defineEntry } from '@losskit/core';

const pkg = '@losskit/compression';
// The docs site's 'model' fixture: an MLP 2 → 8 (tanh) → 3; 'retain.x' are 2-D inputs.
const calib = 'const x = tf.tensor2d(retain.x);\n';

export const adaRoundEntry = defineEntry({
  id: 'adaround', name: 'AdaRound', package: pkg, export: 'adaRound', category: 'post-training-quantization',
  summary: 'Learn, per weight, whether to round up or down by reconstructing the layer output on calibration data (rectified sigmoid, annealed regularizer).',
  formula: String.raw`\min_V \tfrac1N\lVert XW - X\tilde W\rVert_F^2 + \lambda \sum_{ij}\big(1 - \lvert 2h(V_{ij}) - 1\rvert^{\beta}\big),\ \tilde W = s\big(\mathrm{clip}(\lfloor W/s\rfloor + h(V) + z, 0, 2^b-1) - z\big),\ h = \mathrm{clip}(\sigma(V)(\zeta-\gamma)+\gamma, 0, 1)`,
  inputs: 'Dense layer, calibration inputs [N, in]',
  params: [{ name: 'bits', default: 4, range: { min: 2, max: 16 }, description: 'Bit width.' }, { name: 'iterations', default: 500, description: 'Adam steps on V.' }, { name: 'lambda', default: 0.01, description: 'λ.' }, { name: 'learningRate', default: 1e-3, description: 'Adam learning rate.' }],
  paper: { title: 'Up or Down? Adaptive Rounding for Post-Training Quantization', authors: 'Nagel, Amjad, van Baalen, Louizos, Blankevoort', year: 2020, url: 'arXiv:2004.10568' },
  example: "import { adaRound } from '@losskit/compression';\nconst { kernel, nearestError, adaRoundError } = adaRound(model.layers[0], calibrationInputs, { bits: 4 });",
  tryIt: { code: `${calib}const r = adaRound(model.layers[0], x, { bits: 3, iterations: 100 });\n({ nearestError: r.nearestError, adaRoundError: r.adaRoundError, roundedUp: r.roundedUp });` },
});

export const adaQuantEntry = defineEntry({
  id: 'adaquant', name: 'AdaQuant', package: pkg, export: 'adaQuant', category: 'post-training-quantization',
  summary: 'Layer-wise calibration: adapt weights, bias and quantization step/zero point to reconstruct the float layer output (STE through rounding).',
  formula: String.raw`\min_{\Delta W, \Delta b, s, z} \big\lVert X Q_{s,z}(W + \Delta W) + b + \Delta b - (X W + b)\big\rVert^2`,
  inputs: 'Dense layer, calibration inputs [N, in]',
  params: [{ name: 'bits', default: 4, range: { min: 2, max: 16 }, description: 'Bit width.' }, { name: 'iterations', default: 100, description: 'Adam steps.' }, { name: 'learningRates', default: 'W 1e-5, b 1e-3, s/z 1e-3', description: "The authors' per-group rates." }],
  paper: { title: 'Improving Post Training Neural Quantization: Layer-wise Calibration and Integer Programming', authors: 'Hubara, Nahshan, Hanani, Banner, Soudry', year: 2021, url: 'arXiv:2006.10518' },
  example: "import { adaQuant } from '@losskit/compression';\nconst { kernel, bias } = adaQuant(model.layers[0], calibrationInputs, { bits: 4 });",
  tryIt: { code: `${calib}const r = adaQuant(model.layers[0], x, { bits: 3, iterations: 50 });\n({ nearestError: r.nearestError, adaQuantError: r.adaQuantError });` },
});

export const selfCompressionEntry = defineEntry({
  id: 'self-compression', name: 'Self-compressing networks', package: pkg, export: 'selfCompressionSize', category: 'quantization-aware-training',
  summary: 'Learn a bit depth and exponent per output channel with the weights; penalize the average bits per weight (channels at 0 bits are removed).',
  formula: String.raw`q(x) = 2^{e}\big\lfloor \mathrm{clip}(2^{-e}x, -2^{b-1}, 2^{b-1}-1)\big\rceil,\quad \mathcal L = \mathcal L_{task} + \gamma\, \frac{\sum_l I_l \sum_o \max(b_{l,o}, 0)}{N}`,
  inputs: 'Dense layers and their states', params: [{ name: 'bits', default: 8, description: 'Initial bit depth.' }, { name: 'exponent', default: -8, description: 'Initial exponent.' }],
  paper: { title: 'Self-Compressing Neural Networks', authors: 'Cséfalvay, Imber', year: 2023, url: 'arXiv:2301.13142' },
  example: "import { selfCompressionInit, selfCompressingApply, selfCompressionSize } from '@losskit/compression';\nconst states = model.layers.map((l) => selfCompressionInit(l));\nconst loss = () => tf.add(ce(y, selfCompressingApply(model.layers, states, x)), tf.mul(selfCompressionSize(states), 0.015));",
  tryIt: { code: "const states = model.layers.map((l) => selfCompressionInit(l, { bits: 6, exponent: -4 }));\nconst out = selfCompressingApply(model.layers, states, tf.tensor2d(retain.x.slice(0, 4)));\n({ bitsPerWeight: selfCompressionSize(states), logits: out });" },
});

export const quantizerEntry = defineEntry({
  id: 'self-compressing-quantizer', name: 'Self-compressing quantizer', package: pkg, export: 'selfCompressingQuantize', category: 'quantization-aware-training',
  summary: 'Differentiable fixed-point quantizer with learnable bit depth b and exponent e (straight-through rounding).',
  formula: String.raw`q(x; b, e) = 2^{e}\big\lfloor \mathrm{clip}(2^{-e}x, -2^{b-1}, 2^{b-1}-1)\big\rceil`,
  inputs: 'x, bits b, exponent e (broadcast)', params: [],
  paper: { title: 'Self-Compressing Neural Networks', authors: 'Cséfalvay, Imber', year: 2023, url: 'arXiv:2301.13142' },
  example: "import { selfCompressingQuantize } from '@losskit/compression';\nselfCompressingQuantize(tf.tensor1d([0.3, -1.7, 9]), tf.scalar(3), tf.scalar(-1));",
  tryIt: { code: 'selfCompressingQuantize(tf.tensor1d([0.3, -1.7, 9]), tf.scalar(3), tf.scalar(-1));' },
});

/** Every entry of @losskit/compression. */
export const catalog: readonly CatalogEntry[] = Object.freeze([adaRoundEntry, adaQuantEntry, selfCompressionEntry, quantizerEntry]);
