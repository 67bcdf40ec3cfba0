/** PyTorch and NumPy printers of the fine-tuning ops (registered through `lossesExporters`, see `src/export.ts`). */
import type { ExportNode, OpExporter } from '@losskit/core';

const torchCka = `def _cka_guidance(x, g):
    # 1 - linear CKA of column-centred activations (each scaled by its detached largest magnitude; CKA is scale free).
    def centred(a):
        ac = a - a.mean(0, keepdim=True)
        return ac / torch.clamp(ac.abs().max(), min=1e-30).detach()
    xs = centred(x)
    ys = centred(g.detach())
    kx = xs @ xs.T
    ky = ys @ ys.T
    return 1 - (kx * ky).sum() / torch.sqrt(torch.clamp(torch.square(kx).sum() * torch.square(ky).sum(), min=1e-30))`;
const numpyCka = `def _cka_guidance(x, g):
    def centred(a):
        ac = a - a.mean(0, keepdims=True)
        return ac / max(np.abs(ac).max(), 1e-30)
    xs = centred(x)
    ys = centred(g)
    kx = xs @ xs.T
    ky = ys @ ys.T
    return np.asarray(1 - (kx * ky).sum() / np.sqrt(max(np.square(kx).sum() * np.square(ky).sum(), 1e-30)), dtype=x.dtype)`;

function cka(n: ExportNode<{ guide: string }>, source: string): string {
  const { ctx } = n;
  const g = ctx.input(n.params.guide);
  ctx.check(
    `${g}.ndim != 2 or ${g}.shape[0] != ${ctx.yPred}.shape[0]`,
    'SHAPE_MISMATCH',
    `f${ctx.str(`inputs.${n.params.guide}: the guide activations need one row per sample: expected shape [{${ctx.yPred}.shape[0]}, D], received {list(${g}.shape)}`)}`,
  );
  return `${ctx.helper('_cka_guidance', source)}(${ctx.yPred}, ${g})`;
}

/** Printers of `ckaGuidance`. */
export const finetuningExporters: Readonly<Record<string, OpExporter<any>>> = {
  ckaGuidance: {
    pytorch: (n: ExportNode<{ guide: string }>) => cka(n, torchCka),
    numpy: (n: ExportNode<{ guide: string }>) => cka(n, numpyCka),
  },
};
