// Worker thread: loads the built packages once, then runs the call indices it is given and posts one
// message per call ('start' before it, so the parent can name a call that hangs or kills the runtime).
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { makeCase } from './gen/index.mjs';
import { loadAll } from './lib/load.mjs';
import { reproJson, runCase } from './lib/runner.mjs';

const lib = await loadAll();
await lib.core.ready();

/** A WASM trap (out-of-bounds access, abort) leaves the runtime's memory corrupt: nothing after it can be trusted. */
const TRAP = /RuntimeError|memory access out of bounds|Aborted\(|unreachable|table index is out of bounds/;

function healthy() {
  try {
    const t = tf.tidy(() => tf.sum(tf.add(tf.ones([256, 256]), tf.scalar(2))));
    const ok = t.dataSync()[0] === 3 * 256 * 256;
    t.dispose();
    return ok && tf.memory().numTensors < 1e6;
  } catch {
    return false;
  }
}

const { seed, indices, only } = workerData;
for (const index of indices) {
  let c;
  try {
    c = makeCase(lib, seed, index, only);
  } catch (e) {
    parentPort.postMessage({ type: 'harness-error', index, message: String(e?.stack ?? e) });
    continue;
  }
  parentPort.postMessage({ type: 'start', index, pkg: c.pkg, fn: c.fn, repro: reproJson(c.repro) });
  let res;
  try {
    res = await runCase(c);
  } catch (e) {
    parentPort.postMessage({ type: 'harness-error', index, message: String(e?.stack ?? e) });
    if (TRAP.test(String(e?.stack ?? e)) || !healthy()) {
      parentPort.postMessage({ type: 'poisoned', index });
      process.exit(0);
    }
    continue;
  }
  parentPort.postMessage({ type: 'result', index, pkg: c.pkg, fn: c.fn, expect: c.expect, repro: reproJson(c.repro), ...res });
  const trapped = res.issues.some((i) => TRAP.test(`${i.kind} ${i.message}`));
  if (trapped || (res.category === 'internal crash' && !healthy())) {
    // Restart on a fresh runtime at the next call, so later calls are not blamed for this one.
    parentPort.postMessage({ type: 'poisoned', index });
    process.exit(0);
  }
}
parentPort.postMessage({ type: 'done' });
