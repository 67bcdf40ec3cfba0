/** PyTorch and NumPy printers of the pre-training ops (registered through `lossesExporters`, see `src/export.ts`). */
import type { ExportNode, OpExporter } from '@losskit/core';

const torchHpm = `def _hpm_loss_prediction(s, t, mode):
    # HPM's loss-predictor objective: pairwise BCE on d = s_j - s_i, label 1 where t_j > t_i, 0 where t_j < t_i,
    # ties left out, summed over the batch and divided by the untied pairs (absolute: MSE to z-scored t).
    if mode == 'absolute':
        mean = t.mean(1, keepdim=True)
        var = torch.square(t - mean).sum(1, keepdim=True) / max(t.shape[1] - 1, 1)
        return torch.square(s - (t - mean) / torch.sqrt(var + 1e-6)).mean()
    d = s[:, None, :] - s[:, :, None]
    pos = (t[:, None, :] > t[:, :, None]).to(s.dtype)
    neg = (t[:, None, :] < t[:, :, None]).to(s.dtype)
    terms = pos * F.softplus(-d) + neg * F.softplus(d)
    return terms.sum() / torch.clamp((pos + neg).sum(), min=1.0)`;
const numpyHpm = `def _hpm_loss_prediction(s, t, mode):
    if mode == 'absolute':
        mean = t.mean(1, keepdims=True)
        var = np.square(t - mean).sum(1, keepdims=True) / max(t.shape[1] - 1, 1)
        return np.asarray(np.square(s - (t - mean) / np.sqrt(var + 1e-6)).mean(), dtype=s.dtype)
    d = s[:, None, :] - s[:, :, None]
    pos = (t[:, None, :] > t[:, :, None]).astype(s.dtype)
    neg = (t[:, None, :] < t[:, :, None]).astype(s.dtype)
    terms = pos * np.logaddexp(0.0, -d) + neg * np.logaddexp(0.0, d)
    return np.asarray(terms.sum() / max((pos + neg).sum(), 1.0), dtype=s.dtype)`;

const torchPatches = `def _normalized_patches(t):
    # Per-row z-score with the unbiased variance + 1e-6 (MAE's norm_pix_loss).
    c = t - t.mean(-1, keepdim=True)
    return c / torch.sqrt(torch.square(c).sum(-1, keepdim=True) / max(t.shape[-1] - 1, 1) + 1e-6)`;
const numpyPatches = `def _normalized_patches(t):
    c = t - t.mean(-1, keepdims=True)
    return c / np.sqrt(np.square(c).sum(-1, keepdims=True) / max(t.shape[-1] - 1, 1) + 1e-6)`;

/** Printers of `hpmLossPrediction` and `maeReconstruction`'s normalized targets. */
export const pretrainingExporters: Readonly<Record<string, OpExporter<any>>> = {
  hpmLossPrediction: {
    pytorch: (n: ExportNode<{ mode: string }>) => `${n.ctx.helper('_hpm_loss_prediction', torchHpm)}(${n.ctx.yPred}, ${n.ctx.yTrue()}, ${n.ctx.str(n.params.mode)})`,
    numpy: (n: ExportNode<{ mode: string }>) => `${n.ctx.helper('_hpm_loss_prediction', numpyHpm)}(${n.ctx.yPred}, ${n.ctx.yTrue()}, ${n.ctx.str(n.params.mode)})`,
  },
  normalizedPatches: {
    pytorch: (n: ExportNode) => `${n.ctx.helper('_normalized_patches', torchPatches)}(${n.ctx.yTrue()})`,
    numpy: (n: ExportNode) => `${n.ctx.helper('_normalized_patches', numpyPatches)}(${n.ctx.yTrue()})`,
  },
};
