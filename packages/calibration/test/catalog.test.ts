import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('catalog', () => {
  it('has one entry per public calibrator and metric, each naming a real export', () => {
    const ids = api.catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of api.catalog) {
      expect(e.package).toBe('@losskit/calibration');
      expect(api).toHaveProperty(e.export);
    }
    for (const name of ['TemperatureScaling', 'VectorScaling', 'MatrixScaling', 'PlattScaling', 'HistogramBinning', 'IsotonicRegression', 'CorrectnessAwareCalibrator', 'ece', 'mce', 'classwiseEce', 'topLabelEce', 'ksCalibrationError', 'brierScore', 'nll', 'accuracy', 'SplitConformal', 'BayesianConformal', 'reliabilityDiagram', 'ace', 'mmce', 'mmcePenalty', 'dca', 'dcaPenalty', 'uce', 'ence', 'picp', 'qce', 'gaussianNll', 'VarianceScaling', 'IsotonicQuantileRecalibration', 'regressionReliability', 'StreamingCalibrationError', 'BetaCalibration', 'BBQ', 'NearIsotonicRegression', 'ENIR', 'DirichletCalibration']) {
      expect(api.catalog.some((e) => e.export === name)).toBe(true);
    }
  });
});
