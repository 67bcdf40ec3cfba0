// CTC forward+backward at (B, T, C, L) = (16, 200, 50, 40) on the active backend (WASM under `pnpm bench`): the catalog
// `ctc` (float64 log-space forward-backward on the host, closed-form gradient through tf.customGrad) against the same
// loss written with tf ops (the log-space α recursion over time on the whole batch, gradient by tfjs autodiff), and
// the forward pass alone. Both compute mean −log p(l|x) of the same logits; the run checks they agree.
import * as tf from '@tensorflow/tfjs-core';
import { ctc } from '@losskit/losses';

const [B, T, C, L] = [16, 200, 50, 40];
const S = 2 * L + 1;
// A large negative instead of −∞ for impossible states: −∞ − (−∞) would give NaN gradients in the max-shifted sum.
const NEG = -1e30;

/** `log(e^a + e^b + e^c)` elementwise, shifted by the maximum. */
function logAddExp3(a, b, c) {
  const m = tf.maximum(tf.maximum(a, b), c);
  return tf.add(m, tf.log(tf.add(tf.add(tf.exp(tf.sub(a, m)), tf.exp(tf.sub(b, m))), tf.exp(tf.sub(c, m)))));
}

/**
 * Mean CTC loss with tf ops: emissions `[B, T, S]` as log-probabilities times the one-hot extended labels (as optax and
 * Keras' NumPy backend do; tf.gather with batchDims gave wrong rows on tfjs-wasm 4.22), then T − 1 steps of the α
 * recursion on `[B, S]`.
 */
function ctcTfOps(logits, extOneHot, skipMask) {
  const lp = tf.logSoftmax(logits);
  const emit = tf.matMul(lp, extOneHot, false, true); // [B, T, S]
  const pad1 = tf.fill([B, 1], NEG);
  const pad2 = tf.fill([B, 2], NEG);
  const init = tf.concat([tf.ones([B, 2]), tf.zeros([B, S - 2])], 1);
  const frames = tf.unstack(emit, 1);
  let alpha = tf.add(frames[0], tf.mul(tf.sub(1, init), NEG));
  for (let t = 1; t < T; t++) {
    const a1 = tf.concat([pad1, tf.slice(alpha, [0, 0], [B, S - 1])], 1);
    const a2 = tf.add(tf.concat([pad2, tf.slice(alpha, [0, 0], [B, S - 2])], 1), skipMask);
    alpha = tf.add(logAddExp3(alpha, a1, a2), frames[t]);
  }
  const last = tf.slice(alpha, [0, S - 2], [B, 2]);
  const m = tf.max(last, 1, true);
  const logp = tf.add(tf.squeeze(m, [1]), tf.log(tf.sum(tf.exp(tf.sub(last, m)), 1)));
  return tf.neg(tf.mean(logp));
}

export default async function (h) {
  const logits = tf.randomNormal([B, T, C], 0, 1, 'float32', 18);
  // Labels in [1, C) with some adjacent repeats (each needs a blank between its copies).
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const labels = Array.from({ length: B }, () => {
    const row = [];
    for (let i = 0; i < L; i++) row.push(i > 0 && rand() < 0.1 ? row[i - 1] : 1 + Math.floor(rand() * (C - 1)));
    return row;
  });
  const ext = tf.tidy(() => tf.oneHot(tf.tensor2d(labels.map((row) => [0, ...row.flatMap((l) => [l, 0])]), [B, S], 'int32'), C).toFloat()); // [B, S, C]
  const skipMask = tf.tensor2d(labels.map((row) => Array.from({ length: S }, (_, s) => (s % 2 === 1 && s >= 3 && row[(s - 1) / 2] !== row[(s - 3) / 2] ? 0 : NEG))), [B, S]);

  const ours = tf.tidy(() => ctc(labels, logits).dataSync()[0]);
  const theirs = tf.tidy(() => ctcTfOps(logits, ext, skipMask).dataSync()[0]);
  if (!(Math.abs(ours - theirs) <= 1e-3 * Math.abs(ours))) throw new Error(`CTC values disagree: catalog ctc ${ours} vs tf ops ${theirs}`);

  const fwdBwd = (f) => () =>
    tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad(f)(logits);
      value.dataSync();
      grad.dataSync();
    });
  const fwd = (f) => () => tf.tidy(() => f(logits).dataSync());
  const suite = `CTC B=${B} T=${T} C=${C} L=${L}`;
  const times = await h.timeInterleaved(
    {
      tfBoth: fwdBwd((x) => ctcTfOps(x, ext, skipMask)),
      oursBoth: fwdBwd((x) => ctc(labels, x)),
      tfFwd: fwd((x) => ctcTfOps(x, ext, skipMask)),
      oursFwd: fwd((x) => ctc(labels, x)),
    },
    { warmup: 2, minRuns: 5, minMs: 3000, maxRuns: 30 },
  );
  h.row({ suite, case: 'forward+backward', variant: 'tf ops (autodiff through the time loop)', ms: times.tfBoth });
  h.row({ suite, case: 'forward+backward', variant: 'ctc() (host forward-backward, closed-form gradient)', ms: times.oursBoth, baseline: 'tf ops (autodiff through the time loop)', note: `loss ${ours.toFixed(4)} (tf ops ${theirs.toFixed(4)})` });
  h.row({ suite, case: 'forward', variant: 'tf ops (autodiff through the time loop)', ms: times.tfFwd });
  h.row({ suite, case: 'forward', variant: 'ctc() (host forward-backward, closed-form gradient)', ms: times.oursFwd, baseline: 'tf ops (autodiff through the time loop)' });
  for (const t of [logits, ext, skipMask]) t.dispose();
}
