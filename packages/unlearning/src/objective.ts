import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { type Compilable, type Expr, LosskitError, ce, input, kl, params, readOptions } from '@losskit/core';
import type { ModelLike } from './model.js';

/** What an {@link ObjectiveTerm} sees once per set, before the first step (whole-set tensors, not owned by the term). */
export interface TermSetup {
  /** The model being unlearned (before the first step). */
  readonly model: ModelLike;
  /** Inputs `[N, ...]`. */
  readonly x: Tensor;
  /** Labels: `[N]` for classifiers; `[N, T]` int32 for sequence models, ignored positions set to 0. */
  readonly y: Tensor;
  /** `[N, T]` 1 where a sequence position has a loss; `undefined` for classifiers. */
  readonly mask: Tensor | undefined;
  /** The set's extra per-sample inputs. */
  readonly inputs: Readonly<Record<string, Tensor>>;
  /** Logits of the reference model for any inputs (no gradient; caller owns the result), when the term needs a reference. */
  readonly referenceLogits: ((x: Tensor) => Tensor) | undefined;
  /** The reference model itself (the model before the first step for `reference: 'initial'`). */
  readonly referenceModel: ModelLike | undefined;
}

/** What an {@link ObjectiveTerm} sees on every step (one batch; all tensors are owned by the driver). */
export interface TermBatch {
  /** The model being unlearned. */
  readonly model: ModelLike;
  /** Differentiable forward pass of the model (training mode), logits. */
  readonly forward: (x: Tensor) => Tensor;
  readonly x: Tensor;
  /** Labels of the batch (as in {@link TermSetup}). */
  readonly y: Tensor;
  readonly mask: Tensor | undefined;
  /** The batch rows of the set's inputs and of what `prepare` returned. */
  readonly inputs: Readonly<Record<string, Tensor>>;
}

/**
 * A forget or retain term that is not a per-sample losskit expression: it computes its batch value from the model itself
 * (sequence-level NLLs, hidden activations). `prepare` runs once per set and returns per-sample tensors `[N, ...]` that
 * the driver gathers into every batch's `inputs` (and disposes at the end); `value` returns the term's scalar on a batch.
 */
export interface ObjectiveTerm {
  readonly kind: 'objectiveTerm';
  readonly name: string;
  /** `sequence`: needs a sequence model (logits `[N, T, V]`); `any`: classifiers and sequence models. */
  readonly level: 'sequence' | 'any';
  /** True when `prepare` reads the reference model. */
  readonly needsReference: boolean;
  prepare?(setup: TermSetup): Record<string, Tensor>;
  value(batch: TermBatch): Scalar;
  toString(): string;
}

/** Builds an {@link ObjectiveTerm} (freezes it and gives it a `toString`). */
export function objectiveTerm(t: Omit<ObjectiveTerm, 'kind' | 'toString'>): ObjectiveTerm {
  return Object.freeze({ ...t, kind: 'objectiveTerm' as const, toString: () => t.name });
}

/** @internal True for an {@link ObjectiveTerm}. */
export function isObjectiveTerm(t: unknown): t is ObjectiveTerm {
  return !!t && typeof t === 'object' && (t as ObjectiveTerm).kind === 'objectiveTerm' && typeof (t as ObjectiveTerm).value === 'function';
}

/**
 * An unlearning objective: `L = γ·L_forget + α·L_retain`, where each term is a losskit expression evaluated on its
 * own batch (forget batch, retain batch) and reduced by its mean over the batch. This is the form of every
 * GradDiff-derived trainer in open-unlearning (`src/trainer/unlearn/grad_diff.py`).
 *
 * Expressions may read two extra inputs that the `unlearn` driver supplies from the reference (original) model:
 * - `input('reference', 'class')`: the reference model's logits on the same batch `[B, C]`;
 * - `input('referenceLoss', 'sample')`: `referenceLoss` (default `ce()`) evaluated on those logits `[B]`.
 */
export interface Objective {
  /** Display name, e.g. `npo`. */
  readonly name: string;
  /** Per-sample (or batch-level) term on the forget batch, or an {@link ObjectiveTerm}; `undefined` for none. */
  readonly forget: Compilable | ObjectiveTerm | undefined;
  /** Per-sample term (or an {@link ObjectiveTerm}) on the retain batch; `undefined` when the method uses only forget data. */
  readonly retain: Compilable | ObjectiveTerm | undefined;
  /** Weight γ of the forget term. */
  readonly gamma: number;
  /** Weight α of the retain term. */
  readonly alpha: number;
  /** The per-sample loss that gives `input('referenceLoss', 'sample')` from reference logits. */
  readonly referenceLoss: Expr<'sample'>;
  /** True when a term reads `reference` or `referenceLoss` (the driver then needs a reference model). */
  readonly needsReference: boolean;
  /** `γ·(forget) + α·(retain)` as text. */
  toString(): string;
}

/** Options of {@link objective}. */
export interface ObjectiveOptions {
  readonly name?: string;
  /** Term on the forget batch (sample or batch level, or an {@link ObjectiveTerm}). */
  readonly forget?: Compilable | ObjectiveTerm;
  /** Term on the retain batch (sample or batch level, or an {@link ObjectiveTerm}). */
  readonly retain?: Compilable | ObjectiveTerm;
  /** γ, default 1. */
  readonly gamma?: number;
  /** α, default 1. */
  readonly alpha?: number;
  /** Loss giving `referenceLoss` from the reference logits. Default `ce()`. */
  readonly referenceLoss?: Expr<'sample'>;
}

const REFERENCE_INPUTS = new Set(['reference', 'referenceLoss']);

/** @internal Validates an options argument: `undefined` gives `{}`; anything but a plain object throws `INVALID_ARGUMENT`. */
export function optionsOf<T>(options: T, name = 'options'): T {
  return readOptions(options as T & object, name);
}

/** @internal Throws `LEVEL_MISMATCH` naming `argument` unless `e` is a sample-level losskit expression. */
export function sampleLoss(e: unknown, argument: string): Expr<'sample'> {
  const x = e as Expr | null;
  if (!x || typeof x !== 'object' || typeof x.key !== 'string' || x.level !== 'sample') {
    throw new LosskitError('LEVEL_MISMATCH', 'expected a sample-level loss expression', { argument, expected: 'e.g. ce() or any sample-level expression', received: x && typeof x === 'object' && typeof x.level === 'string' ? `${x.level}-level ${String(x)}` : typeof e });
  }
  return x as Expr<'sample'>;
}

/** @internal True when `e` reads one of the reference inputs. */
export function readsReference(e: Expr | ObjectiveTerm | undefined): boolean {
  if (!e) return false;
  if (isObjectiveTerm(e)) return e.needsReference;
  if (e.op.kind === 'input' && REFERENCE_INPUTS.has(e.params.name as string)) return true;
  return e.args.some((a) => readsReference(a));
}

function checkTerm(e: unknown, argument: string): Compilable | ObjectiveTerm | undefined {
  if (e === undefined) return undefined;
  if (isObjectiveTerm(e)) return e;
  const x = e as Expr;
  if (!x || typeof x !== 'object' || typeof x.key !== 'string' || (x.level !== 'sample' && x.level !== 'batch')) {
    throw new LosskitError('LEVEL_MISMATCH', 'an objective term must be a sample- or batch-level expression', {
      argument,
      expected: 'e.g. ce(), ce().neg(), npoTerm()',
      received: x && typeof x.level === 'string' ? `${x.level}-level ${x.toString()}` : typeof e,
    });
  }
  return x as Compilable;
}

/**
 * Builds an unlearning objective `L = γ·mean_forget(f) + α·mean_retain(r)` from two losskit expressions.
 * Shapes: each term sees `yPred` = model logits `[B, C]` and `yTrue` = labels `[B]` (or dense targets) of its batch.
 * Defaults: γ = α = 1, no retain term, `referenceLoss = ce()`.
 *
 * @example const gd = objective({ forget: ce().neg(), retain: ce() }); // gradient difference
 * @see open-unlearning (locuslab/open-unlearning, `GradDiff`): L = γ·L_forget + α·L_retain.
 */
export function objective(options: ObjectiveOptions): Objective {
  if (!options || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'objective needs an options object', { argument: 'options' });
  const forget = checkTerm(options.forget, 'forget');
  const retain = checkTerm(options.retain, 'retain');
  if (!forget && !retain) throw new LosskitError('INVALID_ARGUMENT', 'an objective needs a forget or a retain term', { argument: 'forget | retain' });
  const gamma = params.nonNegative('gamma', options.gamma ?? 1);
  const alpha = params.nonNegative('alpha', options.alpha ?? 1);
  const referenceLoss = sampleLoss(options.referenceLoss ?? ce(), 'referenceLoss');
  if (readsReference(referenceLoss)) {
    throw new LosskitError('INVALID_ARGUMENT', 'referenceLoss cannot itself read the reference inputs', { argument: 'referenceLoss', received: referenceLoss.toString() });
  }
  const name = options.name ?? 'objective';
  const text = [forget ? `${gamma}·mean_forget(${forget.toString()})` : '', retain ? `${alpha}·mean_retain(${retain.toString()})` : '']
    .filter((s) => s)
    .join(' + ');
  return Object.freeze({
    name,
    forget,
    retain,
    gamma,
    alpha,
    referenceLoss,
    needsReference: readsReference(forget) || readsReference(retain),
    toString: () => text,
  });
}

/** Options shared by the GradDiff-family objectives. */
export interface GradDiffOptions {
  /** The per-sample loss ℓ (default `ce()`, the NLL of the label). Any sample-level loss from @losskit/losses works. */
  readonly loss?: Expr<'sample'>;
  /** Retain term, default `ce()` (open-unlearning `retain_loss_type: NLL`); pass {@link klToReference}() for KL. */
  readonly retain?: Compilable;
  /** γ, default 1. */
  readonly gamma?: number;
  /** α, default 1. */
  readonly alpha?: number;
}

/**
 * Gradient ascent: maximize the loss on the forget set, `L = −mean_forget ℓ` (no retain term).
 * @example unlearn({ model, forget, objective: gradientAscent(), optimizer: sgd({ learningRate: 1e-2 }), steps: 20 })
 * @see open-unlearning `GradAscent` (−outputs.loss); Golatkar et al. / Thudi et al. use the same baseline.
 */
export function gradientAscent(options: { readonly loss?: Expr<'sample'> } = {}): Objective {
  const loss = sampleLoss(optionsOf(options).loss ?? ce(), 'loss');
  return objective({ name: 'gradientAscent', forget: loss.neg() as Compilable });
}

/**
 * Gradient difference: `L = −γ·mean_forget ℓ + α·mean_retain r`, r = ℓ by default.
 * Defaults γ = α = 1 (open-unlearning `GradDiff`).
 * @example const gd = gradientDifference({ gamma: 1, alpha: 1 });
 * @see Liu et al., "Continual Learning and Private Unlearning" (2022); open-unlearning `GradDiff`.
 */
export function gradientDifference(options: GradDiffOptions = {}): Objective {
  options = optionsOf(options);
  const loss = sampleLoss(options.loss ?? ce(), 'loss');
  return objective({
    name: 'gradientDifference',
    forget: loss.neg() as Compilable,
    retain: options.retain ?? loss,
    ...(options.gamma !== undefined ? { gamma: options.gamma } : {}),
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    referenceLoss: loss,
  });
}

/**
 * KL from the reference (original) model to the current one, per retain sample:
 * `KL(π_ref ‖ π_θ) = Σ_j π_ref,j (log π_ref,j − log π_θ,j)`, with `π_ref = softmax(input('reference'))`.
 * This is open-unlearning's `retain_loss_type: KL` (`kl_div(log_softmax θ, log_softmax ref, log_target=True)`,
 * whose target is the reference). Shapes: logits `[B, C]` and reference logits `[B, C]` → `[B]`.
 * @example gradientDifference({ retain: klToReference() }) // "KL minimization" of TOFU
 * @see Maini et al., "TOFU: A Task of Fictitious Unlearning for LLMs" (2024).
 */
export function klToReference(): Expr<'sample', 'any'> {
  return kl(input('reference', 'class').softmax());
}

/**
 * Gradient ascent on the forget set plus KL to the reference model on the retain set:
 * `L = −γ·mean_forget ℓ + α·mean_retain KL(π_ref ‖ π_θ)` (TOFU's "KL minimization"). Needs a reference model.
 * @example const obj = klRetain();
 */
export function klRetain(options: Omit<GradDiffOptions, 'retain'> = {}): Objective {
  return { ...gradientDifference({ ...optionsOf(options), retain: klToReference() }), name: 'klRetain' } as Objective;
}
