/**
 * PyTorch and NumPy printers of the pytorch-metric-learning additions (issue #20): the class-matrix and
 * sub-center losses, VICReg, and the pair losses of the host kernel, registered with `@losskit/core`'s exporter
 * when the package loads. They reuse the shared helpers of ./export.ts (dialect shims, `_ml_pairwise`, label
 * masks, the class-matrix check) and follow each op's `evaluate` (or its host kernel) step by step: the same
 * clips, stop-gradients, element selections and reducers, so values and PyTorch gradients match compile().
 *
 * Not exported (the printer throws a typed LosskitError at export time): reducers other than mean / meanNonZero /
 * threshold / perAnchor / sum (margin: divisor / sum / mean); miners other than the printed ones of ./export.ts on the
 * pair losses that mine (tuplet margin, angular, generalized lifted structure, intra-pair variance, threshold-consistent
 * margin, histogram, margin, dynamic soft margin); the other PML additions take no miner.
 */
import { type ExportContext, type ExportNode, LosskitError, type OpExporter, pyNum, pyStr, registerExporter } from '@losskit/core';
import { type Dialect, dialect, printedMiner, printedReducer, pyLiteral, useCommon } from './export.js';
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
  _ml_tuplet_margin2: `def _ml_tuplet_margin2(s, labels, miner, margin, scale, r):
    # l_ap = softplus(L_a - scale cos(theta_ap - margin)), L_a = log sum_n exp(scale s_an) over the anchor's (mined) negatives.
    pos, neg = _ml_mine_pairs(miner, s, labels, True)
    lv, lh = _ml_masked_lse(s * scale, neg)
    c = ${L}.cos(_ml_acos(_ml_clip(s, -1 + 1e-7, 1 - 1e-7)) - margin)
    l = ${L}.where(lh.reshape(-1, 1), _ml_softplus(lv.reshape(-1, 1) - c * scale), ${L}.zeros_like(s))
    return _ml_reduce(l, pos, r)`,
  _ml_angular: `def _ml_angular(s, labels, miner, alpha, r):
    # l_ap = log(1 + sum_n exp(4 tan^2(a) (s_an + s_pn) - 2 (1 + tan^2(a)) s_ap)) over every negative n of the anchor's
    # label (a miner selects the positive pairs; 0 when it keeps no negative pair, as PML).
    pos, mined_neg = _ml_mine_pairs(miner, s, labels, True)
    _, neg = _ml_label_masks(labels, s)
    b = s.shape[0]
    t2 = math.tan(alpha) ** 2
    f = (s[:, None, :] + s[None, :, :]) * (4 * t2) - s[:, :, None] * (2 * (1 + t2))
    l = _ml_log1p_sum_exp(f.reshape(b * b, b), ${L}.broadcast_to(neg[:, None, :], (b, b, b)).reshape(b * b, b)).reshape(b, b)
    return _ml_reduce(l * _ml_cast(mined_neg.sum() > 0, s), pos, r)`,
  _ml_generalized_lifted: `def _ml_generalized_lifted(mat, labels, miner, neg_margin, pos_margin, inv, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)
    x = pos_margin - mat if inv else mat - pos_margin
    y = mat - neg_margin if inv else neg_margin - mat
    lp, _ = _ml_masked_lse(x, pos)
    ln, _ = _ml_masked_lse(y, neg)
    l = _ml_relu(lp + ln)
    return _ml_reduce(l, ${L}.ones_like(l), r)`,
  _ml_instance: `def _ml_instance(s, labels, gamma, r):
    # Target column t_i = rank of y_i among the sorted distinct labels (PML: torch.unique(return_inverse=True)).
    t = ${L}.unique(labels, return_inverse=True)[1]
    l = _ml_ce(s * gamma, _ml_one_hot(t, s.shape[1], s))
    return _ml_reduce(l, ${L}.ones_like(l), r)`,
  _ml_nca: `def _ml_nca(mat, labels, scale, inv, r):
    # l_i = LSE_{j != i} z_ij - LSE_{j != i, y_j = y_i} z_ij, z = +-scale * mat; rows without a same-label column are dropped.
    pos, neg = _ml_label_masks(labels, mat)
    z = mat * (scale if inv else -scale)
    la, _ = _ml_masked_lse(z, pos + neg)
    ls, hs = _ml_masked_lse(z, pos)
    return _ml_reduce(la - ls, _ml_cast(hs, mat), r)`,
  _ml_intra_pair_variance: `def _ml_intra_pair_variance(mat, labels, miner, pos_eps, neg_eps, inv, r):
    pos, neg = _ml_mine_pairs(miner, mat, labels, inv)

    def side(sel, eps, up):
        mu = (mat * sel).sum() / _ml_cmax(sel.sum(), 1.0)
        u = mu * (1 - eps) - mat if up else mat - mu * (1 + eps)
        return _ml_reduce(${L}.square(_ml_relu(u)), sel, r)

    return side(pos, pos_eps, inv) + side(neg, neg_eps, not inv)`,
  _ml_threshold_consistent: `def _ml_threshold_consistent(s, labels, miner, lp, lm, mp, mm):
    pos, neg = _ml_mine_pairs(miner, s, labels, True)
    on_p = pos * _ml_cast(_ml_sg(s) <= mp, s)
    on_n = neg * _ml_cast(_ml_sg(s) >= mm, s)
    np_, nn_ = on_p.sum(), on_n.sum()
    tp = ((mp - s) * on_p).sum() / _ml_cmax(np_, 1.0) * lp
    tn = ((s - mm) * on_n).sum() / _ml_cmax(nn_, 1.0) * lm
    return tp + tn`,
  _ml_int: `def _ml_int(x):
    return ${L === 'torch' ? 'x.long()' : 'x.astype(np.int64)'}`,
  _ml_histogram: `def _ml_histogram(s, labels, miner, R):
    # The distinct (i < j) pairs of the (mined) triplets, as PML's filter_pairs; their similarities spread over the
    # R + 1 nodes -1 + r*delta (linear interpolation); L = sum_r p-_r cumsum(p+)_r; 0 without positive or negative pairs.
    pos, neg = _ml_triplets_to_pairs(_ml_mine_triplets(miner, s, labels, True))
    upper = _ml_triu_ones(s.shape[0], s) - _ml_eye(s.shape[0], s)
    pu = _ml_cast((pos + pos.T) > 0, s) * upper
    nu = _ml_cast((neg + neg.T) > 0, s) * upper
    if _ml_item(pu.sum()) == 0 or _ml_item(nu.sum()) == 0:
        return s.sum() * 0.0
    delta = 2.0 / R
    r = _ml_clip(${L}.floor((_ml_sg(s) + 1) / delta), 0, R - 1)
    hi = _ml_one_hot(_ml_int(r) + 1, R + 1, s)
    lo = _ml_one_hot(_ml_int(r), R + 1, s)
    w_hi = (s + 1 - r * delta) / delta
    w_lo = ((r + 1) * delta - 1 - s) / delta

    def density(sel):
        h = hi * (w_hi * sel)[:, :, None] + lo * (w_lo * sel)[:, :, None]
        return h.reshape(-1, R + 1).sum(0) / sel.sum()

    return (density(nu) * ${L}.cumsum(density(pu), 0)).sum()`,
  _ml_fast_ap: `def _ml_fast_ap(mat, labels, K, r):
    # Triangular pulses at t_b = b*delta (delta = 4/K) over squared normalized distances; l_a = 1 - FastAP_a.
    pos, neg = _ml_label_masks(labels, mat)
    delta = 4.0 / K
    t = ${L}.arange(K + 1${L === 'torch' ? ', dtype=mat.dtype, device=mat.device' : ', dtype=mat.dtype'}) * delta
    pulse = _ml_relu(1 - _ml_abs(mat[:, :, None] - t) / delta)
    hp = (pulse * pos[:, :, None]).sum(1)
    hn = (pulse * neg[:, :, None]).sum(1)
    Hp = ${L}.cumsum(hp, -1)
    H = ${L}.cumsum(hp + hn, -1)
    safe = (_ml_sg(hp * Hp) > 0) & (_ml_sg(H) > 0)
    F = ${L}.where(safe, hp * Hp / ${L}.where(safe, H, ${L}.ones_like(H)), ${L}.zeros_like(H)).sum(-1)
    n_pos = pos.sum(-1)
    l = 1 - F / _ml_cmax(n_pos, 1.0)
    return _ml_reduce(l, _ml_cast(n_pos > 0, mat), r)`,
  _ml_pnp: `def _ml_pnp(s, labels, variant, b, alpha, anneal):
    # R_qi = sum_{n: y_n != y_q} sigmoid((s_qn - s_qi)/anneal) (exponent clipped to +-50) for each same-label i (q included).
    same = _ml_cast(labels[:, None] == labels[None, :], s)
    neg = 1 - same
    x = s[:, None, :] - s[:, :, None]
    sig = 1 / (1 + ${L}.exp(_ml_clip(-x / anneal, -50.0, 50.0)))
    R = (sig * neg[:, None, :]).sum(-1)
    if variant == 'Ds':
        f = ${L}.log1p(R)
    elif variant == 'Dq':
        f = (1 + R) ** -alpha
    elif variant == 'Iu':
        f = (1 + R) * ${L}.log1p(R)
    elif variant == 'Ib':
        f = (b * R - ${L}.log1p(b * R)) / (b * b)
    else:
        f = R
    total = ((f * same).sum(-1) / same.sum(-1)).sum() / s.shape[0]
    return 1 - total if variant == 'Dq' else total`,
  _ml_ranked_list: `def _ml_ranked_list(mat, labels, margin, Tn, Tp, lam, alpha, r):
    # P* = positives with d > alpha - margin, N* = negatives with d < alpha (entries > 0 only); weights keep their gradient.
    pos, neg = _ml_label_masks(labels, mat)
    cp = alpha - margin
    mg = _ml_sg(mat)
    kp = (pos * _ml_cast((mg > 0) & (mg > cp), mat)) != 0
    kn = (neg * _ml_cast((mg > 0) & (mg < alpha), mat)) != 0
    zero = ${L}.zeros_like(mat)
    xp = ${L}.where(kp, mat - cp, zero)
    xn = ${L}.where(kn, alpha - mat, zero)
    wp = ${L}.where(kp, ${L}.exp(xp * Tp), zero)
    wn = ${L}.where(kn, ${L}.exp(xn * Tn), zero)
    eps = mat.shape[1] * 1e-5
    l = (wp * xp).sum(-1) / (wp.sum(-1) + eps) * (1 - lam) + (wn * xn).sum(-1) / (wn.sum(-1) + eps) * lam
    return _ml_reduce(l, ${L}.ones_like(l), r)`,
  _ml_dense_triplets: `def _ml_dense_triplets(miner, mat, labels, inv):
    # The (mined) triplets as a 0/1 tensor t[a, p, n] (no gradient); every valid triplet without a miner.
    tr = _ml_mine_triplets(miner, mat, labels, inv)
    return tr[1][:, :, None] * tr[2][:, None, :] if tr[0] == 'perAnchor' else tr[1]`,
  _ml_margin: `def _ml_margin(mat, labels, miner, margin, beta, nu, learn, inv, kind):
    # The (mined) triplets counted per pair: (a, p) meets its triplets' negatives, (a, n) their positives.
    t = _ml_dense_triplets(miner, mat, labels, inv)
    cp, cn = t.sum(2), t.sum(1)
    per_class = beta.reshape(-1).shape[0] > 1
    if per_class:
        c = beta.reshape(-1).shape[0]
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= c:
            raise LosskitError('LABEL_OUT_OF_RANGE', f'yTrue: margin(): a label has no beta: expected integers in [0, {c}) (one beta per class), received {lo if lo < 0 else hi}')
        ba = beta.reshape(-1)[labels].reshape(-1, 1)
    else:
        ba = beta.reshape(())
    x = (ba - mat if inv else mat - ba) + margin
    y = (mat - ba if inv else ba - mat) + margin
    S = (cp * _ml_relu(x) + cn * _ml_relu(y)).sum()
    div = _ml_item((cp * _ml_cast(_ml_sg(x) > 0, mat) + cn * _ml_cast(_ml_sg(y) > 0, mat)).sum())
    T = _ml_item(cp.sum())
    kap = 1.0 if kind == 'sum' else ((1.0 / T if T > 0 else 0.0) if kind == 'mean' else (1.0 / div if div > 0 else 0.0))
    out = S * kap
    if learn and nu != 0:
        if per_class:
            out = out + (ba.reshape(-1) * cp.sum(-1)).sum() * (nu * kap)
        else:
            out = out + ba * nu
    return out`,
  _ml_dsm: `def _ml_dsm(mat, labels, miner, hist, min_val, k, inv):
    # L = mean over triplets of CDF[bin(x)] * x, x = d_ap - d_an; the CDF of the given histogram is a constant.
    if hist.reshape(-1).shape[0] != k:
        raise LosskitError('SHAPE_MISMATCH', f'inputs.dsmHistogram: the histogram has the wrong number of bins: expected [{k}] (from dynamicSoftMarginState({{ numBins: {k} }})), received {_fmt(hist.shape)}')
    h = hist.reshape(-1)
    hs = _ml_item(h.sum())
    cdf = ${L}.cumsum(h, 0) / hs if hs > 0 else h * 0.0
    t = _ml_dense_triplets(miner, mat, labels, inv)
    c = mat if inv else -mat
    x = c[:, None, :] - c[:, :, None]
    width = 2 * abs(min_val) / k
    b = _ml_int(_ml_clip(${L}.floor((_ml_sg(x) - min_val) / width), 0, k - 1))
    total = _ml_item(t.sum())
    return (t * _ml_sg(cdf)[b] * x).sum() / total if total > 0 else mat.sum() * 0.0`,
  _ml_manifold: `def _ml_manifold(e, prox, labels, lambda_c, alpha, margin, name):
    n, d = e.shape[0], e.shape[1]
    if prox.ndim != 2 or prox.shape[1] != d or prox.shape[0] == 0:
        raise LosskitError('SHAPE_MISMATCH', f'inputs.{name}: manifold(): the proxies have the wrong shape: expected [K, {d}], received {_fmt(prox.shape)}')
    k = prox.shape[0]
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= k:
        raise LosskitError('LABEL_OUT_OF_RANGE', f'yTrue: manifold(): a meta-class label has no proxy: expected integers in [0, {k}), received {lo if lo < 0 else hi}')
    x = _ml_l2n(${L === 'torch' ? 'torch.cat' : 'np.concatenate'}([e, prox], 0))
    m = n + k
    s = ${L}.exp(_ml_relu(${L}.matmul(x, x.T)) / 0.5) * (1 - _ml_eye(m, x))
    d_inv = 1 / ${L}.sqrt(s.sum(-1))
    s_bar = s * d_inv.reshape(-1, 1) * d_inv.reshape(1, -1)
    a = _ml_eye(m, x) - s_bar * alpha
    try:
        F = ${L}.linalg.inv(a) * (1 - alpha)
    except Exception:
        raise LosskitError('NON_FINITE_OUTPUT', 'yPred: manifold(): the random-walk system I - alpha S is singular: expected embeddings and proxies whose similarity graph gives an invertible I - alpha S, received a singular matrix')
    target = _ml_one_hot(labels, k, x)

    def hinge(f):
        z = f - (f * target).sum(-1, ${K}=True) + margin
        keep = (_ml_sg(z) >= 0) & (target == 0)
        ez = ${L}.where(keep, ${L}.exp(${L}.where(keep, z, ${L}.zeros_like(z))), ${L}.zeros_like(z))
        return ${L}.log1p(ez.sum(-1)).mean()

    loss_ctx = hinge(${L}.matmul(_ml_l2n(F[:n]), _ml_l2n(F[n:]).T))
    if lambda_c == math.inf:
        return loss_ctx
    return hinge(F[:n, n:]) + loss_ctx * lambda_c`,
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
  _ml_hyp_pc: `def _ml_hyp_pc(e, c):
    # Hyp-PC (Narayan & Patel 2024): Poincare distance of row i to row i + B/2, summed and divided by B.
    b = e.shape[0]
    if b < 2 or b % 2 != 0:
        raise LosskitError('SHAPE_MISMATCH', f'yPred: Hyp-PC pairs the two halves of the batch: B must be even: expected shape [B, D] with B even and >= 2, received {_fmt(e.shape)}')
    h = b // 2
    d = _ml_pairwise({'kind': 'poincare', 'c': c}, e[:h], e[h:])
    return (d * _ml_eye(h, d)).sum() / b`,
  _ml_energy_confusion: `def _ml_energy_confusion(e, labels):
    # ECAML energy confusion (Chen & Deng 2019): log of the mean 1/2 |x_i - x_j|^2 over cross-class pairs (0 with one
    # class), on rows centred on the batch mean and scaled by the largest |entry| s (2 log s added back).
    cross = _ml_cast(labels[:, None] != labels[None, :], e)
    count = cross.sum()
    c = e - e.mean(0, ${K}=True)
    s = _ml_sg(_ml_abs(c).max())
    s = ${L}.where(s > 0, s, ${L}.ones_like(s))
    u = c / s
    sq = (u * u).sum(-1)
    d2 = _ml_relu(sq[:, None] + sq[None, :] - 2 * ${L}.matmul(u, u.T))
    en = (d2 * cross).sum() / (2 * _ml_cmax(count, 1.0))
    log_e = ${L}.log(_ml_cmax(en, 1e-30)) + 2 * ${L}.log(s)
    return ${L}.where(count > 0, log_e, ${L}.zeros_like(log_e))`,
});

type OpHelper = keyof ReturnType<typeof OPS>;

/** Includes one helper of this file (and the shared ones it calls); returns its name. */
function use(ctx: ExportContext, name: OpHelper, ...deps: OpHelper[]): string {
  useCommon(ctx);
  const all = OPS(dialect(ctx));
  for (const d of deps) ctx.helper(d, all[d]);
  return ctx.helper(name, all[name]);
}

interface PairParams {
  readonly distance: Distance;
  readonly miner: Miner | undefined;
  readonly reducer: Reducer;
}

/**
 * The matrix and labels of a host pair loss, after checking that its reducer has a printed form. `mined`: the loss
 * reads mined pairs, and its miner (a printed one, on the loss's distance) follows as a third argument; otherwise any
 * miner raises a typed error at export time, as does a reducer without a printed form.
 */
function pairArgs(n: Node<PairParams>, what: string, mined = false): string {
  const p = n.params;
  if (mined) {
    printedReducer(n, what, p.reducer);
    return `${a(n, 0)}, ${labels(n, what)}, ${printedMiner(n, what, p.miner, p.distance)}`;
  }
  if (p.miner !== undefined) {
    throw new LosskitError('INVALID_ARGUMENT', `${what}: a loss with a miner has no ${n.ctx.target === 'pytorch' ? 'PyTorch' : 'NumPy'} exporter yet`, {
      argument: 'expr',
      expected: `${what}() without a miner`,
      received: `miner ${p.miner.kind}`,
    });
  }
  printedReducer(n, what, p.reducer);
  return `${a(n, 0)}, ${labels(n, what)}`;
}
const inv = (p: { distance: Distance }) => (p.distance.isInverted ? 'True' : 'False');

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
  'ml.tupletMargin': both<PairParams & { margin: number; scale: number }>(
    (n) => `${use(n.ctx, '_ml_tuplet_margin2')}(${pairArgs(n, 'tupletMargin', true)}, ${num(n.params.margin)}, ${num(n.params.scale)}, ${pyLiteral(n.params.reducer)})`,
  ),
  'ml.angular': both<PairParams & { alpha: number }>((n) => `${use(n.ctx, '_ml_angular')}(${pairArgs(n, 'angular', true)}, ${num(n.params.alpha)}, ${pyLiteral(n.params.reducer)})`),
  'ml.generalizedLiftedStructure': both<PairParams & { negMargin: number; posMargin: number }>(
    (n) =>
      `${use(n.ctx, '_ml_generalized_lifted')}(${pairArgs(n, 'generalizedLiftedStructure', true)}, ${num(n.params.negMargin)}, ${num(n.params.posMargin)}, ${inv(n.params)}, ${pyLiteral(n.params.reducer)})`,
  ),
  'ml.instance': both<PairParams & { gamma: number }>((n) => `${use(n.ctx, '_ml_instance', '_ml_ce')}(${pairArgs(n, 'instance')}, ${num(n.params.gamma)}, ${pyLiteral(n.params.reducer)})`),
  'ml.nca': both<PairParams & { softmaxScale: number }>((n) => `${use(n.ctx, '_ml_nca')}(${pairArgs(n, 'nca')}, ${num(n.params.softmaxScale)}, ${inv(n.params)}, ${pyLiteral(n.params.reducer)})`),
  'ml.intraPairVariance': both<PairParams & { posEps: number; negEps: number }>(
    (n) => `${use(n.ctx, '_ml_intra_pair_variance')}(${pairArgs(n, 'intraPairVariance', true)}, ${num(n.params.posEps)}, ${num(n.params.negEps)}, ${inv(n.params)}, ${pyLiteral(n.params.reducer)})`,
  ),
  'ml.thresholdConsistentMargin': both<PairParams & { lambdaPlus: number; lambdaMinus: number; marginPlus: number; marginMinus: number }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_threshold_consistent')}(${pairArgs(n, 'thresholdConsistentMargin', true)}, ${num(p.lambdaPlus)}, ${num(p.lambdaMinus)}, ${num(p.marginPlus)}, ${num(p.marginMinus)})`;
  }),
  'ml.histogram': both<PairParams & { numBins: number }>((n) => `${use(n.ctx, '_ml_histogram', '_ml_int')}(${pairArgs(n, 'histogram', true)}, ${n.params.numBins})`),
  'ml.fastAP': both<PairParams & { numBins: number }>((n) => `${use(n.ctx, '_ml_fast_ap')}(${pairArgs(n, 'fastAP')}, ${n.params.numBins}, ${pyLiteral(n.params.reducer)})`),
  'ml.pnp': both<PairParams & { variant: string; b: number; alpha: number; anneal: number }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_pnp')}(${pairArgs(n, 'pnp')}, ${pyStr(p.variant)}, ${num(p.b)}, ${num(p.alpha)}, ${num(p.anneal)})`;
  }),
  'ml.rankedList': both<PairParams & { margin: number; Tn: number; Tp: number; imbalance: number; alpha: number }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_ranked_list')}(${pairArgs(n, 'rankedList')}, ${num(p.margin)}, ${num(p.Tn)}, ${num(p.Tp)}, ${num(p.imbalance)}, ${num(p.alpha)}, ${pyLiteral(p.reducer)})`;
  }),
  'ml.margin': both<PairParams & { margin: number; beta: number | string; nu: number }>((n) => {
    const p = n.params;
    if (!['divisor', 'sum', 'mean'].includes(p.reducer.kind)) {
      throw new LosskitError('INVALID_ARGUMENT', `margin: the ${p.reducer.kind}() reducer has no ${n.ctx.target === 'pytorch' ? 'PyTorch' : 'NumPy'} exporter yet`, {
        argument: 'expr',
        expected: 'a divisor(), sum() or mean() reducer',
        received: `${p.reducer.kind}()`,
      });
    }
    const learn = typeof p.beta === 'string';
    const beta = learn ? n.ctx.input(p.beta as string) : n.ctx.tensor(num(p.beta as number));
    return `${use(n.ctx, '_ml_margin', '_ml_dense_triplets')}(${pairArgs({ ...n, params: { ...p, reducer: { kind: 'sum', level: 'batch' } } }, 'margin', true)}, ${num(p.margin)}, ${beta}, ${num(p.nu)}, ${learn ? 'True' : 'False'}, ${inv(p)}, ${pyStr(p.reducer.kind)})`;
  }),
  'ml.dynamicSoftMargin': both<PairParams & { minVal: number; numBins: number }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_dsm', '_ml_int', '_ml_dense_triplets')}(${pairArgs(n, 'dynamicSoftMargin', true)}, ${n.ctx.input('dsmHistogram')}, ${num(p.minVal)}, ${p.numBins}, ${inv(p)})`;
  }),
  'ml.manifold': both<{ lambdaC: number; alpha: number; margin: number; proxies: string }>((n) => {
    const p = n.params;
    const lc = p.lambdaC === Infinity ? 'math.inf' : num(p.lambdaC);
    return `${use(n.ctx, '_ml_manifold')}(${a(n, 0)}, ${a(n, 1)}, ${labels(n, 'manifold')}, ${lc}, ${num(p.alpha)}, ${num(p.margin)}, ${pyStr(p.proxies)})`;
  }),
  'ml.vicreg': both<{ lambda: number; mu: number; nu: number; eps: number }>((n) => {
    const p = n.params;
    return `${use(n.ctx, '_ml_vicreg')}(${a(n, 0)}, ${a(n, 1)}, ${num(p.lambda)}, ${num(p.mu)}, ${num(p.nu)}, ${num(p.eps)})`;
  }),
  'ml.hypPairwiseConfusion': both<{ c: number }>((n) => `${use(n.ctx, '_ml_hyp_pc')}(${a(n, 0)}, ${num(n.params.c)})`),
  'ml.energyConfusion': both((n) => `${use(n.ctx, '_ml_energy_confusion')}(${a(n, 0)}, ${labels(n, 'energyConfusion')})`),
});

for (const [kind, e] of Object.entries(pmlExporters)) registerExporter(kind, e);
