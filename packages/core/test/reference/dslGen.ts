/**
 * Random loss expressions over the whole DSL grammar and random inputs for them, as fast-check
 * arbitraries (so failures shrink to a small expression on small inputs). An expression is generated
 * as a plain tree ({@link Ast}) and built into an `Expr` once the number of classes is known
 * (`classConstant` needs one value per class).
 */
import fc from 'fast-check';
import {
  type Expr,
  abs as absError,
  alongCols,
  alongRows,
  bce,
  ce,
  classConstant,
  constant,
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
import { rng } from '../../src/math/index.js';

/** A generated expression: `op` names a builder (see {@link build}), `n` its numeric parameters. */
export interface Ast {
  readonly op: string;
  readonly args: readonly Ast[];
  readonly n: readonly number[];
}

const node = (op: string, args: readonly Ast[] = [], n: readonly number[] = []): Ast => ({ op, args, n });

/** Constants the generator draws (float32-exact or not, signs, zero, tiny and large). */
const NUMBERS = [-3, -1, -0.5, 0, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 10, 1e-3];
const POWERS = [2, 3, -1, 0.5, 1.5, 1, 4, -2];
const CLIPS: readonly (readonly [number, number])[] = [[-1, 1], [0, 2], [-0.5, 0.5], [0, 0], [1e-3, 1], [-3, 0]];
const SMOOTHING = [0, 0.1, 0.5, 1];

/** Elementwise ops with no parameter, valid at every level. */
const ELEMENTWISE = ['neg', 'exp', 'abs', 'relu', 'softplus', 'sigmoid', 'logSigmoid', 'detach'] as const;
/** Elementwise ops whose domain is restricted: usually applied to a valid argument, sometimes not. */
const DOMAIN = ['log', 'sqrt', 'log1p', 'powFrac', 'div', 'log1mexp'] as const;
const BINARY = ['plus', 'minus', 'times', 'div', 'maximum', 'minimum'] as const;
const ROW_REDUCTIONS = ['target', 'incorrect', 'sum', 'mean', 'max', 'min', 'logSumExp'] as const;

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
type Weighted = { readonly arbitrary: fc.Arbitrary<Ast>; readonly weight: number };
/** `fc.oneof` over the entries of positive weight (the first one is what the depth limit falls back to). */
const choice = (constraints: fc.OneOfConstraints, ...xs: Weighted[]): fc.Arbitrary<Ast> =>
  fc.oneof(constraints, ...xs.filter((x) => x.weight > 0)) as fc.Arbitrary<Ast>;
const numberArb = pick(NUMBERS);

/**
 * Wraps `x` so the result is in a function's domain: positive (`pos`, for log, sqrt, fractional powers,
 * divisors) or non-positive (`nonpos`, for log1mexp). Which wrapper: `k`.
 */
function domainOf(f: string): 'pos' | 'nonpos' | 'gtMinus1' {
  return f === 'log1mexp' ? 'nonpos' : f === 'log1p' ? 'gtMinus1' : 'pos';
}

interface Grammar {
  cls: Ast;
  smp: Ast;
  dist: Ast;
  root: Ast;
  batch: Ast;
}

/** Elementwise nodes over `x` (any level): unary functions, domain-restricted ones, binary ops with `x` or a number. */
function elementwiseOf(x: fc.Arbitrary<Ast>, smooth: boolean): fc.Arbitrary<Ast> {
  const kinky = smooth ? 0 : 1;
  const binary = smooth ? (['plus', 'minus', 'times'] as const) : BINARY;
  return choice(
    {},
    { arbitrary: fc.tuple(pick(smooth ? ['neg', 'exp', 'softplus', 'sigmoid', 'logSigmoid'] : ELEMENTWISE), x).map(([f, a]) => node(f, [a])), weight: 6 },
    { arbitrary: fc.tuple(numberArb, x).map(([w, a]) => node('scale', [a], [w])), weight: 2 },
    { arbitrary: fc.tuple(pick([2, 3, -1, 1, 4]), x).map(([p, a]) => node('pow', [a], [p])), weight: kinky },
    { arbitrary: fc.tuple(pick([2, 3, 1]), x).map(([p, a]) => node('pow', [a], [p])), weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: CLIPS.length - 1 }), x).map(([k, a]) => node('clip', [a], CLIPS[k]!)), weight: kinky },
    // Domain-restricted functions: 4 in 5 of a wrapped (valid) argument, else of the raw argument.
    {
      arbitrary: fc.tuple(pick(DOMAIN), x, fc.integer({ min: 0, max: 4 }), x, pick(POWERS)).map(([f, a, k, b, p]) => {
        // Smooth: wrappers without kinks only (2 and 3: softplus + 1/8 or σ; log σ or -softplus(-x); σ - 1/2 or softplus).
        const kk = smooth ? [2, 3][k % 2]! : k;
        const wrap = (y: Ast) => (kk < 4 ? node(domainOf(f), [y], [kk]) : y);
        if (f === 'div') return node('div', [a, wrap(b)]);
        if (f === 'powFrac') return node('pow', [wrap(a)], [p]);
        return node(f, [wrap(a)]);
      }),
      weight: 3,
    },
    { arbitrary: fc.tuple(pick(binary), x, x).map(([f, a, b]) => node(f, [a, b])), weight: 4 },
    { arbitrary: fc.tuple(pick(binary), x, numberArb).map(([f, a, v]) => node(`${f}Number`, [a], [v])), weight: 2 },
  );
}

/** Which part of the grammar {@link grammar} draws from. */
export interface GrammarOptions {
  readonly maxDepth?: number;
  /** Only nodes the fusion pass accepts (see `CompileOptions.fuse`), so `compile(e)` runs a fused kernel. */
  readonly fusableOnly?: boolean;
  /** Only differentiable nodes with a gradient (no relu, abs, clip, max/min, top-k, where, sparsemax, soft sort, detach; valid domains): for gradient self-checks. */
  readonly smooth?: boolean;
}

/** Arbitraries of class-, sample- and batch-level expressions (`root`: what `compile()` takes). */
export function grammar(options: GrammarOptions = {}) {
  const maxDepth = options.maxDepth ?? 5;
  const smooth = options.smooth === true;
  // Weight of the nodes the fusion pass does not take (they push the whole expression to the unfused path).
  const rare = options.fusableOnly || smooth ? 0 : 1;
  return fc.letrec<Grammar>((tie) => {
    const cls = tie('cls') as fc.Arbitrary<Ast>;
    const smp = tie('smp') as fc.Arbitrary<Ast>;
    const dist = tie('dist') as fc.Arbitrary<Ast>;
    const batch = tie('batch') as fc.Arbitrary<Ast>;
    const elementwise = (x: fc.Arbitrary<Ast>) => elementwiseOf(x, smooth);
    return {
      cls: choice(
        { depthSize: 'small', maxDepth, withCrossShrink: true },
        {
          arbitrary: pick(smooth ? ['logit', 'yPred', 'yTrue', 'prob', 'logProb', 'square'] : ['logit', 'yPred', 'yTrue', 'prob', 'logProb', 'square', 'absError']).map((op) => node(op)),
          weight: 10,
        },
        { arbitrary: fc.integer({ min: 1, max: 1000 }).map((seed) => node('classConstant', [], [seed])), weight: 2 },
        { arbitrary: numberArb.map((v) => node('constantClass', [], [v])), weight: 1 },
        { arbitrary: elementwise(cls), weight: 10 },
        { arbitrary: smp.map((s) => node('expand', [s])), weight: 3 },
        { arbitrary: fc.tuple(pick(['softmax', 'logSoftmax']), cls).map(([f, a]) => node(f, [a])), weight: 3 },
        // Not fused: the unfused path against float64.
        { arbitrary: fc.tuple(pick(['zNormalize', 'batchMarginal', 'sparsemax']), cls).map(([f, a]) => node(f, [a])), weight: rare },
        { arbitrary: fc.tuple(pick(['zNormalize', 'batchMarginal']), cls).map(([f, a]) => node(f, [a])), weight: smooth ? 1 : 0 },
        { arbitrary: fc.tuple(pick([0.5, 1, 3]), cls).map(([t, a]) => node('softSort', [a], [t])), weight: rare },
        { arbitrary: fc.tuple(pick(SMOOTHING), pick([0, 1])).map(([ls, withLs]) => node('bce', [], [withLs ? ls : 0])), weight: rare },
        // Selects (fused since issue #24): masks from the targets, a constant, or the logits themselves.
        {
          arbitrary: fc.tuple(cls, fc.integer({ min: 0, max: 1000 }), numberArb).map(([a, seed, v]) => node('whereClass', [a], [seed, v])),
          weight: smooth ? rare : 2,
        },
        { arbitrary: fc.constant(node('inputClass')), weight: rare },
      ),
      smp: choice(
        { depthSize: 'small', maxDepth, withCrossShrink: true },
        { arbitrary: pick(SMOOTHING).map((ls) => node('ce', [], [ls])), weight: 6 },
        { arbitrary: fc.constant(node('entropy')), weight: 2 },
        { arbitrary: fc.constant(node('kl')), weight: 1 },
        { arbitrary: dist.map((t) => node('klOf', [t])), weight: 2 },
        { arbitrary: numberArb.map((v) => node('constantSample', [], [v])), weight: 1 },
        { arbitrary: fc.tuple(pick(smooth ? ['target', 'incorrect', 'sum', 'mean', 'logSumExp'] : ROW_REDUCTIONS), cls).map(([f, a]) => node(f, [a])), weight: 12 },
        { arbitrary: fc.tuple(fc.integer({ min: 1, max: 4 }), cls).map(([k, a]) => node('topk', [a], [k])), weight: rare },
        { arbitrary: elementwise(smp), weight: 8 },
        {
          arbitrary: fc.tuple(smp, fc.integer({ min: 0, max: 11 }), numberArb).map(([a, k, v]) => node('whereSample', [a], [k, v])),
          weight: smooth ? 0 : 2,
        },
      ),
      // Non-negative class-level terms (KL targets).
      dist: fc.oneof(
        { depthSize: 'small', maxDepth, withCrossShrink: true },
        pick(['prob', 'yTrue']).map((op) => node(op)),
        fc.tuple(pick(['softmax', 'sigmoid']), cls).map(([f, a]) => node(f, [a])),
      ),
      batch: fc.oneof(
        { depthSize: 'small', maxDepth: 2, withCrossShrink: true },
        fc.tuple(pick(['batchSum', 'batchMean']), smp).map(([f, a]) => node(f, [a])),
        elementwise(batch),
      ),
      root: choice({}, { arbitrary: smp, weight: 12 }, { arbitrary: batch, weight: rare + (smooth ? 1 : 0) }),
    };
  });
}

/** The row reductions of `overRow` & co., by index. */
export const ROW_HOW = ['mean', 'sum', 'max', 'min', 'logSumExp'] as const;

/**
 * Pair-level expressions over embeddings (`compile(e, { from: 'embeddings' })`, always unfused): class-level
 * terms over the D features of `embeddings()`, broadcasts `alongRows` / `alongCols` of per-sample values,
 * label masks, transposes, elementwise ops, and the masked row reductions (`positives`, `negatives`,
 * `hardest`, `over`) and plain row reductions back to sample level.
 */
export function pairGrammar(maxDepth = 4): fc.Arbitrary<Ast> {
  return fc.letrec<{ ecls: Ast; esmp: Ast; pair: Ast }>((tie) => {
    const ecls = tie('ecls') as fc.Arbitrary<Ast>;
    const esmp = tie('esmp') as fc.Arbitrary<Ast>;
    const pair = tie('pair') as fc.Arbitrary<Ast>;
    const depth = { depthSize: 'small', maxDepth, withCrossShrink: true } as const;
    return {
      ecls: choice(
        depth,
        { arbitrary: fc.constant(node('embeddings')), weight: 6 },
        { arbitrary: fc.integer({ min: 1, max: 1000 }).map((seed) => node('classConstant', [], [seed])), weight: 1 },
        { arbitrary: elementwiseOf(ecls, false), weight: 4 },
        { arbitrary: fc.tuple(pick(['softmax', 'logSoftmax']), ecls).map(([f, a]) => node(f, [a])), weight: 1 },
        { arbitrary: esmp.map((x) => node('expand', [x])), weight: 1 },
      ),
      esmp: choice(
        depth,
        { arbitrary: fc.tuple(pick(ROW_HOW), ecls).map(([f, a]) => node(f, [a])), weight: 4 },
        { arbitrary: fc.tuple(pick(ROW_HOW), pair).map(([f, a]) => node(f, [a])), weight: 2 },
        { arbitrary: fc.tuple(pick(['positives', 'negatives']), pair, fc.integer({ min: 0, max: 4 })).map(([f, a, h]) => node(f, [a], [h])), weight: 3 },
        { arbitrary: fc.tuple(pair, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })).map(([a, w, as]) => node('hardest', [a], [w, as])), weight: 2 },
        { arbitrary: fc.tuple(pair, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 })).map(([a, m, h]) => node('over', [a], [m, h])), weight: 2 },
        { arbitrary: elementwiseOf(esmp, false), weight: 3 },
      ),
      pair: choice(
        depth,
        { arbitrary: fc.tuple(pick(['pairRows', 'pairCols']), esmp).map(([f, a]) => node(f, [a])), weight: 5 },
        { arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => node('pairMask', [], [k])), weight: 2 },
        { arbitrary: elementwiseOf(pair, false), weight: 5 },
        { arbitrary: pair.map((a) => node('pairTranspose', [a])), weight: 1 },
      ),
    };
  }).esmp as fc.Arbitrary<Ast>;
}

const pairMask = (k: number) => [positiveMask, negativeMask, sameLabelMask, identityMask][k % 4]!();

const F32 = (v: number) => Math.fround(v);

/** Builds the expression of `ast` for `C` classes. */
export function build(ast: Ast, C: number): Expr {
  const a = () => build(ast.args[0]!, C);
  const b = () => build(ast.args[1]!, C);
  const n = ast.n;
  // Loosely typed on purpose: the generator guarantees the levels.
  const x = () => a() as any;
  switch (ast.op) {
    case 'logit': return logit();
    case 'yPred': return yPred();
    case 'yTrue': return yTrue();
    case 'prob': return prob();
    case 'logProb': return logProb();
    case 'square': return square();
    case 'absError': return absError();
    case 'classConstant': {
      const u = rng(n[0]!);
      // One value per class; every fifth is 0.
      return classConstant(Array.from({ length: C }, (_, j) => (j % 5 === 4 ? 0 : F32((u() - 0.3) * 4))), `k${n[0]}`);
    }
    case 'constantClass': return constant(n[0]!, 'class');
    case 'constantSample': return constant(n[0]!, 'sample');
    case 'expand': return x().expand();
    case 'softmax': case 'logSoftmax': case 'zNormalize': case 'sigmoid':
      return x()[ast.op]();
    case 'batchMarginal': return x().batchMean();
    case 'sparsemax': return sparsemax(x());
    case 'softSort': return softSort(x(), { tau: n[0]! });
    case 'bce': return bce({ labelSmoothing: n[0]! });
    case 'whereClass': {
      const u = rng(n[0]!);
      const mask =
        n[0]! % 3 === 0 ? yTrue() : n[0]! % 3 === 1 ? classConstant(Array.from({ length: C }, () => (u() < 0.5 ? 0 : 1)), `m${n[0]}`) : logit().minus(0.35).relu();
      return x().where(mask, n[1]!);
    }
    // A sample-level select `m > t ? a : v` on a row statistic m and an odd threshold t (a mask of an arbitrary term
    // sits on a rounding edge when the term is 0 in exact arithmetic, and its overflowing entries make the unfused
    // path throw even where no entry of them is read).
    case 'whereSample': {
      const m = [logit().max(), ce(), prob().target(), logit().mean()][n[0]! % 4]!;
      return x().where(m.minus([0.37, 1.13, -0.23][Math.floor(n[0]! / 4)]!).relu(), n[1]!);
    }
    case 'inputClass': return input('aux', 'class');
    case 'ce': return ce({ labelSmoothing: n[0]! });
    case 'entropy': return entropy();
    case 'kl': return kl();
    case 'klOf': return kl(x());
    case 'target': case 'incorrect': case 'sum': case 'mean': case 'max': case 'min': case 'logSumExp':
      return x()[ast.op]();
    case 'topk': return x().topk(n[0]!);
    case 'batchSum': return x().sum();
    case 'batchMean': return x().mean();
    case 'scale': return x().scale(n[0]!);
    case 'pow': return x().pow(n[0]!);
    case 'clip': return x().clip(n[0]!, n[1]!);
    case 'log1mexp': return log1mexp(x());
    case 'pos':
      // > 0: |x| + 1/4, x² + 1, softplus(x) + 1/8, σ(x).
      switch (n[0]! % 4) {
        case 0: return x().abs().plus(0.25);
        case 1: return x().pow(2).plus(1);
        case 2: return x().softplus().plus(0.125);
        default: return x().sigmoid();
      }
    case 'nonpos':
      switch (n[0]! % 4) {
        case 0: return x().relu().neg();
        case 1: return x().abs().neg();
        case 2: return x().logSigmoid();
        default: return x().neg().softplus().neg();
      }
    case 'embeddings': return embeddings();
    case 'pairRows': return alongRows(x());
    case 'pairCols': return alongCols(x());
    case 'pairMask': return pairMask(n[0]!);
    case 'pairTranspose': return x().transpose();
    case 'positives': case 'negatives': return x()[ast.op](ROW_HOW[n[0]!]);
    case 'hardest': return x().hardest(n[0] ? 'negatives' : 'positives', n[1] ? 'similarity' : 'distance');
    case 'over': return x().over(pairMask(n[0]!), ROW_HOW[n[1]!]);
    case 'gtMinus1':
      // > -1: σ(x) - 1/2 or softplus(x).
      return n[0]! % 2 === 0 ? x().sigmoid().minus(0.5) : x().softplus();
    default:
      if (ast.op.endsWith('Number')) return x()[ast.op.slice(0, -'Number'.length)](n[0]!);
      if ((BINARY as readonly string[]).includes(ast.op)) return x()[ast.op](b());
      return x()[ast.op]();
  }
}

// ── inputs ────────────────────────────────────────────────────────────────────

/** How one row of logits is drawn. */
export type RowKind = 'normal' | 'wide' | 'ties' | 'big4' | 'big30' | 'flat' | 'int';
export type TargetKind = 'labels' | 'onehot' | 'soft' | 'real';
export type WeightKind = 'none' | 'scalar' | 'random' | 'someZero' | 'allZero';

export interface InputSpec {
  readonly B: number;
  readonly C: number;
  readonly rows: readonly RowKind[];
  readonly seed: number;
  readonly target: TargetKind;
  readonly weights: WeightKind;
  readonly reduction: 'mean' | 'sum' | 'weightedMean' | 'sumByNonzeroWeights' | 'none';
  /** `probs` applies only when the expression does not need logits. */
  readonly from: 'logits' | 'probs';
}

export interface Inputs {
  readonly B: number;
  readonly C: number;
  readonly yPred: number[][];
  readonly yTrue: number[] | number[][];
  readonly sampleWeight: number | number[] | undefined;
  readonly aux: number[][];
}

/** Which inputs {@link inputSpec} draws. */
export interface InputOptions {
  /** Classes: `any` ({1, 2, 3}, 4..31 for the JS kernel, 32..40 for the SIMD sweeps), or one of those ranges. */
  readonly classes?: 'any' | 'few' | 'js' | 'simd';
  /** Logit rows: `any` (ties, ±1e4 and a few ±1e30 rows among ordinary ones), `moderate` (no ±1e4 / ±1e30), `extreme` (mostly ±1e4 / ±1e30). */
  readonly rows?: 'any' | 'moderate' | 'extreme';
  /** `from`: mostly logits with some probabilities (`any`), or only one kind. */
  readonly from?: 'any' | 'logits' | 'probs';
  /** Sample weights: sometimes (`any`), always, or never. */
  readonly weights?: 'any' | 'always' | 'never';
}

/** Input specs: B in 1..7; C and the kind of rows per {@link InputOptions}. */
export function inputSpec(options: InputOptions = {}): fc.Arbitrary<InputSpec> {
  const few = fc.constantFrom(1, 2, 3);
  const js = fc.integer({ min: 4, max: 31 });
  const simd = fc.integer({ min: 32, max: 40 });
  const classes = options.classes ?? 'any';
  const C =
    classes === 'few' ? few : classes === 'js' ? js : classes === 'simd' ? simd : fc.oneof({ arbitrary: few, weight: 2 }, { arbitrary: js, weight: 3 }, { arbitrary: simd, weight: 3 });
  const rowKinds = options.rows ?? 'any';
  const big = rowKinds === 'moderate' ? 0 : rowKinds === 'extreme' ? 6 : 1;
  const ordinary = rowKinds === 'extreme' ? 0 : 1;
  const row = fc.oneof(
    ...[
      { arbitrary: fc.constant<RowKind>('big4'), weight: 2 * big },
      { arbitrary: fc.constant<RowKind>('big30'), weight: big },
      { arbitrary: fc.constant<RowKind>('normal'), weight: 8 * ordinary + (rowKinds === 'extreme' ? 1 : 0) },
      { arbitrary: fc.constant<RowKind>('wide'), weight: 2 * ordinary },
      { arbitrary: fc.constant<RowKind>('ties'), weight: 2 * ordinary + (rowKinds === 'extreme' ? 1 : 0) },
      { arbitrary: fc.constant<RowKind>('flat'), weight: ordinary },
      { arbitrary: fc.constant<RowKind>('int'), weight: ordinary },
    ].filter((x) => x.weight > 0),
  );
  const fromArb =
    options.from === 'logits' || options.from === 'probs'
      ? fc.constant(options.from)
      : fc.oneof({ arbitrary: fc.constant<'logits' | 'probs'>('logits'), weight: 5 }, fc.constant<'logits' | 'probs'>('probs'));
  const someWeights = pick<WeightKind>(['scalar', 'random', 'someZero', 'allZero']);
  const weights =
    options.weights === 'always' ? someWeights : options.weights === 'never' ? fc.constant<WeightKind>('none') : fc.oneof({ arbitrary: fc.constant<WeightKind>('none'), weight: 4 }, someWeights);
  const reductions = pick<InputSpec['reduction']>(['sum', 'weightedMean', 'sumByNonzeroWeights', 'none']);
  return fc.record({
    B: fc.integer({ min: 1, max: 7 }),
    C,
    rows: fc.array(row, { minLength: 7, maxLength: 7 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    target: fc.oneof({ arbitrary: fc.constant<TargetKind>('labels'), weight: 4 }, pick<TargetKind>(['onehot', 'soft', 'real'])),
    weights,
    reduction: options.weights === 'always' ? fc.oneof(fc.constant<InputSpec['reduction']>('mean'), reductions) : fc.oneof({ arbitrary: fc.constant<InputSpec['reduction']>('mean'), weight: 4 }, reductions),
    from: fromArb,
  });
}

/** Embeddings `[B, D]` (D = `spec.C`, rows of the spec's kinds, ordinary only) and integer labels in {0, 1, 2} (so anchors have positives). */
export function materializeEmbeddings(spec: InputSpec): Inputs {
  const base = materialize({ ...spec, target: 'labels' }, 'logits');
  const u = rng(spec.seed + 1);
  return { ...base, yTrue: Array.from({ length: spec.B }, () => Math.floor(u() * 3)) };
}

/** The float32-exact inputs of a spec (probabilities when `from` is `probs`). */
export function materialize(spec: InputSpec, from: 'logits' | 'probs'): Inputs {
  const { B, C } = spec;
  const u = rng(spec.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-300))) * Math.cos(2 * Math.PI * u());
  const choose = <T>(xs: readonly T[]) => xs[Math.floor(u() * xs.length)]!;
  const rowOf = (kind: RowKind): number[] => {
    switch (kind) {
      case 'normal': return Array.from({ length: C }, () => 1.5 * gauss());
      case 'wide': return Array.from({ length: C }, () => 8 * gauss());
      case 'ties': return Array.from({ length: C }, () => choose([-1, 0, 0.5, 2]));
      case 'int': return Array.from({ length: C }, () => Math.floor(u() * 7) - 3);
      case 'flat': {
        const v = 2 * gauss();
        return new Array(C).fill(v);
      }
      case 'big4': {
        const r = Array.from({ length: C }, () => (u() < 0.2 ? 1e4 : u() < 0.4 ? -1e4 : 3 * gauss()));
        r[Math.floor(u() * C)] = choose([1e4, -1e4]);
        return r;
      }
      case 'big30': {
        const r = Array.from({ length: C }, () => (u() < 0.35 ? 1e30 : u() < 0.4 ? -1e30 : u() < 0.5 ? 0 : gauss()));
        r[Math.floor(u() * C)] = 1e30;
        return r;
      }
    }
  };
  let yPred = Array.from({ length: B }, (_, i) => rowOf(spec.rows[i]!).map(F32));
  if (from === 'probs') {
    yPred = yPred.map((row) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v) => F32(v / s));
    });
  }
  const labels = Array.from({ length: B }, () => Math.floor(u() * C));
  let yTrue: number[] | number[][];
  switch (spec.target) {
    case 'labels':
      yTrue = labels;
      break;
    case 'onehot':
      yTrue = labels.map((y) => Array.from({ length: C }, (_, j) => (j === y ? 1 : 0)));
      break;
    case 'soft':
      yTrue = labels.map((y) => {
        const r = Array.from({ length: C }, (_, j) => u() + (j === y ? 2 : 0));
        const s = r.reduce((p, q) => p + q, 0);
        return r.map((v) => F32(v / s));
      });
      break;
    case 'real':
      yTrue = labels.map(() => Array.from({ length: C }, () => F32(gauss())));
      break;
  }
  let sampleWeight: number | number[] | undefined;
  switch (spec.weights) {
    case 'none': sampleWeight = undefined; break;
    case 'scalar': sampleWeight = 2.5; break;
    case 'random': sampleWeight = Array.from({ length: B }, () => F32(0.5 + 1.5 * u())); break;
    case 'someZero': sampleWeight = Array.from({ length: B }, (_, i) => (i % 2 === 0 ? 0 : F32(0.5 + u()))); break;
    case 'allZero': sampleWeight = new Array(B).fill(0); break;
  }
  const aux = Array.from({ length: B }, () => Array.from({ length: C }, () => F32(gauss())));
  return { B, C, yPred, yTrue, sampleWeight, aux };
}
