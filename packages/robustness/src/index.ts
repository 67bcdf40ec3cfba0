/**
 * @losskit/robustness: adversarial robustness. FGSM and PGD on tfjs-layers models (or any forward function) with a
 * compiled loss, the ELLE / ELLE-A and AAER regularizers against catastrophic overfitting, adaptive smoothing of a
 * standard and a robust classifier, WiSE-FT / BANG weight interpolation, the boundary-tilting angle, and the
 * adversarial-error power law fitted with `@losskit/scaling`.
 *
 * @example
 * import { fgsm, adversarialErrorCurve, fitAdversarialPowerLaw } from '@losskit/robustness';
 * const xAdv = fgsm({ model, x, y: labels, epsilon: 0.1 });
 * fitAdversarialPowerLaw(adversarialErrorCurve({ model, x, y: labels, epsilons: [0.02, 0.04, 0.08] })).params;
 * @packageDocumentation
 */
export { type AttackOptions, type PgdOptions, fgsm, pgd } from './attacks.js';
export { type ElleOptions, type ElleAdaptiveState, type ElleAdaptiveOptions, elleRegularizer, elleAdaptiveInit, elleAdaptiveUpdate } from './elle.js';
export { type AaerOptions, type AaerResult, aaerLoss } from './aaer.js';
export { type AdaptiveSmoothingOptions, adaptiveSmoothing } from './smoothing.js';
export { interpolateWeights } from './interpolation.js';
export { type BoundaryTiltingOptions, type BoundaryTilting, boundaryTiltingAngle } from './boundary-tilting.js';
export {
  type AdversarialPowerLawParam,
  type AdversarialErrorPoint,
  type AdversarialErrorCurveOptions,
  adversarialPowerLaw,
  adversarialPowerLawFamily,
  fitAdversarialPowerLaw,
  adversarialErrorCurve,
} from './power-law.js';
export * from './catalog.js';
