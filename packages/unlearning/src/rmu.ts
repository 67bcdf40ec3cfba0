import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { LosskitError, formatShape, params } from '@losskit/core';
import { rng } from '@losskit/core/math';
import type { ModelLike } from './model.js';
import { type Objective, type ObjectiveTerm, objective, objectiveTerm, optionsOf } from './objective.js';

/** The part of a tfjs-layers `LayersModel` that RMU reads: its layers and `execute` (differentiable, inference mode). */
interface LayersModelLike {
  readonly layers: readonly { readonly name: string; readonly output: unknown }[];
  execute(inputs: Tensor, outputs: string | string[]): Tensor | Tensor[];
}

function asLayersModel(model: ModelLike, argument: string): LayersModelLike {
  const m = model as unknown as Partial<LayersModelLike>;
  if (!m || typeof m.execute !== 'function' || !Array.isArray(m.layers)) {
    throw new LosskitError('INVALID_ARGUMENT', 'RMU reads a hidden layer and needs a tfjs-layers model', { argument, expected: 'a tf.LayersModel / Sequential (layers and execute())', received: m && typeof m === 'object' ? 'an object without layers / execute()' : typeof m });
  }
  return m as LayersModelLike;
}

function outputName(m: LayersModelLike, layer: number | string): string {
  const found = typeof layer === 'number' ? m.layers[layer] : m.layers.find((l) => l.name === layer);
  const out = found?.output as { name?: unknown } | unknown[] | undefined;
  if (!found || !out || Array.isArray(out) || typeof (out as { name?: unknown }).name !== 'string') {
    throw new LosskitError('INVALID_PARAMETER', 'no layer with one output at that index or name', { argument: 'layer', expected: `an index in [0, ${m.layers.length}) or one of ${m.layers.map((l) => l.name).join(', ')}`, received: String(layer) });
  }
  return (out as { name: string }).name;
}

/**
 * Activations of a layer of a tfjs-layers model for inputs `x` (through `model.execute`, differentiable with respect to
 * the model's variables; inference mode). `layer` is an index into `model.layers` or a layer name.
 * @example const h = layerActivations(model, 1, x); // [N, units] (or [N, T, units] for a sequence model)
 */
export function layerActivations(model: ModelLike, layer: number | string, x: Tensor): Tensor {
  const m = asLayersModel(model, 'model');
  const out = m.execute(x, outputName(m, layer));
  return Array.isArray(out) ? out[0]! : out;
}

/**
 * open-unlearning's `compute_activation_loss`: per sample, the mean over features of `(a − b)²`, summed over the masked
 * positions and divided by their number; then the mean over the batch. `a, b` `[B, T, ...]` with mask `[B, T]` for a
 * sequence model, `[B, ...]` without (one position per sample).
 */
function activationLoss(a: Tensor, b: Tensor, mask: Tensor | undefined): Scalar {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(a, b);
    if (mask && a.rank >= 3 && a.shape[1] === mask.shape[1]) {
      const perPos = tf.mean(tf.reshape(sq, [a.shape[0]!, a.shape[1]!, -1]), -1);
      return tf.mean(tf.div(tf.sum(tf.mul(perPos, mask), -1), tf.maximum(tf.sum(mask, -1), 1))) as Scalar;
    }
    return tf.mean(tf.mean(tf.reshape(sq, [a.shape[0]!, -1]), -1)) as Scalar;
  });
}

/** Options of {@link rmu}. */
export interface RmuOptions {
  /** The layer whose activations are steered: an index into `model.layers` or a layer name (open-unlearning `module_regex`). */
  readonly layer: number | string;
  /** Steering coefficient c: forget activations are pushed to `c·u`. Default 2 (open-unlearning `RMU.yaml`). */
  readonly steeringCoeff?: number;
  /** Weight α of the retain (activation-preserving) term. Default 1 (`RMU.yaml`). */
  readonly alpha?: number;
  /** Weight γ of the forget term. Default 1. */
  readonly gamma?: number;
  /** Seed of the random direction u. Default 0. */
  readonly seed?: number;
}

/**
 * The fixed random control vector of RMU: `u = c·r/‖r‖` with `r_i ~ U[0, 1)` (open-unlearning / WMDP `torch.rand`, not
 * a Gaussian), length `dim`. Deterministic in `seed`.
 */
export function rmuControlVector(dim: number, steeringCoeff: number, seed = 0): number[] {
  const d = params.positiveInteger('dim', dim);
  const c = params.finite('steeringCoeff', steeringCoeff);
  const u = rng(params.finite('seed', seed));
  const r = Array.from({ length: d }, () => u());
  const norm = Math.sqrt(r.reduce((s, v) => s + v * v, 0)) || 1;
  return r.map((v) => (c * v) / norm);
}

/**
 * RMU forget term: the activation loss between the layer's activations on the forget batch and the control vector
 * `c·u` broadcast to every position (open-unlearning `RMU.compute_loss`).
 */
export function rmuForgetTerm(options: RmuOptions): ObjectiveTerm {
  const o = optionsOf(options, 'options') as RmuOptions;
  if (o === undefined || (typeof o.layer !== 'number' && typeof o.layer !== 'string')) throw new LosskitError('INVALID_PARAMETER', 'RMU needs the layer to steer', { argument: 'layer', expected: 'a layer index or name', received: String(o?.layer) });
  const c = params.nonNegative('steeringCoeff', o.steeringCoeff ?? 2);
  const seed = params.finite('seed', o.seed ?? 0);
  return objectiveTerm({
    name: `rmuForget(layer=${o.layer}, c=${c})`,
    level: 'any',
    needsReference: false,
    prepare: (s) => {
      const m = asLayersModel(s.model, 'model');
      const name = outputName(m, o.layer);
      const probe = tf.tidy(() => {
        const out = m.execute(tf.slice(s.x, 0, 1), name);
        return Array.isArray(out) ? out[0]! : out;
      });
      const dim = probe.shape.at(-1)!;
      probe.dispose();
      const u = rmuControlVector(dim, c, seed);
      return { rmuControl: tf.tidy(() => tf.tile(tf.tensor2d([u]), [s.x.shape[0]!, 1])) };
    },
    value: (b) =>
      tf.tidy(() => {
        const a = layerActivations(b.model, o.layer, b.x);
        const ctrl = b.inputs.rmuControl!;
        const shape = [a.shape[0]!, ...new Array(a.rank - 2).fill(1), a.shape.at(-1)!];
        return activationLoss(a, tf.broadcastTo(tf.reshape(ctrl, shape), a.shape), b.mask);
      }),
  });
}

/**
 * RMU retain term (open-unlearning `retain_loss_type: EMBED_DIFF`): the activation loss between the layer's activations
 * on the retain batch and the frozen reference model's (computed once, before the first step).
 */
export function rmuRetainTerm(options: Pick<RmuOptions, 'layer'>): ObjectiveTerm {
  const o = optionsOf(options, 'options') as RmuOptions;
  if (o === undefined || (typeof o.layer !== 'number' && typeof o.layer !== 'string')) throw new LosskitError('INVALID_PARAMETER', 'RMU needs the layer to steer', { argument: 'layer', expected: 'a layer index or name', received: String(o?.layer) });
  return objectiveTerm({
    name: `rmuRetain(layer=${o.layer})`,
    level: 'any',
    needsReference: true,
    prepare: (s) => {
      const ref = s.referenceModel ?? s.model;
      const m = asLayersModel(ref, 'reference');
      const name = outputName(m, o.layer);
      const acts: Tensor[] = [];
      const n = s.x.shape[0]!;
      for (let i = 0; i < n; i += 256) {
        acts.push(tf.tidy(() => {
          const out = m.execute(tf.slice(s.x, i, Math.min(256, n - i)), name);
          return Array.isArray(out) ? out[0]! : out;
        }));
      }
      const all = acts.length === 1 ? acts[0]! : tf.concat(acts, 0);
      if (acts.length > 1) acts.forEach((t) => t.dispose());
      return { rmuReference: all };
    },
    value: (b) => tf.tidy(() => {
      const a = layerActivations(b.model, o.layer, b.x);
      const r = b.inputs.rmuReference!;
      if (a.shape.join() !== r.shape.join()) throw new LosskitError('SHAPE_MISMATCH', 'the reference activations have another shape', { argument: 'reference', expected: formatShape(a.shape), received: formatShape(r.shape) });
      return activationLoss(a, r, b.mask);
    }),
  });
}

/**
 * RMU, representation misdirection (Li et al. 2024, WMDP; open-unlearning `RMU`, d3d7cf9e `src/trainer/unlearn/rmu.py`):
 * `L = γ·mean_forget ‖h_ℓ(x) − c·u‖² + α·mean_retain ‖h_ℓ(x) − h_ℓ^ref(x)‖²`, each squared norm averaged over features and
 * (for sequence models) over the labelled positions, `h_ℓ` the activations of layer ℓ of a tfjs-layers model, u a fixed
 * random unit vector (uniform entries, normalised), c the steering coefficient, `h^ref` the frozen original model.
 * Use with `unlearn({ ..., reference: 'initial' })`; restrict the updated weights with `unlearn`'s `variables` (the WMDP
 * recipe updates layers ℓ−2…ℓ; open-unlearning's default config updates everything). Defaults c = 2, α = 1, γ = 1.
 *
 * @example await unlearn({ model, forget, retain, objective: rmu({ layer: 1, steeringCoeff: 20, alpha: 10 }), reference: 'initial', optimizer: adam({ learningRate: 1e-3 }), steps: 100 })
 * @see Li et al., "The WMDP Benchmark: Measuring and Reducing Malicious Use With Unlearning" (2024).
 */
export function rmu(options: RmuOptions): Objective {
  const o = optionsOf(options, 'options') as RmuOptions;
  if (o === undefined) throw new LosskitError('INVALID_ARGUMENT', 'rmu needs options with the layer', { argument: 'options', expected: '{ layer }' });
  return objective({ name: 'rmu', forget: rmuForgetTerm(o), retain: rmuRetainTerm(o), gamma: o.gamma ?? 1, alpha: o.alpha ?? 1 });
}
