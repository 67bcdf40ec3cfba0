import { type Expr, ce, defineEntry, params, prob } from '@losskit/core';

/** Options of {@link fedLd}. */
export interface FedLdOptions {
  /** Weight λ ≥ 0 of the margin-control term (`--margin_loss_penalty`). Default 0.03 (the authors' `options.py`). */
  readonly lambda?: number;
}

/**
 * FedLD's local margin-control loss, batch level: `mean_i CE_i + λ log(1 + ‖P‖²_F)` with `P = softmax(Z)` the `[B, C]`
 * matrix of the batch's class probabilities, so `‖P‖²_F = Σ_i Σ_j p_ij²`: the log term penalizes confident outputs over
 * the whole batch (FedLD's "margin control" of the local update; the server-side principal-gradient aggregation is not a
 * loss and is not part of this). Logits `[B, C]`, labels `[B]` or targets `[B, C]` → scalar.
 * Checked against the authors' code (`MarginalLogLoss` in `LocalUpdate_FedLD`: `torch.norm(softmax(output), p=2)` of the
 * whole batch matrix, squared, under `log(1 + ·)`; default `margin_loss_penalty` 0.03 in `options.py`).
 *
 * @example `compile(fedLd({ lambda: 0.03 }))(labels, logits)`
 * @see Zeng, Guo, Wang, Wang, Zhou, Qu, "Tackling Data Heterogeneity in Federated Learning via Loss Decomposition", MICCAI 2024.
 */
export function fedLd(options: FedLdOptions = {}): Expr<'batch', 'any'> {
  const lambda = params.nonNegative('lambda', options.lambda ?? 0.03);
  return ce().mean().plus(prob().pow(2).sum().sum().log1p().scale(lambda));
}

export const fedLdEntry = defineEntry({
  id: 'fed-ld',
  name: 'FedLD margin-control loss',
  package: '@losskit/losses',
  export: 'fedLd',
  category: 'regularization',
  summary: 'Cross-entropy plus λ·log(1 + ‖softmax(Z)‖²_F) over the batch: the local objective of FedLD’s loss decomposition.',
  formula: '\\tfrac1B\\sum_i \\mathrm{CE}_i + \\lambda \\log\\left(1 + \\sum_{i,j} p_{ij}^2\\right)',
  inputs: 'logits [B, C]; labels [B] or targets [B, C]',
  params: [{ name: 'lambda', default: 0.03, range: { min: 0 }, description: 'weight of the margin-control term' }],
  paper: { title: 'Tackling Data Heterogeneity in Federated Learning via Loss Decomposition', authors: 'Shuang Zeng, Pengxin Guo, Shuai Wang, Jianbo Wang, Yuyin Zhou, Liangqiong Qu', year: 2024, url: 'arXiv:2408.12300' },
  example: "import { compile } from '@losskit/core';\nimport { fedLd } from '@losskit/losses';\ncompile(fedLd({ lambda: 0.03 }))([0, 2], [[2, 1, 0], [0, 1, 3]]).print();",
  dsl: 'fedLd({ lambda: 0.03 })',
});
