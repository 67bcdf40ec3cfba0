/**
 * Named inputs whose values a loss needs in a range (labels in [0, 1], integer group ids, ...). `compile()` checks that
 * every input is finite; these add the range check the formula needs, with a typed error naming the input.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, type Level, LosskitError, defineOp, formatIndex, input, node } from '@losskit/core';

/** An input name option: an identifier (as `input()` requires), else `INVALID_PARAMETER` naming the option. */
export function inputName(option: string, value: unknown, fallback: string): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !/^[A-Za-z_]\w*$/.test(v)) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid input name', { argument: option, expected: 'an identifier naming an input', received: JSON.stringify(v) });
  }
  return v;
}

/** Throws `INVALID_ARGUMENT` naming `name` at the first value outside `[lo, hi]` (or not an integer, with `integer`). */
export function assertValuesIn(t: Tensor, name: string, lo: number, hi: number, integer = false): void {
  const v = t.dataSync();
  const expected = integer ? `integers in [${lo}, ${hi}]` : `values in [${lo}, ${hi}]`;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!(x >= lo && x <= hi) || (integer && !Number.isInteger(x))) {
      throw new LosskitError(integer && Number.isFinite(x) && x >= lo && x <= hi ? 'NON_INTEGER_LABEL' : 'INVALID_ARGUMENT', `${name} is out of range`, {
        argument: name,
        expected,
        received: `${x} at ${formatIndex(i, t.shape)}`,
      });
    }
  }
}

const rangedInputOp = defineOp<{ name: string; lo: number; hi: number; integer: boolean }>({
  kind: 'rangedInput',
  evaluate: (_c, a, p) => {
    assertValuesIn(a[0]!, `inputs.${p.name}`, p.lo, p.hi, p.integer);
    return a[0]!;
  },
  print: (a) => a[0]!.s,
});

/** `input(name, level)` whose values must lie in `[lo, hi]` (integers with `integer`); checked on every call. */
export function rangedInput<L extends Level>(name: string, level: L, lo: number, hi: number, integer = false): Expr<L, 'any'> {
  return node(rangedInputOp, level, [input(name, level)], { name, lo, hi, integer });
}

const rangedTargetsOp = defineOp<{ lo: number; hi: number }>({
  kind: 'rangedTargets',
  evaluate: (c, _a, p) => {
    const t = c.yTrue();
    assertValuesIn(t, 'yTrue', p.lo, p.hi);
    return t;
  },
  print: (_a, _p, m) => (m === 'latex' ? 'y_j' : 'y'),
});

/** `yTrue()` whose values must lie in `[lo, hi]`; checked on every call. */
export function rangedTargets(lo: number, hi: number): Expr<'class', 'any'> {
  return node(rangedTargetsOp, 'class', [], { lo, hi });
}

/** Rows of a raw (pair-level) input as `[N, D]`, or `SHAPE_MISMATCH` naming it when it is not `[rows, ...]`. */
export function rowsOf(t: Tensor, name: string, rows: number | undefined, what: string): Tensor {
  if (t.rank < 1 || (rows !== undefined && t.shape[0] !== rows) || t.size === 0) {
    throw new LosskitError('SHAPE_MISMATCH', `${name} has the wrong shape`, { argument: name, expected: rows === undefined ? what : `[${rows}, ...] (${what})`, received: `[${t.shape.join(', ')}]` });
  }
  return tf.reshape(t, [t.shape[0]!, -1]);
}
