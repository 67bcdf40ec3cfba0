// Every catalog entry of @losskit/losses exported with toPyTorch / toNumPy from its `dsl` text and run on its
// documented example and three random batches of the same nature (more rows, every reduction, sample
// weights, ±1e4 logits): value, per-sample values, gradient and parts against compile() (bounds in
// core's test/export/harness.ts). Entries that cannot export are listed with the reason and must say so.
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@losskit/core';
import { type Expr, LosskitError, ready, toPyTorch } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Example, catalogCases } from '../../core/test/export/catalog.js';
import { Dice } from '../../core/test/export/grammar.js';
import { type ExportCase, checkCases, summarize } from '../../core/test/export/harness.js';
import * as losses from '../src/index.js';
import { table, tensorEntries } from './catalog-cases.js';

beforeAll(async () => {
  await ready();
});

/** Entries that cannot be exported, and why (the export must throw for them). */
const NOT_EXPORTABLE: Readonly<Record<string, string>> = {
  'ens-loss':
    'each call draws fresh normals from a generator whose state lives in the expression node (shared by every compiled copy), so no module can reproduce compile()’s draws',
};

/** Label ranges narrower than the classes: multiSample's labels index one head of C/M classes. */
const MAX_LABEL: Readonly<Record<string, number>> = { 'multi-sample': 1 };

const normals = (d: Dice, rows: number, cols: number): number[][] => Array.from({ length: rows }, () => Array.from({ length: cols }, () => d.normal()));

/** A random covariance `A Aᵀ + 0.5 I` (`A` d×d normal): symmetric exactly (each entry sums the same products), well conditioned. */
function covariance(d: Dice, n: number): number[][] {
  const a = normals(d, n, n);
  return a.map((ai, i) => a.map((aj, j) => ai.reduce((s, v, k) => s + v * aj[k]!, 0) + (i === j ? 0.5 : 0)));
}

/**
 * Random batches for entries whose inputs the generic drawer of catalogCases cannot make: Bures–Wasserstein reads
 * two d×d covariance matrices (square, symmetric, positive definite), rationale invariance a `[C, C, D]` bank that
 * must match the classifier `[C, D]` and the features `[B, D]`.
 */
const RANDOM_BATCHES: Readonly<Record<string, (d: Dice) => Example>> = {
  'bures-wasserstein': (d) => {
    const n = d.int(2, 4);
    return { y: covariance(d, n), z: covariance(d, n) };
  },
  'rationale-invariance': (d) => {
    const [B, C, D] = [d.int(4, 7), d.int(2, 3), d.int(2, 4)];
    const bank = Array.from({ length: C }, () => normals(d, C, D));
    return {
      y: Array.from({ length: B }, () => d.int(0, C - 1)),
      z: normals(d, B, C),
      inputs: { features: normals(d, B, D), classifierWeight: normals(d, C, D), rationaleBank: bank as never },
    };
  },
};

const scope: Record<string, unknown> = { ...core, ...losses };
const names = Object.keys(scope);
const run = (dsl: string): Expr => new Function(...names, `return (${dsl})`)(...names.map((n) => scope[n])) as Expr;

describe('every @losskit/losses catalog entry exports to PyTorch and NumPy', () => {
  const d = new Dice(2026);
  const cases: ExportCase[] = [];
  const exported: string[] = [];
  // Tensor functions (no DSL expression, e.g. CTC) have nothing to export; every DSL entry does.
  for (const entry of losses.catalog) {
    if (entry.id in NOT_EXPORTABLE || tensorEntries.has(entry.id)) continue;
    const c = table[entry.id]!;
    const example = { y: c.y, z: c.z, ...(c.inputs ? { inputs: c.inputs } : {}), ...(c.options ? { options: c.options } : {}) };
    const random = RANDOM_BATCHES[entry.id];
    const expr = run(entry.dsl!);
    cases.push(...catalogCases(d, entry.id, expr, example, random ? 0 : 3, MAX_LABEL[entry.id]));
    if (random) {
      for (let k = 1; k <= 3; k++) {
        const ex = random(d);
        const reduction = d.pick(['mean', 'sum', 'none'] as const);
        cases.push({ id: `${entry.id} (random ${k})`, expr, options: { reduction }, yTrue: ex.y, labels: !Array.isArray(ex.y[0]), yPred: ex.z, ...(ex.inputs ? { inputs: ex.inputs } : {}) });
      }
    }
    exported.push(entry.id);
  }

  it('the entries that do not export throw a LosskitError naming their op', () => {
    for (const [id, why] of Object.entries(NOT_EXPORTABLE)) {
      const entry = losses.catalog.find((e) => e.id === id)!;
      expect(why.length).toBeGreaterThan(0);
      expect(() => toPyTorch(run(entry.dsl!) as never)).toThrow(LosskitError);
    }
  });

  it('explicitTripletMarginWithDistance with a JavaScript distance function does not export: INVALID_ARGUMENT', () => {
    const custom = losses.explicitTripletMarginWithDistance({ distance: (a, b) => tf.sum(tf.abs(tf.sub(a, b)), -1) });
    expect(() => toPyTorch(custom as never)).toThrow(expect.objectContaining({ name: 'LosskitError', code: 'INVALID_ARGUMENT', argument: 'expr' }));
  });

  it(`value, per-sample values, gradient and parts agree with compile() on each entry's example and random batches`, () => {
    const reports = checkCases(cases);
    const byEntry = new Map<string, boolean>();
    reports.forEach((r, i) => {
      const id = exported.find((e) => cases[i]!.id.startsWith(`${e} (`))!;
      byEntry.set(id, (byEntry.get(id) ?? true) && r.ok);
    });
    const passing = [...byEntry.values()].filter(Boolean).length;
    console.log(`losses catalog: ${passing}/${losses.catalog.length - tensorEntries.size} expression entries export and pass (${Object.keys(NOT_EXPORTABLE).length} cannot export: ${Object.keys(NOT_EXPORTABLE).join(', ')}); cases: ${summarize(reports)}`);
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}\n  ${r.problems.join('\n  ')}`)).toEqual([]);
  });
});
