// Every catalog entry of @losskit/unlearning whose loss is a DSL expression, exported with toPyTorch / toNumPy
// from its `dsl` text (hyperparameters bound to the entry's defaults) and compared with compile() on a
// documented batch and random batches of the same nature (bounds in core's test/export/harness.ts). An
// objective over forget and retain batches exports term by term.
import * as core from '@losskit/core';
import { type Compilable, type Expr, ready } from '@losskit/core';
import * as losses from '@losskit/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Example, catalogCases } from '../../core/test/export/catalog.js';
import { Dice } from '../../core/test/export/grammar.js';
import { type ExportCase, checkCases, summarize } from '../../core/test/export/harness.js';
import * as unlearning from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const z = [[2, 1, 0], [0, 1, 3], [1.5, -0.5, 0.2], [-1, 2, 0.5]];
const y = [0, 2, 0, 1];
const inputs: Record<string, number[] | number[][]> = {
  reference: [[1.5, 1, 0.2], [0.1, 0.8, 2.5], [1, 0, 0.4], [-0.5, 1.5, 0.3]],
  referenceLoss: [0.6, 0.4, 0.9, 1.2],
  template: [[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]],
};

/** The entry's expressions: its dsl evaluated with its parameters' defaults in scope (an objective gives its terms). */
function termsOf(entry: (typeof unlearning.catalog)[number]): Array<[string, Compilable]> {
  const scope: Record<string, unknown> = { ...core, ...losses, ...unlearning };
  for (const p of entry.params) scope[p.name] = p.default;
  const names = Object.keys(scope);
  const v = new Function(...names, `return (${entry.dsl})`)(...names.map((n) => scope[n])) as Expr | unlearning.Objective;
  if (v instanceof core.Expr) return [[entry.id, v as Compilable]];
  return [['forget', v.forget], ['retain', v.retain]].filter((t): t is [string, Compilable] => t[1] !== undefined).map(([k, e]) => [`${entry.id}.${k}`, e]);
}

function inputNames(e: Expr, out = new Set<string>()): Set<string> {
  if (e.op.kind === 'input') out.add(e.params.name as string);
  for (const a of e.args) inputNames(a, out);
  return out;
}

describe('every @losskit/unlearning catalog entry with a DSL loss exports to PyTorch and NumPy', () => {
  const d = new Dice(47);
  const withDsl = unlearning.catalog.filter((e) => e.dsl !== undefined);
  const cases: ExportCase[] = [];
  const ids: string[] = [];
  for (const entry of withDsl) {
    for (const [id, expr] of termsOf(entry)) {
      const used = Object.fromEntries(Object.entries(inputs).filter(([k]) => inputNames(expr).has(k)));
      const ex: Example = { y, z, ...(Object.keys(used).length ? { inputs: used } : {}) };
      cases.push(...catalogCases(d, id, expr, ex, 3));
      ids.push(id);
    }
  }

  it('value, per-sample values, gradient and parts agree with compile() for every term', () => {
    expect(withDsl.length).toBeGreaterThan(0);
    expect(new Set(ids.map((i) => i.split('.')[0])).size).toBe(withDsl.length); // every DSL entry contributed terms
    const reports = checkCases(cases);
    const byEntry = new Map<string, boolean>();
    reports.forEach((r, i) => {
      const id = ids.find((e) => cases[i]!.id.startsWith(`${e} (`))!.split('.')[0]!;
      byEntry.set(id, (byEntry.get(id) ?? true) && r.ok);
    });
    console.log(`unlearning catalog: ${[...byEntry.values()].filter(Boolean).length}/${withDsl.length} DSL entries export and pass (${unlearning.catalog.length} entries in all; the others are a weight-editing method, gradient-surgery methods and metrics, not loss expressions); cases: ${summarize(reports)}`);
    expect(reports.filter((r) => !r.ok).map((r) => `${r.id}\n  ${r.problems.join('\n  ')}`)).toEqual([]);
  });
});
