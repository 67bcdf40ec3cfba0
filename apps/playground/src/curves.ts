// What the playground plots for an expression on a batch: the loss as one coordinate of example 0's prediction moves
// (its target logit, its target probability, or an embedding coordinate), the gradient along that coordinate, and a
// loss surface over two logits with the descent field. Sample-level expressions are evaluated in one batched call
// (example 0 repeated, one row per plot point); batch- and pair-level ones once per point on the whole batch.
import * as tf from '@tensorflow/tfjs-core';
import { type CompiledLoss, type CompileOptions, type Expr, compile } from '@losskit/core';
import { exampleLabels, exampleLogits } from './example.ts';
import type { Batch } from './tryit.ts';

export type From = 'logits' | 'probs' | 'embeddings';

type Rows = number[][];

const softmaxRow = (r: readonly number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** The documented example batch for `from` (logits, or their softmax). */
export function siteBatch(from: From): Batch {
  return {
    yTrue: [...exampleLabels],
    yPred: from === 'probs' ? exampleLogits.map(softmaxRow) : exampleLogits.map((r) => [...r]),
    inputs: {},
    source: 'site',
  };
}

/** Converts a batch's predictions between logits and probabilities (rows that are not distributions are left alone). */
export function batchFor(batch: Batch, from: From): Batch {
  const rows = batch.yPred as Rows;
  if (!Array.isArray(rows[0]) || from === 'embeddings') return batch;
  const isDist = rows.every((r) => r.every((v) => v >= 0 && v <= 1) && Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  if (from === 'probs' && !isDist) return { ...batch, yPred: rows.map((r) => (r.length > 1 ? softmaxRow(r) : r.map((v) => 1 / (1 + Math.exp(-v))))) };
  if (from === 'logits' && isDist && rows[0]!.length > 1) return { ...batch, yPred: rows.map((r) => r.map((p) => Math.log(Math.max(p, 1e-7)))) };
  return batch;
}

export interface Curve {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly grads: Float64Array;
}

export interface CurveSetup {
  /** Column of example 0 that moves. */
  readonly column: number;
  readonly range: readonly [number, number];
  /** Axis title, e.g. `target logit z₀`. */
  readonly label: string;
  readonly gradLabel: string;
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sub = (n: number) => String(n).split('').map((d) => SUB[Number(d)]).join('');

/** Which coordinate of example 0 the plots move, and over what range. */
export function curveSetup(batch: Batch, from: From): CurveSetup {
  const y0 = (batch.yTrue as unknown[])[0];
  const row0 = (batch.yPred as Rows)[0]!;
  const C = Array.isArray(row0) ? row0.length : 1;
  let column = 0;
  if (typeof y0 === 'number' && Number.isInteger(y0) && y0 < C) column = y0;
  else if (Array.isArray(y0)) column = (y0 as number[]).indexOf(Math.max(...(y0 as number[])));
  column = Math.max(0, Math.min(C - 1, column));
  if (from === 'probs') return { column, range: [0.01, 0.99], label: `target probability p${sub(column)}`, gradLabel: `∂ℓ/∂p${sub(column)}` };
  if (from === 'embeddings') {
    const v = row0[column] ?? 0;
    return { column, range: [v - 2, v + 2], label: `embedding coordinate x${sub(column)} of example 0`, gradLabel: `∂L/∂x${sub(column)}` };
  }
  const isLabel = typeof y0 === 'number' || (Array.isArray(y0) && (y0 as number[]).every((v) => v === 0 || v === 1));
  return { column, range: [-6, 6], label: isLabel ? `target logit z${sub(column)}` : `prediction ŷ${sub(column)} of example 0`, gradLabel: isLabel ? `∂ℓ/∂z${sub(column)}` : `∂ℓ/∂ŷ${sub(column)}` };
}

/** Example 0 with column `c` set to `t` (probabilities: the other entries rescaled so the row sums to 1). */
function moved(row: readonly number[], c: number, t: number, from: From): number[] {
  const r = [...row];
  if (from === 'probs' && r.length > 1) {
    const rest = r.reduce((a, b, j) => (j === c ? a : a + b), 0);
    for (let j = 0; j < r.length; j++) r[j] = j === c ? t : rest > 0 ? (r[j]! / rest) * (1 - t) : (1 - t) / (r.length - 1);
  } else r[c] = t;
  return r;
}

function perSampleInputs(batch: Batch, n: number): Record<string, unknown> {
  const B = (batch.yPred as Rows).length;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(batch.inputs)) {
    out[k] = Array.isArray(v) && v.length === B && B > 1 ? Array.from({ length: n }, () => v[0]) : v;
  }
  return out;
}

/** The compiled pair (mean reduction for values, sum for gradients) of an expression, cached per expression and options. */
export class Evaluator {
  readonly expr: Expr;
  readonly options: CompileOptions;
  readonly loss: CompiledLoss;
  private sumLoss: CompiledLoss | undefined;
  constructor(expr: Expr, options: CompileOptions) {
    this.expr = expr;
    this.options = options;
    this.loss = compile(expr as never, options as never) as unknown as CompiledLoss;
  }
  private summed(): CompiledLoss {
    this.sumLoss ??= compile(this.expr as never, { ...this.options, reduction: 'sum', validate: false } as never) as unknown as CompiledLoss;
    return this.sumLoss;
  }

  /** The value on the batch and, for sample-level expressions, the per-sample values. */
  async value(batch: Batch): Promise<{ value: number; perSample: number[] | undefined }> {
    const opts = Object.keys(batch.inputs).length ? { inputs: batch.inputs } : undefined;
    const t = this.loss(batch.yTrue as never, batch.yPred as never, opts as never);
    const value = (await t.data())[0]!;
    t.dispose();
    let perSample: number[] | undefined;
    if (this.expr.level === 'sample') {
      const p = this.loss.perSample(batch.yTrue as never, batch.yPred as never, opts as never);
      perSample = Array.from(await p.data());
      p.dispose();
    }
    return { value, perSample };
  }

  /** Loss and gradient along one coordinate of example 0 (for embeddings: the batch's loss, the other rows fixed). */
  async curve(batch: Batch, setup: CurveSetup, from: From, n = 121): Promise<Curve> {
    const [lo, hi] = setup.range;
    const xs = Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
    const ys = new Float64Array(n);
    const grads = new Float64Array(n);
    const rows = batch.yPred as Rows;
    const row0 = rows[0]!;
    // Sample-level losses of logits or probabilities: n copies of example 0 in one call. Embeddings are scored against
    // the rest of the batch (pair-level terms), so there the whole batch is evaluated with example 0 moved.
    if (this.expr.level === 'sample' && from !== 'embeddings') {
      const pred = Array.from(xs, (t) => moved(row0, setup.column, t, from));
      const yTrue = Array.from({ length: n }, () => (batch.yTrue as unknown[])[0]);
      const inputs = perSampleInputs(batch, n);
      const opts = Object.keys(inputs).length ? { inputs } : undefined;
      const { value, grad } = this.summed().valueAndGrad(yTrue as never, pred as never, opts as never);
      const per = this.summed().perSample(yTrue as never, pred as never, opts as never);
      const [pv, gv] = await Promise.all([per.data(), grad.data()]);
      value.dispose(); grad.dispose(); per.dispose();
      const C = row0.length;
      for (let i = 0; i < n; i++) { ys[i] = pv[i]!; grads[i] = gv[i * C + setup.column]!; }
      return { xs, ys, grads };
    }
    const m = Math.min(n, 41);
    const xs2 = Float64Array.from({ length: m }, (_, i) => lo + ((hi - lo) * i) / (m - 1));
    const ys2 = new Float64Array(m);
    const g2 = new Float64Array(m);
    const opts = Object.keys(batch.inputs).length ? { inputs: batch.inputs } : undefined;
    const C = row0.length;
    for (let i = 0; i < m; i++) {
      const pred = rows.map((r, k) => (k === 0 ? moved(r, setup.column, xs2[i]!, from) : r));
      try {
        const { value, grad } = this.loss.valueAndGrad(batch.yTrue as never, pred as never, opts as never);
        ys2[i] = (await value.data())[0]!;
        g2[i] = (await grad.data())[setup.column]!;
        void C;
        value.dispose(); grad.dispose();
      } catch {
        ys2[i] = Number.NaN; g2[i] = Number.NaN;
      }
    }
    return { xs: xs2, ys: ys2, grads: g2 };
  }

  /** Loss over (z_c, z_k) of example 0 (k the next class) and the descent field, for logits with ≥ 2 classes. */
  async surface(batch: Batch, column: number, n = 40, arrowsN = 12): Promise<{ values: Float32Array; gx: Float32Array; gy: Float32Array; other: number } | undefined> {
    const row0 = (batch.yPred as Rows)[0]!;
    if (this.expr.level !== 'sample' || row0.length < 2) return undefined;
    const other = column === 0 ? 1 : 0;
    const at = (i: number, k: number) => -6 + (12 * i) / (k - 1);
    const grid: Rows = [];
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) { const r = [...row0]; r[column] = at(i, n); r[other] = at(n - 1 - j, n); grid.push(r); }
    const arrows: Rows = [];
    for (let j = 0; j < arrowsN; j++) for (let i = 0; i < arrowsN; i++) { const r = [...row0]; r[column] = -6 + (12 * (i + 0.5)) / arrowsN; r[other] = 6 - (12 * (j + 0.5)) / arrowsN; arrows.push(r); }
    const y = (k: number) => Array.from({ length: k }, () => (batch.yTrue as unknown[])[0]);
    const in1 = perSampleInputs(batch, grid.length);
    const in2 = perSampleInputs(batch, arrows.length);
    const per = this.summed().perSample(y(grid.length) as never, grid as never, (Object.keys(in1).length ? { inputs: in1 } : undefined) as never);
    const { value, grad } = this.summed().valueAndGrad(y(arrows.length) as never, arrows as never, (Object.keys(in2).length ? { inputs: in2 } : undefined) as never);
    const [pv, gv] = await Promise.all([per.data(), grad.data()]);
    per.dispose(); value.dispose(); grad.dispose();
    const C = row0.length;
    const gx = new Float32Array(arrows.length), gy = new Float32Array(arrows.length);
    for (let k = 0; k < arrows.length; k++) { gx[k] = -gv[k * C + column]!; gy[k] = -gv[k * C + other]!; }
    return { values: pv as Float32Array, gx, gy, other };
  }
}

void tf;
