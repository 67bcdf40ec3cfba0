// Fused update kernel (`fuse`): one Adam / Lion step on 1M and 10M float32 parameters (two tensors: [N − 1000] and
// [1000]) against tf.train.adam().applyGradients and against a memory floor, all timed interleaved in the same run.
// The floor is the same generated WASM SIMD loop doing no arithmetic beyond one add: it reads params, grads, m and v
// once and writes params, m and v once (7 × 4N bytes), i.e. the least memory traffic an in-place Adam step can have.
// The WASM backend is synchronous, so no read-back is needed to wait for the work.
import * as tf from '@tensorflow/tfjs-core';
import { adam, applyUpdates, disposeParams, disposeState, fuse, lion } from '@losskit/optimizers';
import { elementwise } from '../dist/fused/registry.js';

/** A do-nothing elementwise "optimizer" with Adam's traffic: p ← p + g, m ← m, v ← v (4 reads, 3 writes). */
function floor() {
  const t = { init: () => ({}), update: () => { throw new Error('floor: fused only'); } };
  return elementwise(t, {
    buffers: [0, 0],
    emit({ b, u, buffer }) {
      b.write(buffer(0), b.input(buffer(0)));
      b.write(buffer(1), b.input(buffer(1)));
      return u;
    },
  });
}

export default async function (h) {
  for (const N of [1_000_000, 10_000_000]) {
    const label = `${N / 1e6}M params`;
    const shapes = { w: [N - 1000], b: [1000] };
    const vars = (tag) => Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tf.variable(tf.randomNormal(s, 0, 0.05, 'float32', 2), true, `${tag}_${k}_${N}`)]));
    const grads = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tf.randomNormal(s, 0, 1e-2, 'float32', 1)]));
    const o = { warmup: 3, minRuns: N > 2e6 ? 8 : 20, minMs: N > 2e6 ? 3000 : 1500 };

    const pf = vars('floor');
    const fFloor = fuse(floor(), pf);
    const pa = vars('fa');
    const fAdam = fuse(adam({ learningRate: 1e-3 }), pa);
    const pl = vars('fl');
    const fLion = fuse(lion({ learningRate: 1e-4 }), pl);
    const pt = vars('tf');
    const tfOpt = tf.train.adam(1e-3);
    const named = Object.fromEntries(Object.keys(shapes).map((k) => [pt[k].name, grads[k]]));
    const pp = vars('pure');
    const pure = adam({ learningRate: 1e-3 });
    let pureState = pure.init(pp);
    if (fAdam.engine !== 'wasm-simd') console.log(`  (fuse ran on ${fAdam.engine})`);

    const ms = await h.timeInterleaved(
      {
        floor: () => fFloor.step(grads),
        fusedAdam: () => fAdam.step(grads),
        fusedLion: () => fLion.step(grads),
        tfAdam: () => tfOpt.applyGradients(named),
        pureAdam: () => {
          const r = pure.update(grads, pureState, pp);
          applyUpdates(pp, r.updates);
          disposeParams(r.updates);
          disposeState(pureState);
          pureState = r.state;
        },
      },
      o,
    );
    const note = `${label} in 2 tensors, float32, ${fAdam.engine}`;
    const c = `adam/lion step, ${label}`;
    h.row({ suite: 'optimizers-fused', case: c, variant: 'tf.train.adam', ms: ms.tfAdam, note });
    h.row({ suite: 'optimizers-fused', case: c, variant: 'adam, tfjs path (update + applyUpdates)', ms: ms.pureAdam, baseline: 'tf.train.adam', note });
    h.row({ suite: 'optimizers-fused', case: c, variant: 'fuse(adam)', ms: ms.fusedAdam, baseline: 'tf.train.adam', note });
    h.row({ suite: 'optimizers-fused', case: c, variant: 'fuse(lion)', ms: ms.fusedLion, baseline: 'tf.train.adam', note });
    const cf = `vs memory floor, ${label}`;
    h.row({ suite: 'optimizers-fused', case: cf, variant: 'memory floor (read p, g, m, v; write p, m, v)', ms: ms.floor, note: `${((7 * 4 * N) / (ms.floor / 1e3) / 1e9).toFixed(1)} GB/s` });
    h.row({ suite: 'optimizers-fused', case: cf, variant: 'fuse(adam)', ms: ms.fusedAdam, baseline: 'memory floor (read p, g, m, v; write p, m, v)', note });
    h.row({ suite: 'optimizers-fused', case: cf, variant: 'fuse(lion)', ms: ms.fusedLion, baseline: 'memory floor (read p, g, m, v; write p, m, v)', note: 'lion moves less (p, g, m: 3 reads, 2 writes)' });

    fFloor.dispose();
    fAdam.dispose();
    fLion.dispose();
    tfOpt.dispose();
    disposeState(pureState);
    for (const t of [...Object.values(grads), ...Object.values(pf), ...Object.values(pa), ...Object.values(pl), ...Object.values(pt), ...Object.values(pp)]) t.dispose();
  }
}
