import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

/** Exported functions that are plumbing, accessors or building blocks (`scaleBy*`), not catalog items. */
const NOT_ITEMS = new Set([
  'scaleLoss', 'roundToFloat16', 'smallInit',
  'disposeState', 'disposeParams', 'chain', 'applyUpdates', 'step', 'lossClosure', 'nonFiniteEntries', 'train', 'withHyperparams', 'lookaheadSlowParams',
  'emaParamsOf', 'partition', 'scale', 'scaleByLearningRate', 'clip', 'clipByGlobalNorm', 'addDecayedWeights', 'traceMomentum', 'scaleByAdam', 'scaleByRms',
  'scaleByStddev', 'scaleByRss', 'scaleByLion', 'centralize', 'projectGradient', 'zoomLinesearch', 'backtrackingLinesearch', 'scheduleFreeEvalParams', 'newtonSchulz', 'hutchinsonEstimator', 'gaussNewtonBartlettEstimator', 'fuse', 'skipNotFinite', 'skipLargeUpdates', 'perExampleGlobalNormClip', 'differentiallyPrivateAggregate',
]);

describe('catalog', () => {
  it('ids are unique and every entry names a real export of this package', () => {
    const ids = api.catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of api.catalog) {
      expect(e.package).toBe('@losskit/optimizers');
      expect(api, e.export).toHaveProperty(e.export);
    }
  });

  it('every exported optimizer, wrapper and schedule builder has an entry (so the docs site has its page)', () => {
    const exported = Object.entries(api).filter(([k, v]) => typeof v === 'function' && !NOT_ITEMS.has(k) && !(k.startsWith('scaleBy') && k !== 'scaleByTrustRatio')).map(([k]) => k);
    const missing = exported.filter((k) => !api.catalog.some((e) => e.export === k));
    expect(missing).toEqual([]);
  });
});
