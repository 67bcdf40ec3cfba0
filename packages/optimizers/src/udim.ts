import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, oneHotRows, params as p, valueAndGradOf } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkMatching, checkParams, checkTransform, disposeParams, globalSquaredNorm, mapParams, needParams, optionsOf, tidy } from './types.js';
import { lossClosure } from './apply.js';

/**
 * A classifier for UDIM: `forward(params, x)` returns the penultimate features `[N, F]` and the logits `[N, C]`, where
 * `logits = features·params[kernel] (+ params[bias])` (a linear head `[F, C]`, `[C]`). The forward pass must be a pure
 * function of `params` (no tfjs-layers state), so UDIM can evaluate it at perturbed parameters and inputs.
 */
export interface UdimModel {
  forward(params: Params, x: Tensor): { readonly features: Tensor; readonly logits: Tensor };
  /** Name of the head's kernel `[F, C]` in params. */
  readonly kernel: string;
  /** Name of the head's bias `[C]`, if any. */
  readonly bias?: string;
}

/** What {@link udim} reads from `extra.udim`: the model and the batch. */
export interface UdimBatch {
  readonly model: UdimModel;
  /** Inputs `[N, ...]`. */
  readonly x: Tensor;
  /** Integer labels `[N]`. */
  readonly labels: Tensor;
}

/** State of {@link udim}: the step count (for the SAM warm-up) and the base optimizer's state. */
export interface UdimState<S> {
  readonly count: number;
  readonly inner: S;
}

/** Options of {@link udim}. */
export interface UdimOptions {
  /** SAM radius ρ (parameter perturbation) and the weight of the gradient-norm term of the instance perturbation. Default 0.05. */
  readonly rho?: number;
  /** Step of the instance perturbation (the perturbed inputs move by synLr along the batch-normalised input gradient). Default 1. */
  readonly synLr?: number;
  /** Weight λ of the inconsistency gradient added to the SAM gradient. Default 1. */
  readonly lambda?: number;
  /** Steps of plain SAM before UDIM starts (the reference warms up with SAM). Default 0. */
  readonly warmupSteps?: number;
}

/** Mean softmax cross-entropy of logits `[N, C]` against one-hot rows. */
function meanCe(logits: Tensor, hot: Tensor): Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(hot, tf.logSoftmax(logits)), -1))) as Scalar;
}

/**
 * Unknown Domain Inconsistency Minimization around a base optimizer: SAM on the source data plus a penalty on the
 * loss-landscape inconsistency between the source batch and an "unknown domain" crafted by perturbing its inputs.
 * Per step, with `g` the incoming gradient of the mean cross-entropy at θ and `extra.udim = { model, x, labels }`:
 * 1. perturbed inputs `x̃ = x + synLr·n(∇ₓ[CE(x) + ρ‖∇_head CE(x)‖])`, n normalising each input coordinate over the
 *    batch (`F.normalize(·, dim=0)`), one ascent step;
 * 2. the SAM gradient `g_SAM = ∇CE(θ + ρg/‖g‖; x)`;
 * 3. the inconsistency gradient `g_I = ∇_θ[½Σ_{d∈{x, x̃}} mean((Var_d − V̄)²) + Σ_head mean_{x̃}‖∇ℓᵢ‖²/dim]`, where Var_d is
 *    the per-coordinate variance of the per-sample head gradients `(pᵢ − yᵢ)⊗hᵢ` on x and on x̃ (both centred at the
 *    source mean, as the reference) and V̄ their average — a Fishr-style matching of the two domains' loss curvature;
 * 4. the base optimizer steps with `g_SAM + λ·g_I`.
 * As the authors' code, the per-sample gradients and the curvature terms use the linear head only (BackPACK on the
 * classifier there, closed form here). Deviation: the gradient-norm term of step 1 is over the head's parameters,
 * not all parameters (the head's gradient is closed form; all parameters would need a Hessian-vector product through
 * the caller's model). Needs `params` and
 * `extra.udim`; the state is `{ count, inner }`. Defaults ρ 0.05, synLr 1, λ 1, no warm-up.
 * Paper: "Unknown Domain Inconsistency Minimization for Domain Generalization", Shin, Bae, Na, Kim & Moon, ICLR 2024
 * (arXiv 2403.07329); steps read from aailabkaist/UDIM `UDIM_main/domainbed/iada/iada_final.py` (non-style path).
 * @example const opt = udim(sgd({ learningRate: 0.05 }), { rho: 0.05 }); opt.update(g, s, params, { udim: { model, x, labels } })
 */
export function udim<S>(base: GradientTransformation<S>, options: UdimOptions = {}): GradientTransformation<UdimState<S>> {
  checkTransform(base, 'base');
  options = optionsOf(options);
  const rho = p.nonNegative('rho', options.rho ?? 0.05);
  const synLr = p.nonNegative('synLr', options.synLr ?? 1);
  const lambda = p.nonNegative('lambda', options.lambda ?? 1);
  const warmup = checkWarmup(options.warmupSteps ?? 0);
  return {
    ...(base.learningRate ? { learningRate: base.learningRate } : {}),
    init: (params) => ({ count: 0, inner: base.init(params) }),
    update(grads, state, params, extra): UpdateResult<UdimState<S>> {
      if (state === null || typeof state !== 'object' || !Number.isInteger((state as UdimState<S>).count) || (state as UdimState<S>).count < 0 || !('inner' in state)) {
        throw new LosskitError('INVALID_ARGUMENT', 'not a state of this transformation', { argument: 'state', expected: 'the state udim(...).init() returned: { count, inner }', received: state === null ? 'null' : typeof state });
      }
      const g = checkParams(grads, 'grads');
      const w = checkMatching(needParams(params, 'udim'), g, 'params', 'grads');
      const batch = checkBatch(extra?.udim, w);
      const hot = tidy(() => oneHotRows(batch.labels, w[batch.model.kernel]!.shape[1]!));
      const ce = (ps: Params, x: Tensor) => {
        const { logits } = batch.model.forward(ps, x);
        return meanCe(logits, hot);
      };
      let gSam: Params | undefined;
      let gI: Params | undefined;
      let xt: Tensor | undefined;
      try {
        // 2. SAM gradient at θ + ρ g/‖g‖.
        const perturbed = tidy(() => {
          const s = tf.div(rho, tf.add(tf.sqrt(globalSquaredNorm(g)), 1e-12));
          return mapParams(w, (t, k) => tf.add(t, tf.mul(g[k]!, s)));
        });
        try {
          const r = lossClosure((ps) => ce(ps, batch.x))(perturbed);
          r.value.dispose();
          gSam = r.grads;
        } finally {
          disposeParams(perturbed);
        }
        if (state.count < warmup) {
          const r = base.update(gSam, state.inner, params, extra);
          return { updates: r.updates, state: { count: state.count + 1, inner: r.state } };
        }
        // 1. Perturbed instances: one normalised ascent step on CE + ρ‖∇_head CE‖.
        xt = tidy(() => {
          const { grad, value } = valueAndGradOf((x) => {
            const { features, logits } = batch.model.forward(w, x);
            const resid = tf.sub(tf.softmax(logits), hot); // p − y
            const n = features.shape[0]!;
            const gW = tf.div(tf.matMul(features, resid, true, false), n);
            let sq = tf.sum(tf.square(gW));
            if (batch.model.bias) sq = tf.add(sq, tf.sum(tf.square(tf.mean(resid, 0))));
            return tf.add(meanCe(logits, hot), tf.mul(rho, tf.sqrt(tf.add(sq, 1e-24)))) as Scalar;
          }, batch.x);
          value.dispose();
          const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(grad), 0, true)), 1e-12);
          return tf.add(batch.x, tf.mul(tf.div(grad, norm), synLr));
        });
        // 3. Inconsistency gradient at θ.
        const n = batch.x.shape[0]!;
        const both = tidy(() => tf.concat([batch.x, xt!], 0));
        const hot2 = tidy(() => tf.concat([hot, hot], 0));
        try {
          const r = lossClosure((ps) => {
            const { features, logits } = batch.model.forward(ps, both);
            const resid = tf.sub(tf.softmax(logits), hot2); // [2N, C]
            const F = features.shape[1]!;
            const C = resid.shape[1]!;
            // Per-sample head gradients: kernel (h ⊗ (p − y)) [2N, F·C], bias (p − y) [2N, C].
            const perSample: Tensor[] = [tf.reshape(tf.mul(tf.expandDims(features, 2), tf.expandDims(resid, 1)), [2 * n, F * C])];
            if (batch.model.bias) perSample.push(resid);
            const vo: Tensor[] = [];
            const vs: Tensor[] = [];
            let normTerm: Tensor = tf.scalar(0);
            for (const gi of perSample) {
              const o = tf.slice(gi, [0, 0], [n, -1]);
              const s = tf.slice(gi, [n, 0], [n, -1]);
              const mo = tf.mean(o, 0, true);
              vo.push(tf.mean(tf.square(tf.sub(o, mo)), 0));
              vs.push(tf.mean(tf.square(tf.sub(s, mo)), 0));
              normTerm = tf.add(normTerm, tf.div(tf.mean(tf.sum(tf.square(s), 1)), gi.shape[1]!));
            }
            const v0 = tf.concat(vo);
            const v1 = tf.concat(vs);
            const vbar = tf.div(tf.add(v0, v1), 2);
            const fishr = tf.div(tf.add(tf.mean(tf.square(tf.sub(v0, vbar))), tf.mean(tf.square(tf.sub(v1, vbar)))), 2);
            // Every parameter stays on the tape (zero gradient where the penalty does not depend on it).
            const tie = tf.mul(0, tf.addN(Object.values(ps).map((t) => tf.sum(t))));
            return tf.add(tf.add(fishr, normTerm), tie) as Scalar;
          })(w);
          r.value.dispose();
          gI = r.grads;
        } finally {
          both.dispose();
          hot2.dispose();
        }
        const merged = tidy(() => mapParams(gSam!, (t, k) => tf.add(t, tf.mul(gI![k]!, lambda))));
        try {
          const r = base.update(merged, state.inner, params, extra);
          return { updates: r.updates, state: { count: state.count + 1, inner: r.state } };
        } finally {
          disposeParams(merged);
        }
      } finally {
        hot.dispose();
        if (gSam) disposeParams(gSam);
        if (gI) disposeParams(gI);
        xt?.dispose();
      }
    },
  };
}

function checkWarmup(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'warmupSteps', expected: 'an integer >= 0', received: String(v) });
  return v;
}

function checkBatch(b: unknown, w: Params): UdimBatch {
  if (b === undefined) throw new LosskitError('MISSING_INPUT', 'udim needs the model and the batch', { argument: 'extra.udim', expected: 'update(grads, state, params, { udim: { model, x, labels } })' });
  const batch = b as Partial<UdimBatch>;
  const m = batch.model as Partial<UdimModel> | undefined;
  if (!m || typeof m.forward !== 'function' || typeof m.kernel !== 'string') {
    throw new LosskitError('INVALID_ARGUMENT', 'extra.udim.model must be { forward(params, x), kernel, bias? }', { argument: 'extra.udim.model', expected: '{ forward: (params, x) => { features, logits }, kernel: string, bias?: string }', received: typeof m });
  }
  const k = w[m.kernel];
  if (!k || k.rank !== 2) throw new LosskitError('INVALID_ARGUMENT', `the head kernel "${m.kernel}" is not a matrix in params`, { argument: 'extra.udim.model.kernel', expected: `the name of a [F, C] parameter: ${Object.keys(w).join(', ')}`, received: k ? `shape [${k.shape.join(', ')}]` : 'missing' });
  if (m.bias !== undefined && (!w[m.bias] || w[m.bias]!.rank !== 1 || w[m.bias]!.shape[0] !== k.shape[1])) {
    throw new LosskitError('INVALID_ARGUMENT', `the head bias "${m.bias}" does not match the kernel`, { argument: 'extra.udim.model.bias', expected: `a [${k.shape[1]}] parameter`, received: w[m.bias] ? `shape [${w[m.bias]!.shape.join(', ')}]` : 'missing' });
  }
  if (!(batch.x instanceof tf.Tensor) || batch.x.isDisposed || batch.x.rank < 2 || batch.x.shape[0] === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'extra.udim.x must be a batch of inputs', { argument: 'extra.udim.x', expected: 'a live tensor [N, ...] with N >= 1', received: batch.x instanceof tf.Tensor ? `shape [${batch.x.shape.join(', ')}]` : typeof batch.x });
  }
  const y = batch.labels;
  if (!(y instanceof tf.Tensor) || y.isDisposed || y.rank !== 1 || y.shape[0] !== batch.x.shape[0]) {
    throw new LosskitError('SHAPE_MISMATCH', 'extra.udim.labels must be one integer label per input', { argument: 'extra.udim.labels', expected: `a tensor [${batch.x.shape[0]}]`, received: y instanceof tf.Tensor ? `shape [${y.shape.join(', ')}]` : typeof y });
  }
  const lab = y.dataSync();
  const C = k.shape[1]!;
  for (let i = 0; i < lab.length; i++) {
    if (!Number.isInteger(lab[i]) || lab[i]! < 0 || lab[i]! >= C) throw new LosskitError('LABEL_OUT_OF_RANGE', 'a label is outside the classes', { argument: 'extra.udim.labels', expected: `integers in [0, ${C - 1}]`, received: `${lab[i]} at index ${i}` });
  }
  return batch as UdimBatch;
}
