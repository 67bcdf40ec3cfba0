import { LosskitError, type TensorLike } from '@losskit/core';
import { checkInteger, classStatistics, readFeatures, readLabels, readOptions, readVector } from '@losskit/diagnostics';

/** Options of {@link boundaryTiltingAngle}. */
export interface BoundaryTiltingOptions {
  /**
   * The two classes (a, b) compared; with a Dense kernel `[D, C]` the linear boundary between them is
   * w = W[:, a] − W[:, b]. Default [1, 0] (for a single weight vector w: class 1 is the positive side).
   */
  readonly classes?: readonly [number, number];
}

/** Result of {@link boundaryTiltingAngle}. */
export interface BoundaryTilting {
  /** The deviation angle θ between w and the centroid direction μ_a − μ_b, in degrees (0 = no tilting). */
  readonly degrees: number;
  /** cos θ = ⟨w, μ_a − μ_b⟩ / (‖w‖ ‖μ_a − μ_b‖). */
  readonly cosine: number;
}

/**
 * The boundary-tilting angle (Tanay & Griffin 2016, *A Boundary Tilting Persepective on the Phenomenon of Adversarial
 * Examples*): the deviation angle between a linear classifier's normal w and the normal μ_a − μ_b of the nearest-centroid
 * classifier of the two classes (the bisecting boundary). The paper argues adversarial examples exist when the
 * boundary lies close to the data manifold but tilted with respect to it; a larger angle means a more tilted boundary
 * and weaker adversarial robustness. Float64.
 *
 * Reconstructed: the paper's exact definition of "adversarial strength" was not available; this is the deviation
 * angle between the classifier and the nearest-centroid classifier that the reading-list catalog records.
 *
 * @example boundaryTiltingAngle(kernel, features, labels, { classes: [3, 5] }).degrees;
 */
export function boundaryTiltingAngle(weights: TensorLike, features: TensorLike, labels: TensorLike, options?: BoundaryTiltingOptions): BoundaryTilting {
  const o = readOptions(options);
  const f = readFeatures(features, 'features');
  const [a, b] = o.classes ?? [1, 0];
  checkInteger('classes[0]', a, 0);
  checkInteger('classes[1]', b, 0);
  if (a === b) throw new LosskitError('INVALID_PARAMETER', 'two different classes', { argument: 'classes', expected: '[a, b] with a ≠ b', received: `[${a}, ${b}]` });
  let w: Float64Array;
  const isMatrix = Array.isArray(weights) ? Array.isArray(weights[0]) : typeof weights === 'object' && weights !== null && 'rank' in weights && (weights as { rank: number }).rank === 2;
  if (isMatrix) {
    const k = readFeatures(weights, 'weights');
    if (k.n !== f.d) throw new LosskitError('SHAPE_MISMATCH', 'the kernel must be [D, C]', { argument: 'weights', expected: `[${f.d}, C]`, received: `[${k.n}, ${k.d}]` });
    if (a >= k.d || b >= k.d) throw new LosskitError('LABEL_OUT_OF_RANGE', 'class not in the kernel', { argument: 'classes', expected: `classes in [0, ${k.d})`, received: `[${a}, ${b}]` });
    w = Float64Array.from({ length: f.d }, (_, j) => k.data[j * k.d + a]! - k.data[j * k.d + b]!);
  } else {
    w = readVector(weights, 'weights', f.d);
  }
  // Samples of other classes are allowed (and ignored): C covers every label and both compared classes.
  const maxLabel = readLabels(labels, f.n, 'labels').reduce((m, v) => Math.max(m, v), 0);
  const s = classStatistics(features, labels, { classes: Math.max(a, b, maxLabel) + 1 });
  if (s.counts[a] === 0 || s.counts[b] === 0) throw new LosskitError('INVALID_ARGUMENT', 'both classes need samples', { argument: 'labels', expected: `samples of classes ${a} and ${b}`, received: `${s.counts[a]} and ${s.counts[b]}` });
  const d = f.d;
  const c = Float64Array.from({ length: d }, (_, j) => s.means[a * d + j]! - s.means[b * d + j]!);
  const scale = (v: Float64Array) => Math.max(...Array.from(v, Math.abs));
  const sw = scale(w);
  const sc = scale(c);
  if (sw === 0 || sc === 0) throw new LosskitError('INVALID_ARGUMENT', 'the angle is undefined for a zero vector', { argument: sw === 0 ? 'weights' : 'features', expected: sw === 0 ? 'a non-zero weight vector' : 'different class means', received: 'a zero vector' });
  let dot = 0;
  let nw = 0;
  let nc = 0;
  for (let j = 0; j < d; j++) {
    const x = w[j]! / sw;
    const y = c[j]! / sc;
    dot += x * y;
    nw += x * x;
    nc += y * y;
  }
  const cosine = Math.max(-1, Math.min(1, dot / Math.sqrt(nw * nc)));
  return { degrees: (Math.acos(cosine) * 180) / Math.PI, cosine };
}
