/**
 * The printed forms of core's ops in PyTorch and NumPy (the exporter table keyed by op kind). Each form
 * computes what the op's `evaluate` computes in `compile()`'s unfused evaluator, with the same stable
 * formulas (log-softmax as `(z − m) − l`, CE as `(m − z_y) + l`, softplus, masked `x log x`), and in
 * PyTorch the same gradient, including compile()'s conventions where torch's differ: `|x|'(0) = −1` and
 * `maximum(a, b)` sends it to `a` on ties; a row maximum shares its gradient evenly between tied entries
 * (as `torch.amax` and compile() do).
 */
import type { ExportContext, ExportNode, ExportTarget, OpExporter } from './registry.js';
import { registerExporter } from './registry.js';

type Node<P = Record<string, unknown>> = ExportNode<P>;
type Lib = 'torch' | 'np';

/** The namespace of elementwise functions in each target. */
const libOf = (t: ExportTarget): Lib => (t === 'pytorch' ? 'torch' : 'np');

/** One printer for both targets, given the target's namespace. */
const both = <P,>(f: (n: Node<P>, lib: Lib) => string): OpExporter<P> => ({
  pytorch: (n) => f(n, 'torch'),
  numpy: (n) => f(n, 'np'),
});

/** Module-level helpers, per target. Each is included once in a generated module that uses it. */
export const HELPERS = {
  pytorch: {
    _abs: `def _abs(x):
    # |x| with compile()'s (tfjs's) derivative -1 at x = 0; torch.abs has 0 there.
    return torch.where(x > 0, x, -x)`,
    _max_rows: `def _max_rows(x):
    # Max over the last axis; its gradient is shared evenly between tied entries, as in compile().
    return torch.amax(x, -1)`,
    _min_rows: `def _min_rows(x):
    return -_max_rows(-x)`,
    _expand: `def _expand(x):
    # A per-sample value [N] as a column [N, 1] that broadcasts across classes (a scalar stays a scalar).
    return x if x.dim() == 0 else x.reshape(-1, 1)`,
    _znorm: `def _znorm(x):
    # (x - mean) / sqrt(var + 1e-12) over the last axis, population variance.
    mu = x.mean(-1, keepdim=True)
    var = torch.square(x - mu).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-12)`,
    _topk_mean: `def _topk_mean(x, k):
    # Mean of the k largest entries of each row (ties at the k-th place count once each, as compile()):
    # weight 1 above the k-th largest, and the remaining weight shared evenly by the entries tied with it.
    kth = torch.topk(x.detach(), k, -1).values[..., k - 1:k]
    above = (x > kth).to(x.dtype)
    tied = (x == kth).to(x.dtype)
    share = (k - above.sum(-1, keepdim=True)) / tied.sum(-1, keepdim=True)
    return (x * (above + tied * share)).sum(-1) / k`,
    _batch_mean: `def _batch_mean(x, n):
    return x.reshape(()) if x.numel() == 1 else x.sum() / n`,
    _xlogx: `def _xlogx(x):
    # x log x with 0 log 0 = 0 (the masked log keeps the gradient finite at 0).
    pos = x > 0
    return torch.where(pos, x * torch.log(torch.where(pos, x, torch.ones_like(x))), torch.zeros_like(x))`,
    _log1mexp: `def _log1mexp(x):
    # log(1 - e^x) for x <= 0 (Maechler 2012): log(-expm1(x)) above -ln 2, log1p(-e^x) below.
    near = x > -math.log(2.0)
    a = torch.log(-torch.expm1(torch.where(near, x, torch.zeros_like(x))))  # NaN for x > 0, as compile()
    b = torch.log1p(-torch.exp(torch.clamp(x, max=-math.log(2.0))))
    return torch.where(near, a, b)`,
    _sparsemax: `def _sparsemax(x):
    # Euclidean projection of each row onto the simplex (Martins & Astudillo 2016): [x - tau]_+.
    zs = x - x.detach().amax(-1, keepdim=True)
    srt = torch.sort(zs, -1, descending=True).values
    k = torch.arange(1, zs.shape[-1] + 1, dtype=zs.dtype, device=zs.device)
    support = ((1 + k * srt) > torch.cumsum(srt, -1)).to(zs.dtype)
    tau = ((srt * support).sum(-1, keepdim=True) - 1) / support.sum(-1, keepdim=True)
    return torch.relu(zs - tau)`,
    _neural_sort: `def _neural_sort(s, tau):
    # NeuralSort (Grover et al. 2019): P[i, j] = softmax_j(((n + 1 - 2i) s_j - sum_k |s_j - s_k|) / tau), [B, n, n].
    n = s.shape[-1]
    b = _abs(s[:, :, None] - s[:, None, :]).sum(2)
    scaling = torch.tensor([n - 1 - 2 * i for i in range(n)], dtype=s.dtype, device=s.device)
    return torch.softmax((scaling[None, :, None] * s[:, None, :] - b[:, None, :]) / tau, -1)`,
    _soft_sort: `def _soft_sort(s, tau):
    # The NeuralSort relaxation of the descending sort of each row: P s.
    return torch.matmul(_neural_sort(s, tau), s[:, :, None])[:, :, 0]`,
    _masked_rows: `def _masked_rows(x, mask, how):
    # Reduces each row over the entries where mask != 0; a row with none gives 0 (zero gradient).
    x, mask = torch.broadcast_tensors(x, mask)
    on = mask != 0
    count = on.to(x.dtype).sum(-1)
    has = count > 0
    zero = torch.zeros_like(x)
    if how == 'sum':
        return torch.where(on, x, zero).sum(-1)
    if how == 'mean':
        return torch.where(on, x, zero).sum(-1) / torch.clamp(count, min=1.0)
    big = torch.full_like(x, -1e30)
    if how in ('max', 'min'):
        sign = 1.0 if how == 'max' else -1.0
        return torch.where(has, _max_rows(torch.where(on, x * sign, big)) * sign, torch.zeros_like(count))
    m0 = _max_rows(torch.where(on, x, big))
    m = torch.where(has, m0.detach(), torch.zeros_like(m0))
    s = torch.exp(torch.where(on, x - m[:, None], big)).sum(-1)
    return torch.where(has, m + torch.log(torch.where(has, s, torch.ones_like(s))), torch.zeros_like(s))`,
  },
  numpy: {
    _expand: `def _expand(x):
    # A per-sample value [N] as a column [N, 1] that broadcasts across classes (a scalar stays a scalar).
    return x if np.ndim(x) == 0 else np.reshape(x, (-1, 1))`,
    _sigmoid: `def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))`,
    _log_softmax: `def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return (x - m) - np.log(np.exp(x - m).sum(-1, keepdims=True))`,
    _logsumexp: `def _logsumexp(x):
    m = x.max(-1)
    return m + np.log(np.exp(x - m[..., None]).sum(-1))`,
    _znorm: `def _znorm(x):
    # (x - mean) / sqrt(var + 1e-12) over the last axis, population variance.
    mu = x.mean(-1, keepdims=True)
    var = np.square(x - mu).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-12)`,
    _topk_mean: `def _topk_mean(x, k):
    # Mean of the k largest entries of each row (ties at the k-th place count once each).
    return -np.sort(-x, -1)[..., :k].mean(-1)`,
    _batch_mean: `def _batch_mean(x, n):
    return np.reshape(x, ()) if np.size(x) == 1 else np.sum(x) / n`,
    _xlogx: `def _xlogx(x):
    # x log x with 0 log 0 = 0.
    pos = x > 0
    return np.where(pos, x * np.log(np.where(pos, x, 1.0)), 0.0)`,
    _log1mexp: `def _log1mexp(x):
    # log(1 - e^x) for x <= 0 (Maechler 2012): log(-expm1(x)) above -ln 2, log1p(-e^x) below.
    near = x > -math.log(2.0)
    a = np.log(-np.expm1(np.where(near, x, 0.0)))  # NaN for x > 0, as compile()
    b = np.log1p(-np.exp(np.minimum(x, -math.log(2.0))))
    return np.where(near, a, b)`,
    _sparsemax: `def _sparsemax(x):
    # Euclidean projection of each row onto the simplex (Martins & Astudillo 2016): [x - tau]_+.
    zs = x - x.max(-1, keepdims=True)
    srt = -np.sort(-zs, -1)
    k = np.arange(1, zs.shape[-1] + 1, dtype=zs.dtype)
    support = ((1 + k * srt) > np.cumsum(srt, -1)).astype(zs.dtype)
    tau = ((srt * support).sum(-1, keepdims=True) - 1) / support.sum(-1, keepdims=True)
    return np.maximum(zs - tau, 0.0)`,
    _neural_sort: `def _neural_sort(s, tau):
    # NeuralSort (Grover et al. 2019): P[i, j] = softmax_j(((n + 1 - 2i) s_j - sum_k |s_j - s_k|) / tau), [B, n, n].
    n = s.shape[-1]
    b = np.abs(s[:, :, None] - s[:, None, :]).sum(2)
    scaling = np.array([n - 1 - 2 * i for i in range(n)], dtype=s.dtype)
    logits = (scaling[None, :, None] * s[:, None, :] - b[:, None, :]) / tau
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)`,
    _soft_sort: `def _soft_sort(s, tau):
    # The NeuralSort relaxation of the descending sort of each row: P s.
    return np.matmul(_neural_sort(s, tau), s[:, :, None])[:, :, 0]`,
    _masked_rows: `def _masked_rows(x, mask, how):
    # Reduces each row over the entries where mask != 0; a row with none gives 0.
    x, mask = np.broadcast_arrays(x, mask)
    on = mask != 0
    count = on.astype(x.dtype).sum(-1)
    has = count > 0
    if how == 'sum':
        return np.where(on, x, 0.0).sum(-1)
    if how == 'mean':
        return np.where(on, x, 0.0).sum(-1) / np.maximum(count, 1.0)
    if how in ('max', 'min'):
        sign = 1.0 if how == 'max' else -1.0
        return np.where(has, np.where(on, x * sign, -1e30).max(-1) * sign, 0.0)
    m = np.where(has, np.where(on, x, -1e30).max(-1), 0.0)
    s = np.exp(np.where(on, x - m[:, None], -1e30)).sum(-1)
    return np.where(has, m + np.log(np.where(has, s, 1.0)), 0.0)`,
  },
} as const;

type HelperName = keyof typeof HELPERS.pytorch | keyof typeof HELPERS.numpy;

/** Includes a core helper (with the helpers it calls) and returns its name. */
export function useHelper(ctx: ExportContext, name: HelperName): string {
  const table = HELPERS[ctx.target] as Readonly<Record<string, string>>;
  const src = table[name];
  if (src === undefined) throw new Error(`losskit export: no ${ctx.target} helper ${name}`);
  for (const dep of Object.keys(table)) if (dep !== name && new RegExp(`\\b${dep}\\(`).test(src)) useHelper(ctx, dep as HelperName);
  return ctx.helper(name, src);
}

/** `|x|` with compile()'s gradient at 0. */
export const absOf = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `${useHelper(ctx, '_abs')}(${x})` : `np.abs(${x})`);
/** Max / min over the last axis with compile()'s tie gradient. */
export const maxRows = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `${useHelper(ctx, '_max_rows')}(${x})` : `${x}.max(-1)`);
export const minRows = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `${useHelper(ctx, '_min_rows')}(${x})` : `${x}.min(-1)`);
/** A row-wise log-sum-exp (its gradient is the softmax). */
export const logSumExpRows = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `torch.logsumexp(${x}, -1)` : `${useHelper(ctx, '_logsumexp')}(${x})`);
/** `softplus(x) = log(1 + e^x)`, stable. */
export const softplusOf = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `F.softplus(${x})` : `np.logaddexp(0.0, ${x})`);
/** `x log x` with `0 log 0 = 0`. */
export const xlogxOf = (ctx: ExportContext, x: string): string => `${useHelper(ctx, '_xlogx')}(${x})`;
/** `max(x, 0)`. */
export const reluOf = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `torch.relu(${x})` : `np.maximum(${x}, 0.0)`);
/** `clip(x, lo, hi)` (gradient 1 inside, inclusive). */
export const clipOf = (ctx: ExportContext, x: string, lo: string, hi: string): string =>
  ctx.target === 'pytorch' ? `torch.clamp(${x}, ${lo}, ${hi})` : `np.clip(${x}, ${lo}, ${hi})`;
/** Elementwise `where(cond, a, b)` on tensors (ties of `maximum` / `minimum` go to `a`). */
export const whereOf = (ctx: ExportContext, cond: string, a: string, b: string): string => `${libOf(ctx.target)}.where(${cond}, ${a}, ${b})`;
/** `stop_gradient(x)`. */
export const detachOf = (ctx: ExportContext, x: string): string => (ctx.target === 'pytorch' ? `${x}.detach()` : x);
/** Sum / mean / max over an axis keeping it (`keepdim` in torch, `keepdims` in NumPy). */
export const keep = (ctx: ExportContext): string => (ctx.target === 'pytorch' ? 'keepdim=True' : 'keepdims=True');

/** Raises `SHAPE_MISMATCH` in the generated code unless `C >= min`, as compile()'s class-count checks. */
export function needClasses(ctx: ExportContext, what: string, min: number): void {
  ctx.check(`${ctx.numClasses} < ${min}`, 'SHAPE_MISMATCH', `f${ctx.str(`yPred: ${what} needs at least ${min} classes: expected [B, C] with C >= ${min}, received C = {${ctx.numClasses}}`)}`);
}

/** Label-smoothed dense targets `t(1 − ε) + ε/C`. */
export function smoothed(ctx: ExportContext, eps: number): string {
  const t = ctx.yTrue();
  return eps === 0 ? t : ctx.let(`${t} * ${ctx.num(1 - eps)} + ${ctx.num(eps)} / ${ctx.numClasses}`, 't_smooth');
}

/** `1[y_i = y_j]`, `[N, N]`, from integer labels. */
export function sameLabel(ctx: ExportContext): string {
  return ctx.shared('sameLabel', () => {
    const y = ctx.labels('a label mask');
    const cast = ctx.target === 'pytorch' ? `.to(${ctx.yPred}.dtype)` : `.astype(${ctx.yPred}.dtype)`;
    return ctx.let(`(${y}[:, None] == ${y}[None, :])${cast}`, 'same_label');
  });
}

/** The identity `[N, N]` in the computation's dtype. */
export function eye(ctx: ExportContext): string {
  return ctx.shared('eye', () =>
    ctx.let(ctx.target === 'pytorch' ? `torch.eye(${ctx.batchSize}, dtype=${ctx.yPred}.dtype, device=${ctx.yPred}.device)` : `np.eye(${ctx.batchSize}, dtype=${ctx.yPred}.dtype)`, 'eye'),
  );
}

/**
 * Printed forms of common building blocks for the exporters of other packages' ops (each returns a Python
 * expression for `ctx.target`, with compile()'s gradient conventions in PyTorch):
 * `abs`, `maxRows` / `minRows` (over the last axis), `logSumExpRows`, `softplus`, `xlogx`, `relu`, `clip`,
 * `where`, `detach`, `keepDims` (the keyword keeping a reduced axis), `needClasses` (a runtime check),
 * `smoothedTargets` (`t(1 − ε) + ε/C`), `sameLabel` (`1[y_i = y_j]`), `eye`, and `helper` (includes one of
 * core's Python helpers, e.g. `_masked_rows`, `_sparsemax`, `_log1mexp`, `_neural_sort`, `_expand`, and
 * returns its name).
 */
export const pythonForms = {
  abs: absOf,
  maxRows,
  minRows,
  logSumExpRows,
  softplus: softplusOf,
  xlogx: xlogxOf,
  relu: reluOf,
  clip: clipOf,
  where: whereOf,
  detach: detachOf,
  keepDims: keep,
  needClasses,
  smoothedTargets: smoothed,
  sameLabel,
  eye,
  helper: (ctx: ExportContext, name: string): string => useHelper(ctx, name as HelperName),
} as const;

const a0 = (n: Node<any>) => n.args[0]!;
const a1 = (n: Node<any>) => n.args[1]!;
const call = (f: string) => both((n, lib) => `${lib}.${f}(${a0(n)})`);

/** The exporter table of core's op kinds. */
export const coreExporters: Readonly<Record<string, OpExporter<any>>> = {
  named: both((n) => a0(n)),
  plus: both((n) => `${a0(n)} + ${a1(n)}`),
  minus: both((n) => `${a0(n)} - ${a1(n)}`),
  times: both((n) => `${a0(n)} * ${a1(n)}`),
  div: both((n) => `${a0(n)} / ${a1(n)}`),
  maximum: both((n) => whereOf(n.ctx, `${a0(n)} >= ${a1(n)}`, a0(n), a1(n))),
  minimum: both((n) => whereOf(n.ctx, `${a0(n)} <= ${a1(n)}`, a0(n), a1(n))),
  scale: both<{ w: number }>((n) => `${a0(n)} * ${n.ctx.num(n.params.w)}`),
  pow: both<{ p: number }>((n, lib) => (n.params.p === 2 ? `${lib}.square(${a0(n)})` : n.params.p === 1 ? a0(n) : `${lib === 'torch' ? 'torch.pow' : 'np.power'}(${a0(n)}, ${n.ctx.num(n.params.p)})`)),
  neg: both((n) => `-${a0(n)}`),
  clip: both<{ lo: number; hi: number }>((n) => clipOf(n.ctx, a0(n), n.ctx.num(n.params.lo), n.ctx.num(n.params.hi))),
  detach: both((n) => detachOf(n.ctx, a0(n))),
  where: {
    pytorch: (n: Node<{ otherwise: number }>) => `torch.where(${a1(n)} != 0, ${a0(n)}, torch.full_like(${a0(n)}, ${n.ctx.num(n.params.otherwise)}))`,
    numpy: (n: Node<{ otherwise: number }>) => `np.where(${a1(n)} != 0, ${a0(n)}, ${n.ctx.num(n.params.otherwise)})`,
  },
  exp: call('exp'),
  log: call('log'),
  log1p: call('log1p'),
  sqrt: call('sqrt'),
  abs: both((n) => absOf(n.ctx, a0(n))),
  relu: both((n) => reluOf(n.ctx, a0(n))),
  softplus: both((n) => softplusOf(n.ctx, a0(n))),
  sigmoid: { pytorch: (n: Node) => `torch.sigmoid(${a0(n)})`, numpy: (n: Node) => `${useHelper(n.ctx, '_sigmoid')}(${a0(n)})` },
  logSigmoid: { pytorch: (n: Node) => `F.logsigmoid(${a0(n)})`, numpy: (n: Node) => `-np.logaddexp(0.0, -${a0(n)})` },
  softmax: {
    pytorch: (n: Node) => `torch.softmax(${a0(n)}, -1)`,
    numpy: (n: Node) => `np.exp(${useHelper(n.ctx, '_log_softmax')}(${a0(n)}))`,
  },
  logSoftmax: { pytorch: (n: Node) => `torch.log_softmax(${a0(n)}, -1)`, numpy: (n: Node) => `${useHelper(n.ctx, '_log_softmax')}(${a0(n)})` },
  zNormalize: both((n) => `${useHelper(n.ctx, '_znorm')}(${a0(n)})`),
  batchMarginal: both((n) => `${a0(n)}.mean(0, ${keep(n.ctx)})`),
  expand: both((n) => `${useHelper(n.ctx, '_expand')}(${a0(n)})`),
  // Classes of zero target mass are left out (no 0·∞ = NaN), as compile() does.
  target: both((n) => `${whereOf(n.ctx, `${n.ctx.yTrue()} == 0`, '0.0', `${a0(n)} * ${n.ctx.yTrue()}`)}.sum(-1)`),
  incorrect: both((n) => {
    needClasses(n.ctx, '.incorrect()', 2);
    return `${whereOf(n.ctx, `${n.ctx.yTrue()} == 1`, '0.0', `${a0(n)} * (1.0 - ${n.ctx.yTrue()})`)}.sum(-1) / (${n.ctx.numClasses} - 1)`;
  }),
  max: both((n) => maxRows(n.ctx, a0(n))),
  min: both((n) => minRows(n.ctx, a0(n))),
  logSumExp: both((n) => logSumExpRows(n.ctx, a0(n))),
  sum: both((n) => `${a0(n)}.sum(-1)`),
  mean: both((n) => `${a0(n)}.mean(-1)`),
  topk: both<{ k: number }>((n) => {
    needClasses(n.ctx, `.topk(${n.params.k})`, n.params.k);
    return `${useHelper(n.ctx, '_topk_mean')}(${a0(n)}, ${n.params.k})`;
  }),
  batchSum: both((n) => `${a0(n)}.sum()`),
  batchMean: both((n) => `${useHelper(n.ctx, '_batch_mean')}(${a0(n)}, ${n.ctx.batchSize})`),

  // ── leaves (terms/inputs.ts, terms/regression.ts) ──
  yPred: both((n) => n.ctx.yPred),
  logit: both((n) => n.ctx.yPred),
  yTrue: both((n) => n.ctx.yTrue()),
  prob: both((n) => n.ctx.probs()),
  logProb: both((n) => n.ctx.logProbs()),
  input: both<{ name: string }>((n) => n.ctx.input(n.params.name)),
  square: both((n, lib) => `${lib}.square(${n.ctx.yPred} - ${n.ctx.yTrue()})`),
  absError: both((n) => absOf(n.ctx, `${n.ctx.yPred} - ${n.ctx.yTrue()}`)),

  // ── terms/ce.ts, terms/bce.ts, terms/information.ts ──
  ce: both<{ labelSmoothing: number }>((n) => {
    const { ctx } = n;
    const t = smoothed(ctx, n.params.labelSmoothing);
    if (ctx.from === 'logits') {
      // Σ_j t_j (m − z_j) + l·Σ_j t_j with m = max z (no gradient), l = log Σ exp(z − m): for one-hot
      // targets exactly (m − z_y) + l, kept apart so huge logits do not round l away (compile's form).
      const { max, rel } = ctx.logSumExp();
      return `(${t} * (${max}[:, None] - ${ctx.yPred})).sum(-1) + ${rel} * ${t}.sum(-1)`;
    }
    return `-(${t} * ${ctx.logProbs()}).sum(-1)`;
  }),
  bce: both<{ labelSmoothing: number }>((n, lib) => {
    const { ctx } = n;
    const eps = n.params.labelSmoothing;
    const t0 = ctx.yTrue();
    const t = eps === 0 ? t0 : ctx.let(`${t0} * ${ctx.num(1 - eps)} + ${ctx.num(0.5 * eps)}`, 't_smooth');
    const z = ctx.yPred;
    // softplus(z) − t·z: finite for any z.
    if (ctx.from === 'logits') return `${softplusOf(ctx, z)} - ${t} * ${z}`;
    const q = ctx.let(clipOf(ctx, z, ctx.epsilon, `1.0 - ${ctx.epsilon}`), 'q');
    return `-(${t} * ${lib}.log(${q}) + (1.0 - ${t}) * ${lib}.log(1.0 - ${q}))`;
  }),
  entropy: both((n) => `-(${n.ctx.probs()} * ${n.ctx.logProbs()}).sum(-1)`),
  kl: both((n) => {
    const t = n.args.length > 0 ? a0(n) : n.ctx.yTrue();
    return `(${xlogxOf(n.ctx, t)} - ${t} * ${n.ctx.logProbs()}).sum(-1)`;
  }),

  // ── primitives ──
  classConstant: both<{ values: readonly number[]; name: string }>((n) => {
    const { ctx } = n;
    const v = n.params.values;
    ctx.check(
      `${ctx.numClasses} != ${v.length}`,
      'SHAPE_MISMATCH',
      `f${ctx.str(`${n.params.name}: a per-class constant has one value per class: expected ${v.length} values (yPred has C = {${ctx.numClasses}}), received ${v.length} values`)}`,
    );
    return ctx.tensor(`[[${v.map((x) => ctx.num(x)).join(', ')}]]`);
  }),
  log1mexp: both((n) => `${useHelper(n.ctx, '_log1mexp')}(${a0(n)})`),
  sparsemax: both((n) => `${useHelper(n.ctx, '_sparsemax')}(${a0(n)})`),
  softSort: both<{ tau: number }>((n) => `${useHelper(n.ctx, '_soft_sort')}(${a0(n)}, ${n.ctx.num(n.params.tau)})`),

  // ── pair level (pair.ts) ──
  embeddings: both((n) => n.ctx.yPred),
  positiveMask: both((n) => `${sameLabel(n.ctx)} - ${eye(n.ctx)}`),
  negativeMask: both((n) => `1.0 - ${sameLabel(n.ctx)}`),
  sameLabelMask: both((n) => sameLabel(n.ctx)),
  identityMask: both((n) => eye(n.ctx)),
  maskedRowReduce: both<{ how: string }>((n) => `${useHelper(n.ctx, '_masked_rows')}(${a0(n)}, ${a1(n)}, ${n.ctx.str(n.params.how)})`),
  pairRows: both((n) => `${a0(n)}.reshape(-1, 1)`),
  pairCols: both((n) => `${a0(n)}.reshape(1, -1)`),
  pairTranspose: { pytorch: (n: Node) => `${a0(n)}.transpose(0, 1)`, numpy: (n: Node) => `${a0(n)}.T` },
};

for (const [kind, e] of Object.entries(coreExporters)) registerExporter(kind, e);
