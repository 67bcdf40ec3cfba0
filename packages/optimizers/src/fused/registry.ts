/**
 * Which transformations are elementwise, and how: each registers an {@link ElementwiseSpec} that emits its update as
 * {@link Builder} nodes mirroring its tfjs ops one for one (same order, same float32 scalars), so the fused kernel
 * reproduces the tfjs path. `chain` registers its parts so that a chain of elementwise transforms fuses as a whole.
 * @internal
 */
import type { GradientTransformation } from '../types.js';
import type { Builder, Expr } from './ir.js';

/** What a spec's emitter gets: the incoming update, the params and grads streams, and its own state streams. */
export interface EmitContext {
  readonly b: Builder;
  readonly u: Expr;
  readonly p: Expr;
  readonly g: Expr;
  /** Stream index of this transform's i-th state buffer. */
  readonly buffer: (i: number) => number;
  /** A per-step scalar; `value(count)` gives it for the update number `count` (0 for the first update). */
  readonly scalar: (value: (count: number) => number) => Expr;
}

/** An elementwise transformation: per-parameter state buffers (their initial fill values) and its emitter. */
export interface ElementwiseSpec {
  readonly buffers: readonly number[];
  /** Emits the new update (and writes its state buffers with `b.write`). */
  emit(ctx: EmitContext): Expr;
}

const specs = new WeakMap<object, ElementwiseSpec>();
const parts = new WeakMap<object, readonly GradientTransformation<any>[]>();

/** Registers `t` as elementwise; returns `t`. */
export function elementwise<T extends GradientTransformation<any>>(t: T, spec: ElementwiseSpec): T {
  specs.set(t, spec);
  return t;
}

/** Registers a chain's parts; returns the chain. */
export function chained<T extends GradientTransformation<any>>(t: T, of: readonly GradientTransformation<any>[]): T {
  parts.set(t, of);
  return t;
}

/** The elementwise specs of `t` in order (a chain flattened), or `undefined` if some part is not elementwise. */
export function specsOf(t: GradientTransformation<any>): ElementwiseSpec[] | undefined {
  const s = specs.get(t);
  if (s) return [s];
  const ps = parts.get(t);
  if (!ps) return undefined;
  const out: ElementwiseSpec[] = [];
  for (const p of ps) {
    const sub = specsOf(p);
    if (!sub) return undefined;
    out.push(...sub);
  }
  return out;
}
