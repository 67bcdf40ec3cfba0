/** PyTorch and NumPy printers of the generative-model ops (registered through `lossesExporters`, see `src/export.ts`). */
import type { ExportNode, OpExporter } from '@losskit/core';

const torchEntropy = `def _manifold_entropy(z, buf, lam):
    # -lam * log(mean_i min_k mean_d (z_id - b_kd)^2), the mean distance floored at 1e-30.
    # The nearest entry is the first one at a tie (argmin), as compile() picks it.
    d = torch.square(z[:, None, :] - buf[None, :, :]).mean(-1)
    nearest = d.gather(1, torch.argmin(d.detach(), 1, keepdim=True))[:, 0]
    return torch.log(torch.clamp(nearest.mean(), min=1e-30)) * -lam`;
const numpyEntropy = `def _manifold_entropy(z, buf, lam):
    d = np.square(z[:, None, :] - buf[None, :, :]).mean(-1)
    return np.asarray(np.log(max(d.min(1).mean(), 1e-30)) * -lam, dtype=z.dtype)`;

const torchCnll = `def _compositional_nll(f, is_noise, log_q, log_u):
    # -mean_data f + log u, with the gradient (1/u) grad mean_noise exp(f - log q) through t - t.detach().
    f = f.reshape(-1)
    noise = (is_noise > 0.5).to(f.dtype)
    data = 1 - noise
    log_u = log_u.detach()
    s = torch.where(noise > 0, f - log_q, torch.full_like(f, -math.inf))
    t = torch.exp(s - log_u).sum() / torch.clamp(noise.sum(), min=1.0)
    return -(f * data).sum() / torch.clamp(data.sum(), min=1.0) + log_u + (t - t.detach())`;
const numpyCnll = `def _compositional_nll(f, is_noise, log_q, log_u):
    f = f.reshape(-1)
    noise = (is_noise > 0.5).astype(f.dtype)
    data = 1 - noise
    return np.asarray(-(f * data).sum() / max(data.sum(), 1.0) + log_u, dtype=f.dtype)`;

/** Printers of `manifoldEntropy` and `compositionalNll`. */
export const generativeExporters: Readonly<Record<string, OpExporter<any>>> = {
  manifoldEntropy: {
    pytorch: (n: ExportNode<{ lambda: number; buffer: string }>) => entropy(n, torchEntropy),
    numpy: (n: ExportNode<{ lambda: number; buffer: string }>) => entropy(n, numpyEntropy),
  },
  compositionalNll: {
    pytorch: (n: ExportNode) => `${n.ctx.helper('_compositional_nll', torchCnll)}(${n.ctx.yPred}, ${n.args[0]}, ${n.args[1]}, ${n.args[2]})`,
    numpy: (n: ExportNode) => `${n.ctx.helper('_compositional_nll', numpyCnll)}(${n.ctx.yPred}, ${n.args[0]}, ${n.args[1]}, ${n.args[2]})`,
  },
};

function entropy(n: ExportNode<{ lambda: number; buffer: string }>, source: string): string {
  const { ctx } = n;
  const buf = ctx.input(n.params.buffer);
  ctx.check(
    `${buf}.ndim != 2 or ${buf}.shape[1] != ${ctx.yPred}.shape[1] or ${buf}.shape[0] == 0`,
    'SHAPE_MISMATCH',
    `f${ctx.str(`inputs.${n.params.buffer}: the replay buffer must hold embeddings of the prediction’s width: expected shape [K, {${ctx.yPred}.shape[1]}] with K >= 1, received {list(${buf}.shape)}`)}`,
  );
  return `${ctx.helper('_manifold_entropy', source)}(${ctx.yPred}, ${buf}, ${ctx.num(n.params.lambda)})`;
}
