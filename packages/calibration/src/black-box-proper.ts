/**
 * A black-box proper loss for discrete generative models: evaluated from i.i.d. samples only.
 */
import { LosskitError } from '@losskit/core';

function readSamples(v: unknown, name: string, min: number): (string | number)[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new LosskitError('INVALID_ARGUMENT', 'samples must be an array', { argument: name, expected: 'an array of outcomes (numbers or strings)', received: v === null ? 'null' : typeof v });
  const a = Array.from(v as ArrayLike<unknown>);
  if (a.length < min) throw new LosskitError('EMPTY_BATCH', 'too few samples', { argument: name, expected: `at least ${min} samples`, received: String(a.length) });
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (!(typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) {
      throw new LosskitError(typeof x === 'number' ? 'NON_FINITE_INPUT' : 'INVALID_ARGUMENT', 'an outcome must be a finite number or a string', { argument: name, expected: 'finite numbers or strings', received: `${String(x)} at index ${i}` });
    }
  }
  return a as (string | number)[];
}

/**
 * The ℓ2 black-box proper loss: an unbiased estimate, from n ≥ 2 i.i.d. draws X of the model p and m ≥ 1 draws Y of the
 * target q over a discrete outcome space, of `‖p‖² − 2⟨p, q⟩ = ‖p − q‖² − ‖q‖²`:
 * `L = (1/(n(n−1)))·Σ_{i≠j} 1[X_i = X_j] − (2/(nm))·Σ_{i,k} 1[X_i = Y_k]`.
 * Its expectation is minimised exactly at p = q (black-box proper), and it needs only samples, never the model's
 * probabilities. Outcomes are compared with `===` (numbers or strings, e.g. token sequences joined). O(n + m) with
 * counting. This is the degree-2 instance of the paper's characterisation (a black-box proper loss is a polynomial in
 * p and q whose degree in p is below the number of model draws); the cross-entropy construction by Poisson sampling is
 * not included.
 * @example blackBoxBrierLoss(model.sample(100), dataSamples)
 *
 * Paper: "Proper Losses for Discrete Generative Models", Kimpara, Frongillo & Waggoner, ICML 2023 (arXiv 2211.03761).
 */
export function blackBoxBrierLoss(modelSamples: readonly (number | string)[], targetSamples: readonly (number | string)[]): number {
  const x = readSamples(modelSamples, 'modelSamples', 2);
  const y = readSamples(targetSamples, 'targetSamples', 1);
  const n = x.length;
  const m = y.length;
  const cx = new Map<string | number, number>();
  for (const v of x) cx.set(v, (cx.get(v) ?? 0) + 1);
  const cy = new Map<string | number, number>();
  for (const v of y) cy.set(v, (cy.get(v) ?? 0) + 1);
  let pairs = 0; // Σ_{i≠j} 1[X_i = X_j] = Σ_v c_v(c_v − 1)
  for (const c of cx.values()) pairs += c * (c - 1);
  let cross = 0; // Σ_{i,k} 1[X_i = Y_k] = Σ_v c_v d_v
  for (const [v, c] of cx) cross += c * (cy.get(v) ?? 0);
  return pairs / (n * (n - 1)) - (2 * cross) / (n * m);
}
