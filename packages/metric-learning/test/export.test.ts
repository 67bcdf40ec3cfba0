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
import * as ml from '../src/index.js';

beforeAll(async () => {
  await ready();
});

/** The PML additions run on the host pair kernel and have no PyTorch/NumPy printer yet. */
const NO_PRINTER = 'no PyTorch/NumPy printer registered yet for its op (the export throws a typed LosskitError)';

/** Entries that cannot be exported, and why (the export must throw or the entry has no expression). */
const NOT_EXPORTABLE: Readonly<Record<string, string>> = {
  metrix: 'its λ is drawn per call from a generator whose state lives in the expression node, and the node does not record whether λ was fixed',
  secla: 'a tensor function on padded sets, not a DSL expression (no `dsl` field)',
  'angular': NO_PRINTER,
  'generalized-lifted-structure': NO_PRINTER,
  'histogram': NO_PRINTER,
  'instance': NO_PRINTER,
  'intra-pair-variance': NO_PRINTER,
  'nca': NO_PRINTER,
  'pnp': NO_PRINTER,
  'ranked-list': NO_PRINTER,
  'threshold-consistent-margin': NO_PRINTER,
  'tuplet-margin': NO_PRINTER,
  'margin': NO_PRINTER,
  'dynamic-soft-margin': NO_PRINTER,
  'fast-ap': NO_PRINTER,
  'large-margin-softmax': NO_PRINTER,
  'sphereface': NO_PRINTER,
  'normalized-softmax': NO_PRINTER,
  'p2sgrad': NO_PRINTER,
  'soft-triple': NO_PRINTER,
  'subcenter-arcface': NO_PRINTER,
  'vicreg': NO_PRINTER,
  'manifold': NO_PRINTER,
};

// Documented examples: 6 embeddings of width 4 in 3 classes (2 per class), class matrices of 3 rows.
const z = [[0.3, -1.2, 0.8, 0.1], [0.5, -0.9, 1.1, -0.2], [-1.0, 0.4, 0.2, 0.9], [-0.7, 0.6, -0.1, 1.3], [1.2, 0.9, -0.6, -0.4], [0.8, 1.4, -0.3, -0.9]];
const y = [0, 0, 1, 1, 2, 2];
const text = [[0.2, -1.0, 0.9, 0.3], [0.6, -0.7, 1.0, 0.0], [-0.8, 0.5, 0.1, 1.1], [-0.6, 0.9, 0.0, 1.0], [1.0, 0.7, -0.5, -0.2], [0.9, 1.2, -0.1, -0.7]];
const classes = [[0.4, -1.0, 1.0, 0.0], [-0.9, 0.5, 0.0, 1.1], [1.0, 1.1, -0.5, -0.6]];
const emb: Example = { y, z, options: { from: 'embeddings' } };
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

  it('the entries that do not export say why: metrix throws a LosskitError, SECLA has no expression', () => {
    const metrix = ml.catalog.find((e) => e.id === 'metrix')!;
    expect(() => toPyTorch(run(metrix.dsl!) as never, { from: 'embeddings' })).toThrow(LosskitError);
    expect(() => toNumPy(run(metrix.dsl!) as never, { from: 'embeddings' })).toThrow(/"ml\.metrix" has no NumPy exporter/);
    expect(ml.catalog.find((e) => e.id === 'secla')!.dsl).toBeUndefined();
  });

  it('each entry without a printer throws a typed LosskitError naming its op, for PyTorch and NumPy', () => {
    for (const [id, why] of Object.entries(NOT_EXPORTABLE)) {
      if (why !== NO_PRINTER) continue;
      const entry = ml.catalog.find((e) => e.id === id)!;
      expect(() => toPyTorch(run(entry.dsl!) as never, { from: 'embeddings' })).toThrow(/has no PyTorch exporter/);
      expect(() => toNumPy(run(entry.dsl!) as never, { from: 'embeddings' })).toThrow(/has no NumPy exporter/);
    }
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
  });
});
