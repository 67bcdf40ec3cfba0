/**
 * Restores any saved calibrator from its JSON, dispatching on the `kind` field.
 */
import { LosskitError } from '@losskit/core';
import { parseCalibrator, type Calibrator, type CalibratorJson } from './calibrator.js';
import { CorrectnessAwareCalibrator } from './correctness-aware.js';
import { HistogramBinning } from './histogram-binning.js';
import { IsotonicRegression } from './isotonic.js';
import { DirichletCalibration, MatrixScaling, VectorScaling } from './matrix-scaling.js';
import { BetaCalibration } from './beta.js';
import { BBQ, ENIR, NearIsotonicRegression } from './bayesian-binning.js';
import { PlattScaling } from './platt.js';
import { TemperatureScaling } from './temperature.js';
import { LegendreTron } from './legendretron.js';

/**
 * Loads a calibrator saved with `save()`, whatever its kind. `loadCalibrator(c.save())` transforms exactly as `c`.
 *
 * @example
 * const restored = loadCalibrator(localStorage.getItem('calibrator')!);
 */
export function loadCalibrator(json: string | CalibratorJson): Calibrator {
  const o = parseCalibrator(json);
  switch (o.kind) {
    case 'temperature':
      return TemperatureScaling.load(o);
    case 'vector':
      return VectorScaling.load(o);
    case 'matrix':
      return MatrixScaling.load(o);
    case 'platt':
      return PlattScaling.load(o);
    case 'histogram':
      return HistogramBinning.load(o);
    case 'isotonic':
      return IsotonicRegression.load(o);
    case 'correctness-aware':
      return CorrectnessAwareCalibrator.load(o);
    case 'beta':
      return BetaCalibration.load(o);
    case 'bbq':
      return BBQ.load(o);
    case 'near-isotonic':
      return NearIsotonicRegression.load(o);
    case 'enir':
      return ENIR.load(o);
    case 'dirichlet':
      return DirichletCalibration.load(o);
    case 'legendretron':
      return LegendreTron.load(o);
    default:
      throw new LosskitError('INVALID_ARGUMENT', 'unknown calibrator kind', { argument: 'json', received: String((o as { kind: unknown }).kind) });
  }
}
