// Random expressions from the DSL grammar of @losskit/core (every builder and method), typed by level, with
// random batches: labels or soft targets, sample weights, reductions, `from: 'probs'`, ±1e4 logits, extra
// inputs and named parts. Deterministic for a seed.
import {
  type Expr,
  type Reduction,
  abs,
  alongCols,
  alongRows,
  bce,
  ce,
  classConstant,
  embeddings,
  entropy,
  identityMask,
  input,
  kl,
  log1mexp,
  logProb,
  logit,
  negativeMask,
  positiveMask,
  prob,
  sameLabelMask,
  softSort,
  sparsemax,
  square,
  yPred,
  yTrue,
} from '../../src/index.js';
import { normal, rng } from '../../src/math/index.js';
import type { ExportCase } from './harness.js';

type E<L extends 'class' | 'sample' | 'batch' | 'pair'> = Expr<L, any>;

/** A random source with the helpers the grammar needs. */
export class Dice {
  private readonly u: () => number;
  private readonly g: () => number;
  constructor(seed: number) {
    this.u = rng(seed);
    this.g = normal(this.u);
  }
  uniform(): number {
    return this.u();
  }
  normal(): number {
    return this.g();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.u() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.u() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.u() < p;
  }
  /** A "nice" constant: small integers, halves, occasionally negative. */
  constant(): number {
    return this.pick([0.5, 1, 2, 3, 0.1, -1, -0.5, 1.5, 0.25]);
  }
}

/** Builds random expressions for `C` classes. */
export class Grammar {
  constructor(
    private readonly d: Dice,
    private readonly C: number,
  ) {}

  /** A strictly positive class-level value (for log, sqrt, division). */
  positive(x: E<'class'>): E<'class'>;
  positive(x: E<'sample'>): E<'sample'>;
  positive(x: E<any>): E<any> {
    return this.d.pick([() => x.softplus().plus(0.1), () => x.abs().plus(0.5), () => x.pow(2).plus(1), () => x.sigmoid().plus(0.05), () => x.clip(-20, 20).exp()])();
  }

  leafClass(): E<'class'> {
    const d = this.d;
    return d.pick<() => E<'class'>>([
      () => yPred(),
      () => yTrue(),
      () => logit(),
      () => prob(),
      () => logProb(),
      () => square(),
      () => abs(),
      () => bce({ labelSmoothing: d.pick([0, 0, 0.1]) }),
      () => classConstant(Array.from({ length: this.C }, () => d.constant()), 'w'),
      () => input('u', 'class'),
    ])();
  }

  leafSample(): E<'sample'> {
    const d = this.d;
    return d.pick<() => E<'sample'>>([
      () => ce({ labelSmoothing: d.pick([0, 0, 0.1, 0.3]) }),
      () => ce(),
      () => entropy(),
      () => kl(),
      () => input('s', 'sample'),
    ])();
  }

  /** Elementwise unary ops valid at any level. */
  unary<L extends 'class' | 'sample' | 'batch' | 'pair'>(x: E<L>): E<L> {
    const d = this.d;
    const y = x as E<any>;
    const ops: Array<() => E<any>> = [
      () => y.neg(),
      () => y.scale(d.constant()),
      () => y.abs(),
      () => y.relu(),
      () => y.softplus(),
      () => y.sigmoid(),
      () => y.logSigmoid(),
      () => y.clip(-d.pick([1, 2, 5]), d.pick([1, 3])),
      () => y.detach(),
      () => y.pow(d.pick([2, 3, 1])),
      () => this.positive(y).pow(0.5),
      () => this.positive(y).log(),
      () => this.positive(y).sqrt(),
      () => y.sigmoid().log1p(),
      () => y.clip(-20, 20).exp(),
      () => y.exp(), // may overflow at ±1e4: the module must then be non-finite too
      () => log1mexp(y.softplus().neg().minus(0.01)),
    ];
    return d.pick(ops)() as E<L>;
  }

  binary<L extends 'class' | 'sample' | 'batch' | 'pair'>(a: E<L>, b: E<L> | number): E<L> {
    const d = this.d;
    const x = a as E<any>;
    const y = b as E<any> | number;
    const ops: Array<() => E<any>> = [
      () => x.plus(y),
      () => x.minus(y),
      () => x.times(y),
      () => x.div(typeof y === 'number' ? (y === 0 ? 1 : y) : this.positive(y)),
      () => x.maximum(y),
      () => x.minimum(y),
    ];
    if (typeof y !== 'number') ops.push(() => x.where(y.relu(), d.pick([0, 1, -2])));
    return d.pick(ops)() as E<L>;
  }

  cls(depth: number): E<'class'> {
    const d = this.d;
    if (depth <= 0) return this.leafClass();
    return d.pick<() => E<'class'>>([
      () => this.leafClass(),
      () => this.unary(this.cls(depth - 1)),
      () => this.unary(this.cls(depth - 1)),
      () => this.binary(this.cls(depth - 1), d.chance(0.3) ? d.constant() : this.cls(depth - 1)),
      () => this.binary(this.cls(depth - 1), this.cls(depth - 1)),
      () => this.cls(depth - 1).softmax(),
      () => this.cls(depth - 1).logSoftmax(),
      // zNormalize of a row with no spread (an expand()ed value) divides by sqrt(1e-12): its gradient is 1e6 × rounding
      // noise, which no two implementations share; standardize rows of a plus-logit term instead.
      () => this.cls(depth - 1).plus(logit()).zNormalize(),
      () => this.cls(depth - 1).batchMean(),
      () => sparsemax(this.cls(depth - 1)),
      // NeuralSort is a relaxation for scores on the scale of τ; at ±1e8 its float32 gradient is noise and no reference resolves it.
      () => softSort(this.cls(depth - 1).clip(-30, 30), { tau: d.pick([0.5, 1, 2]) }),
      () => this.smp(depth - 1).expand(),
      () => this.cls(depth - 1).named(d.pick(['a', 'b'])),
    ])();
  }

  reduce(x: E<'class'>): E<'sample'> {
    const d = this.d;
    return d.pick<() => E<'sample'>>([
      () => x.target(),
      () => x.incorrect(),
      () => x.sum(),
      () => x.mean(),
      () => x.max(),
      () => x.min(),
      () => x.logSumExp(),
      () => x.topk(d.int(1, Math.max(1, Math.min(2, this.C)))),
    ])();
  }

  smp(depth: number): E<'sample'> {
    const d = this.d;
    if (depth <= 0) return d.chance(0.5) ? this.leafSample() : this.reduce(this.leafClass());
    return d.pick<() => E<'sample'>>([
      () => this.leafSample(),
      () => this.reduce(this.cls(depth - 1)),
      () => this.reduce(this.cls(depth - 1)),
      () => this.unary(this.smp(depth - 1)),
      () => this.binary(this.smp(depth - 1), d.chance(0.3) ? d.constant() : this.smp(depth - 1)),
      () => kl(this.cls(depth - 1).softmax()),
      () => this.smp(depth - 1).named(d.pick(['c', 'd'])),
    ])();
  }

  batch(depth: number): E<'batch'> {
    const d = this.d;
    const base = d.chance(0.5) ? this.smp(depth).mean() : this.smp(depth).sum();
    return d.chance(0.4) ? this.binary(this.unary(base), d.chance(0.5) ? d.constant() : this.smp(depth - 1).mean()) : base;
  }

  /** Pair-level terms over embeddings (from: 'embeddings'). */
  pair(depth: number): E<'pair'> {
    const d = this.d;
    const perSample = (): E<'sample'> =>
      d.pick<() => E<'sample'>>([() => embeddings().pow(2).sum(), () => embeddings().mean(), () => embeddings().max(), () => embeddings().sigmoid().sum().sqrt()])();
    if (depth <= 0) {
      return d.pick<() => E<'pair'>>([
        () => alongRows(perSample()).minus(alongCols(perSample())),
        () => alongRows(perSample()).times(alongCols(perSample())),
        () => alongCols(perSample()),
        () => positiveMask().plus(alongRows(perSample())),
      ])();
    }
    return d.pick<() => E<'pair'>>([
      () => this.unary(this.pair(depth - 1)),
      () => this.binary(this.pair(depth - 1), this.pair(depth - 1)),
      () => this.binary(this.pair(depth - 1), d.pick<() => E<'pair'>>([positiveMask, negativeMask, sameLabelMask, identityMask])()),
      () => this.pair(depth - 1).transpose(),
    ])();
  }

  pairReduce(x: E<'pair'>): E<'sample'> {
    const d = this.d;
    return d.pick<() => E<'sample'>>([
      () => x.positives(d.pick(['mean', 'sum', 'max', 'min', 'logSumExp'] as const)),
      () => x.negatives(d.pick(['mean', 'sum', 'max', 'min', 'logSumExp'] as const)),
      () => x.hardest(d.pick(['positives', 'negatives'] as const), d.pick(['distance', 'similarity'] as const)),
      () => x.over(this.pair(0).relu(), d.pick(['mean', 'max', 'logSumExp'] as const)),
      () => x.sum(),
      () => x.mean(),
      () => x.logSumExp(),
      () => x.max(),
    ])();
  }
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'];

/** Whether two different sub-expressions share a name (compile() rejects that). */
function nameClash(e: Expr, seen = new Map<string, string>()): boolean {
  if (e.label !== undefined) {
    const prev = seen.get(e.label);
    if (prev !== undefined && prev !== e.key) return true;
    seen.set(e.label, e.key);
  }
  return e.args.some((a) => nameClash(a, seen));
}

function inputsOf(e: Expr, out = new Map<string, string>()): Map<string, string> {
  if (e.op.kind === 'input') out.set(e.params.name as string, e.level);
  for (const a of e.args) inputsOf(a, out);
  return out;
}

/** Random batches for an expression: `count` cases, mixing labels and soft targets, weights, reductions and ±1e4 logits. */
export function randomBatches(d: Dice, id: string, expr: Expr, C: number, count: number, pair = false): ExportCase[] {
  const cases: ExportCase[] = [];
  for (let k = 0; k < count; k++) {
    const B = pair ? d.int(3, 6) : d.pick([1, 2, 3, 4, 5, 6]);
    const huge = !pair && k === count - 1 && d.chance(0.8);
    const from = pair ? 'embeddings' : expr.needs !== 'logits' && d.chance(0.25) ? 'probs' : 'logits';
    const scale = huge ? 1e4 : d.pick([1, 3]);
    const rows = (cols: number, s: number) => Array.from({ length: B }, () => Array.from({ length: cols }, () => s * d.normal()));
    const softmax = (r: number[]) => {
      const m = Math.max(...r);
      const e = r.map((x) => Math.exp(x - m));
      const t = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / t);
    };
    const yPred = from === 'probs' ? rows(C, 2).map(softmax) : rows(pair ? d.int(2, 4) : C, scale);
    const labels = pair || d.chance(0.5);
    const yTrue = pair
      ? Array.from({ length: B }, () => d.int(0, 2))
      : labels
        ? Array.from({ length: B }, () => d.int(0, C - 1))
        : rows(C, 1).map(softmax);
    const weighted = d.chance(0.5) && expr.level !== 'batch';
    const sampleWeight = weighted ? Array.from({ length: B }, () => (d.chance(0.2) ? 0 : 2 * d.uniform())) : undefined;
    const inputs: Record<string, number[] | number[][]> = {};
    for (const [name, level] of inputsOf(expr)) inputs[name] = level === 'class' ? rows(C, 1) : Array.from({ length: B }, () => 0.5 + d.uniform());
    cases.push({
      id: `${id}#${k}`,
      expr,
      options: { from, reduction: d.pick(REDUCTIONS) },
      yTrue,
      labels,
      yPred,
      ...(sampleWeight ? { sampleWeight } : {}),
      ...(Object.keys(inputs).length ? { inputs } : {}),
    });
  }
  return cases;
}

/** `count` random expressions (about 10% pair-level over embeddings, 20% batch-level), each with a few batches. */
export function randomCases(seed: number, count: number, batchesPer = 2): { exprs: Expr[]; cases: ExportCase[] } {
  const d = new Dice(seed);
  const exprs: Expr[] = [];
  const cases: ExportCase[] = [];
  for (let i = 0; i < count; i++) {
    const C = d.chance(0.1) ? 1 : d.int(2, 5);
    const g = new Grammar(d, C);
    const depth = d.int(1, 4);
    let expr: Expr | undefined;
    let pair = false;
    for (let attempt = 0; expr === undefined; attempt++) {
      if (attempt > 20) throw new Error('grammar: no valid expression');
      try {
        const roll = d.uniform();
        pair = roll < 0.1;
        expr = pair ? g.pairReduce(g.pair(depth - 1)) : roll < 0.3 ? g.batch(depth) : g.smp(depth);
        if (pair && d.chance(0.3)) expr = (expr as E<'sample'>).mean();
        if (nameClash(expr)) expr = undefined;
      } catch {
        // A builder rejected a random combination: draw again.
      }
    }
    exprs.push(expr);
    cases.push(...randomBatches(d, `random ${i}: ${expr.toString()}`, expr, C, batchesPer, pair));
  }
  return { exprs, cases };
}
