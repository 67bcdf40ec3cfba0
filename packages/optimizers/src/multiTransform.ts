import type { Tensor } from '@tensorflow/tfjs-core';
import { LosskitError } from '@losskit/core';
import type { GradientTransformation, Params, UpdateResult } from './types.js';
import { checkParams, checkTransform, disposeParams, disposeState, pick } from './types.js';
import { updateSubset } from './masked.js';

/** How parameters get their group label: a record `{ name: label }` or a function `(name, tensor) => label`. */
export type ParamLabels = Readonly<Record<string, string>> | ((name: string, tensor: Tensor) => string);

/** State of {@link multiTransform}: one inner state per label (`null` for a label no parameter has). */
export interface MultiTransformState {
  readonly inner: Readonly<Record<string, unknown>>;
}

function labelsOf(p: Params, labels: ParamLabels, groups: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>([...groups].map((g) => [g, []]));
  for (const k of Object.keys(p)) {
    let label: unknown;
    if (typeof labels === 'function') label = labels(k, p[k]!);
    else {
      if (!(k in labels)) throw new LosskitError('INVALID_ARGUMENT', `no label for parameter "${k}"`, { argument: 'labels', expected: 'a label for every parameter name', received: Object.keys(labels).join(', ') });
      label = labels[k];
    }
    if (typeof label !== 'string' || !groups.has(label)) {
      throw new LosskitError('INVALID_ARGUMENT', `parameter "${k}" has a label with no transformation`, { argument: 'labels', expected: `one of ${[...groups].join(', ')}`, received: String(label) });
    }
    out.get(label)!.push(k);
  }
  return out;
}

/**
 * Applies a different transformation to each group of parameters (optax `multi_transform`, now `partition`): every
 * parameter has a label, and `transforms[label]` updates the parameters with that label; each inner state covers its
 * group only. Use it for per-group optimizers (muon for matrices, adam for the rest; no decay on embeddings).
 * @example multiTransform({ decay: adamw({ weightDecay: 0.1 }), plain: adam() }, (name, t) => (t.rank > 1 ? 'decay' : 'plain'))
 */
export function multiTransform(transforms: Readonly<Record<string, GradientTransformation<any>>>, labels: ParamLabels): GradientTransformation<MultiTransformState> {
  if (transforms === null || typeof transforms !== 'object' || Object.keys(transforms).length === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'multiTransform needs a record of transformations', { argument: 'transforms', expected: '{ label: GradientTransformation }', received: String(transforms) });
  }
  for (const [k, t] of Object.entries(transforms)) checkTransform(t, `transforms.${k}`);
  if (typeof labels !== 'function' && (labels === null || typeof labels !== 'object')) {
    throw new LosskitError('INVALID_ARGUMENT', 'labels must be a record or a function', { argument: 'labels', received: String(labels) });
  }
  const groups = new Set(Object.keys(transforms));
  return {
    init(params) {
      const ps = checkParams(params, 'params');
      const by = labelsOf(ps, labels, groups);
      const inner: Record<string, unknown> = {};
      try {
        for (const [g, names] of by) inner[g] = names.length === 0 ? null : transforms[g]!.init(pick(ps, names));
      } catch (e) {
        disposeState(inner);
        throw e;
      }
      return { inner };
    },
    update(grads, state, params, extra): UpdateResult<MultiTransformState> {
      const g = checkParams(grads, 'grads');
      const by = labelsOf(g, labels, groups);
      const inner: Record<string, unknown> = {};
      const updates: Record<string, Tensor> = {};
      try {
        for (const [label, names] of by) {
          if (names.length === 0) {
            inner[label] = null;
            continue;
          }
          if (state?.inner?.[label] === null || state?.inner?.[label] === undefined) {
            throw new LosskitError('INVALID_ARGUMENT', `state has no inner state for label "${label}"`, { argument: 'state', expected: 'the state from this multiTransform\'s init over the same parameter names' });
          }
          const r = updateSubset(transforms[label]!, names, pick(g, names), state.inner[label], params, extra);
          inner[label] = r.state;
          for (const k of names) updates[k] = r.updates[k]!;
        }
      } catch (e) {
        disposeParams(updates);
        disposeState(inner);
        throw e;
      }
      const ordered: Record<string, Tensor> = {};
      for (const k of Object.keys(g)) ordered[k] = updates[k]!;
      return { updates: ordered, state: { inner } };
    },
  };
}

/** optax's newer name for {@link multiTransform}. */
export const partition = multiTransform;
