import * as tf from '@tensorflow/tfjs-core';
import { type Expr, checkParam, node } from '@losskit/core';
import { type Distance, checkDistance, distanceMatrix, distanceName, euclidean } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type Counts, type Mined, type PairData, asPairs } from './host/pairs.js';
import { labelsOf, optionsOf } from './internal.js';
import { type Miner, checkMiner, labelMasks, minerInputs } from './miners.js';
import { pairLossOp } from './pairLoss.js';
import { type LevelOf, type Reducer, applyReducer, checkReducer, meanNonZero } from './reducers.js';

/** Options of {@link contrastive}. */
export interface ContrastiveOptions<R extends Reducer> {
  /** Positive margin. Default 0 (distances) / 1 (similarities). */
  readonly posMargin?: number;
  /** Negative margin. Default 1 (distances) / 0 (similarities). */
  readonly negMargin?: number;
  /** Default `euclidean()`. */
  readonly distance?: Distance;
  readonly miner?: Miner | undefined;
  /** Default `meanNonZero()`, applied to positive and negative pairs separately (PML). */
  readonly reducer?: R;
}

type Params = { posMargin: number; negMargin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/** Host form: one element per mined pair (on the `[B, R]` grid), `pos_loss` and `neg_loss` reduced separately (PML). */
function hostContrastive(d: PairData, mined: Mined, p: Params): SubLoss[] {
  const s = asPairs(d, mined);
  const { r, m, inverted: inv } = d;
  const part = (name: 'pos_loss' | 'neg_loss', sel: Counts): SubLoss => {
    const isPos = name === 'pos_loss';
    const margin = isPos ? p.posMargin : p.negMargin;
    // PML: [distance.margin(d, m⁺)]_+ and [distance.margin(m⁻, d)]_+
    const sg = (isPos ? 1 : -1) * (inv ? -1 : 1); // ∂(pre-hinge value)/∂m
    const values = new Float64Array(m.length);
    for (let k = 0; k < m.length; k++) if (sel[k] !== 0) values[k] = Math.max(0, sg * (m[k]! - margin));
    return elementLoss(name, { type: isPos ? 'pos_pair' : 'neg_pair', values, mult: sel, stride: r }, (w, g) => {
      for (let k = 0; k < w.length; k++) if (w[k] !== 0 && values[k]! > 0) g[k]! += sg * w[k]!;
    });
  };
  return [part('pos_loss', s.pos), part('neg_loss', s.neg)];
}

const op = pairLossOp<Params>({
  kind: 'ml.contrastive',
  info: { what: 'contrastive', rectangular: true, host: (p) => (d, mined) => hostContrastive(d, mined, p) },
  tfjs: (ctx, mat, p) => {
    const inv = p.distance.isInverted;
    const { pos, neg } = labelMasks(labelsOf(ctx, 'contrastive'));
    const lp = tf.relu(inv ? tf.sub(p.posMargin, mat) : tf.sub(mat, p.posMargin));
    const ln = tf.relu(inv ? tf.sub(mat, p.negMargin) : tf.sub(p.negMargin, mat));
    return tf.add(applyReducer(lp, pos, p.reducer), applyReducer(ln, neg, p.reducer));
  },
  print: (_a, p, m) => {
    const d = distanceName(p.distance, m);
    const inv = p.distance.isInverted;
    const pos = inv ? `${p.posMargin} - ${d}_{ap}` : `${d}_{ap} - ${p.posMargin}`;
    const neg = inv ? `${d}_{an} - ${p.negMargin}` : `${p.negMargin} - ${d}_{an}`;
    return m === 'latex' ? `\\left[${pos}\\right]_+ + \\left[${neg}\\right]_+` : `[${pos}]_+ + [${neg}]_+`;
  },
});

/**
 * Contrastive loss with positive and negative margins (Hadsell, Chopra, LeCun 2006, "Dimensionality
 * Reduction by Learning an Invariant Mapping"; PML `ContrastiveLoss`): for a distance,
 * `l⁺_ap = [d_ap - m⁺]_+` on positive pairs and `l⁻_an = [m⁻ - d_an]_+` on negative pairs; for a
 * similarity `[m⁺ - s_ap]_+` and `[s_an - m⁻]_+`. Each set is reduced by `reducer` and the two are added.
 * Defaults m⁺ = 0, m⁻ = 1 (for similarities m⁺ = 1, m⁻ = 0). For distances both margins must be ≥ 0.
 * Embeddings `[B, D]`, labels `[B]` → scalar. Sub-losses `pos_loss`, `neg_loss` (for `multipleReducers`).
 * @example compile(contrastive({ negMargin: 0.5 }), { from: 'embeddings' })(labels, embeddings)
 */
export function contrastive<R extends Reducer = ReturnType<typeof meanNonZero>>(options: ContrastiveOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const distance = checkDistance(options.distance ?? euclidean());
  const inv = distance.isInverted;
  const check = (name: string, v: number) => checkParam(name, v, inv ? 'a finite number' : 'a number >= 0', (x) => inv || x >= 0);
  const posMargin = check('posMargin', options.posMargin ?? (inv ? 1 : 0));
  const negMargin = check('negMargin', options.negMargin ?? (inv ? 0 : 1));
  const miner = checkMiner(options.miner);
  const reducer = checkReducer(options.reducer ?? meanNonZero());
  return node(op, reducer.level, [distanceMatrix(distance), ...minerInputs(miner)], { posMargin, negMargin, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
