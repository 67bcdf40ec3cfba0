// Shared by the export tests of core, losses and metric-learning: runs expressions through compile() (the
// reference) and through their generated PyTorch (float64 and float32) and NumPy (float64) modules, all
// cases in one Python process, and compares value, per-sample values, gradient and parts.
//
// Bounds (b = compile(), a = the generated module in float64):
// - vectors (per-sample values, gradients, reduction 'none'): |a − b| ≤ 1e-5·|b| + 1e-6·max|b| + 1e-12,
//   float32-aware: compile() computes in float32, whose rounding is relative to the vector's scale;
// - the reduced value: |a − b| ≤ 1e-5·|b| + 1e-6·mean_i |w_i l_i| + 1e-12 (float32 noise of the sum of terms).
// Where that fails, the float32 module is compared with compile() under the same bound (a tie or kink that
// float32 and float64 round to different sides); where that fails too because compile()'s float32 rounding
// dominates (cancellation to ~0), the float64 module must match a float64 reference at 1e-5 relative: the
// independent evaluator of reference64.ts with central-difference gradients, or, for ops without one, the
// float64 NumPy module (its values, and fourth-order central differences of it for gradients).
// The NumPy module must match the PyTorch one in float64 everywhere.
// When compile() throws, the module must raise the same LosskitError code, or (NON_FINITE_OUTPUT) give a
// non-finite value or gradient in float32 as well.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Expr, type ExportOptions, LosskitError, type TensorLike, compile, toNumPy, toPyTorch } from '../../src/index.js';

/** The interpreter with Debian's python3-torch (the first python3 on PATH may be another one). */
export const PYTHON = process.env.LOSSKIT_PYTHON ?? '/usr/bin/python3';
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'runner.py');

type Rows = number[] | number[][] | number[][][];

/** One expression on one batch. */
export interface ExportCase {
  readonly id: string;
  readonly expr: Expr;
  readonly options?: ExportOptions;
  /** Integer labels (`labels: true`) or dense targets shaped like `yPred`. */
  readonly yTrue: Rows;
  readonly labels: boolean;
  readonly yPred: Rows;
  readonly sampleWeight?: number[];
  readonly inputs?: Readonly<Record<string, Rows | number>>;
}

/** What one implementation produced for a case. */
export interface Observed {
  readonly value?: number | number[];
  readonly perSample?: number[];
  readonly grad?: number[];
  readonly parts?: Readonly<Record<string, number>>;
  readonly error?: { readonly code?: string | null; readonly message: string; readonly type?: string };
  readonly moduleMismatch?: boolean;
}

/** The comparison of one case. */
export interface CaseReport {
  readonly id: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  /**
   * How it was decided: `direct` (the float64 module against compile()), `float32` (the float32 module against
   * compile(): a tie or kink that float32 decides differently from float64), `float64` (against the float64
   * reference: compile()'s float32 result is dominated by rounding), or `error` (the same error).
   */
  readonly mode: 'direct' | 'float32' | 'float64' | 'error';
  /** Largest `|a − b| / |b|` against compile() over the dominant entries (|b| ≥ 0.1·max|b|) of value, per-sample values and gradient. */
  readonly worst: number;
  /** Largest `|a − b| / bound` against compile() (≤ 1 passes directly). */
  readonly ratio: number;
}

const f32 = (x: unknown): unknown => (Array.isArray(x) ? x.map(f32) : typeof x === 'number' ? Math.fround(x) : x);
const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
const decode = (x: unknown): unknown =>
  Array.isArray(x) ? x.map(decode) : x === 'NaN' ? Number.NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : x;

/** Runs compile() (default options: the fused kernel where it applies) on a case. */
export function runCompile(c: ExportCase): Observed {
  try {
    const loss = compile(c.expr as never, { ...(c.options ?? {}) } as never);
    const call = {
      ...(c.sampleWeight ? { sampleWeight: f32(c.sampleWeight) as TensorLike } : {}),
      ...(c.inputs ? { inputs: f32(c.inputs) as Record<string, TensorLike> } : {}),
    };
    const yTrue = (c.labels ? c.yTrue : f32(c.yTrue)) as TensorLike;
    const yPred = f32(c.yPred) as TensorLike;
    const v = loss(yTrue, yPred, call);
    const value = v.rank === 0 ? v.dataSync()[0]! : Array.from(v.dataSync());
    v.dispose();
    let perSample: number[] | undefined;
    if (c.expr.level === 'sample') {
      const p = loss.perSample(yTrue, yPred, call);
      perSample = Array.from(p.dataSync());
      p.dispose();
    }
    const vg = loss.valueAndGrad(yTrue, yPred, call);
    const grad = Array.from(vg.grad.dataSync());
    vg.value.dispose();
    vg.grad.dispose();
    const parts = hasNamed(c.expr) ? loss.parts(yTrue, yPred, call) : undefined;
    return { value, ...(perSample ? { perSample } : {}), grad, ...(parts ? { parts } : {}) };
  } catch (e) {
    if (e instanceof LosskitError) return { error: { code: e.code, message: e.message } };
    return { error: { code: 'UNTYPED', message: `compile() threw an untyped ${(e as Error).name}: ${(e as Error).message}` } };
  }
}

function hasNamed(e: Expr): boolean {
  return e.label !== undefined || e.args.some(hasNamed);
}

/** The exported modules' results for each case: PyTorch float64 and float32, NumPy float64. */
export interface PythonResults {
  readonly torch64: Observed;
  readonly torch32: Observed;
  readonly numpy64: Observed;
}

/** Exports every case's expression (once per distinct expression and options) and runs all cases in one Python process. */
export function runPython(cases: readonly ExportCase[], withReference: (c: ExportCase) => boolean = () => false): PythonResults[] {
  const dir = mkdtempSync(join(tmpdir(), 'losskit-export-'));
  try {
    const modules: Record<string, string> = {};
    const ids = new Map<string, string>();
    const moduleOf = (c: ExportCase, target: 'pytorch' | 'numpy'): string => {
      const key = `${target}|${c.expr.key}|${JSON.stringify(c.options ?? {})}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = `m${ids.size}`;
        ids.set(key, id);
        const path = join(dir, `${id}.py`);
        writeFileSync(path, target === 'pytorch' ? toPyTorch(c.expr, c.options) : toNumPy(c.expr, c.options));
        modules[id] = path;
      }
      return id;
    };
    const runs = cases.flatMap((c) => {
      const base = {
        y_true: c.labels ? c.yTrue : f32(c.yTrue),
        labels: c.labels,
        y_pred: f32(c.yPred),
        ...(c.sampleWeight ? { sample_weight: f32(c.sampleWeight) } : {}),
        ...(c.inputs ? { inputs: f32(c.inputs) } : {}),
        per_sample: c.expr.level === 'sample',
        grad: true,
        parts: hasNamed(c.expr),
      };
      return [
        { ...base, module: moduleOf(c, 'pytorch'), target: 'pytorch', dtype: 'float64' },
        { ...base, module: moduleOf(c, 'pytorch'), target: 'pytorch', dtype: 'float32' },
        // Without a JS reference, the NumPy module's central differences are the float64 reference gradient.
        { ...base, module: moduleOf(c, 'numpy'), target: 'numpy', dtype: 'float64', grad: !withReference(c) },
      ];
    });
    const input = join(dir, 'cases.json');
    const output = join(dir, 'results.json');
    writeFileSync(input, JSON.stringify({ modules, cases: runs }));
    const r = spawnSync(PYTHON, [RUNNER, input, output], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`python runner failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
    const raw = JSON.parse(readFileSync(output, 'utf8')) as Array<Record<string, unknown>>;
    const obs = raw.map((o): Observed => {
      const parts = o.parts as Record<string, unknown> | undefined;
      return {
        ...(o.value !== undefined ? { value: decode(o.value) as number | number[] } : {}),
        ...(o.per_sample !== undefined ? { perSample: flat(decode(o.per_sample)) } : {}),
        ...(o.grad !== undefined ? { grad: flat(decode(o.grad)) } : {}),
        ...(parts ? { parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, decode(v) as number])) } : {}),
        ...(o.error ? { error: o.error as Observed['error'] & object } : {}),
        ...(o.module_mismatch ? { moduleMismatch: true } : {}),
      };
    });
    return cases.map((_, i) => ({ torch64: obs[3 * i]!, torch32: obs[3 * i + 1]!, numpy64: obs[3 * i + 2]! }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `|a − b| / |b|`, 0 when equal. */
export function relError(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.abs(b);
}

const finite = (o: Observed): boolean =>
  [o.value, o.perSample, o.grad].every((x) => x === undefined || flat(x).every(Number.isFinite));

/** Float64 reference values of a case (independent evaluator, or the NumPy module for values only). */
export interface Reference64 {
  readonly value?: number | number[];
  readonly perSample?: readonly number[];
  /** Central differences of the float64 reference. */
  readonly grad?: readonly number[];
  /** `parts()` of the float64 reference. */
  readonly parts?: Readonly<Record<string, number>>;
}

interface VecCheck {
  readonly ok: boolean;
  /** Largest `|a − b| / |b|` over the dominant entries (`|b| ≥ max(0.1·scale, 1e-6)`, scale = max|b| or the given one). */
  readonly worst: number;
  /** Largest `|a − b| / bound` (≤ 1 passes). */
  readonly ratio: number;
  readonly where: string;
}

/** Elementwise `|a − b| ≤ rel·|b| + floor·max|b| + abs`. */
function checkVector(a: readonly number[], b: readonly number[], rel: number, floor: number, abs: number, scaleOf?: number): VecCheck {
  if (a.length !== b.length) return { ok: false, worst: Infinity, ratio: Infinity, where: `length ${a.length} vs ${b.length}` };
  const scale = scaleOf ?? Math.max(0, ...b.map(Math.abs));
  let ok = true;
  let worst = 0;
  let ratio = 0;
  let where = '';
  for (let i = 0; i < b.length; i++) {
    const tol = rel * Math.abs(b[i]!) + floor * scale + abs;
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= tol) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!)) && a[i] !== b[i]) {
      ok = false;
      where ||= `[${i}] ${a[i]} vs ${b[i]} (tol ${tol.toExponential(2)})`;
    }
    if (Math.abs(b[i]!) >= Math.max(0.1 * scale, 1e-6)) worst = Math.max(worst, relError(a[i]!, b[i]!));
    if (a[i] !== b[i]) ratio = Math.max(ratio, d / tol);
  }
  return { ok, worst, ratio, where };
}

/** Compares one case's modules with compile() and, where float32 rounding decides, with the float64 reference (see the file comment). */
export function compareCase(c: ExportCase, ref: Observed, py: PythonResults, ref64?: Reference64): CaseReport {
  const problems: string[] = [];
  const { torch64: t64, torch32: t32, numpy64: n64 } = py;
  if (ref.error?.code === 'UNTYPED') return { id: c.id, ok: false, problems: [ref.error.message], mode: 'error', worst: 0, ratio: 0 };
  if (ref.error) {
    for (const [name, o] of [['pytorch', t64], ['numpy', n64]] as const) {
      if (ref.error.code === 'NON_FINITE_OUTPUT' || ref.error.code === 'NON_FINITE_INPUT') {
        // compile() overflowed in float32: the float32 module must too (the float64 NumPy module may not).
        if (name === 'numpy') continue;
        if (!t32.error && finite(t32)) {
          problems.push(`${name}: compile() threw ${ref.error.code} (${ref.error.message}) but the float32 module is finite: value ${JSON.stringify(t32.value)}`);
        }
      } else if (o.error?.code !== ref.error.code) {
        problems.push(`${name}: compile() threw ${ref.error.code} (${ref.error.message}); the module ${o.error ? `raised ${o.error.type} ${o.error.code}: ${o.error.message}` : 'returned a value'}`);
      }
    }
    return { id: c.id, ok: problems.length === 0, problems, mode: 'error', worst: 0, ratio: 0 };
  }
  for (const [name, o] of [['pytorch float64', t64], ['pytorch float32', t32], ['numpy', n64]] as const) {
    if (o.error) problems.push(`${name} raised ${o.error.type} ${o.error.code ?? ''}: ${o.error.message}`);
  }
  if (t64.moduleMismatch) problems.push('the nn.Module gives another value than loss()');
  if (problems.length > 0) return { id: c.id, ok: false, problems, mode: 'direct', worst: Infinity, ratio: Infinity };

  let worst = 0;
  let ratio = 0;
  const asVec = (x: number | readonly number[] | undefined) => (x === undefined ? undefined : flat(x));
  const modes = new Set<CaseReport['mode']>();
  /**
   * One quantity: the float64 module against compile() (float32-aware bound, `floor` relative to max|b|);
   * else the float32 module against compile() (same precision: a tie or kink decided as in float32);
   * else the float64 module against the float64 reference `r` (compile()'s float32 result is rounding noise).
   */
  const check = (what: string, a: readonly number[] | undefined, a32: readonly number[] | undefined, b: readonly number[] | undefined, r: readonly number[] | undefined, floor: number, isGrad: boolean, scale?: number) => {
    if (b === undefined) return;
    if (a === undefined || a32 === undefined) {
      problems.push(`${what}: missing from the module`);
      return;
    }
    const direct = checkVector(a, b, 1e-5, floor, 1e-12, scale);
    worst = Math.max(worst, direct.worst);
    ratio = Math.max(ratio, direct.ratio);
    if (direct.ok) return;
    if (checkVector(a32, b, 1e-5, floor, 1e-12, scale).ok) {
      modes.add('float32');
      return;
    }
    if (r !== undefined) {
      // Central differences (4-point) of the reference: float64 rounding over the step is ~1e-10 of the function's scale.
      const exact = checkVector(a, r, 1e-5, isGrad ? 1e-6 : 1e-9, isGrad ? 1e-7 : 1e-12);
      if (exact.ok) {
        modes.add('float64');
        return;
      }
      problems.push(`${what}: ${direct.where}; against the float64 reference: ${exact.where}`);
      return;
    }
    problems.push(`${what}: ${direct.where} (no float64 reference)`);
  };
  if (Array.isArray(ref.value)) check('value (reduction none)', asVec(t64.value), asVec(t32.value), ref.value, asVec(ref64?.value ?? n64.value), 1e-6, false);
  else if (ref.value !== undefined) {
    // A scalar: the float32 floor is the mean magnitude of the weighted per-sample terms it sums.
    const terms = ref.perSample ?? [ref.value];
    const S = terms.reduce((s, x) => s + Math.abs(x), 0) / terms.length;
    check('value', asVec(t64.value), asVec(t32.value), [ref.value], asVec(ref64?.value ?? n64.value), 1e-6, false, Math.max(S, Math.abs(ref.value)));
  }
  check('per-sample', t64.perSample, t32.perSample, ref.perSample, ref64?.perSample ?? n64.perSample, 1e-6, false);
  check('gradient', t64.grad, t32.grad, ref.grad, ref64?.grad ?? n64.grad, 1e-6, true);
  if (ref.parts) {
    const scale = Math.max(...Object.values(ref.parts).map(Math.abs), ...(ref.perSample ?? []).map(Math.abs));
    for (const [k, b] of Object.entries(ref.parts)) {
      const a = t64.parts?.[k];
      const a32 = t32.parts?.[k];
      const n = n64.parts?.[k];
      const near = (x: number | undefined) => x !== undefined && Math.abs(x - b) <= 1e-5 * Math.abs(b) + 1e-6 * scale + 1e-12;
      if (a === undefined || n === undefined) problems.push(`parts.${k}: missing`);
      else if (!(Math.abs(a - n) <= 1e-5 * Math.abs(n) + 1e-12)) problems.push(`parts.${k}: pytorch ${a} vs numpy ${n}`);
      else if (!near(a) && !near(a32)) {
        const r = ref64?.parts?.[k];
        if (r === undefined || !(Math.abs(a - r) <= 1e-5 * Math.abs(r) + 1e-9 * scale + 1e-12)) problems.push(`parts.${k}: pytorch ${a}, compile() ${b}, float64 reference ${r}`);
        else modes.add('float64');
      }
    }
    const extra = Object.keys(t64.parts ?? {}).filter((k) => !(k in ref.parts!));
    if (extra.length) problems.push(`parts: unexpected ${extra.join(', ')}`);
  }
  const mode: CaseReport['mode'] = modes.has('float64') ? 'float64' : modes.has('float32') ? 'float32' : 'direct';
  // The NumPy module computes the same values in float64.
  const nv = checkVector(asVec(n64.value) ?? [], asVec(t64.value) ?? [], 1e-6, 1e-9, 1e-12);
  if (!nv.ok) problems.push(`numpy value: ${nv.where}`);
  if (t64.perSample && n64.perSample) {
    const np = checkVector(n64.perSample, t64.perSample, 1e-6, 1e-9, 1e-12);
    if (!np.ok) problems.push(`numpy per-sample: ${np.where}`);
  }
  return { id: c.id, ok: problems.length === 0, problems, mode, worst, ratio };
}

/** Runs and compares every case; `reference` gives float64 references where available. Returns one report per case (in order). */
export function checkCases(cases: readonly ExportCase[], reference?: (c: ExportCase) => Reference64 | undefined): CaseReport[] {
  const refs = cases.map(runCompile);
  const ref64 = cases.map((c, i) => (refs[i]!.error ? undefined : reference?.(c)));
  const py = runPython(cases, (c) => ref64[cases.indexOf(c)] !== undefined);
  return cases.map((c, i) => compareCase(c, refs[i]!, py[i]!, ref64[i]));
}

/** A one-line summary of reports: counts, modes and the worst relative error of the directly compared cases. */
export function summarize(reports: readonly CaseReport[]): string {
  const ok = reports.filter((r) => r.ok);
  const direct = ok.filter((r) => r.mode === 'direct');
  const worst = Math.max(0, ...direct.map((r) => r.worst));
  const ratio = Math.max(0, ...direct.map((r) => r.ratio));
  const n = (m: CaseReport['mode']) => ok.filter((r) => r.mode === m).length;
  return `${ok.length}/${reports.length} pass (${direct.length} against compile() directly; ${n('float32')} against compile() in float32, where a tie or kink falls differently in float64; ${n('float64')} against the float64 reference, where compile()'s float32 rounding dominates; ${n('error')} raising the same error); worst relative error against compile() ${worst.toExponential(2)} (|a − b|/|b| over entries with |b| ≥ max(0.1·max|b|, 1e-6); largest |a − b|/bound ${ratio.toFixed(3)})`;
}
