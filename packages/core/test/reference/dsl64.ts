/**
 * An independent float64 interpreter of the loss DSL, for tests: it walks an {@link Expr} (`op.kind`,
 * `params`, `args`, `level`) and computes, with plain loops over `number`s, what each op's TSDoc says
 * it computes (not what `src/` happens to do): per-sample values, the reduced value of `compile()`
 * and the gradient with respect to `yPred` (reverse mode, closed-form derivative of every op).
 * Shares no code with `src/` beyond the `Expr` tree it reads.
 *
 * Semantics, from the TSDoc of each op:
 * - Levels are shapes: class `[B, C]`, sample `[B]`, pair `[B, B]`, batch scalar. Every value is
 *   materialized at its level's full shape: a class-level constant is `C` equal entries, so
 *   `constant(2, 'class').sum()` is `2C`, and `x.expand()` repeats `x_i` over the `C` classes, so
 *   `x.expand().sum()` is `C·x_i` and `x.expand().logSumExp()` is `x_i + log C`.
 * - Log-sum-exp and log-softmax are evaluated stably, `(x_j - m) - log Σ_k exp(x_k - m)` with `m = max x`,
 *   so ties of ±1e30 logits give `log 2` (the exact value), not 0.
 * - `target()` with integer labels is the point read `x_y` and `incorrect()` the mean over `j ≠ y`: other
 *   classes do not enter (a NaN or ∞ there does not matter); with dense targets `Σ_j t_j x_j` and
 *   `Σ_j (1 - t_j) x_j / (C-1)`.
 * - NaN propagates: `max`, `min`, `topk`, `relu`, `clip` of a NaN are NaN (IEEE 754 maximum), and
 *   `log1mexp(x)` for `x > 0` (where `log(1 - e^x)` is undefined) is NaN; a non-finite result means the
 *   call must throw `NON_FINITE_OUTPUT`.
 * - `topk(k)` is the mean of the k largest values (ties at the k-th place count once);
 *   `zNormalize` divides by `max(std, 1e-12)`; `xlogx(t)` inside `kl` is `t log t`, 0 at `t = 0`, NaN for `t < 0`;
 *   `perSample` is `l_i` (unweighted); `weightedMean` / `sumByNonzeroWeights` give 0 when Σw = 0 / all w are 0.
 * - Derivatives: closed form per op. An adjoint of exactly 0 contributes 0 even through an infinite partial
 *   (the output does not depend on that entry). At kinks: relu'(0) = 0, |x|'(0) = -1, clip passes the
 *   gradient on `[lo, hi]` inclusive, `maximum` sends it to `a` where `a >= b`, `minimum` where `a <= b`
 *   (tfjs' conventions, all valid subgradients). `max`/`min` over a row split the adjoint evenly among tied
 *   entries (as JAX and `torch.amax`): the one convention that gives the true derivative when the tied
 *   entries are the same function (`x.expand().max()` is `x`); tfjs gives every tied entry the full adjoint,
 *   which is not a subgradient. Every kink the evaluation passes is recorded ({@link KinkSite}), so a test can
 *   tell where the derivative does not exist, or where a float32 evaluation may land on the other side.
 *
 * An {@link Arithmetic} other than {@link exactArithmetic} rounds every elementary result: with
 * {@link simulatedFloat32} the same expression runs as a float32 program with randomized (but per-value
 * deterministic) rounding, which tests use to size float32-aware tolerances and to find the inputs on which
 * float32 overflows.
 */
import type { Expr } from '../../src/index.js';

export type Reduction = 'mean' | 'sum' | 'weightedMean' | 'sumByNonzeroWeights' | 'none';
type Level = 'class' | 'sample' | 'pair' | 'batch';

/** The `compile()` options the reference reads. */
export interface Dsl64Options {
  readonly from?: 'logits' | 'probs' | 'embeddings';
  /** Probability clip ε of `log p` from probabilities (default 1e-7). */
  readonly epsilon?: number;
  readonly reduction?: Reduction;
}

/** One call: integer labels `[B]` or dense targets `[B, C]`, the prediction `[B, C]`, weights, named inputs. */
export interface Dsl64Call {
  readonly yTrue: readonly number[] | readonly (readonly number[])[];
  readonly yPred: readonly (readonly number[])[];
  readonly sampleWeight?: number | readonly number[] | undefined;
  readonly inputs?: Readonly<Record<string, number | readonly number[] | readonly (readonly number[])[]>>;
}

/** An error the documented semantics call for; `code` is the `LosskitError` code `compile()` must throw. */
export class Dsl64Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A point where the evaluation passed a kink: `dist` from it (0: exactly on it), in sample `row` (-1: all rows). */
export interface KinkSite {
  readonly row: number;
  readonly dist: number;
}

export interface Dsl64Result {
  readonly level: 'sample' | 'batch';
  /** `l_i`, `[B]` (sample-level expressions). */
  readonly perSample: Float64Array | undefined;
  /** The reduced value (length 1), or `w_i l_i` for `reduction: 'none'` (length B). */
  readonly value: Float64Array;
  /** `∂/∂yPred` of the value (of `Σ_i w_i l_i` for `'none'`), `[B·C]` row-major. */
  readonly grad: Float64Array;
  readonly kinks: readonly KinkSite[];
  /**
   * Float64 itself left its range somewhere (an overflow to ±∞ or an underflow of a nonzero result to 0
   * from finite arguments): the value or gradient may be an artifact of float64, not of the formula.
   */
  readonly rangeEvent: boolean;
  /** A zero adjoint met an infinite partial derivative (taken as 0); IEEE chain rules give NaN there. */
  readonly zeroTimesInf: boolean;
  /**
   * Some intermediate value was NaN or ±∞ (e.g. `e / e` at a zero embedding) even if a mask or reduction
   * later left it out: the library's validation may name that term (`NON_FINITE_OUTPUT`) instead.
   */
  readonly nonFiniteIntermediate: boolean;
}

/** How elementary results are rounded. */
export interface Arithmetic {
  /** Rounds `x`, the exact result of one elementary operation; `salt` names the operation. */
  round(x: number, salt: number): number;
}

/** Plain float64. */
export const exactArithmetic: Arithmetic = { round: (x) => x };

const F32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Simulated float32: every elementary result is perturbed by a relative amount in `[-2^-24, 2^-24)` and
 * rounded to float32 (`Math.fround`: overflow to ±∞, gradual underflow; with `flushSubnormals`, results
 * below the smallest normal float32 become 0, as SIMD code may). The perturbation is a hash of the exact
 * result, the operation and `seed`, so equal results of the same operation round alike (ties stay ties,
 * as in real float32), while different seeds sample different rounding errors.
 */
export function simulatedFloat32(seed: number, flushSubnormals = false): Arithmetic {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  return {
    round(x, salt) {
      if (x === 0 || !Number.isFinite(x)) return x;
      f[0] = x;
      let h = Math.imul(u[0]! ^ seed, 0x9e3779b1) ^ Math.imul(u[1]! ^ salt, 0x85ebca6b);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
      h = Math.imul(h, 0x297a2d39);
      h ^= h >>> 15;
      const d = ((h >>> 0) / 4294967296) * 2 - 1;
      const y = Math.fround(x * (1 + d * 2 ** -24));
      return flushSubnormals && Math.abs(y) < F32_MIN_NORMAL ? 0 : y;
    },
  };
}

const saltCache = new Map<string, number>();
function salt(name: string): number {
  let s = saltCache.get(name);
  if (s === undefined) {
    s = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) s = Math.imul(s ^ name.charCodeAt(i), 0x01000193);
    saltCache.set(name, s);
  }
  return s;
}

/** A value at its level's full shape `[rows, cols]`, with its adjoint once something reads its gradient. */
interface Val {
  readonly level: Level;
  readonly rows: number;
  readonly cols: number;
  readonly d: Float64Array;
  /** Depends on yPred (has a gradient). */
  readonly dz: boolean;
  /** Mixes rows (batch means, pair level, batch level): a kink here affects every row's gradient. */
  readonly coupled: boolean;
  g?: Float64Array;
}

/** The derivative of each elementwise function, in the form tfjs uses (see the module comment). */
const ELEMENTWISE: Record<string, { f: (a: number, p: Readonly<Record<string, unknown>>) => number; df: (a: number, y: number, p: Readonly<Record<string, unknown>>) => number; kinks?: (p: Readonly<Record<string, unknown>>) => number[]; overflows?: boolean; underflows?: boolean }> = {
  neg: { f: (a) => -a, df: () => -1 },
  scale: { f: (a, p) => (p.w as number) * a, df: (_a, _y, p) => p.w as number, overflows: true, underflows: true },
  pow: {
    f: (a, p) => (p.p === 2 ? a * a : p.p === 1 ? a : a ** (p.p as number)),
    df: (a, _y, p) => (p.p === 2 ? 2 * a : p.p === 1 ? 1 : (p.p as number) * a ** ((p.p as number) - 1)),
    overflows: true,
    underflows: true,
  },
  exp: { f: Math.exp, df: (_a, y) => y, overflows: true, underflows: true },
  log: { f: Math.log, df: (a) => 1 / a },
  log1p: { f: Math.log1p, df: (a) => 1 / (1 + a) },
  sqrt: { f: Math.sqrt, df: (_a, y) => 0.5 / y },
  abs: { f: Math.abs, df: (a) => (a > 0 ? 1 : -1), kinks: () => [0] },
  relu: { f: (a) => Math.max(a, 0), df: (a) => (a > 0 ? 1 : 0), kinks: () => [0] },
  softplus: { f: softplus, df: (a) => sigmoid(a) },
  sigmoid: { f: sigmoid, df: (_a, y) => y * (1 - y) },
  logSigmoid: { f: (a) => -softplus(-a), df: (a) => sigmoid(-a) },
  clip: {
    f: (a, p) => Math.min(Math.max(a, p.lo as number), p.hi as number),
    df: (a, _y, p) => (a >= (p.lo as number) && a <= (p.hi as number) ? 1 : 0),
    kinks: (p) => [p.lo as number, p.hi as number],
  },
  // log(1 - e^x) for x <= 0 (Mächler 2012); derivative -e^x / (1 - e^x) = -1 / expm1(-x).
  log1mexp: { f: (a) => (a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a))), df: (a) => -1 / Math.expm1(-a) },
};

function softplus(a: number): number {
  return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
}
function sigmoid(a: number): number {
  if (a >= 0) return 1 / (1 + Math.exp(-a));
  const e = Math.exp(a);
  return e / (1 + e);
}

const BINARY = new Set(['plus', 'minus', 'times', 'div', 'maximum', 'minimum']);
const ROW_REDUCTIONS = new Set(['sum', 'mean', 'max', 'min', 'logSumExp']);

/** The evaluation of one expression on one call. */
class Interpreter {
  readonly B: number;
  readonly C: number;
  private readonly tape: (() => void)[] = [];
  readonly kinks: KinkSite[] = [];
  rangeEvent = false;
  /** Some adjoint of 0 met an infinite or undefined partial derivative (counted as 0: the output does not depend on it). */
  zeroTimesInf = false;
  nonFiniteIntermediate = false;
  private readonly memo = new Map<string, Val>();
  private readonly pred: Val;
  private readonly labels: readonly number[] | undefined;
  private readonly dense: Float64Array | undefined;
  private readonly from: 'logits' | 'probs' | 'embeddings';
  private readonly epsilon: number;

  constructor(
    private readonly ar: Arithmetic,
    options: Dsl64Options,
    private readonly call: Dsl64Call,
  ) {
    this.from = options.from ?? 'logits';
    this.epsilon = options.epsilon ?? 1e-7;
    this.B = call.yPred.length;
    this.C = call.yPred[0]?.length ?? 0;
    if (this.B === 0) throw new Dsl64Error('EMPTY_BATCH', 'the batch is empty');
    if (this.C === 0) throw new Dsl64Error('SHAPE_MISMATCH', 'yPred has no classes');
    const z = new Float64Array(this.B * this.C);
    call.yPred.forEach((row, i) => row.forEach((v, j) => (z[i * this.C + j] = v)));
    this.pred = { level: 'class', rows: this.B, cols: this.C, d: z, dz: true, coupled: false };
    const t = call.yTrue;
    if (t.length > 0 && Array.isArray(t[0])) {
      const dense = new Float64Array(this.B * this.C);
      (t as readonly (readonly number[])[]).forEach((row, i) => row.forEach((v, j) => (dense[i * this.C + j] = v)));
      this.dense = dense;
    } else {
      this.labels = t as readonly number[];
      if (this.from !== 'embeddings') {
        for (const y of this.labels) {
          if (!(Number.isInteger(y) && y >= 0 && y < this.C)) throw new Dsl64Error('LABEL_OUT_OF_RANGE', `label ${y} not in [0, ${this.C})`);
        }
      }
    }
  }

  private r(x: number, s: number): number {
    return this.ar.round(x, s);
  }

  private make(level: Level, rows: number, cols: number, d: Float64Array, dz: boolean, coupled: boolean): Val {
    if (!this.nonFiniteIntermediate && d.some((v) => !Number.isFinite(v))) this.nonFiniteIntermediate = true;
    return { level, rows, cols, d, dz, coupled: coupled || level === 'batch' || level === 'pair' };
  }

  private shape(level: Level): [number, number] {
    switch (level) {
      case 'class':
        return [this.B, this.C];
      case 'sample':
        return [this.B, 1];
      case 'pair':
        return [this.B, this.B];
      case 'batch':
        return [1, 1];
    }
  }

  private filled(level: Level, v: number): Val {
    const [rows, cols] = this.shape(level);
    return this.make(level, rows, cols, new Float64Array(rows * cols).fill(this.r(v, salt('constant'))), false, false);
  }

  private adj(v: Val): Float64Array {
    v.g ??= new Float64Array(v.d.length);
    return v.g;
  }

  /**
   * `g · d` for a backward step: an adjoint of exactly 0 contributes 0 even when `d` is infinite or NaN
   * (the output does not depend on that entry, e.g. the classes a point read `x_y` skips), where IEEE
   * arithmetic would give NaN.
   */
  private mul(g: number, d: number, s: number): number {
    if (g === 0) {
      if (!Number.isFinite(d)) this.zeroTimesInf = true;
      return 0;
    }
    return this.r(g * d, s);
  }

  /** Adds `x` to the adjoint of `v` at `k` (one rounded addition). */
  private acc(v: Val, k: number, x: number): void {
    const g = this.adj(v);
    g[k] = this.r(g[k]! + x, salt('acc'));
  }

  private kink(v: Val, k: number, dist: number): void {
    if (!v.dz) return;
    this.kinks.push({ row: v.coupled ? -1 : Math.floor(k / v.cols), dist });
  }

  private onTape(out: Val, back: (g: Float64Array) => void): void {
    if (out.dz) this.tape.push(() => out.g && back(out.g));
  }

  /** Dense targets `[B, C]`: the one-hot of integer labels, or the targets given. */
  private targets(): Float64Array {
    if (this.from === 'embeddings') throw new Dsl64Error('INPUT_KIND_MISMATCH', 'class-level targets are undefined for embeddings');
    if (this.dense) return this.dense;
    const t = new Float64Array(this.B * this.C);
    this.labels!.forEach((y, i) => (t[i * this.C + y] = 1));
    return t;
  }

  private constVal(level: Level, d: Float64Array): Val {
    const [rows, cols] = this.shape(level);
    return this.make(level, rows, cols, d, false, false);
  }

  // ── elementwise ──────────────────────────────────────────────────────────
  unary(name: string, x: Val, params: Readonly<Record<string, unknown>> = {}): Val {
    const spec = ELEMENTWISE[name]!;
    const s = salt(name);
    const y = new Float64Array(x.d.length);
    for (let k = 0; k < y.length; k++) {
      const a = x.d[k]!;
      const exact = spec.f(a, params);
      const underflow = spec.underflows && exact === 0 && a !== 0 && !(name === 'scale' && params.w === 0);
      if (Number.isFinite(a) && ((spec.overflows && !Number.isFinite(exact) && !Number.isNaN(exact)) || underflow)) {
        this.rangeEvent = true;
      }
      y[k] = this.r(exact, s);
      if (spec.kinks) for (const p of spec.kinks(params)) this.kink(x, k, a - p);
    }
    const out = this.make(x.level, x.rows, x.cols, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let k = 0; k < y.length; k++) this.acc(x, k, this.mul(g[k]!, spec.df(x.d[k]!, y[k]!, params), s));
    });
    return out;
  }

  binary(name: string, a: Val, b: Val): Val {
    const s = salt(name);
    const y = new Float64Array(a.d.length);
    for (let k = 0; k < y.length; k++) {
      const p = a.d[k]!;
      const q = b.d[k]!;
      let v: number;
      switch (name) {
        case 'plus': v = p + q; break;
        case 'minus': v = p - q; break;
        case 'times': v = p * q; break;
        case 'div': v = p / q; break;
        case 'maximum': v = Math.max(p, q); break;
        default: v = Math.min(p, q); break;
      }
      if (Number.isFinite(p) && Number.isFinite(q) && ((!Number.isFinite(v) && !Number.isNaN(v) && q !== 0) || (name === 'times' && v === 0 && p !== 0 && q !== 0))) {
        this.rangeEvent = true;
      }
      y[k] = this.r(v, s);
      if (name === 'maximum' || name === 'minimum') {
        const row = Math.floor(k / a.cols);
        if (a.dz || b.dz) this.kinks.push({ row: a.coupled || b.coupled ? -1 : row, dist: p - q });
      }
    }
    const out = this.make(a.level, a.rows, a.cols, y, a.dz || b.dz, a.coupled || b.coupled);
    this.onTape(out, (g) => {
      for (let k = 0; k < y.length; k++) {
        const p = a.d[k]!;
        const q = b.d[k]!;
        const gk = g[k]!;
        let ga: number;
        let gb: number;
        switch (name) {
          case 'plus': ga = gk; gb = gk; break;
          case 'minus': ga = gk; gb = -gk; break;
          case 'times': ga = this.mul(gk, q, s); gb = this.mul(gk, p, s); break;
          case 'div': ga = this.mul(gk, 1 / q, s); gb = this.mul(-gk, p / (q * q), s); break;
          case 'maximum': ga = p >= q ? gk : 0; gb = p >= q ? 0 : gk; break;
          default: ga = p <= q ? gk : 0; gb = p <= q ? 0 : gk; break;
        }
        if (a.dz) this.acc(a, k, this.r(ga, s));
        if (b.dz) this.acc(b, k, this.r(gb, s));
      }
    });
    return out;
  }

  /** `mask ≠ 0 ? x : otherwise` (the mask gets no gradient). */
  where(x: Val, mask: Val, otherwise: number): Val {
    const y = new Float64Array(x.d.length);
    const other = this.r(otherwise, salt('constant'));
    for (let k = 0; k < y.length; k++) y[k] = mask.d[k] !== 0 ? x.d[k]! : other;
    const out = this.make(x.level, x.rows, x.cols, y, x.dz, x.coupled || mask.coupled);
    this.onTape(out, (g) => {
      for (let k = 0; k < y.length; k++) if (mask.d[k] !== 0) this.acc(x, k, g[k]!);
    });
    return out;
  }

  detach(x: Val): Val {
    return this.make(x.level, x.rows, x.cols, x.d, false, x.coupled);
  }

  // ── reductions over a row (class → sample, pair → sample) ────────────────
  /** `Σ_j x_ij`, summed left to right (one rounding per addition). */
  private rowSum(x: Val, i: number, weight?: (j: number) => number): number {
    const s = salt('sum');
    let acc = 0;
    for (let j = 0; j < x.cols; j++) {
      const v = x.d[i * x.cols + j]!;
      acc = this.r(acc + (weight ? this.r(weight(j) * v, salt('times')) : v), s);
    }
    return acc;
  }

  /** `log Σ_j exp(x_ij)` as `m + log Σ_j exp(x_ij - m)`, `m = max_j x_ij`. */
  private rowLse(x: Val, i: number): { lse: number; m: number; logS: number } {
    let m = -Infinity;
    for (let j = 0; j < x.cols; j++) m = Math.max(m, x.d[i * x.cols + j]!);
    if (!Number.isFinite(m)) return { lse: Number.isNaN(m) ? NaN : m, m, logS: 0 };
    let s = 0;
    for (let j = 0; j < x.cols; j++) s = this.r(s + this.r(Math.exp(this.r(x.d[i * x.cols + j]! - m, salt('sub'))), salt('exp')), salt('sum'));
    const logS = this.r(Math.log(s), salt('log'));
    return { lse: this.r(m + logS, salt('add')), m, logS };
  }

  rowReduce(how: string, x: Val): Val {
    const n = x.rows;
    const cols = x.cols;
    const y = new Float64Array(n);
    const lse: { m: number; logS: number }[] = [];
    const ties: number[] = [];
    for (let i = 0; i < n; i++) {
      switch (how) {
        case 'sum':
          y[i] = this.rowSum(x, i);
          break;
        case 'mean':
          y[i] = this.r(this.rowSum(x, i) / cols, salt('div'));
          break;
        case 'max':
        case 'min': {
          const sign = how === 'max' ? 1 : -1;
          let best = -Infinity;
          let second = -Infinity;
          let nan = false;
          for (let j = 0; j < cols; j++) {
            const v = sign * x.d[i * cols + j]!;
            if (Number.isNaN(v)) nan = true;
            if (v > best) {
              second = best;
              best = v;
            } else if (v > second) second = v;
          }
          // A NaN entry makes the max NaN (IEEE 754 maximum), never a silently skipped entry.
          y[i] = nan ? NaN : sign * best;
          ties[i] = 0;
          for (let j = 0; j < cols; j++) if (x.d[i * cols + j] === y[i]) ties[i]!++;
          if (cols > 1) this.kink(x, i * cols, best - second);
          break;
        }
        case 'logSumExp': {
          const r = this.rowLse(x, i);
          y[i] = r.lse;
          lse[i] = r;
          break;
        }
      }
    }
    const out = this.make('sample', n, 1, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < cols; j++) {
          const k = i * cols + j;
          switch (how) {
            case 'sum':
              this.acc(x, k, g[i]!);
              break;
            case 'mean':
              this.acc(x, k, this.r(g[i]! / cols, salt('div')));
              break;
            case 'max':
            case 'min':
              if (x.d[k] === y[i]) this.acc(x, k, this.r(g[i]! / ties[i]!, salt('div')));
              break;
            case 'logSumExp':
              // softmax_j = exp((x_j − m) − log S): the row maximum first, so a huge m does not swallow log S.
              this.acc(x, k, this.mul(g[i]!, this.r(Math.exp(this.r(this.r(x.d[k]! - lse[i]!.m, salt('sub')) - lse[i]!.logS, salt('sub'))), salt('exp')), salt('times')));
              break;
          }
        }
      }
    });
    return out;
  }

  /** `Σ_j w_ij x_ij` with constant weights `w` `[B, C]` (target, incorrect). */
  private rowDot(x: Val, w: Float64Array, scale: number): Val {
    const y = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) y[i] = this.r(this.rowSum(x, i, (j) => w[i * x.cols + j]!) * scale, salt('times'));
    const out = this.make('sample', x.rows, 1, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let k = 0; k < x.d.length; k++) this.acc(x, k, this.mul(this.r(g[Math.floor(k / x.cols)]! * scale, salt('times')), w[k]!, salt('times')));
    });
    return out;
  }

  /** `x_y` for integer labels (a point read: other classes do not enter), `Σ_j t_j x_j` for dense targets. */
  target(x: Val): Val {
    if (!this.labels) return this.rowDot(x, this.targets(), 1);
    return this.pointOrRest(x, 'point');
  }

  /** `1/(C-1) Σ_{j≠y} x_j` for integer labels, `Σ_j (1 - t_j) x_j / (C-1)` for dense targets. */
  incorrect(x: Val): Val {
    if (this.C < 2) throw new Dsl64Error('SHAPE_MISMATCH', '.incorrect() needs at least 2 classes');
    if (!this.labels) return this.rowDot(x, this.targets().map((v) => 1 - v), 1 / (this.C - 1));
    return this.pointOrRest(x, 'rest');
  }

  private pointOrRest(x: Val, which: 'point' | 'rest'): Val {
    const labels = this.labels!;
    const C = this.C;
    const y = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      if (which === 'point') {
        y[i] = x.d[i * C + labels[i]!]!;
        continue;
      }
      let s = 0;
      for (let j = 0; j < C; j++) if (j !== labels[i]) s = this.r(s + x.d[i * C + j]!, salt('sum'));
      y[i] = this.r(s / (C - 1), salt('div'));
    }
    const out = this.make('sample', x.rows, 1, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let i = 0; i < x.rows; i++) {
        if (which === 'point') this.acc(x, i * C + labels[i]!, g[i]!);
        else for (let j = 0; j < C; j++) if (j !== labels[i]) this.acc(x, i * C + j, this.r(g[i]! / (C - 1), salt('div')));
      }
    });
    return out;
  }

  /** Mean of the k largest entries of each row. */
  topk(x: Val, k: number): Val {
    if (k > x.cols) throw new Dsl64Error('SHAPE_MISMATCH', `.topk(${k}) needs at least ${k} classes`);
    const picks: number[][] = [];
    const y = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      const idx = Array.from({ length: x.cols }, (_, j) => j).sort((p, q) => x.d[i * x.cols + q]! - x.d[i * x.cols + p]!);
      const top = idx.slice(0, k);
      picks.push(top);
      let s = 0;
      for (const j of top) s = this.r(s + x.d[i * x.cols + j]!, salt('sum'));
      y[i] = x.d.subarray(i * x.cols, (i + 1) * x.cols).some(Number.isNaN) ? NaN : this.r(s / k, salt('div'));
      if (k < x.cols) this.kink(x, i * x.cols, x.d[i * x.cols + idx[k - 1]!]! - x.d[i * x.cols + idx[k]!]!);
    }
    const out = this.make('sample', x.rows, 1, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let i = 0; i < x.rows; i++) for (const j of picks[i]!) this.acc(x, i * x.cols + j, this.r(g[i]! / k, salt('div')));
    });
    return out;
  }

  /** Sample → class: `y_ij = x_i` for every class j. */
  expand(x: Val): Val {
    const y = new Float64Array(this.B * this.C);
    for (let i = 0; i < this.B; i++) y.fill(x.d[i]!, i * this.C, (i + 1) * this.C);
    const out = this.make('class', this.B, this.C, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let i = 0; i < this.B; i++) {
        let s = 0;
        for (let j = 0; j < this.C; j++) s = this.r(s + g[i * this.C + j]!, salt('sum'));
        this.acc(x, i, s);
      }
    });
    return out;
  }

  // ── class → class ────────────────────────────────────────────────────────
  /** `x_j - logsumexp(x)` per row, stably; gradient `g_j - softmax_j Σ_k g_k`. */
  logSoftmax(x: Val): Val {
    const y = new Float64Array(x.d.length);
    for (let i = 0; i < x.rows; i++) {
      const { m, logS } = this.rowLse(x, i);
      for (let j = 0; j < x.cols; j++) {
        const k = i * x.cols + j;
        y[k] = Number.isFinite(m) ? this.r(this.r(x.d[k]! - m, salt('sub')) - logS, salt('sub')) : NaN;
      }
    }
    const out = this.make(x.level, x.rows, x.cols, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let i = 0; i < x.rows; i++) {
        let s = 0;
        for (let j = 0; j < x.cols; j++) s = this.r(s + g[i * x.cols + j]!, salt('sum'));
        for (let j = 0; j < x.cols; j++) {
          const k = i * x.cols + j;
          this.acc(x, k, this.r(g[k]! - this.mul(s, this.r(Math.exp(y[k]!), salt('exp')), salt('times')), salt('sub')));
        }
      }
    });
    return out;
  }

  /** Mean over the batch, broadcast back to every row. */
  batchMarginal(x: Val): Val {
    const y = new Float64Array(x.d.length);
    for (let j = 0; j < x.cols; j++) {
      let s = 0;
      for (let i = 0; i < x.rows; i++) s = this.r(s + x.d[i * x.cols + j]!, salt('sum'));
      const m = this.r(s / x.rows, salt('div'));
      for (let i = 0; i < x.rows; i++) y[i * x.cols + j] = m;
    }
    const out = this.make(x.level, x.rows, x.cols, y, x.dz, true);
    this.onTape(out, (g) => {
      for (let j = 0; j < x.cols; j++) {
        let s = 0;
        for (let i = 0; i < x.rows; i++) s = this.r(s + g[i * x.cols + j]!, salt('sum'));
        const m = this.r(s / x.rows, salt('div'));
        for (let i = 0; i < x.rows; i++) this.acc(x, i * x.cols + j, m);
      }
    });
    return out;
  }

  /** Sparsemax (Martins & Astudillo 2016): `[x_j - τ]_+`, gradient `s ⊙ (g - mean_S g)`. */
  sparsemax(x: Val): Val {
    const y = new Float64Array(x.d.length);
    for (let i = 0; i < x.rows; i++) {
      // Shifted by the row max (τ shifts with it), so huge or tied entries lose no precision.
      const top = Math.max(...x.d.subarray(i * x.cols, (i + 1) * x.cols));
      const row = Array.from(x.d.subarray(i * x.cols, (i + 1) * x.cols), (v) => v - top);
      const sorted = [...row].sort((a, b) => b - a);
      let cum = 0;
      let kSup = 0;
      let cumSup = 0;
      for (let k = 1; k <= sorted.length; k++) {
        cum += sorted[k - 1]!;
        if (1 + k * sorted[k - 1]! > cum) {
          kSup = k;
          cumSup = cum;
        }
      }
      const tau = row.some(Number.isNaN) ? NaN : this.r((cumSup - 1) / kSup, salt('sparsemaxTau'));
      for (let j = 0; j < x.cols; j++) {
        y[i * x.cols + j] = this.r(Math.max(row[j]! - tau, 0), salt('sparsemax'));
        this.kink(x, i * x.cols + j, row[j]! - tau);
      }
    }
    const out = this.make(x.level, x.rows, x.cols, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let i = 0; i < x.rows; i++) {
        let s = 0;
        let n = 0;
        for (let j = 0; j < x.cols; j++) {
          if (y[i * x.cols + j]! > 0) {
            s += g[i * x.cols + j]!;
            n++;
          }
        }
        for (let j = 0; j < x.cols; j++) {
          const k = i * x.cols + j;
          if (y[k]! > 0) this.acc(x, k, this.r(g[k]! - s / n, salt('sub')));
        }
      }
    });
    return out;
  }

  /**
   * NeuralSort soft sort (Grover et al. 2019): `out_i = Σ_j P_ij s_j` with `P_ij = softmax_j(L_ij)`,
   * `L_ij = ((n + 1 - 2i) s_j - A_j) / τ`, `A_j = Σ_k |s_j - s_k|`, `i = 1..n`. Gradient in closed form:
   * with `ḡ_i` the adjoint of `out_i`, `∂L_il = ḡ_i P_il (s_l - out_i)`, and
   * `∂s_m = Σ_i ḡ_i P_im + Σ_i c_i ∂L_im / τ + Σ_l ∂A_l ∂A_l/∂s_m` with `∂A_l = -Σ_i ∂L_il / τ`,
   * `∂A_l/∂s_m = sign(s_m - s_l)` for `l ≠ m` and `Σ_{k≠m} sign(s_m - s_k)` for `l = m` (ties are kinks).
   */
  softSort(x: Val, tau: number): Val {
    const n = x.cols;
    const c = (i: number) => n - 1 - 2 * i;
    // `r` rounds the softmax arguments and the outputs (the float32 error of P grows with |s|·n/τ).
    const rowForward = (s: ArrayLike<number>, r: (v: number) => number) => {
      const a = Array.from({ length: n }, (_, j) => {
        let t = 0;
        for (let k = 0; k < n; k++) t += Math.abs(s[j]! - s[k]!);
        return t;
      });
      const P: number[][] = [];
      const out = Array.from({ length: n }, (_, i) => {
        const logits = Array.from({ length: n }, (_, j) => r((c(i) * s[j]! - a[j]!) / tau));
        const m = Math.max(...logits);
        const e = logits.map((v) => Math.exp(v - m));
        const z = e.reduce((p, q) => p + q, 0);
        P.push(e.map((v) => v / z));
        let o = 0;
        for (let j = 0; j < n; j++) o += P[i]![j]! * s[j]!;
        return r(o);
      });
      return { out, P };
    };
    const y = new Float64Array(x.d.length);
    const Ps: number[][][] = [];
    for (let i = 0; i < x.rows; i++) {
      const row = x.d.subarray(i * n, (i + 1) * n);
      const { out, P } = rowForward(row, (v) => this.r(v, salt('softSort')));
      y.set(out, i * n);
      Ps.push(P);
      for (let j = 0; j < n; j++) for (let k = j + 1; k < n; k++) this.kink(x, i * n + j, row[j]! - row[k]!);
    }
    const out = this.make(x.level, x.rows, x.cols, y, x.dz, x.coupled);
    this.onTape(out, (g) => {
      for (let b = 0; b < x.rows; b++) {
        const s = Array.from(x.d.subarray(b * n, (b + 1) * n));
        const P = Ps[b]!;
        const o = y.subarray(b * n, (b + 1) * n);
        const gs = new Array<number>(n).fill(0);
        const gA = new Array<number>(n).fill(0);
        for (let i = 0; i < n; i++) {
          const gi = g[b * n + i]!;
          for (let l = 0; l < n; l++) {
            const gL = gi * P[i]![l]! * (s[l]! - o[i]!);
            gs[l]! += gi * P[i]![l]! + (gL * c(i)) / tau;
            gA[l]! -= gL / tau;
          }
        }
        for (let m = 0; m < n; m++) {
          for (let l = 0; l < n; l++) {
            if (l === m) continue;
            const sg = Math.sign(s[m]! - s[l]!);
            gs[m]! += gA[m]! * sg + gA[l]! * sg;
          }
        }
        // A float32 backward pass through P errs by about u·Σ|ḡ|·max|s|·n/τ per entry: simulated as that much noise.
        let gAbs = 0;
        for (let i = 0; i < n; i++) gAbs += Math.abs(g[b * n + i]!);
        const noiseScale = (gAbs * Math.max(...s.map(Math.abs)) * n) / tau;
        for (let m = 0; m < n; m++) this.acc(x, b * n + m, this.r(gs[m]!, salt('softSort')) + (this.r(noiseScale, salt(`softSortNoise${m}`)) - noiseScale));
      }
    });
    return out;
  }

  // ── sample → batch ───────────────────────────────────────────────────────
  batchReduce(how: 'sum' | 'mean', x: Val): Val {
    let s = 0;
    for (let i = 0; i < x.d.length; i++) s = this.r(s + x.d[i]!, salt('sum'));
    const n = x.d.length;
    const y = new Float64Array([how === 'sum' ? s : this.r(s / n, salt('div'))]);
    const out = this.make('batch', 1, 1, y, x.dz, true);
    this.onTape(out, (g) => {
      const gi = how === 'sum' ? g[0]! : this.r(g[0]! / n, salt('div'));
      for (let i = 0; i < n; i++) this.acc(x, i, gi);
    });
    return out;
  }

  // ── prediction-derived leaves ────────────────────────────────────────────
  logProbs(): Val {
    return this.cached('@logProbs', () => {
      if (this.from === 'embeddings') throw new Dsl64Error('INPUT_KIND_MISMATCH', 'log-probabilities are undefined for embeddings');
      if (this.from === 'logits') return this.logSoftmax(this.pred);
      // log(clip(p, ε, 1)), clip passing the gradient on [ε, 1] inclusive.
      return this.unary('log', this.unary('clip', this.pred, { lo: this.r(this.epsilon, salt('constant')), hi: 1 }));
    });
  }

  probs(): Val {
    return this.cached('@probs', () => (this.from === 'probs' ? this.pred : this.unary('exp', this.logProbs())));
  }

  private cached(key: string, make: () => Val): Val {
    let v = this.memo.get(key);
    if (!v) {
      v = make();
      this.memo.set(key, v);
    }
    return v;
  }

  /** Smoothed dense targets `y(1-ε) + ε/K` (K = C for CE, 2 for BCE). */
  private smoothed(eps: number, k: number): Float64Array {
    const t = this.targets();
    return eps === 0 ? t : t.map((v) => this.r(this.r(v * this.r(1 - eps, salt('constant')), salt('times')) + this.r(eps / k, salt('constant')), salt('add')));
  }

  private labelMask(kind: string): Val {
    if (!this.labels) throw new Dsl64Error('INPUT_KIND_MISMATCH', 'a label mask needs integer labels');
    const B = this.B;
    const d = new Float64Array(B * B);
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < B; j++) {
        const same = this.labels[i] === this.labels[j];
        d[i * B + j] = kind === 'positiveMask' ? +(same && i !== j) : kind === 'negativeMask' ? +!same : kind === 'sameLabelMask' ? +same : +(i === j);
      }
    }
    return this.make('pair', B, B, d, false, true);
  }

  /** Masked row reduction over `mask ≠ 0`; empty rows give 0 with zero gradient. */
  private maskedRowReduce(x: Val, mask: Val, how: string): Val {
    const n = x.rows;
    const cols = x.cols;
    const y = new Float64Array(n);
    const lse: { m: number; logS: number }[] = [];
    const count: number[] = [];
    const ties: number[] = [];
    for (let i = 0; i < n; i++) {
      const on: number[] = [];
      for (let j = 0; j < cols; j++) if (mask.d[i * cols + j] !== 0) on.push(j);
      count.push(on.length);
      lse.push({ m: NaN, logS: NaN });
      if (on.length === 0) continue;
      const vals = on.map((j) => x.d[i * cols + j]!);
      switch (how) {
        case 'sum':
        case 'mean': {
          let s = 0;
          for (const v of vals) s = this.r(s + v, salt('sum'));
          y[i] = how === 'sum' ? s : this.r(s / on.length, salt('div'));
          break;
        }
        case 'max':
        case 'min': {
          const sorted = [...vals].sort((a, b) => (how === 'max' ? b - a : a - b));
          y[i] = vals.some(Number.isNaN) ? NaN : sorted[0]!;
          ties[i] = vals.filter((v) => v === y[i]).length;
          if (sorted.length > 1) this.kink(x, i * cols, sorted[0]! - sorted[1]!);
          break;
        }
        default: {
          const m = Math.max(...vals);
          let s = 0;
          for (const v of vals) s = this.r(s + this.r(Math.exp(this.r(v - m, salt('sub'))), salt('exp')), salt('sum'));
          const logS = this.r(Math.log(s), salt('log'));
          y[i] = this.r(m + logS, salt('add'));
          lse[i] = { m, logS };
        }
      }
    }
    const out = this.make('sample', n, 1, y, x.dz, true);
    this.onTape(out, (g) => {
      for (let i = 0; i < n; i++) {
        if (count[i] === 0) continue;
        for (let j = 0; j < cols; j++) {
          const k = i * cols + j;
          if (mask.d[k] === 0) continue;
          switch (how) {
            case 'sum': this.acc(x, k, g[i]!); break;
            case 'mean': this.acc(x, k, this.r(g[i]! / count[i]!, salt('div'))); break;
            case 'max':
            case 'min': if (x.d[k] === y[i]) this.acc(x, k, this.r(g[i]! / ties[i]!, salt('div'))); break;
            default: this.acc(x, k, this.mul(g[i]!, Math.exp(x.d[k]! - lse[i]!.m - lse[i]!.logS), salt('times')));
          }
        }
      }
    });
    return out;
  }

  /** Sample → pair: `x_ij = v_i` (rows) or `v_j` (cols); pair transpose. */
  private pairBroadcast(v: Val, how: 'rows' | 'cols' | 'transpose'): Val {
    const B = this.B;
    const d = new Float64Array(B * B);
    const src = (i: number, j: number) => (how === 'rows' ? i : how === 'cols' ? j : j * B + i);
    for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) d[i * B + j] = v.d[src(i, j)]!;
    const out = this.make('pair', B, B, d, v.dz, true);
    this.onTape(out, (g) => {
      for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) this.acc(v, src(i, j), g[i * B + j]!);
    });
    return out;
  }

  private input(name: string, level: Level): Val {
    const given = this.call.inputs?.[name];
    if (given === undefined) throw new Dsl64Error('MISSING_INPUT', `no input named '${name}'`);
    const [rows, cols] = this.shape(level);
    const d = new Float64Array(rows * cols);
    if (typeof given === 'number') d.fill(given);
    else if (level === 'class' && !Array.isArray(given[0])) for (let i = 0; i < rows; i++) d.set(given as readonly number[], i * cols);
    else if (level === 'class' || level === 'pair') (given as readonly (readonly number[])[]).forEach((row, i) => d.set(row, i * cols));
    else d.set(given as readonly number[]);
    return this.make(level, rows, cols, d, false, false);
  }

  // ── the expression walk ──────────────────────────────────────────────────
  ev(e: Expr): Val {
    const hit = this.memo.get(e.key);
    if (hit) return hit;
    const v = this.evNode(e);
    this.memo.set(e.key, v);
    return v;
  }

  private evNode(e: Expr): Val {
    const k = e.op.kind;
    const p = e.params;
    const arg = (i: number) => this.ev(e.args[i]!);
    const B = this.B;
    const C = this.C;
    switch (k) {
      case 'named':
        return arg(0);
      case 'constant':
        return this.filled(e.level, p.value as number);
      case 'yPred':
      case 'logit':
      case 'embeddings':
        return this.pred;
      case 'yTrue':
        return this.constVal('class', this.targets());
      case 'prob':
        return this.probs();
      case 'logProb':
        return this.logProbs();
      case 'classConstant': {
        const values = p.values as readonly number[];
        if (values.length !== C) throw new Dsl64Error('SHAPE_MISMATCH', `a per-class constant has ${values.length} values, C = ${C}`);
        const d = new Float64Array(B * C);
        for (let i = 0; i < B; i++) for (let j = 0; j < C; j++) d[i * C + j] = this.r(values[j]!, salt('constant'));
        return this.constVal('class', d);
      }
      case 'input':
        return this.input(p.name as string, e.level);
      case 'square':
        return this.unary('pow', this.binary('minus', this.pred, this.constVal('class', this.targets())), { p: 2 });
      case 'absError':
        return this.unary('abs', this.binary('minus', this.pred, this.constVal('class', this.targets())));
      case 'ce': {
        // -Σ_j ỹ_j log p_j, ỹ = y(1-ε) + ε/C.
        const t = this.smoothed(p.labelSmoothing as number, C);
        return this.unary('neg', this.rowDot(this.logProbs(), t, 1));
      }
      case 'bce': {
        const t = this.constVal('class', this.smoothed(p.labelSmoothing as number, 2));
        if (this.from === 'logits') return this.binary('minus', this.unary('softplus', this.pred), this.binary('times', t, this.pred));
        const eps = this.r(this.epsilon, salt('constant'));
        const q = this.unary('clip', this.pred, { lo: eps, hi: this.r(1 - this.epsilon, salt('constant')) });
        const one = this.filled('class', 1);
        const ll = this.binary('plus', this.binary('times', t, this.unary('log', q)), this.binary('times', this.binary('minus', one, t), this.unary('log', this.binary('minus', one, q))));
        return this.unary('neg', ll);
      }
      case 'entropy':
        return this.unary('neg', this.rowReduce('sum', this.binary('times', this.probs(), this.logProbs())));
      case 'kl': {
        // Σ_j t_j log t_j - t_j log p_j, with 0 log 0 = 0.
        const t = e.args.length > 0 ? arg(0) : this.constVal('class', this.targets());
        return this.rowReduce('sum', this.binary('minus', this.xlogx(t), this.binary('times', t, this.logProbs())));
      }
      case 'target':
        return this.target(arg(0));
      case 'incorrect':
        return this.incorrect(arg(0));
      case 'topk':
        return this.topk(arg(0), p.k as number);
      case 'expand':
        return this.expand(arg(0));
      case 'batchSum':
        return this.batchReduce('sum', arg(0));
      case 'batchMean':
        return this.batchReduce('mean', arg(0));
      case 'softmax':
        return this.unary('exp', this.logSoftmax(arg(0)));
      case 'logSoftmax':
        return this.logSoftmax(arg(0));
      case 'zNormalize': {
        // (x - mean x) / max(std x, 1e-12), population std.
        const x = arg(0);
        const d = this.binary('minus', x, this.expand(this.rowReduce('mean', x)));
        const sd = this.unary('sqrt', this.rowReduce('mean', this.unary('pow', d, { p: 2 })));
        return this.binary('div', d, this.expand(this.binary('maximum', sd, this.filled('sample', 1e-12))));
      }
      case 'batchMarginal':
        return this.batchMarginal(arg(0));
      case 'sparsemax':
        return this.sparsemax(arg(0));
      case 'softSort':
        return this.softSort(arg(0), p.tau as number);
      case 'where':
        return this.where(arg(0), arg(1), p.otherwise as number);
      case 'detach':
        return this.detach(arg(0));
      case 'positiveMask':
      case 'negativeMask':
      case 'sameLabelMask':
      case 'identityMask':
        return this.labelMask(k);
      case 'maskedRowReduce':
        return this.maskedRowReduce(arg(0), arg(1), p.how as string);
      case 'pairRows':
        return this.pairBroadcast(arg(0), 'rows');
      case 'pairCols':
        return this.pairBroadcast(arg(0), 'cols');
      case 'pairTranspose':
        return this.pairBroadcast(arg(0), 'transpose');
      default:
        if (BINARY.has(k)) return this.binary(k, arg(0), arg(1));
        if (ROW_REDUCTIONS.has(k)) return this.rowReduce(k, arg(0));
        if (k in ELEMENTWISE) return this.unary(k, arg(0), p);
        throw new Error(`dsl64: no reference for op kind '${k}'`);
    }
  }

  /** `t log t`, 0 at t = 0 (NaN below); derivative `log t + 1` for t > 0, 0 at t = 0. */
  private xlogx(t: Val): Val {
    const y = new Float64Array(t.d.length);
    for (let k = 0; k < y.length; k++) {
      const a = t.d[k]!;
      y[k] = a > 0 ? this.r(a * this.r(Math.log(a), salt('log')), salt('times')) : a === 0 ? 0 : NaN;
    }
    const out = this.make(t.level, t.rows, t.cols, y, t.dz, t.coupled);
    this.onTape(out, (g) => {
      for (let k = 0; k < y.length; k++) {
        const a = t.d[k]!;
        this.acc(t, k, a > 0 ? this.mul(g[k]!, Math.log(a) + 1, salt('times')) : a === 0 ? 0 : this.mul(g[k]!, NaN, salt('times')));
      }
    });
    return out;
  }

  /** Runs the tape backwards from `root` with adjoint `seed`. */
  backward(root: Val, seed: Float64Array): Float64Array {
    root.g = seed;
    for (let k = this.tape.length - 1; k >= 0; k--) this.tape[k]!();
    return this.pred.g ?? new Float64Array(this.B * this.C);
  }
}

/**
 * Evaluates `expr` as `compile(expr, options)` documents, on one call: per-sample values, the reduced
 * value and its gradient with respect to `yPred`. Throws {@link Dsl64Error} where `compile()` must
 * throw a `LosskitError` for a reason other than a non-finite result (a non-finite result is returned
 * as is: the caller decides what it means).
 */
export function dsl64(expr: Expr, options: Dsl64Options, call: Dsl64Call, arithmetic: Arithmetic = exactArithmetic): Dsl64Result {
  if (expr.level !== 'sample' && expr.level !== 'batch') throw new Dsl64Error('LEVEL_MISMATCH', `cannot compile a ${expr.level}-level expression`);
  if (options.from === 'probs' && expr.needs === 'logits') throw new Dsl64Error('INPUT_KIND_MISMATCH', 'logit() with from: probs');
  const it = new Interpreter(arithmetic, options, call);
  const B = it.B;
  const root = it.ev(expr);
  const r = (x: number) => arithmetic.round(x, salt('reduce'));
  const reduction = options.reduction ?? 'mean';
  if (expr.level === 'batch') {
    if (call.sampleWeight !== undefined) throw new Dsl64Error('INVALID_ARGUMENT', 'sample weights need a sample-level expression');
    const grad = it.backward(root, new Float64Array([1]));
    return { level: 'batch', perSample: undefined, value: Float64Array.from(root.d), grad, kinks: it.kinks, rangeEvent: it.rangeEvent, zeroTimesInf: it.zeroTimesInf, nonFiniteIntermediate: it.nonFiniteIntermediate };
  }
  const l = root.d;
  const sw = call.sampleWeight;
  const w = Float64Array.from({ length: B }, (_, i) => (sw === undefined ? 1 : typeof sw === 'number' ? sw : sw[i]!));
  const wl = l.map((v, i) => r(v * w[i]!));
  let total = 0;
  for (const v of wl) total = r(total + v);
  const sumW = w.reduce((a, b) => a + b, 0);
  const nonzero = w.reduce((a, b) => a + (b !== 0 ? 1 : 0), 0);
  // ∂value/∂l_i for each reduction (the documented formulas; 0 when the denominator is 0).
  let value: Float64Array;
  let dl: Float64Array;
  const weighted = sw !== undefined;
  switch (reduction) {
    case 'none':
      value = wl;
      dl = w;
      break;
    case 'sum':
      value = new Float64Array([total]);
      dl = w;
      break;
    case 'weightedMean':
      if (weighted) {
        // 0 when Σw = 0 (a non-finite Σ w_i l_i stays non-finite).
        value = new Float64Array([sumW === 0 ? total * 0 : r(total / sumW)]);
        dl = w.map((v) => (sumW === 0 ? 0 : v / sumW));
        break;
      }
      value = new Float64Array([r(total / B)]);
      dl = w.map((v) => v / B);
      break;
    case 'sumByNonzeroWeights':
      if (weighted) {
        value = new Float64Array([nonzero === 0 ? total * 0 : r(total / nonzero)]);
        dl = w.map((v) => (nonzero === 0 ? 0 : v / nonzero));
        break;
      }
      value = new Float64Array([r(total / B)]);
      dl = w.map((v) => v / B);
      break;
    default:
      value = new Float64Array([r(total / B)]);
      dl = w.map((v) => v / B);
  }
  const grad = it.backward(root, dl);
  return { level: 'sample', perSample: Float64Array.from(l), value, grad, kinks: it.kinks, rangeEvent: it.rangeEvent, zeroTimesInf: it.zeroTimesInf, nonFiniteIntermediate: it.nonFiniteIntermediate };
}

// ── what a float32 implementation must return ──────────────────────────────────

/**
 * What one call of a compiled loss must do: throw a `LosskitError` with `code`, or return `values`
 * within `tol` (entries with `check[k] = 0` are not compared). `mayThrow`: throwing
 * `NON_FINITE_OUTPUT` instead is also right, because the float32 evaluation of this expression
 * leaves float32's range (or float64 left its own range, so the reference value is itself uncertain).
 */
export type Expectation =
  | { readonly kind: 'throws'; readonly code: string; readonly why: string }
  | {
      readonly kind: 'values';
      readonly values: Float64Array;
      readonly tol: Float64Array;
      readonly check: Uint8Array;
      readonly mayThrow: boolean;
      readonly why: string;
    };

/** Expectations for `perSample(yTrue, yPred)` (no weights), `loss(yTrue, yPred, w)` and `valueAndGrad(yTrue, yPred, w)`. */
export interface Reference64 {
  readonly perSample: Expectation;
  readonly value: Expectation;
  readonly valueAndGrad: { readonly value: Expectation; readonly grad: Expectation };
  /** The exact float64 evaluation (or the documented error). */
  readonly exact: Dsl64Result | Dsl64Error;
  /**
   * Per sample row, whether its gradient is defined: `ok`; `kink` (the row sits exactly on a kink of
   * the function, where the derivative does not exist: unchecked); `near` (a float32 evaluation may land
   * on either side of a kink: unchecked).
   */
  readonly gradRows: readonly ('ok' | 'kink' | 'near')[];
}

/**
 * Relative and batch-relative tolerance of float32 results, before the simulated rounding spread. The
 * batch-relative part is taken of `max(max|ref|, 1)`: a result that cancels to 0 from O(1) operands
 * (`logsumexp(logsoftmax(x))`, the gradient of `Σ_j p_j`) carries float32 noise of about 1e-7.
 */
export const RTOL = 1e-5;
export const ATOL_OF_MAX = 1e-6;
/** Safety factor on the spread of the simulated float32 runs (they sample rounding errors, not the worst case). */
export const SPREAD_FACTOR = 16;

/**
 * Float64 reference plus float32-aware expectations for one call. Besides the exact evaluation it runs
 * `runs` simulated float32 evaluations ({@link simulatedFloat32}, every other one flushing subnormals):
 * - tolerance of entry k: `RTOL·|ref_k| + ATOL_OF_MAX·max(max|ref|, 1) + SPREAD_FACTOR·max_runs |sim_k - ref_k|`,
 *   so an expression whose float32 evaluation cancels digits (`x·1e4 - y·1e4`) gets the slack float32
 *   needs, and nothing more;
 * - a run that is not finite where the reference is marks the call `mayThrow` (float32 overflows on it);
 * - a kink that some run passes on the other side, or within 16× the runs' spread of its distance, leaves
 *   that row's gradient unchecked.
 */
export function reference64(expr: Expr, options: Dsl64Options, call: Dsl64Call, runs = 4): Reference64 {
  const attempt = (ar: Arithmetic) => attemptOn(expr, options, call, ar);
  const exact = attempt(exactArithmetic);
  const B = call.yPred.length;
  const throws = (code: string, why: string): Expectation => ({ kind: 'throws', code, why });
  const levelOfExpr = expr.level;
  if (exact instanceof Dsl64Error) {
    // Weights with a batch-level expression only fail the weighted calls; perSample has its own error.
    const e = throws(exact.code, exact.message);
    const ps = levelOfExpr === 'batch' ? throws('LEVEL_MISMATCH', 'perSample() needs a sample-level expression') : e;
    return { perSample: ps, value: e, valueAndGrad: { value: e, grad: e }, exact, gradRows: new Array(B).fill('near') };
  }
  const sims = Array.from({ length: runs }, (_, k) => attempt(simulatedFloat32(0x5eed + 7919 * k, k % 2 === 1))).filter(
    (s): s is Dsl64Result => !(s instanceof Dsl64Error),
  );
  // The same evaluation at slightly moved predictions: a tie that survives is structural (the tied entries
  // are one function, e.g. `x.expand().max()`), so there is no kink; a tie that breaks is a real kink.
  let lcg = 12345;
  const jitter = () => {
    lcg = (Math.imul(lcg, 1103515245) + 12345) >>> 0;
    return lcg / 4294967296 - 0.5;
  };
  const perturbed = attemptOn(expr, options, { ...call, yPred: call.yPred.map((row) => row.map((v) => v + 1e-3 * (1 + Math.abs(v)) * jitter())) });

  const gradRows: ('ok' | 'kink' | 'near')[] = new Array(B).fill('ok');
  const mark = (row: number, how: 'kink' | 'near') => {
    for (let i = 0; i < B; i++) if ((row < 0 || row === i) && gradRows[i] !== 'near') gradRows[i] = how;
  };
  const aligned = !(perturbed instanceof Dsl64Error) && perturbed.kinks.length === exact.kinks.length && sims.every((s) => s.kinks.length === exact.kinks.length);
  if (!aligned) gradRows.fill('near');
  else {
    exact.kinks.forEach((site, k) => {
      const spread = Math.max(0, ...sims.map((s) => Math.abs(s.kinks[k]!.dist - site.dist)));
      if (Number.isNaN(site.dist) || Number.isNaN(spread)) mark(site.row, 'near');
      else if (site.dist === 0) {
        if ((perturbed as Dsl64Result).kinks[k]!.dist === 0) return; // structural tie: no kink
        mark(site.row, spread > 0 ? 'near' : 'kink');
      } else if (Math.abs(site.dist) <= 16 * spread) mark(site.row, 'near');
    });
  }

  const expectationOf = (
    pick: (r: Dsl64Result) => Float64Array | undefined,
    skip: (k: number) => boolean,
    what: string,
    ieeeMayDiffer = false,
  ): Expectation => {
    const ref = pick(exact)!;
    const check = Uint8Array.from(ref, (_, k) => (skip(k) ? 0 : 1));
    const checked = (k: number) => check[k] === 1;
    const nonFinite = ref.some((v, k) => checked(k) && !Number.isFinite(v));
    if (nonFinite && !exact.rangeEvent) return throws('NON_FINITE_OUTPUT', `the float64 ${what} is not finite`);
    let scale = 0;
    ref.forEach((v, k) => {
      if (checked(k) && Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    });
    // A chain rule that multiplies a zero adjoint by an infinite partial gets NaN where the derivative is 0.
    let fragile = nonFinite || ieeeMayDiffer;
    const tol = Float64Array.from(ref, (v, k) => {
      let spread = 0;
      for (const s of sims) {
        const x = pick(s)![k]!;
        if (!Number.isFinite(x)) {
          if (checked(k) && Number.isFinite(v)) fragile = true;
          continue;
        }
        spread = Math.max(spread, Math.abs(x - v));
      }
      return RTOL * Math.abs(v) + ATOL_OF_MAX * Math.max(scale, 1) + SPREAD_FACTOR * spread;
    });
    // Entries float64 could not compute are not compared (the call may throw or return anything finite there).
    ref.forEach((v, k) => {
      if (!Number.isFinite(v)) check[k] = 0;
    });
    const why = nonFinite ? `float64 left its range in the ${what}` : ieeeMayDiffer ? `a zero adjoint meets an infinite partial in the ${what}` : fragile ? `float32 leaves its range in the ${what}` : '';
    return { kind: 'values', values: ref, tol, check, mayThrow: fragile, why };
  };

  const C = call.yPred[0]!.length;
  const perSample =
    exact.level === 'batch'
      ? throws('LEVEL_MISMATCH', 'perSample() needs a sample-level expression')
      : expectationOf((r) => r.perSample, () => false, 'per-sample values');
  const value = expectationOf((r) => r.value, () => false, 'value', exact.nonFiniteIntermediate);
  const grad = expectationOf((r) => r.grad, (k) => gradRows[Math.floor(k / C)] !== 'ok', 'gradient', exact.zeroTimesInf || exact.nonFiniteIntermediate);
  return { perSample, value, valueAndGrad: { value, grad }, exact, gradRows };
}

function attemptOn(expr: Expr, options: Dsl64Options, call: Dsl64Call, arithmetic: Arithmetic = exactArithmetic): Dsl64Result | Dsl64Error {
  try {
    return dsl64(expr, options, call, arithmetic);
  } catch (e) {
    if (e instanceof Dsl64Error) return e;
    throw e;
  }
}
