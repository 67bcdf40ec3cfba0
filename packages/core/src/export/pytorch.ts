/**
 * `toPyTorch(expr, options)`: the source of a self-contained Python module (only `torch`) that computes
 * the same loss as `compile(expr, options)`: value, per-sample values, gradient and named parts.
 */
import { LosskitError } from '../errors.js';
import type { Expr } from '../expr.js';
import type { TargetSpec } from './emit.js';
import { pyNum, pyStr } from './emit.js';
import { type ExportOptions, PY_ERRORS, checkOptionsObject, forwardFunction, header, inputsLiteral, partLevels, prepareExport, pyInputHelpers } from './module.js';

/** Options of {@link toPyTorch}. */
export interface PyTorchExportOptions extends ExportOptions {
  /** Name of the generated `nn.Module` class. Default `LosskitLoss`. */
  readonly className?: string;
}

const FULL = `def _full(x, shape):
    # A class- or pair-level value held in a broadcastable form ([N, 1], [1, C], a scalar) at its full shape
    # before a row-wise op, as compile() does; anything else (e.g. a [C, D] input) is left as it is.
    s = tuple(x.shape)
    if s == shape or len(s) > len(shape) or any(d != 1 and d != t for d, t in zip(s[::-1], shape[::-1])):
        return x
    return torch.broadcast_to(x, shape)`;

const spec: TargetSpec = {
  name: 'pytorch',
  title: 'PyTorch',
  full: (ctx, x, shape) => `${ctx.helper('_full', FULL)}(${x}, ${shape})`,
  scalar: (v) => `torch.tensor(${v}, dtype=z.dtype, device=z.device)`,
  tensor: (values) => `torch.tensor(${values}, dtype=z.dtype, device=z.device)`,
  oneHot: (labels, c) => `F.one_hot(${labels}, ${c}).to(z.dtype)`,
  // m carries no gradient; l's gradient is softmax(z), so m + l has the exact log-sum-exp gradient.
  lseParts: (z, m) => [`${z}.detach().amax(-1)`, `torch.logsumexp(${z} - ${m}[:, None], -1)`],
  logClip: (p, eps) => `torch.log(torch.clamp(${p}, ${eps}, 1.0))`,
  exp: (x) => `torch.exp(${x})`,
};

const PT = { ns: 'torch', ndim: 'dim()', size: 'numel()', asInput: 'torch.as_tensor(value, device=z.device).to(z.dtype)' };

const PREAMBLE = `import math

import torch
import torch.nn.functional as F
from torch import nn


${PY_ERRORS}`;

const PREPARE = `${pyInputHelpers(PT)}def _prepare(y_true, y_pred, sample_weight, inputs):
    # The same input conventions as compile(): y_pred [..., C] (or [B], one class); y_true integer labels
    # shaped like the leading dimensions (or [..., 1]) or dense targets shaped like y_pred.
    z = torch.as_tensor(y_pred)
    if not torch.is_floating_point(z):
        z = z.to(torch.get_default_dtype())
    if z.dim() == 0:
        raise LosskitError('RANK_MISMATCH', 'yPred: must have at least one dimension: expected shape [B, C] or [B], received [] (a scalar)')
    shape = tuple(z.shape)
    leading = shape if z.dim() == 1 else shape[:-1]
    c = 1 if z.dim() == 1 else shape[-1]
    n = math.prod(leading)
    if n == 0:
        raise LosskitError('EMPTY_BATCH', f'yPred: the batch is empty: expected at least one sample, received shape {_fmt(shape)}')
    if c == 0:
        raise LosskitError('SHAPE_MISMATCH', f'yPred: has no classes: expected [B, C] with C >= 1, received {_fmt(shape)}')
    if FROM == 'embeddings' and z.dim() != 2:
        raise LosskitError('RANK_MISMATCH', f'yPred: embeddings must be a matrix: expected shape [B, D], received {_fmt(shape)}')
    y = torch.as_tensor(y_true, device=z.device)
    ys = tuple(y.shape)
    label_shape = ys == leading or (c > 1 and ys == leading + (1,))
    labels = dense = None
    if FROM == 'embeddings' or (label_shape and not (z.dim() == 1 and ys == shape)):
        if not label_shape:
            raise LosskitError('SHAPE_MISMATCH', f'yTrue: labels must have one entry per sample: expected integer labels of shape {_fmt(leading)}, received {_fmt(ys)}')
        flat = y.reshape(n)
        if torch.is_floating_point(flat):
            bad = (~torch.isfinite(flat)) | (flat != torch.round(flat))
            if bool(bad.any()):
                i = int(bad.nonzero()[0, 0])
                code = 'NON_INTEGER_LABEL' if math.isfinite(float(flat[i])) else 'NON_FINITE_INPUT'
                raise LosskitError(code, f'yTrue: labels must be integers: expected integers in [0, {c}), received {float(flat[i])} at index {i}')
        flat = flat.long()
        if FROM != 'embeddings':
            out = (flat < 0) | (flat >= c)
            if bool(out.any()):
                i = int(out.nonzero()[0, 0])
                raise LosskitError('LABEL_OUT_OF_RANGE', f'yTrue: label out of range: expected integers in [0, {c}), received {int(flat[i])} at index {i}')
        labels = flat
    elif ys == shape:
        dense = y.reshape(n, c).to(z.dtype)
    else:
        raise LosskitError('SHAPE_MISMATCH', f'yTrue: does not match yPred: expected integer labels {_fmt(leading)} or targets {_fmt(shape)} (yPred is {_fmt(shape)}), received {_fmt(ys)}')
    w = None
    if sample_weight is not None:
        w = _weights(torch.as_tensor(sample_weight, device=z.device).to(z.dtype), leading, n)
    unknown = sorted(set(inputs) - set(INPUTS))
    if unknown:
        raise TypeError(f'unexpected input(s) {unknown}: this loss reads {sorted(INPUTS) or "no inputs"}')
    ins = {}
    for name, level in INPUTS.items():
        if name not in inputs:
            raise LosskitError('MISSING_INPUT', f"inputs.{name}: the expression reads input('{name}') but no such input was passed: pass it as {name}=...")
        ins[name] = _input(name, inputs[name], level, leading, n, c, z)
    return z.reshape(n, c), labels, dense, w, leading, ins


def _div_or_zero(num, den):
    zero = den == 0
    return torch.where(zero, torch.zeros_like(num), num / torch.where(zero, torch.ones_like(den), den))


def _reduce(raw, w, n, leading, level, reduction):
    # compile()'s reductions of per-sample values l_i with sample weights w_i (default 1).
    if level == 'batch':
        if w is not None:
            raise LosskitError('INVALID_ARGUMENT', 'sampleWeight: sample weights need a sample-level expression; this one is already reduced to the batch')
        return raw.reshape(())
    v = raw.reshape(n) if raw.numel() == n else torch.broadcast_to(raw.reshape(-1), (n,))
    weighted = v * w if w is not None else v
    if reduction == 'none':
        return weighted.reshape(leading)
    if reduction == 'sum':
        return weighted.sum()
    if reduction == 'mean' or w is None:
        return weighted.sum() / n
    if reduction == 'weightedMean':
        return _div_or_zero(weighted.sum(), w.sum())
    return _div_or_zero(weighted.sum(), (w != 0).to(w.dtype).sum())


def _check_reduction(reduction):
    if reduction not in ('mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'):
        raise LosskitError('INVALID_ARGUMENT', f"reduction: unknown reduction: expected 'mean', 'sum', 'weightedMean', 'sumByNonzeroWeights' or 'none', received {reduction!r}")
    return reduction`;

const API = `def _value(y_true, y_pred, sample_weight, inputs, reduction):
    z, labels, dense, w, leading, ins = _prepare(y_true, y_pred, sample_weight, inputs)
    raw, _ = _forward(z, labels, dense, ins)
    return _reduce(raw, w, z.shape[0], leading, LEVEL, reduction)


def loss(y_true, y_pred, sample_weight=None, **inputs):
    """The loss reduced with REDUCTION: a 0-dim tensor (for 'none', shaped like y_pred's leading dimensions).

    y_true: integer labels [B] (or [..., 1]) or dense targets shaped like y_pred; y_pred: [..., C];
    sample_weight: optional, shaped like the leading dimensions (or a prefix of them), or a scalar;
    inputs: the extra tensors named in INPUTS, as keyword arguments. Differentiable in y_pred.
    """
    return _value(y_true, y_pred, sample_weight, inputs, REDUCTION)


def per_sample(y_true, y_pred, sample_weight=None, **inputs):
    """Per-sample values w_i * l_i, shaped like y_pred's leading dimensions (needs a sample-level loss)."""
    if LEVEL != 'sample':
        raise LosskitError('LEVEL_MISMATCH', f'expr: per_sample() needs a sample-level expression: received a {LEVEL}-level expression')
    z, labels, dense, w, leading, ins = _prepare(y_true, y_pred, sample_weight, inputs)
    raw, _ = _forward(z, labels, dense, ins)
    n = z.shape[0]
    v = raw.reshape(n) if raw.numel() == n else torch.broadcast_to(raw.reshape(-1), (n,))
    return (v * w if w is not None else v).reshape(leading)


def _parts(y_true, y_pred, sample_weight, inputs, reduction):
    reduction = 'mean' if reduction == 'none' else reduction
    z, labels, dense, w, leading, ins = _prepare(y_true, y_pred, sample_weight, inputs)
    raw, named = _forward(z, labels, dense, ins)
    n = z.shape[0]
    out = {'total': _reduce(raw, w, n, leading, LEVEL, reduction)}
    for name, level in PARTS.items():
        value = named[name]
        out[name] = value.mean() if level in ('class', 'pair') else _reduce(value, w, n, leading, level, reduction)
    return out


def parts(y_true, y_pred, sample_weight=None, **inputs):
    """The reduced value of every named sub-expression (PARTS) and of the whole loss ('total'), as 0-dim tensors.

    Sample-level parts are reduced like the loss ('none' reads as 'mean'); class- and pair-level parts are
    averaged over all their entries.
    """
    return _parts(y_true, y_pred, sample_weight, inputs, REDUCTION)`;

/**
 * The source of a self-contained Python module (needs only `torch`) computing `expr` exactly as
 * `compile(expr, options)` does: the same formulas (log-softmax as `(z − m) − l`, CE as `(m − z_y) + l`,
 * softplus, stable log-sum-exp), the same reductions, `from`, ε-clipping, label and target conventions,
 * broadcasting and gradients (tfjs's conventions at kinks and ties are kept).
 *
 * The module defines `loss(y_true, y_pred, sample_weight=None, **inputs)` (reduced), `per_sample(...)`,
 * `parts(...)` (a dict of the named sub-expressions' reduced values plus `total`), and an `nn.Module`
 * (`LosskitLoss` by default) whose `forward(y_true, y_pred, sample_weight=None, **inputs)` calls `loss`.
 * Extra inputs of `input(name, level)` terms are keyword arguments. The header comment gives the
 * expression, its LaTeX, the options and the losskit version. It runs on CPU and GPU, in float32 or
 * float64 (the dtype of `y_pred`), and under `torch.distributed` (DDP/FSDP): it is a plain function of
 * the local batch.
 *
 * Every op of core exports; ops defined by other packages export once their package has registered
 * their printers (`registerExporter`), which `@losskit/losses` and `@losskit/metric-learning` do when
 * imported. An op without one throws `INVALID_ARGUMENT` naming it. Bad options throw as in `compile()`.
 *
 * @param expr A sample- or batch-level expression (as `compile()` takes).
 * @param options `from`, `reduction`, `epsilon` as in `compile()`; `className`; `source` (DSL text for the header).
 * @returns Python source text.
 * @example
 * const py = toPyTorch(ce().plus(square().incorrect()), { reduction: 'mean' });
 * // python: from squentropy import loss; loss(labels, logits).backward()
 */
export function toPyTorch(expr: Expr, options: PyTorchExportOptions = {}): string {
  checkOptionsObject(options);
  const className = options.className ?? 'LosskitLoss';
  if (typeof className !== 'string' || !/^[A-Za-z_]\w*$/.test(className) || ['LosskitError', 'F', 'nn', 'torch', 'math'].includes(className)) {
    throw new LosskitError('INVALID_ARGUMENT', 'invalid class name', { argument: 'className', expected: 'a Python identifier such as "SquentropyLoss"', received: JSON.stringify(className) });
  }
  const r = prepareExport(expr, options, spec);
  const formula = expr.toString().replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
  const lines = [
    ...header(expr, r, options.source, 'toPyTorch', 'Same values, per-sample values and gradients as compile(expr, options) in losskit; needs only torch.'),
    PREAMBLE,
    '',
    '',
    `FROM = ${pyStr(r.from)}`,
    `REDUCTION = ${pyStr(r.reduction)}`,
    `EPSILON = ${pyNum(r.epsilon)}`,
    `LEVEL = ${pyStr(expr.level)}`,
    `INPUTS = ${inputsLiteral(r.plan.inputs)}`,
    `PARTS = ${partLevels(r)}`,
    '',
    '',
    ...[...r.body.helpers.values()].flatMap((h) => [h, '', '']),
    PREPARE,
    '',
    '',
    ...forwardFunction(r, 'z.shape'),
    '',
    '',
    API,
    '',
    '',
    `class ${className}(nn.Module):`,
    `    """${formula} (losskit), as an nn.Module: forward(y_true, y_pred, sample_weight=None, **inputs).`,
    '',
    '    reduction: one of compile()\'s reductions (default REDUCTION). Has no parameters or state, so it',
    '    works unchanged inside DistributedDataParallel or FSDP training loops.',
    '    """',
    '',
    '    def __init__(self, reduction=REDUCTION):',
    '        super().__init__()',
    '        self.reduction = _check_reduction(reduction)',
    '',
    '    def forward(self, y_true, y_pred, sample_weight=None, **inputs):',
    '        return _value(y_true, y_pred, sample_weight, inputs, self.reduction)',
    '',
    '    def per_sample(self, y_true, y_pred, sample_weight=None, **inputs):',
    '        return per_sample(y_true, y_pred, sample_weight, **inputs)',
    '',
    '    def parts(self, y_true, y_pred, sample_weight=None, **inputs):',
    '        return _parts(y_true, y_pred, sample_weight, inputs, self.reduction)',
    '',
    '    def extra_repr(self):',
    "        return f'reduction={self.reduction!r}'",
    '',
  ];
  return lines.join('\n');
}
