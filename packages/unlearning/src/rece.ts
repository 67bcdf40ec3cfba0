import { LosskitError, params } from '@losskit/core';
import { optionsOf } from './objective.js';

// RECE (Gong, Chen, Wei, Chen, Jiang, "Reliable and Efficient Concept Erasure of Text-to-Image Diffusion Models", ECCV
// 2024) on plain projection matrices W_l [out_l, d] that read embeddings c [tokens, d] (a diffusion model's cross-
// attention to_k / to_v, or any linear or attention projection). Closed forms follow the authors' code
// (CharlesGong12/RECE 403a67f: erase_methods/uce.py edit_model_adversarial, technique 'replace';
// utils/embedding_calculation/close_form_emb.py close_form_emb_regzero; train.py's epoch loop), in float64.

type Matrix = number[][];

function readMatrix(v: unknown, argument: string, cols?: number): Matrix {
  if (!Array.isArray(v) || v.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'expected a non-empty matrix (array of rows)', { argument, expected: cols ? `rows of ${cols} numbers` : 'rows of numbers', received: Array.isArray(v) ? 'an empty array' : typeof v });
  const width = cols ?? (Array.isArray(v[0]) ? (v[0] as unknown[]).length : -1);
  return v.map((row, i) => {
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw new LosskitError('INVALID_ARGUMENT', 'expected rows of numbers', { argument, expected: `rows of ${width} numbers`, received: `${typeof row} at row ${i}` });
    const r = Array.from(row as ArrayLike<unknown>);
    if (r.length !== width || width < 1) throw new LosskitError('SHAPE_MISMATCH', 'rows of different lengths', { argument, expected: `rows of ${width} numbers`, received: `${r.length} at row ${i}` });
    r.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new LosskitError('NON_FINITE_INPUT', 'matrix entries must be finite numbers', { argument, expected: 'finite numbers', received: `${String(x)} at [${i}, ${j}]` });
    });
    return r as number[];
  });
}

/** Embeddings: one `[tokens, d]` matrix, or one `[d]` vector (one token). */
function readEmbedding(v: unknown, argument: string, d: number): Matrix {
  if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'number') return readMatrix([v], argument, d);
  return readMatrix(v, argument, d);
}

/** Solves `A X = B` (A `[n, n]`, B `[n, m]`) by Gaussian elimination with partial pivoting, float64. */
function solve(A: Matrix, B: Matrix): Matrix {
  const n = A.length;
  const m = B[0]!.length;
  const a = A.map((r, i) => [...r, ...B[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-300) throw new LosskitError('NON_FINITE_OUTPUT', 'singular system (raise lambda or regularScale)', { argument: 'lambda', expected: 'a regularisation that makes the system invertible', received: 'a singular matrix' });
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      if (f === 0) continue;
      for (let k = c; k < n + m; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((r, i) => r.slice(n).map((v) => v / a[i]![i]!));
}

const matVec = (W: Matrix, x: number[]): number[] => W.map((r) => r.reduce((s, v, j) => s + v * x[j]!, 0));
const transpose = (A: Matrix): Matrix => A[0]!.map((_, j) => A.map((r) => r[j]!));
const matMul = (A: Matrix, B: Matrix): Matrix => A.map((r) => B[0]!.map((_, j) => r.reduce((s, v, k) => s + v * B[k]![j]!, 0)));

/** Options of {@link uceEdit}. */
export interface UceEditOptions {
  /** λ: weight of staying at the current matrix. Default 0.1 (RECE `--lamb`). */
  readonly lambda?: number;
  /** Weight of the erase pairs. Default 1 (RECE `--erase_scale`). */
  readonly eraseScale?: number;
  /** Embeddings whose outputs are kept (each `[tokens, d]`). Default none. */
  readonly preserve?: readonly (readonly (readonly number[])[])[];
  /** Weight of the preserve terms. Default 0.1 (RECE `--preserve_scale`). */
  readonly preserveScale?: number;
}

/**
 * The closed-form edit of UCE / RECE (`edit_model_adversarial`, technique `replace`): for each matrix W (current values),
 * `W' = argmin λ‖W' − W‖² + s_e Σ_i Σ_tok ‖W'c_i − W c*_i‖² + s_p Σ_j Σ_tok ‖W' r_j − W r_j‖²
 *     = (λW + s_e Σ W c* cᵀ + s_p Σ W r rᵀ)(λI + s_e Σ c cᵀ + s_p Σ r rᵀ)⁻¹`,
 * mapping each erased embedding `c_i` to what `W` gives for its target `c*_i` and keeping the preserved ones.
 * Shapes: matrices `[out_l, d]`, embeddings `[tokens, d]` (or `[d]`); returns new matrices (float64).
 * @see Gal, Gandikota, et al., "Unified Concept Editing in Diffusion Models" (2024); Gong et al., RECE (2024).
 */
export function uceEdit(matrices: readonly (readonly (readonly number[])[])[], erase: readonly unknown[], targets: readonly unknown[], options: UceEditOptions = {}): number[][][] {
  const o = optionsOf(options);
  const lambda = params.nonNegative('lambda', o.lambda ?? 0.1);
  const se = params.nonNegative('eraseScale', o.eraseScale ?? 1);
  const sp = params.nonNegative('preserveScale', o.preserveScale ?? 0.1);
  if (!Array.isArray(matrices) || matrices.length === 0) throw new LosskitError('INVALID_ARGUMENT', 'expected a list of projection matrices', { argument: 'matrices', expected: 'W_l [out_l, d], at least one', received: Array.isArray(matrices) ? 'an empty list' : typeof matrices });
  const Ws = matrices.map((W, l) => readMatrix(W, `matrices[${l}]`));
  const d = Ws[0]![0]!.length;
  Ws.forEach((W, l) => {
    if (W[0]!.length !== d) throw new LosskitError('SHAPE_MISMATCH', 'every matrix must read embeddings of the same width', { argument: `matrices[${l}]`, expected: `[out, ${d}]`, received: `[${W.length}, ${W[0]!.length}]` });
  });
  if (!Array.isArray(erase) || !Array.isArray(targets) || erase.length !== targets.length || erase.length === 0) throw new LosskitError('SHAPE_MISMATCH', 'one target embedding per erased embedding', { argument: 'targets', expected: `${Array.isArray(erase) ? erase.length : '?'} embeddings (at least one)`, received: Array.isArray(targets) ? `${targets.length}` : typeof targets });
  const C = erase.map((e, i) => readEmbedding(e, `erase[${i}]`, d));
  const Cs = targets.map((e, i) => readEmbedding(e, `targets[${i}]`, d));
  C.forEach((c, i) => {
    if (c.length !== Cs[i]!.length) throw new LosskitError('SHAPE_MISMATCH', 'an erased embedding and its target need the same number of tokens', { argument: `targets[${i}]`, expected: `${c.length} tokens`, received: `${Cs[i]!.length}` });
  });
  const R = (o.preserve ?? []).map((e, j) => readEmbedding(e, `preserve[${j}]`, d));
  if (lambda === 0 && C.flat().length + R.flat().length < d) throw new LosskitError('INVALID_PARAMETER', 'lambda = 0 needs at least d embedding rows', { argument: 'lambda', expected: '> 0', received: '0' });
  return Ws.map((W) => {
    const out = W.length;
    const mat1: Matrix = W.map((r) => r.map((v) => lambda * v));
    const mat2: Matrix = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? lambda : 0)));
    const add = (ctx: number[], val: number[], s: number): void => {
      for (let a = 0; a < out; a++) for (let b = 0; b < d; b++) mat1[a]![b]! += s * val[a]! * ctx[b]!;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) mat2[a]![b]! += s * ctx[a]! * ctx[b]!;
    };
    C.forEach((c, i) => c.forEach((tok, t) => add(tok, matVec(W, Cs[i]![t]!), se)));
    R.forEach((r) => r.forEach((tok) => add(tok, matVec(W, tok), sp)));
    // W' = mat1 · mat2⁻¹  ⇔  mat2ᵀ W'ᵀ = mat1ᵀ (mat2 is symmetric).
    return transpose(solve(mat2, transpose(mat1)));
  });
}

/**
 * RECE's closed-form adversarial embedding (`close_form_emb_regzero`): the embedding that makes the edited matrices
 * reproduce what the original ones give for the concept, `c' = argmin Σ_l ‖W'_l c' − W_l c‖² + r‖c'‖²
 * = (Σ W'ᵀW' + rI)⁻¹ Σ W'ᵀW c` (per token). Shapes: `edited` and `original` lists of `[out_l, d]`, `concept` `[tokens, d]`.
 */
export function adversarialEmbedding(edited: readonly (readonly (readonly number[])[])[], original: readonly (readonly (readonly number[])[])[], concept: unknown, regularScale = 0.1): number[][] {
  const r = params.nonNegative('regularScale', regularScale);
  if (!Array.isArray(edited) || !Array.isArray(original) || edited.length !== original.length || edited.length === 0) throw new LosskitError('SHAPE_MISMATCH', 'one original matrix per edited matrix', { argument: 'original', expected: `${Array.isArray(edited) ? edited.length : '?'} matrices (at least one)`, received: Array.isArray(original) ? `${original.length}` : typeof original });
  const E = edited.map((W, l) => readMatrix(W, `edited[${l}]`));
  const d = E[0]![0]!.length;
  const O = original.map((W, l) => readMatrix(W, `original[${l}]`, d));
  E.forEach((W, l) => {
    if (W[0]!.length !== d || W.length !== O[l]!.length) throw new LosskitError('SHAPE_MISMATCH', 'edited and original matrices must have the same shapes', { argument: `edited[${l}]`, expected: `[${O[l]!.length}, ${d}]`, received: `[${W.length}, ${W[0]!.length}]` });
  });
  const c = readEmbedding(concept, 'concept', d);
  const A: Matrix = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? r : 0)));
  const B: Matrix = Array.from({ length: d }, () => new Array(d).fill(0) as number[]);
  E.forEach((W, l) => {
    const WtW = matMul(transpose(W), W);
    const WtO = matMul(transpose(W), O[l]!);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      A[i]![j]! += WtW[i]![j]!;
      B[i]![j]! += WtO[i]![j]!;
    }
  });
  const K = solve(A, B); // c'ᵀ = K cᵀ
  return c.map((tok) => matVec(K, tok));
}

/** Options of {@link rece}. */
export interface ReceOptions extends UceEditOptions {
  /** The projection matrices W_l `[out_l, d]` of the original model. */
  readonly matrices: readonly (readonly (readonly number[])[])[];
  /** The concepts to erase, each `[tokens, d]` (or `[d]`). */
  readonly concepts: readonly unknown[];
  /** What each concept should map to (e.g. the empty prompt's embedding), each like its concept. */
  readonly targets: readonly unknown[];
  /** Epochs of adversarial-embedding search and re-erasure. Default 3 (RECE `--epochs`). */
  readonly epochs?: number;
  /** r of the adversarial embedding. Default 0.1 (RECE `--regular_scale`). */
  readonly regularScale?: number;
  /** Start with a UCE edit of the concepts themselves (RECE starts from a UCE-erased model). Default true. */
  readonly uceFirst?: boolean;
}

/** Result of {@link rece}. */
export interface ReceResult {
  /** The edited matrices. */
  readonly matrices: number[][][];
  /** The adversarial embeddings found in each epoch (`[epoch][concept][tokens][d]`). */
  readonly adversarial: number[][][][];
  /**
   * Per epoch (before its edit) and after the last: how well the best adversarial embedding regenerates each concept,
   * `Σ_l ‖W'_l c' − W_l c‖² / Σ_l ‖W_l c‖²` averaged over the concepts (lower = the concept can be regenerated).
   */
  readonly regeneration: number[];
}

/**
 * RECE (Reliable and Efficient Concept Erasure): after a UCE edit that maps each concept embedding to its target,
 * repeat `epochs` times: find for every concept the closed-form adversarial embedding c' that makes the edited matrices
 * regenerate the concept's original outputs ({@link adversarialEmbedding}), then erase c' with the same closed-form edit
 * ({@link uceEdit}, target as before, preserve terms kept). Everything in float64 on the host.
 *
 * @example const { matrices } = rece({ matrices: [Wk, Wv], concepts: [nudity], targets: [empty], epochs: 3 });
 * @see Gong, Chen, Wei, Chen, Jiang, "Reliable and Efficient Concept Erasure of Text-to-Image Diffusion Models" (ECCV 2024).
 */
export function rece(options: ReceOptions): ReceResult {
  const o = optionsOf(options) as ReceOptions | undefined;
  if (!o) throw new LosskitError('INVALID_ARGUMENT', 'rece needs options', { argument: 'options', expected: '{ matrices, concepts, targets }' });
  const epochs = o.epochs ?? 3;
  if (!Number.isInteger(epochs) || epochs < 0) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'epochs', expected: 'an integer >= 0', received: String(epochs) });
  const r = params.nonNegative('regularScale', o.regularScale ?? 0.1);
  const uceFirst = params.boolean('uceFirst', o.uceFirst ?? true);
  const original = o.matrices.map((W, l) => readMatrix(W, `matrices[${l}]`));
  const edit = { ...(o.lambda !== undefined ? { lambda: o.lambda } : {}), ...(o.eraseScale !== undefined ? { eraseScale: o.eraseScale } : {}), ...(o.preserve !== undefined ? { preserve: o.preserve } : {}), ...(o.preserveScale !== undefined ? { preserveScale: o.preserveScale } : {}) };
  let W = !uceFirst ? original : uceEdit(original, o.concepts, o.targets, edit);
  const d = original[0]![0]!.length;
  const concepts = o.concepts.map((c, i) => readEmbedding(c, `concepts[${i}]`, d));
  const score = (adv: Matrix[]): number =>
    concepts.reduce((acc, c, i) => {
      let num = 0;
      let den = 0;
      original.forEach((Wo, l) => c.forEach((tok, t) => {
        const want = matVec(Wo, tok);
        const got = matVec(W[l]!, adv[i]![t]!);
        want.forEach((v, k) => {
          num += (got[k]! - v) ** 2;
          den += v * v;
        });
      }));
      return acc + num / Math.max(den, 1e-300);
    }, 0) / concepts.length;
  const adversarial: number[][][][] = [];
  const regeneration: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const adv = concepts.map((c) => adversarialEmbedding(W, original, c, r));
    regeneration.push(score(adv));
    adversarial.push(adv);
    W = uceEdit(W, adv, o.targets, edit);
  }
  regeneration.push(score(concepts.map((c) => adversarialEmbedding(W, original, c, r))));
  return { matrices: W, adversarial, regeneration };
}
