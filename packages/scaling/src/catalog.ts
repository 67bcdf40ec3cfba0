/**
 * Catalog entries for `@losskit/scaling`. The interface matches `CatalogEntry` in
 * `@losskit/core` (packages/core/src/catalog.ts) field for field; it is redeclared here because this
 * package has no dependencies.
 */
export interface ScalingParamSpec {
  readonly name: string;
  readonly default: number | string | boolean | null | readonly number[];
  readonly range?: { readonly min?: number; readonly max?: number; readonly minExclusive?: boolean; readonly maxExclusive?: boolean } | string;
  readonly description: string;
}

/** Same shape as `CatalogEntry` in `@losskit/core`. */
export interface ScalingCatalogEntry {
  readonly id: string;
  readonly name: string;
  readonly package: string;
  readonly export: string;
  readonly category: string;
  readonly summary: string;
  readonly formula: string;
  readonly inputs: string;
  readonly params: readonly ScalingParamSpec[];
  readonly paper?: { readonly title: string; readonly authors?: string; readonly year?: number; readonly url?: string };
  readonly example: string;
  readonly dsl?: string;
  /** How the docs site runs the entry (same shape as core's `TryIt`; scaling depends on no tensor code). */
  readonly tryIt?: { readonly call?: string; readonly code?: string; readonly unavailable?: string };
}

const PKG = '@losskit/scaling';
const entry = (e: ScalingCatalogEntry): ScalingCatalogEntry => Object.freeze({ ...e, params: Object.freeze([...e.params]) });

/** Every law and fit routine this package exports, for the docs site and playground. */
export const catalog: readonly ScalingCatalogEntry[] = Object.freeze([
  entry({
    id: 'chinchilla',
    name: 'Chinchilla L(N, D) (approach 3)',
    package: PKG,
    export: 'chinchillaFamily',
    category: 'scaling-law',
    summary: 'E + A/N^α + B/D^β fitted with a Huber loss on log residuals from a 4500-start L-BFGS grid.',
    formula: 'L(N, D) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D^{\\beta}}',
    inputs: 'runs: { N, D, loss }[]',
    params: [
      { name: 'delta', default: 1e-3, range: { min: 0, minExclusive: true }, description: 'Huber threshold on log-loss residuals' },
      { name: 'starts', default: 4500, description: 'grid α, β ∈ {0, .5, …, 2}, e ∈ {−1, −.5, …, 1}, a, b ∈ {0, 5, …, 25}' },
    ],
    paper: { title: 'Training Compute-Optimal Large Language Models', authors: 'Hoffmann et al.', year: 2022, url: 'https://arxiv.org/abs/2203.15556' },
    example: "import { fitLaw, chinchillaFamily } from '@losskit/scaling';\nconst fit = fitLaw(chinchillaFamily, runs);\nconsole.log(fit.law.toString());",
  }),
  entry({
    id: 'power-law-constant',
    name: 'Power law with constant',
    package: PKG,
    export: 'powerLawFamily',
    category: 'scaling-law',
    summary: 'Single-variable L(x) = E + (x0/x)^α, fitted in log space.',
    formula: 'L(x) = E + \\left(\\frac{x_0}{x}\\right)^{\\alpha}',
    inputs: 'runs: { [x]: number, loss }[]',
    params: [{ name: 'input', default: 'N', description: 'name of the variable (N, D, C, ...)' }],
    paper: { title: 'Scaling Laws for Autoregressive Generative Modeling', authors: 'Henighan et al.', year: 2020, url: 'https://arxiv.org/abs/2010.14701' },
    example: "import { fitLaw, powerLawFamily } from '@losskit/scaling';\nfitLaw(powerLawFamily('N'), runs).params;",
  }),
  entry({
    id: 'kaplan',
    name: 'Kaplan L(N), L(D), L(C)',
    package: PKG,
    export: 'kaplanFamily',
    category: 'scaling-law',
    summary: 'Pure power laws (X_c/X)^{α_X} with the paper constants as defaults.',
    formula: 'L(X) = \\left(\\frac{X_c}{X}\\right)^{\\alpha_X}',
    inputs: 'runs: { N | D | C, loss }[]',
    params: [
      { name: 'alphaN', default: 0.076, description: 'N exponent (N_c = 8.8e13)' },
      { name: 'alphaD', default: 0.095, description: 'D exponent (D_c = 5.4e13)' },
      { name: 'alphaC', default: 0.05, description: 'C_min exponent (C_c = 3.1e8 PF-days)' },
    ],
    paper: { title: 'Scaling Laws for Neural Language Models', authors: 'Kaplan et al.', year: 2020, url: 'https://arxiv.org/abs/2001.08361' },
    example: "import { kaplan } from '@losskit/scaling';\nkaplan('N').predict({ N: 1e9 });",
  }),
  entry({
    id: 'kaplan-nd',
    name: 'Kaplan L(N, D)',
    package: PKG,
    export: 'kaplanNDFamily',
    category: 'scaling-law',
    summary: 'Joint model/data law [(N_c/N)^{α_N/α_D} + D_c/D]^{α_D}.',
    formula: 'L(N, D) = \\left[\\left(\\frac{N_c}{N}\\right)^{\\alpha_N / \\alpha_D} + \\frac{D_c}{D}\\right]^{\\alpha_D}',
    inputs: 'runs: { N, D, loss }[]',
    params: [
      { name: 'alphaN', default: 0.076, description: 'N exponent' },
      { name: 'alphaD', default: 0.103, description: 'D exponent' },
    ],
    paper: { title: 'Scaling Laws for Neural Language Models', authors: 'Kaplan et al.', year: 2020, url: 'https://arxiv.org/abs/2001.08361' },
    example: "import { fitLaw, kaplanNDFamily } from '@losskit/scaling';\nfitLaw(kaplanNDFamily, runs).params;",
  }),
  entry({
    id: 'lr-annealing',
    name: 'LR-annealing law',
    package: PKG,
    export: 'annealingFamily',
    category: 'scaling-law',
    summary: 'Full loss curve from the LR schedule: L0 + A·S1^{−α} − C·S2.',
    formula: 'L(s) = L_0 + A \\cdot S_1^{-\\alpha} - C \\cdot S_2',
    inputs: 'runs: { S1, S2, loss }[] from annealingAreas(schedule)',
    params: [{ name: 'decay', default: 0.999, range: { min: 0, max: 1, maxExclusive: true }, description: 'momentum λ of the annealing area S2' }],
    paper: { title: 'Scaling Law with Learning Rate Annealing', authors: 'Tissue, Wang, Wang', year: 2024, url: 'https://arxiv.org/abs/2408.11029' },
    example: "import { annealingAreas, annealingFamily, fitLaw } from '@losskit/scaling';\nconst { S1, S2 } = annealingAreas(lrs);",
  }),
  entry({
    id: 'loss-to-loss',
    name: 'Loss-to-loss shifted power law',
    package: PKG,
    export: 'lossToLossFamily',
    category: 'scaling-law',
    summary: 'Predict one loss from another: K·(L_x − E_x)^κ + E_y.',
    formula: 'L_y = K \\cdot (L_x - E_x)^{\\kappa} + E_y',
    inputs: 'pairs: { Lx, Ly }[] (target "Ly")',
    params: [
      { name: 'Ex', default: null, description: 'fixed irreducible loss of the source dataset (fitted when omitted)' },
      { name: 'Ey', default: null, description: 'fixed irreducible loss of the target dataset (fitted when omitted)' },
    ],
    paper: { title: 'Loss-to-Loss Prediction: Scaling Laws for All Datasets', authors: 'Brandfonbrener et al.', year: 2024, url: 'https://arxiv.org/abs/2411.12925' },
    example: "import { fitLaw, lossToLossFamily } from '@losskit/scaling';\nfitLaw(lossToLossFamily(), pairs, { target: 'Ly' });",
  }),
  entry({
    id: 'nmt',
    name: 'NMT encoder/decoder law',
    package: PKG,
    export: 'nmtFamily',
    category: 'scaling-law',
    summary: 'Bivariate law in encoder and decoder size with separate exponents.',
    formula: 'L(N_e, N_d) = \\alpha \\left(\\frac{\\bar N_e}{N_e}\\right)^{p_e} \\left(\\frac{\\bar N_d}{N_d}\\right)^{p_d} + L_\\infty',
    inputs: 'runs: { Ne, Nd, loss }[]',
    params: [
      { name: 'NeRef', default: null, description: 'reference encoder size (fixed)' },
      { name: 'NdRef', default: null, description: 'reference decoder size (fixed)' },
    ],
    paper: { title: 'Scaling Laws for Neural Machine Translation', authors: 'Ghorbani et al.', year: 2021, url: 'https://arxiv.org/abs/2109.07740' },
    example: "import { fitLaw, nmtFamily } from '@losskit/scaling';\nfitLaw(nmtFamily({ NeRef: 1e8, NdRef: 1e8 }), runs);",
    tryIt: { code: "const runs = [];\nfor (const Ne of [2e7, 5e7, 1e8, 3e8]) for (const Nd of [2e7, 5e7, 1e8, 3e8]) runs.push({ Ne, Nd, loss: 2.2 * (1e8 / Ne) ** 0.2 * (1e8 / Nd) ** 0.3 + 0.6 });\nfitLaw(nmtFamily({ NeRef: 1e8, NdRef: 1e8 }), runs).params;" },
  }),
  entry({
    id: 'downstream-log',
    name: 'Downstream log law',
    package: PKG,
    export: 'downstreamLogFamily',
    category: 'scaling-law',
    summary: 'Translation quality vs pretraining data: (log(A·D_p^α))^β.',
    formula: 'f(D_p) = \\left(\\log\\left(A \\cdot D_p^{\\alpha}\\right)\\right)^{\\beta}',
    inputs: 'runs: { Dp, <score> }[]',
    params: [],
    paper: { title: 'Scaling Laws for Downstream Task Performance of Large Language Models', authors: 'Isik et al.', year: 2024, url: 'https://arxiv.org/abs/2402.04177' },
    example: "import { fitLaw, downstreamLogFamily } from '@losskit/scaling';\nfitLaw(downstreamLogFamily, runs, { target: 'bleu' });",
    tryIt: { code: "const runs = [1e6, 3e6, 1e7, 3e7, 1e8].map((Dp) => ({ Dp, bleu: 30 * (1 - 0.5 * Math.exp(-0.4 * Math.log(Dp / 1e6))) }));\nfitLaw(downstreamLogFamily, runs, { target: 'bleu' }).params;" },
  }),
  entry({
    id: 'compute-optimal',
    name: 'Compute-optimal allocation',
    package: PKG,
    export: 'computeOptimal',
    category: 'allocation',
    summary: 'N_opt(C), D_opt(C) and tokens per parameter for C = 6ND or a custom cost.',
    formula: 'N_{opt} = G \\left(\\tfrac{C}{6}\\right)^{\\frac{\\beta}{\\alpha+\\beta}},\\; D_{opt} = G^{-1} \\left(\\tfrac{C}{6}\\right)^{\\frac{\\alpha}{\\alpha+\\beta}},\\; G = \\left(\\tfrac{\\alpha A}{\\beta B}\\right)^{\\frac{1}{\\alpha+\\beta}}',
    inputs: 'law: a law of (N, D); C: FLOPs',
    params: [{ name: 'cost', default: '6ND', description: 'training cost in FLOPs' }],
    paper: { title: 'Training Compute-Optimal Large Language Models', authors: 'Hoffmann et al.', year: 2022, url: 'https://arxiv.org/abs/2203.15556' },
    example: "import { computeOptimal, chinchilla } from '@losskit/scaling';\ncomputeOptimal(chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 }), 1e23);",
  }),
  entry({
    id: 'kaplan-ns',
    name: 'Kaplan L(N, S_min) with B_crit and S_min',
    package: PKG,
    export: 'kaplanNSFamily',
    category: 'scaling-law',
    summary: 'Loss from model size and minimum training steps, (N_c/N)^α_N + (S_c/S_min)^α_S, with the critical batch size B_crit(L) and the S_min / E_min conversions; Su et al. estimate every constant from 1M–60M-parameter runs.',
    formula: 'L(N, S_{\\min}) = \\left(\\frac{N_c}{N}\\right)^{\\alpha_N} + \\left(\\frac{S_c}{S_{\\min}}\\right)^{\\alpha_S},\\; S_{\\min} = \\frac{S}{1 + B_{\\mathrm{crit}}(L)/B},\\; B_{\\mathrm{crit}}(L) = \\frac{B_*}{L^{1/\\alpha_B}}',
    inputs: 'runs: { N, S, loss }[] (S = S_min; convert with minSteps(S, B, B_crit))',
    params: [
      { name: 'alphaN', default: 0.077, description: 'N exponent (Kaplan et al. Table 3; N_c = 6.5e13)' },
      { name: 'alphaS', default: 0.76, description: 'S_min exponent (S_c = 2.1e3)' },
      { name: 'alphaB', default: 0.21, description: 'critical-batch exponent (B* = 2e8 tokens)' },
    ],
    paper: { title: 'Unraveling the Mystery of Scaling Laws: Part I', authors: 'Su, Tian, Shen, Cai', year: 2024, url: 'https://arxiv.org/abs/2403.06563' },
    example: "import { fitLaw, kaplanNSFamily, lossTrajectory } from '@losskit/scaling';\nconst law = fitLaw(kaplanNSFamily, runs).law;\nlossTrajectory(law, { N: 1e9, batch: 5e5, steps: [1e3, 1e4, 1e5] });",
    tryIt: { code: "const runs = [];\nfor (const N of [1e6, 4e6, 1.6e7, 6e7]) for (const S of [2e3, 1e4, 5e4, 2e5]) runs.push({ N, S, loss: (6.5e13 / N) ** 0.077 + (2.1e3 / S) ** 0.76 });\nconst law = fitLaw(kaplanNSFamily, runs).law;\n({ params: law.params, trajectory: lossTrajectory(law, { N: 1e9, batch: 5e5, steps: [1e3, 1e4, 1e5] }) });" },
  }),
  entry({
    id: 'critical-batch',
    name: 'Critical batch size B_crit(L)',
    package: PKG,
    export: 'criticalBatchFamily',
    category: 'scaling-law',
    summary: 'The batch size beyond which data parallelism stops paying, as a power law in the loss; fit it to measured (L, B_crit) points.',
    formula: 'B_{\\mathrm{crit}}(L) = \\frac{B_*}{L^{1/\\alpha_B}}',
    inputs: 'points: { L, Bcrit }[] (target "Bcrit")',
    params: [
      { name: 'Bstar', default: 2e8, range: { min: 0, minExclusive: true }, description: 'B* in tokens (Kaplan et al.)' },
      { name: 'alphaB', default: 0.21, range: { min: 0, minExclusive: true }, description: 'α_B' },
    ],
    paper: { title: 'Unraveling the Mystery of Scaling Laws: Part I', authors: 'Su, Tian, Shen, Cai', year: 2024, url: 'https://arxiv.org/abs/2403.06563' },
    example: "import { criticalBatch, minSteps } from '@losskit/scaling';\nminSteps(1e5, 5e5, criticalBatch().predict({ L: 3 }));",
    tryIt: { code: "const pts = [2.4, 2.8, 3.2, 3.9, 4.5].map((L) => ({ L, Bcrit: 3e7 / L ** 4 }));\nconst bc = fitLaw(criticalBatchFamily, pts, { target: 'Bcrit' }).law;\n({ params: bc.params, sMin: minSteps(1e5, 5e5, bc.predict({ L: 3 })), eMin: minExamples(5e10, 5e5, bc.predict({ L: 3 })) });" },
  }),
  entry({
    id: 'time-chinchilla',
    name: 'Time-budget Chinchilla law',
    package: PKG,
    export: 'timeChinchillaFamily',
    category: 'scaling-law',
    summary: 'Chinchilla in wall-clock time: the tokens a run sees are T·tokensPerStep/t_step, with t_step from a linear step-time model on a per-step cost proxy; rank architectures for a time budget.',
    formula: 'L(N, T) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D(T)^{\\beta}},\\; D(T) = \\frac{T \\cdot k}{t_{\\mathrm{step}}},\\; t_{\\mathrm{step}} \\approx c_0 + c_1 \\cdot \\mathrm{proxy}',
    inputs: 'runs: { N, T, stepTime, tokensPerStep, loss }[]; step-time measurements { proxy, stepTime }[]',
    params: [],
    paper: { title: 'Time Matters: Scaling Laws for Any Budget', authors: 'Inbar, Sernau', year: 2024, url: 'https://arxiv.org/abs/2406.18922' },
    example: "import { bestForTime, fitStepTime, timeChinchilla } from '@losskit/scaling';\nconst law = timeChinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });\nbestForTime(law, 3600, fitStepTime(measured), candidates);",
    tryIt: { code: "const law = timeChinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });\nconst st = fitStepTime([{ proxy: 1, stepTime: 0.1 }, { proxy: 2, stepTime: 0.21 }, { proxy: 4, stepTime: 0.39 }]);\nbestForTime(law, 7200, st, [{ name: 'wide', N: 2e8, proxy: 2, tokensPerStep: 5e5 }, { name: 'deep', N: 2e8, proxy: 3, tokensPerStep: 5e5 }]).map((r) => [r.candidate.name, r.loss]);" },
  }),
  entry({
    id: 'sft-mixing',
    name: 'SFT data-mixing law and weight optimisation',
    package: PKG,
    export: 'sftMixingFamily',
    category: 'scaling-law',
    summary: 'Per-domain validation loss as a fine-tuning power law in effective data (own tokens plus tokens transferred from the other domains), fitted on small mixtures; optimizeMixture picks the weights that minimise the summed loss.',
    formula: 'L_i = C_i + K_i\\,(D_i + t_i D_{-i}^{\\beta_i})^{-\\alpha_i},\\; w^* = \\arg\\min_{w \\in \\Delta} \\sum_i \\lambda_i L_i(w_i D, (1 - w_i) D)',
    inputs: 'runs per domain: { Dself, Dother, loss }[]; optimizeMixture(laws, budget)',
    params: [{ name: 'importance', default: null, description: 'λ_i per domain (default all 1)' }],
    paper: { title: 'Data Mixing Optimization for Supervised Fine-Tuning of Large Language Models', authors: 'Li, Liu, Xing', year: 2025, url: 'https://arxiv.org/abs/2508.11953' },
    example: "import { fitLaw, optimizeMixture, sftMixingFamily } from '@losskit/scaling';\nconst laws = [mathRuns, codeRuns, chatRuns].map((r) => fitLaw(sftMixingFamily, r).law);\noptimizeMixture(laws, 1e6).weights;",
    tryIt: { code: "const laws = [{ K: 40, alpha: 0.35, C: 0.9, t: 0.02, beta: 0.9 }, { K: 25, alpha: 0.3, C: 1.2, t: 0.2, beta: 0.7 }, { K: 60, alpha: 0.45, C: 0.6, t: 0.005, beta: 1 }].map((p) => sftMixingLaw(p));\noptimizeMixture(laws, 1e6);" },
  }),
]);
