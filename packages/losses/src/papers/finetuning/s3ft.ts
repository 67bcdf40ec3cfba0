import { LosskitError, defineEntry } from '@losskit/core';

/** Where an S3FT target comes from. */
export type S3ftSource = 'model' | 'paraphrase' | 'gold';

/** One training example's candidates and the judge's verdicts, for {@link s3ftTarget}. */
export interface S3ftCandidates<T> {
  /** The gold response y. */
  readonly gold: T;
  /** The base model's own response ŷ = M_θ0(x). */
  readonly prediction: T;
  /** The judge's verdict: is ŷ equivalent to (as correct as) y? */
  readonly predictionCorrect: boolean;
  /** The base model's paraphrase ỹ of the gold response (needed only when ŷ is judged wrong). */
  readonly paraphrase?: T;
  /** The judge's verdict on ỹ. */
  readonly paraphraseCorrect?: boolean;
}

/** The selected target and its source. */
export interface S3ftChoice<T> {
  readonly target: T;
  readonly source: S3ftSource;
}

function verdict(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new LosskitError('INVALID_ARGUMENT', 'a judge verdict must be a boolean', { argument: name, expected: 'true or false', received: v === undefined ? 'nothing' : String(v) });
  return v;
}

/**
 * The target selection of Selective Self-to-Supervised Fine-Tuning (S3FT) for one example: the model's own response
 * ŷ when the judge finds it equivalent to the gold response y; otherwise the model's paraphrase ỹ of y when the
 * judge finds that equivalent; otherwise y itself. Fine-tuning then minimizes the token cross-entropy
 * (`compile(ce())`) on the selected targets, which stay closer to the model's own distribution than y. The judge
 * (heuristics or an LLM) and the generation are the caller's; {@link s3ftTargets} runs them lazily.
 *
 * Checked against the paper's description of the selection (its overview figure: predict, judge, paraphrase, judge,
 * fall back to the gold response); no official code is published.
 *
 * @example s3ftTarget({ gold, prediction, predictionCorrect: judge(prediction, gold) }).target
 * @see Gupta, Nandwani, Yehudai, Khandelwal, Raghu, Joshi, "Selective Self-to-Supervised Fine-Tuning for
 *   Generalization in Large Language Models", Findings of NAACL 2025 (arXiv:2502.08130).
 */
export function s3ftTarget<T>(candidates: S3ftCandidates<T>): S3ftChoice<T> {
  if (candidates === null || typeof candidates !== 'object') throw new LosskitError('INVALID_ARGUMENT', 'candidates must be an object', { argument: 'candidates', expected: '{ gold, prediction, predictionCorrect, paraphrase?, paraphraseCorrect? }', received: String(candidates) });
  if (!('gold' in candidates) || candidates.gold === undefined) throw new LosskitError('INVALID_ARGUMENT', 'the gold response is required', { argument: 'candidates.gold', received: 'nothing' });
  if (verdict(candidates.predictionCorrect, 'candidates.predictionCorrect')) return { target: candidates.prediction, source: 'model' };
  if (candidates.paraphraseCorrect === undefined) {
    if (candidates.paraphrase !== undefined) throw new LosskitError('INVALID_ARGUMENT', 'a paraphrase needs the judge’s verdict', { argument: 'candidates.paraphraseCorrect', expected: 'true or false', received: 'nothing' });
    return { target: candidates.gold, source: 'gold' };
  }
  if (verdict(candidates.paraphraseCorrect, 'candidates.paraphraseCorrect')) {
    if (candidates.paraphrase === undefined) throw new LosskitError('INVALID_ARGUMENT', 'the paraphrase judged correct is missing', { argument: 'candidates.paraphrase', received: 'nothing' });
    return { target: candidates.paraphrase, source: 'paraphrase' };
  }
  return { target: candidates.gold, source: 'gold' };
}

/** The model and judge calls of {@link s3ftTargets} (each may be async). */
export interface S3ftProcedures<X, T> {
  /** The base model's response to `input`. */
  readonly predict: (input: X) => T | Promise<T>;
  /** Is `candidate` equivalent to `gold` for `input`? */
  readonly judge: (candidate: T, gold: T, input: X) => boolean | Promise<boolean>;
  /** The base model's paraphrase of `gold` given `input` (called only when the prediction is judged wrong). */
  readonly paraphrase: (input: X, gold: T) => T | Promise<T>;
}

/**
 * Runs the S3FT selection over a data set, one example at a time: `predict`, `judge` the prediction, and only if it
 * is wrong `paraphrase` the gold response and `judge` the paraphrase ({@link s3ftTarget} decides). Returns the
 * choices in order.
 */
export async function s3ftTargets<X, T>(examples: readonly { readonly input: X; readonly gold: T }[], procedures: S3ftProcedures<X, T>): Promise<S3ftChoice<T>[]> {
  if (!Array.isArray(examples)) throw new LosskitError('INVALID_ARGUMENT', 'examples must be an array', { argument: 'examples', expected: '[{ input, gold }, ...]', received: typeof examples });
  for (const k of ['predict', 'judge', 'paraphrase'] as const) {
    if (typeof procedures?.[k] !== 'function') throw new LosskitError('INVALID_ARGUMENT', `${k} must be a function`, { argument: `procedures.${k}`, received: typeof procedures?.[k] });
  }
  const out: S3ftChoice<T>[] = [];
  for (const [i, ex] of examples.entries()) {
    if (ex === null || typeof ex !== 'object' || !('gold' in ex)) throw new LosskitError('INVALID_ARGUMENT', 'each example needs an input and a gold response', { argument: `examples[${i}]`, expected: '{ input, gold }', received: String(ex) });
    const prediction = await procedures.predict(ex.input);
    const predictionCorrect = await procedures.judge(prediction, ex.gold, ex.input);
    if (predictionCorrect === true) {
      out.push(s3ftTarget({ gold: ex.gold, prediction, predictionCorrect }));
      continue;
    }
    const paraphrase = await procedures.paraphrase(ex.input, ex.gold);
    const paraphraseCorrect = await procedures.judge(paraphrase, ex.gold, ex.input);
    out.push(s3ftTarget({ gold: ex.gold, prediction, predictionCorrect: verdict(predictionCorrect, `judge(prediction) of examples[${i}]`), paraphrase, paraphraseCorrect: verdict(paraphraseCorrect, `judge(paraphrase) of examples[${i}]`) }));
  }
  return out;
}

export const s3ftTargetEntry = defineEntry({
  id: 's3ft-target',
  name: 'S3FT judge-gated target selection',
  package: '@losskit/losses',
  export: 's3ftTarget',
  category: 'fine-tuning',
  summary: 'Fine-tunes on the model’s own response when a judge accepts it, else on its accepted paraphrase of the gold response, else on the gold response.',
  formula: 't_i = \\begin{cases} \\hat y_i & J(\\hat y_i, y_i) \\\\ \\tilde y_i & \\neg J(\\hat y_i, y_i) \\wedge J(\\tilde y_i, y_i) \\\\ y_i & \\text{otherwise} \\end{cases},\\ \\mathcal{L} = \\mathrm{CE}(f(x_i), t_i)',
  inputs: 'per example: gold, prediction, the judge verdicts and an optional paraphrase; returns the target for token cross-entropy',
  params: [],
  paper: { title: 'Selective Self-to-Supervised Fine-Tuning for Generalization in Large Language Models', authors: 'Sonam Gupta, Yatin Nandwani, Asaf Yehudai, Dinesh Khandelwal, Dinesh Raghu, Sachindra Joshi', year: 2025, url: 'arXiv:2502.08130' },
  example:
    "import * as tf from '@tensorflow/tfjs-core';\nimport { ce, compile } from '@losskit/core';\nimport { s3ftTarget } from '@losskit/losses';\nconst chosen = [\n  s3ftTarget({ gold: [2, 0], prediction: [2, 0], predictionCorrect: true }),\n  s3ftTarget({ gold: [1, 3], prediction: [0, 0], predictionCorrect: false, paraphrase: [3, 1], paraphraseCorrect: true }),\n];\nconst logits = tf.tensor2d([[0, 1, 2, 0], [2, 0, 0, 1], [0, 0, 1, 2], [0, 2, 0, 0]]);\nconst loss = compile(ce())(chosen.flatMap((c) => c.target), logits);",
});
