// Fused compile() vs the unfused compile, the same loss hand-written with tf ops, tf.losses (where it
// applies), the generated JS kernel, a plain JS loop, and a floor (memcpy + one SIMD exp per logit), forward and
// forward+backward (also compiled.valueAndGrad with the defaults, validation on, and with validate: false), for CE, squentropy, focal, LDR-KL and a user-composed expression at
// (B, C) ∈ {(256, 10), (4096, 1000), (512, 32000)} on the active backend (WASM with SIMD under `pnpm bench`).
import * as tf from '@tensorflow/tfjs-core';
import { ce, classConstant, compile, logProb, logit, prob, square, yTrue } from '@losskit/core';
import { simdExpFloor } from '@losskit/core/testing';

// LOSSKIT_FUSION_SIZES='[[64, 50]]' for a quick run (e.g. to check the plain JS loops against compile()).
const SIZES = process.env.LOSSKIT_FUSION_SIZES
  ? JSON.parse(process.env.LOSSKIT_FUSION_SIZES)
  : [
      [256, 10],
      [4096, 1000],
      [512, 32000],
    ];

/** The losses: DSL expression, the same loss hand-written with tf ops (one-hot targets), and a JS loop if written. */
function losses(C) {
  const ldr = (delta, lambda) =>
    logit().minus(logit().target().expand()).plus(yTrue().neg().plus(1).scale(delta)).scale(1 / lambda).logSumExp().minus(Math.log(C)).scale(lambda);
  return [
    {
      name: 'CE',
      expr: ce(),
      tfLosses: true,
      byHand: (y, z) => tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), -1))),
      js: jsCe,
    },
    {
      name: 'squentropy',
      expr: ce().plus(square().incorrect()),
      tfLosses: true,
      byHand: (y, z) =>
        tf.mean(tf.add(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), -1)), tf.div(tf.sum(tf.mul(tf.square(z), tf.sub(1, y)), -1), C - 1))),
      js: jsSquentropy,
    },
    {
      name: 'focal γ=2',
      expr: prob().neg().plus(1).pow(2).times(logProb()).times(yTrue()).sum().scale(-0.25),
      byHand: (y, z) => tf.mean(tf.mul(tf.sum(tf.mul(tf.mul(tf.square(tf.sub(1, tf.softmax(z))), tf.logSoftmax(z)), y), -1), -0.25)),
      js: jsFocal,
    },
    {
      name: 'LDR-KL δ=2 λ=1',
      expr: ldr(2, 1),
      byHand: (y, z) => {
        const zy = tf.sum(tf.mul(z, y), -1, true);
        const d = tf.add(tf.sub(z, zy), tf.mul(tf.sub(1, y), 2));
        return tf.mean(tf.sub(tf.logSumExp(d, -1), Math.log(C)));
      },
      js: jsLdr,
    },
    {
      name: 'user: ce(ε=0.1) + 0.5·relu(max z − z_y + 1) + 1e-4·lse² ',
      expr: ce({ labelSmoothing: 0.1 })
        .plus(logit().max().minus(logit().target()).plus(1).relu().scale(0.5))
        .plus(logit().logSumExp().pow(2).scale(1e-4)),
      byHand: (y, z) => {
        const lse = tf.logSumExp(z, -1);
        const ys = tf.add(tf.mul(y, 0.9), 0.1 / C);
        const ceTerm = tf.sub(tf.mul(lse, tf.sum(ys, -1)), tf.sum(tf.mul(ys, z), -1));
        const hinge = tf.mul(tf.relu(tf.add(tf.sub(tf.max(z, -1), tf.sum(tf.mul(z, y), -1)), 1)), 0.5);
        return tf.mean(tf.add(tf.add(ceTerm, hinge), tf.mul(tf.square(lse), 1e-4)));
      },
      js: jsUser,
    },
  ];
}

// ── plain JS loops (mean over the batch, integer labels), value and optionally gradient ──
function jsCe(z, labels, B, C, g) {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) if (z[o + j] > m) m = z[o + j];
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(z[o + j] - m);
    const lse = m + Math.log(s);
    total += lse - z[o + labels[i]];
    if (g) {
      for (let j = 0; j < C; j++) g[o + j] = Math.exp(z[o + j] - lse) / B;
      g[o + labels[i]] -= 1 / B;
    }
  }
  return total / B;
}
function jsSquentropy(z, labels, B, C, g) {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    const y = labels[i];
    let m = -Infinity;
    let sq = 0;
    for (let j = 0; j < C; j++) {
      const v = z[o + j];
      if (v > m) m = v;
      sq += v * v;
    }
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(z[o + j] - m);
    const lse = m + Math.log(s);
    total += lse - z[o + y] + (sq - z[o + y] * z[o + y]) / (C - 1);
    if (g) {
      for (let j = 0; j < C; j++) g[o + j] = (Math.exp(z[o + j] - lse) + (2 * z[o + j]) / (C - 1)) / B;
      g[o + y] -= (1 + (2 * z[o + y]) / (C - 1)) / B;
    }
  }
  return total / B;
}

/** Row max and log-sum-exp of z[o .. o+C). */
function rowLse(z, o, C) {
  let m = -Infinity;
  for (let j = 0; j < C; j++) if (z[o + j] > m) m = z[o + j];
  let s = 0;
  for (let j = 0; j < C; j++) s += Math.exp(z[o + j] - m);
  return m + Math.log(s);
}
/** Focal γ = 2, α = 0.25 in its per-class form with one-hot targets: -α (1 - p_y)² log p_y. */
function jsFocal(z, labels, B, C, g) {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    const y = labels[i];
    const lse = rowLse(z, o, C);
    const lp = z[o + y] - lse;
    const p = Math.exp(lp);
    total += -0.25 * (1 - p) * (1 - p) * lp;
    if (g) {
      // d/dz_k = f'(p_y) · p_y (δ_yk - p_k), f(p) = -α (1-p)² log p
      const fp = -0.25 * (-2 * (1 - p) * lp + ((1 - p) * (1 - p)) / p);
      const c = (fp * p) / B;
      for (let j = 0; j < C; j++) g[o + j] = -c * Math.exp(z[o + j] - lse);
      g[o + y] += c;
    }
  }
  return total / B;
}
/** LDR-KL δ = 2, λ = 1: lse_j(z_j - z_y + δ[j ≠ y]) - log C; gradient softmax(·)_k - [k = y]. */
function jsLdr(z, labels, B, C, g) {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    const y = labels[i];
    let m = -Infinity;
    for (let j = 0; j < C; j++) {
      const d = z[o + j] + (j === y ? 0 : 2);
      if (d > m) m = d;
    }
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(z[o + j] + (j === y ? 0 : 2) - m);
    const lse = m + Math.log(s);
    total += lse - z[o + y] - Math.log(C);
    if (g) {
      for (let j = 0; j < C; j++) g[o + j] = Math.exp(z[o + j] + (j === y ? 0 : 2) - lse) / B;
      g[o + y] -= 1 / B;
    }
  }
  return total / B;
}
/** CE(ε = 0.1) + 0.5·relu(max z - z_y + 1) + 1e-4·lse². */
function jsUser(z, labels, B, C, g) {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    const y = labels[i];
    let m = -Infinity;
    let am = 0;
    let sz = 0;
    for (let j = 0; j < C; j++) {
      const v = z[o + j];
      sz += v;
      if (v > m) {
        m = v;
        am = j;
      }
    }
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(z[o + j] - m);
    const lse = m + Math.log(s);
    const h = m - z[o + y] + 1;
    total += lse - 0.9 * z[o + y] - (0.1 / C) * sz + (h > 0 ? 0.5 * h : 0) + 1e-4 * lse * lse;
    if (g) {
      const a = 1 + 2e-4 * lse;
      for (let j = 0; j < C; j++) g[o + j] = (a * Math.exp(z[o + j] - lse) - 0.1 / C) / B;
      g[o + y] -= 0.9 / B;
      if (h > 0) {
        g[o + am] += 0.5 / B;
        g[o + y] -= 0.5 / B;
      }
    }
  }
  return total / B;
}

/** Throws unless a plain JS loop gives the compiled loss's value and gradient (so its timing is of the same loss). */
function checkJs(L, fused, logits, labels, zHost, labHost, B, C) {
  const g = new Float32Array(B * C);
  const v = L.js(zHost, labHost, B, C, g);
  const r = fused.valueAndGrad(labels, logits);
  const fv = r.value.dataSync()[0];
  const fg = r.grad.dataSync();
  let scale = 0;
  let worst = 0;
  for (let k = 0; k < g.length; k++) scale = Math.max(scale, Math.abs(fg[k]));
  for (let k = 0; k < g.length; k++) worst = Math.max(worst, Math.abs(g[k] - fg[k]));
  tf.dispose([r.value, r.grad]);
  if (Math.abs(v - fv) > 1e-4 * Math.max(1, Math.abs(fv)) || worst > 1e-3 * scale) {
    throw new Error(`plain JS loop for ${L.name} disagrees with compile(): value ${v} vs ${fv}, gradient max diff ${worst} (scale ${scale})`);
  }
}

export default async function (h) {
  const targets = [];
  for (const [B, C] of SIZES) {
    const logits = tf.randomNormal([B, C], 0, 3, 'float32', 1);
    const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 7919) % C), 'int32');
    const onehot = tf.cast(tf.oneHot(labels, C), 'float32');
    const big = B * C >= 1e6;
    const opts = big ? { warmup: 2, minRuns: 7, minMs: 0 } : { warmup: 5, minRuns: 15, minMs: 200 };
    const suite = `fusion: B=${B} C=${C}`;
    const fwd = (f) => () => tf.tidy(() => f(logits).dataSync());
    // forward+backward: the value is read back. WASM and CPU kernels run synchronously, so the gradient
    // exists when valueAndGrad returns; on WebGL its last row is read back to wait for it. (No [B, C]
    // readback, which no training step does; and no slice on WASM: tfjs-backend-wasm's slice copies its
    // whole input, 12-17 ms at 4096x1000, which would swamp every variant alike.)
    const sync = tf.getBackend() === 'webgl' ? (g) => tf.slice(g, [B - 1, 0], [1, C]).dataSync() : () => {};
    const fb = (f) => () =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((x) => f(x))(logits);
        value.dataSync();
        sync(grad);
      });
    const zHost = logits.dataSync();
    const labHost = labels.dataSync();

    // Floor: a write of B·C floats into WebAssembly memory (memcpy) plus one read of them through the
    // generated SIMD sweep with one exp per logit (see @losskit/core/testing simdExpFloor). It is timed in the
    // interleaved rounds of every case, with the variants, so that load hits it alike.
    const floorRun = simdExpFloor(B, C);
    const floorName = 'floor: memcpy + SIMD exp per logit';

    for (const L of losses(C)) {
      const fused = compile(L.expr);
      const fusedNoVal = compile(L.expr, { validate: false });
      const fusedJs = compile(L.expr, { fuse: 'js' });
      const unfused = compile(L.expr, { fuse: false });
      if (!fused.fused) throw new Error(`${L.name} did not fuse`);
      if (L.js) checkJs(L, fused, logits, labels, zHost, labHost, B, C);
      for (const mode of ['forward', 'forward+backward']) {
        const c = `${L.name} ${mode}`;
        const wrap = mode === 'forward' ? fwd : fb;
        const variants = [];
        if (L.tfLosses) variants.push(['tf.losses.softmaxCrossEntropy', wrap((x) => tf.losses.softmaxCrossEntropy(onehot, x))]);
        variants.push(['hand-written tf ops', wrap((x) => L.byHand(onehot, x))]);
        variants.push(['compiled unfused (fuse: false)', wrap((x) => unfused(labels, x))]);
        variants.push(["compiled fused, JS kernel (fuse: 'js')", wrap((x) => fusedJs(labels, x))]);
        variants.push(['compiled fused', wrap((x) => fused(labels, x))]);
        if (mode === 'forward+backward') {
          // compiled.valueAndGrad with the defaults (validate: true: the kernels check finiteness inside their
          // sweeps; the loss value is read back) and without validation, for the cost of the checks.
          variants.push(['compiled fused, valueAndGrad (defaults, validate: true)', () => tf.dispose(Object.values(fused.valueAndGrad(labels, logits)))]);
          variants.push(['compiled fused, valueAndGrad (validate: false)', () => tf.dispose(Object.values(fusedNoVal.valueAndGrad(labels, logits)))]);
        }
        if (floorRun) variants.push([floorName, () => floorRun(zHost)]);
        if (L.js) {
          const g = new Float32Array(B * C);
          variants.push([
            'plain JS loop (host arrays)',
            mode === 'forward' ? () => L.js(zHost, labHost, B, C, null) : () => L.js(zHost, labHost, B, C, g),
          ]);
        }
        // Interleaved rounds: at (256, 10) single runs take tenths of a millisecond and drift between
        // variants timed one after another would decide the ratios.
        const ms = await h.timeInterleaved(Object.fromEntries(variants), { ...opts, minMs: opts.minMs * variants.length });
        for (const [variant] of variants) {
          const note = variant === 'compiled fused' ? `engine ${fused.engine}` : undefined;
          h.row({ suite, case: c, variant, ms: ms[variant], baseline: variant === 'hand-written tf ops' ? undefined : 'hand-written tf ops', ...(note ? { note } : {}) });
        }
        targets.push({ size: `${B}x${C}`, c, ms, floorMs: ms[floorName], engine: fused.engine });
      }
    }
    tf.dispose([logits, labels, onehot]);
  }
  // The targets as ratios from the rows above (ms / baseline ms; lower is faster).
  const t = 'fusion targets (ratio = fused ms / baseline ms)';
  for (const r of targets) {
    // forward+backward: the defaults of compiled.valueAndGrad (validation on); forward: the compiled loss call.
    const variant = r.ms['compiled fused, valueAndGrad (defaults, validate: true)'] !== undefined ? 'compiled fused, valueAndGrad (defaults, validate: true)' : 'compiled fused';
    const fusedMs = r.ms[variant];
    const add = (_v, base, baseMs) => {
      h.row({ suite: t, case: `${r.size} ${r.c} | vs ${base}`, variant: base, ms: baseMs });
      h.row({ suite: t, case: `${r.size} ${r.c} | vs ${base}`, variant, ms: fusedMs, baseline: base });
    };
    if (r.ms['tf.losses.softmaxCrossEntropy'] !== undefined) add('compiled fused', 'tf.losses.softmaxCrossEntropy', r.ms['tf.losses.softmaxCrossEntropy']);
    add('compiled fused', 'hand-written tf ops', r.ms['hand-written tf ops']);
    if (r.floorMs !== undefined) add('compiled fused', 'floor: memcpy + SIMD exp per logit', r.floorMs);
  }
}
