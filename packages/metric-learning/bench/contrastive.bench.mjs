// NT-Xent and SupCon forward+backward for B=1024, D=256 on the active backend (WASM under `pnpm bench`):
// the compiled losskit expressions vs the same losses hand-written with tf ops (baseline rows).
import * as tf from '@tensorflow/tfjs-core';
import { compile } from '@losskit/core';
import { ntXent, supCon } from '@losskit/metric-learning';

const B = 1024;
const D = 256;
const TAU = 0.1;

function cosineMatrix(e) {
  const n = tf.div(e, tf.sqrt(tf.maximum(tf.sum(tf.square(e), -1, true), 1e-12)));
  return tf.matMul(n, n, false, true);
}

/** NT-Xent by hand: mean over positive pairs of softplus(logsumexp over negatives - s_ap). */
function ntXentByHand(e, same, eye) {
  const s = tf.div(cosineMatrix(e), TAU);
  const neg = tf.sub(1, same);
  const pos = tf.sub(same, eye);
  const lseNeg = tf.logSumExp(tf.add(s, tf.mul(tf.sub(neg, 1), 1e9)), -1, true);
  const l = tf.softplus(tf.sub(lseNeg, s));
  return tf.div(tf.sum(tf.mul(l, pos)), tf.sum(pos));
}

/** SupCon by hand: -(1/|P_a|) Σ_p (s_ap - logsumexp_{k≠a} s_ak), mean over anchors. */
function supConByHand(e, same, eye) {
  const s = tf.div(cosineMatrix(e), TAU);
  const pos = tf.sub(same, eye);
  const denom = tf.logSumExp(tf.sub(s, tf.mul(eye, 1e9)), -1);
  const nPos = tf.sum(pos, -1);
  const l = tf.div(tf.sub(tf.mul(denom, nPos), tf.sum(tf.mul(s, pos), -1)), tf.maximum(nPos, 1));
  return tf.mean(l);
}

export default async function (h) {
  const e = tf.randomNormal([B, D], 0, 1, 'float32', 7);
  // two views of B/2 items: labels i mod B/2
  const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => i % (B / 2)), 'int32');
  const opts = { warmup: 2, minRuns: 5, minMs: 1500 };
  // The masks come from the labels inside the step, as in any training step whose batch (and labels)
  // changes; the compiled losses do the same work from `labels`.
  const byHand = (f) => () =>
    tf.tidy(() => {
      const same = tf.cast(tf.equal(tf.reshape(labels, [-1, 1]), tf.reshape(labels, [1, -1])), 'float32');
      const eye = tf.eye(B);
      const { value, grad } = tf.valueAndGrad((x) => f(x, same, eye))(e);
      value.dataSync();
      grad.dataSync();
    });
  const compiled = (c) => () => {
    const r = c.valueAndGrad(labels, e);
    r.grad.dataSync();
    r.value.dispose();
    r.grad.dispose();
  };
  const nt = compile(ntXent({ temperature: TAU }), { from: 'embeddings', validate: false });
  const sc = compile(supCon({ temperature: TAU }), { from: 'embeddings', validate: false });
  const suite = `B=${B} D=${D}`;
  const cases = [
    ['NT-Xent forward+backward', 'hand-written tf ops', byHand(ntXentByHand)],
    ['NT-Xent forward+backward', 'compiled ntXent()', compiled(nt)],
    ['SupCon forward+backward', 'hand-written tf ops', byHand(supConByHand)],
    ['SupCon forward+backward', 'compiled supCon()', compiled(sc)],
  ];
  for (const [name, variant, fn] of cases) {
    const ms = await h.time(fn, opts);
    h.row({ suite, case: name, variant, ms, ...(variant === 'hand-written tf ops' ? {} : { baseline: 'hand-written tf ops' }) });
  }
  for (const t of [e, labels]) t.dispose();
}
