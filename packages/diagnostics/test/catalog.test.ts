import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('catalog', () => {
  it('has one entry per diagnostic, each naming a real export and citing a paper title', () => {
    const ids = api.catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of api.catalog) {
      expect(e.package).toBe('@losskit/diagnostics');
      expect(api).toHaveProperty(e.export);
      expect(e.paper?.title.length).toBeGreaterThan(10);
    }
    for (const name of ['neuralCollapse', 'GaussianNaiveBayes', 'perExampleGradients', 'gradientCoherence', 'm3Gradient', 'winsorizedGradient', 'filterNormalizedDirection', 'lossLandscape1d', 'lossLandscape2d', 'spectralAlignment', 'diffusionSpectralEntropy', 'diffusionSpectralMutualInformation', 'pacBayesBound', 'inductiveBias', 'classStatistics']) {
      expect(api.catalog.some((e) => e.export === name)).toBe(true);
    }
  });
});
