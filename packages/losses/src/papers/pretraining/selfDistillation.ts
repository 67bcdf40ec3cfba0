import * as tf from '@tensorflow/tfjs-core';
import { type Expr, LosskitError, PREC, defineEntry, defineOp, input, node, params, yPred, yTrue } from '@losskit/core';

const normalizedPatchesOp = defineOp({
  kind: 'normalizedPatches',
  evaluate: (c) => {
    // Per-patch z-score of the target pixels with the unbiased variance + 1e-6 (MAE's `norm_pix_loss`).
    const t = c.yTrue();
    const P = c.numClasses;
    const mean = tf.mean(t, 1, true);
    const centred = tf.sub(t, mean);
    const variance = tf.div(tf.sum(tf.square(centred), 1, true), Math.max(P - 1, 1));
    return tf.div(centred, tf.sqrt(tf.add(variance, 1e-6)));
  },
  print: (_a, _p, m) => (m === 'latex' ? '\\frac{y_j - \\bar y}{\\sqrt{s^2_y + 10^{-6}}}' : 'znorm_unbiased(y)'),
  prec: PREC.atom,
});

/** Options of {@link maeReconstruction}. */
export interface MaeReconstructionOptions {
  /** Normalize each target patch by its mean and unbiased variance (+1e-6), MAE's `norm_pix_loss`. Default true (the self-distillation scripts' `--norm_pix_loss True`). */
  readonly normPixels?: boolean;
  /** Name of the input marking the masked patches (1 = masked, counted; 0 = visible), `[N]`. Default `mask`. */
  readonly mask?: string;
}

/**
 * Masked auto-encoding reconstruction loss (MAE), batch level: the mean squared error of each patch's pixels,
 * averaged over the masked patches, `L = Σ_n m_n mean_d (x̂_nd − t_nd)² / Σ_n m_n` (0 when nothing is masked), with
 * `t` the target pixels, per-patch normalized `(y − mean y)/sqrt(var_unbiased y + 1e-6)` when `normPixels`.
 * Shapes: one row per patch of every image, `yPred` = predicted pixels `[N, P]`, `yTrue` = the patches `[N, P]`,
 * `inputs.mask` `[N]` → a scalar. As `MaskedAutoencoderViT.forward_loss` (facebookresearch/mae) and
 * `ViTMAEForPreTraining.forward_loss` (Hugging Face transformers), which the self-distillation code trains with.
 *
 * @example `compile(maeReconstruction())(patches, predictedPatches, { inputs: { mask } })`
 * @see He, Chen, Xie, Li, Dollár, Girshick, "Masked Autoencoders Are Scalable Vision Learners", CVPR 2022.
 */
export function maeReconstruction(options: MaeReconstructionOptions = {}): Expr<'batch', 'any'> {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  const normPixels = params.boolean('normPixels', options.normPixels ?? true);
  const mask = input(options.mask ?? 'mask', 'sample');
  const target = normPixels ? node<'class'>(normalizedPatchesOp, 'class') : yTrue();
  return yPred().minus(target).pow(2).mean().times(mask).sum().div(mask.sum().maximum(1e-30));
}

/** Options of {@link representationSelfDistillation}. */
export interface RepresentationSelfDistillationOptions {
  /** Name of the input holding the teacher's representations `[B, D]`. Default `teacher`. */
  readonly teacher?: string;
}

/**
 * The self-distillation term of further pre-training, one value per sample: `‖h_S(x) − sg(h_T(x))‖²₂`, the squared
 * distance between the student's and the teacher's representation of the same (unmasked) input. The teacher is the
 * model further pre-trained with MAE on the target data; the student starts from the original pre-trained model
 * and minimizes `L_MAE + (1/B) Σ_i ‖h_S(x_i) − sg(h_T(x_i))‖²` ({@link maeReconstruction} plus this with the
 * default mean reduction). Shapes: student representations `yPred` `[B, D]` (the final [CLS] hidden state in
 * the authors' code), `inputs.teacher` `[B, D]` → `[B]`. Labels are ignored.
 *
 * Checked against the authors' self-distillation step (seanie12/self-distillation `trainer.py`, commit 4f6436f):
 * `MSELoss(reduction="sum")(student_h, teacher_h.detach()) / batch_size` on the [CLS] state of the unmasked image,
 * added to the MAE loss with weight 1.
 *
 * @example `compile(maeReconstruction())(...) ; compile(representationSelfDistillation())(zeros, studentCls, { inputs: { teacher: teacherCls } })`
 * @see Lee, Kang, Lee, Hwang, Kawaguchi, "Self-Distillation for Further Pre-training of Transformers", ICLR 2023.
 */
export function representationSelfDistillation(options: RepresentationSelfDistillationOptions = {}): Expr<'sample', 'any'> {
  if (options === null || typeof options !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'options must be an object', { argument: 'options', received: String(options) });
  return yPred().minus(input(options.teacher ?? 'teacher', 'class').detach()).pow(2).sum();
}

const paper = { title: 'Self-Distillation for Further Pre-training of Transformers', authors: 'Seanie Lee, Minki Kang, Juho Lee, Sung Ju Hwang, Kenji Kawaguchi', year: 2023, url: 'arXiv:2210.02871' };

export const maeReconstructionEntry = defineEntry({
  id: 'mae-reconstruction',
  name: 'Masked auto-encoding reconstruction loss (MAE)',
  package: '@losskit/losses',
  export: 'maeReconstruction',
  category: 'pretraining',
  summary: 'Per-patch pixel MSE averaged over the masked patches, with per-patch normalized targets; the further pre-training loss of self-distillation.',
  formula: 'L = \\frac{\\sum_n m_n \\frac{1}{P}\\sum_d (\\hat x_{nd} - t_{nd})^2}{\\sum_n m_n},\\ t_{nd} = \\frac{y_{nd} - \\bar y_n}{\\sqrt{s^2_{y_n} + 10^{-6}}}',
  inputs: 'target patches yTrue [N, P]; predicted patches yPred [N, P]; inputs.mask [N] (1 = masked)',
  params: [{ name: 'normPixels', default: true, description: 'normalize each target patch (norm_pix_loss)' }],
  paper,
  example:
    "import { compile } from '@losskit/core';\nimport { maeReconstruction } from '@losskit/losses';\nconst loss = compile(maeReconstruction());\nloss([[0.2, 0.8, 0.5], [0.1, 0.1, 0.9], [0.4, 0.3, 0.2]], [[0.1, 0.9, 0.3], [0.2, -0.4, 1.1], [0.5, 0.5, 0.5]], { inputs: { mask: [1, 1, 0] } }).print();",
  dsl: 'maeReconstruction({ normPixels: true })',
});

export const representationSelfDistillationEntry = defineEntry({
  id: 'representation-self-distillation',
  name: 'Representation self-distillation (further pre-training)',
  package: '@losskit/losses',
  export: 'representationSelfDistillation',
  category: 'pretraining',
  summary: 'Squared distance between the student’s and the further-pre-trained teacher’s representation of the same input, added to the MAE loss.',
  formula: '\\ell_i = \\lVert h_S(x_i) - \\operatorname{sg}(h_T(x_i)) \\rVert_2^2',
  inputs: 'student representations yPred [B, D]; inputs.teacher: teacher representations [B, D]; labels ignored',
  params: [],
  paper,
  example:
    "import { compile } from '@losskit/core';\nimport { representationSelfDistillation } from '@losskit/losses';\nconst loss = compile(representationSelfDistillation());\nloss([0, 0], [[0.3, -1.2, 0.5], [1, 0, 0.2]], { inputs: { teacher: [[0.1, -1, 0.4], [0.8, 0.3, 0]] } }).print();",
  dsl: 'representationSelfDistillation()',
});
