// Retrieval metrics over a large query set (issue #20): recall@1 / precision@1 of N = 50,000 embeddings (D = 32,
// leave-one-out, cosine) through the chunked k-NN — no [N, N] matrix: each chunk is one [batch, N] product and a
// top-k on the device, candidates re-ranked in float64. The note records the peak device memory of the run
// against the 10 GB an [N, N] float32 matrix would take.
import * as tf from '@tensorflow/tfjs-core';
import { precisionAt1 } from '@losskit/metric-learning';

export default async function (h) {
  const N = 50_000;
  const D = 32;
  const e = tf.randomNormal([N, D], 0, 1, 'float32', 11);
  const labels = Array.from({ length: N }, (_, i) => i % 1000);
  let peak = 0;
  const ms = await h.time(async () => {
    const info = await tf.profile(() => {
      precisionAt1(e, labels);
    });
    peak = Math.max(peak, info.peakBytes);
  }, { warmup: 0, minRuns: 1, minMs: 0 });
  h.row({ suite: `retrieval N=${N} D=${D}`, case: 'precision@1, leave-one-out k-NN', variant: 'chunked knn()', ms, note: `peak device memory ${(peak / 1e6).toFixed(0)} MB (an [N, N] float32 matrix: ${((N * N * 4) / 1e9).toFixed(0)} GB)` });
  e.dispose();
}
