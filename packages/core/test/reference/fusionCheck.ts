/**
 * Runs one random case (an expression and its inputs) through `compile(e)` (fused, default engine),
 * `compile(e, { fuse: 'js' })` and `compile(e, { fuse: false })` and judges every call against the
 * float64 reference: values, per-sample values and gradients within float32-aware tolerances, the
 * same `LosskitError` where the documented semantics call for one, no raw errors and no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type CallOptions, type CompileOptions, type CompiledLoss, type Compilable, type Expr, LosskitError, compile } from '../../src/index.js';
import { type Dsl64Call, type Expectation, reference64 } from './dsl64.js';
import { type Ast, type InputSpec, type Inputs, ROW_HOW, build, materialize } from './dslGen.js';

export type FusePath = 'auto' | 'js' | false;
export const PATHS: readonly FusePath[] = ['auto', 'js', false];

/** One case: a generated expression and an input spec. */
export interface Case {
  readonly ast: Ast;
  readonly spec: InputSpec;
}

export interface CaseResult {
  readonly failures: readonly Failure[];
  /** The engine of the last call per path (`loss.engine`), and whether `compile(e)` fused. */
  readonly engines: Readonly<Record<string, string | undefined>>;
  readonly fused: boolean;
  /** What the reference expected of `valueAndGrad`: values (strict or may-throw) or an error code. */
  readonly expected: string;
  readonly report: () => string;
}

export interface Failure {
  readonly path: FusePath;
  /** `perSample`, `value` or `valueAndGrad`. */
  readonly call: string;
  /** Short class of the failure, for grouping: `raw error`, `wrong value`, `wrong gradient`, `missing error`, `unexpected error X`, `wrong error X`, `leak`. */
  readonly kind: string;
  readonly detail: string;
}

const fmt = (v: number) => (Number.isInteger(v) || !Number.isFinite(v) ? String(v) : Number(v.toPrecision(7)).toString());
const fmtArr = (a: ArrayLike<number>, max = 12) => `[${Array.from(a).slice(0, max).map(fmt).join(', ')}${a.length > max ? ', …' : ''}]`;

/** Compares returned values with an expectation; undefined when they agree, else what differs. */
export function mismatch(exp: Expectation, got: ArrayLike<number>, what: string): string | undefined {
  if (exp.kind === 'throws') return `${what}: expected LosskitError ${exp.code} (${exp.why}), got ${fmtArr(got)}`;
  return compare(exp, got, what);
}

function compare(exp: Extract<Expectation, { kind: 'values' }>, got: ArrayLike<number>, what: string): string | undefined {
  if (got.length !== exp.values.length) return `${what}: ${got.length} values, expected ${exp.values.length}: got ${fmtArr(got)}, want ${fmtArr(exp.values)}`;
  const bad: string[] = [];
  for (let k = 0; k < got.length; k++) {
    if (exp.check[k] === 0) continue;
    const g = got[k]!;
    const r = exp.values[k]!;
    if (!(Math.abs(g - r) <= exp.tol[k]!)) bad.push(`[${k}] got ${fmt(g)}, float64 ${fmt(r)} ± ${exp.tol[k]!.toExponential(1)}`);
  }
  if (bad.length === 0) return undefined;
  return `${what}: ${bad.length} of ${got.length} entries off: ${bad.slice(0, 4).join('; ')}${bad.length > 4 ? '; …' : ''}\n      got     ${fmtArr(got)}\n      float64 ${fmtArr(exp.values)}`;
}

/** Judges one call's outcome; returns [kind, detail] of a failure, or undefined. */
function judge(exp: Expectation, got: readonly Float64Array[] | undefined, error: unknown, what: string, gradExp?: Expectation): [string, string] | undefined {
  const exps = gradExp ? [exp, gradExp] : [exp];
  if (error !== undefined && !(error instanceof LosskitError)) {
    return ['raw error', `${what}: threw a raw ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`];
  }
  const mustThrow = exps.find((e): e is Extract<Expectation, { kind: 'throws' }> => e.kind === 'throws');
  if (mustThrow) {
    if (error === undefined) return ['missing error', `${what}: expected LosskitError ${mustThrow.code} (${mustThrow.why}), got ${got!.map((g) => fmtArr(g)).join(' and ')}`];
    const code = (error as LosskitError).code;
    if (code !== mustThrow.code) return [`wrong error ${code}`, `${what}: expected ${mustThrow.code} (${mustThrow.why}), got ${code}: ${(error as Error).message}`];
    return undefined;
  }
  const valueExps = exps as Extract<Expectation, { kind: 'values' }>[];
  if (error !== undefined) {
    const code = (error as LosskitError).code;
    if (code === 'NON_FINITE_OUTPUT' && valueExps.some((e) => e.mayThrow)) return undefined;
    return [`unexpected error ${code}`, `${what}: threw ${code}: ${(error as Error).message}\n      float64 ${valueExps.map((e) => fmtArr(e.values)).join(' and ')}`];
  }
  const msgs = valueExps.map((e, k) => compare(e, got![k]!, k === 0 ? what : `${what} gradient`)).filter((m): m is string => m !== undefined);
  if (msgs.length === 0) return undefined;
  const gradOnly = msgs.every((m) => m.startsWith(`${what} gradient`));
  return [gradOnly ? 'wrong gradient' : 'wrong value', msgs.join('\n    ')];
}

/** Live tensors after `fn` minus before; waits one macrotask when they differ (released-later aliases). */
async function leakOf(fn: () => void): Promise<number> {
  const before = tf.memory().numTensors;
  fn();
  if (tf.memory().numTensors === before) return 0;
  await new Promise((r) => setTimeout(r, 0));
  return tf.memory().numTensors - before;
}

/** The expression of a case for its number of classes, and what `compile()` is told. */
export function caseSetup(c: Case): { expr: Expr; from: 'logits' | 'probs'; inputs: Inputs } {
  const expr = build(c.ast, c.spec.C);
  const from = c.spec.from === 'probs' && expr.needs === 'any' ? 'probs' : 'logits';
  // KL's target must be a distribution: regression targets (negative entries) only without kl.
  const hasKl = (a: Ast): boolean => a.op === 'kl' || a.op === 'klOf' || a.args.some(hasKl);
  const spec = c.spec.target === 'real' && hasKl(c.ast) ? { ...c.spec, target: 'soft' as const } : c.spec;
  return { expr, from, inputs: materialize(spec, from) };
}

/** Runs one generated case through the three paths and the reference. */
export async function checkCase(c: Case): Promise<CaseResult> {
  const { expr, from, inputs } = caseSetup(c);
  return checkCall(expr, inputs, { from, reduction: c.spec.reduction }, code(c.ast));
}

/** What one call of {@link checkCall} passes: targets, predictions, weights and the `aux` input. */
export interface CallInputs {
  readonly yTrue: number[] | number[][];
  readonly yPred: number[][];
  readonly sampleWeight?: number | number[] | undefined;
  readonly aux?: number[][];
}

/** Runs one expression on one set of inputs through the three paths and judges them against float64. */
export async function checkCall(
  expr: Expr,
  inputs: CallInputs,
  options: { readonly from?: 'logits' | 'probs' | 'embeddings'; readonly reduction?: InputSpec['reduction'] } = {},
  source = '',
): Promise<CaseResult> {
  const from = options.from ?? 'logits';
  const reduction = options.reduction ?? 'mean';
  const B = inputs.yPred.length;
  const C = inputs.yPred[0]!.length;
  const aux = inputs.aux ?? inputs.yPred.map((row) => row.map(() => 0));
  const call: Dsl64Call = { yTrue: inputs.yTrue, yPred: inputs.yPred, sampleWeight: inputs.sampleWeight, inputs: { aux } };
  const ref = reference64(expr, { from, reduction }, call);
  const failures: Failure[] = [];
  const engines: Record<string, string | undefined> = {};
  const seen: string[] = [];
  let fused = false;
  const callOptions: CallOptions = inputs.sampleWeight === undefined ? { inputs: { aux } } : { sampleWeight: inputs.sampleWeight, inputs: { aux } };
  for (const path of PATHS) {
    const name = String(path);
    let loss: CompiledLoss;
    try {
      // The overloads tie `from: 'probs'` to expressions typed as not needing logits; these are built at run time.
      loss = (compile as (e: Compilable, o: CompileOptions) => CompiledLoss)(expr as Compilable, { from, reduction, fuse: path });
    } catch (e) {
      failures.push({ path, call: 'compile', kind: e instanceof LosskitError ? `unexpected error ${e.code}` : 'raw error', detail: `compile: ${(e as Error).message}` });
      continue;
    }
    if (path === 'auto') fused = loss.fused;
    const record = (callName: string, r: [string, string] | undefined) => r && failures.push({ path, call: callName, kind: r[0], detail: r[1] });
    const attempt = async (callName: string, run: () => tf.Tensor[], exp: Expectation, gradExp?: Expectation): Promise<Float64Array[] | undefined> => {
      let got: Float64Array[] | undefined;
      let error: unknown;
      const leaked = await leakOf(() => {
        try {
          const ts = run();
          got = ts.map((t) => Float64Array.from(t.dataSync()));
          tf.dispose(ts);
        } catch (e) {
          error = e;
        }
      });
      seen.push(`  fuse ${name} ${callName}: ${error !== undefined ? `threw ${(error as LosskitError).code ?? ''} ${(error as Error).message}` : got!.map((g) => fmtArr(g)).join(' grad ')}`);
      record(callName, judge(exp, got, error, callName, gradExp));
      if (leaked !== 0) record(callName, ['leak', `${callName}: ${leaked} tensor(s) leaked${error !== undefined ? ` (the call threw ${(error as LosskitError).code ?? (error as Error).message})` : ''}`]);
      return got;
    };
    if (expr.level === 'sample') await attempt('perSample', () => [loss.perSample(inputs.yTrue, inputs.yPred, { inputs: { aux } })], ref.perSample);
    await attempt('value', () => [loss(inputs.yTrue, inputs.yPred, callOptions) as tf.Tensor], ref.value);
    await attempt('valueAndGrad', () => {
      const r = loss.valueAndGrad(inputs.yTrue, inputs.yPred, callOptions);
      return [r.value, r.grad];
    }, ref.valueAndGrad.value, ref.valueAndGrad.grad);
    engines[name] = loss.engine;
  }
  const rv = ref.valueAndGrad;
  const expected =
    rv.value.kind === 'throws' ? `throws ${rv.value.code}` : rv.grad.kind === 'throws' ? `throws ${rv.grad.code}` : rv.value.mayThrow || rv.grad.mayThrow ? 'values or NON_FINITE_OUTPUT' : 'values';
  const report = () => {
    const lines = [
      `expression: ${expr.toString()}`,
      ...(source ? [`code:       ${source}`] : []),
      `compile:    { from: '${from}', reduction: '${reduction}' }, B = ${B}, C = ${C}, engines ${JSON.stringify(engines)}`,
      `yTrue:      ${JSON.stringify(inputs.yTrue)}`,
      `yPred:      ${JSON.stringify(inputs.yPred)}`,
      ...(inputs.sampleWeight !== undefined ? [`weights:    ${JSON.stringify(inputs.sampleWeight)}`] : []),
      `float64:    ${ref.exact instanceof Error ? ref.exact.message : `perSample ${ref.exact.perSample ? fmtArr(ref.exact.perSample) : '-'}, value ${fmtArr(ref.exact.value)}, grad ${fmtArr(ref.exact.grad, 8)}`}; valueAndGrad expected: ${expected}; gradient rows ${ref.gradRows.join(' ')}`,
      'failures:',
      ...failures.map((f) => `  fuse ${String(f.path)} ${f.kind}: ${f.detail}`),
      'calls:',
      ...seen,
    ];
    return lines.join('\n');
  };
  return { failures, engines, fused, expected, report };
}

/** The DSL code of a generated expression (classConstant values elided). */
export function code(a: Ast): string {
  const x = () => code(a.args[0]!);
  const n = a.n;
  switch (a.op) {
    case 'logit': case 'yPred': case 'yTrue': case 'prob': case 'logProb': case 'square': case 'entropy': case 'kl':
      return `${a.op}()`;
    case 'absError': return 'abs()';
    case 'classConstant': return `classConstant(<seed ${n[0]}>)`;
    case 'constantClass': return `constant(${n[0]}, 'class')`;
    case 'constantSample': return `constant(${n[0]}, 'sample')`;
    case 'ce': return n[0] ? `ce({ labelSmoothing: ${n[0]} })` : 'ce()';
    case 'bce': return n[0] ? `bce({ labelSmoothing: ${n[0]} })` : 'bce()';
    case 'klOf': return `kl(${x()})`;
    case 'sparsemax': return `sparsemax(${x()})`;
    case 'softSort': return `softSort(${x()}, { tau: ${n[0]} })`;
    case 'log1mexp': return `log1mexp(${x()})`;
    case 'inputClass': return "input('aux', 'class')";
    case 'whereClass': return `${x()}.where(<mask ${n[0]}>, ${n[1]})`;
    case 'batchMarginal': return `${x()}.batchMean()`;
    case 'batchSum': return `${x()}.sum()`;
    case 'batchMean': return `${x()}.mean()`;
    case 'scale': case 'pow': case 'topk': return `${x()}.${a.op}(${n[0]})`;
    case 'clip': return `${x()}.clip(${n[0]}, ${n[1]})`;
    case 'pos': return [`${x()}.abs().plus(0.25)`, `${x()}.pow(2).plus(1)`, `${x()}.softplus().plus(0.125)`, `${x()}.sigmoid()`][n[0]! % 4]!;
    case 'nonpos': return [`${x()}.relu().neg()`, `${x()}.abs().neg()`, `${x()}.logSigmoid()`, `${x()}.neg().softplus().neg()`][n[0]! % 4]!;
    case 'embeddings': return 'embeddings()';
    case 'pairRows': return `alongRows(${x()})`;
    case 'pairCols': return `alongCols(${x()})`;
    case 'pairMask': return `${['positiveMask', 'negativeMask', 'sameLabelMask', 'identityMask'][n[0]! % 4]}()`;
    case 'pairTranspose': return `${x()}.transpose()`;
    case 'positives': case 'negatives': return `${x()}.${a.op}('${ROW_HOW[n[0]!]}')`;
    case 'hardest': return `${x()}.hardest('${n[0] ? 'negatives' : 'positives'}', '${n[1] ? 'similarity' : 'distance'}')`;
    case 'over': return `${x()}.over(${['positiveMask', 'negativeMask', 'sameLabelMask', 'identityMask'][n[0]! % 4]}(), '${ROW_HOW[n[1]!]}')`;
    case 'gtMinus1': return n[0]! % 2 === 0 ? `${x()}.sigmoid().minus(0.5)` : `${x()}.softplus()`;
    default:
      if (a.op.endsWith('Number')) return `${x()}.${a.op.slice(0, -'Number'.length)}(${n[0]})`;
      if (a.args.length === 2) return `${x()}.${a.op}(${code(a.args[1]!)})`;
      return `${x()}.${a.op}()`;
  }
}
