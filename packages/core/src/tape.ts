/**
 * Gradient-tape hygiene. tfjs's `engine.gradients()` resets its tape only when it succeeds: if the
 * differentiated function throws (a rejected batch, a shape error), `activeTape` stays set and every
 * tensor its nodes saved for the backward pass stays kept, so each failing call leaks them.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';

interface TapeEngineState {
  gradientDepth: number;
  activeTape: { saved?: Tensor[] }[] | null;
}

const engineState = () => (tf.engine() as unknown as { state: TapeEngineState }).state;

/**
 * Runs `fn`; if it throws while no gradient computation was open when it started, disposes what the
 * abandoned tape saved and clears the tape, so the engine is left exactly as it was found.
 * Used by every losskit entry point that differentiates; exported for the sibling packages.
 */
export function cleanTapeOnError<T>(fn: () => T): T {
  const outer = engineState().gradientDepth > 0;
  try {
    return fn();
  } catch (e) {
    const st = engineState();
    if (!outer && st.gradientDepth === 0 && st.activeTape != null) {
      for (const node of st.activeTape) for (const t of node.saved ?? []) t.dispose();
      st.activeTape = null;
    }
    throw e;
  }
}

/**
 * `f(x)` and `∂f/∂x` like `tf.valueAndGrad`, with two differences: a function that does not depend on
 * `x` gets a zero gradient (tfjs throws "Cannot compute gradient"), and a throw leaves no tape behind
 * (see {@link cleanTapeOnError}). The caller owns both results.
 */
export function valueAndGradOf(f: (x: Tensor) => Scalar, x: Tensor): { value: Scalar; grad: Tensor } {
  return cleanTapeOnError(() => {
    const { value, grads } = tf.engine().gradients(() => f(x), [x], undefined, true);
    const g = grads[0];
    return { value: value as Scalar, grad: g ?? tf.zerosLike(x) };
  });
}
