// Counting rules of the test runner (tooling/scripts/test-all.mjs), kept apart so they can be tested.

/**
 * A suite's `{ passed, failed, notes }` from its JSON report and exit status. A missing report (a crash
 * before writing it) is one failure, never an earlier run's numbers; a non-zero exit status with no failed
 * test in the report (an unhandled rejection, a teardown error) counts as one failure.
 */
export function suiteCounts(label, status, report) {
  if (!report) return { passed: 0, failed: 1, notes: [`${label}: no report (exit status ${status})`] };
  const notes = [];
  let failed = report.failed;
  if (status !== 0 && failed === 0) {
    notes.push(`${label}: exit status ${status} although its report lists no failed test`);
    failed++;
  }
  return { passed: report.passed, failed, notes };
}

/**
 * Vitest's JSON report as `{ passed, failed, skipped, notes }`. Files that failed to load (no tests to
 * count) are one failure each; skipped and todo tests are defects (a test that does not run cannot fail):
 * they are listed and counted as failures.
 */
export function vitestCounts(status, report) {
  if (!report) return { ...suiteCounts('vitest', status, undefined), skipped: 0 };
  const unloaded = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
  const notRun = report.testResults.flatMap((f) =>
    f.assertionResults.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo').map((t) => `${f.name}: ${t.fullName}`),
  );
  const base = suiteCounts('vitest', status, { passed: report.numPassedTests, failed: report.numFailedTests + unloaded.length + notRun.length });
  return {
    ...base,
    skipped: notRun.length,
    notes: [...unloaded.map((f) => `failed to load: ${f.name}`), ...notRun.map((t) => `skipped or todo: ${t}`), ...base.notes],
  };
}
