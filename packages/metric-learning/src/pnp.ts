import { type Expr, LosskitError, params } from '@losskit/core';
import { type Distance, cosine } from './distances.js';
import { type SubLoss, reducedLoss } from './host/kernel.js';
import type { PairData } from './host/pairs.js';
import { optionsOf } from './internal.js';
import type { Miner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type Reducer, mean } from './reducers.js';

/** PNP variants (PML `PNPLoss.VARIANTS`). */
export type PnpVariant = 'Ds' | 'Dq' | 'Iu' | 'Ib' | 'O';

/** Options of {@link pnp}. */
export interface PnpOptions {
  /** `Ib` parameter b. Default 2. */
  readonly b?: number;
  /** `Dq` exponent α. Default 1. */
  readonly alpha?: number;
  /** Sigmoid temperature of the rank surrogate. Default 0.01. */
  readonly anneal?: number;
  /** Default `'O'`. */
  readonly variant?: PnpVariant;
}

type Params = { b: number; alpha: number; anneal: number; variant: PnpVariant; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** `f(R)` and `f′(R)` of each variant. */
function variantOf(p: Params): [(x: number) => number, (x: number) => number] {
  switch (p.variant) {
    case 'Ds':
      return [(x) => Math.log1p(x), (x) => 1 / (1 + x)];
    case 'Dq':
      return [(x) => (1 + x) ** -p.alpha, (x) => -p.alpha * (1 + x) ** (-p.alpha - 1)];
    case 'Iu':
      return [(x) => (1 + x) * Math.log1p(x), (x) => Math.log1p(x) + 1];
    case 'Ib':
      return [(x) => (p.b * x - Math.log1p(p.b * x)) / (p.b * p.b), (x) => (1 - 1 / (1 + p.b * x)) / p.b];
    case 'O':
      return [(x) => x, () => 1];
  }
}

/** PML's clamped sigmoid `1/(1 + e^{clip(−x/τ, ±50)})` and its derivative in x (0 where clipped). */
function clampedSigmoid(x: number, tau: number): [number, number] {
  const e = -x / tau;
  if (e > 50) return [1 / (1 + Math.exp(50)), 0];
  if (e < -50) return [1 / (1 + Math.exp(-50)), 0];
  const y = 1 / (1 + Math.exp(e));
  return [y, (y * (1 - y)) / tau];
}

/**
 * Host form: per query q and each same-label sample i (q itself included), the surrogate rank
 * `R_qi = Σ_{n: y_n ≠ y_q} σ((s_qn − s_qi)/τ)`; `L = (1/B) Σ_q (1/|P_q ∪ {q}|) Σ_i f(R_qi)` (`Dq`: `1 − L`).
 */
function hostPnp(d: PairData, p: Params): SubLoss[] {
  const { b, r, m, rowLabels, colLabels } = d;
  const [f, df] = variantOf(p);
  const pos: number[][] = [];
  const neg: number[][] = [];
  for (let q = 0; q < b; q++) {
    pos.push([]);
    neg.push([]);
    for (let j = 0; j < r; j++) (colLabels[j] === rowLabels[q] ? pos[q]! : neg[q]!).push(j);
  }
  let total = 0;
  for (let q = 0; q < b; q++) {
    let lq = 0;
    for (const i of pos[q]!) {
      let R = 0;
      for (const n of neg[q]!) R += clampedSigmoid(m[q * r + n]! - m[q * r + i]!, p.anneal)[0];
      lq += f(R);
    }
    total += pos[q]!.length ? lq / pos[q]!.length : 0;
  }
  const sign = p.variant === 'Dq' ? -1 : 1;
  const value = p.variant === 'Dq' ? 1 - total / b : total / b;
  return [
    reducedLoss('loss', value, (t, g) => {
      for (let q = 0; q < b; q++) {
        const np = pos[q]!.length;
        if (np === 0) continue;
        for (const i of pos[q]!) {
          let R = 0;
          for (const n of neg[q]!) R += clampedSigmoid(m[q * r + n]! - m[q * r + i]!, p.anneal)[0];
          const c = (sign * t * df(R)) / (np * b);
          if (c === 0) continue;
          for (const n of neg[q]!) {
            const ds = c * clampedSigmoid(m[q * r + n]! - m[q * r + i]!, p.anneal)[1];
            g[q * r + n]! += ds;
            g[q * r + i]! -= ds;
          }
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.pnp',
  info: { what: 'pnp', rectangular: false, host: (p) => (d) => hostPnp(d, p) },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\frac{1}{B}\\sum_q \\frac{1}{|P_q|}\\sum_{i\\in P_q} f_{\\mathrm{${p.variant}}}\\left(\\sum_{n\\in N_q} \\sigma\\left(\\frac{s_{qn} - s_{qi}}{${p.anneal}}\\right)\\right)`
      : `mean_q mean_{i∈P_q} f_${p.variant}(Σ_{n∈N_q} σ((s_qn - s_qi)/${p.anneal}))`,
});

/**
 * PNP loss (Li, Kan, Wang, Shan, Chen 2022, "Rethinking the Optimization of Average Precision: Only Penalizing
 * Negative Instances before Positive Ones is Enough"; PML `PNPLoss`): with cosine similarities, the number of
 * negatives ranked before each positive, `R_qi = Σ_{n: y_n ≠ y_q} σ((s_qn − s_qi)/τ)` (PML's sigmoid, exponent clipped
 * to ±50), transformed by the variant `f`: `O` (R), `Ds` (log(1+R)), `Dq` ((1+R)^{−α}, loss `1 − …`), `Iu`
 * ((1+R) log(1+R)), `Ib` ((bR − log(1+bR))/b²); `L = mean_q mean_{i ∈ P_q ∪ {q}} f(R_qi)` (as PML, the query counts as
 * its own positive). Defaults b = 2, α = 1, τ = 0.01, variant `'O'`. Cost O(B·P·N).
 * @example compile(pnp({ variant: 'Dq' }), { from: 'embeddings' })(labels, embeddings)
 */
export function pnp(options: PnpOptions = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  const variant = options.variant ?? 'O';
  if (!['Ds', 'Dq', 'Iu', 'Ib', 'O'].includes(variant)) {
    throw new LosskitError('INVALID_PARAMETER', 'unknown PNP variant', { argument: 'variant', expected: "'Ds', 'Dq', 'Iu', 'Ib' or 'O'", received: String(variant) });
  }
  return pairNode(op, 'batch', {
    b: params.positive('b', options.b ?? 2),
    alpha: params.positive('alpha', options.alpha ?? 1),
    anneal: params.positive('anneal', options.anneal ?? 0.01),
    variant,
    distance: cosine(),
    miner: undefined,
    reducer: mean(),
  });
}
