import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';

/** Tolerance on `|Σ_j p_j − 1|` for rows of probabilities (`from: 'probs'`); float32 softmax rows are well inside it. */
export const PROB_SUM_TOLERANCE = 1e-3;

/** What a prediction holds: raw scores (`logits`), class probabilities (`probs`) or `embeddings` (pair-level losses). */
export type PredictionKind = 'logits' | 'probs' | 'embeddings';

/**
 * Everything an op's `evaluate` can read for one call of a compiled loss. Tensors are 2-D
 * `[N, C]` with all leading dimensions of the user's input flattened into `N`.
 */
export interface EvalContext {
  /** What `yPred` holds. */
  readonly from: PredictionKind;
  /** The prediction, `[N, C]`, float32. */
  readonly yPred: Tensor2D;
  /** Integer labels `[N]` (int32) when the user passed sparse labels, else `undefined`. */
  readonly labels: Tensor1D | undefined;
  /** Rows `N` and classes (or output width) `C`. */
  readonly batchSize: number;
  readonly numClasses: number;
  /** Probability clip used for `log p` when `from: 'probs'` (default 1e-7, as Keras). */
  readonly epsilon: number;
  /** Dense targets `[N, C]`: the one-hot of integer labels, or the given soft/real targets. */
  yTrue(): Tensor2D;
  /** `log p`, `[N, C]`: log-softmax of logits, or the log of clipped probabilities. Computed once per call. */
  logProbs(): Tensor2D;
  /** `p`, `[N, C]`: softmax of logits, or the probabilities as given. Computed once per call. */
  probs(): Tensor2D;
  /** A named extra input passed at call time (`{ inputs: { teacher } }`), reshaped to `[N, ...]`. */
  input(name: string): Tensor;
  /**
   * With `from: 'probs'` and validation on, checks that `yPred` holds probabilities: every entry in
   * `[0, 1]` and, with `rows`, every row summing to 1 within {@link PROB_SUM_TOLERANCE} (a distribution
   * over the classes, as `prob()`, `logProb()`, `ce()` and `entropy()` read it); throws `INVALID_ARGUMENT`
   * naming `yPred` otherwise. A no-op for logits and embeddings. Ops that read `yPred` as probabilities
   * call it; `probs()` and `logProbs()` call it themselves.
   */
  assertProbabilities(rows: boolean): void;
  /** Computes `make()` once per call under `key` and reuses it (shared sub-terms). */
  memo<T>(key: string, make: () => T): T;
}
