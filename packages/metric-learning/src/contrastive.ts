import * as tf from '@tensorflow/tfjs-core';
import { type Expr, checkParam, defineOp, node } from '@losskit/core';
import { type Distance, checkDistance, distanceMatrix, distanceName, euclidean } from './distances.js';
import { labelsOf, optionsOf } from './internal.js';
import { type Miner, checkMiner, minePairsTensor } from './miners.js';
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

const op = defineOp<{ posMargin: number; negMargin: number; distance: Distance; miner: Miner | undefined; reducer: Reducer }>({
  kind: 'ml.contrastive',
  evaluate: (ctx, a, p) => {
    const mat = a[0]!;
    const inv = p.distance.isInverted;
    const { pos, neg } = minePairsTensor(p.miner, mat, labelsOf(ctx, 'contrastive'), inv);
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
 * Embeddings `[B, D]`, labels `[B]` → scalar.
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
  return node(op, reducer.level, [distanceMatrix(distance)], { posMargin, negMargin, distance, miner, reducer }) as Expr<LevelOf<R>, 'any'>;
}
