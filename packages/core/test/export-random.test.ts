// 200 random expressions from the DSL grammar, each on random batches (labels or soft targets, sample
// weights, every reduction, from: 'probs', ±1e4 logits, extra inputs, named parts), exported to PyTorch
// and NumPy and compared with compile(): value, per-sample values, gradient and parts. See harness.ts for
// the bounds. LOSSKIT_EXPORT_SEED=<n> draws another set (the default seed is fixed so the suite is reproducible).
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../src/index.js';
import { checkCases, summarize } from './export/harness.js';
import { caseReference as reference } from './export/reference64.js';
import { randomCases } from './export/grammar.js';

beforeAll(async () => {
  await ready();
});

describe('toPyTorch / toNumPy on random expressions', () => {
  it('200 random expressions agree with compile() in value, per-sample values, gradient and parts', () => {
    const { exprs, cases } = randomCases(Number(process.env.LOSSKIT_EXPORT_SEED ?? 20260522), 200, 2);
    expect(exprs.length).toBe(200);
    const reports = checkCases(cases, reference);
    const bad = reports.filter((r) => !r.ok);
    console.log(`random expressions: ${exprs.length} expressions, ${cases.length} cases: ${summarize(reports)}`);
    expect(bad.slice(0, 10).map((r) => `${r.id}\n  ${r.problems.join('\n  ')}`)).toEqual([]);
  });
});
