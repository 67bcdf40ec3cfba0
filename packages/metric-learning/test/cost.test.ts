// Cost bounds of issue #20: mining and triplet reduction in O(B²) (no B³ intermediates).
import * as tf from '@tensorflow/tfjs-core';
import { compile, ready } from '@losskit/core';
import { rng } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiSimilarityMiner, semiHard, tripletMargin } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

describe('cost (issue #20): O(B²) mining and reduction', () => {
  const cpuMs = (f: () => void) => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  for (const [name, miner] of [['semiHard', semiHard()], ['multiSimilarityMiner', multiSimilarityMiner()], ['no miner (all triplets)', undefined]] as const) {
    it(`triplet + ${name} at B = 256, D = 128: forward + backward in well under a second of CPU time`, () => {
      const u = rng(3);
      const labels = Array.from({ length: 256 }, (_, i) => i % 32);
      const x = tf.tidy(() => tf.tensor2d(Array.from({ length: 256 * 128 }, () => u() - 0.5), [256, 128]));
      const loss = compile(tripletMargin({ miner }), { from: 'embeddings' });
      const step = () => {
        const { value, grad } = loss.valueAndGrad(labels, x);
        grad.dataSync();
        tf.dispose([value, grad]);
      };
      step();
      const ms = cpuMs(step);
      x.dispose();
      expect(ms).toBeLessThan(200);
    });
  }
});
