// Streaming metrics: update / result / reset agree with the batch metric on the concatenated batches.
import { expectCleanThrow } from '@losskit/core/testing';
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamingCalibrationError, ace, classwiseEce, ece, mmce, nll, streamingMetric, streamingRegressionMetric, uce, qce } from '../src/index.js';
import { overconfident } from './data.js';

beforeAll(async () => {
  await ready();
});

const { logits, labels } = overconfident(300, 4, 9);
const cuts = [0, 7, 100, 101, 300];
const batches = cuts.slice(1).map((end, k) => [logits.slice(cuts[k], end), labels.slice(cuts[k], end)] as const);

describe('StreamingCalibrationError (O(C·M) state)', () => {
  for (const norm of ['l1', 'l2', 'max'] as const) {
    for (const scope of ['top-label', 'classwise'] as const) {
      it(`${scope} ${norm}: equals the batch metric exactly over uneven batches`, () => {
        const m = new StreamingCalibrationError({ bins: 10, norm, scope });
        for (const [x, y] of batches) m.update(x, y);
        const batch = scope === 'top-label' ? ece(logits, labels, { bins: 10, norm }) : classwiseEce(logits, labels, { bins: 10, norm });
        expect(m.result()).toBe(batch);
        expect(m.count).toBe(300);
      });
    }
  }
  it('reset forgets every batch, and a new stream may have another class count', () => {
    const m = new StreamingCalibrationError({ bins: 2 });
    m.update(logits, labels);
    m.reset();
    expect(m.count).toBe(0);
    expectCleanThrow(() => m.result(), 'EMPTY_BATCH');
    m.update([[0.2, 0.8]], [1]);
    expectCleanThrow(() => m.result(), 'INVALID_ARGUMENT'); // 1 sample, 2 bins: the batch ece throws the same
    m.update([[0.6, 0.4]], [1]);
    expect(m.result()).toBe(ece([[0.2, 0.8], [0.6, 0.4]], [1, 1], { bins: 2 }));
    expectCleanThrow(() => m.update(logits, labels), 'SHAPE_MISMATCH');
  });
  it('rejects bad options', () => {
    expectCleanThrow(() => new StreamingCalibrationError({ bins: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => new StreamingCalibrationError({ scope: 'x' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => new StreamingCalibrationError({ norm: 'l3' as never }), 'INVALID_ARGUMENT');
  });
});

describe('streamingMetric / streamingRegressionMetric (buffered)', () => {
  it('ACE, MMCE, equal-mass ECE and NLL equal their batch values', () => {
    const cases = [
      [ace, { bins: 10 }],
      [mmce, { weighted: true }],
      [ece, { bins: 10, strategy: 'mass' }],
      [nll, {}],
    ] as const;
    for (const [metric, options] of cases) {
      const m = streamingMetric(metric as never, options);
      for (const [x, y] of batches) m.update(x, y);
      expect(m.result()).toBe((metric as (a: unknown, b: unknown, c: unknown) => number)(logits, labels, options));
    }
  });
  it('regression metrics over batches equal the batch metric', () => {
    const mean = labels.map((v, i) => v + 0.1 * i);
    const std = labels.map((_, i) => 0.5 + (i % 7) / 7);
    const y = labels.map((v, i) => v + Math.sin(i));
    const m = streamingRegressionMetric(uce, { bins: 5 });
    const q = streamingRegressionMetric(qce, {});
    for (let k = 0; k < 4; k++) {
      const sl = { mean: mean.slice(cuts[k], cuts[k + 1]), std: std.slice(cuts[k], cuts[k + 1]) };
      m.update(sl, y.slice(cuts[k], cuts[k + 1]));
      q.update(sl, y.slice(cuts[k], cuts[k + 1]));
    }
    expect(m.result()).toBe(uce({ mean, std }, y, { bins: 5 }));
    expect(q.result()).toBe(qce({ mean, std }, y));
    m.reset();
    expectCleanThrow(() => m.result(), 'EMPTY_BATCH');
    expectCleanThrow(() => streamingMetric(42 as never, {}), 'INVALID_ARGUMENT');
  });
});
