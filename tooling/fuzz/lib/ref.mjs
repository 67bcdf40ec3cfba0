// Independent float64 references, written from the formulas (papers, anchor docs), not from the implementation.
// Each returns the value and, where cancellation is inherent to any float32 evaluation, a magnitude `mag` that
// widens the tolerance by a few float32 ulps of it. For the cross-entropy family `mag` is the magnitude of the
// shifted logits a stable algorithm forms (z_j − max z), so exact ties at ±1e30 still have to come out right.

export const EPS32 = 2 ** -23;

/** Stable log Σ exp(x). */
export function lse(x) {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  return m + Math.log(s);
}

/** `z_j − lse(z)` as `(z_j − m) − log Σ exp(z_k − m)`: exact shifts, so ties at any magnitude come out right. */
export function logSoftmax(z) {
  const m = Math.max(...z);
  const top = z.indexOf(m);
  // log Σ e^(v − m) = log1p(Σ over the others): keeps a tiny rest (e^-100) that log(1 + rest) rounds away.
  let rest = 0;
  z.forEach((v, i) => {
    if (i !== top) rest += Math.exp(v - m);
  });
  const l = Math.log1p(rest);
  return z.map((v) => v - m - l);
}

export function softmax(z) {
  return logSoftmax(z).map(Math.exp);
}

export function softplus(x) {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x) {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** `1 − p_j` of a softmax row, as Σ_{k≠j} p_k (accurate when p_j → 1). */
export function oneMinusSoftmax(z, j) {
  const m = Math.max(...z);
  let num = 0;
  let den = 0;
  z.forEach((v, k) => {
    const e = Math.exp(v - m);
    den += e;
    if (k !== j) num += e;
  });
  return num / den;
}

/** Label smoothing `t(1 − ε) + ε/C` (Szegedy et al.; Keras/tfjs categorical form). */
export function smooth(t, eps) {
  const c = t.length;
  return eps === 0 ? t : t.map((v) => v * (1 - eps) + eps / c);
}

/**
 * Cross-entropy `Σ_j t̃_j (lse(z) − z_j)` from logits with its gradient `p·Σt̃ − t̃`, computed from shifted logits
 * (exact for ties at any magnitude). `mag` = Σ_j |t̃_j|·|z_j − m| + Σ|t̃|·log C.
 */
export function ceLogits(z, t, eps = 0) {
  const tt = smooth(t, eps);
  const m = Math.max(...z);
  const c = z.length;
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const logS = Math.log(s);
  let value = 0;
  let mass = 0;
  let mag = 0;
  tt.forEach((w, j) => {
    value += w * (m - z[j] + logS);
    mass += w;
    mag += Math.abs(w) * (Math.abs(m - z[j]) + Math.log(c));
  });
  const p = z.map((v) => Math.exp(v - m) / s);
  const grad = p.map((pj, j) => pj * mass - tt[j]);
  return { value, grad, mag };
}

/** Cross-entropy from probabilities clipped to [ε, 1] (no renormalisation): `−Σ t̃_j log clip(p_j, ε, 1)`. */
export function ceProbs(p, t, eps = 0, clipEps = 1e-7) {
  const tt = smooth(t, eps);
  let value = 0;
  let mag = 0;
  tt.forEach((w, j) => {
    const l = Math.log(Math.min(Math.max(p[j], Math.fround(clipEps)), 1));
    value -= w * l;
    mag += Math.abs(w * l);
  });
  return { value, mag };
}

/** Squentropy (Hui, Belkin, Wright 2023): CE + 1/(C−1) Σ_j (1 − t_j)(z_j − t_j)². */
export function squentropy(z, t) {
  const c = z.length;
  const ce = ceLogits(z, t);
  let sq = 0;
  z.forEach((v, j) => {
    sq += (1 - t[j]) * (v - t[j]) ** 2;
  });
  return { value: ce.value + sq / (c - 1), mag: ce.mag + Math.abs(sq / (c - 1)) };
}

/**
 * Softmax focal loss (Lin et al. 2017, one α): `−α Σ_j t_j (1 − p_j)^γ log p_j`, and its gradient w.r.t. the logits
 * `∂/∂z_k = −α Σ_j t_j (δ_jk − p_k)[(1 − p_j)^γ − γ (1 − p_j)^{γ−1} p_j log p_j]` (the bracket's limit at p_j → 1 is 0).
 */
export function focalLogits(z, t, gamma, alpha) {
  const lp = logSoftmax(z);
  const p = lp.map(Math.exp);
  let value = 0;
  let mag = 0;
  const grad = z.map(() => 0);
  t.forEach((w, j) => {
    if (w === 0) return;
    const q = oneMinusSoftmax(z, j);
    const f = q === 0 ? (gamma === 0 ? 1 : 0) : q ** gamma;
    value -= alpha * w * f * lp[j];
    mag += Math.abs(alpha * w * f * lp[j]);
    const bracket = q === 0 ? (gamma === 0 ? 1 : 0) : f - gamma * q ** (gamma - 1) * p[j] * lp[j];
    for (let k = 0; k < z.length; k++) grad[k] -= alpha * w * ((j === k ? 1 : 0) - p[k]) * bracket;
  });
  return { value, grad, mag };
}

/** Focal from probabilities: `p` as given, `log p = log clip(p, ε, 1)`. */
export function focalProbs(p, t, gamma, alpha, clipEps = 1e-7) {
  let value = 0;
  let mag = 0;
  t.forEach((w, j) => {
    if (w === 0) return;
    const term = -alpha * w * (1 - p[j]) ** gamma * Math.log(Math.min(Math.max(p[j], clipEps), 1));
    value += term;
    mag += Math.abs(term);
  });
  return { value, mag };
}

/** Per-class BCE from logits `softplus(z) − t̃ z`, `t̃ = t(1 − ε) + ε/2`; `mag` covers the cancellation of the two terms. */
export function bceLogits(z, t, eps = 0) {
  const tt = eps === 0 ? t : t * (1 - eps) + 0.5 * eps;
  const sp = softplus(z);
  return { value: sp - tt * z, mag: sp + Math.abs(tt * z) };
}

/** Per-class BCE from probabilities clipped to [ε, 1 − ε] (the bounds as the float32 values a tensor clip uses). */
export function bceProbs(p, t, eps = 0, clipEps = 1e-7) {
  const tt = eps === 0 ? t : t * (1 - eps) + 0.5 * eps;
  const q = Math.min(Math.max(p, Math.fround(clipEps)), Math.fround(1 - clipEps));
  const a = -tt * Math.log(q);
  const b = -(1 - tt) * Math.log(1 - q);
  return { value: a + b, mag: Math.abs(a) + Math.abs(b) };
}

/** `x log x` with 0 log 0 = 0. */
export const xlogx = (x) => (x === 0 ? 0 : x * Math.log(x));

/** KL(t ‖ softmax(z)) = Σ t_j (log t_j − log p_j). */
export function klLogits(z, t) {
  const lp = logSoftmax(z);
  const m = Math.max(...z);
  let value = 0;
  let mag = 0;
  t.forEach((w, j) => {
    value += xlogx(w) - w * lp[j];
    mag += Math.abs(xlogx(w)) + Math.abs(w) * (Math.abs(z[j] - m) + Math.log(z.length));
  });
  return { value, mag };
}

/** Shannon entropy of softmax(z). */
export function entropyLogits(z) {
  const lp = logSoftmax(z);
  let value = 0;
  lp.forEach((l) => {
    value -= Math.exp(l) * l;
  });
  return { value, mag: Math.abs(value) + Math.log(z.length) };
}

/** Reduction of per-sample values with weights, as compile() documents it. */
export function reduce(values, weights, reduction) {
  const w = weights ?? values.map(() => 1);
  const wl = values.map((v, i) => v * w[i]);
  const sum = wl.reduce((a, b) => a + b, 0);
  switch (reduction) {
    case 'sum':
      return sum;
    case 'none':
      return wl;
    case 'weightedMean': {
      if (!weights) return sum / values.length;
      const sw = w.reduce((a, b) => a + b, 0);
      return sw === 0 ? 0 : sum / sw;
    }
    case 'sumByNonzeroWeights': {
      if (!weights) return sum / values.length;
      const nz = w.filter((v) => v !== 0).length;
      return nz === 0 ? 0 : sum / nz;
    }
    default:
      return sum / values.length;
  }
}

/**
 * Tolerance check: `|got − ref| ≤ rtol·|ref| + atol + k·EPS32·mag`. Returns undefined when it passes, else a message.
 */
export function closeTo(got, ref, { rtol = 1e-3, atol = 1e-5, mag = 0, k = 8 } = {}) {
  if (!Number.isFinite(ref)) return Number.isNaN(got) || got === ref ? undefined : `expected ${ref}, got ${got}`;
  const tol = rtol * Math.abs(ref) + atol + k * EPS32 * mag;
  if (!(Math.abs(got - ref) <= tol)) return `expected ${fmt(ref)}, got ${fmt(got)} (|error| ${fmt(Math.abs(got - ref))} > tolerance ${fmt(tol)})`;
  return undefined;
}

export const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : v.toPrecision(6)) : String(v));

/** Elementwise check of two arrays; returns the first failure message with its index. */
export function allClose(got, ref, opts = {}) {
  if (got.length !== ref.length) return `expected ${ref.length} values, got ${got.length}`;
  for (let i = 0; i < ref.length; i++) {
    const o = { ...opts, mag: Array.isArray(opts.mag) ? opts.mag[i] : (opts.mag ?? 0) };
    const m = closeTo(got[i], ref[i], o);
    if (m) return `at index ${i}: ${m}`;
  }
  return undefined;
}

/** Largest float32. */
export const F32_MAX = 3.4028234663852886e38;
