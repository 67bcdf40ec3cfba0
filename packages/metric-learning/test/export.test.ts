// Every catalog entry of @losskit/metric-learning exported with toPyTorch / toNumPy from its `dsl` text and run
// on a documented example and three random batches of the same nature (more rows, every reduction, sample
// weights where the loss is per sample): value, per-sample values, gradient and parts against compile()
// (bounds in core's test/export/harness.ts). Entries that cannot export are listed with the reason.
import * as core from '@losskit/core';
import { type Expr, LosskitError, ready, toNumPy, toPyTorch } from '@losskit/core';
import * as losses from '@losskit/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Example, catalogCases } from '../../core/test/export/catalog.js';
import { Dice } from '../../core/test/export/grammar.js';
import { type ExportCase, checkCases, summarize } from '../../core/test/export/harness.js';
import { pmlPairEntries } from '../src/catalogPml.js';
import * as ml from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** Entries that cannot be exported, and why (the export must throw or the entry has no expression). */
const NOT_EXPORTABLE: Readonly<Record<string, string>> = {
  metrix: 'its λ is drawn per call from a generator whose state lives in the expression node, and the node does not record whether λ was fixed',
  secla: 'a tensor function on padded sets, not a DSL expression (no `dsl` field)',
  teen: 'a training-free tensor function on class prototypes (TEEN calibration), not a loss expression (no `dsl` field)',
  'hyp-ce': 'a tensor function returning logits (the hyperbolic MLR head), not a loss expression (no `dsl` field)',
  bt2: 'a tensor function over several model outputs and stored features (no `dsl` field)',
  'bt2-basis': 'a parameterization of a weight matrix (BT² basis transformation), not a loss (no `dsl` field)',
  amcl: 'a tensor function that calls the caller\'s temperature network φ (a tfjs function, not an expression; no `dsl` field)',
  sbcl: 'no printer: its batch checks read the labels and the sbclSubclass input on the host (row i and i + N are one sample, a subclass lies inside one class), which the harness\'s random per-row inputs break and a printed module would have to repeat for error parity; the export throws',
  wpc: 'a tensor function that calls the caller\'s critic (a tfjs function, not an expression; no `dsl` field)',
  'critic-gradient-penalty': 'a tensor function of the caller\'s critic (its input gradient), not an expression (no `dsl` field)',
  'sbcl-subclasses': 'a host clustering function (k-means per class and class temperatures), not a loss expression (no `dsl` field)',
};

// Documented examples: 6 embeddings of width 4 in 3 classes (2 per class), class matrices of 3 rows.
const z = [[0.3, -1.2, 0.8, 0.1], [0.5, -0.9, 1.1, -0.2], [-1.0, 0.4, 0.2, 0.9], [-0.7, 0.6, -0.1, 1.3], [1.2, 0.9, -0.6, -0.4], [0.8, 1.4, -0.3, -0.9]];
const y = [0, 0, 1, 1, 2, 2];
const text = [[0.2, -1.0, 0.9, 0.3], [0.6, -0.7, 1.0, 0.0], [-0.8, 0.5, 0.1, 1.1], [-0.6, 0.9, 0.0, 1.0], [1.0, 0.7, -0.5, -0.2], [0.9, 1.2, -0.1, -0.7]];
const classes = [[0.4, -1.0, 1.0, 0.0], [-0.9, 0.5, 0.0, 1.1], [1.0, 1.1, -0.5, -0.6]];
const emb: Example = { y, z, options: { from: 'embeddings' } };
/** `rows` class centers of width 4 (SoftTriple's C·10, sub-center ArcFace's C·3), spread on the sphere. */
const centers = (rows: number) => Array.from({ length: rows }, (_, r) => [0, 1, 2, 3].map((j) => +Math.cos(1.3 * r + 0.7 * j).toFixed(3)));
const examples: Readonly<Record<string, Example>> = {
  clip: { ...emb, inputs: { text } },
  siglip: { ...emb, inputs: { text } },
  'proxy-nca': { ...emb, inputs: { proxies: classes } },
  'proxy-anchor': { ...emb, inputs: { proxies: classes } },
  arcface: { ...emb, inputs: { weights: classes } },
  cosface: { ...emb, inputs: { weights: classes } },
  adaface: { ...emb, inputs: { weights: classes } },
  'adaface-running': { ...emb, inputs: { weights: classes, adaFaceNormMean: 1.4, adaFaceNormStd: 0.3 } },
  byol: { ...emb, inputs: { target: text } },
  'large-margin-softmax': { ...emb, inputs: { weights: classes } },
  sphereface: { ...emb, inputs: { weights: classes } },
  'normalized-softmax': { ...emb, inputs: { weights: classes } },
  p2sgrad: { ...emb, inputs: { weights: classes } },
  'soft-triple': { ...emb, inputs: { weights: centers(30) } },
  'subcenter-arcface': { ...emb, inputs: { weights: centers(9) } },
  vicreg: { ...emb, inputs: { reference: text } },
  'dynamic-soft-margin': { ...emb, inputs: { dsmHistogram: [0, 1, 3, 7, 12, 15, 9, 4, 2, 1] } },
  manifold: { ...emb, inputs: { proxies: classes } },
  isogclr: { y: [0, 1, 2, 0, 1, 2], z, options: { from: 'embeddings' }, inputs: { isogclrTau: [0.1, 0.2, 0.15, 0.1, 0.2, 0.15], isogclrS: [0.5, 0.8, 1.2, 0.5, 0.8, 1.2] } },
};

const scope: Record<string, unknown> = { ...core, ...losses, ...ml };
const names = Object.keys(scope);
const run = (dsl: string): Expr => new Function(...names, `return (${dsl})`)(...names.map((n) => scope[n])) as Expr;

describe('every @losskit/metric-learning catalog entry exports to PyTorch and NumPy', () => {
  const d = new Dice(31);
  const cases: ExportCase[] = [];
  const exported: string[] = [];
  for (const entry of ml.catalog) {
    if (entry.id in NOT_EXPORTABLE) continue;
    cases.push(...catalogCases(d, entry.id, run(entry.dsl!), examples[entry.id] ?? emb, 3));
    exported.push(entry.id);
  }

  it('the entries that do not export say why: metrix and SBCL throw a LosskitError, SECLA, TEEN, AMCL, the Hyp-CE logits, BT², the SBCL clustering, WPC and its penalty have no expression', () => {
    const metrix = ml.catalog.find((e) => e.id === 'metrix')!;
    expect(() => toPyTorch(run(metrix.dsl!) as never, { from: 'embeddings' })).toThrow(LosskitError);
    expect(() => toNumPy(run(metrix.dsl!) as never, { from: 'embeddings' })).toThrow(/"ml\.metrix" has no NumPy exporter/);
    expect(ml.catalog.find((e) => e.id === 'secla')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'teen')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'amcl')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'hyp-ce')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'bt2')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'bt2-basis')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'sbcl-subclasses')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'wpc')!.dsl).toBeUndefined();
    expect(ml.catalog.find((e) => e.id === 'critic-gradient-penalty')!.dsl).toBeUndefined();
    const sbcl = ml.catalog.find((e) => e.id === 'sbcl')!;
    expect(() => toPyTorch(run(sbcl.dsl!) as never, { from: 'embeddings' })).toThrow(/"ml\.sbcl" has no PyTorch exporter/);
    expect(() => toNumPy(run(sbcl.dsl!) as never, { from: 'embeddings' })).toThrow(/"ml\.sbcl" has no NumPy exporter/);
  });

  it("value, per-sample values, gradient and parts agree with compile() on each entry's example and random batches", () => {
    const reports = checkCases(cases);
    const byEntry = new Map<string, boolean>();
    reports.forEach((r, i) => {
      const id = exported.find((e) => cases[i]!.id.startsWith(`${e} (`))!;
      byEntry.set(id, (byEntry.get(id) ?? true) && r.ok);
    });
    const passing = [...byEntry.values()].filter(Boolean).length;
    console.log(`metric-learning catalog: ${passing}/${ml.catalog.length} entries export and pass (cannot export: ${Object.keys(NOT_EXPORTABLE).join(', ')}); cases: ${summarize(reports)}`);
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}\n  ${r.problems.join('\n  ')}`)).toEqual([]);
    // The harness's "float64 reference" is the NumPy module itself here: a PML entry decided there must still be within
    // 10× the float32-aware bound of compile() (a wrong value is orders of magnitude off).
    const pml = new Set(pmlPairEntries.map((e) => e.id));
    expect(reports.filter((r, i) => pml.has(exported.find((e) => cases[i]!.id.startsWith(`${e} (`))!) && r.mode === 'float64' && !(r.ratio <= 10)).map((r) => `${r.id}: ${r.ratio}`)).toEqual([]);
  });
});

// The PML additions with non-default options (reducers, distances, variants, learned β, K centers), on the documented
// example and two random batches each, and the bad inputs whose LosskitError code the module must raise as compile() does.
describe('the PML additions export with non-default options and raise the same errors as compile()', () => {
  const d = new Dice(47);
  const e = (id: string, expr: Expr, ex: Example = emb, count = 2): ExportCase[] => catalogCases(d, id, expr, ex, count);
  const w = { ...emb, inputs: { weights: classes } };
  const cases: ExportCase[] = [
    ...e('angular perAnchor', ml.angular({ alpha: 30, reducer: ml.perAnchor() })),
    ...e('tupletMargin meanNonZero', ml.tupletMargin({ margin: 10, scale: 16, reducer: ml.meanNonZero() })),
    ...e('generalizedLiftedStructure cosine sum', ml.generalizedLiftedStructure({ distance: ml.cosine(), negMargin: 0.3, posMargin: 0.8, reducer: ml.sum() })),
    ...e('instance perAnchor', ml.instance({ gamma: 8, reducer: ml.perAnchor() })),
    ...e('nca cosine threshold', ml.nca({ softmaxScale: 4, distance: ml.cosine(), reducer: ml.threshold({ low: 0.1, high: 5 }) })),
    ...e('intraPairVariance euclidean perAnchor', ml.intraPairVariance({ distance: ml.euclidean(), posEps: 0.05, negEps: 0.1, reducer: ml.perAnchor() })),
    ...e('thresholdConsistentMargin margins', ml.thresholdConsistentMargin({ lambdaPlus: 0.5, lambdaMinus: 2, marginPlus: 0.6, marginMinus: 0.2 })),
    ...e('histogram 7 bins', ml.histogram({ numBins: 7 })),
    // labels 2 and 3 are singletons: their negative pair is in no triplet, so PML's filter_pairs drops it
    ...e('histogram with singleton labels', ml.histogram({ numBins: 9 }), { ...emb, y: [0, 0, 1, 2, 3, 3] }, 0),
    ...e('histogram batchHard miner', ml.histogram({ numBins: 9, miner: ml.batchHard() })),
    ...e('margin semiHard miner', ml.margin({ miner: ml.semiHard({ margin: 0.3 }) })),
    ...e('margin batchHard miner, learned per-class β, mean', ml.margin({ miner: ml.batchHard(), beta: { input: 'beta' }, nu: 0.1, reducer: ml.mean() }), { ...emb, inputs: { beta: [1.1, 0.9, 1.3] } }),
    ...e('margin multi-similarity miner', ml.margin({ miner: ml.multiSimilarityMiner() })),
    ...e('margin pair-margin miner', ml.margin({ miner: ml.pairMarginMiner({ posMargin: 0.5, negMargin: 1.1 }) })),
    ...e('contrastive pair-margin miner (older printer)', ml.contrastive({ miner: ml.pairMarginMiner({ posMargin: 0.3, negMargin: 1.2 }) })),
    ...e('tupletMargin HDC miner', ml.tupletMargin({ miner: ml.hdcMiner({ filterPercentage: 0.4 }) })),
    ...e('multiSimilarity HDC miner (older printer)', ml.multiSimilarity({ miner: ml.hdcMiner({ filterPercentage: 0.6 }) })),
    ...e('dynamicSoftMargin batchHard miner', ml.dynamicSoftMargin({ miner: ml.batchHard() }), { ...emb, inputs: { dsmHistogram: [0, 1, 3, 7, 12, 15, 9, 4, 2, 1] } }),
    ...e('dynamicSoftMargin tripletMargin miner', ml.dynamicSoftMargin({ miner: ml.tripletMarginMiner({ type: 'semihard', margin: 0.5 }) }), { ...emb, inputs: { dsmHistogram: [0, 1, 3, 7, 12, 15, 9, 4, 2, 1] } }),
    ...e('fastAP 4 bins perAnchor', ml.fastAP({ numBins: 4, reducer: ml.perAnchor() })),
    ...(['Ds', 'Dq', 'Iu', 'Ib'] as const).flatMap((v) => e(`pnp ${v}`, ml.pnp({ variant: v, anneal: 0.1, alpha: 2, b: 3 }))),
    ...e('rankedList Tp perAnchor', ml.rankedList({ margin: 0.3, Tn: 5, Tp: 2, imbalance: 0.3, reducer: ml.perAnchor() })),
    ...e('margin learned per-class β', ml.margin({ beta: { input: 'beta' }, nu: 0.1 }), { ...emb, inputs: { beta: [1.1, 0.9, 1.3] } }),
    ...e('margin learned scalar β mean', ml.margin({ beta: { input: 'beta' }, nu: 0.05, reducer: ml.mean() }), { ...emb, inputs: { beta: 1.1 } }),
    ...e('margin cosine sum', ml.margin({ distance: ml.cosine(), beta: 0.5, reducer: ml.sum() })),
    ...e('dynamicSoftMargin 5 bins', ml.dynamicSoftMargin({ numBins: 5, minVal: -3 }), { ...emb, inputs: { dsmHistogram: [1, 4, 9, 3, 0] } }),
    ...e('largeMarginSoftmax m = 3', ml.largeMarginSoftmax({ margin: 3, scale: 2 }), w),
    ...e('sphereFace m = 1', ml.sphereFace({ margin: 1, scale: 3 }), w),
    ...e('normalizedSoftmax τ = 0.5', ml.normalizedSoftmax({ temperature: 0.5 }), w),
    ...e('softTriple K = 2', ml.softTriple({ centersPerClass: 2, la: 5, gamma: 0.5, margin: 0.1 }), { ...emb, inputs: { weights: centers(8) } }),
    ...e('subCenterArcFace K = 2', ml.subCenterArcFace({ subCenters: 2, margin: 40, scale: 8 }), { ...emb, inputs: { weights: centers(8) } }),
    ...e('manifold context only', ml.manifold({ lambdaC: Infinity }), { ...emb, inputs: { proxies: classes } }),
    ...e('manifold λ_C = 0.5, α = 0.5', ml.manifold({ lambdaC: 0.5, alpha: 0.5 }), { ...emb, inputs: { proxies: classes } }),
    ...e('vicreg weights', ml.vicreg({ invarianceLambda: 1, varianceMu: 2, covarianceV: 3, eps: 0.01 }), { ...emb, inputs: { reference: text } }),
    ...e('contrastive sum (older printer)', ml.contrastive({ reducer: ml.sum() })),
    ...e('tripletMargin semiHard miner (older printer)', ml.tripletMargin({ margin: 0.5, miner: ml.semiHard({ margin: 0.5 }) })),
    ...e('tripletMargin hard triplet-margin miner (older printer)', ml.tripletMargin({ miner: ml.tripletMarginMiner({ type: 'hard', margin: 0.3 }) })),
    ...e('tripletMargin easy triplet-margin miner (older printer)', ml.tripletMargin({ miner: ml.tripletMarginMiner({ type: 'easy', margin: 0.1 }) })),
    ...e('contrastive multi-similarity miner (older printer)', ml.contrastive({ miner: ml.multiSimilarityMiner() })),
    ...e('tupletMargin multi-similarity miner', ml.tupletMargin({ miner: ml.multiSimilarityMiner({ epsilon: 0.2 }) })),
    ...e('angular batchHard miner', ml.angular({ miner: ml.batchHard() })),
    ...e('generalizedLiftedStructure semiHard miner', ml.generalizedLiftedStructure({ miner: ml.semiHard({ margin: 0.4 }) })),
    ...e('intraPairVariance hardNegativeTopK miner', ml.intraPairVariance({ miner: ml.hardNegativeTopK({ k: 2 }) })),
    ...e('thresholdConsistentMargin batchAll miner', ml.thresholdConsistentMargin({ miner: ml.tripletMarginMiner({ type: 'all', margin: 0.3 }) })),
    // bad inputs: the documented example only
    ...e('margin β for 2 classes, label 2', ml.margin({ beta: { input: 'beta' } }), { ...emb, inputs: { beta: [1.1, 0.9] } }, 0),
    ...e('dynamicSoftMargin 4-bin histogram for 10 bins', ml.dynamicSoftMargin(), { ...emb, inputs: { dsmHistogram: [1, 2, 3, 4] } }, 0),
    ...e('softTriple 7 centers for K = 2', ml.softTriple({ centersPerClass: 2 }), { ...emb, inputs: { weights: centers(7) } }, 0),
    ...e('p2sGrad label 3 with 3 classes', ml.p2sGrad(), { ...w, y: [0, 0, 1, 1, 2, 3] }, 0),
    ...e('manifold label 3 with 3 proxies', ml.manifold(), { ...emb, y: [0, 0, 1, 1, 2, 3], inputs: { proxies: classes } }, 0),
    ...e('vicreg one sample', ml.vicreg(), { y: [0], z: [z[0]!], options: { from: 'embeddings' }, inputs: { reference: [text[0]!] } }, 0),
  ];

  it('value, per-sample values, gradient and parts agree with compile(); bad inputs raise the same LosskitError code', () => {
    const reports = checkCases(cases);
    console.log(`metric-learning PML options: ${summarize(reports)}`);
    // only the six bad-input cases raise (the random batches of valid configurations compare values)
    expect(reports.filter((r) => r.mode === 'error').length).toBe(6);
    // Without a reference64, the harness's "float64 reference" is the NumPy module itself: a case decided there must
    // still be within 10× the float32-aware bound of compile() (a wrong value is orders of magnitude off).
    expect(reports.filter((r) => r.mode === 'float64' && !(r.ratio <= 10)).map((r) => `${r.id}: ${r.ratio}`)).toEqual([]);
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}\n  ${r.problems.join('\n  ')}`)).toEqual([]);
  });

  it('a host pair loss with a miner, or a pair loss with a reducer the printed form lacks, throws a typed LosskitError at export', () => {
    const unprintable = [
      ml.dynamicSoftMargin({ miner: ml.distanceWeightedMiner() }),
      ml.margin({ miner: ml.semiHard({ distance: ml.cosine() }) }),
      ml.tupletMargin({ miner: ml.uniformHistogramMiner() }),
      ml.nca({ reducer: ml.divisor() }),
      ml.margin({ reducer: ml.perAnchor() }),
      ml.contrastive({ reducer: ml.divisor() }),
      ml.tripletMargin({ reducer: ml.classWeighted([1, 2, 3]) }),
      ml.decoupledSoftmax({ reducer: ml.multipleReducers({ loss: ml.sum() }) }),
      ml.contrastive({ miner: ml.batchEasyHardMiner() }),
      ml.tripletMargin({ miner: ml.batchHard({ distance: ml.cosine() }) }),
    ];
    for (const expr of unprintable) {
      for (const f of [toPyTorch, toNumPy]) {
        expect(() => f(expr as never, { from: 'embeddings' })).toThrow(LosskitError);
        expect(() => f(expr as never, { from: 'embeddings' })).toThrow(/miner|reducer/);
      }
    }
  });
});
