import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, PREC, type TensorLike, defineOp, formatIndex, formatShape, input as inputTerm, node, yTrue, yPred, params } from '@losskit/core';
import { bceWithLogits } from '../standard/bceWithLogits.js';
import { gaussianNLL } from '../standard/gaussianNLL.js';
import { hingeEmbedding } from '../standard/hingeEmbedding.js';
import { huber } from '../standard/huber.js';
import { marginRanking } from '../standard/marginRanking.js';
import { meanAbsoluteError } from '../standard/meanAbsoluteError.js';
import { meanSquaredError } from '../standard/meanSquaredError.js';
import { poissonNLL } from '../standard/poissonNLL.js';
import { xLogX } from '../standard/primitives.js';
import { smoothL1 } from '../standard/smoothL1.js';
import { softMargin } from '../standard/softMargin.js';
import { type ValidateOption, inputTensor } from '../validate.js';
import { type TorchOptions, type TorchReduction, broadcastTo, elementwise, numberOption, output, reduce, sameShape, torchOptions } from './common.js';

/** Runs an elementwise loss: checks `input`/`target`, evaluates `expr` per element, applies `weight` and the reduction. */
function run(
  fn: string,
  expr: Expr<'sample', 'any'>,
  input: TensorLike,
  target: TensorLike,
  validate: boolean,
  reduction: TorchReduction,
  more: { extra?: (x: Tensor) => Record<string, Tensor>; weight?: TensorLike | undefined; check?: (x: Tensor, t: Tensor) => void } = {},
): Tensor {
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const t = inputTensor(target, 'target', validate);
    sameShape(x, t, 'input', 'target');
    more.check?.(x, t);
    let values = elementwise(expr, t, x, more.extra?.(x));
    if (more.weight !== undefined && more.weight !== null) values = tf.mul(values, broadcastTo(inputTensor(more.weight, 'weight', validate), x.shape, 'weight'));
    return output(reduce(values, reduction), fn, validate);
  });
}

/**
 * torch `F.mse_loss(input, target, reduction='mean')`: `(x − y)²` elementwise; `'mean'` over every element.
 * `input` and `target` must have the same shape (torch broadcasts with a warning; here a `SHAPE_MISMATCH`).
 * @example mseLoss([1, 2, 3], [1, 0, 0]) // 13 / 3
 */
export function mseLoss(input: TensorLike, target: TensorLike, options: TorchOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  return run('mseLoss', meanSquaredError(), input, target, validate, reduction);
}

/**
 * torch `F.l1_loss(input, target, reduction='mean')`: `|x − y|` elementwise.
 * @example l1Loss([1, 2, 3], [1, 0, 0]) // 5 / 3
 */
export function l1Loss(input: TensorLike, target: TensorLike, options: TorchOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  return run('l1Loss', meanAbsoluteError(), input, target, validate, reduction);
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions extends TorchOptions {
  /** β ≥ 0; 0 is the L1 loss. Default 1. */
  readonly beta?: number;
}

/**
 * torch `F.smooth_l1_loss(input, target, reduction='mean', beta=1.0)`: `0.5 (x − y)² / β` where `|x − y| < β`,
 * else `|x − y| − 0.5 β`, elementwise.
 * @example smoothL1Loss([0, 3], [0.5, 0]) // (0.125 + 2.5) / 2
 */
export function smoothL1Loss(input: TensorLike, target: TensorLike, options: SmoothL1LossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const beta = numberOption('beta', options.beta ?? 1, (v) => v >= 0, 'a number >= 0');
  return run('smoothL1Loss', smoothL1({ beta }), input, target, validate, reduction);
}

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends TorchOptions {
  /** δ > 0. Default 1. */
  readonly delta?: number;
}

/**
 * torch `F.huber_loss(input, target, reduction='mean', delta=1.0)`: `0.5 (x − y)²` where `|x − y| ≤ δ`, else
 * `δ (|x − y| − 0.5 δ)`, elementwise.
 * @example huberLoss([0, 3], [0.5, 0]) // (0.125 + 2.5) / 2
 */
export function huberLoss(input: TensorLike, target: TensorLike, options: HuberLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const delta = numberOption('delta', options.delta ?? 1, (v) => v > 0, 'a number > 0');
  return run('huberLoss', huber({ delta }), input, target, validate, reduction);
}

/** torch's BCE with its clamp: `−[y max(log x, −100) + (1 − y) max(log(1 − x), −100)]` and its backward formula. */
function torchBce(x: Tensor, y: Tensor): Tensor {
  const logs = (p: Tensor) => [tf.maximum(tf.log(p), -100), tf.maximum(tf.log(tf.sub(1, p)), -100)] as const;
  const f = tf.customGrad(((p: Tensor, t: Tensor, save: (ts: Tensor[]) => void) => {
    save([p, t]);
    const [logP, log1mP] = logs(p);
    return {
      value: tf.neg(tf.add(tf.mul(t, logP), tf.mul(tf.sub(1, t), log1mP))),
      // torch's binary_cross_entropy_backward: (x − y) / max(x (1 − x), 1e-12), finite also at x ∈ {0, 1}.
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sp, st] = saved as [Tensor, Tensor];
        const [lp, l1p] = logs(sp);
        return [tf.div(tf.mul(dy, tf.sub(sp, st)), tf.maximum(tf.mul(sp, tf.sub(1, sp)), 1e-12)), tf.mul(dy, tf.sub(l1p, lp))];
      },
    };
  }) as never) as (a: Tensor, b: Tensor) => Tensor;
  return f(x, y);
}

const torchBceOp = defineOp({
  kind: 'torch.bce',
  evaluate: (c) => torchBce(c.yPred, c.yTrue()),
  print: (_a, _p, m) => (m === 'latex' ? '-\\left[y \\max(\\log x, -100) + (1 - y)\\max(\\log(1 - x), -100)\\right]' : '−[y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)]'),
  prec: PREC.atom,
});

/** Options of {@link binaryCrossEntropy}. */
export interface BinaryCrossEntropyOptions extends TorchOptions {
  /** Weights broadcast to `input`'s shape, multiplying each element's loss. Default none. */
  readonly weight?: TensorLike;
}

/**
 * torch `F.binary_cross_entropy(input, target, weight=None, reduction='mean')`: `−w [y log x + (1 − y) log(1 − x)]`
 * with each log clamped at −100 (so `x ∈ {0, 1}` gives 100, not ∞) and torch's gradient `(x − y) / max(x(1 − x), 1e-12)`.
 * `input` must hold probabilities in [0, 1] (torch raises otherwise; here `INVALID_ARGUMENT` naming `input`).
 * `'mean'` divides the weighted sum by the number of elements.
 * @example binaryCrossEntropy([0.9, 0.2], [1, 0])
 */
export function binaryCrossEntropy(input: TensorLike, target: TensorLike, options: BinaryCrossEntropyOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  return run('binaryCrossEntropy', node(torchBceOp, 'class').mean(), input, target, validate, reduction, {
    weight: options.weight,
    check: (x) => {
      const v = x.dataSync();
      for (let i = 0; i < v.length; i++) {
        if (!(v[i]! >= 0 && v[i]! <= 1) && Number.isFinite(v[i]!)) {
          throw new LosskitError('INVALID_ARGUMENT', 'all elements of input should be between 0 and 1', { argument: 'input', expected: 'probabilities in [0, 1]', received: `${v[i]} at ${formatIndex(i, x.shape)}` });
        }
      }
    },
  });
}

const POS_WEIGHT = inputTerm('posWeight', 'class');

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast to `input`'s shape (typically `[C]`, the last dimension). Default none. */
  readonly posWeight?: TensorLike;
}

/**
 * torch `F.binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean', pos_weight=None)`:
 * `w [(1 − y) x + (1 + (p − 1) y) softplus(−x)]` elementwise (exact for any finite logit), `p` = `posWeight`
 * broadcast along the trailing dimensions.
 * @example binaryCrossEntropyWithLogits([[0.5, -1]], [[1, 0]], { posWeight: [3, 1] })
 */
export function binaryCrossEntropyWithLogits(input: TensorLike, target: TensorLike, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const pw = options.posWeight;
  const has = pw !== undefined && pw !== null;
  return run('binaryCrossEntropyWithLogits', has ? bceWithLogits({ posWeight: POS_WEIGHT }) : bceWithLogits(), input, target, validate, reduction, {
    weight: options.weight,
    ...(has ? { extra: (x: Tensor) => ({ posWeight: broadcastTo(inputTensor(pw, 'posWeight', validate), x.shape, 'posWeight') }) } : {}),
  });
}

/**
 * torch `F.soft_margin_loss(input, target, reduction='mean')`: `log(1 + exp(−y x))` elementwise, as `softplus(−y x)`
 * (finite where torch's `log1p(exp(·))` overflows).
 * @example softMarginLoss([0.3, 2], [1, -1])
 */
export function softMarginLoss(input: TensorLike, target: TensorLike, options: TorchOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  return run('softMarginLoss', softMargin(), input, target, validate, reduction);
}

/** Options of {@link hingeEmbeddingLoss}. */
export interface HingeEmbeddingLossOptions extends TorchOptions {
  /** Δ. Default 1. */
  readonly margin?: number;
}

/**
 * torch `F.hinge_embedding_loss(input, target, margin=1.0, reduction='mean')`: `x` where `y = 1`, `max(0, Δ − x)` where
 * `y = −1` (torch's `where(y ≠ 1, …) + where(y ≠ −1, …)` for any other value).
 * @example hingeEmbeddingLoss([0.3, 0.4], [1, -1]) // (0.3 + 0.6) / 2
 */
export function hingeEmbeddingLoss(input: TensorLike, target: TensorLike, options: HingeEmbeddingLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const margin = numberOption('margin', options.margin ?? 1);
  return run('hingeEmbeddingLoss', hingeEmbedding({ margin }), input, target, validate, reduction);
}

/** Options of {@link marginRankingLoss}. */
export interface MarginRankingLossOptions extends TorchOptions {
  /** Default 0. */
  readonly margin?: number;
}

/**
 * torch `F.margin_ranking_loss(input1, input2, target, margin=0, reduction='mean')`: `max(0, −y (x1 − x2) + margin)`
 * elementwise, all three of the same shape.
 * @example marginRankingLoss([0.3, 0.9], [0.5, 0.1], [1, -1], { margin: 0.1 })
 */
export function marginRankingLoss(input1: TensorLike, input2: TensorLike, target: TensorLike, options: MarginRankingLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const margin = numberOption('margin', options.margin ?? 0);
  return tf.tidy(() => {
    const x2 = inputTensor(input2, 'input2', validate);
    return run('marginRankingLoss', marginRanking({ margin }), input1, target, validate, reduction, {
      extra: (x1) => {
        sameShape(x1, x2, 'input1', 'input2');
        return { input2: x2 };
      },
    });
  });
}

/** Options of {@link klDiv}. */
export interface KlDivOptions extends ValidateOption {
  /** torch's reductions plus `'batchmean'` (the sum divided by the batch size). Default `'mean'`. */
  readonly reduction?: TorchReduction | 'batchmean';
  /** The target holds log-probabilities. Default false. */
  readonly logTarget?: boolean;
}

/**
 * torch `F.kl_div(input, target, reduction='mean', log_target=False)` for log-probabilities `input`: elementwise
 * `t (log t − x)` (`0` where `t = 0`; `t` must be ≥ 0, else `INVALID_ARGUMENT`), or `e^t (t − x)` with `logTarget`.
 * `'mean'` divides by the number of elements (torch's default, which it warns about); `'batchmean'` divides the sum
 * by `input.shape[0]`, the mathematical KL per sample.
 * @example klDiv([[-1.2, -0.4]], [[0.3, 0.7]], { reduction: 'batchmean' })
 */
export function klDiv(input: TensorLike, target: TensorLike, options: KlDivOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options, ['mean', 'sum', 'none', 'batchmean'] as const);
  const logTarget = params.boolean('logTarget', options.logTarget ?? false);
  const t = yTrue();
  const expr = (logTarget ? t.exp().times(t.minus(yPred())) : xLogX(t).minus(t.times(yPred()))).mean();
  return tf.tidy(() => {
    const x = inputTensor(input, 'input', validate);
    const values = run('klDiv', expr, x, target, validate, 'none', {
      check: (_x, y) => {
        if (logTarget) return;
        const v = y.dataSync();
        for (let i = 0; i < v.length; i++) {
          if (v[i]! < 0) throw new LosskitError('INVALID_ARGUMENT', 'target probabilities must be >= 0 (torch gives NaN)', { argument: 'target', expected: 'values >= 0, or logTarget: true for log-probabilities', received: `${v[i]} at ${formatIndex(i, y.shape)}` });
        }
      },
    });
    return output(reduction === 'batchmean' ? tf.div(tf.sum(values), x.rank === 0 ? 1 : x.shape[0]!) : reduce(values, reduction), 'klDiv', validate);
  });
}

/** Options of {@link poissonNllLoss}. */
export interface PoissonNllLossOptions extends TorchOptions {
  /** Default true. */
  readonly logInput?: boolean;
  /** Default false. */
  readonly full?: boolean;
  /** Default 1e-8. */
  readonly eps?: number;
}

/**
 * torch `F.poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction='mean')`:
 * `exp(x) − y x` (or `x − y log(x + eps)`), plus with `full` Stirling's `y log y − y + ½ log(2π y)` where `y > 1`.
 * @example poissonNllLoss([0.5, -1], [2, 0])
 */
export function poissonNllLoss(input: TensorLike, target: TensorLike, options: PoissonNllLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const expr = poissonNLL({ logInput: params.boolean('logInput', options.logInput ?? true), full: options.full ?? false, eps: options.eps ?? 1e-8 });
  return run('poissonNllLoss', expr, input, target, validate, reduction);
}

/** Options of {@link gaussianNllLoss}. */
export interface GaussianNllLossOptions extends TorchOptions {
  /** Add `½ log 2π`. Default false. */
  readonly full?: boolean;
  /** Variance floor (a clamp without gradient effect, as torch's `no_grad` clamp). Default 1e-6. */
  readonly eps?: number;
}

/**
 * torch `F.gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean')`:
 * `½ (log v + (x − y)² / v) [+ ½ log 2π]` elementwise with `v = max(var, eps)` (clamped outside the gradient).
 * `var` has `input`'s shape, or one dimension less, or a last dimension of 1 (homoscedastic), and must be ≥ 0
 * (torch raises; here `INVALID_ARGUMENT` naming `var`).
 * @example gaussianNllLoss([[0.5, 1]], [[1, 1]], [[0.2, 0.4]])
 */
export function gaussianNllLoss(input: TensorLike, target: TensorLike, variance: TensorLike, options: GaussianNllLossOptions = {}): Tensor {
  const { validate, reduction } = torchOptions(options);
  const expr = gaussianNLL({ full: params.boolean('full', options.full ?? false), eps: numberOption('eps', options.eps ?? 1e-6, (v) => v > 0, 'a number > 0') });
  return tf.tidy(() => {
    const v0 = inputTensor(variance, 'var', validate);
    return run('gaussianNllLoss', expr, input, target, validate, reduction, {
      extra: (x) => {
        let v = v0;
        const s = x.shape;
        if (v.shape.join() !== s.join()) {
          if (v.shape.join() === s.slice(0, -1).join() && s.length > 0) v = tf.expandDims(v, -1);
          else if (!(v.rank === s.length && v.shape.at(-1) === 1 && v.shape.slice(0, -1).join() === s.slice(0, -1).join())) {
            throw new LosskitError('SHAPE_MISMATCH', 'var is of incorrect size', { argument: 'var', expected: `${formatShape(s)}, ${formatShape(s.slice(0, -1))} or ${formatShape([...s.slice(0, -1), 1])}`, received: formatShape(v0.shape) });
          }
        }
        const values = v0.dataSync();
        for (let i = 0; i < values.length; i++) {
          if (values[i]! < 0) throw new LosskitError('INVALID_ARGUMENT', 'var has negative entries', { argument: 'var', expected: 'variances >= 0', received: `${values[i]} at ${formatIndex(i, v0.shape)}` });
        }
        return { var: broadcastTo(v, s, 'var') };
      },
    });
  });
}
