import { formatShape, LosskitError, params } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { adam } from '@losskit/optimizers';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type ModelLike, predictLogits } from './model.js';
import { objective, objectiveTerm, optionsOf } from './objective.js';
import { layerActivations } from './rmu.js';
import { tokenNll } from './sequence.js';
import { unlearn } from './unlearn.js';

function mat(t: unknown, argument: string): Tensor {
  if (!(t instanceof tf.Tensor) || t.rank !== 2) throw new LosskitError('SHAPE_MISMATCH', 'expected a matrix', { argument, expected: '[N, d]', received: t instanceof tf.Tensor ? formatShape(t.shape) : typeof t });
  return t;
}
function sameShape(a: Tensor, b: Tensor, argument: string): void {
  if (a.shape.join() !== b.shape.join()) throw new LosskitError('SHAPE_MISMATCH', 'the two matrices need the same shape', { argument, expected: formatShape(a.shape), received: formatShape(b.shape) });
}

/**
 * LAF's VAE loss on representations: `mean_n Σ_j (ê_nj − e_nj)² + β·mean_n(−½ Σ_k (log σ²_nk + 1 − μ²_nk − σ²_nk))`,
 * with β the KL weight (0.025 in the LAF code). Shapes: `recon`, `e` `[N, d]`; `mu`, `logVar` `[N, k]`. Returns a scalar.
 *
 * @example const l = lafVaeLoss(recon, e, mu, logVar, 0.025);
 * @see Shen, Zhang, Zhao, Bialkowski, Chen, Xu, "Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models" (ICLR 2024).
 */
export function lafVaeLoss(recon: Tensor, e: Tensor, mu: Tensor, logVar: Tensor, kldWeight = 0.025): Scalar {
  sameShape(mat(recon, 'recon'), mat(e, 'e'), 'e');
  sameShape(mat(mu, 'mu'), mat(logVar, 'logVar'), 'logVar');
  if (mu.shape[0] !== e.shape[0]) throw new LosskitError('SHAPE_MISMATCH', 'one latent row per representation', { argument: 'mu', expected: `[${e.shape[0]}, k]`, received: formatShape(mu.shape) });
  const beta = params.nonNegative('kldWeight', kldWeight);
  return tf.tidy(() => {
    const rec = tf.mean(tf.sum(tf.squaredDifference(recon, e), 1));
    const kld = tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(logVar, 1), tf.add(tf.square(mu), tf.exp(logVar))), 1)));
    return tf.add(rec, tf.mul(kld, beta)) as Scalar;
  });
}

/**
 * LAF's extractor-unlearning reconstruction term: `Σ_n exp(m_n/(m_n + 1))` with `m_n = Σ_j (ê_nj − e_nj)²` the squared
 * reconstruction error of representation n by a VAE (bounded in [N, eN]). The extractor minimises it on the remaining data
 * (through the VAE of the remaining representations) minus it on the forget data (through the VAE of the forget ones).
 * Shapes: `recon`, `e` `[N, d]`; returns a scalar.
 *
 * @example const l = lafReconstructionTerm(vaeRecon, e);
 * @see Shen et al., "Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models" (ICLR 2024).
 */
export function lafReconstructionTerm(recon: Tensor, e: Tensor): Scalar {
  sameShape(mat(recon, 'recon'), mat(e, 'e'), 'e');
  return tf.tidy(() => {
    const m = tf.sum(tf.squaredDifference(recon, e), 1);
    return tf.sum(tf.exp(tf.div(m, tf.add(m, 1)))) as Scalar;
  });
}

const cosineLoss = (a: Tensor, b: Tensor): Tensor =>
  tf.tidy(() => tf.sub(1, tf.div(tf.sum(tf.mul(a, b), 1), tf.maximum(tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1)), 1e-8))));

/**
 * LAF's contrastive representation-alignment loss: with `c⁽ʳ⁾_i = 1 − cos(e_i, e_i^orig)` on the remaining batch and
 * `c⁽ᶠ⁾_j = 1 − cos(e_j, e_j^orig)` on the forget batch (`e^orig` from the model before unlearning),
 * `L = Σ_i log( exp(c⁽ʳ⁾_i) / Σ_j exp(c⁽ᶠ⁾_j/τ) ) = Σ_i c⁽ʳ⁾_i − N_r·log Σ_j exp(c⁽ᶠ⁾_j/τ)`: it keeps the remaining
 * representations where they were and pushes the forget ones away from theirs. Shapes `[N_r, d]` and `[N_f, d]`.
 *
 * @example const l = lafAlignmentLoss(eR, eROrig, eF, eFOrig, 1);
 * @see Shen et al., "Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models" (ICLR 2024).
 */
export function lafAlignmentLoss(remain: Tensor, remainOrig: Tensor, forget: Tensor, forgetOrig: Tensor, temperature = 1): Scalar {
  sameShape(mat(remain, 'remain'), mat(remainOrig, 'remainOrig'), 'remainOrig');
  sameShape(mat(forget, 'forget'), mat(forgetOrig, 'forgetOrig'), 'forgetOrig');
  const tau = params.positive('temperature', temperature);
  return tf.tidy(() => tf.add(tf.sum(cosineLoss(remain, remainOrig)), tf.mul(-remain.shape[0]!, tf.logSumExp(tf.div(cosineLoss(forget, forgetOrig), tau)))) as Scalar);
}

/** A small dense VAE on representations `[N, d]`: `d → hidden (relu) → (μ, log σ²) [k]`, decoder `k → hidden (relu) → d`. */
export interface RepresentationVae extends ModelLike {
  /** `{ recon, mu, logVar }` for `e` `[N, d]`; `sample` draws `z = μ + σ·ε` (seeded), else `z = μ`. Caller owns the tensors. */
  run(e: Tensor, sample: boolean): { recon: Tensor; mu: Tensor; logVar: Tensor };
  dispose(): void;
}

let vaeCounter = 0;

/**
 * Builds a small dense VAE for LAF's representation models (seeded Glorot-uniform weights, zero biases). `apply(e)`
 * returns the reconstruction from `z = μ`.
 * @example const vae = representationVae(16, { latent: 4, hidden: 32, seed: 1 });
 */
export function representationVae(dim: number, options: { readonly latent?: number; readonly hidden?: number; readonly seed?: number } = {}): RepresentationVae {
  const o = optionsOf(options);
  const d = params.positiveInteger('dim', dim);
  const k = params.positiveInteger('latent', o.latent ?? 4);
  const h = params.positiveInteger('hidden', o.hidden ?? 32);
  const seed = params.finite('seed', o.seed ?? 0);
  const u = rng(seed);
  const id = vaeCounter++;
  const glorot = (a: number, b: number, name: string) => {
    const lim = Math.sqrt(6 / (a + b));
    return tf.variable(tf.tensor2d(Array.from({ length: a * b }, () => (2 * u() - 1) * lim), [a, b]), true, `laf_vae${id}_${name}`);
  };
  const zeros = (n: number, name: string) => tf.variable(tf.zeros([n]), true, `laf_vae${id}_${name}`);
  // tf.variable keeps its own reference to the data: the initial tensors are disposed by the tidy.
  const w = tf.tidy(() => ({ W1: glorot(d, h, 'W1'), b1: zeros(h, 'b1'), Wm: glorot(h, k, 'Wm'), bm: zeros(k, 'bm'), Wv: glorot(h, k, 'Wv'), bv: zeros(k, 'bv'), W2: glorot(k, h, 'W2'), b2: zeros(h, 'b2'), W3: glorot(h, d, 'W3'), b3: zeros(d, 'b3') }));
  let draws = 0;
  const run = (e: Tensor, sample: boolean) => {
    mat(e, 'e');
    if (e.shape[1] !== d) throw new LosskitError('SHAPE_MISMATCH', 'representation width differs from the VAE', { argument: 'e', expected: `[N, ${d}]`, received: formatShape(e.shape) });
    return tf.tidy(() => {
      const hid = tf.relu(tf.add(tf.matMul(e, w.W1), w.b1));
      const mu = tf.add(tf.matMul(hid, w.Wm), w.bm);
      const logVar = tf.clipByValue(tf.add(tf.matMul(hid, w.Wv), w.bv), -20, 20);
      const z = sample ? tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mu.shape, 0, 1, 'float32', 104729 * (seed + 1) + draws++))) : mu;
      const recon = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, w.W2), w.b2)), w.W3), w.b3);
      return { recon, mu, logVar };
    });
  };
  return {
    trainableWeights: Object.values(w).map((v) => ({ read: () => v })),
    apply: (e: Tensor) => tf.tidy(() => run(e, false).recon),
    run,
    dispose: () => tf.dispose(Object.values(w)),
  };
}

/** Options of {@link laf}. */
export interface LafOptions {
  /** The trained classifier (tfjs-layers Sequential); updated in place. */
  readonly model: ModelLike;
  /** Forget inputs `[N_f, ...]` (no labels needed). */
  readonly forget: Tensor;
  /** Remaining inputs `[N_r, ...]` (no labels needed). */
  readonly retain: Tensor;
  /** The layer whose output is the representation (the extractor is this layer and those before it). */
  readonly layer: number;
  /** VAE latent size. Default 4. */
  readonly latent?: number;
  /** KL weight of the VAE loss. Default 0.025. */
  readonly kldWeight?: number;
  /** τ of the alignment loss. Default 1. */
  readonly temperature?: number;
  /** Adam steps of each VAE. Default 300. */
  readonly vaeSteps?: number;
  /** Rounds of (extractor unlearning, representation alignment). Default 10. */
  readonly rounds?: number;
  /** Adam steps per phase within a round. Default 5. */
  readonly stepsPerRound?: number;
  /**
   * Adam steps of the head repair (0 skips it). The paper's optional repair (LAF+R) fine-tunes on labelled remaining
   * data; with no labels at all, the head is refit here to the original model's predictions on the remaining data. Default 50.
   */
  readonly classifierSteps?: number;
  /** Learning rates. Defaults: vae 1e-3, extractor 1e-2, classifier 1e-3. */
  readonly learningRates?: { readonly vae?: number; readonly extractor?: number; readonly classifier?: number };
  readonly seed?: number;
}

/** What {@link laf} returns: the last loss of each phase. */
export interface LafResult {
  readonly vaeLoss: { readonly retain: number; readonly forget: number };
  readonly extractorLoss: number;
  readonly alignmentLoss: number;
  readonly classifierLoss: number;
}

interface LayerWithWeights {
  readonly trainableWeights: readonly { read(): Tensor }[];
}

/**
 * LAF, label-agnostic forgetting (supervision-free): (1) fit a VAE to the representations of the remaining data and one to
 * those of the forget data; (2) extractor unlearning: descend `Σ_r exp(m/(m+1)) − Σ_f exp(m/(m+1))` (each through its own
 * frozen VAE, {@link lafReconstructionTerm}) over the extractor's weights; (3) representation alignment: descend
 * {@link lafAlignmentLoss} against the original representations; (2) and (3) alternate for `rounds`; (4) repair the
 * classifier head on the remaining data with the original model's own predictions as targets (no labels are read
 * anywhere; the paper's optional supervised repair would use labels). The extractor is `model.layers[0..layer]`, the head the layers after it. Every phase runs through `unlearn()`.
 *
 * @example await laf({ model, forget: forgetX, retain: retainX, layer: 1 });
 * @see Shen, Zhang, Zhao, Bialkowski, Chen, Xu, "Label-Agnostic Forgetting: A Supervision-Free Unlearning in Deep Models" (ICLR 2024).
 */
export async function laf(options: LafOptions): Promise<LafResult> {
  const o = optionsOf(options, 'options') as LafOptions;
  if (!o) throw new LosskitError('INVALID_ARGUMENT', 'laf needs options', { argument: 'options', expected: '{ model, forget, retain, layer }' });
  const layers = (o.model as unknown as { layers?: LayerWithWeights[] }).layers;
  if (!Array.isArray(layers)) throw new LosskitError('INVALID_ARGUMENT', 'LAF splits a tfjs-layers model into extractor and head', { argument: 'model', expected: 'a tf.Sequential', received: typeof o.model });
  if (!Number.isInteger(o.layer) || o.layer < 0 || o.layer >= layers.length - 1) throw new LosskitError('INVALID_PARAMETER', 'the representation layer must leave a head after it', { argument: 'layer', expected: `an integer in [0, ${layers.length - 1})`, received: String(o.layer) });
  const fx = mat(o.forget, 'forget');
  const rx = mat(o.retain, 'retain');
  const latent = params.positiveInteger('latent', o.latent ?? 4);
  const beta = params.nonNegative('kldWeight', o.kldWeight ?? 0.025);
  const tau = params.positive('temperature', o.temperature ?? 1);
  const vaeSteps = params.positiveInteger('vaeSteps', o.vaeSteps ?? 300);
  const rounds = params.positiveInteger('rounds', o.rounds ?? 10);
  const perRound = params.positiveInteger('stepsPerRound', o.stepsPerRound ?? 5);
  const headSteps = o.classifierSteps ?? 50;
  if (!Number.isInteger(headSteps) || headSteps < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'classifierSteps', expected: 'an integer >= 0', received: String(headSteps) });
  const lr = optionsOf(o.learningRates ?? {}, 'learningRates');
  const lrVae = params.positive('learningRates.vae', lr.vae ?? 1e-3);
  const lrExt = params.positive('learningRates.extractor', lr.extractor ?? 1e-2);
  const lrHead = params.positive('learningRates.classifier', lr.classifier ?? 1e-3);
  const seed = params.finite('seed', o.seed ?? 0);
  const names = (ls: LayerWithWeights[]) => new Set(ls.flatMap((l) => l.trainableWeights.map((w) => (w.read() as tf.Variable).name)));
  const extractorNames = names(layers.slice(0, o.layer + 1));
  const headNames = names(layers.slice(o.layer + 1));
  const rep = (x: Tensor) => layerActivations(o.model, o.layer, x);

  const owned: Tensor[] = [];
  const vaes: RepresentationVae[] = [];
  try {
    const eR = tf.tidy(() => rep(rx));
    const eF = tf.tidy(() => rep(fx));
    owned.push(eR, eF);
    if (eR.rank !== 2) throw new LosskitError('SHAPE_MISMATCH', 'LAF needs a flat representation', { argument: 'layer', expected: 'a layer with output [N, d]', received: formatShape(eR.shape) });
    const pseudo = tf.tidy(() => tf.argMax(predictLogits(o.model, rx), -1));
    owned.push(pseudo);
    const zerosR = tf.zeros([rx.shape[0]!], 'int32');
    const zerosF = tf.zeros([fx.shape[0]!], 'int32');
    owned.push(zerosR, zerosF);

    // (1) The two VAEs.
    const fitVae = async (e: Tensor, zerosN: Tensor, s: number) => {
      const vae = representationVae(e.shape[1]!, { latent, seed: seed + s });
      vaes.push(vae);
      let last = Number.NaN;
      const term = objectiveTerm({ name: 'lafVae', level: 'any', needsReference: false, value: (b) => tf.tidy(() => {
        const r = vae.run(b.x, true);
        return lafVaeLoss(r.recon, b.x, r.mu, r.logVar, beta);
      }) });
      await unlearn({ model: vae, forget: { x: e, y: zerosN }, objective: objective({ name: 'lafVae', forget: term }), optimizer: adam({ learningRate: lrVae }), steps: vaeSteps, seed: seed + s, onStep: (i) => void (last = i.loss) });
      return { vae, last };
    };
    const vr = await fitVae(eR, zerosR, 1);
    const vf = await fitVae(eF, zerosF, 2);

    // (2) extractor unlearning and (3) representation alignment, alternating.
    const recTerm = (vae: RepresentationVae) => objectiveTerm({ name: 'lafReconstruction', level: 'any', needsReference: false, value: (b) => tf.tidy(() => {
      const e = rep(b.x);
      return lafReconstructionTerm(vae.run(e, false).recon, e);
    }) });
    const ue = objective({ name: 'lafExtractor', forget: objectiveTerm({ ...recTerm(vf.vae), name: 'lafForgetReconstruction', value: (b) => tf.neg(recTerm(vf.vae).value(b)) as Scalar }), retain: recTerm(vr.vae) });
    const nR = Math.min(32, rx.shape[0]!);
    const alignRetain = objectiveTerm({ name: 'lafAlignRetain', level: 'any', needsReference: false, value: (b) => tf.tidy(() => tf.sum(cosineLoss(rep(b.x), b.inputs.lafOrig!)) as Scalar) });
    const alignForget = objectiveTerm({ name: 'lafAlignForget', level: 'any', needsReference: false, value: (b) => tf.tidy(() => tf.mul(-nR, tf.logSumExp(tf.div(cosineLoss(rep(b.x), b.inputs.lafOrig!), tau))) as Scalar) });
    // N_r of the split form Σ_i c_i − N_r·LSE_j: the remaining batch size (retainBatchSize below).
    const ra = objective({ name: 'lafAlignment', retain: alignRetain, forget: alignForget });
    let extractorLoss = Number.NaN;
    let alignmentLoss = Number.NaN;
    const retainData = { x: rx, y: zerosR, inputs: { lafOrig: eR } };
    const forgetData = { x: fx, y: zerosF, inputs: { lafOrig: eF } };
    const isExtractor = (n: string) => extractorNames.has(n);
    for (let r = 0; r < rounds; r++) {
      await unlearn({ model: o.model, forget: forgetData, retain: retainData, objective: ue, optimizer: adam({ learningRate: lrExt }), steps: perRound, variables: isExtractor, seed: seed + 10 + r, onStep: (i) => void (extractorLoss = i.loss) });
      await unlearn({ model: o.model, forget: forgetData, retain: retainData, objective: ra, optimizer: adam({ learningRate: lrExt }), steps: perRound, retainBatchSize: nR, variables: isExtractor, seed: seed + 1000 + r, onStep: (i) => void (alignmentLoss = i.loss) });
    }

    // (4) classifier repair on the remaining data, targets = the original model's predictions.
    let classifierLoss = Number.NaN;
    if (headSteps === 0) return { vaeLoss: { retain: vr.last, forget: vf.last }, extractorLoss, alignmentLoss, classifierLoss };
    const head = objectiveTerm({ name: 'lafHead', level: 'any', needsReference: false, value: (b) => tf.tidy(() => tf.mean(tokenNll(b.forward(b.x), b.y)) as Scalar) });
    await unlearn({ model: o.model, forget: { x: rx, y: pseudo }, objective: objective({ name: 'lafHead', forget: head }), optimizer: adam({ learningRate: lrHead }), steps: headSteps, variables: (n) => headNames.has(n), seed: seed + 7, onStep: (i) => void (classifierLoss = i.loss) });
    return { vaeLoss: { retain: vr.last, forget: vf.last }, extractorLoss, alignmentLoss, classifierLoss };
  } finally {
    tf.dispose(owned);
    vaes.forEach((v) => v.dispose());
  }
}
