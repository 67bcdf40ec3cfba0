import { type Expr, params } from '@losskit/core';
import { type Distance, cosine } from './distances.js';
import { type SubLoss, reducedLoss } from './host/kernel.js';
import { type Mined, type PairData, asPairs } from './host/pairs.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type Reducer, mean } from './reducers.js';

/** Options of {@link thresholdConsistentMargin}. */
export interface ThresholdConsistentMarginOptions {
  /** Weight λ⁺ of the positive part. Default 1. */
  readonly lambdaPlus?: number;
  /** Weight λ⁻ of the negative part. Default 1. */
  readonly lambdaMinus?: number;
  /** Positive margin m⁺. Default 0.9. */
  readonly marginPlus?: number;
  /** Negative margin m⁻. Default 0.5. */
  readonly marginMinus?: number;
  readonly miner?: Miner | undefined;
}

type Params = { lambdaPlus: number; lambdaMinus: number; marginPlus: number; marginMinus: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** Host form: the means of `m⁺ − s` over positive pairs with `s ≤ m⁺` and of `s − m⁻` over negative pairs with `s ≥ m⁻`. */
function hostTcm(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const { m } = d;
  let np = 0;
  let sp = 0;
  let nn = 0;
  let sn = 0;
  for (let k = 0; k < m.length; k++) {
    if (sel.pos[k]! > 0 && m[k]! <= p.marginPlus) {
      np += sel.pos[k]!;
      sp += sel.pos[k]! * (p.marginPlus - m[k]!);
    }
    if (sel.neg[k]! > 0 && m[k]! >= p.marginMinus) {
      nn += sel.neg[k]!;
      sn += sel.neg[k]! * (m[k]! - p.marginMinus);
    }
  }
  const value = (np ? (p.lambdaPlus * sp) / np : 0) + (nn ? (p.lambdaMinus * sn) / nn : 0);
  return [
    reducedLoss('loss', value, (t, g) => {
      for (let k = 0; k < m.length; k++) {
        if (sel.pos[k]! > 0 && m[k]! <= p.marginPlus) g[k]! -= (t * p.lambdaPlus * sel.pos[k]!) / np;
        if (sel.neg[k]! > 0 && m[k]! >= p.marginMinus) g[k]! += (t * p.lambdaMinus * sel.neg[k]!) / nn;
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.thresholdConsistentMargin',
  info: { what: 'thresholdConsistentMargin', rectangular: true, host: (p) => (d, mined) => hostTcm(d, mined, p) },
  print: (_a, p, m) =>
    m === 'latex'
      ? `${p.lambdaPlus}\\operatorname{mean}_{s_{ap}\\le ${p.marginPlus}}(${p.marginPlus} - s_{ap}) + ${p.lambdaMinus}\\operatorname{mean}_{s_{an}\\ge ${p.marginMinus}}(s_{an} - ${p.marginMinus})`
      : `${p.lambdaPlus}·mean_{s_ap≤${p.marginPlus}}(${p.marginPlus} - s_ap) + ${p.lambdaMinus}·mean_{s_an≥${p.marginMinus}}(s_an - ${p.marginMinus})`,
});

/**
 * Threshold-consistent margin loss (Zhang, Li, Jiang, Shen, Liu, Guan, Tian 2023, "Threshold-Consistent Margin Loss
 * for Open-World Deep Metric Learning"; PML `ThresholdConsistentMarginLoss`), a regularizer added to a base loss:
 * `λ⁺ · mean_{(a,p): s_ap ≤ m⁺}(m⁺ − s_ap) + λ⁻ · mean_{(a,n): s_an ≥ m⁻}(s_an − m⁻)` over cosine similarities of the
 * (mined) pairs; an empty side adds 0. Defaults λ⁺ = λ⁻ = 1, m⁺ = 0.9, m⁻ = 0.5. Embeddings `[B, D]`, labels → scalar.
 * @example compile(contrastive({ distance: cosine(), posMargin: 0.9, negMargin: 0.4 }).plus(thresholdConsistentMargin()), { from: 'embeddings' })
 */
export function thresholdConsistentMargin(options: ThresholdConsistentMarginOptions = {}): Expr<'batch', 'any'> {
  options = optionsOf(options);
  return pairNode(op, 'batch', {
    lambdaPlus: params.nonNegative('lambdaPlus', options.lambdaPlus ?? 1),
    lambdaMinus: params.nonNegative('lambdaMinus', options.lambdaMinus ?? 1),
    marginPlus: params.inRange('marginPlus', options.marginPlus ?? 0.9, -1, 1),
    marginMinus: params.inRange('marginMinus', options.marginMinus ?? 0.5, -1, 1),
    distance: cosine(),
    miner: checkMiner(options.miner),
    reducer: mean(),
  });
}
