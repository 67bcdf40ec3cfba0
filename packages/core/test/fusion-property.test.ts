/**
 * The fusion pass must never change a value (issue #17): random expressions from the whole DSL grammar,
 * on random inputs, through `compile(e)` (fused, the backend's default engine: WASM SIMD from C = 32),
 * `compile(e, { fuse: 'js' })` and `compile(e, { fuse: false })`, each compared with an independent
 * float64 interpreter of the documented semantics (`reference/dsl64.ts`): per-sample values, reduced
 * values and gradients within float32-aware tolerances, the same `LosskitError` code where the
 * documentation calls for one, never a raw error, and no leaked tensors (also when a call throws).
 *
 * Tolerance of each entry (see `reference64`): `1e-5·|ref| + 1e-6·max(max|ref|, 1) + 16·spread`, where
 * `spread` is how far four simulated float32 evaluations of the same expression (every elementary
 * result rounded to float32 with a random half-ulp nudge) land from float64. The spread term is what
 * float32 must lose on the expression as written (e.g. `x·1e4 - y·1e4`); it is 0 for exact results.
 * The factor 16 covers what four samples underestimate and the few-ulp error of tfjs' and the SIMD
 * sweeps' exp/log. Gradient rows on or within float32 reach of a kink (relu at 0, ties in max, ...)
 * are not compared: the derivative is not defined there.
 *
 * Every failure prints the expression (`toString()` and DSL code), the inputs, every path's values and
 * the float64 values; cases are seeded (fast-check seed and path in the message) and shrink to a small one.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Expr,
  alongRows,
  ce,
  classConstant,
  constant,
  embeddings,
  entropy,
  kl,
  log1mexp,
  logProb,
  logit,
  prob,
  ready,
  softSort,
  sparsemax,
  square,
  yTrue,
} from '../src/index.js';
import { logSoftmax, numericGradient, softmax } from '../src/testing/index.js';
import { ceRef, focalRef, oneHotRow, squentropyRef } from './references.js';
import { dsl64, reference64 } from './reference/dsl64.js';
import { type Ast, type GrammarOptions, type InputOptions, build, grammar, inputSpec, materialize, materializeEmbeddings, pairGrammar } from './reference/dslGen.js';
import { type CallInputs, type Case, type CaseResult, checkCall, checkCase, code } from './reference/fusionCheck.js';

beforeAll(async () => {
  await ready();
});

const hasOp = (a: Ast, ops: readonly string[]): boolean => ops.includes(a.op) || a.args.some((x) => hasOp(x, ops));

interface Coverage {
  cases: number;
  fused: number;
  engines: Record<string, number>;
}

/**
 * Checks `numRuns` random cases (seeded) of `arb` with `check` (default: the three compile paths against
 * float64); throws with the shrunk case's full report on the first failure.
 */
async function propertyOf(arb: fc.Arbitrary<Case>, numRuns: number, seed: number, check: (c: Case) => Promise<CaseResult> = checkCase): Promise<Coverage> {
  const coverage: Coverage = { cases: 0, fused: 0, engines: {} };
  const printable = arb.map((c) => Object.assign(c, { [fc.toStringMethod]: () => `${code(c.ast)} with ${JSON.stringify(c.spec)}` }));
  await fc.assert(
    fc.asyncProperty(printable, async (c) => {
      const r = await check(c);
      coverage.cases++;
      if (r.fused) coverage.fused++;
      const engine = r.engines.auto ?? 'none';
      coverage.engines[engine] = (coverage.engines[engine] ?? 0) + 1;
      if (r.failures.length > 0) throw new Error(`${r.failures.length} check(s) failed\n${r.report()}`);
    }),
    { seed, numRuns },
  );
  return coverage;
}

/** {@link propertyOf} over the expression grammar and input specs selected by the options. */
function property(grammarOptions: GrammarOptions, inputOptions: InputOptions, numRuns: number, seed: number, keep: (c: Case) => boolean = () => true) {
  return propertyOf(fc.record({ ast: grammar(grammarOptions).root, spec: inputSpec(inputOptions) }).filter(keep), numRuns, seed);
}

describe('fusion never changes a value: random DSL expressions, three paths against float64 (issue #17)', () => {
  it('whole grammar, every input kind (B 1..7, C 1..40, ties, ±1e4, ±1e30, soft and real targets, weights, every reduction, probs): every path equals float64 or throws the documented LosskitError, without leaks', async () => {
    const cov = await property({}, {}, 300, 17);
    expect(cov.fused / cov.cases).toBeGreaterThan(0.4);
    expect(cov.engines['wasm-simd'] ?? 0).toBeGreaterThan(10);
  });

  it('fusable expressions at C = 4..31 on ordinary logits: the JS row kernel, fuse: "js" and the unfused path equal float64', async () => {
    const cov = await property({ fusableOnly: true }, { classes: 'js', rows: 'moderate', from: 'logits' }, 100, 1701);
    expect(cov.fused).toBe(cov.cases);
    expect(cov.engines.js).toBe(cov.cases);
  });

  it('fusable expressions at C = 32..40 on ordinary logits: the WASM SIMD sweeps (every 4-lane tail) equal float64', async () => {
    const cov = await property({ fusableOnly: true }, { classes: 'simd', rows: 'moderate', from: 'logits' }, 100, 1702);
    expect(cov.fused).toBe(cov.cases);
    // Vector nodes without a SIMD form (log, softplus, fractional powers, ...) run the JS kernel.
    expect((cov.engines['wasm-simd'] ?? 0) / cov.cases).toBeGreaterThan(0.3);
  });

  it('fusable expressions on rows of ±1e4 and ±1e30 logits with ties: every path equals float64 (log-sum-exp exact for any finite input)', async () => {
    await property({ fusableOnly: true }, { rows: 'extreme', from: 'logits' }, 100, 1703);
  });

  it('C = 1, 2 and 3 classes: every path equals float64 or throws the documented LosskitError (SHAPE_MISMATCH for incorrect() and topk(k > C))', async () => {
    await property({}, { classes: 'few' }, 100, 1704);
  });

  it('expressions with expand() or class- and sample-level constants: every path broadcasts them to the full [B, C] / [B] shape', async () => {
    const levelNodes = ['expand', 'constantClass', 'constantSample', 'classConstant'];
    await property({}, { rows: 'moderate' }, 100, 1705, (c) => hasOp(c.ast, levelNodes));
  });

  it('from: "probs" (always the unfused path): equals float64 with log p = log(clip(p, ε, 1))', async () => {
    await property({}, { from: 'probs' }, 100, 1706);
  });

  it('sample weights (scalar, per sample, some or all zero) with every reduction: reduced values and gradients equal float64', async () => {
    await property({}, { weights: 'always', rows: 'moderate' }, 100, 1707);
  });

  it('pair-level expressions over embeddings (positives, negatives, hardest, over, alongRows/alongCols, transpose; always unfused): equal float64, empty rows give 0', async () => {
    const arb = fc.record({ ast: pairGrammar(), spec: inputSpec({ classes: 'js', rows: 'moderate', from: 'logits' }) });
    const check = (c: Case) => checkCall(build(c.ast, c.spec.C), materializeEmbeddings(c.spec), { from: 'embeddings', reduction: c.spec.reduction }, code(c.ast));
    await propertyOf(arb, 60, 1708, check);
  });
});

describe('the float64 reference itself', () => {
  const z = [
    [0.5, -1.25, 2, 0.75, -0.5],
    [3, 3, -2, 0, 1],
    [-4, 0.25, 0.5, 6, -1],
  ];
  const labels = [2, 0, 3];
  const soft = [
    [0.1, 0.2, 0.4, 0.2, 0.1],
    [0.5, 0.5, 0, 0, 0],
    [0, 0.25, 0, 0.5, 0.25],
  ];
  const perSample = (e: Expr, y: number[] | number[][] = labels, x = z) => Array.from(dsl64(e, {}, { yTrue: y, yPred: x }).perSample!);

  it('equals hand-written formulas: CE with label smoothing (integer and soft targets), squentropy, focal, entropy, KL', () => {
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
    close(perSample(ce()), z.map((r, i) => ceRef(r, oneHotRow(labels[i]!, 5))));
    close(perSample(ce({ labelSmoothing: 0.2 })), z.map((r, i) => ceRef(r, oneHotRow(labels[i]!, 5), 0.2)));
    close(perSample(ce({ labelSmoothing: 0.2 }), soft), z.map((r, i) => ceRef(r, soft[i]!, 0.2)));
    close(perSample(ce().plus(square().incorrect())), z.map((r, i) => squentropyRef(r, labels[i]!)));
    const focal = prob().neg().plus(1).pow(1.5).times(logProb()).times(yTrue()).sum().scale(-1);
    close(perSample(focal), z.map((r, i) => focalRef(r, labels[i]!, 1.5)));
    close(perSample(entropy()), z.map((r) => -softmax(r).reduce((s, p, j) => s + p * logSoftmax(r)[j]!, 0)));
    close(perSample(kl(), soft), z.map((r, i) => soft[i]!.reduce((s, t, j) => s + (t > 0 ? t * (Math.log(t) - logSoftmax(r)[j]!) : 0), 0)));
  });

  it('follows the documented level semantics: x.expand().sum() = C·x, x.expand().logSumExp() = x + log C, constant(v, "class").sum() = C·v, batch sums over B rows', () => {
    const ces = z.map((r, i) => ceRef(r, oneHotRow(labels[i]!, 5)));
    perSample(ce().expand().sum()).forEach((v, i) => expect(v).toBeCloseTo(5 * ces[i]!, 12));
    perSample(ce().expand().logSumExp()).forEach((v, i) => expect(v).toBeCloseTo(ces[i]! + Math.log(5), 12));
    expect(perSample(constant(2, 'class').sum())).toEqual([10, 10, 10]);
    expect(dsl64(constant(2, 'sample').sum(), {}, { yTrue: labels, yPred: z }).value[0]).toBe(6);
    expect(dsl64(classConstant([1, 2, 3, 4, 5]).max().sum(), {}, { yTrue: labels, yPred: z }).value[0]).toBe(15);
  });

  it('CE gradient is softmax(z)·Σỹ - ỹ, exactly at tied ±1e30 logits too ([-0.5, 0.5, 0] at [1e30, 1e30, 0], label 0)', () => {
    const g = dsl64(ce({ labelSmoothing: 0.1 }), { reduction: 'sum' }, { yTrue: labels, yPred: z }).grad;
    z.forEach((r, i) => softmax(r).forEach((p, j) => expect(g[i * 5 + j]).toBeCloseTo(p - (0.9 * oneHotRow(labels[i]!, 5)[j]! + 0.02), 12)));
    const tie = dsl64(ce(), {}, { yTrue: [0], yPred: [[1e30, 1e30, 0]] });
    expect(tie.value[0]).toBeCloseTo(Math.LN2, 15);
    expect(Array.from(tie.grad)).toEqual([-0.5, 0.5, 0]);
  });

  it('its analytic gradient equals central finite differences of its own float64 value (60 random differentiable expressions)', () => {
    const cases = fc.sample(fc.record({ ast: grammar({ smooth: true }).root, spec: inputSpec({ rows: 'moderate', from: 'logits', classes: 'js' }) }), {
      seed: 42,
      numRuns: 60,
    });
    let compared = 0;
    for (const c of cases) {
      const expr = build(c.ast, c.spec.C);
      const inputs = materialize({ ...c.spec, rows: c.spec.rows.map(() => 'normal'), weights: 'none' }, 'logits');
      const options = { reduction: c.spec.reduction === 'none' ? ('sum' as const) : c.spec.reduction };
      const at = (flat: ArrayLike<number>) => ({
        yTrue: inputs.yTrue,
        yPred: inputs.yPred.map((row, i) => Array.from(row, (_, j) => flat[i * c.spec.C + j]!)),
      });
      const x = inputs.yPred.flat();
      const ref = reference64(expr, options, at(x));
      if (ref.exact instanceof Error || !Number.isFinite(ref.exact.value[0]!) || ref.gradRows.some((r) => r !== 'ok')) continue;
      const analytic = ref.exact.grad;
      const numeric = numericGradient((v) => dsl64(expr, options, at(v)).value[0]!, x);
      const scale = Math.max(1, ...Array.from(numeric, Math.abs));
      numeric.forEach((n, k) => expect(Math.abs(analytic[k]! - n), `${code(c.ast)} at [${k}]: analytic ${analytic[k]}, numeric ${n}`).toBeLessThanOrEqual(1e-4 * Math.abs(n) + 1e-6 * scale));
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('softSort and sparsemax gradients equal central finite differences of its own value on well-separated inputs', () => {
    const x = [
      [0.9, -0.35, 0.2, 1.6, -1.1, 0.55],
      [2.5, 0.15, -0.6, 0.05, 1.2, -2],
    ];
    const weights = classConstant([1, -2, 0.5, 3, -1, 2]);
    for (const e of [softSort(logit(), { tau: 0.5 }).times(weights).sum(), softSort(logit().exp(), { tau: 2 }).logSumExp(), sparsemax(logit().scale(0.8)).times(weights).sum()]) {
      const at = (v: ArrayLike<number>) => ({ yTrue: [1, 4], yPred: [Array.from(v).slice(0, 6), Array.from(v).slice(6)] });
      const analytic = dsl64(e, {}, at(x.flat())).grad;
      const numeric = numericGradient((v) => dsl64(e, {}, at(v)).value[0]!, x.flat());
      numeric.forEach((n, k) => expect(analytic[k], `${e.toString()} at [${k}]`).toBeCloseTo(n, 6));
    }
  });

  it('keeps float32-level tolerances on well-conditioned input (CE at C = 40: every entry within 2e-5 relative of float64)', () => {
    const x = [Array.from({ length: 40 }, (_, j) => Math.fround(Math.sin(j) * 3))];
    const r = reference64(ce(), {}, { yTrue: [7], yPred: x });
    const { value, grad } = r.valueAndGrad;
    if (value.kind !== 'values' || grad.kind !== 'values') throw new Error('expected values');
    expect(value.tol[0]! / Math.abs(value.values[0]!)).toBeLessThan(2e-5);
    grad.tol.forEach((t) => expect(t).toBeLessThan(2e-5));
  });
});

/** The smallest failing case of each root cause the property test found on main (see the PR report). */
describe('smallest cases found by the property test: every path equals float64', () => {
  const C32 = Array.from({ length: 32 }, (_, j) => Math.fround(j === 3 ? 2.25 : Math.sin(j) * 0.75));
  const emb = { yTrue: [0, 1, 2], yPred: [[0.5, -1, 2], [1.5, 0.25, -0.5], [-2, 1, 0.75]] };
  const cases: [string, Expr, CallInputs, { reduction?: 'mean' | 'sum'; from?: 'embeddings' }?][] = [
    ['ce().expand().sum() is C·ce per sample ([13.76, 5.55] on [[1,2,3,4],[0,0,0,0]], labels 0): expand repeats x_i over the C classes', ce().expand().sum(), { yTrue: [0, 0], yPred: [[1, 2, 3, 4], [0, 0, 0, 0]] }],
    ['ce().expand().logSumExp() is ce + log C', ce().expand().logSumExp(), { yTrue: [0, 2], yPred: [[1, 2, 3, 4], [0, 1, 0, 0]] }],
    ['logit().max().expand().topk(2) is max_j z_j (top-2 of C equal entries), not a raw "k must be <= the last dimension" error', logit().max().expand().topk(2), { yTrue: [0], yPred: [[1, 5, 2]] }],
    ['ce().expand().max() has the gradient of ce (a max over C equal entries is that entry), not C times it', ce().expand().max(), { yTrue: [0], yPred: [[1, 2, 3]] }],
    ['constant(2, "class").sum() is 2C per sample, not a raw "axis param" error', constant(2, 'class').sum(), { yTrue: [0, 1], yPred: [[1, 2, 3], [0, 1, 2]] }],
    ['constant(2, "sample").sum() is 2B (the batch sum of a per-sample constant)', constant(2, 'sample').sum(), { yTrue: [0, 0, 0], yPred: [[1, 2], [1, 2], [1, 2]] }],
    ['classConstant([1, 2]).max().sum() is 2B', classConstant([1, 2]).max().sum(), { yTrue: [0, 0, 0], yPred: [[1, 2], [1, 2], [1, 2]] }],
    ['ce() at tied ±1e30 logits [1e30, 1e30, 0], label 0: value log 2, gradient [-0.5, 0.5, 0]', ce(), { yTrue: [0], yPred: [[1e30, 1e30, 0]] }],
    ['prob().max() at tied logits [1e30, 1e30, 0] is 1/2, not 1', prob().max(), { yTrue: [0], yPred: [[1e30, 1e30, 0]] }],
    ['entropy() at [-1e4, -1e4] is log 2 to float32 accuracy (0.693212 unfused: z - logsumexp(z) rounded at |z| = 1e4)', entropy(), { yTrue: [0], yPred: [[-1e4, -1e4]] }],
    ['logit().target().plus(logit().scale(0.1).max()) at C = 32 with the label at the argmax: gradient 1.1 at the label (WASM SIMD sweeps)', logit().target().plus(logit().scale(0.1).max()), { yTrue: [3], yPred: [C32] }],
    ['square().mean() with C = 1 (labels [0], logits [[2]]) is 1, not a raw oneHot "depth must be >= 2" error', square().mean(), { yTrue: [0], yPred: [[2]] }],
    ['constant(0.5, "sample"): valueAndGrad returns 0.5 and a zero gradient, not tfjs "Cannot compute gradient", and leaks nothing', constant(0.5, 'sample'), { yTrue: [0, 1], yPred: [[1, 2], [3, 4]] }],
    ['logit().topk(2) on distinct logits [5, 3, 1, 0]: valueAndGrad gives 1/2 at the top two, not "gradient function not found for TopK", and leaks nothing', logit().topk(2), { yTrue: [0], yPred: [[5, 3, 1, 0]] }],
    ['logit().topk(2) on [5, 3, 3, 1] is the mean of the two largest values, 4 (ties at the k-th place count once)', logit().topk(2), { yTrue: [0], yPred: [[5, 3, 3, 1]] }],
    ['logit().incorrect() with C = 1 throws SHAPE_MISMATCH from every call and leaks nothing (valueAndGrad included)', logit().incorrect(), { yTrue: [0], yPred: [[1]] }],
    ['ce().mean() with sample weights throws INVALID_ARGUMENT and leaks nothing (valueAndGrad included)', ce().mean(), { yTrue: [0, 1], yPred: [[1, 2], [3, 4]], sampleWeight: [1, 2] }],
    ['prob().log().target() at [1e4, 0, -1e4], label 0, is log p_0 ≈ 0: only the target class enters x_y', prob().log().target(), { yTrue: [0], yPred: [[1e4, 0, -1e4]] }],
    ['log1mexp(logit()).exp().sum() with a logit > 0 throws NON_FINITE_OUTPUT (log(1 - e^x) is undefined for x > 0)', log1mexp(logit()).exp().sum(), { yTrue: [0], yPred: [[0.5, -1]] }],
    ['logit().log().max() on [-1, 2, 3] throws NON_FINITE_OUTPUT (a NaN entry makes the max NaN, it is not skipped)', logit().log().max(), { yTrue: [0], yPred: [[-1, 2, 3]] }],
    ['logit().log().relu().sum() on [-1, 2, 3] throws NON_FINITE_OUTPUT (relu(NaN) is NaN, not 0)', logit().log().relu().sum(), { yTrue: [0], yPred: [[-1, 2, 3]] }],
    ['logit().log1p().sum() at z = [1e20, 1] has the finite gradient [1e-20, 0.5] (the unused series branch of log1p must not turn it into NaN)', logit().log1p().sum(), { yTrue: [0], yPred: [[1e20, 1]] }],
    ['alongRows(embeddings().sum()).logSumExp() is v_i + log B (alongRows broadcasts [B] to [B, B])', alongRows(embeddings().sum()).logSumExp(), emb, { from: 'embeddings' }],
    ['alongRows(embeddings().sum()).negatives("max") is v_i with the gradient of v_i (a max over equal entries), not twice it', alongRows(embeddings().sum()).negatives('max'), emb, { from: 'embeddings' }],
  ];
  for (const [title, expr, inputs, options] of cases) {
    it(title, async () => {
      const r = await checkCall(expr, inputs, options);
      expect(r.failures.length, r.report()).toBe(0);
    });
  }
});
