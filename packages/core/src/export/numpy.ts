/**
 * `toNumPy(expr, options)`: the source of a self-contained Python module (only `numpy`) computing the
 * values of `compile(expr, options)`: the reduced loss, per-sample values and named parts (no gradients).
 */
import type { Expr } from '../expr.js';
import type { TargetSpec } from './emit.js';
import { pyNum, pyStr } from './emit.js';
import { type ExportOptions, PY_ERRORS, forwardFunction, header, inputsLiteral, partLevels, prepareExport, pyInputHelpers } from './module.js';

const FULL = `def _full(x, shape):
    # A class- or pair-level value held in a broadcastable form ([N, 1], [1, C], a scalar) at its full shape
    # before a row-wise op, as compile() does; anything else (e.g. a [C, D] input) is left as it is.
    s = np.shape(x)
    if s == shape or len(s) > len(shape) or any(d != 1 and d != t for d, t in zip(s[::-1], shape[::-1])):
        return x
    return np.broadcast_to(x, shape)`;

const spec: TargetSpec = {
  name: 'numpy',
  title: 'NumPy',
  full: (ctx, x, shape) => `${ctx.helper('_full', FULL)}(${x}, ${shape})`,
  scalar: (v) => `np.asarray(${v}, dtype=z.dtype)`,
  tensor: (values) => `np.asarray(${values}, dtype=z.dtype)`,
  oneHot: (labels, c) => `np.eye(${c}, dtype=z.dtype)[${labels}]`,
  lseParts: (z, m) => [`${z}.max(-1)`, `np.log(np.exp(${z} - ${m}[:, None]).sum(-1))`],
  logClip: (p, eps) => `np.log(np.clip(${p}, ${eps}, 1.0))`,
  exp: (x) => `np.exp(${x})`,
};

const NP = { ns: 'np', ndim: 'ndim', size: 'size', asInput: 'np.asarray(value).astype(z.dtype)' };

const PREAMBLE = `import math

import numpy as np


${PY_ERRORS}`;

const PREPARE = `${pyInputHelpers(NP)}def _prepare(y_true, y_pred, sample_weight, inputs):
    # The same input conventions as compile(): y_pred [..., C] (or [B], one class); y_true integer labels
    # shaped like the leading dimensions (or [..., 1]) or dense targets shaped like y_pred.
    z = np.asarray(y_pred)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    if z.ndim == 0:
        raise LosskitError('RANK_MISMATCH', 'yPred: must have at least one dimension: expected shape [B, C] or [B], received [] (a scalar)')
    shape = tuple(z.shape)
    leading = shape if z.ndim == 1 else shape[:-1]
    c = 1 if z.ndim == 1 else shape[-1]
    n = math.prod(leading)
    if n == 0:
        raise LosskitError('EMPTY_BATCH', f'yPred: the batch is empty: expected at least one sample, received shape {_fmt(shape)}')
    if c == 0:
        raise LosskitError('SHAPE_MISMATCH', f'yPred: has no classes: expected [B, C] with C >= 1, received {_fmt(shape)}')
    if FROM == 'embeddings' and z.ndim != 2:
        raise LosskitError('RANK_MISMATCH', f'yPred: embeddings must be a matrix: expected shape [B, D], received {_fmt(shape)}')
    y = np.asarray(y_true)
    ys = tuple(y.shape)
    label_shape = ys == leading or (c > 1 and ys == leading + (1,))
    labels = dense = None
    if FROM == 'embeddings' or (label_shape and not (z.ndim == 1 and ys == shape)):
        if not label_shape:
            raise LosskitError('SHAPE_MISMATCH', f'yTrue: labels must have one entry per sample: expected integer labels of shape {_fmt(leading)}, received {_fmt(ys)}')
        flat = y.reshape(n)
        if np.issubdtype(flat.dtype, np.floating):
            bad = ~np.isfinite(flat) | (flat != np.round(flat))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                code = 'NON_INTEGER_LABEL' if math.isfinite(float(flat[i])) else 'NON_FINITE_INPUT'
                raise LosskitError(code, f'yTrue: labels must be integers: expected integers in [0, {c}), received {float(flat[i])} at index {i}')
        flat = flat.astype(np.int64)
        if FROM != 'embeddings':
            out = (flat < 0) | (flat >= c)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise LosskitError('LABEL_OUT_OF_RANGE', f'yTrue: label out of range: expected integers in [0, {c}), received {int(flat[i])} at index {i}')
        labels = flat
    elif ys == shape:
        dense = y.reshape(n, c).astype(z.dtype)
    else:
        raise LosskitError('SHAPE_MISMATCH', f'yTrue: does not match yPred: expected integer labels {_fmt(leading)} or targets {_fmt(shape)} (yPred is {_fmt(shape)}), received {_fmt(ys)}')
    w = None
    if sample_weight is not None:
        w = _weights(np.asarray(sample_weight).astype(z.dtype), leading, n)
    unknown = sorted(set(inputs) - set(INPUTS))
    if unknown:
        raise TypeError(f'unexpected input(s) {unknown}: this loss reads {sorted(INPUTS) or "no inputs"}')
    ins = {}
    for name, level in INPUTS.items():
        if name not in inputs:
            raise LosskitError('MISSING_INPUT', f"inputs.{name}: the expression reads input('{name}') but no such input was passed: pass it as {name}=...")
        ins[name] = _input(name, inputs[name], level, leading, n, c, z)
    return z.reshape(n, c), labels, dense, w, leading, ins


def _reduce(raw, w, n, leading, level, reduction):
    # compile()'s reductions of per-sample values l_i with sample weights w_i (default 1).
    raw = np.asarray(raw)
    if level == 'batch':
        if w is not None:
            raise LosskitError('INVALID_ARGUMENT', 'sampleWeight: sample weights need a sample-level expression; this one is already reduced to the batch')
        return raw.reshape(())
    v = raw.reshape(n) if raw.size == n else np.broadcast_to(raw.reshape(-1), (n,))
    weighted = v * w if w is not None else v
    if reduction == 'none':
        return weighted.reshape(leading)
    if reduction == 'sum':
        return weighted.sum()
    if reduction == 'mean' or w is None:
        return weighted.sum() / n
    den = w.sum() if reduction == 'weightedMean' else (w != 0).sum().astype(w.dtype)
    return weighted.sum() / den if den != 0 else np.zeros((), dtype=weighted.dtype)`;

const API = `def _run(z, labels, dense, ins):
    # Overflow to inf and log(0) are values here (as in compile()), not warnings.
    with np.errstate(all='ignore'):
        return _forward(z, labels, dense, ins)


def loss(y_true, y_pred, sample_weight=None, **inputs):
    """The loss reduced with REDUCTION: a 0-dim array (for 'none', shaped like y_pred's leading dimensions).

    y_true: integer labels [B] (or [..., 1]) or dense targets shaped like y_pred; y_pred: [..., C];
    sample_weight: optional, shaped like the leading dimensions (or a prefix of them), or a scalar;
    inputs: the extra arrays named in INPUTS, as keyword arguments.
    """
    z, labels, dense, w, leading, ins = _prepare(y_true, y_pred, sample_weight, inputs)
    raw, _ = _run(z, labels, dense, ins)
    return _reduce(raw, w, z.shape[0], leading, LEVEL, REDUCTION)


def per_sample(y_true, y_pred, sample_weight=None, **inputs):
    """Per-sample values w_i * l_i, shaped like y_pred's leading dimensions (needs a sample-level loss)."""
    if LEVEL != 'sample':
        raise LosskitError('LEVEL_MISMATCH', f'expr: per_sample() needs a sample-level expression: received a {LEVEL}-level expression')
    z, labels, dense, w, leading, ins = _prepare(y_true, y_pred, sample_weight, inputs)
    raw, _ = _run(z, labels, dense, ins)
    n = z.shape[0]
    raw = np.asarray(raw)
    v = raw.reshape(n) if raw.size == n else np.broadcast_to(raw.reshape(-1), (n,))
    return (v * w if w is not None else v).reshape(leading)


def parts(y_true, y_pred, sample_weight=None, **inputs):
    """The reduced value of every named sub-expression (PARTS) and of the whole loss ('total'), as floats.

    Sample-level parts are reduced like the loss ('none' reads as 'mean'); class- and pair-level parts are
    averaged over all their entries.
    """
    reduction = 'mean' if REDUCTION == 'none' else REDUCTION
    z, labels, dense, w, leading, ins = _prepare(y_true, y_pred, sample_weight, inputs)
    raw, named = _run(z, labels, dense, ins)
    n = z.shape[0]
    out = {'total': float(_reduce(raw, w, n, leading, LEVEL, reduction))}
    for name, level in PARTS.items():
        value = named[name]
        out[name] = float(np.mean(value)) if level in ('class', 'pair') else float(_reduce(value, w, n, leading, level, reduction))
    return out`;

/**
 * The source of a self-contained Python module (needs only `numpy`) computing the values of
 * `compile(expr, options)`: `loss(y_true, y_pred, sample_weight=None, **inputs)` (reduced),
 * `per_sample(...)` and `parts(...)` (a dict of floats), with the same formulas, reductions, `from`,
 * ε-clipping, label and target conventions and broadcasting as {@link toPyTorch}. No gradients: use it for
 * quick checks, in SciPy pipelines, or as a float64 reference (the dtype follows `y_pred`; integer inputs
 * compute in float64).
 *
 * @param expr A sample- or batch-level expression (as `compile()` takes).
 * @param options `from`, `reduction`, `epsilon` as in `compile()`; `source` (DSL text for the header).
 * @returns Python source text.
 * @example
 * const py = toNumPy(focal({ gamma: 2 }));
 * // python: from focal import loss; loss([0, 2], [[2.0, 1.0, 0.0], [0.0, 1.0, 3.0]])
 */
export function toNumPy(expr: Expr, options: ExportOptions = {}): string {
  const r = prepareExport(expr, options, spec);
  const lines = [
    ...header(expr, r, options.source, 'toNumPy', 'Same values and per-sample values as compile(expr, options) in losskit (no gradients); needs only numpy.'),
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
  ];
  return lines.join('\n');
}
