/**
 * Row-program IR for fused losses: an expression over one row of logits, split into per-class
 * ("vector") nodes and per-row ("scalar") nodes, with class→sample reductions in between.
 *
 * A program is built from an {@link Expr} by {@link buildRowProgram}; anything it does not recognise
 * makes it return `undefined` (the caller then keeps the unfused tfjs path). The rewrite rules are
 * exact identities: `lse(x) = m + l` with `m = max x` and `l = log Σ exp(x − m)` (see `lse`),
 * `prob = exp((z − m) − l)`, `logProb = (z − m) − l`, `ce_ε = Σ ỹ_j (m − z_j) + l·Σỹ` with `ỹ = (1-ε)y + ε/C`, `square = (z - y)^2`, `entropy = -Σ p log p`, `kl(t) = Σ xlogx(t) - t log p`,
 * `softmax(x) = exp(x - lse(x))`, `incorrect(x) = Σ (1 − y) x/(C-1)`, `mean(x) = Σx / C`.
 * @internal
 */
import type { Expr } from '../expr.js';

/** Elementwise unary functions (same meaning at class and sample level). */
export type UnaryFn =
  | 'neg' | 'scale' | 'pow' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'abs' | 'relu' | 'softplus' | 'sigmoid'
  | 'logSigmoid' | 'clip' | 'detach' | 'xlogx' | 'log1mexp';
/**
 * Elementwise binary functions. `where` is the select `b ≠ 0 ? a : 0` (the mask `b` carries no gradient; the
 * adjoint reaches `a` only where the mask is non-zero, and a non-finite `a` where it is zero is never read).
 */
export type BinaryFn = 'plus' | 'minus' | 'times' | 'div' | 'maximum' | 'minimum' | 'where';
/**
 * Row reductions over the classes. `dotY` is `Σ_j y_j x_j` (a point read `x_y` for integer labels).
 * `lse` is the log-sum-exp relative to the row maximum, `log Σ_j exp(x_j − max_k x_k)` ∈ [0, log C]: the
 * builder forms the full log-sum-exp as `sg(max x) + lse(x)` (its `m` names that `max` node), so that
 * `lse − x_y` can be evaluated as `(max x − x_y) + lse` without `lse` being rounded away against a huge
 * maximum. Its adjoint seed is `a · exp((x − max x) − lse) = a · softmax(x)`, the gradient of the whole sum.
 * `ties` counts the entries equal to the reduction `m` (a `max` or `min` of the same `x`), computed in the
 * sweep after it: the max/min adjoint is shared evenly by tied entries (a subgradient, as in JAX and
 * `torch.amax`), so its seed is `a · [x_j = m] / ties`.
 */
export type ReduceFn = 'sum' | 'max' | 'min' | 'lse' | 'dotY' | 'ties';

/** A per-class node: its value at class `j` of the current row. */
export type VNode =
  | { readonly t: 'z' }
  | { readonly t: 'y' }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'cc'; readonly k: number }
  | { readonly t: 'expand'; readonly s: number }
  | { readonly t: 'un'; readonly f: UnaryFn; readonly a: number; readonly p: Readonly<Record<string, number>> }
  | { readonly t: 'bin'; readonly f: BinaryFn; readonly a: number; readonly b: number };

/** A per-row node. `C` is the number of classes. */
export type SNode =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'C' }
  | { readonly t: 'red'; readonly f: ReduceFn; readonly x: number; readonly m?: number }
  | { readonly t: 'un'; readonly f: UnaryFn; readonly a: number; readonly p: Readonly<Record<string, number>> }
  | { readonly t: 'bin'; readonly f: BinaryFn; readonly a: number; readonly b: number };

/** A fused row program. Node ids index `vec` / `sca`; children always have smaller ids (topological). */
export interface RowProgram {
  readonly vec: readonly VNode[];
  readonly sca: readonly SNode[];
  /** Scalar node id of the per-sample output. */
  readonly root: number;
  /** Per-class constant vectors (`classConstant`, or a fused form's `perClass`), referenced by `cc` nodes. */
  readonly classConstants: readonly ClassConstant[];
  /** Needs `C >= 2` (uses `.incorrect()`). */
  readonly needsTwoClasses: boolean;
  /** Labels are integers (`true`) or dense targets `[B, C]`. */
  readonly sparse: boolean;
}

const UNARY: ReadonlySet<string> = new Set([
  'neg', 'scale', 'pow', 'exp', 'log', 'log1p', 'sqrt', 'abs', 'relu', 'softplus', 'sigmoid', 'logSigmoid', 'clip', 'detach', 'log1mexp',
]);
const BINARY: ReadonlySet<string> = new Set(['plus', 'minus', 'times', 'div', 'maximum', 'minimum']);

class Unfusable extends Error {}

/**
 * A per-class constant vector of a program: fixed values (`classConstant`, length C), or values that depend
 * only on the row length C (a class-level op's {@link PerClass} form, e.g. a table over the vocabulary given
 * by token ids); `undefined` (or a length other than C) keeps the unfused path for that call.
 */
export type ClassConstant = readonly number[] | ((C: number) => readonly number[] | undefined);

/**
 * The fused form of a class-level op whose value at class `j` is a constant that depends only on the row
 * length C (per-class weights, a table over the vocabulary): the row program reads it as a per-class constant.
 */
export interface PerClass {
  readonly perClass: (C: number) => readonly number[] | undefined;
}

/**
 * A core-term form of an op, for the fusion pass: the same values as the op's `evaluate` from logits, or for a
 * class-level op without inputs a {@link PerClass} constant.
 */
export type FusedForm = (args: readonly Expr[], params: Readonly<Record<string, unknown>>) => Expr | PerClass | undefined;
const fusedForms = new Map<string, FusedForm>();

/**
 * Registers the fusion pass's form of the op `kind` (an op defined outside core, or a core op the row program has
 * no node for): an expression of core terms with the same values and gradients as the op's `evaluate` when
 * `compile()` reads logits (`from: 'logits'`; other prediction kinds never fuse), at the op's level. The fusion
 * pass then compiles that expression in its place; `undefined` keeps the unfused path (e.g. for parameters the
 * form does not cover). Printing, `parts()` and the unfused path still use the op itself.
 */
export function defineFusedForm(kind: string, form: FusedForm): void {
  fusedForms.set(kind, form);
}

/** The registered fused form of `e`, if any (and if it keeps `e`'s level; a per-class constant only at class level). */
function formOf(e: Expr): Expr | PerClass | undefined {
  const f = fusedForms.get(e.op.kind)?.(e.args, e.params);
  if (f === undefined) return undefined;
  if ('perClass' in f) return e.level === 'class' && typeof f.perClass === 'function' ? f : undefined;
  return f.level === e.level ? f : undefined;
}

/**
 * The program's per-class constants at row length `C` (one `Float64Array` each), or `undefined` when one has
 * no value for this C (a fixed vector of another length, a table whose ids do not fit): the call then keeps
 * the unfused path, which reports the error. @internal
 */
export function classConstantsAt(prog: Pick<RowProgram, 'classConstants'>, C: number): Float64Array[] | undefined {
  const out: Float64Array[] = [];
  for (const c of prog.classConstants) {
    const v = typeof c === 'function' ? c(C) : c;
    if (v === undefined || v.length !== C) return undefined;
    out.push(Float64Array.from(v));
  }
  return out;
}

/**
 * Translates a sample-level expression over one row of logits into a {@link RowProgram}, or returns
 * `undefined` when some node is not supported (inputs, pair terms, top-k, sparsemax, batch-level terms, ...).
 * @internal
 */
export function buildRowProgram(expr: Expr, sparse: boolean): RowProgram | undefined {
  if (expr.level !== 'sample') return undefined;
  const vec: VNode[] = [];
  const sca: SNode[] = [];
  const vKeys = new Map<string, number>();
  const sKeys = new Map<string, number>();
  const classConstants: ClassConstant[] = [];
  let needsTwoClasses = false;

  const keyOf = (n: VNode | SNode) => JSON.stringify(n);
  const V = (n: VNode): number => {
    const k = keyOf(n);
    let id = vKeys.get(k);
    if (id === undefined) {
      id = vec.push(n) - 1;
      vKeys.set(k, id);
    }
    return id;
  };
  const S = (n: SNode): number => {
    const k = keyOf(n);
    let id = sKeys.get(k);
    if (id === undefined) {
      id = sca.push(n) - 1;
      sKeys.set(k, id);
    }
    return id;
  };
  const snum = (v: number) => S({ t: 'num', v });
  const sbin = (f: BinaryFn, a: number, b: number) => S({ t: 'bin', f, a, b });
  const vbin = (f: BinaryFn, a: number, b: number) => V({ t: 'bin', f, a, b });
  const z = () => V({ t: 'z' });
  const y = () => V({ t: 'y' });
  /** The row maximum (stop-gradient) and the relative log-sum-exp of vector `x`: `lse(x) = m + l`. */
  const lseParts = (x: number) => {
    const max = S({ t: 'red', f: 'max', x });
    return { m: S({ t: 'un', f: 'detach', a: max, p: {} }), l: S({ t: 'red', f: 'lse', x, m: max }) };
  };
  const lse = (x: number) => {
    const { m, l } = lseParts(x);
    return sbin('plus', m, l);
  };
  /** Vector nodes that are finite and ≤ 0 whenever the logits are finite (log-softmax rows). */
  const nonPositive = new Set<number>();
  /** Scalars that are finite whenever the logits are (row maxima, relative log-sum-exps). */
  const finiteS = new Set<number>();
  const logSoftmaxOf = (x: number) => {
    const { m, l } = lseParts(x);
    finiteS.add(m).add(l);
    const out = vbin('minus', vbin('minus', x, V({ t: 'expand', s: m })), V({ t: 'expand', s: l }));
    if (finiteVec(x)) nonPositive.add(out);
    return out;
  };
  /**
   * Whether vector node `id` is finite (in float64) whenever the logits are: built from logits, targets,
   * constants, bounded broadcasts and operations that cannot reach ±∞ or NaN from finite arguments of the
   * sizes float32 logits have (no log, div, sqrt, non-integer or negative powers, or exp of anything but a
   * log-probability). Conservative: `false` means unknown.
   */
  const finiteVec = (id: number): boolean => {
    const n = vec[id]!;
    switch (n.t) {
      case 'z': case 'y': case 'num': case 'cc': return true;
      case 'expand': return finiteS.has(n.s);
      case 'un':
        if (n.f === 'exp') return nonPositive.has(n.a);
        if (n.f === 'pow') return Number.isInteger(n.p.p) && n.p.p! >= 0 && n.p.p! <= 4 && finiteVec(n.a);
        return ['neg', 'scale', 'abs', 'relu', 'clip', 'detach', 'sigmoid', 'logSigmoid', 'softplus'].includes(n.f) && finiteVec(n.a);
      case 'bin': return n.f !== 'div' && finiteVec(n.a) && finiteVec(n.b);
    }
  };
  const logp = () => logSoftmaxOf(z());
  const p = () => V({ t: 'un', f: 'exp', a: logp(), p: {} });
  const dotY = (x: number) => S({ t: 'red', f: 'dotY', x });
  const sumOf = (x: number) => S({ t: 'red', f: 'sum', x });
  const sumY = () => (sparse ? snum(1) : sumOf(y()));

  const vecOf = (e: Expr): number => {
    if (e.level !== 'class') throw new Unfusable();
    const k = e.op.kind;
    const a = e.args;
    switch (k) {
      case 'named':
        return vecOf(a[0]!);
      case 'logit':
      case 'yPred':
        return z();
      case 'yTrue':
        return y();
      case 'prob':
        return p();
      case 'logProb':
        return logp();
      case 'constant':
        return V({ t: 'num', v: e.params.value as number });
      case 'classConstant':
        classConstants.push(e.params.values as readonly number[]);
        return V({ t: 'cc', k: classConstants.length - 1 });
      case 'square': {
        const d = vbin('minus', z(), y());
        return V({ t: 'un', f: 'pow', a: d, p: { p: 2 } });
      }
      case 'absError':
        return V({ t: 'un', f: 'abs', a: vbin('minus', z(), y()), p: {} });
      case 'softmax':
        return V({ t: 'un', f: 'exp', a: logSoftmaxOf(vecOf(a[0]!)), p: {} });
      case 'logSoftmax':
        return logSoftmaxOf(vecOf(a[0]!));
      case 'expand':
        return V({ t: 'expand', s: scaOf(a[0]!) });
      case 'where':
        return whereOf(vecOf(a[0]!), vecOf(a[1]!), e.params.otherwise as number, vbin, (v) => V({ t: 'num', v }));
      default: {
        if (UNARY.has(k)) return V({ t: 'un', f: k as UnaryFn, a: vecOf(a[0]!), p: numericParams(e) });
        if (BINARY.has(k)) return vbin(k as BinaryFn, vecOf(a[0]!), vecOf(a[1]!));
        const form = formOf(e);
        if (form && 'perClass' in form) {
          // One constant per distinct op node (its params), like `classConstant`.
          classConstants.push(form.perClass);
          return V({ t: 'cc', k: classConstants.length - 1 });
        }
        if (form) return vecOf(form);
        throw new Unfusable();
      }
    }
  };

  const scaOf = (e: Expr): number => {
    if (e.level !== 'sample') throw new Unfusable();
    const k = e.op.kind;
    const a = e.args;
    switch (k) {
      case 'named':
        return scaOf(a[0]!);
      case 'constant':
        return snum(e.params.value as number);
      case 'ce': {
        // Σ_j ỹ_j (m − z_j) + l·Σỹ with ỹ = (1−ε)y + ε/C: the gaps to the row maximum first, so `l` survives
        // huge logits ([1e30, 1e30, 0] with label 0 gives log 2, not 0).
        const eps = e.params.labelSmoothing as number;
        const { m, l } = lseParts(z());
        const gapY = sparse ? sbin('minus', m, dotY(z())) : sbin('minus', sbin('times', sumY(), m), dotY(z()));
        if (eps === 0) return sbin('plus', gapY, sparse ? l : sbin('times', l, sumY()));
        const gapAll = sbin('minus', m, sbin('div', sumOf(z()), S({ t: 'C' })));
        const mass = sbin('plus', sbin('times', snum(1 - eps), sumY()), snum(eps));
        return sbin('plus', sbin('plus', sbin('times', snum(1 - eps), gapY), sbin('times', snum(eps), gapAll)), sbin('times', l, mass));
      }
      case 'entropy':
        return S({ t: 'un', f: 'neg', a: sumOf(vbin('times', p(), logp())), p: {} });
      case 'kl': {
        const t = a.length > 0 ? vecOf(a[0]!) : y();
        return sumOf(vbin('minus', V({ t: 'un', f: 'xlogx', a: t, p: {} }), vbin('times', t, logp())));
      }
      case 'target': {
        // Exact shortcuts that avoid a per-class exp: Σ_j y_j log p_j = Σ_j y_j z_j - lse(z)·Σy, and for
        // integer labels p_y = exp(z_y - lse(z)). (Focal and other p_y-based losses then cost what CE costs.)
        const inner = a[0]!.op.kind;
        if (inner === 'logProb' || (inner === 'prob' && sparse)) {
          const { m, l } = lseParts(z());
          // (Σ y z − m Σy) − l Σy; for integer labels (z_y − m) − l.
          const logPy = sparse ? sbin('minus', sbin('minus', dotY(z()), m), l) : sbin('minus', sbin('minus', dotY(z()), sbin('times', m, sumY())), sbin('times', l, sumY()));
          return inner === 'prob' ? S({ t: 'un', f: 'exp', a: logPy, p: {} }) : logPy;
        }
        const x = vecOf(a[0]!);
        // Dense targets: classes with y_j = 0 add nothing, also where x_j is not finite (as the unfused path, which
        // drops them): Σ_j y_j·(y_j ≠ 0 ? x_j : 0), the select keeping a non-finite x_j out of value and gradient.
        if (sparse || finiteVec(x)) return dotY(x);
        return dotY(vbin('where', x, y()));
      }
      case 'incorrect': {
        needsTwoClasses = true;
        const x = vecOf(a[0]!);
        // Σ_j (1 − y_j) x_j, not Σx − Σ y x: the difference cancels catastrophically when x_y dominates
        // (squentropy at z = [1e16, 88] gave 0 instead of 88²).
        const notY = vbin('minus', V({ t: 'num', v: 1 }), y());
        // The label's class adds nothing, also where x_y is not finite (as the unfused path, which drops it): the
        // select keeps a non-finite x_y out of value and gradient (seed 77: log(bce) = −∞ at the label only).
        const xs = finiteVec(x) ? x : vbin('where', x, notY);
        return sbin('div', sumOf(vbin('times', notY, xs)), sbin('minus', S({ t: 'C' }), snum(1)));
      }
      case 'sum': {
        // Σ_j x_j·y_j is the target read Σ y_j x_j (for integer labels one element, x_y, instead of a sweep),
        // exactly, when every x_j is finite: the terms y_j = 0 then add 0 (with a non-finite x_j they add NaN).
        const x = vecOf(a[0]!);
        const n = vec[x]!;
        const yId = vec.findIndex((v) => v.t === 'y');
        if (n.t === 'bin' && n.f === 'times' && yId >= 0 && (n.a === yId || n.b === yId)) {
          const other = n.a === yId ? n.b : n.a;
          if (finiteVec(other)) return dotY(other);
        }
        return sumOf(x);
      }
      case 'mean':
        return sbin('div', sumOf(vecOf(a[0]!)), S({ t: 'C' }));
      case 'max':
      case 'min': {
        const x = vecOf(a[0]!);
        const m = S({ t: 'red', f: k, x });
        S({ t: 'red', f: 'ties', x, m });
        return m;
      }
      case 'logSumExp':
        return lse(vecOf(a[0]!));
      case 'where':
        return whereOf(scaOf(a[0]!), scaOf(a[1]!), e.params.otherwise as number, sbin, snum);
      default: {
        if (UNARY.has(k)) return S({ t: 'un', f: k as UnaryFn, a: scaOf(a[0]!), p: numericParams(e) });
        if (BINARY.has(k)) return sbin(k as BinaryFn, scaOf(a[0]!), scaOf(a[1]!));
        const form = formOf(e);
        if (form && !('perClass' in form)) return scaOf(form);
        throw new Unfusable();
      }
    }
  };

  try {
    const root = scaOf(expr);
    return { vec, sca, root, classConstants, needsTwoClasses, sparse };
  } catch (e) {
    if (e instanceof Unfusable) return undefined;
    throw e;
  }
}

/**
 * `mask ≠ 0 ? x : otherwise` from select nodes: `where(x, mask)`, plus `otherwise · (1 − where(1, mask))` when
 * `otherwise ≠ 0` (exactly `x` or `otherwise`: the added term is `otherwise · 0` where the mask is non-zero).
 */
function whereOf(x: number, mask: number, otherwise: number, bin: (f: BinaryFn, a: number, b: number) => number, num: (v: number) => number): number {
  const taken = bin('where', x, mask);
  if (otherwise === 0) return taken;
  return bin('plus', taken, bin('times', num(otherwise), bin('minus', num(1), bin('where', num(1), mask))));
}

function numericParams(e: Expr): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e.params)) {
    if (typeof v !== 'number') throw new Unfusable();
    out[k] = v;
  }
  return out;
}

/** Vector nodes of `prog` reachable from `roots`, ascending (a topological order). @internal */
export function closureOf(prog: Pick<RowProgram, 'vec'>, roots: readonly number[]): number[] {
  const seen = new Set<number>();
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = prog.vec[id]!;
    if (n.t === 'un') visit(n.a);
    else if (n.t === 'bin') {
      visit(n.a);
      visit(n.b);
    }
  };
  roots.forEach(visit);
  return [...seen].sort((a, b) => a - b);
}
