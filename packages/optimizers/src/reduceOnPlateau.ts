import * as tf from '@tensorflow/tfjs-core';
import { LosskitError, checkParam, params as p } from '@losskit/core';
import type { GradientTransformation } from './types.js';
import { checkParams, lossValue, mapParams, readScalar, tidy } from './types.js';

/** State of {@link reduceOnPlateau} (optax.contrib `ReduceLROnPlateauState`). */
export interface ReduceOnPlateauState {
  readonly scale: number;
  readonly bestValue: number;
  readonly plateauCount: number;
  readonly cooldownCount: number;
  /** Values accumulated towards the next average. */
  readonly count: number;
  readonly avgValue: number;
}

/** Options of {@link reduceOnPlateau}. */
export interface ReduceOnPlateauOptions {
  /** Multiplier applied on a plateau, in (0, 1). Default 0.1. */
  readonly factor?: number;
  /** Averages without improvement before reducing. Default 10. */
  readonly patience?: number;
  /** Relative improvement needed. Default 1e-4. */
  readonly rtol?: number;
  /** Absolute improvement needed. Default 0. */
  readonly atol?: number;
  /** Averages to wait after a reduction. Default 0. */
  readonly cooldown?: number;
  /** Loss values averaged per decision. Default 1. */
  readonly accumulationSize?: number;
  /** Floor of the scale. Default 0. */
  readonly minScale?: number;
}


/**
 * Reduce-on-plateau (optax.contrib `reduce_on_plateau`): scales the updates by `s`; every `accumulationSize` values of
 * `extra.value` their mean `v̄` is compared with the best: improved when `v̄ < (1 − rtol)·best − atol`; after `patience`
 * averages without improvement `s ← max(s·factor, minScale)` and a cooldown starts. Put it last in a chain (after the
 * learning rate). One read-back of the loss per step when it is a tensor.
 * @example chain(adam({ learningRate: 1e-3 }), reduceOnPlateau({ patience: 5, factor: 0.5 }))
 */
export function reduceOnPlateau(options: ReduceOnPlateauOptions = {}): GradientTransformation<ReduceOnPlateauState> {
  const factor = p.openUnitInterval('factor', options.factor ?? 0.1);
  const patience = p.positiveInteger('patience', options.patience ?? 10);
  const rtol = p.closedUnitInterval('rtol', options.rtol ?? 1e-4);
  const atol = p.nonNegative('atol', options.atol ?? 0);
  if (rtol === 0 && atol === 0) throw new LosskitError('INVALID_PARAMETER', 'one of rtol and atol must be positive', { argument: 'rtol', expected: 'rtol > 0 or atol > 0', received: '0 and 0' });
  const cooldown = checkParam('cooldown', options.cooldown ?? 0, 'an integer >= 0', (x) => Number.isInteger(x) && x >= 0);
  const acc = p.positiveInteger('accumulationSize', options.accumulationSize ?? 1);
  const minScale = p.nonNegative('minScale', options.minScale ?? 0);
  return {
    init: (params) => {
      checkParams(params, 'params');
      return { scale: 1, bestValue: Number.POSITIVE_INFINITY, plateauCount: 0, cooldownCount: 0, count: 0, avgValue: 0 };
    },
    update(grads, state, _params, extra) {
      const g = checkParams(grads, 'grads');
      const vt = lossValue(extra, 'reduceOnPlateau');
      const v = readScalar(vt);
      vt.dispose();
      if (!Number.isFinite(v)) throw new LosskitError('NON_FINITE_INPUT', 'loss value is not finite', { argument: 'extra.value', received: String(v) });
      const n = state.count + 1;
      let next: ReduceOnPlateauState = { ...state, count: n, avgValue: (state.count * state.avgValue + v) / n };
      if (n === acc) {
        const improved = next.avgValue < (1 - rtol) * state.bestValue - atol;
        const best = improved ? next.avgValue : state.bestValue;
        const plateau = improved ? 0 : state.plateauCount + 1;
        let { scale } = state;
        let pc: number;
        let cd: number;
        if (state.cooldownCount > 0) {
          pc = 0;
          cd = state.cooldownCount - 1;
        } else {
          const hit = plateau === patience;
          pc = hit ? 0 : plateau;
          scale = Math.max(hit ? scale * factor : scale, minScale);
          cd = hit ? cooldown : 0;
        }
        next = { scale, bestValue: best, plateauCount: pc, cooldownCount: cd, count: 0, avgValue: 0 };
      }
      const s = next.scale;
      return { updates: tidy(() => mapParams(g, (t) => tf.mul(t, s))), state: next };
    },
  };
}
