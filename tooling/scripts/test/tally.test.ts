import { describe, expect, it } from 'vitest';
import { suiteCounts, vitestCounts } from '../tally.mjs';

const file = (name: string, status: string, tests: [string, string][]) => ({
  name,
  status,
  assertionResults: tests.map(([fullName, s]) => ({ fullName, status: s })),
});

describe('test runner counting rules', () => {
  it('a suite that exits non-zero with a clean report (e.g. an unhandled rejection) counts one failure', () => {
    expect(suiteCounts('e2e', 1, { passed: 20, failed: 0 })).toMatchObject({ passed: 20, failed: 1 });
    expect(suiteCounts('e2e', 0, { passed: 20, failed: 0 })).toMatchObject({ passed: 20, failed: 0 });
  });
  it('a suite with no report (crashed before writing it) counts one failure, whatever its exit status', () => {
    expect(suiteCounts('packaging', 0, undefined)).toMatchObject({ passed: 0, failed: 1 });
  });
  it('vitest: skipped and todo tests and files that failed to load are failures; a non-zero exit with none of them is one more', () => {
    const report = {
      numPassedTests: 3,
      numFailedTests: 0,
      testResults: [
        file('a.test.ts', 'passed', [['x', 'passed'], ['y', 'skipped'], ['z', 'todo']]),
        file('b.test.ts', 'failed', []),
        file('c.test.ts', 'passed', [['w', 'pending'], ['v', 'passed'], ['u', 'passed']]),
      ],
    };
    const c = vitestCounts(0, report);
    expect(c).toMatchObject({ passed: 3, failed: 4, skipped: 3 });
    expect(c.notes).toContain('skipped or todo: a.test.ts: y');
    expect(c.notes).toContain('failed to load: b.test.ts');
    const clean = { numPassedTests: 2, numFailedTests: 0, testResults: [file('a.test.ts', 'passed', [['x', 'passed'], ['y', 'passed']])] };
    expect(vitestCounts(1, clean)).toMatchObject({ passed: 2, failed: 1, skipped: 0 });
    expect(vitestCounts(0, clean)).toMatchObject({ passed: 2, failed: 0 });
  });
});
