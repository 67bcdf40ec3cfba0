// Pair losses on the active backend (WASM under `pnpm bench`), issue #20:
// - NT-Xent and SupCon forward+backward at B=1024, D=256: the compiled losskit expressions, the same losses
//   hand-written with tf ops, and the floor of the three matrix products they need (the similarity S = N·Nᵀ and
//   the two backward products G·N and Gᵀ·N, each timed in tfjs's fastest form on the backend).
// - Triplet margin loss with semiHard() and multiSimilarityMiner() at B=128 and B=256 (D=128): time per training
//   step (forward+backward) and the growth exponent log2(t(256)/t(128)) (2 = quadratic, 3 = cubic).
import * as tf from '@tensorflow/tfjs-core';
import { compile } from '@losskit/core';
import { multiSimilarityMiner, ntXent, semiHard, supCon, tripletMargin } from '@losskit/metric-learning';

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

/** The fastest of several ways to compute one product (each run synchronously to completion). */
async function fastest(h, forms, opts) {
  const times = await h.timeInterleaved(forms, opts);
  return Math.min(...Object.values(times));
}

const sync = (f) => () => {
  const t = tf.tidy(f);
  t.dataSync();
  t.dispose();
};

export default async function (h) {
  const e = tf.randomNormal([B, D], 0, 1, 'float32', 7);
  // two views of B/2 items: labels i mod B/2
  const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => i % (B / 2)), 'int32');
  const opts = { warmup: 2, minRuns: 7, minMs: 3000 };
  const n = tf.tidy(() => tf.div(e, tf.norm(e, 2, -1, true)));
  const g = tf.randomNormal([B, B], 0, 1, 'float32', 8);
  // S = N·Nᵀ [B, B]; backward: G·N and Gᵀ·N [B, D]
  const fwd = await fastest(h, { flag: sync(() => tf.matMul(n, n, false, true)), explicit: sync(() => tf.matMul(n, tf.transpose(n))) }, opts);
  const bwd1 = await fastest(h, { plain: sync(() => tf.matMul(g, n)) }, opts);
  const bwd2 = await fastest(h, { flag: sync(() => tf.matMul(g, n, true, false)), explicit: sync(() => tf.matMul(tf.transpose(g), n)) }, { ...opts, minRuns: 3 });
  const floor = fwd + bwd1 + bwd2;
  tf.dispose([n, g]);
  const suite = `B=${B} D=${D}`;
  const FLOOR = 'matmul floor (S, G·N, Gᵀ·N)';
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
  const compiled = (c, y = labels, x = e) => () => {
    const r = c.valueAndGrad(y, x);
    r.grad.dataSync();
    r.value.dispose();
    r.grad.dispose();
  };
  const nt = compile(ntXent({ temperature: TAU }), { from: 'embeddings', validate: false });
  const sc = compile(supCon({ temperature: TAU }), { from: 'embeddings', validate: false });
  for (const [name, hand, ours] of [['NT-Xent forward+backward', ntXentByHand, nt], ['SupCon forward+backward', supConByHand, sc]]) {
    const t = await h.timeInterleaved({ hand: byHand(hand), ours: compiled(ours) }, opts);
    h.row({ suite, case: name, variant: FLOOR, ms: floor, note: `S ${fwd.toFixed(1)} + G·N ${bwd1.toFixed(1)} + Gᵀ·N ${bwd2.toFixed(1)} ms` });
    h.row({ suite, case: name, variant: 'hand-written tf ops', ms: t.hand, baseline: FLOOR });
    h.row({ suite, case: name, variant: `compiled ${name.startsWith('NT') ? 'ntXent' : 'supCon'}()`, ms: t.ours, baseline: FLOOR, note: `${(t.hand / t.ours).toFixed(1)}× faster than hand-written` });
  }
  tf.dispose([e, labels]);

  // Triplet + miners: time per step at B = 128 and 256 and the growth exponent.
  const TD = 128;
  for (const [minerName, miner] of [['semiHard()', semiHard()], ['multiSimilarityMiner()', multiSimilarityMiner()]]) {
    const loss = compile(tripletMargin({ miner }), { from: 'embeddings', validate: false });
    const ms = {};
    for (const b of [128, 256]) {
      const x = tf.randomNormal([b, TD], 0, 1, 'float32', 9);
      const y = tf.tensor1d(Array.from({ length: b }, (_, i) => i % 32), 'int32');
      ms[b] = await h.time(compiled(loss, y, x), { warmup: 2, minRuns: 7, minMs: 1500 });
      tf.dispose([x, y]);
    }
    const exponent = Math.log2(ms[256] / ms[128]);
    const tsuite = `triplet margin D=${TD}`;
    h.row({ suite: tsuite, case: `tripletMargin + ${minerName} step`, variant: 'B=128', ms: ms[128] });
    h.row({ suite: tsuite, case: `tripletMargin + ${minerName} step`, variant: 'B=256', ms: ms[256], baseline: 'B=128', note: `growth exponent in B: ${exponent.toFixed(2)}` });
  }
}
