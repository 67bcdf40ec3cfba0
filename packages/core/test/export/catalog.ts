// Random batches "of the same nature" as a catalog entry's documented example, for the export tests of the
// packages' catalogs: the same shapes per row and options, values drawn like the example's (integer labels,
// distributions, 0/1 masks, ±1 signs, positive values, probabilities, real values), more rows, every
// reduction, sample weights, and a ±1e4-scaled prediction where the entry takes logits.
import type { CompileOptions, Expr, Reduction } from '../../src/index.js';
import type { Dice } from './grammar.js';
import type { ExportCase } from './harness.js';

type Rows = number[] | number[][];

/** A documented example: labels or targets `y`, predictions `z`, extra `inputs`, compile options. */
export interface Example {
  readonly y: Rows;
  readonly z: number[][];
  readonly inputs?: Readonly<Record<string, Rows | number>>;
  readonly options?: CompileOptions;
}

type Nature = 'labels' | 'integers' | 'distribution' | 'logDistribution' | 'binary' | 'sign' | 'unit' | 'positive' | 'real';

const flat = (x: Rows | number): number[] => (Array.isArray(x) ? (x as unknown[]).flatMap((v) => (Array.isArray(v) ? v : [v])) as number[] : [x]);
const rowsOf = (x: Rows): number[][] => (Array.isArray(x[0]) ? (x as number[][]) : (x as number[]).map((v) => [v]));

/** How the example's values were drawn (a 2-D array's rows summing to 1 are distributions, and so on). */
export function natureOf(x: Rows | number, is2d = Array.isArray((x as unknown[])[0])): Nature {
  const v = flat(x);
  if (is2d) {
    const rows = rowsOf(x as Rows);
    const width = rows[0]!.length;
    if (width > 1 && rows.every((r) => r.every((u) => u >= 0) && Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-6)) return 'distribution';
    if (width > 1 && rows.every((r) => r.every((u) => u <= 0) && Math.abs(r.reduce((a, b) => a + Math.exp(b), 0) - 1) < 1e-6)) return 'logDistribution';
  }
  if (v.every((u) => u === 0 || u === 1)) return 'binary';
  if (v.every((u) => u === -1 || u === 1)) return 'sign';
  if (v.every((u) => Number.isInteger(u) && u >= 0)) return 'integers';
  if (v.every((u) => u >= 0 && u <= 1)) return 'unit';
  if (v.every((u) => u > 0)) return 'positive';
  return 'real';
}

/** Draws `rows × width` values of a nature (`max`: the largest integer for `integers`). */
function draw(d: Dice, nature: Nature, rows: number, width: number, max: number, scale = 1): number[][] {
  const softmax = (r: number[]) => {
    const m = Math.max(...r);
    const e = r.map((x) => Math.exp(x - m));
    const t = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / t);
  };
  const row = (): number[] => {
    const g = () => Array.from({ length: width }, () => d.normal());
    switch (nature) {
      case 'distribution': return softmax(g().map((x) => 1.5 * x));
      case 'logDistribution': return softmax(g()).map(Math.log);
      case 'binary': return g().map((x) => (x > 0 ? 1 : 0));
      case 'sign': return g().map((x) => (x > 0 ? 1 : -1));
      case 'integers': return g().map(() => d.int(0, max));
      case 'unit': return g().map(() => 0.02 + 0.96 * d.uniform());
      case 'positive': return g().map(() => scale * (0.05 + 2 * d.uniform()));
      default: return g().map((x) => scale * 2 * x);
    }
  };
  return Array.from({ length: rows }, row);
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'];

/**
 * The example itself plus `count` random batches of its nature (the last one with ±1e4-scaled logits when
 * the entry takes logits and more than one class), for `expr`. Labels are drawn in `[0, maxLabel]`
 * (default: every class, or a few groups for embeddings).
 */
export function catalogCases(d: Dice, id: string, expr: Expr, ex: Example, count = 3, maxLabel?: number): ExportCase[] {
  const from = ex.options?.from ?? 'logits';
  const C = ex.z[0]!.length;
  const labels = !Array.isArray((ex.y as unknown[])[0]);
  const yNature = labels ? 'labels' : natureOf(ex.y);
  const zNature: Nature = from === 'probs' ? (C > 1 ? 'distribution' : 'unit') : from === 'embeddings' ? 'real' : natureOf(ex.z, false) === 'positive' || natureOf(ex.z, false) === 'unit' ? 'positive' : 'real';
  const maxOf = (x: Rows | number) => Math.max(...flat(x));
  const levels = new Map<string, string>();
  const walk = (e: Expr): void => {
    if (e.op.kind === 'input') levels.set(e.params.name as string, e.level);
    e.args.forEach(walk);
  };
  walk(expr);
  const cases: ExportCase[] = [{ id: `${id} (documented example)`, expr, ...(ex.options ? { options: ex.options } : {}), yTrue: ex.y, labels, yPred: ex.z, ...(ex.inputs ? { inputs: ex.inputs } : {}) }];
  for (let k = 0; k < count; k++) {
    const B = Math.max(ex.z.length, 2) + d.int(1, 4);
    const huge = k === count - 1 && from === 'logits' && (labels || yNature === 'distribution' || yNature === 'binary');
    const yPred = draw(d, zNature, B, C, 0, huge ? 1e4 : 1);
    let yTrue: Rows;
    if (labels) {
      const top = maxLabel ?? (from === 'embeddings' ? Math.max(2, maxOf(ex.y)) : C - 1);
      yTrue = Array.from({ length: B }, () => d.int(0, top));
    } else {
      yTrue = draw(d, yNature, B, rowsOf(ex.y)[0]!.length, Math.max(1, maxOf(ex.y)));
    }
    const inputs: Record<string, Rows | number> = {};
    for (const [name, v] of Object.entries(ex.inputs ?? {})) {
      if (typeof v === 'number' || !levels.has(name)) {
        inputs[name] = v;
        continue;
      }
      const is2d = Array.isArray(v[0]);
      const width = is2d ? (v[0] as number[]).length : 1;
      // Per-sample rows follow the batch; a class-level input given as one row [C] stays one row; a pair-level
      // input keeps its rows unless it has one per sample (a [C, D] class matrix stays [C, D]).
      const level = levels.get(name);
      const rowsIn = level === 'class' && !is2d ? 1 : level === 'pair' && (v as unknown[]).length !== ex.z.length ? (v as unknown[]).length : B;
      if (rowsIn === 1 && !is2d) {
        inputs[name] = draw(d, natureOf([v as number[]]), 1, (v as number[]).length, Math.max(1, maxOf(v)))[0]!;
        continue;
      }
      const drawn = draw(d, natureOf(v), rowsIn, width, Math.max(1, maxOf(v)));
      inputs[name] = is2d ? drawn : drawn.map((r) => r[0]!);
    }
    const weighted = expr.level === 'sample' && d.chance(0.6);
    cases.push({
      id: `${id} (random ${k + 1}${huge ? ', ±1e4 logits' : ''})`,
      expr,
      options: { ...(ex.options ?? {}), reduction: d.pick(REDUCTIONS) },
      yTrue,
      labels,
      yPred,
      ...(weighted ? { sampleWeight: Array.from({ length: B }, () => (d.chance(0.2) ? 0 : 2 * d.uniform())) } : {}),
      ...(Object.keys(inputs).length ? { inputs } : {}),
    });
  }
  return cases;
}
