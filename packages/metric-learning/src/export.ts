/**
 * PyTorch and NumPy printers of this package's ops (distances, miners, reducers and the pair / proxy /
 * contrastive losses), registered with `@losskit/core`'s exporter when the package loads. The Python helpers
 * are written once over a small dialect (`torch` / `np`, `keepdim` / `keepdims`, and shims for the few
 * functions whose names differ) and follow the ops' `evaluate` line by line: the same miners (no gradient),
 * reducers, masked log-sum-exps and stop-gradients, and in PyTorch compile()'s tie conventions.
 *
 * Not exported: `metrix` (its λ is drawn per call from a generator whose state lives in the expression node,
 * and the node does not record whether λ was fixed); `seclaLoss` is a tensor function, not an expression.
 */
import { type ExportContext, type ExportNode, type OpExporter, pyNum, pyStr, pythonForms as py, registerExporter } from '@losskit/core';
import type { Distance } from './distances.js';
import type { Miner } from './miners.js';
import type { Reducer } from './reducers.js';

type Node<P = Record<string, unknown>> = ExportNode<P>;

/** A JavaScript value (numbers, strings, booleans, plain objects and arrays) as a Python literal. */
function pyLiteral(v: unknown): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'number') return pyNum(v);
  if (typeof v === 'string') return pyStr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyStr(k)}: ${pyLiteral(x)}`).join(', ')}}`;
}

interface Dialect {
  /** `torch` or `np`. */
  readonly L: string;
  /** The keyword that keeps a reduced axis. */
  readonly K: string;
}

/** Shims: the few functions whose spelling differs between the targets. */
const SHIMS: Record<'pytorch' | 'numpy', string> = {
  pytorch: `def _ml_cmax(x, v):
    return torch.clamp(x, min=v)


def _ml_cmin(x, v):
    return torch.clamp(x, max=v)


def _ml_clip(x, lo, hi):
    return torch.clamp(x, lo, hi)


def _ml_cast(b, like):
    return b.to(like.dtype)


def _ml_eye(n, like):
    return torch.eye(n, dtype=like.dtype, device=like.device)


def _ml_triu_ones(n, like):
    return torch.triu(torch.ones(n, n, dtype=like.dtype, device=like.device))


def _ml_sg(x):
    return x.detach()


def _ml_relu(x):
    return torch.relu(x)


def _ml_softplus(x):
    return F.softplus(x)


def _ml_logaddexp(a, b):
    return torch.logaddexp(a, b)


def _ml_acos(x):
    return torch.acos(x)


def _ml_lse(x, axis, keep=False):
    return torch.logsumexp(x, axis, keepdim=keep)


def _ml_abs(x):
    return _abs(x)


def _ml_rowmax(x):
    return _max_rows(x)


def _ml_rowmin(x):
    return _min_rows(x)


def _ml_max_keep(x):
    return x.amax(-1, keepdim=True)


def _ml_min_keep(x):
    return x.amin(-1, keepdim=True)


def _ml_argmax(x):
    return torch.argmax(x, -1)


def _ml_one_hot(idx, n, like):
    return F.one_hot(idx, n).to(like.dtype)


def _ml_topk_idx(x, k):
    return torch.topk(x, k, -1).indices


def _ml_argsort(x):
    return torch.sort(x, dim=-1, stable=True).indices


def _ml_item(x):
    return float(x)`,
  numpy: `def _ml_cmax(x, v):
    return np.maximum(x, v)


def _ml_cmin(x, v):
    return np.minimum(x, v)


def _ml_clip(x, lo, hi):
    return np.clip(x, lo, hi)


def _ml_cast(b, like):
    return np.asarray(b).astype(like.dtype)


def _ml_eye(n, like):
    return np.eye(n, dtype=like.dtype)


def _ml_triu_ones(n, like):
    return np.triu(np.ones((n, n), dtype=like.dtype))


def _ml_sg(x):
    return x


def _ml_relu(x):
    return np.maximum(x, 0.0)


def _ml_softplus(x):
    return np.logaddexp(0.0, x)


def _ml_logaddexp(a, b):
    return np.logaddexp(a, b)


def _ml_acos(x):
    return np.arccos(x)


def _ml_lse(x, axis, keep=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return out if keep else np.squeeze(out, axis=axis)


def _ml_abs(x):
    return np.abs(x)


def _ml_rowmax(x):
    return x.max(-1)


def _ml_rowmin(x):
    return x.min(-1)


def _ml_max_keep(x):
    return x.max(-1, keepdims=True)


def _ml_min_keep(x):
    return x.min(-1, keepdims=True)


def _ml_argmax(x):
    return np.argmax(x, -1)


def _ml_one_hot(idx, n, like):
    return np.eye(n, dtype=like.dtype)[idx]


def _ml_topk_idx(x, k):
    return np.argsort(-x, -1, kind='stable')[..., :k]


def _ml_argsort(x):
    return np.argsort(x, -1, kind='stable')


def _ml_item(x):
    return float(x)`,
};

/** The helpers every op shares: distances, label masks, miners, reducers, masked log-sum-exps. */
const COMMON = ({ L, K }: Dialect) => `def _ml_l2n(x):
    return x / ${L}.sqrt(_ml_cmax((x * x).sum(-1, ${K}=True), 1e-12))


def _ml_ball(x, c):
    max_norm = (1 - 1e-5) / math.sqrt(c)
    norm = ${L}.sqrt(_ml_cmax((x * x).sum(-1, ${K}=True), 1e-12))
    return x * _ml_cmin(max_norm / norm, 1.0)


def _ml_pairwise(d, x, y):
    # Pairwise distances or similarities [N, M] (cosine, dot product, Lp with optional normalisation, Poincare).
    kind = d['kind']
    if kind == 'cosine':
        return ${L}.matmul(_ml_l2n(x), _ml_l2n(y).T)
    if kind == 'dotProduct':
        return ${L}.matmul(x, y.T)
    if kind == 'lp':
        a = _ml_l2n(x) if d['normalize'] else x
        b = _ml_l2n(y) if d['normalize'] else y
        p = d['p']
        diff = a[:, None, :] - b[None, :, :]
        s = ${L}.square(diff).sum(-1) if p == 2 else (_ml_abs(diff) ** p).sum(-1)
        if d['squared']:
            return s
        f = _ml_cmax(s, 1e-12)
        return ${L}.sqrt(f) if p == 2 else f ** (1.0 / p)
    if kind == 'snr':
        # Signal-to-noise ratio distance (Yuan et al. 2019): Var(y_j - x_i) / Var(x_i) over centred rows.
        u = x - x.mean(-1, ${K}=True)
        v = y - y.mean(-1, ${K}=True)
        return ${L}.square(u[:, None, :] - v[None, :, :]).sum(-1) / _ml_cmax((u * u).sum(-1, ${K}=True), 1e-12)
    c = d['c']
    a, b = _ml_ball(x, c), _ml_ball(y, c)
    num = ${L}.square(a[:, None, :] - b[None, :, :]).sum(-1) * (2 * c)
    da = 1 - (a * a).sum(-1, ${K}=True) * c
    db = (1 - (b * b).sum(-1) * c).reshape(1, -1)
    z = 1 + num / (da * db)
    return ${L}.log(z + ${L}.sqrt(_ml_cmax(${L}.square(z) - 1, 1e-12))) / math.sqrt(c)


def _ml_label_masks(labels, like):
    same = _ml_cast(labels[:, None] == labels[None, :], like)
    return same - _ml_eye(labels.shape[0], like), 1 - same


def _ml_pick_per_row(score, mask):
    filled = ${L}.where(mask != 0, score, ${L}.full_like(score, -math.inf))
    has = _ml_cast(mask.sum(-1, ${K}=True) > 0, score)
    return _ml_one_hot(_ml_argmax(filled), score.shape[1], score) * has


def _ml_mine_pairs(miner, mat, labels, inverted):
    # Positive / negative pair masks [N, N], filtered by the miner (no gradient).
    pos, neg = _ml_label_masks(labels, mat)
    if miner is None:
        return pos, neg
    if miner['output'] == 'triplets':
        return _ml_triplets_to_pairs(_ml_mine_triplets(miner, mat, labels, inverted))
    m = _ml_sg(mat)
    close = m if inverted else -m
    if miner['kind'] == 'hardNegativeTopK':
        b = labels.shape[0]
        filled = ${L}.where(neg != 0, close, ${L}.full_like(close, -math.inf))
        sel = _ml_one_hot(_ml_topk_idx(filled, min(miner['k'], b)), b, mat).sum(1)
        return pos, _ml_cmin(sel, 1.0) * neg
    eps = miner['epsilon']
    has_pos = pos.sum(-1, ${K}=True) > 0
    has_neg = neg.sum(-1, ${K}=True) > 0
    min_pos = _ml_min_keep(${L}.where(pos != 0, close, ${L}.full_like(close, math.inf)))
    max_neg = _ml_max_keep(${L}.where(neg != 0, close, ${L}.full_like(close, -math.inf)))
    neg_keep = has_pos & (close > min_pos - eps)
    pos_keep = has_neg & (close < max_neg + eps)
    return pos * _ml_cast(pos_keep, mat), neg * _ml_cast(neg_keep, mat)


def _ml_mine_triplets(miner, mat, labels, inverted):
    # ('dense', t [N, N, N]) or ('perAnchor', p [N, N], n [N, N]) (no gradient).
    pos, neg = _ml_label_masks(labels, mat)
    if miner is not None and miner['output'] == 'pairs':
        p, n = _ml_mine_pairs(miner, mat, labels, inverted)
        return ('dense', p[:, :, None] * n[:, None, :])
    m = _ml_sg(mat)
    close = m if inverted else -m
    if miner is not None and miner['kind'] == 'batchHard':
        both = _ml_cast((pos.sum(-1, ${K}=True) > 0) & (neg.sum(-1, ${K}=True) > 0), mat)
        return ('perAnchor', _ml_pick_per_row(-close, pos) * both, _ml_pick_per_row(close, neg) * both)
    t = pos[:, :, None] * neg[:, None, :]
    if miner is not None and miner['kind'] == 'semiHard':
        gap = close[:, :, None] - close[:, None, :]
        t = t * _ml_cast((gap > 0) & (gap <= miner['margin']), mat)
    return ('dense', t)


def _ml_triplets_to_pairs(tr):
    if tr[0] == 'perAnchor':
        return tr[1], tr[2]
    t = tr[1]
    return _ml_cast(t.sum(2) > 0, t), _ml_cast(t.sum(1) > 0, t)


def _ml_reduce(losses, mask, r):
    # mean / meanNonZero / threshold over the selected entries, or perAnchor (per row of the first axis).
    m = mask if tuple(mask.shape) == tuple(losses.shape) else ${L}.broadcast_to(mask, losses.shape)
    on = m != 0
    masked = ${L}.where(on, losses, ${L}.zeros_like(losses))
    kind = r['kind']
    if kind == 'mean':
        return masked.sum() / _ml_cmax(_ml_cast(on, losses).sum(), 1.0)
    if kind == 'meanNonZero':
        ind = _ml_cast(on, losses) * ${L}.sign(_ml_relu(_ml_sg(losses)))
        return (masked * ind).sum() / _ml_cmax(ind.sum(), 1.0)
    if kind == 'threshold':
        ls = _ml_sg(losses)
        ind = _ml_cast(on, losses) * (${L}.sign(_ml_relu(ls - r['low'])) * ${L}.sign(_ml_relu(r['high'] - ls)))
        return (masked * ind).sum() / _ml_cmax(ind.sum(), 1.0)
    b = losses.shape[0]
    return masked.reshape(b, -1).sum(-1) / _ml_cmax(_ml_cast(on, losses).reshape(b, -1).sum(-1), 1.0)


def _ml_masked_lse(x, mask):
    return _masked_rows(x, mask, 'logSumExp'), mask.sum(-1) > 0


def _ml_masked_lse_binary(x, mask):
    # log-sum-exp over mask = 1 entries by pushing the others down by 1e9.
    z = x + (mask - 1) * 1e9
    m = _ml_sg(_ml_max_keep(z))
    lse = m.reshape(-1) + ${L}.log(${L}.exp(z - m).sum(-1))
    has = _ml_max_keep(mask).reshape(-1) > 0
    return ${L}.where(has, lse, ${L}.zeros_like(lse)), has


def _ml_log1p_sum_exp(x, mask):
    v, has = _ml_masked_lse(x, mask)
    return ${L}.where(has, _ml_softplus(v), ${L}.zeros_like(v))


def _ml_class_matrix(w, d, labels, name, what):
    # The [C, D] class matrix of proxy / margin losses and the one-hot of the labels (checked in [0, C)).
    if w.ndim != 2 or w.shape[1] != d:
        raise LosskitError('SHAPE_MISMATCH', f'inputs.{name}: {what}: class matrix has the wrong shape: expected [C, {d}] (one row per class, embedding width {d}), received {_fmt(w.shape)}')
    c = w.shape[0]
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= c:
        raise LosskitError('LABEL_OUT_OF_RANGE', f'yTrue: {what}: label out of range: expected integers in [0, {c}), received {lo if lo < 0 else hi}')
    return _ml_one_hot(labels, c, w)`;

const OPS = ({ L, K }: Dialect) => ({
  _ml_triplet_margin: `def _ml_triplet_margin(mat, labels, margin, inv, miner, r):
    tr = _ml_mine_triplets(miner, mat, labels, inv)
    if tr[0] == 'perAnchor':
        ap, an = (mat * tr[1]).sum(-1), (mat * tr[2]).sum(-1)
        return _ml_reduce(_ml_relu((an - ap if inv else ap - an) + margin), tr[1].sum(-1), r)
    ap, an = mat[:, :, None], mat[:, None, :]
    return _ml_reduce(_ml_relu((an - ap if inv else ap - an) + margin), tr[1], r)`,
  _ml_contrastive: `def _ml_contrastive(mat, labels, pm, nm, inv, miner, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)
    lp = _ml_relu(pm - mat if inv else mat - pm)
    ln = _ml_relu(mat - nm if inv else nm - mat)
    return _ml_reduce(lp, pos, r) + _ml_reduce(ln, neg, r)`,
  _ml_multi_similarity: `def _ml_multi_similarity(mat, labels, alpha, beta, base, inv, miner, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)
    pe = base - mat if inv else mat - base
    ne = mat - base if inv else base - mat
    l = _ml_log1p_sum_exp(pe * alpha, pos) / alpha + _ml_log1p_sum_exp(ne * beta, neg) / beta
    return _ml_reduce(l, ${L}.ones_like(l), r)`,
  _ml_circle: `def _ml_circle(s, labels, m, gamma, miner, r):
    pos, neg = _ml_mine_pairs(miner, s, labels, True)
    sg = _ml_sg(s)
    lpv, lph = _ml_masked_lse(_ml_relu(1 + m - sg) * (s - (1 - m)) * -gamma, pos)
    lnv, lnh = _ml_masked_lse(_ml_relu(sg + m) * (s - m) * gamma, neg)
    l = ${L}.where(lph & lnh, _ml_softplus(lpv + lnv), ${L}.zeros_like(lpv))
    return _ml_reduce(l, ${L}.ones_like(l), r)`,
  _ml_nt_xent: `def _ml_nt_xent(mat, labels, temperature, inv, miner, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)
    s = (mat if inv else -mat) / temperature
    nv, nh = _ml_masked_lse_binary(s, neg)
    l = ${L}.where(nh.reshape(-1, 1), _ml_softplus(nv.reshape(-1, 1) - s), ${L}.zeros_like(s))
    return _ml_reduce(l, pos, r)`,
  _ml_sup_con: `def _ml_sup_con(mat, labels, temperature, inv, miner, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)
    s = (mat if inv else -mat) / temperature
    denom, _ = _ml_masked_lse_binary(s, pos + neg)
    n_pos = pos.sum(-1)
    l = (denom * n_pos - (s * pos).sum(-1)) / _ml_cmax(n_pos, 1.0)
    return _ml_reduce(l, ${L}.ones_like(l), r)`,
  _ml_lifted_structure: `def _ml_lifted_structure(mat, labels, margin, inv, miner, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)
    d = -mat if inv else mat
    lv, lh = _ml_masked_lse(margin - d, neg)
    big = ${L}.where(lh, lv, ${L}.full_like(lv, -1e30))
    b = mat.shape[0]
    j = _ml_logaddexp(${L}.broadcast_to(big.reshape(-1, 1), (b, b)), ${L}.broadcast_to(big.reshape(1, -1), (b, b))) + d
    return _ml_reduce(${L}.square(_ml_relu(j)) * 0.5, pos, r)`,
  _ml_clip_loss: `def _ml_clip_loss(e, text, scale):
    # scale = exp(t')
    logits = ${L}.matmul(_ml_l2n(e), _ml_l2n(text).T) * scale
    diag = (logits * _ml_eye(e.shape[0], e)).sum(-1)
    return ((_ml_lse(logits, 1) - diag) + (_ml_lse(logits, 0) - diag)) * 0.5`,
  _ml_siglip: `def _ml_siglip(e, text, scale, bias):
    # scale = exp(t')
    z = ${L}.matmul(_ml_l2n(e), _ml_l2n(text).T) * scale + bias
    sign = _ml_eye(e.shape[0], e) * 2 - 1
    return _ml_softplus(-(sign * z)).sum(-1)`,
  _ml_proxy_nca: `def _ml_proxy_nca(e, w, labels, scale, name):
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'proxyNca')
    x, pr = _ml_l2n(e), _ml_l2n(w)
    logits = ${L}.square(x[:, None, :] - pr[None, :, :]).sum(-1) * -scale
    return _ml_lse(logits, -1) - (logits * onehot).sum(-1)`,
  _ml_proxy_anchor: `def _ml_proxy_anchor(e, w, labels, alpha, delta, name):
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'proxyAnchor')
    s = ${L}.matmul(_ml_l2n(e), _ml_l2n(w).T).T
    pos = onehot.T
    neg = 1 - pos
    with_pos = _ml_cast(pos.sum(-1) > 0, s)
    pos_term = _ml_log1p_sum_exp((s - delta) * -alpha, pos).sum() / _ml_cmax(with_pos.sum(), 1.0)
    neg_term = _ml_log1p_sum_exp((s + delta) * alpha, neg).sum() / w.shape[0]
    return pos_term + neg_term`,
  _ml_margin_softmax: `def _ml_margin_softmax(e, w, labels, arc, scale, margin, name):
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'arcFace' if arc else 'cosFace')
    c = ${L}.matmul(_ml_l2n(e), _ml_l2n(w).T)
    target = ${L}.cos(_ml_acos(_ml_clip(c, -1 + 1e-7, 1 - 1e-7)) + margin) if arc else c - margin
    logits = (c * (1 - onehot) + target * onehot) * scale
    return _ml_lse(logits, -1) - (logits * onehot).sum(-1)`,
  _ml_ada_face: `def _ml_ada_face(e, w, labels, m, h, s, name, mu=None, sd=None):
    eps = 1e-3
    onehot = _ml_class_matrix(w, e.shape[1], labels, name, 'adaFace')
    c = _ml_clip(${L}.matmul(_ml_l2n(e), _ml_l2n(w).T), -1 + eps, 1 - eps)
    norms = _ml_sg(_ml_clip(${L}.sqrt(_ml_cmax((e * e).sum(-1), 1e-12)), 0.001, 100))
    b = e.shape[0]
    if mu is None:
        mu = norms.mean()
        sd = ${L}.sqrt(${L}.square(norms - mu).sum() / (b - 1)) if b > 1 else 0.0
    zn = _ml_clip((norms - mu) / (sd + eps) * h, -1, 1).reshape(-1, 1)
    theta = _ml_acos(c)
    theta_m = _ml_clip(theta + (zn * -m) * onehot, eps, math.pi - eps)
    logits = (${L}.cos(theta_m) - (zn * m + m) * onehot) * s
    return _ml_lse(logits, -1) - (logits * onehot).sum(-1)`,
  _ml_byol: `def _ml_byol(q, z):
    return 2 - 2 * (_ml_l2n(q) * _ml_l2n(_ml_sg(z))).sum(-1)`,
  _ml_icon: `def _ml_icon(mat, labels, supervision, temperature, debias, inv):
    b = mat.shape[0]
    off = 1 - _ml_eye(b, mat)
    if supervision is None:
        pm = _ml_cast(labels[:, None] == labels[None, :], mat) * off
    else:
        pm = _ml_relu(supervision) * off
    row_sum = pm.sum(-1, ${K}=True)
    has = row_sum > 0
    pn = pm / _ml_cmax(row_sum, 1e-30)
    if debias > 0:
        pn = pn * (1 - debias) + off * (debias / max(b - 1, 1))
    s = (mat if inv else -mat) / temperature
    masked = ${L}.where(off != 0, s, ${L}.full_like(s, -1e30))
    log_q = masked - _ml_lse(masked, -1, True)
    plogp = ${L}.where(pn > 0, pn * ${L}.log(${L}.where(pn > 0, pn, ${L}.ones_like(pn))), ${L}.zeros_like(pn))
    kl = (plogp - pn * ${L}.where(off != 0, log_q, ${L}.zeros_like(log_q))).sum(-1)
    return kl if debias > 0 else ${L}.where(has.reshape(-1), kl, ${L}.zeros_like(kl))`,
  _ml_decoupled_softmax: `def _ml_decoupled_softmax(mat, labels, temperature, r):
    s = mat / temperature
    pos, neg = _ml_label_masks(labels, mat)
    nv, nh = _ml_masked_lse(s, neg)
    l = ${L}.where(nh.reshape(-1, 1), _ml_softplus(nv.reshape(-1, 1) - s), ${L}.zeros_like(s))
    return _ml_reduce(l, pos, r)`,
  _ml_proto_triplet: `def _ml_proto_triplet(e, labels, margin):
    same = _ml_cast(labels[:, None] == labels[None, :], e)
    protos = ${L}.matmul(same, e) / same.sum(-1, ${K}=True)
    d = ${L}.sqrt(_ml_cmax(${L}.square(e[:, None, :] - protos[None, :, :]).sum(-1), 1e-12))
    b = e.shape[0]
    eye = _ml_eye(b, e)
    upper = _ml_triu_ones(b, e) - eye
    first = _ml_cast((same * upper).sum(0, ${K}=True) == 0, e)
    other = (1 - same) * first
    own = (d * eye).sum(-1)
    nearest = _ml_rowmin(${L}.where(other != 0, d, ${L}.full_like(d, 1e30)))
    has = other.sum(-1) > 0
    return ${L}.where(has, _ml_relu(own - nearest + margin), ${L}.zeros_like(own))`,
  _ml_icnn: `def _ml_icnn(e, labels, k0, ipc0):
    # The ICNN score (Mendez-Ruiz et al. 2023) as compile() computes it; the k-NN selection carries no gradient.
    eps, dist_eps = 1e-7, 1e-6
    n = e.shape[0]
    if n < 3:
        raise LosskitError('SHAPE_MISMATCH', f'yPred: icnn needs at least 3 embeddings (k-NN within the batch): expected [B, D] with B >= 3, received {_fmt(e.shape)}')
    gamma_is_one = k0 + 2 >= n
    k = n - 2 if gamma_is_one else k0
    ipc = min(ipc0 if ipc0 else k + 1, n - 1)
    sq = (e * e).sum(-1)
    dist = ${L}.sqrt(_ml_relu(sq.reshape(-1, 1) + sq.reshape(1, -1) - ${L}.matmul(e, e.T) * 2) + dist_eps)
    dh = ${L}.where(_ml_eye(n, e) != 0, ${L}.full_like(dist, math.inf), _ml_sg(dist))
    order = _ml_argsort(dh)[:, :ipc]
    sel = _ml_one_hot(order, n, e)
    sc = _ml_cast(labels[order] == labels[:, None], e)
    D = (dist[:, None, :] * sel).sum(-1)
    dc = 1 - sc
    has_dc = dc.sum(-1) > 0
    nn_dc = _ml_rowmin(${L}.where(dc > 0, D, ${L}.full_like(D, 1e30)))
    nd_all = ${L}.where(has_dc.reshape(-1, 1), D / (nn_dc + eps).reshape(-1, 1), ${L}.zeros_like(D))
    nd_k = nd_all[:, :k]
    nd = nd_k / _ml_cmax(_ml_rowmax(nd_k), 1.0).reshape(-1, 1)
    sc_k, dc_k = sc[:, :k], dc[:, :k]
    sc_counts = sc_k.sum(-1)
    sc_sum = (nd * sc_k).sum(-1) / (sc_counts + eps)
    sclamb = 1 - sc_sum.sum() / (_ml_cast(sc_counts > 0, e).sum() + eps)
    dcd = D[:, :k] * dc_k
    dcn = dcd / (_ml_rowmax(dcd.reshape(-1)) + eps)
    dc_counts = dc_k.sum(-1)
    dc_sum = dcn.sum(-1) / (dc_counts + eps)
    no_dc = bool((dc_counts == 0).all())
    dclamb = _ml_abs(dc_sum.sum() / (_ml_cast(dc_counts > 0, e).sum() + eps) + (-1.0 if no_dc else 0.0))
    lam = (sclamb + dclamb) / 2
    gamma = 1.0 if gamma_is_one else (_ml_item(sc_k.sum()) / k) / n
    return -${L}.log((lam + gamma) / 2)`,
  _ml_isogclr: `def _ml_isogclr(sim, tau, s, labels):
    n = sim.shape[0]
    for name, t in (('isogclrTau', tau), ('isogclrS', s)):
        if t.reshape(-1).shape[0] != n:
            raise LosskitError('SHAPE_MISMATCH', f'inputs.{name}: iSogCLR input {name} must hold one value per row: expected [{n}], received {_fmt(t.shape)}')
    tau, s = tau.reshape(-1, 1), s.reshape(-1, 1)
    pos, neg = _ml_label_masks(labels, sim)
    w = _ml_sg(${L}.exp(sim / tau - ${L}.log(s)) * neg)
    return (w * sim).sum(-1) / _ml_cmax(neg.sum(-1), 1.0) - (pos * sim).sum(-1) / _ml_cmax(pos.sum(-1), 1.0)`,
});

type OpHelper = keyof ReturnType<typeof OPS>;

const dialect = (ctx: ExportContext): Dialect => (ctx.target === 'pytorch' ? { L: 'torch', K: 'keepdim' } : { L: 'np', K: 'keepdims' });

/** Includes the dialect shims and the shared helpers (with the core helpers they call). */
function useCommon(ctx: ExportContext): void {
  if (ctx.target === 'pytorch') {
    for (const h of ['_abs', '_max_rows', '_min_rows']) py.helper(ctx, h);
  }
  py.helper(ctx, '_masked_rows');
  ctx.helper('_ml_shims', SHIMS[ctx.target]);
  ctx.helper('_ml_common', COMMON(dialect(ctx)));
}

/** Includes one op helper (and what it calls); returns its name. */
function use(ctx: ExportContext, name: OpHelper): string {
  useCommon(ctx);
  return ctx.helper(name, OPS(dialect(ctx))[name]);
}

const labels = (n: Node<any>, what: string) => n.ctx.labels(what);
const a = (n: Node<any>, i: number) => n.args[i]!;
interface Mined {
  readonly distance: Distance;
  readonly miner: Miner | undefined;
  readonly reducer: Reducer;
}
const inv = (p: { distance: Distance }) => (p.distance.isInverted ? 'True' : 'False');
const mr = (p: Mined) => `${pyLiteral(p.miner ?? null)}, ${pyLiteral(p.reducer)}`;
const both = <P,>(f: (n: Node<P>) => string): OpExporter<P> => ({ pytorch: f, numpy: f });
const num = (v: number) => pyNum(v);

/** A learnable scalar of clip/siglip: a number, or the value of a batch-level input (the next input argument); `exp` of it with `exp`. */
function learnable(n: Node<any>, v: number | { input: string }, next: { i: number }, exp = false): string {
  if (typeof v === 'number') return exp ? `math.exp(${num(v)})` : num(v);
  const x = `${a(n, next.i++)}.reshape(())`;
  return exp ? `${dialect(n.ctx).L}.exp(${x})` : x;
}

/** Every printer of this package, by op kind. */
export const metricLearningExporters: Readonly<Record<string, OpExporter<any>>> = Object.freeze({
  'ml.distanceMatrix': both<{ distance: Distance }>((n) => {
    useCommon(n.ctx);
    return `_ml_pairwise(${pyLiteral(n.params.distance)}, ${a(n, 0)}, ${a(n, 0)})`;
  }),
  'ml.tripletMargin': both<Mined & { margin: number }>((n) => `${use(n.ctx, '_ml_triplet_margin')}(${a(n, 0)}, ${labels(n, 'tripletMargin')}, ${num(n.params.margin)}, ${inv(n.params)}, ${mr(n.params)})`),
  'ml.contrastive': both<Mined & { posMargin: number; negMargin: number }>(
    (n) => `${use(n.ctx, '_ml_contrastive')}(${a(n, 0)}, ${labels(n, 'contrastive')}, ${num(n.params.posMargin)}, ${num(n.params.negMargin)}, ${inv(n.params)}, ${mr(n.params)})`,
  ),
  'ml.multiSimilarity': both<Mined & { alpha: number; beta: number; base: number }>(
    (n) => `${use(n.ctx, '_ml_multi_similarity')}(${a(n, 0)}, ${labels(n, 'multiSimilarity')}, ${num(n.params.alpha)}, ${num(n.params.beta)}, ${num(n.params.base)}, ${inv(n.params)}, ${mr(n.params)})`,
  ),
  'ml.circle': both<Mined & { m: number; gamma: number }>((n) => `${use(n.ctx, '_ml_circle')}(${a(n, 0)}, ${labels(n, 'circle')}, ${num(n.params.m)}, ${num(n.params.gamma)}, ${mr(n.params)})`),
  'ml.ntXent': both<Mined & { temperature: number }>((n) => `${use(n.ctx, '_ml_nt_xent')}(${a(n, 0)}, ${labels(n, 'ntXent')}, ${num(n.params.temperature)}, ${inv(n.params)}, ${mr(n.params)})`),
  'ml.supCon': both<Mined & { temperature: number }>((n) => `${use(n.ctx, '_ml_sup_con')}(${a(n, 0)}, ${labels(n, 'supCon')}, ${num(n.params.temperature)}, ${inv(n.params)}, ${mr(n.params)})`),
  'ml.liftedStructure': both<Mined & { margin: number }>((n) => `${use(n.ctx, '_ml_lifted_structure')}(${a(n, 0)}, ${labels(n, 'liftedStructure')}, ${num(n.params.margin)}, ${inv(n.params)}, ${mr(n.params)})`),
  'ml.clip': both<{ logScale: number | { input: string } }>((n) => `${use(n.ctx, '_ml_clip_loss')}(${a(n, 0)}, ${a(n, 1)}, ${learnable(n, n.params.logScale, { i: 2 }, true)})`),
  'ml.siglip': both<{ logTemperature: number | { input: string }; bias: number | { input: string } }>((n) => {
    const next = { i: 2 };
    const t = learnable(n, n.params.logTemperature, next, true);
    const b = learnable(n, n.params.bias, next);
    return `${use(n.ctx, '_ml_siglip')}(${a(n, 0)}, ${a(n, 1)}, ${t}, ${b})`;
  }),
  'ml.proxyNca': both<{ scale: number; proxies: string }>((n) => `${use(n.ctx, '_ml_proxy_nca')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'proxyNca')}, ${num(n.params.scale)}, ${pyStr(n.params.proxies)})`),
  'ml.proxyAnchor': both<{ alpha: number; delta: number; proxies: string }>(
    (n) => `${use(n.ctx, '_ml_proxy_anchor')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'proxyAnchor')}, ${num(n.params.alpha)}, ${num(n.params.delta)}, ${pyStr(n.params.proxies)})`,
  ),
  'ml.marginSoftmax': both<{ type: 'arc' | 'cos'; scale: number; margin: number; weights: string }>(
    (n) =>
      `${use(n.ctx, '_ml_margin_softmax')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, n.params.type === 'arc' ? 'arcFace' : 'cosFace')}, ${n.params.type === 'arc' ? 'True' : 'False'}, ${num(n.params.scale)}, ${num(n.params.margin)}, ${pyStr(n.params.weights)})`,
  ),
  'ml.adaFace': both<{ m: number; h: number; s: number; weights: string; normStats: 'batch' | 'running' }>((n) => {
    const p = n.params;
    const stats = p.normStats === 'running' ? `, ${a(n, 2)}, ${a(n, 3)}` : '';
    return `${use(n.ctx, '_ml_ada_face')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'adaFace')}, ${num(p.m)}, ${num(p.h)}, ${num(p.s)}, ${pyStr(p.weights)}${stats})`;
  }),
  'ml.byol': both((n) => `${use(n.ctx, '_ml_byol')}(${a(n, 0)}, ${a(n, 1)})`),
  'ml.icon': both<{ temperature: number; debias: number; distance: Distance; supervision: string | null }>((n) => {
    const p = n.params;
    const y = p.supervision === null ? labels(n, 'icon') : 'None';
    const sup = p.supervision === null ? 'None' : a(n, 1);
    return `${use(n.ctx, '_ml_icon')}(${a(n, 0)}, ${y}, ${sup}, ${num(p.temperature)}, ${num(p.debias)}, ${inv(p)})`;
  }),
  'ml.decoupledSoftmax': both<{ temperature: number; reducer: Reducer }>(
    (n) => `${use(n.ctx, '_ml_decoupled_softmax')}(${a(n, 0)}, ${labels(n, 'decoupledSoftmax')}, ${num(n.params.temperature)}, ${pyLiteral(n.params.reducer)})`,
  ),
  'ml.protoTriplet': both<{ margin: number }>((n) => `${use(n.ctx, '_ml_proto_triplet')}(${a(n, 0)}, ${labels(n, 'protoTriplet')}, ${num(n.params.margin)})`),
  'ml.icnn': both<{ k: number; ipc: number }>((n) => `${use(n.ctx, '_ml_icnn')}(${a(n, 0)}, ${labels(n, 'icnn')}, ${n.params.k}, ${n.params.ipc})`),
  'ml.isogclr': both((n) => `${use(n.ctx, '_ml_isogclr')}(${a(n, 0)}, ${a(n, 1)}, ${a(n, 2)}, ${labels(n, 'isogclr')})`),
});

for (const [kind, e] of Object.entries(metricLearningExporters)) registerExporter(kind, e);
