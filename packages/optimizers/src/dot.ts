import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, params as p } from '@losskit/core';
import type { GradientTransformation, Params, ScalarOrSchedule } from './types.js';
import { checkMatching, checkParams, checkScalarOrSchedule, checkState, mapParams, needParams, optionsOf, tidy, valueAt, zerosLikeParams } from './types.js';

/** State of {@link dot}: update count and the two momentum buffers. */
export interface DotState {
  readonly count: number;
  /** Momentum of the task-loss gradient. */
  readonly task: Params;
  /** Momentum of the distillation-loss gradient. */
  readonly distill: Params;
}

/** Options of {@link dot}. */
export interface DotOptions {
  /** Learning rate η. Default 0.05 (mdistiller's SOLVER.LR). */
  readonly learningRate?: ScalarOrSchedule;
  /** Base momentum μ. Default 0.9. */
  readonly momentum?: number;
  /** Δ: the task gradient gets momentum μ − Δ, the distillation gradient μ + Δ. Default 0.075. */
  readonly delta?: number;
  /** L2 weight decay λ added to the task gradient (`g_task + λθ`, SGD style; needs params). Default 0. */
  readonly weightDecay?: number;
}

/**
 * DOT, the Distillation-Oriented Trainer: SGD with separate momentum buffers for the task loss and the knowledge-
 * distillation loss, the distillation one with the larger momentum, so that optimisation leans towards the teacher's
 * signal. `update(taskGrads, state, params, { distill: kdGrads })`, per parameter with a distillation gradient:
 * `v_task ← (μ − Δ)·v_task + (g_task + λθ)`, `v_kd ← (μ + Δ)·v_kd + g_kd`, `θ ← θ − η·(v_task + v_kd)`; a parameter
 * missing from `extra.distill` (no distillation gradient this step) uses the base momentum μ for its task buffer and
 * its distillation buffer is left as it was. Buffers start at 0, which equals the reference's first-step copy
 * (dampening 0). Defaults η 0.05, μ 0.9, Δ 0.075, λ 0 (mdistiller `SOLVER.DOT.DELTA = 0.075`).
 * Paper: "DOT: A Distillation-Oriented Trainer", Zhao, Cui, Song & Liang, ICCV 2023 (arXiv 2307.08436); update read from
 * megvii-research/mdistiller `mdistiller/engine/dot.py`.
 * @example const opt = dot({ learningRate: 0.05 }); opt.update(taskGrads, state, params, { distill: kdGrads })
 */
export function dot(options: DotOptions = {}): GradientTransformation<DotState> {
  options = optionsOf(options);
  const lr = checkScalarOrSchedule(options.learningRate ?? 0.05, 'learningRate');
  const mu = p.unitInterval('momentum', options.momentum ?? 0.9);
  const delta = p.nonNegative('delta', options.delta ?? 0.075);
  if (mu - delta < 0 || mu + delta >= 1) {
    throw new LosskitError('INVALID_PARAMETER', 'momentum ± delta must stay in [0, 1)', { argument: 'delta', expected: `a number <= ${mu} and < ${1 - mu} (momentum ${mu})`, received: String(delta) });
  }
  const wd = p.nonNegative('weightDecay', options.weightDecay ?? 0);
  return {
    learningRate: typeof lr === 'function' ? lr : () => lr,
    init(params) {
      const ps = checkParams(params, 'params');
      return tidy(() => ({ count: 0, task: zerosLikeParams(ps), distill: zerosLikeParams(ps) }));
    },
    update(grads, state, params, extra) {
      checkState(state, { count: 'count', task: 'params', distill: 'params' });
      const g = checkMatching(grads, state.task, 'grads', 'the optimizer state');
      const w = wd > 0 ? checkMatching(needParams(params, 'dot with weightDecay'), g, 'params', 'grads') : undefined;
      const kd = extra?.distill;
      if (kd === undefined) throw new LosskitError('MISSING_INPUT', 'dot needs the distillation gradient', { argument: 'extra.distill', expected: 'update(taskGrads, state, params, { distill: kdGrads })' });
      // {} is a step without distillation gradients (every parameter takes the base momentum).
      const kdp = kd !== null && typeof kd === 'object' && !(kd instanceof tf.Tensor) && Object.keys(kd).length === 0 ? {} : checkParams(kd, 'extra.distill');
      for (const [k, t] of Object.entries(kdp)) {
        if (!(k in g)) throw new LosskitError('INVALID_ARGUMENT', `unexpected entry "${k}"`, { argument: 'extra.distill', expected: `a subset of the names of grads: ${Object.keys(g).join(', ')}`, received: Object.keys(kdp).join(', ') });
        const a = t.shape;
        const b = g[k]!.shape;
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) throw new LosskitError('SHAPE_MISMATCH', `entry "${k}" has the wrong shape`, { argument: 'extra.distill', expected: `[${b.join(', ')}] (as in grads)`, received: `[${a.join(', ')}]` });
      }
      const eta = valueAt(lr, state.count, 'learningRate');
      return tidy(() => {
        const task: Record<string, Tensor> = {};
        const distill: Record<string, Tensor> = {};
        const updates = mapParams(g, (gk, k) => {
          const gt = w ? tf.add(gk, tf.mul(w[k]!, wd)) : gk;
          const hasKd = k in kdp;
          const vt = tf.add(tf.mul(state.task[k]!, hasKd ? mu - delta : mu), gt);
          task[k] = vt;
          if (!hasKd) {
            distill[k] = tf.clone(state.distill[k]!);
            return tf.mul(vt, -eta);
          }
          const vk = tf.add(tf.mul(state.distill[k]!, mu + delta), kdp[k]!);
          distill[k] = vk;
          return tf.mul(tf.add(vt, vk), -eta);
        });
        return { updates, state: { count: state.count + 1, task, distill } };
      });
    },
  };
}
