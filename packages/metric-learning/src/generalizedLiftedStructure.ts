import { type Expr, params } from '@losskit/core';
import { type Distance, checkDistance, euclidean } from './distances.js';
import { type SubLoss, elementLoss, identityColumns } from './host/kernel.js';
import { type Mined, type PairData, asPairs } from './host/pairs.js';
import { lseRow } from './circle.js';
import { optionsOf } from './internal.js';
import { type Miner, checkMiner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link generalizedLiftedStructure}. */
export interface GeneralizedLiftedStructureOptions<R extends Reducer> {
  /** Negative margin m⁻. Default 1. */
  readonly negMargin?: number;
  /** Positive margin m⁺. Default 0. */
  readonly posMargin?: number;
  /** Default `euclidean({ normalize: true })` (PML's `LpDistance`). */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `mean()` over anchors. */
  readonly reducer?: R;
}

type Params = { negMargin: number; posMargin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form: per anchor `l_a = [LSE_p(x_ap) + LSE_n(y_an)]_+` with `x = d − m⁺`, `y = m⁻ − d` (similarities:
 * `x = m⁺ − s`, `y = s − m⁻`); an empty set contributes 0 to the sum (PML's masked log-sum-exp).
 */
function hostGeneralizedLifted(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const sel = asPairs(d, mined);
  const { b, r, m, inverted: inv } = d;
  const x = (k: number) => (inv ? p.posMargin - m[k]! : m[k]! - p.posMargin);
  const y = (k: number) => (inv ? m[k]! - p.negMargin : p.negMargin - m[k]!);
  const softP = new Float32Array(b * r);
  const softN = new Float32Array(b * r);
  const values = new Float64Array(b);
  for (let a = 0; a < b; a++) {
    const lp = lseRow(x, sel.pos, a, r, softP);
    const ln = lseRow(y, sel.neg, a, r, softN);
    values[a] = Math.max(0, (lp === -Infinity ? 0 : lp) + (ln === -Infinity ? 0 : ln));
  }
  return [
    elementLoss('loss', { type: 'element', values, anchors: identityColumns(b) }, (w, g) => {
      const dx = inv ? -1 : 1;
      for (let a = 0; a < b; a++) {
        if (w[a] === 0 || !(values[a]! > 0)) continue;
        for (let j = 0; j < r; j++) {
          const k = a * r + j;
          g[k]! += w[a]! * dx * (softP[k]! - softN[k]!);
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.generalizedLiftedStructure',
  info: { what: 'generalizedLiftedStructure', rectangular: true, host: (p) => (d, mined) => hostGeneralizedLifted(d, mined, p) },
  print: (_a, p, m) =>
    m === 'latex'
      ? `\\left[\\log\\sum_{p} e^{d_{ap} - ${p.posMargin}} + \\log\\sum_{n} e^{${p.negMargin} - d_{an}}\\right]_+`
      : `[log Σ_p exp(d_ap - ${p.posMargin}) + log Σ_n exp(${p.negMargin} - d_an)]_+`,
});

/**
 * Generalized lifted structure loss (Hermans, Beyer, Leibe 2017, "In Defense of the Triplet Loss for Person
 * Re-Identification", p. 4; PML `GeneralizedLiftedStructureLoss`): per anchor,
 * `l_a = [log Σ_{p∈P_a} e^{d_ap − m⁺} + log Σ_{n∈N_a} e^{m⁻ − d_an}]_+` (for a similarity `m⁺ − s_ap` and
 * `s_an − m⁻`); a missing set adds 0. Defaults m⁻ = 1, m⁺ = 0, normalized Euclidean distance, mean over anchors.
 * @example compile(generalizedLiftedStructure({ negMargin: 0.5 }), { from: 'embeddings' })(labels, embeddings)
 */
export function generalizedLiftedStructure<R extends Reducer = ReturnType<typeof mean>>(options: GeneralizedLiftedStructureOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, {
    negMargin: params.finite('negMargin', options.negMargin ?? 1),
    posMargin: params.finite('posMargin', options.posMargin ?? 0),
    distance: checkDistance(options.distance ?? euclidean({ normalize: true })),
    miner: checkMiner(options.miner),
    reducer,
  }) as Expr<LevelOf<R>, 'any'>;
}
