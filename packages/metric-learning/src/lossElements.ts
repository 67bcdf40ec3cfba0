import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, LosskitError, type TensorLike, toTensor } from '@losskit/core';
import { checkedTensor, pairwiseTensor } from './distances.js';
import { mineHost } from './host/mining.js';
import type { PairData } from './host/pairs.js';
import type { ReductionType } from './host/reduce.js';
import { optionsOf } from './internal.js';
import { type PairLossParams, isPairOp, pairCall } from './pairLoss.js';

/** One sub-loss's unreduced elements (PML's loss-dict entry). */
export interface LossElements {
  /** One loss per element (listed pairs, triplets or anchors). */
  readonly losses: Float64Array;
  /** PML's `indices`: `[anchors, others]` for pairs, `[a, p, n]` for triplets, `[anchors]` for per-anchor losses. */
  readonly indices: readonly Int32Array[];
  /** Multiplicity of each element (a pair listed twice by a miner), when not all 1. */
  readonly multiplicity?: ArrayLike<number>;
  readonly reductionType: ReductionType | 'already_reduced';
  /** For `already_reduced` sub-losses: the value. */
  readonly value?: number;
}

/**
 * PML's `DoNothingReducer`: the loss dict of one call of a pair or triplet loss, before any reduction —
 * `{ [subLoss]: { losses, indices, reductionType } }` (contrastive: `pos_loss`, `neg_loss`; margin: `margin_loss`,
 * `beta_reg_loss`; most others `loss`). Triplets the loss never lists (all triplets, `tripletMarginMiner`) are listed
 * here, O(number of triplets). The loss's reducer applies only to already-reduced sub-losses (their `value`). Inputs
 * as a compiled call: labels `[B]`, embeddings `[B, D]`, `options.inputs` for given tuples, a learned β or a histogram.
 * The wrappers and non-pair losses are `INVALID_ARGUMENT`. Returns plain arrays (no tensors are left).
 * @example const { loss } = lossElements(tripletMargin({ miner: semiHard() }), labels, embeddings);
 */
export function lossElements(loss: Expr<'batch' | 'sample', 'any'>, yTrue: TensorLike, yPred: TensorLike, options: { readonly inputs?: Readonly<Record<string, TensorLike>> } = {}): Record<string, LossElements> {
  options = optionsOf(options);
  if (!loss || typeof loss !== 'object' || !loss.op || !isPairOp(loss.op as never)) {
    throw new LosskitError('INVALID_ARGUMENT', 'lossElements() takes a pair or triplet loss of @losskit/metric-learning', { argument: 'loss', expected: 'e.g. tripletMargin(), contrastive(), ntXent()', received: loss && typeof loss === 'object' && loss.op ? `an expression of kind ${loss.op.kind}` : typeof loss });
  }
  const info = (loss.op as unknown as { pair: { host: (p: PairLossParams) => (d: PairData, m: never, e: readonly Float32Array[]) => readonly { name: string; elements?: () => { type: ReductionType; values: Float64Array; anchors?: Int32Array; stride?: number; mult?: ArrayLike<number>; others?: readonly Int32Array[] }; reduce: (r: PairLossParams['reducer'], c: { b: number; rowLabels: Int32Array }) => { value: number } }[]; extras?: (ctx: EvalContext, p: PairLossParams) => Tensor[]; what: string } }).pair;
  const p = loss.params as unknown as PairLossParams;
  let out: Record<string, LossElements> = {};
  tf.tidy(() => {
    const e = checkedTensor(yPred, 'yPred', 2, 'the embeddings');
    const y = toTensor(yTrue, 'yTrue').tensor;
    const yv = y.dataSync();
    if (y.rank !== 1 || yv.length !== e.shape[0]) throw new LosskitError('SHAPE_MISMATCH', 'one label per embedding', { argument: 'yTrue', expected: `[${e.shape[0]}]`, received: `[${y.shape.join(', ')}]` });
    for (let i = 0; i < yv.length; i++) if (!Number.isInteger(yv[i]!)) throw new LosskitError('NON_INTEGER_LABEL', 'labels must be integers', { argument: 'yTrue', expected: 'integers', received: `${yv[i]} at index ${i}` });
    const labels = tf.tensor1d(Int32Array.from(yv), 'int32');
    const inputs = new Map(Object.entries(options.inputs ?? {}).map(([k, v]) => [k, toTensor(v, `inputs.${k}`).tensor] as const));
    const ctx = {
      yPred: e,
      labels,
      input: (name: string): Tensor => {
        const t = inputs.get(name);
        if (!t) throw new LosskitError('MISSING_INPUT', `the loss reads input('${name}') but no such input was passed`, { argument: `inputs.${name}`, expected: 'a tensor or array', received: 'nothing' });
        return t;
      },
    } as unknown as EvalContext;
    const { call, inputOf } = pairCall(ctx, p, info.what);
    const mat = pairwiseTensor(p.distance, e, e);
    const [b, r] = mat.shape as [number, number];
    const d: PairData = { m: mat.dataSync() as Float32Array, b, r, inverted: call.inverted, rowLabels: call.rowLabels, colLabels: call.colLabels, selfCol: call.selfCol };
    const extra = (info.extras?.(ctx, p) ?? []).map((t) => t.dataSync() as Float32Array);
    const subs = info.host(p)(d, mineHost(p.miner, inputOf(d)) as never, extra);
    out = Object.fromEntries(
      subs.map((s) => {
        if (!s.elements) return [s.name, { losses: new Float64Array(), indices: [], reductionType: 'already_reduced', value: s.reduce(p.reducer, { b, rowLabels: call.rowLabels }).value }];
        const el = s.elements();
        if (el.anchors) return [s.name, { losses: el.values, indices: [el.anchors, ...(el.others ?? [])], reductionType: el.type, ...(el.mult ? { multiplicity: el.mult } : {}) }];
        // grid elements: list the selected cells
        const rows: number[] = [];
        const cols: number[] = [];
        const vals: number[] = [];
        const mult: number[] = [];
        for (let k = 0; k < el.values.length; k++) {
          const c = el.mult ? el.mult[k]! : 1;
          if (c === 0) continue;
          rows.push((k / el.stride!) | 0);
          cols.push(k % el.stride!);
          vals.push(el.values[k]!);
          mult.push(c);
        }
        return [s.name, { losses: Float64Array.from(vals), indices: [Int32Array.from(rows), Int32Array.from(cols)], reductionType: el.type, multiplicity: Int32Array.from(mult) }];
      }),
    );
  });
  return out;
}
