/**
 * @losskit/compression: post-training quantization and self-compression for tfjs-layers Dense layers, with
 * caller-held state. AdaRound (learned up/down rounding), AdaQuant (layer-wise calibration of weights, bias and grid)
 * and self-compressing networks (learned bit depth and exponent per channel with a size penalty).
 *
 * @example
 * import { adaRound } from '@losskit/compression';
 * const { kernel, adaRoundError, nearestError } = adaRound(model.layers[0], calibrationInputs, { bits: 4 });
 * @packageDocumentation
 */
export { type DenseLike, type DenseParts, type UniformGrid, denseParts, uniformGrid, quantizeNearest, roundSte } from './dense.js';
export { type AdaRoundState, type AdaRoundResult, ADAROUND_ZETA, ADAROUND_GAMMA, rectifiedSigmoid, adaRoundInit, adaRoundKernel, adaRoundBeta, adaRoundLoss, adaRound } from './adaround.js';
export { type AdaQuantState, type AdaQuantResult, adaQuantInit, adaQuantKernel, adaQuantLoss, adaQuant } from './adaquant.js';
export { type SelfCompressionState, selfCompressingQuantize, selfCompressionInit, selfCompressingApply, selfCompressionSize } from './self-compression.js';
export * from './catalog.js';
