/**
 * PyTorch and NumPy printers of the pytorch-metric-learning additions (issue #20): the class-matrix and
 * sub-center losses, VICReg, and the pair losses of the host kernel, registered with `@losskit/core`'s exporter
 * when the package loads. They reuse the shared helpers of ./export.ts (dialect shims, `_ml_pairwise`, label
 * masks, the class-matrix check) and follow each op's `evaluate` (or its host kernel) step by step: the same
 * clips, stop-gradients, element selections and reducers, so values and PyTorch gradients match compile().
 *
 * Not exported (the printer throws a typed LosskitError at export time): pair losses with a miner (the host
 * miners have no printed form yet) and reducers other than mean / meanNonZero / threshold / perAnchor / sum.
 */
import { type ExportContext, type ExportNode, LosskitError, type OpExporter, pyNum, pyStr, registerExporter } from '@losskit/core';
import { type Dialect, dialect, pyLiteral, useCommon } from './export.js';
import type { Distance } from './distances.js';
import type { Miner } from './miners.js';
import type { Reducer } from './reducers.js';

type Node<P = Record<string, unknown>> = ExportNode<P>;

const OPS = ({ L, K }: Dialect) => ({
  _ml_ce: `def _ml_ce(logits, onehot):
    # Softmax cross-entropy per row, (m - z_y) + log sum exp(z - m) with the row max m held constant.
    m = _ml_sg(_ml_max_keep(logits))
    return (m.reshape(-1) - (logits * onehot).sum(-1)) + ${L}.log(${L}.exp(logits - m).sum(-1))`,
  _ml_center_matrix: `def _ml_center_matrix(w, d, k, labels, name, what):
    # The [C*K, D] center matrix (row c*K + k = center k of class c) and the one-hot of the labels in [0, C).
    if w.ndim != 2 or w.shape[1] != d or w.shape[0] % k != 0 or w.shape[0] == 0:
        raise LosskitError('SHAPE_MISMATCH', f'inputs.{name}: {what}: the center matrix has the wrong shape: expected [C*{k}, {d}] (row c*{k} + k holds center k of class c), received {_fmt(w.shape)}')
    c = w.shape[0] // k
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= c:
        raise LosskitError('LABEL_OUT_OF_RANGE', f'yTrue: {what}: label out of range: expected integers in [0, {c}), received {lo if lo < 0 else hi}')
    return _ml_one_hot(labels, c, w), c`,
  _ml_normalized_softmax: `def _ml_normalized_softmax(e, w, labels, temperature, name):
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'normalizedSoftmax')
    return _ml_ce(${L}.matmul(_ml_l2n(e), _ml_l2n(w).T) / temperature, onehot)`,
  _ml_p2sgrad: `def _ml_p2sgrad(e, w, labels, name):
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'p2sGrad')
    # PML renormalizes W's rows in place (data only): the norm carries no gradient.
    w_hat = w / _ml_sg(${L}.sqrt(_ml_cmax((w * w).sum(-1, ${K}=True), 1e-12)))
    cos = _ml_clip(${L}.matmul(_ml_l2n(e), w_hat.T), -1.0, 1.0)
    return ${L}.square(cos - onehot).sum(-1) / onehot.shape[1]`,
  _ml_cos_multiple: `def _ml_cos_multiple(c, m):
    # cos(m theta) from c = cos(theta): sum_n (-1)^n C(m, 2n) c^(m-2n) (1 - c^2)^n, integer powers as products.
    def pw(x, k):
        r = ${L}.ones_like(x)
        for _ in range(k):
            r = r * x
        return r
    s2 = 1 - ${L}.square(c)
    out = ${L}.zeros_like(c)
    for n in range(m // 2 + 1):
        out = out + pw(c, m - 2 * n) * pw(s2, n) * float((-1) ** n * math.comb(m, 2 * n))
    return out`,
  _ml_large_margin_softmax: `def _ml_large_margin_softmax(e, w, labels, sphere, m, scale, name):
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'sphereFace' if sphere else 'largeMarginSoftmax')
    cos = _ml_clip(${L}.matmul(_ml_l2n(e), _ml_l2n(w).T), -1.0, 1.0)
    # psi(theta) = (-1)^k cos(m theta) - 2k on the target class, k = floor(theta m / pi) held constant (PML)
    k = _ml_sg(${L}.floor(_ml_acos(_ml_clip(cos, -1 + 1e-7, 1 - 1e-7)) / (math.pi / m)))
    sign = 1 - 2 * ${L}.remainder(k, 2)
    psi = sign * _ml_cos_multiple(cos, m) - 2 * k
    logits = cos + onehot * (psi - cos)
    en = ${L}.sqrt(_ml_cmax((e * e).sum(-1, ${K}=True), 1e-12))
    mag = en if sphere else en * ${L}.sqrt(_ml_cmax((w * w).sum(-1), 1e-12)).reshape(1, -1)
    return _ml_ce(logits * mag * scale, onehot)`,
  _ml_soft_triple: `def _ml_soft_triple(e, w, labels, k, la, gamma, margin, name):
    onehot, c = _ml_center_matrix(w, e.shape[1], k, labels, name, 'softTriple')
    sim = ${L}.matmul(_ml_l2n(e), _ml_l2n(w).T).reshape(e.shape[0], c, k)
    z = sim / gamma
    ez = ${L}.exp(z - _ml_sg(_ml_max_keep(z)))
    prob = ez / ez.sum(-1, ${K}=True)
    s = (prob * sim).sum(-1)
    return _ml_ce((s - onehot * margin) * la, onehot)`,
  _ml_subcenter_arcface: `def _ml_subcenter_arcface(e, w, labels, k, margin, scale, name):
    onehot, c = _ml_center_matrix(w, e.shape[1], k, labels, name, 'subCenterArcFace')
    cos = _ml_rowmax(${L}.matmul(_ml_l2n(e), _ml_l2n(w).T).reshape(e.shape[0], c, k))
    # PML ArcFaceLoss: cos(theta + m) while theta <= pi - m, else cos(theta) - m sin(m)
    theta = _ml_acos(_ml_clip(cos, -1 + 1e-7, 1 - 1e-7))
    target = ${L}.where(theta <= math.pi - margin, ${L}.cos(theta + margin), cos - margin * math.sin(margin))
    logits = cos + onehot * (target - cos)
    return _ml_ce(logits * scale, onehot)`,
  _ml_vicreg: `def _ml_vicreg(e, r, lam, mu, nu, eps):
    b, d = e.shape[0], e.shape[1]
    if b < 2:
        raise LosskitError('SHAPE_MISMATCH', f'yPred: VICReg needs at least two samples (its variances divide by B - 1): expected shape [B, D] with B >= 2, received {_fmt(e.shape)}')

    def terms(z):
        zc = z - z.mean(0, ${K}=True)
        var = ${L}.square(zc).sum(0) / (b - 1)
        v = _ml_relu(1 - ${L}.sqrt(var + eps)).mean() / 2
        cov = ${L}.matmul(zc.T, zc) / (b - 1)
        return v, (${L}.square(cov).sum() - ${L}.square(var).sum()) / d

    inv = ${L}.square(e - r).mean()
    v1, c1 = terms(e)
    v2, c2 = terms(r)
    return inv * lam + (v1 + v2) * mu + (c1 + c2) * nu`,
});

type OpHelper = keyof ReturnType<typeof OPS>;

/** Includes one helper of this file (and the shared ones it calls); returns its name. */
function use(ctx: ExportContext, name: OpHelper, ...deps: OpHelper[]): string {
  useCommon(ctx);
  const all = OPS(dialect(ctx));
  for (const d of deps) ctx.helper(d, all[d]);
  return ctx.helper(name, all[name]);
}

const a = (n: Node<any>, i: number) => n.args[i]!;
const labels = (n: Node<any>, what: string) => n.ctx.labels(what);
const num = (v: number) => pyNum(v);
const both = <P,>(f: (n: Node<P>) => string): OpExporter<P> => ({ pytorch: f, numpy: f });

/** Every printer of this file, by op kind. */
export const pmlExporters: Readonly<Record<string, OpExporter<any>>> = Object.freeze({
  'ml.normalizedSoftmax': both<{ temperature: number; weights: string }>(
    (n) => `${use(n.ctx, '_ml_normalized_softmax', '_ml_ce')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'normalizedSoftmax')}, ${num(n.params.temperature)}, ${pyStr(n.params.weights)})`,
  ),
  'ml.p2sGrad': both<{ weights: string }>((n) => `${use(n.ctx, '_ml_p2sgrad')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'p2sGrad')}, ${pyStr(n.params.weights)})`),
  'ml.largeMarginSoftmax': both<{ kind: 'lsoftmax' | 'sphereface'; margin: number; scale: number; weights: string }>((n) => {
    const p = n.params;
    const sphere = p.kind === 'sphereface';
    return `${use(n.ctx, '_ml_large_margin_softmax', '_ml_ce', '_ml_cos_multiple')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, sphere ? 'sphereFace' : 'largeMarginSoftmax')}, ${sphere ? 'True' : 'False'}, ${p.margin}, ${num(p.scale)}, ${pyStr(p.weights)})`;
  }),
  'ml.softTriple': both<{ centers: number; la: number; gamma: number; margin: number; weights: string }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_soft_triple', '_ml_ce', '_ml_center_matrix')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'softTriple')}, ${p.centers}, ${num(p.la)}, ${num(p.gamma)}, ${num(p.margin)}, ${pyStr(p.weights)})`;
  }),
  'ml.subCenterArcFace': both<{ k: number; margin: number; scale: number; weights: string }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_subcenter_arcface', '_ml_ce', '_ml_center_matrix')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'subCenterArcFace')}, ${p.k}, ${num(p.margin)}, ${num(p.scale)}, ${pyStr(p.weights)})`;
  }),
  'ml.vicreg': both<{ lambda: number; mu: number; nu: number; eps: number }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_vicreg')}(${a(n, 0)}, ${a(n, 1)}, ${num(p.lambda)}, ${num(p.mu)}, ${num(p.nu)}, ${num(p.eps)})`;
  }),
});

for (const [kind, e] of Object.entries(pmlExporters)) registerExporter(kind, e);
