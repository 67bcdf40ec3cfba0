/**
 * PLD, resampling by the user's personal loss distribution (Zhang, Cao, Wu, Sun, Shen & Cheng 2025, "Personalized
 * Denoising Implicit Feedback for Robust Recommender System", WWW 2025, arXiv:2502.00348), as the authors' code
 * (github.com/Kaike-Zhang/PLD at dd7b14f: `utls/mydataset.py` `get_train_batch(multi_sample=True)`, `utls/trainer.py`
 * `PLDCFTrainer`): per user, a candidate pool of k observed (positive) items and one unobserved item; the current model's
 * loss of every candidate pair; one candidate drawn with p ∝ exp(−ℓ/τ), which then is the positive of the training step.
 */
import { LosskitError, params, type TensorLike } from '@losskit/core';
import { readOptions, readRows, seeded } from './input.js';

/** Options of {@link pldCandidates}. */
export interface PldCandidateOptions {
  /** Number of items I (ids in [0, I)). */
  readonly items: number;
  /** Candidates per user k (the authors' `--item_num`). Default 5. */
  readonly k?: number;
  /** Seed of the draws. Default 0. */
  readonly seed?: number;
}

/**
 * The PLD candidate pool of each user in `users`: k items drawn uniformly from the user's interactions — without
 * replacement when the user has at least k, with replacement otherwise (`np.random.choice(items, k, replace=len < k)`)
 * — and one negative item drawn uniformly from the items the user has not interacted with (the code's rejection loop).
 * `interactions[u]` lists user u's observed item ids. Returns `positives [B][k]` and `negatives [B]`; score each pair
 * (u, positives[b][j], negatives[b]) with the current model (the authors: BPR, ℓ = softplus(s_neg − s_pos), no
 * gradient) and pass the `[B, k]` losses to {@link pldResample}.
 * Errors: `INVALID_ARGUMENT` (a user with no interactions or with every item, an item id outside [0, items)),
 * `INVALID_PARAMETER` (k, items, a user id outside the interaction lists).
 *
 * @example pldCandidates([[0, 2, 5], [1, 3]], [0, 1], { items: 8, k: 2, seed: 1 })
 */
export function pldCandidates(interactions: readonly (readonly number[])[], users: readonly number[], options: PldCandidateOptions): { positives: number[][]; negatives: number[] } {
  const o = readOptions(options);
  const items = params.positiveInteger('items', o.items);
  const k = params.positiveInteger('k', o.k ?? 5);
  if (!Array.isArray(interactions)) throw new LosskitError('INVALID_ARGUMENT', 'interactions must be an array of item lists', { argument: 'interactions', expected: 'number[][] (observed item ids per user)', received: typeof interactions });
  if (!Array.isArray(users) || users.length === 0) throw new LosskitError('EMPTY_BATCH', 'no users', { argument: 'users', expected: 'a non-empty array of user ids', received: Array.isArray(users) ? 'an empty array' : typeof users });
  const u = seeded(o.seed);
  const positives: number[][] = [];
  const negatives: number[] = [];
  users.forEach((user, b) => {
    if (!Number.isInteger(user) || user < 0 || user >= interactions.length) throw new LosskitError('INVALID_PARAMETER', 'unknown user', { argument: `users[${b}]`, expected: `an integer in [0, ${interactions.length})`, received: String(user) });
    const seen = interactions[user];
    if (!Array.isArray(seen) || seen.length === 0) throw new LosskitError('INVALID_ARGUMENT', `user ${user} has no interactions`, { argument: `interactions[${user}]`, expected: 'at least one observed item (positives are drawn from it)', received: Array.isArray(seen) ? 'an empty list' : typeof seen });
    const bad = seen.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= items);
    if (bad >= 0) throw new LosskitError('INVALID_ARGUMENT', 'item id out of range', { argument: `interactions[${user}][${bad}]`, expected: `an integer in [0, ${items})`, received: String(seen[bad]) });
    const set = new Set(seen);
    if (set.size >= items) throw new LosskitError('INVALID_ARGUMENT', `user ${user} has interacted with every item`, { argument: `interactions[${user}]`, expected: 'at least one unobserved item (the negative)', received: `${set.size} of ${items} items` });
    let pos: number[];
    if (seen.length >= k) {
      // Partial Fisher–Yates: the first k of a uniform permutation (a draw without replacement).
      const a = [...seen];
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(u() * (a.length - i));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      pos = a.slice(0, k);
    } else pos = Array.from({ length: k }, () => seen[Math.floor(u() * seen.length)]!);
    let neg = Math.floor(u() * items);
    while (set.has(neg)) neg = Math.floor(u() * items);
    positives.push(pos);
    negatives.push(neg);
  });
  return { positives, negatives };
}

/** Options of {@link pldResample}. */
export interface PldResampleOptions {
  /** Temperature τ > 0 (the authors' `--temp`). Default 0.1. */
  readonly temperature?: number;
  /** Seed of the draw. Default 0. */
  readonly seed?: number;
}

/**
 * The PLD draw: for each user b, candidate j is chosen with probability
 *
 * p_bj = exp(−ℓ_bj/τ) / Σ_j' exp(−ℓ_bj'/τ)
 *
 * (the authors' `softmax(−loss/τ)` and `torch.multinomial(p, 1)`), so low-loss (likely clean) interactions are trained
 * on more often than high-loss (likely noisy) ones. `losses [B, k]` are the current model's candidate losses (any loss;
 * the authors use BPR). The softmax is taken relative to the row minimum, so it is exact for any finite losses.
 * Returns the chosen column per row `[B]` and the probabilities `[B][k]` (host arrays). The authors switch PLD on after
 * 5 warm-up epochs of ordinary sampling (`begin_adv`).
 * Errors: `NON_FINITE_INPUT`, `RANK_MISMATCH`, `INVALID_PARAMETER` (τ ≤ 0).
 *
 * @example pldResample([[0.2, 1.5, 0.3], [2.0, 0.1, 0.1]], { temperature: 0.1, seed: 1 }).indices
 */
export function pldResample(losses: TensorLike, options?: PldResampleOptions): { indices: number[]; probabilities: number[][] } {
  const rows = readRows(losses, 'losses');
  const o = readOptions(options);
  const tau = params.positive('temperature', o.temperature ?? 0.1);
  const u = seeded(o.seed);
  const probabilities = rows.map((row) => {
    const m = Math.min(...row);
    const e = row.map((l) => Math.exp(-(l - m) / tau));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  const indices = probabilities.map((p) => {
    let r = u();
    for (let j = 0; j < p.length - 1; j++) {
      if (r < p[j]!) return j;
      r -= p[j]!;
    }
    // The last candidate with positive probability (guards against rounding in the running subtraction).
    let last = p.length - 1;
    while (last > 0 && p[last] === 0) last--;
    return last;
  });
  return { indices, probabilities };
}
