import type { TensorLike } from '@losskit/core';
import { LosskitError, checkParam } from '@losskit/core';
import { rng } from '@losskit/core/math';
import { type HostMatrix, checkInteger, readFeatures, readLabels, readOptions } from './input.js';
import { symmetricEigenvalues } from './linalg.js';

/** Options of {@link diffusionSpectralEntropy}. */
export interface DiffusionEntropyOptions {
  /** Gaussian kernel bandwidth σ. Default 10 (the authors' default). */
  readonly sigma?: number;
  /** Diffusion time t (eigenvalues are raised to t). Default 1. */
  readonly t?: number;
}

const MAX_POINTS = 2000;

function checkOptions(o: DiffusionEntropyOptions): { sigma: number; t: number } {
  const sigma = checkParam('sigma', o.sigma ?? 10, 'a number > 0', (v) => v > 0);
  const t = checkInteger('t', o.t ?? 1, 1, 1000);
  return { sigma, t };
}

/** Eigenvalues of the symmetric conjugate K = D^{-1/2} G D^{-1/2} of the diffusion operator P = D^{-1} G. */
function diffusionEigenvalues(m: HostMatrix, rows: ArrayLike<number>, sigma: number): Float64Array {
  const n = rows.length;
  const { data, d } = m;
  const g = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    g[a * n + a] = 1;
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      const ra = rows[a]! * d;
      const rb = rows[b]! * d;
      for (let j = 0; j < d; j++) s += (data[ra + j]! - data[rb + j]!) ** 2;
      // exp(−‖x_a − x_b‖² / 2σ²); the 1/(σ√2π) factor of the authors' kernel cancels in the normalization.
      const v = Math.exp(-s / (2 * sigma * sigma));
      g[a * n + b] = v;
      g[b * n + a] = v;
    }
  }
  const deg = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let b = 0; b < n; b++) s += g[a * n + b]!;
    deg[a] = 1 / Math.sqrt(s);
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) g[a * n + b] = g[a * n + b]! * deg[a]! * deg[b]!;
  return symmetricEigenvalues(g, n);
}

/** DSE from the eigenvalues: drop the largest, |λ|^t, normalize, add machine ε, −Σ p log₂ p. */
function entropyOf(eig: Float64Array, t: number): number {
  const rest = Array.from(eig).sort((a, b) => b - a).slice(1).map((l) => Math.abs(l) ** t);
  if (rest.length === 0) return 0;
  const sum = rest.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const l of rest) {
    const p = (sum > 0 ? l / sum : 0) + Number.EPSILON;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Diffusion spectral entropy of a representation `[N, D]` (Liao, Liu et al. 2023, *Assessing Neural Network
 * Representations During Training Using Noise-Resilient Diffusion Spectral Entropy*), as the authors' `dse.py` /
 * `diffusion.py` (github.com/ChenLiu-1996/DiffusionSpectralEntropy) compute it:
 *
 * G_ab = exp(−‖x_a − x_b‖²/2σ²), K = D^{-1/2} G D^{-1/2} (D = diag of row sums; same spectrum as the diffusion matrix
 * P = D^{-1}G), eigenvalues λ sorted descending with the trivial λ₁ = 1 dropped, p_k = |λ_k|^t / Σ|λ|^t + ε (machine
 * epsilon), DSE = −Σ_k p_k log₂ p_k (bits). Float64; exact eigenvalues (no Chebyshev approximation). At most 2,000
 * points (the N×N eigenproblem); subsample larger sets.
 *
 * @example diffusionSpectralEntropy(features, { sigma: 10, t: 1 });
 */
export function diffusionSpectralEntropy(features: TensorLike, options?: DiffusionEntropyOptions): number {
  const { sigma, t } = checkOptions(readOptions(options));
  const m = readFeatures(features, 'features');
  if (m.n > MAX_POINTS) throw new LosskitError('INVALID_ARGUMENT', 'too many points for the exact eigendecomposition', { argument: 'features', expected: `at most ${MAX_POINTS} rows (subsample first)`, received: `${m.n} rows` });
  return entropyOf(diffusionEigenvalues(m, Array.from({ length: m.n }, (_, i) => i), sigma), t);
}

/** Options of {@link diffusionSpectralMutualInformation}. */
export interface DiffusionMutualInformationOptions extends DiffusionEntropyOptions {
  /** Random subsets per class for the marginal DSE(A*). Default 5 (the authors' `num_repetitions`). */
  readonly repetitions?: number;
  /** Seed of the subset draws. Default 0. */
  readonly seed?: number;
}

/** Per-class terms of {@link diffusionSpectralMutualInformation}. */
export interface DsmiClassTerm {
  readonly label: number;
  readonly count: number;
  /** DSE(A | B = b): the entropy of this class's representations. */
  readonly conditionalEntropy: number;
  /** DSE(A*) on each random subset of the same size drawn from all N. */
  readonly marginalEntropies: number[];
  /** The subsets drawn (row indices), for reproduction. */
  readonly subsets: number[][];
}

/**
 * Diffusion spectral mutual information between a representation `[N, D]` and discrete labels `[N]` (Liao, Liu et
 * al. 2023), as the authors' `dsmi.py` computes it for a discrete reference: DSMI = Σ_b p(b) · (DSE(A*) − DSE(A | B =
 * b)), where DSE(A*) is the mean DSE of `repetitions` random subsets of all N rows of size n_b (drawn without
 * replacement, seeded), so both entropies use the same number of points. Continuous references (which the authors
 * cluster with spectral clustering) are left to the caller: pass cluster ids as labels.
 *
 * @example diffusionSpectralMutualInformation(features, labels, { sigma: 10 }).dsmi;
 */
export function diffusionSpectralMutualInformation(features: TensorLike, labels: TensorLike, options?: DiffusionMutualInformationOptions): { dsmi: number; perClass: DsmiClassTerm[] } {
  const o = readOptions(options);
  const { sigma, t } = checkOptions(o);
  const reps = checkInteger('repetitions', o.repetitions ?? 5, 1, 100);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new LosskitError('INVALID_PARAMETER', 'invalid hyperparameter', { argument: 'seed', expected: 'an integer', received: String(seed) });
  const m = readFeatures(features, 'features');
  if (m.n > MAX_POINTS) throw new LosskitError('INVALID_ARGUMENT', 'too many points for the exact eigendecomposition', { argument: 'features', expected: `at most ${MAX_POINTS} rows (subsample first)`, received: `${m.n} rows` });
  const y = readLabels(labels, m.n, 'labels');
  const groups = new Map<number, number[]>();
  y.forEach((c, i) => {
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c)!.push(i);
  });
  const u = rng(seed);
  const perClass: DsmiClassTerm[] = [];
  let dsmi = 0;
  for (const label of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = groups.get(label)!;
    const conditionalEntropy = entropyOf(diffusionEigenvalues(m, rows, sigma), t);
    const subsets: number[][] = [];
    const marginalEntropies: number[] = [];
    for (let r = 0; r < reps; r++) {
      // Partial Fisher–Yates: the first n_b entries of a seeded permutation of 0..N−1.
      const perm = Array.from({ length: m.n }, (_, i) => i);
      for (let i = 0; i < rows.length; i++) {
        const j = i + Math.floor(u() * (m.n - i));
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      const sub = perm.slice(0, rows.length);
      subsets.push(sub);
      marginalEntropies.push(entropyOf(diffusionEigenvalues(m, sub, sigma), t));
    }
    const marginal = marginalEntropies.reduce((a, b) => a + b, 0) / reps;
    dsmi += (rows.length / m.n) * (marginal - conditionalEntropy);
    perClass.push({ label, count: rows.length, conditionalEntropy, marginalEntropies, subsets });
  }
  return { dsmi, perClass };
}
