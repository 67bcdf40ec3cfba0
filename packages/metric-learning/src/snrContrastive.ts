import type { Expr } from '@losskit/core';
import { type ContrastiveOptions, contrastive } from './contrastive.js';
import { snr } from './distances.js';
import { optionsOf } from './internal.js';
import type { LevelOf, Reducer, meanNonZero } from './reducers.js';

/**
 * Signal-to-noise-ratio contrastive loss (Yuan, Xu, Chen, Wang 2019, "Signal-To-Noise Ratio: A Robust Distance
 * Metric for Deep Metric Learning"; PML `SignalToNoiseRatioContrastiveLoss`): {@link contrastive} on the SNR distance
 * `d_ij = var(e_i − e_j) / var(e_i)` ({@link snr}): `[d_ap − m⁺]_+` on positive and `[m⁻ − d_an]_+` on negative pairs,
 * each reduced (default mean over non-zero) and added. Defaults m⁺ = 0, m⁻ = 1. Sub-losses `pos_loss`, `neg_loss`.
 * @example compile(snrContrastive({ negMargin: 0.8 }), { from: 'embeddings' })(labels, embeddings)
 */
export function snrContrastive<R extends Reducer = ReturnType<typeof meanNonZero>>(options: Omit<ContrastiveOptions<R>, 'distance'> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  return contrastive<R>({ ...options, distance: snr() });
}
