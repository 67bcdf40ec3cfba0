import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, input, params } from '@losskit/core';
import { type Distance, checkDistance, euclidean } from './distances.js';
import type { ReducedSub, SubLoss } from './host/kernel.js';
import { type Mined, type PairData, type SortedRow, asTriplets, closeness, listTriplets, negativesInGap, positivesInGap, sortedRow } from './host/pairs.js';
import { type ReduceContext, reduceElements } from './host/reduce.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, divisor, reducerFor } from './reducers.js';

/** Options of {@link margin}. */
export interface MarginOptions<R extends Reducer> {
  /** Margin α around the boundary β. Default 0.2. */
  readonly margin?: number;
  /** Boundary β: a number (fixed), or `{ input: name }` to learn it: a scalar or one β per class `[C]` passed per call. Default 1.2. */
  readonly beta?: number | { readonly input: string };
  /** Weight ν of the β regularizer `ν·β` (only with a learned β). Default 0. */
  readonly nu?: number;
  /** Default `euclidean({ normalize: true })` (PML's `LpDistance`). */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `divisor()`: sum over triplets divided by the number of non-zero pair terms (PML). */
  readonly reducer?: R;
}

type Params = { margin: number; beta: number | string; nu: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** β of each anchor from a fixed value or the given input (scalar or per class). */
function betaOf(d: PairData, p: Params, extra: readonly Float32Array[]): { beta: Float64Array; perClass: boolean } {
  const beta = new Float64Array(d.b);
  if (typeof p.beta === 'number') return { beta: beta.fill(p.beta), perClass: false };
  const v = extra[0]!;
  if (v.length === 1) return { beta: beta.fill(v[0]!), perClass: false };
  for (let a = 0; a < d.b; a++) {
    const y = d.rowLabels[a]!;
    if (!(y >= 0 && y < v.length)) {
      throw new LosskitError('LABEL_OUT_OF_RANGE', 'margin(): a label has no β', { argument: 'yTrue', expected: `integers in [0, ${v.length}) (one β per class in inputs.${p.beta})`, received: `${y} at index ${a}` });
    }
    beta[a] = v[y]!;
  }
  return { beta, perClass: true };
}

/**
 * Host form: per triplet `x = d_ap − β + α`, `y = β − d_an + α` (similarities: `β − s_ap + α`, `s_an − β + α`),
 * `l = [x]_+ + [y]_+`. Windowed triplets are counted per pair: every `(a, p)` meets `c_p` negatives, every `(a, n)`
 * meets `c_n` positives, so sums over triplets are sums over pairs weighted by those counts.
 */
function hostMargin(d: PairData, mined: Mined, p: Params, extra: readonly Float32Array[]): SubLoss[] {
  const t = asTriplets(mined);
  const { b, r, m, inverted: inv } = d;
  const { beta, perClass } = betaOf(d, p, extra);
  const learn = typeof p.beta !== 'number';
  // ∂x/∂m, ∂y/∂m, ∂x/∂β, ∂y/∂β
  const [xm, ym, xb, yb] = inv ? [-1, 1, 1, -1] : [1, -1, -1, 1];
  const X = (k: number, a: number) => (inv ? beta[a]! - m[k]! : m[k]! - beta[a]!) + p.margin;
  const Y = (k: number, a: number) => (inv ? m[k]! - beta[a]! : beta[a]! - m[k]!) + p.margin;
  const betaGrad = (eg: readonly Float64Array[], a: number, v: number) => {
    if (!learn || v === 0) return;
    if (perClass) eg[0]![d.rowLabels[a]!]! += v;
    else eg[0]![0]! += v;
  };
  const windowed = t.kind === 'window';
  const red = reducerFor(p.reducer, 'margin_loss');
  if (windowed && ['divisor', 'sum', 'mean'].includes(red.kind) && ['divisor', 'sum', 'mean'].includes(reducerFor(p.reducer, 'beta_reg_loss').kind)) {
    // per pair: how many triplets it is part of
    const cp = new Float64Array(b * r);
    const cn = new Float64Array(b * r);
    const perAnchorT = new Float64Array(b);
    for (let a = 0; a < b; a++) {
      const sn: SortedRow = sortedRow(d, t.neg, a);
      const sp: SortedRow = sortedRow(d, t.pos, a);
      if (sn.v.length === 0 || sp.v.length === 0) continue;
      for (let j = 0; j < r; j++) {
        const k = a * r + j;
        if (t.pos[k]! > 0) {
          cp[k] = t.pos[k]! * negativesInGap(sn, closeness(d, k), t.gap)[0];
          perAnchorT[a]! += cp[k]!;
        }
        if (t.neg[k]! > 0) cn[k] = t.neg[k]! * positivesInGap(sp, closeness(d, k), t.gap)[0];
      }
    }
    let S = 0;
    let div = 0;
    let T = 0;
    for (let k = 0; k < b * r; k++) {
      const a = (k / r) | 0;
      if (cp[k]! > 0) {
        const x = X(k, a);
        T += cp[k]!;
        if (x > 0) {
          S += cp[k]! * x;
          div += cp[k]!;
        }
      }
      if (cn[k]! > 0) {
        const y = Y(k, a);
        if (y > 0) {
          S += cn[k]! * y;
          div += cn[k]!;
        }
      }
    }
    const kappa = (r0: Reducer) => {
      const k0 = reducerFor(r0, 'x').kind;
      return k0 === 'sum' ? 1 : k0 === 'mean' ? (T > 0 ? 1 / T : 0) : div > 0 ? 1 / div : 0;
    };
    const sub = (name: 'margin_loss' | 'beta_reg_loss'): SubLoss => ({
      name,
      reduce: (rr): ReducedSub => {
        const kap = kappa(reducerFor(rr, name));
        if (name === 'margin_loss') {
          return {
            value: kap * S,
            perAnchor: undefined,
            backward: (scale, g, eg) => {
              const u = kap * scale(0);
              if (u === 0) return;
              for (let k = 0; k < b * r; k++) {
                const a = (k / r) | 0;
                if (cp[k]! > 0 && X(k, a) > 0) {
                  g[k]! += u * cp[k]! * xm;
                  betaGrad(eg, a, u * cp[k]! * xb);
                }
                if (cn[k]! > 0 && Y(k, a) > 0) {
                  g[k]! += u * cn[k]! * ym;
                  betaGrad(eg, a, u * cn[k]! * yb);
                }
              }
            },
          };
        }
        if (!learn || p.nu === 0) return { value: 0, perAnchor: undefined, backward: () => {} };
        if (!perClass) return { value: p.nu * beta[0]!, perAnchor: undefined, backward: (scale, _g, eg) => betaGrad(eg, 0, scale(0) * p.nu) };
        let v = 0;
        for (let a = 0; a < b; a++) v += p.nu * beta[a]! * perAnchorT[a]!;
        return { value: kap * v, perAnchor: undefined, backward: (scale, _g, eg) => { for (let a = 0; a < b; a++) betaGrad(eg, a, kap * scale(0) * p.nu * perAnchorT[a]!); } };
      },
    });
    return [sub('margin_loss'), sub('beta_reg_loss')];
  }
  // explicit triplets: elements per triplet, the divisor counted over them
  const list = listTriplets(d, t);
  const n = list.a.length;
  const values = new Float64Array(n);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let div = 0;
  for (let i = 0; i < n; i++) {
    const a = list.a[i]!;
    xs[i] = X(a * r + list.p[i]!, a);
    ys[i] = Y(a * r + list.n[i]!, a);
    values[i] = Math.max(0, xs[i]!) + Math.max(0, ys[i]!);
    div += (xs[i]! > 0 ? 1 : 0) + (ys[i]! > 0 ? 1 : 0);
  }
  const el = { type: 'triplet' as const, values, anchors: list.a, others: [list.p, list.n] };
  const marginLoss: SubLoss = {
    name: 'margin_loss',
    elements: () => el,
    reduce: (rr, ctx: ReduceContext) => {
      const red2 = reduceElements(rr, 'margin_loss', el, { ...ctx, divisor: div });
      return {
        value: red2.value,
        perAnchor: red2.perAnchor,
        backward: (scale, g, eg) => {
          for (let i = 0; i < n; i++) {
            const w = red2.weights[i]! * scale(list.a[i]!);
            if (w === 0) continue;
            const a = list.a[i]!;
            if (xs[i]! > 0) {
              g[a * r + list.p[i]!]! += w * xm;
              betaGrad(eg, a, w * xb);
            }
            if (ys[i]! > 0) {
              g[a * r + list.n[i]!]! += w * ym;
              betaGrad(eg, a, w * yb);
            }
          }
        },
      };
    },
  };
  const regValues = Float64Array.from(list.a, (a) => p.nu * beta[a]!);
  const regEl = { type: 'triplet' as const, values: regValues, anchors: list.a };
  const reg: SubLoss = {
    name: 'beta_reg_loss',
    reduce: (rr, ctx) => {
      if (!learn || p.nu === 0) return { value: 0, perAnchor: undefined, backward: () => {} };
      if (!perClass) return { value: p.nu * beta[0]!, perAnchor: undefined, backward: (scale, _g, eg) => betaGrad(eg, 0, scale(0) * p.nu) };
      const red2 = reduceElements(rr, 'beta_reg_loss', regEl, { ...ctx, divisor: div });
      return {
        value: red2.value,
        perAnchor: red2.perAnchor,
        backward: (scale, _g, eg) => {
          for (let i = 0; i < n; i++) betaGrad(eg, list.a[i]!, red2.weights[i]! * scale(list.a[i]!) * p.nu);
        },
      };
    },
  };
  return [marginLoss, reg];
}

const op = pairLossOp<Params>({
  kind: 'ml.margin',
  info: {
    what: 'margin',
    rectangular: true,
    host: (p) => (d, mined, extra) => hostMargin(d, mined, p, extra),
    extras: (ctx, p) => (typeof p.beta === 'number' ? [] : [tf.reshape(ctx.input(p.beta), [-1])]),
  },
  print: (_a, p, m) => {
    const b = typeof p.beta === 'number' ? String(p.beta) : 'β';
    return m === 'latex' ? `[d_{ap} - ${b} + ${p.margin}]_+ + [${b} - d_{an} + ${p.margin}]_+` : `[d_ap - ${b} + ${p.margin}]_+ + [${b} - d_an + ${p.margin}]_+`;
  },
});

/**
 * Margin loss (Wu, Manmatha, Smola, Krähenbühl 2017, "Sampling Matters in Deep Embedding Learning"; PML `MarginLoss`):
 * per triplet `(a, p, n)`, `l = [d_ap − β + α]_+ + [β − d_an + α]_+` (similarities: `[β − s_ap + α]_+ + [s_an − β + α]_+`),
 * sub-loss `margin_loss`, reduced by default as PML's `DivisorReducer`: the sum over triplets divided by the number of
 * non-zero terms. β is fixed, or learned: `beta: { input: 'beta' }` reads a scalar or one β per class `[C]` each call
 * (a `tf.Variable` the caller trains; the loss is differentiable in it), with the regularizer `beta_reg_loss = ν·β`
 * (per class: `ν β_{y_a}` per triplet, reduced like the margin loss). Triplets are counted per pair, never listed
 * (O(B² log B)) for the divisor, sum and mean reducers. Defaults α = 0.2, β = 1.2, ν = 0, all triplets, normalized L2.
 * @example
 * const beta = tf.variable(tf.fill([numClasses], 1.2));
 * const loss = compile(margin({ beta: { input: 'beta' }, nu: 0.01 }), { from: 'embeddings' });
 * const { value, grads } = tf.variableGrads(() => loss(labels, model(x), { inputs: { beta } }));
 */
export function margin<R extends Reducer = ReturnType<typeof divisor>>(options: MarginOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const b = options.beta ?? 1.2;
  let beta: number | string;
  if (typeof b === 'number') beta = params.finite('beta', b);
  else if (b && typeof b === 'object' && typeof b.input === 'string') {
    input(b.input, 'pair'); // validates the name
    beta = b.input;
  } else throw new LosskitError('INVALID_ARGUMENT', 'beta must be a number or { input: name }', { argument: 'beta', expected: 'a finite number or { input: string }', received: JSON.stringify(b) });
  const reducer = checkReducer(options.reducer ?? divisor());
  return pairNode(
    op,
    reducer.level,
    {
      margin: params.nonNegative('margin', options.margin ?? 0.2),
      beta,
      nu: params.nonNegative('nu', options.nu ?? 0),
      distance: checkDistance(options.distance ?? euclidean({ normalize: true })),
      miner: checkMiner(options.miner),
      reducer,
    },
    typeof beta === 'string' ? [input(beta, 'pair')] : [],
  ) as Expr<LevelOf<R>, 'any'>;
}
