// Fused linear + cross-entropy (linearCrossEntropy: logits hidden·weight in chunks of the classes, never
// [B, V]) against the dense path (tfjs matMul, then the fused compile(ce())), forward+backward (gradients for
// hidden and weight, the loss read back), at B = 512, D = 512, V = 32,000 on the active backend; plus the peak
// tensor memory of each during the step, from tf.memory().numBytes (sampled on every change of the engine's
// byte count), minus what exists before the step (inputs) and is returned (loss and gradients).
// LOSSKIT_LINEAR_SIZES='[[64, 32, 1000]]' for a quick run.
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, linearCrossEntropy } from '@losskit/core';

const SIZES = process.env.LOSSKIT_LINEAR_SIZES ? JSON.parse(process.env.LOSSKIT_LINEAR_SIZES) : [[512, 512, 32000]];

/** Runs `fn` and returns the peak of tf.memory().numBytes during it, relative to before. */
function peakBytes(fn) {
  const state = tf.engine().state;
  let bytes = state.numBytes;
  const base = bytes;
  let peak = bytes;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    get: () => bytes,
    set: (v) => {
      bytes = v;
      if (v > peak) peak = v;
    },
  });
  try {
    const out = fn();
    return { out, peak: peak - base };
  } finally {
    delete state.numBytes;
    state.numBytes = bytes;
  }
}

export default async function (h) {
  for (const [B, D, V] of SIZES) {
    const hidden = tf.randomNormal([B, D], 0, 1, 'float32', 1);
    const weight = tf.randomNormal([D, V], 0, 0.05, 'float32', 2);
    const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 7919) % V), 'int32');
    const fusedCe = compile(ce());
    const grads = {
      'dense: tf.matMul + compile(ce()) (fused CE)': tf.grads((x, w) => fusedCe(labels, tf.matMul(x, w))),
      'linearCrossEntropy (chunks of 2048 classes)': tf.grads((x, w) => linearCrossEntropy(x, w, labels)),
    };
    // Agreement first (the timings are of the same function): loss and both gradients within 1e-5 relative.
    const results = {};
    for (const [name, g] of Object.entries(grads)) {
      const { out, peak } = peakBytes(() => g([hidden, weight]));
      const value = name.startsWith('dense') ? fusedCe(labels, tf.matMul(hidden, weight)) : linearCrossEntropy(hidden, weight, labels);
      const returned = out.reduce((s, t) => s + t.size * 4, 0) + 4;
      results[name] = { grads: out, value: value.dataSync()[0], peak: peak - returned + 4 };
      value.dispose();
    }
    const [a, b] = Object.values(results);
    const rel = (x, y) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0] / Math.max(1e-30, tf.max(tf.abs(y)).dataSync()[0]));
    const agree = Math.max(Math.abs(a.value - b.value) / Math.abs(a.value), rel(b.grads[0], a.grads[0]), rel(b.grads[1], a.grads[1]));
    if (!(agree <= 1e-5)) throw new Error(`linearCrossEntropy disagrees with the dense path: ${agree}`);
    for (const r of Object.values(results)) tf.dispose(r.grads);
    const step = (g) => () => {
      const out = g([hidden, weight]);
      tf.dispose(out);
    };
    const ms = await h.timeInterleaved(Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, step(g)])), { warmup: 1, minRuns: 3, minMs: 0 });
    const suite = `linear + CE: B=${B} D=${D} V=${V}`;
    const base = 'dense: tf.matMul + compile(ce()) (fused CE)';
    for (const [name, t] of Object.entries(ms)) {
      const mb = results[name].peak / 2 ** 20;
      h.row({ suite, case: 'forward+backward (grads of hidden and weight)', variant: name, ms: t, ...(name === base ? {} : { baseline: base }), note: `peak intermediate tensor memory ${mb.toFixed(1)} MB; max rel. difference to dense ${agree.toExponential(1)}` });
    }
    const peakDense = results[base].peak;
    const peakFused = results['linearCrossEntropy (chunks of 2048 classes)'].peak;
    h.row({ suite, case: 'peak intermediate tensor memory (MB, as ms column)', variant: base, ms: peakDense / 2 ** 20 });
    h.row({ suite, case: 'peak intermediate tensor memory (MB, as ms column)', variant: 'linearCrossEntropy (chunks of 2048 classes)', ms: peakFused / 2 ** 20, baseline: base });
    tf.dispose([hidden, weight, labels]);
  }
}
