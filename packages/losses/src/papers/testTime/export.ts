/** PyTorch and NumPy printers of the test-time adaptation ops (registered through `lossesExporters`, see `src/export.ts`). */
import { type ExportNode, type OpExporter, pythonForms } from '@losskit/core';

interface DeyoPrinted {
  readonly entropyMargin: number;
  readonly entropyBase: number;
  readonly plpdThreshold: number;
  readonly filterEntropy: boolean;
  readonly filterPlpd: boolean;
  readonly reweightEntropy: boolean;
  readonly reweightPlpd: boolean;
  readonly part: 'weight' | 'keep';
}

const torchDeyo = `def _deyo_weight(p, ent, zd, part, margin, base, thr, fe, fp, re, rp):
    # DeYO's filter (keep) or filtered weight alpha (weight), without gradient: ent < margin log C,
    # PLPD = p(yhat|x) - p(yhat|x') > thr, alpha = exp(base log C - ent) + exp(PLPD).
    logc = math.log(p.shape[-1])
    h = ent.detach()
    p = p.detach()
    hard = F.one_hot(torch.argmax(p, 1), p.shape[-1]).to(p.dtype)
    plpd = (p * hard).sum(1) - (torch.softmax(zd, -1).detach() * hard).sum(1)
    keep = torch.ones_like(h)
    if fe:
        keep = keep * (h < margin * logc).to(h.dtype)
    if fp:
        keep = keep * (plpd > thr).to(h.dtype)
    if part == 'keep':
        return keep
    alpha = torch.ones_like(h)
    if re or rp:
        alpha = torch.zeros_like(h)
        if re:
            alpha = alpha + torch.exp(base * logc - h)
        if rp:
            alpha = alpha + torch.exp(plpd)
    return keep * alpha`;
const numpyDeyo = `def _deyo_weight(p, ent, zd, part, margin, base, thr, fe, fp, re, rp):
    logc = math.log(p.shape[-1])
    h = ent
    hard = np.eye(p.shape[-1], dtype=p.dtype)[np.argmax(p, 1)]
    plpd = (p * hard).sum(1) - (np.exp(_log_softmax(zd)) * hard).sum(1)
    keep = np.ones_like(h)
    if fe:
        keep = keep * (h < margin * logc).astype(h.dtype)
    if fp:
        keep = keep * (plpd > thr).astype(h.dtype)
    if part == 'keep':
        return keep
    alpha = np.ones_like(h)
    if re or rp:
        alpha = np.zeros_like(h)
        if re:
            alpha = alpha + np.exp(base * logc - h)
        if rp:
            alpha = alpha + np.exp(plpd)
    return keep * alpha`;

const bool = (b: boolean) => (b ? 'True' : 'False');

function deyo(n: ExportNode<DeyoPrinted>, source: string): string {
  const { ctx, params: p } = n;
  const h = ctx.helper('_deyo_weight', source);
  return `${h}(${ctx.probs()}, ${n.args[0]}, ${n.args[1]}, ${ctx.str(p.part)}, ${ctx.num(p.entropyMargin)}, ${ctx.num(p.entropyBase)}, ${ctx.num(p.plpdThreshold)}, ${bool(p.filterEntropy)}, ${bool(p.filterPlpd)}, ${bool(p.reweightEntropy)}, ${bool(p.reweightPlpd)})`;
}

/** Printers of `deyo`'s filter and weight. */
export const testTimeExporters: Readonly<Record<string, OpExporter<any>>> = {
  deyoWeight: {
    pytorch: (n: ExportNode<DeyoPrinted>) => deyo(n, torchDeyo),
    numpy: (n: ExportNode<DeyoPrinted>) => {
      pythonForms.helper(n.ctx, '_log_softmax'); // called by the helper
      return deyo(n, numpyDeyo);
    },
  },
};
