/** PyTorch and NumPy printers of the compression objectives' ops (registered through `lossesExporters`, see `src/export.ts`). */
import type { ExportContext, ExportNode, OpExporter } from '@losskit/core';

const torchPenalty = `def _positive_ranking_penalty(s, y):
    # sum over positive entries of min(0, max(s - max_neg, -100))^2 / (1 + #positives), max_neg over the batch's negatives.
    pos = (y > 0).to(s.dtype)
    neg = y < 1
    masked = torch.where(neg, s, torch.full_like(s, -3e38)).reshape(-1)
    # The first largest negative score (argmax), as compile() picks it at a tie.
    max_neg = masked[torch.argmax(masked.detach())] if bool(neg.any()) else torch.tensor(-3e38, dtype=s.dtype, device=s.device)
    gap = torch.clamp(s - max_neg, -100.0, 0.0)
    return (torch.square(gap) * pos).sum() / (pos.sum() + 1)`;
const numpyPenalty = `def _positive_ranking_penalty(s, y):
    pos = (y > 0).astype(s.dtype)
    neg = y < 1
    max_neg = np.where(neg, s, -3e38).max() if neg.any() else -3e38
    gap = np.clip(s - max_neg, -100.0, 0.0)
    return np.asarray((np.square(gap) * pos).sum() / (pos.sum() + 1), dtype=s.dtype)`;

/** Scores: the logits, or log(p/(1 − p)) of probabilities clipped to [1e-7, 1 − 1e-7]. */
function scores(ctx: ExportContext): string {
  if (ctx.from === 'logits') return ctx.yPred;
  const L = ctx.target === 'pytorch' ? 'torch' : 'np';
  const q = ctx.let(ctx.target === 'pytorch' ? `torch.clamp(${ctx.yPred}, 1e-7, 1 - 1e-7)` : `np.clip(${ctx.yPred}, 1e-7, 1 - 1e-7)`, 'q_clipped');
  return `(${L}.log(${q}) - ${L}.log1p(-${q}))`;
}

/** Printers of `positiveRankingPenalty`. */
export const compressionExporters: Readonly<Record<string, OpExporter<any>>> = {
  positiveRankingPenalty: {
    pytorch: (n: ExportNode) => `${n.ctx.helper('_positive_ranking_penalty', torchPenalty)}(${scores(n.ctx)}, ${n.ctx.yTrue()})`,
    numpy: (n: ExportNode) => `${n.ctx.helper('_positive_ranking_penalty', numpyPenalty)}(${scores(n.ctx)}, ${n.ctx.yTrue()})`,
  },
};
