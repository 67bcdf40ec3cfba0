// Memory soak: thousands of training steps of compiled losses, reporting process RSS and external
// memory after forced GC. Run by test/soak.test.ts as `node --expose-gc test/soak/soak.mjs <steps> <B> <C> <fuse>`
// against the built package; prints one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { ce, compile, ready, square } from '../../dist/index.js';

const [steps, B, C] = process.argv.slice(2, 5).map(Number);
const fuse = process.argv[5] === 'false' ? false : process.argv[5];
await ready();
const loss = compile(ce().plus(square().incorrect()), { fuse });
const z = tf.randomNormal([B, C], 0, 1, 'float32', 1);
const y = tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 7) % C), 'int32');
const sample = () => {
  global.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, tensors: tf.memory().numTensors };
};
const warm = Math.min(500, steps / 10);
const marks = [];
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const { value, grad } = loss.valueAndGrad(y, z);
  value.dispose();
  grad.dispose();
  if (s + 1 === warm || (s + 1) % (steps / 4) === 0) marks.push({ step: s + 1, ...sample() });
}
console.log(JSON.stringify({ engine: loss.engine, ms: performance.now() - t0, marks }));
