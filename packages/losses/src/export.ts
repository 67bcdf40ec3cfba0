/**
 * PyTorch and NumPy printers of this package's ops, registered with `@losskit/core`'s exporter when the
 * package loads, so `toPyTorch` / `toNumPy` export every catalog loss built from them. Each printer
 * computes what the op's `evaluate` computes, with the same formulas and (PyTorch) the same gradients:
 * ops with a closed-form gradient (`sparsemaxLoss`, `dco`) keep it, stop-gradients stay stop-gradients.
 *
 * Not exported: `ensLoss` (each call draws fresh normals from a generator whose state lives in the
 * expression node, shared by every compiled copy; no module can reproduce compile()'s draws): exporting it throws
 * `INVALID_ARGUMENT` naming the op.
 */
import { type ExportContext, type ExportNode, LosskitError, type OpExporter, pythonForms as py, registerExporter } from '@losskit/core';
import type { FDivergenceName } from './papers/divergence/fDivergence.js';
import { compressionExporters } from './papers/compression/export.js';
import { finetuningExporters } from './papers/finetuning/export.js';
import { generativeExporters } from './papers/generative/export.js';
import { pretrainingExporters } from './papers/pretraining/export.js';
import { testTimeExporters } from './papers/testTime/export.js';
import { pairwiseDistance2 } from './standard/explicitTripletMargin.js';

type Node<P = Record<string, unknown>> = ExportNode<P>;

/** Includes the target's source of a helper and returns its name. */
const helper = (ctx: ExportContext, name: string, torch: string, numpy: string): string => ctx.helper(name, ctx.target === 'pytorch' ? torch : numpy);
const a0 = (n: Node<any>) => n.args[0]!;
const num = (n: Node<any>, v: number) => n.ctx.num(v);
/** `torch` or `np`. */
const lib = (ctx: ExportContext) => (ctx.target === 'pytorch' ? 'torch' : 'np');
/** `.to(dtype)` / `.astype(dtype)` of the prediction's dtype. */
const asFloat = (ctx: ExportContext, x: string) => (ctx.target === 'pytorch' ? `(${x}).to(${ctx.yPred}.dtype)` : `(${x}).astype(${ctx.yPred}.dtype)`);
/** Log-softmax over the last axis. */
const logSoftmax = (ctx: ExportContext, x: string) => (ctx.target === 'pytorch' ? `torch.log_softmax(${x}, -1)` : `${py.helper(ctx, '_log_softmax')}(${x})`);
/** Softmax over the last axis. */
const softmax = (ctx: ExportContext, x: string) => (ctx.target === 'pytorch' ? `torch.softmax(${x}, -1)` : `np.exp(${py.helper(ctx, '_log_softmax')}(${x}))`);
/** Log-sum-exp over `axis`, keeping it (`keep`) or not; `axis = None` reduces everything. */
function logSumExp(ctx: ExportContext, x: string, axis: number | null, keep = false): string {
  if (ctx.target === 'pytorch') return axis === null ? `torch.logsumexp(${x}.reshape(-1), 0)` : `torch.logsumexp(${x}, ${axis}${keep ? ', keepdim=True' : ''})`;
  const h = helper(ctx, '_lse_axis', '', `def _lse_axis(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return out if keepdims else (out.reshape(()) if axis is None else np.squeeze(out, axis=axis))`);
  return axis === null ? `${h}(${x})` : `${h}(${x}, ${axis}, ${keep ? 'True' : 'False'})`;
}

const both = <P,>(f: (n: Node<P>) => string): OpExporter<P> => ({ pytorch: f, numpy: f });

// ── standard/primitives.ts ─────────────────────────────────────────────────────
const KERAS_EPSILON = 1e-7;

const standard: Record<string, OpExporter<any>> = {
  'std.smoothedTargets': both<{ labelSmoothing: number; mode: 'categorical' | 'binary' }>((n) => {
    const t = n.ctx.yTrue();
    const e = n.params.labelSmoothing;
    if (e === 0) return t;
    return n.params.mode === 'binary' ? `${t} * ${num(n, 1 - e)} + ${num(n, 0.5 * e)}` : `${t} * ${num(n, 1 - e)} + ${num(n, e)} / ${n.ctx.numClasses}`;
  }),
  'std.normalizedLogProb': both((n) => {
    const { ctx } = n;
    if (ctx.from === 'logits') return ctx.logProbs();
    const p = ctx.yPred;
    return `${lib(ctx)}.log(${py.clip(ctx, `${p} / ${p}.sum(-1, ${py.keepDims(ctx)})`, num(n, KERAS_EPSILON), num(n, 1 - KERAS_EPSILON))})`;
  }),
  'std.normalizedProb': both((n) => {
    const { ctx } = n;
    const p = ctx.from === 'logits' ? ctx.let(softmax(ctx, ctx.yPred), 'p_softmax') : ctx.yPred;
    return py.clip(ctx, `${p} / ${p}.sum(-1, ${py.keepDims(ctx)})`, num(n, KERAS_EPSILON), num(n, 1 - KERAS_EPSILON));
  }),
  'std.binaryProb': {
    pytorch: (n) => (n.ctx.from === 'logits' ? `torch.sigmoid(${n.ctx.yPred})` : n.ctx.yPred),
    numpy: (n) => (n.ctx.from === 'logits' ? `${py.helper(n.ctx, '_sigmoid')}(${n.ctx.yPred})` : n.ctx.yPred),
  },
  'std.binaryProbComplement': {
    pytorch: (n) => (n.ctx.from === 'logits' ? `torch.sigmoid(-${n.ctx.yPred})` : `(1.0 - ${n.ctx.yPred})`),
    numpy: (n) => (n.ctx.from === 'logits' ? `${py.helper(n.ctx, '_sigmoid')}(-${n.ctx.yPred})` : `(1.0 - ${n.ctx.yPred})`),
  },
  'std.signedTargets': both((n) => {
    // Keras' convert_binary_labels_to_hinge: 2y − 1 only when every target of the batch is 0 or 1.
    const t = n.ctx.yTrue();
    return `${lib(n.ctx)}.where(((${t} == 0) | (${t} == 1)).all(), ${t} * 2.0 - 1.0, ${t})`;
  }),
  'std.sqrtClasses': both<{ factor: number }>((n) => n.ctx.tensor(`${num(n, n.params.factor)} * math.sqrt(${n.ctx.numClasses})`)),
  'std.probPower': both<{ q: number }>((n) =>
    n.ctx.from === 'logits' ? `${lib(n.ctx)}.exp(${n.ctx.logProbs()} * ${num(n, n.params.q)})` : `${lib(n.ctx)}.${n.ctx.target === 'pytorch' ? 'pow' : 'power'}(${n.ctx.yPred}, ${num(n, n.params.q)})`,
  ),
};

// ── papers/classification ─────────────────────────────────────────────────────
const classification: Record<string, OpExporter<any>> = {
  aldrKl: both<{ delta: number; lambda0: number; alpha: number }>((n) => {
    const { ctx } = n;
    const h = helper(
      ctx,
      '_aldr_kl',
      `def _aldr_kl(z, t, prev, delta, lambda0, alpha):
    # lambda_i = max(lambda0 - lambda0 KL(softmax(z / lambda_prev) || U) / (alpha log K), 1e-6 lambda0), no gradient;
    # l = lambda_i log mean_k exp(d_k / lambda_i) - alpha log K / (2 lambda0) (lambda_i - lambda0)^2.
    log_k = math.log(z.shape[-1])
    q = torch.log_softmax(z.detach() / prev, -1)
    kl_u = (torch.exp(q) * q).sum(-1, keepdim=True) + log_k
    a = (1.0 - kl_u / (alpha * log_k)) * lambda0
    lam = torch.where(a >= 1e-6 * lambda0, a, torch.full_like(a, 1e-6 * lambda0)).detach()
    d = (z - (z * t).sum(-1, keepdim=True)) + (1.0 - t) * delta
    lme = torch.logsumexp(d / lam, -1, keepdim=True) - log_k
    reg = torch.square(lam - lambda0) * (alpha * log_k / (2 * lambda0))
    return (lam * lme - reg).reshape(-1)`,
      `def _aldr_kl(z, t, prev, delta, lambda0, alpha):
    log_k = math.log(z.shape[-1])
    q = _log_softmax(z / prev)
    kl_u = (np.exp(q) * q).sum(-1, keepdims=True) + log_k
    lam = np.maximum((1.0 - kl_u / (alpha * log_k)) * lambda0, 1e-6 * lambda0)
    d = (z - (z * t).sum(-1, keepdims=True)) + (1.0 - t) * delta
    lme = _lse_axis(d / lam, -1, True) - log_k
    reg = np.square(lam - lambda0) * (alpha * log_k / (2 * lambda0))
    return (lam * lme - reg).reshape(-1)`,
    );
    if (ctx.target === 'numpy') {
      // The NumPy helper calls these two.
      py.helper(ctx, '_log_softmax');
      logSumExp(ctx, 'x', -1);
    }
    const prev = n.args.length > 0 ? `${a0(n)}.reshape(-1, 1)` : num(n, n.params.lambda0);
    return `${h}(${ctx.yPred}, ${ctx.yTrue()}, ${prev}, ${num(n, n.params.delta)}, ${num(n, n.params.lambda0)}, ${num(n, n.params.alpha)})`;
  }),
  batchMinMax: both((n) => {
    const h = helper(
      n.ctx,
      '_batch_min_max',
      `def _batch_min_max(x):
    # (v - min v) / (max v - min v) over the batch, no gradient; 0 when every value is equal.
    v = x.detach()
    lo = v.min()
    den = v.max() - lo
    return torch.where(den == 0, torch.zeros_like(v), (v - lo) / torch.where(den == 0, torch.ones_like(den), den))`,
      `def _batch_min_max(v):
    lo = v.min()
    den = v.max() - lo
    return np.zeros_like(v) if den == 0 else (v - lo) / den`,
    );
    return `${h}(${a0(n)})`;
  }),
  compSum: both<{ tau: number }>((n) =>
    // ((1 + u)^{1−τ} − 1)/(1 − τ) = expm1((1 − τ)·CE)/(1 − τ); CE itself at τ = 1.
    n.params.tau === 1 ? a0(n) : `${lib(n.ctx)}.expm1(${a0(n)} * ${num(n, 1 - n.params.tau)}) / ${num(n, 1 - n.params.tau)}`,
  ),
  ldrKl: both<{ delta: number; lambda: number }>((n) => {
    const { ctx } = n;
    const t = ctx.yTrue();
    const z = ctx.yPred;
    const d = ctx.let(`(${z} - (${z} * ${t}).sum(-1, ${py.keepDims(ctx)})) + (1.0 - ${t}) * ${num(n, n.params.delta)}`, 'ldr_d');
    return `(${logSumExp(ctx, `${d} / ${num(n, n.params.lambda)}`, -1)} - math.log(${ctx.numClasses})) * ${num(n, n.params.lambda)}`;
  }),
  sparsemaxLoss: both((n) => {
    const { ctx } = n;
    const h = helper(
      ctx,
      '_sparsemax_loss',
      `def _sparsemax_loss(z, q):
    # Martins & Astudillo (2016) with m = max z, z' = z - m: tau' + |p|^2/2 - q.z' + |q|^2/2 + m (1 - sum q),
    # p = sparsemax(z); its gradient is the closed form p - q (as compile()).
    zd = z.detach()
    m = zd.amax(-1, keepdim=True)
    zs = zd - m
    srt = torch.sort(zs, -1, descending=True).values
    k = torch.arange(1, zs.shape[-1] + 1, dtype=zs.dtype, device=zs.device)
    support = ((1 + k * srt) > torch.cumsum(srt, -1)).to(zs.dtype)
    tau = ((srt * support).sum(-1, keepdim=True) - 1) / support.sum(-1, keepdim=True)
    p = torch.relu(zs - tau)
    value = (tau + torch.square(p).sum(-1, keepdim=True) * 0.5) + ((torch.square(q).sum(-1, keepdim=True) * 0.5 - (q * zs).sum(-1, keepdim=True)) + m * (1 - q.sum(-1, keepdim=True)))
    return (value + ((z - zd) * (p - q)).sum(-1, keepdim=True)).reshape(-1)`,
      `def _sparsemax_loss(z, q):
    m = z.max(-1, keepdims=True)
    zs = z - m
    srt = -np.sort(-zs, -1)
    k = np.arange(1, zs.shape[-1] + 1, dtype=zs.dtype)
    support = ((1 + k * srt) > np.cumsum(srt, -1)).astype(zs.dtype)
    tau = ((srt * support).sum(-1, keepdims=True) - 1) / support.sum(-1, keepdims=True)
    p = np.maximum(zs - tau, 0.0)
    value = (tau + np.square(p).sum(-1, keepdims=True) * 0.5) + ((np.square(q).sum(-1, keepdims=True) * 0.5 - (q * zs).sum(-1, keepdims=True)) + m * (1 - q.sum(-1, keepdims=True)))
    return value.reshape(-1)`,
    );
    return `${h}(${ctx.yPred}, ${ctx.yTrue()})`;
  }),
};

// ── papers/combinators ────────────────────────────────────────────────────────
const combinators: Record<string, OpExporter<any>> = {
  lossReweight: both<{ strategy: string; delta: number; temperature: number }>((n) => {
    if (n.params.strategy === 'uniform') return a0(n);
    const h = helper(
      n.ctx,
      '_loss_reweight',
      `def _loss_reweight(l, n, strategy, d, temperature):
    # B w_i l_i with w = softmax((f(h) - max f(h)) / r) over the batch (no gradient), h the normalized loss in [-d, d].
    ls = l.detach()
    lmax, lmin = ls.max(), ls.min()
    rng = torch.clamp(lmax - lmin, min=1e-6)
    h = (ls * (2 * d) - (lmax + lmin) * d) / rng
    if strategy == 'linupper':
        f = torch.clamp(h + d, max=d)
    elif strategy == 'mid':
        f = 1 - torch.square(h) / (d * d)
    elif strategy == 'upper':
        f = h * 0.5 + 0.5 * d
    else:
        f = torch.abs(h)
    w = torch.softmax((f - f.max()) / temperature, -1)
    return w * n * l`,
      `def _loss_reweight(l, n, strategy, d, temperature):
    lmax, lmin = l.max(), l.min()
    rng = max(lmax - lmin, 1e-6)
    h = (l * (2 * d) - (lmax + lmin) * d) / rng
    if strategy == 'linupper':
        f = np.minimum(h + d, d)
    elif strategy == 'mid':
        f = 1 - np.square(h) / (d * d)
    elif strategy == 'upper':
        f = h * 0.5 + 0.5 * d
    else:
        f = np.abs(h)
    e = np.exp((f - f.max()) / temperature)
    return e / e.sum() * n * l`,
    );
    return `${h}(${a0(n)}, ${n.ctx.batchSize}, ${n.ctx.str(n.params.strategy)}, ${num(n, n.params.delta)}, ${num(n, n.params.temperature)})`;
  }),
  multiSample: both<{ samples: number; loss: import('@losskit/core').Expr }>((n) => {
    const { ctx } = n;
    const M = n.params.samples;
    ctx.check(
      `${ctx.numClasses} % ${M} != 0`,
      'SHAPE_MISMATCH',
      `f${ctx.str(`yPred: multiSample needs M heads of C columns each: expected [B, ${M}·C], received {${ctx.numClasses}} columns`)}`,
    );
    const ch = ctx.let(`${ctx.numClasses} // ${M}`, 'head_classes');
    const heads: string[] = [];
    for (let m = 0; m < M; m++) {
      const cols = `[:, ${m} * ${ch}:${m + 1} * ${ch}]`;
      const zh = ctx.let(`${ctx.yPred}${cols}`, `z_head${m}`);
      // Integer labels: the one-hot at the head's width (a label beyond it gives a zero row, as tf.oneHot).
      const range = ctx.target === 'pytorch' ? `torch.arange(${ch}, device=${ctx.yPred}.device)` : `np.arange(${ch})`;
      const yt = `${asFloat(ctx, `labels[:, None] == ${range}[None, :]`)} if labels is not None else ${ctx.yTrue()}${cols}`;
      heads.push(ctx.emit(n.params.loss, { yPred: zh, numClasses: ch, yTrue: yt }));
    }
    return `(${heads.join(' + ')}) / ${M}`;
  }),
};

// ── papers/confidence ─────────────────────────────────────────────────────────
const confidence: Record<string, OpExporter<any>> = {
  dco: both<{ n: number }>((n) => {
    const { ctx } = n;
    const l1m = py.helper(ctx, '_log1mexp');
    const h = helper(
      ctx,
      '_dco',
      `def _dco(x, n):
    # -log(1 - (1 - p)^N) from log p (Chen et al. 2025), with compile()'s closed-form gradient
    # dL/dlog p = -exp(log N + log p + (N - 1) log(1 - p) + L); p < 1e-7 uses the series -log N - log p + (N - 1) p / 2.
    lp = torch.clamp(x.detach(), max=0.0)
    a1 = ${l1m}(lp)
    small = lp < -16
    tiny = (-math.log(n) - lp) + torch.exp(lp) * ((n - 1) / 2)
    regular = -${l1m}(torch.where(small, torch.full_like(a1, -1.0), a1) * n)
    value = torch.where(small, tiny, regular)
    mid = torch.zeros_like(a1) if n == 1 else a1 * (n - 1)
    g = -torch.exp((lp + mid) + (value + math.log(n)))
    return value + (x - x.detach()) * g`,
      `def _dco(x, n):
    lp = np.minimum(x, 0.0)
    a1 = ${l1m}(lp)
    small = lp < -16
    tiny = (-math.log(n) - lp) + np.exp(lp) * ((n - 1) / 2)
    regular = -${l1m}(np.where(small, -1.0, a1) * n)
    return np.where(small, tiny, regular)`,
    );
    return `${h}(${a0(n)}, ${n.params.n})`;
  }),
  entropyDeadzone: both<{ theta: number; gamma: number; contextSize: number }>((n) => {
    const { ctx } = n;
    const logT = `math.log(${n.params.contextSize || ctx.numClasses})`;
    const d = ctx.let(`${a0(n)} - ${num(n, n.params.theta)} * ${logT}`, 'dz');
    // The indicator carries no gradient (tfjs's step).
    return `${ctx.target === 'pytorch' ? 'torch' : 'np'}.square(${d}) * ${asFloat(ctx, `${ctx.target === 'pytorch' ? 'torch' : 'np'}.abs(${d}) - ${num(n, n.params.gamma)} * ${logT} > 0`)}`;
  }),
  confidenceNotDropped: both((n) => {
    const { ctx } = n;
    const p = ctx.probs();
    const hard = ctx.target === 'pytorch' ? `F.one_hot(torch.argmax(${p}, 1), ${ctx.numClasses}).to(${p}.dtype)` : `np.eye(${ctx.numClasses}, dtype=${p}.dtype)[np.argmax(${p}, 1)]`;
    const hv = ctx.let(hard, 'hard');
    return asFloat(ctx, `(${p} * ${hv}).sum(1) >= (${a0(n)} * ${hv}).sum(1)`);
  }),
  logMarginal: both((n) => `${logSumExp(n.ctx, n.ctx.logProbs(), 0, true)} - math.log(${n.ctx.batchSize})`),
};

// ── papers/distillation ───────────────────────────────────────────────────────
const distillation: Record<string, OpExporter<any>> = {
  multiAspectKd: both<{ classes: number; lambda: number }>((n) => {
    const { ctx } = n;
    const K = n.params.classes;
    ctx.check(
      `${ctx.numClasses} <= ${K}`,
      'SHAPE_MISMATCH',
      `f${ctx.str(`yPred: multiAspectKd needs logits with the class logits followed by at least one aspect logit: expected logits [B, ${K} + A] with A >= 1, received C = {${ctx.numClasses}}, from = ${ctx.from}`)}`,
    );
    const z = ctx.yPred;
    const t = ctx.yTrue();
    const ce = `-(${t}[:, :${K}] * ${logSoftmax(ctx, `${z}[:, :${K}]`)}).sum(1)`;
    const za = ctx.let(`${z}[:, ${K}:]`, 'z_aspects');
    const bce = `(${py.softplus(ctx, za)} - ${t}[:, ${K}:] * ${za}).mean(1)`;
    return `${ce} + ${bce} * ${num(n, n.params.lambda)}`;
  }),
};

// ── papers/divergence ─────────────────────────────────────────────────────────
type FName = FDivergenceName;

/** `D_f(y ‖ p)` per row, as `fDivergences[name].divergence`. */
function fDivergence(ctx: ExportContext, name: FName, y: string, p: string, logP: string): string {
  const L = lib(ctx);
  const safeLog = (x: string) => `${L}.log(${py.clip(ctx, x, '1e-30', 'None')})`;
  switch (name) {
    case 'kl':
      return `(${py.xlogx(ctx, y)} - ${y} * ${logP}).sum(-1)`;
    case 'reverseKl':
      return `(${p} * (${logP} - ${safeLog(y)})).sum(-1)`;
    case 'js': {
      const logM = ctx.let(safeLog(`(${y} + ${p}) * 0.5`), 'log_m');
      return `((${py.xlogx(ctx, y)} - ${y} * ${logM}) + (${p} * ${logP} - ${p} * ${logM})).sum(-1)`;
    }
    case 'pearson': {
      const support = ctx.let(`${y} > 0`, 'support');
      const e = ctx.let(py.where(ctx, support, `${safeLog(y)} * 2.0 - ${logP}`, `${L}.zeros_like(${y})`), 'e');
      return `${py.where(ctx, support, `${L}.exp(${e})`, `${L}.zeros_like(${y})`)}.sum(-1) - 1.0`;
    }
    case 'squaredHellinger':
      return `${L}.square(${L}.sqrt(${y}) - ${L}.exp(${logP} * 0.5)).sum(-1)`;
    case 'totalVariation':
      return `${py.abs(ctx, `${y} - ${p}`)}.sum(-1) * 0.5`;
  }
}

/**
 * The printed forms of the f-GAN pair of `fDivergences[name]` at the Python value `v`: `[g_f(v), f*(g_f(v))]`
 * (`activation`, `conjugateOfActivation`), for exporters of ops built on them (e.g. FLAT in @losskit/unlearning).
 */
export function fGanPythonForms(ctx: ExportContext, name: FName, v: string): [string, string] {
  const L = lib(ctx);
  switch (name) {
    case 'kl':
      return [v, `${L}.exp(${v} - 1.0)`];
    case 'reverseKl':
      return [`-${L}.exp(-${v})`, `${v} - 1.0`];
    case 'js':
      return [`math.log(2.0) - ${py.softplus(ctx, `-${v}`)}`, `${py.softplus(ctx, v)} - math.log(2.0)`];
    case 'pearson':
      return [v, `${L}.square(${v}) * 0.25 + ${v}`];
    case 'squaredHellinger':
      return [`1.0 - ${L}.exp(-${v})`, `${L}.expm1(${v})`];
    case 'totalVariation':
      return [`${L}.tanh(${v}) * 0.5`, `${L}.tanh(${v}) * 0.5`];
  }
}

const divergence: Record<string, OpExporter<any>> = {
  fDivergence: both<{ divergence: FName }>((n) => fDivergence(n.ctx, n.params.divergence, n.ctx.yTrue(), n.ctx.probs(), n.ctx.logProbs())),
  fDivergenceVariational: both<{ divergence: FName }>((n) => {
    const { ctx } = n;
    const L = lib(ctx);
    const v = ctx.let(`${ctx.yPred}.sum(-1)`, 'critic');
    const fromP = ctx.let(`${ctx.yTrue()}.sum(-1)`, 'from_p');
    const fromQ = ctx.let(`1.0 - ${fromP}`, 'from_q');
    const [g, conj] = fGanPythonForms(ctx, n.params.divergence, v);
    const gv = ctx.let(g, 'g');
    const max1 = (x: string) => (ctx.target === 'pytorch' ? `torch.clamp(${x}, min=1.0)` : `np.maximum(${x}, 1.0)`);
    const eP = `(${fromP} * ${gv}).sum() / ${max1(`${fromP}.sum()`)}`;
    const eQ = `${py.where(ctx, `${fromQ} > 0`, conj, `${L}.zeros_like(${gv})`)}.sum() / ${max1(`${fromQ}.sum()`)}`;
    return `${eQ} - (${eP})`;
  }),
  jsDivergence: both((n) => {
    const { ctx } = n;
    const L = lib(ctx);
    const t = ctx.yTrue();
    const p = ctx.probs();
    const logM = ctx.let(`${L}.log(${py.clip(ctx, `(${t} + ${p}) * 0.5`, '1e-30', 'None')})`, 'log_m');
    return `((${py.xlogx(ctx, t)} - ${t} * ${logM}) + (${p} * ${ctx.logProbs()} - ${p} * ${logM})).sum(-1) * 0.5`;
  }),
  csDivergence: both<{ sigma: number; features: string | null }>((n) => {
    const { ctx } = n;
    const gram = helper(
      ctx,
      '_log_gaussian_gram',
      `def _log_gaussian_gram(a, b, sigma):
    # -|a_j - b_i|^2 / (2 sigma^2), [N, N].
    return torch.square(a[:, None, :] - b[None, :, :]).sum(-1) / (-2 * sigma * sigma)`,
      `def _log_gaussian_gram(a, b, sigma):
    return np.square(a[:, None, :] - b[None, :, :]).sum(-1) / (-2 * sigma * sigma)`,
    );
    const s = num(n, n.params.sigma);
    let logK: string;
    if (n.params.features !== null) {
      const x = ctx.let(`${a0(n)}.reshape(${a0(n)}.shape[0], -1)`, 'features');
      ctx.check(
        `${x}.shape[0] != ${ctx.batchSize}`,
        'SHAPE_MISMATCH',
        `f${ctx.str(`inputs.${n.params.features}: features need one row per sample: expected [{${ctx.batchSize}}, D], received {list(${a0(n)}.shape)}`)}`,
      );
      logK = ctx.let(`${gram}(${x}, ${x}, ${s})`, 'log_k');
    } else {
      logK = ctx.let(ctx.target === 'pytorch' ? `torch.zeros(${ctx.batchSize}, ${ctx.batchSize}, dtype=${ctx.yPred}.dtype, device=${ctx.yPred}.device)` : `np.zeros((${ctx.batchSize}, ${ctx.batchSize}), dtype=${ctx.yPred}.dtype)`, 'log_k');
    }
    const den = ctx.let(logSumExp(ctx, `${logK} * 2.0`, 1), 'den');
    const term = (a: string, b: string) => logSumExp(ctx, `${logSumExp(ctx, `${logK} + ${gram}(${a}, ${b}, ${s})`, 1)} - ${den}`, null);
    const z = ctx.yPred;
    const y = ctx.yTrue();
    return `((${term(z, y)}) * -2.0 + ((${term(y, y)}) + (${term(z, z)}))) / math.log(2.0)`;
  }),
};

// ── papers/regression ─────────────────────────────────────────────────────────
const regression: Record<string, OpExporter<any>> = {
  binCe: both<{ kind: 'hlGauss' | 'twoHot'; min: number; width: number; bins: number; sigma: number }>((n) => {
    const { ctx } = n;
    const p = n.params;
    ctx.check(`${ctx.numClasses} != ${p.bins}`, 'SHAPE_MISMATCH', `f${ctx.str(`yPred: the prediction has one logit per bin: expected [B, ${p.bins}], received [B, {${ctx.numClasses}}]`)}`);
    const y = ctx.let(`${a0(n)}.reshape(-1, 1)`, 'y_value');
    const L = lib(ctx);
    const arange = (k: number) => (ctx.target === 'pytorch' ? `torch.arange(${k}, dtype=${ctx.yPred}.dtype, device=${ctx.yPred}.device)` : `np.arange(${k}, dtype=${ctx.yPred}.dtype)`);
    let t: string;
    if (p.kind === 'hlGauss') {
      const erf = ctx.target === 'pytorch' ? 'torch.erf' : 'np.vectorize(math.erf)';
      const cdf = ctx.let(`${erf}((${arange(p.bins + 1)} * ${num(n, p.width)} + ${num(n, p.min)} - ${y}) / ${num(n, Math.SQRT2 * p.sigma)})`, 'cdf');
      t = ctx.let(`(${cdf}[:, 1:] - ${cdf}[:, :-1]) / (${cdf}[:, ${p.bins}:] - ${cdf}[:, :1])`, 'bin_targets');
    } else {
      const centers = `${arange(p.bins)} * ${num(n, p.width)} + ${num(n, p.min + p.width / 2)}`;
      const yc = py.clip(ctx, y, num(n, p.min + p.width / 2), num(n, p.min + (p.bins - 0.5) * p.width));
      t = ctx.let(py.relu(ctx, `1.0 - ${L}.abs(${yc} - (${centers})) / ${num(n, p.width)}`), 'bin_targets');
    }
    return `-(${t} * ${logSoftmax(ctx, ctx.yPred)}).sum(-1)`;
  }),
  numberTokenLoss: both<{ kind: 'mse' | 'wasserstein'; tokenIds: readonly number[]; values: readonly number[] }>((n) => {
    const { ctx } = n;
    const p = n.params;
    const maxId = Math.max(...p.tokenIds);
    ctx.check(`${maxId} >= ${ctx.numClasses}`, 'SHAPE_MISMATCH', `f${ctx.str(`tokenIds: a number token id is outside the vocabulary: expected ids < {${ctx.numClasses}} (vocabulary size), received ${p.tokenIds.find((id) => id === maxId)}`)}`);
    const L = lib(ctx);
    const ids = `[${p.tokenIds.join(', ')}]`;
    const v = ctx.let(ctx.tensor(`[[${p.values.map((x) => num(n, x)).join(', ')}]]`), 'token_values');
    const probs = ctx.let(softmax(ctx, `${ctx.yPred}[:, ${ids}]`), 'p_numbers');
    const on = ctx.let(`${ctx.yTrue()}[:, ${ids}]`, 'on_numbers');
    const y = ctx.let(`(${on} * ${v}).sum(-1, ${py.keepDims(ctx)})`, 'y_number');
    const loss = p.kind === 'mse' ? `${L}.square((${probs} * ${v}).sum(-1, ${py.keepDims(ctx)}) - ${y}).reshape(-1)` : `(${probs} * ${py.abs(ctx, `${v} - ${y}`)}).sum(-1)`;
    return `${loss} * ${on}.sum(-1)`;
  }),
  zErrorMse: both<{ tau: number; epsilon: number }>((n) => {
    const { ctx } = n;
    const h = helper(
      ctx,
      '_inlier_weights',
      `def _inlier_weights(e, tau, eps):
    # Per column over the batch: m = |(e - mean)/(std_unbiased + eps)| <= tau, weights m B / sum m (0 if none), no gradient.
    e = e.detach()
    b = e.shape[0]
    mask = torch.ones_like(e)
    if b >= 2:
        mean = e.mean(0, keepdim=True)
        std = torch.sqrt(torch.square(e - mean).sum(0, keepdim=True) / (b - 1))
        mask = (torch.abs((e - mean) / (std + eps)) <= tau).to(e.dtype)
    total = mask.sum(0, keepdim=True)
    return mask * torch.where(total == 0, torch.zeros_like(total), b / torch.where(total == 0, torch.ones_like(total), total))`,
      `def _inlier_weights(e, tau, eps):
    b = e.shape[0]
    mask = np.ones_like(e)
    if b >= 2:
        mean = e.mean(0, keepdims=True)
        std = np.sqrt(np.square(e - mean).sum(0, keepdims=True) / (b - 1))
        mask = (np.abs((e - mean) / (std + eps)) <= tau).astype(e.dtype)
    total = mask.sum(0, keepdims=True)
    return mask * np.where(total == 0, 0.0, b / np.where(total == 0, 1.0, total))`,
    );
    const e = ctx.let(`${ctx.yPred} - ${ctx.yTrue()}`, 'err');
    return `(${h}(${e}, ${num(n, n.params.tau)}, ${num(n, n.params.epsilon)}) * ${lib(ctx)}.square(${e})).mean(-1)`;
  }),
};

// ── papers/weak ───────────────────────────────────────────────────────────────
const weak: Record<string, OpExporter<any>> = {
  aggregateResponse: both<{ rho: number }>((n) => {
    const { ctx } = n;
    const L = lib(ctx);
    const same = ctx.let(asFloat(ctx, `${a0(n)}[:, None] == ${a0(n)}[None, :]`), 'same_bag');
    const bagMean = (x: string) => `${L}.matmul(${same}, ${x}) / ${same}.sum(1, ${py.keepDims(ctx)})`;
    const fBar = ctx.let(bagMean(ctx.yPred), 'f_bar');
    const bag = `${L}.square(${bagMean(ctx.yTrue())} - ${fBar}).sum(1)`;
    return n.params.rho === 0 ? bag : `${bag} + ${L}.square(${ctx.yPred} - ${fBar}).sum(1) * ${num(n, n.params.rho)}`;
  }),
  neuralNdcg: both<{ tau: number; k: number; powered: boolean; sinkhorn: number }>((n) => {
    const { ctx } = n;
    py.helper(ctx, '_neural_sort'); // called by the helper
    const h = helper(
      ctx,
      '_neural_ndcg',
      `def _neural_ndcg(s, y, tau, k, powered, sinkhorn):
    # -NeuralNDCG@k (Pobrotyn & Bialobrzeski 2021): expected gains under the NeuralSort matrix (Sinkhorn-scaled),
    # discounted by 1/log2(rank + 1) over the top k, over the ideal DCG; 0 for rows without gains.
    n = s.shape[-1]
    k = n if k == 0 else min(k, n)
    p = _neural_sort(s, tau)
    for _ in range(sinkhorn):
        p = p / torch.clamp(p.sum(1, keepdim=True), min=1e-10)
        p = p / torch.clamp(p.sum(2, keepdim=True), min=1e-10)
    gains = torch.pow(2.0, y) - 1 if powered else y
    disc = torch.tensor([1 / math.log2(j + 2) if j < k else 0.0 for j in range(n)], dtype=s.dtype, device=s.device)
    dcg = (torch.matmul(p, gains[:, :, None])[:, :, 0] * disc).sum(1)
    idcg = (torch.sort(gains, -1, descending=True).values * disc).sum(1)
    return torch.where(idcg > 0, -(dcg / torch.clamp(idcg, min=1e-10)), torch.zeros_like(idcg))`,
      `def _neural_ndcg(s, y, tau, k, powered, sinkhorn):
    n = s.shape[-1]
    k = n if k == 0 else min(k, n)
    p = _neural_sort(s, tau)
    for _ in range(sinkhorn):
        p = p / np.maximum(p.sum(1, keepdims=True), 1e-10)
        p = p / np.maximum(p.sum(2, keepdims=True), 1e-10)
    gains = np.power(2.0, y) - 1 if powered else y
    disc = np.array([1 / math.log2(j + 2) if j < k else 0.0 for j in range(n)], dtype=s.dtype)
    dcg = (np.matmul(p, gains[:, :, None])[:, :, 0] * disc).sum(1)
    idcg = (-np.sort(-gains, -1) * disc).sum(1)
    return np.where(idcg > 0, -(dcg / np.maximum(idcg, 1e-10)), 0.0)`,
    );
    const p = n.params;
    return `${h}(${ctx.yPred}, ${ctx.yTrue()}, ${num(n, p.tau)}, ${p.k}, ${p.powered ? 'True' : 'False'}, ${p.sinkhorn})`;
  }),
};

// ── standard/rankingSoftmax.ts, standard/generalizedDice.ts (optax losses) ───────
const optax: Record<string, OpExporter<any>> = {
  'std.maskedSoftmaxCe': both<{ maskNormalizer: boolean; maskTargets: boolean; poly: number }>((n) => {
    const { ctx } = n;
    const h = helper(
      ctx,
      '_masked_softmax_ce',
      `def _masked_softmax_ce(z, t, mask, mask_targets, poly):
    # -sum_T t log softmax_N(z) as (m - z) + l: N = mask & (z > -inf) (the normaliser), T = mask (or every entry) (the
    # target sum); a 0 target on a -inf logit adds 0, a row with an empty mask gives 0; + poly sum_T t (1 - p).
    t = torch.broadcast_to(t, z.shape)
    keep = torch.ones_like(z, dtype=torch.bool) if mask is None else torch.broadcast_to(mask != 0, z.shape)
    in_n = keep & (z > float('-inf'))
    live = in_n.any(-1, keepdim=True)
    zn = torch.where(in_n & live, z, torch.where(live, torch.full_like(z, float('-inf')), torch.zeros_like(z)))
    m = zn.amax(-1, keepdim=True).detach()
    l = torch.log(torch.exp(zn - m).sum(-1, keepdim=True))
    in_t = keep if mask_targets else torch.ones_like(keep)
    sel = in_t & (t != 0)
    t_sel = torch.where(sel, t, torch.zeros_like(t))
    z_t = torch.where(sel, z, m.expand_as(z))
    mass = torch.where(in_t, t, torch.zeros_like(t)).sum(-1, keepdim=True)
    value = (t_sel * (m - z_t)).sum(-1, keepdim=True) + l * mass
    if poly != 0.0:
        value = value + (t_sel * (1.0 - torch.exp(zn - m - l))).sum(-1, keepdim=True) * poly
    value = value.reshape(-1)
    return value if mask is None else torch.where(keep.any(-1), value, torch.zeros_like(value))`,
      `def _masked_softmax_ce(z, t, mask, mask_targets, poly):
    t = np.broadcast_to(t, z.shape)
    keep = np.ones(z.shape, dtype=bool) if mask is None else np.broadcast_to(mask != 0, z.shape)
    in_n = keep & (z > -np.inf)
    live = in_n.any(-1, keepdims=True)
    zn = np.where(in_n & live, z, np.where(live, -np.inf, 0.0)).astype(z.dtype)
    m = zn.max(-1, keepdims=True)
    l = np.log(np.exp(zn - m).sum(-1, keepdims=True))
    in_t = keep if mask_targets else np.ones_like(keep)
    sel = in_t & (t != 0)
    t_sel = np.where(sel, t, 0.0).astype(z.dtype)
    z_t = np.where(sel, z, np.broadcast_to(m, z.shape))
    mass = np.where(in_t, t, 0.0).sum(-1, keepdims=True)
    value = (t_sel * (m - z_t)).sum(-1, keepdims=True) + l * mass
    if poly != 0.0:
        value = value + (t_sel * (1.0 - np.exp(zn - m - l))).sum(-1, keepdims=True) * poly
    value = value.reshape(-1).astype(z.dtype)
    return value if mask is None else np.where(keep.any(-1), value, 0.0).astype(z.dtype)`,
    );
    const mask = n.args[2] !== undefined && n.params.maskNormalizer ? n.args[2] : 'None';
    return `${h}(${n.args[0]}, ${n.args[1]}, ${mask}, ${n.params.maskTargets ? 'True' : 'False'}, ${num(n, n.params.poly)})`;
  }),
  'std.generalizedDice': both<{ smooth: number; ignoreBackground: boolean }>((n) => {
    const { ctx } = n;
    const h = helper(
      ctx,
      '_generalized_dice',
      `def _generalized_dice(p, t, smooth, ignore_background):
    # optax multiclass_generalized_dice_loss of the batch as one image: per class 1 - (I + s) / (I + (P - I)/2 + (T - I)/2 + s),
    # weighted by w = 1 / (T^2 + 1e-7) normalised to sum to C, class 0 dropped on request, mean over classes.
    inter = (p * t).sum(0)
    ps = p.sum(0)
    ts = t.sum(0)
    d = 1.0 - (inter + smooth) / (inter + (ps - inter) * 0.5 + (ts - inter) * 0.5 + smooth)
    w = 1.0 / (torch.square(ts) + 1e-7)
    d = d * (w / w.sum() * t.shape[-1])
    if ignore_background and t.shape[-1] > 1:
        d = d[1:]
    return d.mean()`,
      `def _generalized_dice(p, t, smooth, ignore_background):
    inter = (p * t).sum(0)
    ps = p.sum(0)
    ts = t.sum(0)
    d = 1.0 - (inter + smooth) / (inter + (ps - inter) * 0.5 + (ts - inter) * 0.5 + smooth)
    w = 1.0 / (np.square(ts) + 1e-7)
    d = d * (w / w.sum() * t.shape[-1])
    if ignore_background and t.shape[-1] > 1:
        d = d[1:]
    return np.asarray(d.mean(), dtype=p.dtype)`,
    );
    let probs: string;
    if (ctx.from !== 'logits') probs = ctx.yPred;
    else if (ctx.target === 'pytorch') probs = `(torch.sigmoid(${ctx.yPred}) if ${ctx.numClasses} == 1 else torch.softmax(${ctx.yPred}, -1))`;
    else probs = `(${py.helper(ctx, '_sigmoid')}(${ctx.yPred}) if ${ctx.numClasses} == 1 else np.exp(${py.helper(ctx, '_log_softmax')}(${ctx.yPred})))`;
    return `${h}(${probs}, ${ctx.yTrue()}, ${num(n, n.params.smooth)}, ${n.params.ignoreBackground ? 'True' : 'False'})`;
  }),
};

// ── torch.nn losses (standard/) ───────────────────────────────────────────────
const torchNn: Record<string, OpExporter<any>> = {
  // (1/C) Σ_j Σ_i t_j [i not a target] max(0, 1 − (x_j − x_i)); t the dense target counts.
  'std.multiLabelMargin': both((n) => {
    const { ctx } = n;
    const t = ctx.yTrue();
    const x = ctx.yPred;
    const notTarget = ctx.let(`1.0 - ${asFloat(ctx, `${t} > 0`)}`, 'not_target');
    const h = py.relu(ctx, `1.0 - ${x}[:, :, None] + ${x}[:, None, :]`);
    return `(${h} * (${t}[:, :, None] * ${notTarget}[:, None, :])).sum((1, 2)) / ${ctx.numClasses}`;
  }),
  // max(0, d(a, p) − d(a, n) + margin) with torch's pairwise_distance ‖x1 − x2 + 1e-6‖₂; a JavaScript distance
  // function has no Python form.
  'std.tripletMarginWithDistance': both<{ distance: unknown; margin: number; swap: boolean }>((n) => {
    const { ctx } = n;
    if (n.params.distance !== pairwiseDistance2) {
      throw new LosskitError('INVALID_ARGUMENT', 'a JavaScript distance function cannot be exported', {
        argument: 'expr',
        expected: 'explicitTripletMarginWithDistance with its default distance (pairwise L2, eps 1e-6)',
        received: 'a custom distance function',
      });
    }
    const [a, pos, neg] = n.args as [string, string, string];
    const L = lib(ctx);
    const d = (x1: string, x2: string) => `${L}.sqrt(((${x1} - ${x2} + 1e-06) ** 2).sum(-1))`;
    const dNeg = n.params.swap ? `${L}.minimum(${d(a, neg)}, ${d(pos, neg)})` : d(a, neg);
    return py.relu(ctx, `${d(a, pos)} - ${dNeg} + ${num(n, n.params.margin)}`);
  }),
};

// ── papers/checkedInputs.ts (issue #25 part A) ───────────────────────────────
// The range checks run in compile(); the exported functions read the values as they are (valid input only).
const checkedInputs: Record<string, OpExporter<any>> = {
  rangedInput: both((n) => a0(n)),
  rangedTargets: both((n) => n.ctx.yTrue()),
};

// ── seed papers, part A (issue #25): wdr, rationaleInvariance, buresWasserstein, groupDro, confidenceIntervalLoss,
// multiFocalModifier. The raw 'pair'-level inputs are read with ctx.input (the op's c.input), not the broadcast args.
/** The number of entries of an array / tensor. */
const size = (ctx: ExportContext, x: string) => `${ctx.target === 'pytorch' ? 'torch.numel' : 'np.size'}(${x})`;

const seedsA: Record<string, OpExporter<any>> = {
  weightDistributionRegularization: both<{ names: readonly string[]; kurtosisTarget: number; kurtosisWeight: number; skewnessWeight: number }>((n) => {
    const { ctx } = n;
    const h = helper(
      ctx,
      '_wdr',
      `def _wdr(ws, names, target, kurt_weight, skew_weight):
    # EQ-Net WDR: z = (w - mean w) / std w (unbiased std, as torch.std), Kurt = mean z^4, Skew = mean z^3;
    # kurt_weight mean_l (Kurt_l - target)^2 + skew_weight mean_l Skew_l^2.
    kurt, skew = [], []
    for w, name in zip(ws, names):
        x = w.reshape(-1)
        d = x - x.mean()
        var = torch.square(d).sum() / (x.numel() - 1)
        if var == 0:
            raise LosskitError('INVALID_ARGUMENT', f'inputs.{name}: the weights are all equal: their skewness and kurtosis are undefined (0/0): expected weights with a non-zero spread, received {x.numel()} equal values')
        z = d / torch.sqrt(var)
        z2 = torch.square(z)
        kurt.append(torch.square(torch.square(z2).mean() - target))
        skew.append(torch.square((z2 * z).mean()))
    return torch.stack(kurt).mean() * kurt_weight + torch.stack(skew).mean() * skew_weight`,
      `def _wdr(ws, names, target, kurt_weight, skew_weight):
    kurt, skew = [], []
    for w, name in zip(ws, names):
        x = w.reshape(-1)
        d = x - x.mean()
        var = np.square(d).sum() / (x.size - 1)
        if var == 0:
            raise LosskitError('INVALID_ARGUMENT', f'inputs.{name}: the weights are all equal: their skewness and kurtosis are undefined (0/0): expected weights with a non-zero spread, received {x.size} equal values')
        z = d / np.sqrt(var)
        z2 = np.square(z)
        kurt.append(np.square(np.square(z2).mean() - target))
        skew.append(np.square((z2 * z).mean()))
    return np.asarray(np.stack(kurt).mean() * kurt_weight + np.stack(skew).mean() * skew_weight, dtype=ws[0].dtype)`,
    );
    const p = n.params;
    for (const name of p.names) {
      const w = ctx.input(name);
      ctx.check(`${size(ctx, w)} < 2`, 'SHAPE_MISMATCH', `f${ctx.str(`inputs.${name}: a weight tensor needs at least two entries: expected a tensor of 2 or more weights, received {list(${w}.shape)}`)}`);
    }
    return `${h}([${p.names.map((name) => ctx.input(name)).join(', ')}], [${p.names.map((name) => ctx.str(name)).join(', ')}], ${num(n, p.kurtosisTarget)}, ${num(n, p.kurtosisWeight)}, ${num(n, p.skewnessWeight)})`;
  }),
  rationaleInvariance: both<{ features: string; weight: string; bank: string }>((n) => {
    const { ctx } = n;
    ctx.check('labels is None', 'INVALID_ARGUMENT', ctx.str(`yTrue: rationale invariance needs integer class labels: expected labels [B], received dense targets`));
    const y = ctx.labels('rationaleInvariance');
    const h = helper(
      ctx,
      '_rationale_invariance',
      `def _rationale_invariance(h, w, bank, y):
    # RIDG: R_i = W * h_i ([C, D] per sample); sum_c (1 / (C n_c)) sum_{i: y_i = c} |R_i - bank_c|_F^2, bank without gradient.
    c = w.shape[0]
    r = h.reshape(h.shape[0], 1, -1) * w.reshape(1, c, -1)
    per_sample = torch.square(r - bank[y].detach()).sum(2).mean(1)
    counts = torch.bincount(y, minlength=c).to(h.dtype)
    return (per_sample / counts[y]).sum()`,
      `def _rationale_invariance(h, w, bank, y):
    c = w.shape[0]
    r = h.reshape(h.shape[0], 1, -1) * w.reshape(1, c, -1)
    per_sample = np.square(r - bank[y]).sum(2).mean(1)
    counts = np.bincount(y, minlength=c).astype(h.dtype)
    return np.asarray((per_sample / counts[y]).sum(), dtype=h.dtype)`,
    );
    const p = n.params;
    const [hf, w, bank] = [ctx.input(p.features), ctx.input(p.weight), ctx.input(p.bank)];
    const shape = (x: string) => `{list(${x}.shape)}`;
    ctx.check(`${hf}.ndim < 1 or ${hf}.shape[0] != ${ctx.batchSize}`, 'SHAPE_MISMATCH', `f${ctx.str(`inputs.${p.features}: has the wrong shape: expected [{${ctx.batchSize}}, D] (features), received ${shape(hf)}`)}`);
    const D = ctx.let(`${hf}.reshape(${ctx.batchSize}, -1).shape[1]`, 'feature_dim');
    ctx.check(`tuple(${w}.reshape(${w}.shape[0], -1).shape) != (${ctx.numClasses}, ${D}) if ${w}.ndim >= 1 else True`, 'SHAPE_MISMATCH', `f${ctx.str(`inputs.${p.weight}: features and classifier widths differ: expected [{${ctx.numClasses}}, {${D}}], received ${shape(w)}`)}`);
    ctx.check(`tuple(${bank}.shape) != (${ctx.numClasses}, ${ctx.numClasses}, ${D})`, 'SHAPE_MISMATCH', `f${ctx.str(`inputs.${p.bank}: the rationale bank is [C, C, D]: expected [{${ctx.numClasses}}, {${ctx.numClasses}}, {${D}}], received ${shape(bank)}`)}`);
    return `${h}(${hf}, ${w}, ${bank}, ${y})`;
  }),
  buresWasserstein: both((n) => {
    const { ctx } = n;
    ctx.check(`${ctx.numClasses} != ${ctx.batchSize}`, 'SHAPE_MISMATCH', `f${ctx.str(`yPred: the predicted covariance must be square: expected [d, d], received [{${ctx.batchSize}}, {${ctx.numClasses}}]`)}`);
    ctx.check('labels is not None', 'SHAPE_MISMATCH', `f${ctx.str(`yTrue: the target is a covariance matrix, not labels: expected [{${ctx.batchSize}}, {${ctx.batchSize}}], received labels`)}`);
    const cov = helper(
      ctx,
      '_bw_covariance',
      `def _bw_covariance(x, name):
    # (S + S^T) / 2 in float64 after checking S is positive semi-definite (relative tolerance 1e-4, as compile()) and
    # symmetric up to 1e-2 of its largest entry (compile(): 1e-4; looser so finite-difference steps stay valid).
    x = x.detach().to(torch.float64)
    scale = x.abs().max()
    if ((x - x.T).abs() > 1e-2 * scale).any():
        raise LosskitError('INVALID_ARGUMENT', f'{name}: {name} is not symmetric: expected a symmetric covariance matrix')
    s = (x + x.T) / 2
    ev = torch.linalg.eigvalsh(s)
    if ev.min() < -1e-4 * ev.abs().max():
        raise LosskitError('INVALID_ARGUMENT', f'{name}: {name} is not positive semi-definite: expected a covariance matrix (eigenvalues >= 0), received smallest eigenvalue {float(ev.min())}')
    return s`,
      `def _bw_covariance(x, name):
    x = np.asarray(x, dtype=np.float64)
    scale = np.abs(x).max()
    if (np.abs(x - x.T) > 1e-2 * scale).any():
        raise LosskitError('INVALID_ARGUMENT', f'{name}: {name} is not symmetric: expected a symmetric covariance matrix')
    s = (x + x.T) / 2
    ev = np.linalg.eigvalsh(s)
    if ev.min() < -1e-4 * np.abs(ev).max():
        raise LosskitError('INVALID_ARGUMENT', f'{name}: {name} is not positive semi-definite: expected a covariance matrix (eigenvalues >= 0), received smallest eigenvalue {float(ev.min())}')
    return s`,
    );
    const h = helper(
      ctx,
      '_bures_wasserstein',
      `def _bures_wasserstein(s_pred, s_true):
    # BW^2(S0, S) = max(tr S + tr S0 - 2 tr (S0^1/2 S S0^1/2)^1/2, 0) in float64 (symmetric eigendecompositions), with
    # compile()'s gradient wrt S: I - S0^1/2 M^-1/2 S0^1/2, M = S0^1/2 S S0^1/2, M^-1/2 the pseudo-inverse root
    # (eigenvalues below 1e-6 of the largest count as 0).
    s = ${cov}(s_pred, 'yPred')
    s0 = ${cov}(s_true, 'yTrue')
    l0, v0 = torch.linalg.eigh(s0)
    r0 = (v0 * torch.sqrt(torch.clamp(l0, min=0.0))) @ v0.T
    m = r0 @ s @ r0
    lm, vm = torch.linalg.eigh((m + m.T) / 2)
    keep = lm > 1e-6 * lm.abs().max()
    inv = torch.where(keep, 1.0 / torch.sqrt(torch.where(keep, lm, torch.ones_like(lm))), torch.zeros_like(lm))
    g = torch.eye(s.shape[0], dtype=s.dtype, device=s.device) - r0 @ ((vm * inv) @ vm.T) @ r0
    value = torch.clamp(torch.trace(s) + torch.trace(s0) - 2 * torch.sqrt(torch.clamp(lm, min=0.0)).sum(), min=0.0)
    return value.to(s_pred.dtype) + ((s_pred - s_pred.detach()) * g.to(s_pred.dtype)).sum()`,
      `def _bures_wasserstein(s_pred, s_true):
    s = ${cov}(s_pred, 'yPred')
    s0 = ${cov}(s_true, 'yTrue')
    l0, v0 = np.linalg.eigh(s0)
    r0 = (v0 * np.sqrt(np.maximum(l0, 0.0))) @ v0.T
    m = r0 @ s @ r0
    lm = np.linalg.eigvalsh((m + m.T) / 2)
    value = max(np.trace(s) + np.trace(s0) - 2 * np.sqrt(np.maximum(lm, 0.0)).sum(), 0.0)
    return np.asarray(value, dtype=s_pred.dtype)`,
    );
    return `${h}(${ctx.yPred}, ${ctx.yTrue()})`;
  }),
  groupDro: both<{ groups: number; group: string; weights: string }>((n) => {
    const { ctx } = n;
    const p = n.params;
    const q = ctx.input(p.weights);
    ctx.check(`${size(ctx, q)} != ${p.groups}`, 'SHAPE_MISMATCH', `f${ctx.str(`inputs.${p.weights}: one weight per group: expected [${p.groups}], received {list(${q}.shape)}`)}`);
    const h = helper(
      ctx,
      '_group_dro',
      `def _group_dro(loss, ids, q, groups):
    # sum_g q_g mean_{i in g} loss_i (0 for a group absent from the batch), q without gradient.
    onehot = (ids.reshape(-1, 1) == torch.arange(groups, device=loss.device)).to(loss.dtype)
    counts = onehot.sum(0)
    means = (onehot * loss.reshape(-1, 1)).sum(0) / (counts + (counts == 0).to(loss.dtype))
    return (means * q.reshape(-1).detach()).sum()`,
      `def _group_dro(loss, ids, q, groups):
    onehot = (ids.reshape(-1, 1) == np.arange(groups)).astype(loss.dtype)
    counts = onehot.sum(0)
    means = (onehot * loss.reshape(-1, 1)).sum(0) / (counts + (counts == 0).astype(loss.dtype))
    return np.asarray((means * q.reshape(-1)).sum(), dtype=loss.dtype)`,
    );
    return `${h}(${n.args[0]}, ${n.args[1]}, ${q}, ${p.groups})`;
  }),
  confidenceIntervalLoss: both((n) => {
    const { ctx } = n;
    const [t, bags, lower, upper] = n.args as [string, string, string, string];
    const h = helper(
      ctx,
      '_ci_loss',
      `def _ci_loss(p, t, bags, lower, upper):
    # MixBag CI loss: per bag, p_bar = mean p, alpha = mean t, [lo, hi] = mean interval; -sum_c alpha log(q + 1e-8) with
    # q = alpha inside the interval (no gradient) else p_bar; the mean over bags.
    same = (bags.reshape(-1, 1) == bags.reshape(1, -1)).to(p.dtype)
    size = same.sum(1, keepdim=True)
    p_bar = same @ p / size
    alpha = same @ t / size
    lo = same @ torch.broadcast_to(lower, p.shape) / size
    hi = same @ torch.broadcast_to(upper, p.shape) / size
    q = torch.where((p_bar >= lo) & (p_bar <= hi), alpha, p_bar)
    row = -(alpha * torch.log(q + 1e-8)).sum(1)
    inv = 1.0 / size.reshape(-1)
    return (row * inv).sum() / inv.sum()`,
      `def _ci_loss(p, t, bags, lower, upper):
    same = (bags.reshape(-1, 1) == bags.reshape(1, -1)).astype(p.dtype)
    size = same.sum(1, keepdims=True)
    p_bar = same @ p / size
    alpha = same @ t / size
    lo = same @ np.broadcast_to(lower, p.shape) / size
    hi = same @ np.broadcast_to(upper, p.shape) / size
    q = np.where((p_bar >= lo) & (p_bar <= hi), alpha, p_bar)
    row = -(alpha * np.log(q + 1e-8)).sum(1)
    inv = 1.0 / size.reshape(-1)
    return np.asarray((row * inv).sum() / inv.sum(), dtype=p.dtype)`,
    );
    return `${h}(${ctx.probs()}, ${t}, ${bags}, ${lower}, ${upper})`;
  }),
  multiFocalModifier: both<{ weight: readonly number[]; attention: readonly (readonly number[])[]; gammaPos: number; gammaNeg: number; clip: number; gammaClassNeg: number }>((n) => {
    const { ctx } = n;
    const p = n.params;
    const C = p.weight.length;
    ctx.check(`${ctx.numClasses} != ${C}`, 'SHAPE_MISMATCH', `f${ctx.str(`classCounts: one class count per class: expected {${ctx.numClasses}} counts (one per column of yPred), received ${C} counts`)}`);
    ctx.check('labels is not None', 'INVALID_ARGUMENT', ctx.str(`yTrue: the multi-focal modifier reads multi-hot targets: expected multi-hot targets [B, ${C}] of 0 and 1, received labels`));
    const sig = ctx.target === 'pytorch' ? 'torch.sigmoid' : py.helper(ctx, '_sigmoid');
    const h = helper(
      ctx,
      '_multi_focal_modifier',
      `def _multi_focal_modifier(z, y, w, m, gamma_pos, gamma_neg, clip, gamma_class_neg):
    # Co-occurrence attention a = normalized y M (0 for rows without positives), no gradient; asymmetric focal BCE with
    # p+ = s (1 - a), p- = min(where(a == 0, c, c gamma_class_neg), 1), c = min(1 - s + clip, 1), logs clamped at 1e-8,
    # class weights w and the focusing factor (1 - p_t)^gamma without gradient.
    row = y @ m
    total = row.sum(-1, keepdim=True)
    a = torch.where(total > 0, row / torch.where(total > 0, total, torch.ones_like(total)), torch.zeros_like(row)).detach()
    s = torch.sigmoid(z)
    xs_pos = s * (1 - a)
    clipped = torch.clamp(1 - s + clip, max=1.0) if clip > 0 else 1 - s
    xs_neg = torch.clamp(torch.where(a == 0, clipped, clipped * gamma_class_neg), max=1.0)
    base = (y * torch.log(torch.clamp(xs_pos, min=1e-8)) + (1 - y) * torch.log(torch.clamp(xs_neg, min=1e-8))) * w
    pt = xs_pos * y + xs_neg * (1 - y)
    gamma = y * gamma_pos + (1 - y) * (w + gamma_neg)
    return -(base * torch.pow(1 - pt, gamma).detach()).sum(-1)`,
      `def _multi_focal_modifier(z, y, w, m, gamma_pos, gamma_neg, clip, gamma_class_neg):
    row = y @ m
    total = row.sum(-1, keepdims=True)
    a = np.where(total > 0, row / np.where(total > 0, total, 1.0), 0.0).astype(z.dtype)
    s = ${sig}(z)
    xs_pos = s * (1 - a)
    clipped = np.minimum(1 - s + clip, 1.0) if clip > 0 else 1 - s
    xs_neg = np.minimum(np.where(a == 0, clipped, clipped * gamma_class_neg), 1.0)
    base = (y * np.log(np.maximum(xs_pos, 1e-8)) + (1 - y) * np.log(np.maximum(xs_neg, 1e-8))) * w
    pt = xs_pos * y + xs_neg * (1 - y)
    gamma = y * gamma_pos + (1 - y) * (w + gamma_neg)
    return (-(base * np.power(1 - pt, gamma)).sum(-1)).astype(z.dtype)`,
    );
    const w = ctx.let(ctx.tensor(`[${p.weight.map((v) => num(n, v)).join(', ')}]`), 'mfm_class_weight');
    const m = ctx.let(ctx.tensor(`[${p.attention.map((r) => `[${r.map((v) => num(n, v)).join(', ')}]`).join(', ')}]`), 'mfm_cooccurrence');
    return `${h}(${ctx.yPred}, ${ctx.yTrue()}, ${w}, ${m}, ${num(n, p.gammaPos)}, ${num(n, p.gammaNeg)}, ${num(n, p.clip)}, ${num(n, p.gammaClassNeg)})`;
  }),
};

/** Every printer of this package, by op kind. */
export const lossesExporters: Readonly<Record<string, OpExporter<any>>> = Object.freeze({
  ...standard,
  ...torchNn,
  ...classification,
  ...combinators,
  ...confidence,
  ...distillation,
  ...divergence,
  ...regression,
  ...weak,
  ...optax,
  ...pretrainingExporters,
  ...testTimeExporters,
  ...generativeExporters,
  ...compressionExporters,
  ...finetuningExporters,
  ...checkedInputs,
  ...seedsA,
});

for (const [kind, e] of Object.entries(lossesExporters)) registerExporter(kind, e);
