import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, defineEntry, defineOp, formatShape, input, node, params, stopGradient } from '@losskit/core';

/** Column-centred `x` divided by its largest magnitude (detached): linear CKA is scale invariant, so the scale only keeps the Gram products inside float32. */
function centredScaled(x: Tensor): Tensor {
  const xc = tf.sub(x, tf.mean(x, 0, true));
  const s = stopGradient(tf.maximum(tf.max(tf.abs(xc)), 1e-30));
  return tf.div(xc, s);
}

const ckaOp = defineOp<{ guide: string }>({
  kind: 'ckaGuidance',
  evaluate: (c, _a, p) => {
    const x = c.yPred; // [B, D1]
    // The input as given (the evaluated argument is broadcast to [B, B] when its shape allows it).
    const g = c.input(p.guide);
    if (g.rank !== 2 || g.shape[0] !== x.shape[0]) {
      throw new LosskitError('SHAPE_MISMATCH', 'the guide activations need one row per sample', {
        argument: `inputs.${p.guide}`,
        expected: `shape [${x.shape[0]}, D] (the guide layer's activations, flattened per sample)`,
        received: formatShape(g.shape),
      });
    }
    const xs = centredScaled(x);
    const ys = centredScaled(stopGradient(g));
    // HSIC(X, Y) = Σ_ij (X_c X_cᵀ)_ij (Y_c Y_cᵀ)_ij = tr(K̃_X K̃_Y) with centred Gram matrices (Kornblith et al. 2019).
    const kx = tf.matMul(xs, xs, false, true);
    const ky = tf.matMul(ys, ys, false, true);
    const hxy = tf.sum(tf.mul(kx, ky));
    const hxx = tf.sum(tf.square(kx));
    const hyy = tf.sum(tf.square(ky));
    // A constant representation (all rows equal) has HSIC 0: CKA is taken as 0 there (loss 1, no gradient).
    const cka = tf.div(hxy, tf.sqrt(tf.maximum(tf.mul(hxx, hyy), 1e-30)));
    return tf.sub(1, cka);
  },
  print: (_a, _p, m) => (m === 'latex' ? '1 - \\mathrm{CKA}_{\\mathrm{lin}}(Z, G)' : '1 − CKA(Z, G)'),
});

/** Options of {@link ckaGuidance}. */
export interface CkaGuidanceOptions {
  /** Name of the input holding the guide network's activations `[B, D_g]` for the same samples. Default `guide`. */
  readonly guide?: string;
}

/**
 * Representational-alignment guidance loss for one pair of layers, batch level: `1 − CKA_lin(Z, G)`, where `Z` are
 * the target network's activations at a layer (`yPred` `[B, D]`, flattened per sample) and `G` the frozen guide
 * network's activations at its mapped layer (`inputs.guide` `[B, D_g]`, no gradient), with linear centred kernel
 * alignment `CKA_lin(Z, G) = ‖G_cᵀ Z_c‖²_F / (‖Z_cᵀ Z_c‖_F ‖G_cᵀ G_c‖_F)` on column-centred activations,
 * computed as `tr(K̃_Z K̃_G) / sqrt(tr(K̃_Z²) tr(K̃_G²))` with the centred Gram matrices `K̃ = X_c X_cᵀ` (`[B, B]`).
 * The paper's training loss is `L_task + α Σ_(g,t) (1 − CKA_lin(Z_t, G_g))` over the layer map of
 * {@link ckaLayerMapping} (α = 1 in the authors' code): compile this once and add one call per mapped pair. A
 * constant representation (every row equal) gives CKA 0 here (loss 1, no gradient), where CKA is 0/0. Labels are
 * ignored; any `from` works (the activations are read as given).
 *
 * Checked against the authors' `linear_CKA` and `layermap_sim` (vsubramaniam851/untrainable-networks
 * `rep_sim/rep_sims.py`, `rep_sim/layer_sim.py`, commit e8368d4): `HSIC = Σ (H K_X H) ∘ (H K_Y H)` with
 * `H = I − 11ᵀ/B`, `CKA = HSIC(X, Y)/(sqrt HSIC(X, X) sqrt HSIC(Y, Y))`, the loss `1 − CKA` summed over the map.
 *
 * @example `compile(ckaGuidance())(zeros, targetActivations, { inputs: { guide: guideActivations } })`
 * @see Subramaniam, Mayo, Conwell, Poggio, Katz, Cheung, Barbu, "Training the Untrainable: Introducing Inductive Bias
 *   via Representational Alignment" (arXiv:2410.20035).
 */
export function ckaGuidance(options: CkaGuidanceOptions = {}): Expr<'batch', 'any'> {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const guide = options.guide ?? 'guide';
  return node(ckaOp, 'batch', [input(guide, 'pair')], { guide });
}

/** Python's `round` (half to even), which the authors' layer map uses. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The guide-to-target layer map of the guidance loss: guide layer `i` (of `guideLayers`) supervises target layer
 * `min(round(i · (n_t − 1)/(n_g − 1)), n_t − 1)` (Python's half-to-even `round`; step 1 when `n_g = 1`), as the
 * authors' `layer_supervision`. Returns the target index of each guide layer.
 */
export function ckaLayerMapping(guideLayers: number, targetLayers: number): number[] {
  const ng = params.positiveInteger('guideLayers', guideLayers);
  const nt = params.positiveInteger('targetLayers', targetLayers);
  const step = ng > 1 ? (nt - 1) / (ng - 1) : 1;
  return Array.from({ length: ng }, (_, i) => Math.min(roundHalfEven(i * step), nt - 1));
}

export const ckaGuidanceEntry = defineEntry({
  id: 'cka-guidance',
  name: 'CKA guidance (representational alignment to a guide network)',
  package: '@losskit/losses',
  export: 'ckaGuidance',
  category: 'representation',
  summary: 'One minus the linear CKA between a layer of the trained network and the mapped layer of a frozen guide network.',
  formula: 'L = 1 - \\frac{\\operatorname{tr}(\\tilde K_Z \\tilde K_G)}{\\sqrt{\\operatorname{tr}(\\tilde K_Z^2)\\operatorname{tr}(\\tilde K_G^2)}},\\ \\tilde K_X = X_c X_c^\\top',
  inputs: 'target-layer activations yPred [B, D]; inputs.guide: guide-layer activations [B, D_g]; labels ignored',
  params: [],
  paper: { title: 'Training the Untrainable: Introducing Inductive Bias via Representational Alignment', authors: 'Vighnesh Subramaniam, David Mayo, Colin Conwell, Tomaso Poggio, Boris Katz, Brian Cheung, Andrei Barbu', year: 2024, url: 'arXiv:2410.20035' },
  example:
    "import { compile } from '@losskit/core';\nimport { ckaGuidance } from '@losskit/losses';\nconst loss = compile(ckaGuidance());\nloss([0, 0, 0], [[1, 0.5], [0.2, -1], [-0.4, 0.3]], { inputs: { guide: [[2, 0, 1], [0, 1, 0], [1, 1, -1]] } }).print();",
  dsl: 'ckaGuidance()',
});
