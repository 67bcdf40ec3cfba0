import type { Tensor } from '@tensorflow/tfjs-core';
import type { EvalContext } from './context.js';
import { LosskitError } from './errors.js';

/**
 * What an expression is computed over, and so its shape for a batch of B examples with C classes:
 * `class` → `[B, C]`, `sample` → `[B]`, `pair` → `[B, B]`, `batch` → scalar.
 */
export type Level = 'class' | 'sample' | 'pair' | 'batch';

/** What prediction an expression needs: `any` works on logits and probabilities, `logits` only on logits. */
export type Needs = 'any' | 'logits';

/** `logits` if either side needs logits, else `any`. */
export type JoinNeeds<A extends Needs, B extends Needs> = 'logits' extends A | B ? 'logits' : 'any';

/** The level one reduction step lands on: class → sample, pair → sample, sample → batch. */
export type Reduced<L extends Level> = L extends 'class' | 'pair' ? 'sample' : L extends 'sample' ? 'batch' : never;

/** The reductions that take a level down one step, for error messages. */
type ReduceHint<L extends Level> = L extends 'class'
  ? '.target(), .incorrect(), .sum(), .mean(), .max() or .logSumExp()'
  : L extends 'pair'
    ? '.positives(), .negatives(), .sum(), .mean() or .max()'
    : L extends 'sample'
      ? '.mean() or .sum()'
      : 'nothing (it is already a scalar)';

/**
 * The type of the right-hand side of `plus`, `minus`, `times`, `div` and `where`: an expression at the
 * same level. At another level the parameter type carries a readable `levelError`, so the editor says
 * which reduction is missing, e.g. for `ce().plus(square())`:
 * `cannot combine a sample-level term with a class-level term: reduce the class-level term first with .target(), ...`.
 */
export type SameLevel<L extends Level, O extends Level, K extends Needs> = [O] extends [L]
  ? Expr<O, K>
  : Expr<O, K> & {
      readonly levelError: `cannot combine a ${L}-level term with a ${O}-level term: reduce the ${O}-level term first with ${ReduceHint<O>}`;
    };

/** A printed sub-expression with the binding strength of its outermost operator. */
export interface Printed {
  readonly s: string;
  readonly prec: number;
}

/** Operator precedence used when printing; higher binds tighter. */
export const PREC = { sum: 10, product: 20, unary: 30, power: 40, atom: 100 } as const;

/** Wraps a printed argument in parentheses when it binds looser than `min`. */
export function paren(p: Printed, min: number, mode: 'text' | 'latex'): string {
  if (p.prec >= min) return p.s;
  return mode === 'latex' ? `\\left(${p.s}\\right)` : `(${p.s})`;
}

/**
 * The definition of one kind of expression node: how to evaluate it on tensors and how to print it.
 * Packages add primitives with {@link defineOp}; the IR itself never changes.
 */
export interface OpSpec<P = Record<string, unknown>> {
  /** Node kind, unique across packages (`ce`, `plus`, `sparsemax`, ...). */
  readonly kind: string;
  /** Evaluates the node from its evaluated arguments. Runs inside `tf.tidy`. */
  readonly evaluate: (ctx: EvalContext, args: readonly Tensor[], params: P) => Tensor;
  /** Prints the node given its printed arguments. */
  readonly print: (args: readonly Printed[], params: P, mode: 'text' | 'latex') => string;
  /** Binding strength of the printed form (see {@link PREC}); default atom. */
  readonly prec?: number;
}

/** Registers nothing globally: an op spec is just data that nodes point at. */
export function defineOp<P = Record<string, unknown>>(spec: OpSpec<P>): OpSpec<P> {
  return Object.freeze(spec);
}

type AnyOp = OpSpec<any>;
type Operand<L extends Level, K extends Needs> = number | Expr<L, K>;

/**
 * An immutable loss expression. Building never touches tensors; `compile()` turns the tree into a
 * tfjs function. `L` is the level (see {@link Level}) and `K` whether the expression needs logits.
 * Every method returns a new node; the receiver is never changed.
 */
export class Expr<L extends Level = Level, K extends Needs = Needs> {
  readonly level: L;
  readonly needs: K;
  readonly op: AnyOp;
  readonly args: readonly Expr[];
  readonly params: Readonly<Record<string, unknown>>;
  /** Name given by {@link Expr.named}; `compile().parts()` reports every named sub-expression. */
  readonly label: string | undefined;
  /** Canonical structural key: equal keys compute equal values, so compile evaluates them once. */
  readonly key: string;

  /** @internal use {@link node} */
  constructor(
    op: AnyOp,
    level: L,
    needs: K,
    args: readonly Expr[],
    params: Readonly<Record<string, unknown>>,
    label?: string,
  ) {
    this.op = op;
    this.level = level;
    this.needs = needs;
    this.args = Object.freeze([...args]);
    this.params = Object.freeze({ ...params });
    this.label = label;
    this.key = `${op.kind}${label ? `#${label}` : ''}(${[
      ...this.args.map((a) => a.key),
      ...Object.entries(this.params).map(([k, v]) => `${k}=${keyOf(v)}`),
    ].join(',')})`;
    Object.freeze(this);
  }

  // ── arithmetic (same level) ──────────────────────────────────────────────
  /** `this + other` elementwise; `other` is a number or a same-level expression. */
  plus<O extends Level, K2 extends Needs = 'any'>(other: number | SameLevel<L, O, K2>): Expr<L, JoinNeeds<K, K2>> {
    return binary('plus', this, other as Operand<L, K2>);
  }
  /** `this - other` elementwise. */
  minus<O extends Level, K2 extends Needs = 'any'>(other: number | SameLevel<L, O, K2>): Expr<L, JoinNeeds<K, K2>> {
    return binary('minus', this, other as Operand<L, K2>);
  }
  /** `this * other` elementwise. */
  times<O extends Level, K2 extends Needs = 'any'>(other: number | SameLevel<L, O, K2>): Expr<L, JoinNeeds<K, K2>> {
    return binary('times', this, other as Operand<L, K2>);
  }
  /** `this / other` elementwise. */
  div<O extends Level, K2 extends Needs = 'any'>(other: number | SameLevel<L, O, K2>): Expr<L, JoinNeeds<K, K2>> {
    return binary('div', this, other as Operand<L, K2>);
  }
  /** Elementwise maximum of `this` and `other`. */
  maximum<O extends Level, K2 extends Needs = 'any'>(other: number | SameLevel<L, O, K2>): Expr<L, JoinNeeds<K, K2>> {
    return binary('maximum', this, other as Operand<L, K2>);
  }
  /** Elementwise minimum of `this` and `other`. */
  minimum<O extends Level, K2 extends Needs = 'any'>(other: number | SameLevel<L, O, K2>): Expr<L, JoinNeeds<K, K2>> {
    return binary('minimum', this, other as Operand<L, K2>);
  }
  /** `w · this` for a constant weight `w` (prints as a coefficient). */
  scale(w: number): Expr<L, K> {
    return unary('scale', this, { w: finiteParam('w', w) });
  }
  /** `this ^ p` elementwise, for a constant exponent. */
  pow(p: number): Expr<L, K> {
    return unary('pow', this, { p: finiteParam('p', p) });
  }
  /** `-this`. */
  neg(): Expr<L, K> {
    return unary('neg', this, {});
  }
  /** Clamps to `[lo, hi]` (gradient 0 outside, as `tf.clipByValue`). */
  clip(lo: number, hi: number): Expr<L, K> {
    if (!(lo <= hi)) {
      throw new LosskitError('INVALID_PARAMETER', 'clip bounds are reversed', {
        argument: 'clip(lo, hi)',
        expected: 'lo <= hi',
        received: `lo=${lo}, hi=${hi}`,
      });
    }
    return unary('clip', this, { lo, hi });
  }
  /** Same value, no gradient (stop-gradient). */
  detach(): Expr<L, K> {
    return unary('detach', this, {});
  }
  /** `mask != 0 ? this : otherwise` elementwise; `mask` is a same-level expression. */
  where<O extends Level, K2 extends Needs = 'any'>(mask: SameLevel<L, O, K2>, otherwise = 0): Expr<L, JoinNeeds<K, K2>> {
    if (!(mask instanceof Expr)) {
      throw new LosskitError('INVALID_ARGUMENT', '.where() takes a mask expression', { argument: 'mask', expected: 'an expression at the same level', received: typeof mask });
    }
    return make(ops().where, this.level, [this, mask as Expr], { otherwise: finiteParam('otherwise', otherwise) }, this.needs);
  }

  // ── elementwise functions ────────────────────────────────────────────────
  /** `exp(this)`. */
  exp(): Expr<L, K> {
    return unary('exp', this, {});
  }
  /** Natural log. */
  log(): Expr<L, K> {
    return unary('log', this, {});
  }
  /** `log(1 + this)`, accurate near 0. */
  log1p(): Expr<L, K> {
    return unary('log1p', this, {});
  }
  /** Square root. */
  sqrt(): Expr<L, K> {
    return unary('sqrt', this, {});
  }
  /** `|this|`. */
  abs(): Expr<L, K> {
    return unary('abs', this, {});
  }
  /** `max(this, 0)`. */
  relu(): Expr<L, K> {
    return unary('relu', this, {});
  }
  /** `log(1 + e^this)`, stable for large inputs. */
  softplus(): Expr<L, K> {
    return unary('softplus', this, {});
  }
  /** `1 / (1 + e^-this)`. */
  sigmoid(): Expr<L, K> {
    return unary('sigmoid', this, {});
  }
  /** `log σ(this) = -softplus(-this)`, stable. */
  logSigmoid(): Expr<L, K> {
    return unary('logSigmoid', this, {});
  }

  // ── class → class normalizers ────────────────────────────────────────────
  /** Softmax over classes. */
  softmax(this: Expr<'class', K>): Expr<'class', K> {
    return unary('softmax', this, {}) as Expr<'class', K>;
  }
  /** Log-softmax over classes, `x_j - logsumexp(x)`. */
  logSoftmax(this: Expr<'class', K>): Expr<'class', K> {
    return unary('logSoftmax', this, {}) as Expr<'class', K>;
  }
  /** Standardizes over classes: `(x - mean(x)) / std(x)` (population std, floored at 1e-12). */
  zNormalize(this: Expr<'class', K>): Expr<'class', K> {
    return unary('zNormalize', this, {}) as Expr<'class', K>;
  }
  /** Mean over the batch, broadcast back to every row: the batch-marginal `p̄ = (1/B) Σ_i p_i`. */
  batchMean(this: Expr<'class', K>): Expr<'class', K> {
    return unary('batchMean', this, {}) as Expr<'class', K>;
  }

  /** Repeats a per-sample value across classes (`[B]` → `[B, C]` by broadcasting), e.g. to normalize: `x.div(x.pow(2).sum().sqrt().expand())`. */
  expand(this: Expr<'sample', K>): Expr<'class', K> {
    return make(ops().expand, 'class', [this], {}, this.needs) as Expr<'class', K>;
  }

  // ── class → sample selectors ─────────────────────────────────────────────
  /** The value at the target class: `x_y` (for soft targets, `Σ_j t_j x_j`). */
  target(this: Expr<'class', K>): Expr<'sample', K> {
    return reduce('target', this);
  }
  /** Mean over the incorrect classes: `1/(C-1) Σ_{j≠y} x_j` (soft targets: `Σ_j (1-t_j) x_j / (C-1)`). */
  incorrect(this: Expr<'class', K>): Expr<'sample', K> {
    return reduce('incorrect', this);
  }
  /** Max over classes (class level) or rows (pair level). */
  max(this: Expr<'class' | 'pair', K>): Expr<'sample', K> {
    return reduce('max', this);
  }
  /** Min over classes (class level) or rows (pair level). */
  min(this: Expr<'class' | 'pair', K>): Expr<'sample', K> {
    return reduce('min', this);
  }
  /** `log Σ_j exp(x_j)` over classes, computed stably. */
  logSumExp(this: Expr<'class' | 'pair', K>): Expr<'sample', K> {
    return reduce('logSumExp', this);
  }
  /** Mean of the `k` largest values over classes. */
  topk(this: Expr<'class', K>, k: number): Expr<'sample', K> {
    if (!Number.isInteger(k) || k < 1) {
      throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', {
        argument: 'k',
        expected: 'an integer >= 1',
        received: String(k),
      });
    }
    return make(ops().topk, 'sample', [this], { k }, this.needs);
  }

  // ── reductions one level down ────────────────────────────────────────────
  /** Sum one level down: over classes (class → sample), rows (pair → sample) or the batch (sample → batch). */
  sum(): Expr<Reduced<L>, K> {
    return reduce(this.level === 'sample' ? 'batchSum' : 'sum', this as Expr) as Expr<Reduced<L>, K>;
  }
  /** Mean one level down: over classes (class → sample), rows (pair → sample) or the batch (sample → batch). */
  mean(): Expr<Reduced<L>, K> {
    return reduce(this.level === 'sample' ? 'batchMean' : 'mean', this as Expr) as Expr<Reduced<L>, K>;
  }

  // ── pair level (metric learning) ──────────────────────────────────────────
  // Methods forward to the free functions of ./pair.ts, which registers them when it loads.
  /** @internal set by ./pair.ts */
  static pairMethods: import('./pair.js').PairMethods | undefined;
  /** @internal */
  static pairFns(): import('./pair.js').PairMethods {
    if (!Expr.pairMethods) throw new Error('losskit: pair ops not loaded (import @losskit/core)');
    return Expr.pairMethods;
  }
  /** Masked row reduction over `mask ≠ 0` (pair → sample); empty rows give 0. See `overRow`. */
  over<K2 extends Needs>(this: Expr<'pair', K>, mask: Expr<'pair', K2>, how: import('./pair.js').RowReduce = 'mean'): Expr<'sample', K | K2> {
    return Expr.pairFns().overRow(this, mask, how);
  }
  /** Reduces each row over its positives `j: y_j = y_i, j ≠ i` (default mean); empty rows give 0. */
  positives(this: Expr<'pair', K>, how: import('./pair.js').RowReduce = 'mean'): Expr<'sample', K> {
    return Expr.pairFns().positives(this, how);
  }
  /** Reduces each row over its negatives `j: y_j ≠ y_i` (default mean); empty rows give 0. */
  negatives(this: Expr<'pair', K>, how: import('./pair.js').RowReduce = 'mean'): Expr<'sample', K> {
    return Expr.pairFns().negatives(this, how);
  }
  /** Hardest positive (farthest) or negative (nearest) per anchor; `as: 'similarity'` flips max/min. */
  hardest(this: Expr<'pair', K>, which: 'positives' | 'negatives', as: 'distance' | 'similarity' = 'distance'): Expr<'sample', K> {
    return Expr.pairFns().hardest(this, which, as);
  }
  /** `x_ij → x_ji`. */
  transpose(this: Expr<'pair', K>): Expr<'pair', K> {
    return Expr.pairFns().transpose(this);
  }
  // ── end pair level ──

  // ── naming and printing ──────────────────────────────────────────────────
  /** Names this sub-expression; `compile(expr).parts(...)` then reports its value under `name`. */
  named(name: string): Expr<L, K> {
    if (!/^[A-Za-z_][\w.-]*$/.test(name)) {
      throw new LosskitError('INVALID_ARGUMENT', 'invalid term name', {
        argument: 'name',
        expected: 'an identifier such as "ce" or "reg.l2"',
        received: JSON.stringify(name),
      });
    }
    return new Expr(ops().named, this.level, this.needs, [this], {}, name);
  }
  /** Plain-text formula, e.g. `ce + mean_{j≠y} (z - y)^2`. */
  toString(): string {
    return printExpr(this, 'text').s;
  }
  /** LaTeX formula for KaTeX/MathJax. */
  toLatex(): string {
    return printExpr(this, 'latex').s;
  }
}

function keyOf(v: unknown): string {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `[${Array.from(v as ArrayLike<unknown>).map(keyOf).join(',')}]`;
  if (v instanceof Expr) return v.key;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${k}:${keyOf(x)}`).join(',')}}`;
  }
  return String(v);
}

function finiteParam(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', {
      argument: name,
      expected: 'a finite number',
      received: String(v),
    });
  }
  return v;
}

/** Prints an expression tree (text or LaTeX). */
export function printExpr(e: Expr, mode: 'text' | 'latex'): Printed {
  const args = e.args.map((a) => printExpr(a, mode));
  const s = e.op.print(args, e.params as never, mode);
  return { s, prec: e.op.prec ?? PREC.atom };
}

/**
 * Builds a node. Packages use this with their own {@link defineOp} specs to add primitives.
 * `needs` is `logits` when the node or any argument needs logits.
 */
export function node<L extends Level, K extends Needs = 'any'>(
  op: OpSpec<any>,
  level: L,
  args: readonly Expr[] = [],
  params: Record<string, unknown> = {},
  needs?: K,
): Expr<L, K> {
  return make(op, level, args, params, needs);
}

function make<L extends Level, K extends Needs>(
  op: AnyOp,
  level: L,
  args: readonly Expr[],
  params: Record<string, unknown>,
  needs?: Needs,
): Expr<L, K> {
  const n: Needs = needs === 'logits' || args.some((a) => a.needs === 'logits') ? 'logits' : 'any';
  return new Expr(op, level, n as K, args, params);
}

// Op specs live in ./ops.ts; they are looked up lazily so this module has no load-time cycle.
let opTable: typeof import('./ops.js').coreOps | undefined;
/** @internal */
export function registerCoreOps(t: typeof import('./ops.js').coreOps): void {
  opTable = t;
}
function ops(): typeof import('./ops.js').coreOps {
  if (!opTable) throw new Error('losskit: core ops not loaded');
  return opTable;
}

type UnaryKind =
  | 'scale' | 'pow' | 'neg' | 'clip' | 'detach' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'abs' | 'relu'
  | 'softplus' | 'sigmoid' | 'logSigmoid' | 'softmax' | 'logSoftmax' | 'zNormalize' | 'batchMean';

function unary<L extends Level, K extends Needs>(kind: UnaryKind, x: Expr<L, K>, params: Record<string, unknown>): Expr<L, K> {
  const op = kind === 'batchMean' ? ops().batchMarginal : ops()[kind];
  return make(op, x.level, [x], params, x.needs);
}

function reduce<K extends Needs>(
  kind: 'target' | 'incorrect' | 'max' | 'min' | 'logSumExp' | 'sum' | 'mean' | 'batchSum' | 'batchMean',
  x: Expr<Level, K>,
): Expr<'sample', K> {
  const from = x.level;
  const allowed: Record<typeof kind, readonly Level[]> = {
    target: ['class'], incorrect: ['class'], max: ['class', 'pair'], min: ['class', 'pair'],
    logSumExp: ['class', 'pair'], sum: ['class', 'pair'], mean: ['class', 'pair'],
    batchSum: ['sample'], batchMean: ['sample'],
  };
  if (!allowed[kind].includes(from)) {
    throw new LosskitError('LEVEL_MISMATCH', `.${kind.replace(/^batch/, '').toLowerCase()}() cannot reduce a ${from}-level term`, {
      argument: kind,
      expected: `a ${allowed[kind].join(' or ')}-level term`,
      received: `${from}-level ${x.toString()}`,
    });
  }
  const level: Level = kind === 'batchSum' || kind === 'batchMean' ? 'batch' : 'sample';
  const op = ops()[kind === 'batchSum' ? 'batchSum' : kind === 'batchMean' ? 'batchMeanReduce' : kind];
  return make(op, level, [x], {}, x.needs) as Expr<'sample', K>;
}

function binary<L extends Level, K extends Needs>(
  kind: 'plus' | 'minus' | 'times' | 'div' | 'maximum' | 'minimum',
  a: Expr<L, Needs>,
  b: Operand<Level, Needs>,
): Expr<L, K> {
  const rhs = typeof b === 'number' ? constant(b, a.level) : b;
  if (!(rhs instanceof Expr)) {
    throw new LosskitError('INVALID_ARGUMENT', `.${kind}() takes a number or an expression`, {
      argument: kind,
      received: typeof b,
    });
  }
  if (rhs.level !== a.level) {
    throw new LosskitError('LEVEL_MISMATCH', `cannot combine a ${a.level}-level term with a ${rhs.level}-level term`, {
      argument: kind,
      expected: `a ${a.level}-level term (reduce the ${rhs.level}-level term first)`,
      received: `${rhs.level}-level ${rhs.toString()}`,
    });
  }
  return make(ops()[kind], a.level, [a, rhs], {}, undefined);
}

/** A constant at any level; numbers passed to `plus`/`times`/... become these. */
export function constant<L extends Level = 'batch'>(value: number, level: L = 'batch' as L): Expr<L, 'any'> {
  return make(ops().constant, level, [], { value: finiteParam('value', value) }, 'any');
}
