#!/usr/bin/env node
// Runs every test suite of the monorepo and prints one totals line, `N passed, M failed`.
// Suites: build (turbo), type checks (tsc per package), unit/type tests (vitest, all projects),
// then any extra suites listed in EXTRA (packaging, browser end-to-end, fuzz) when their scripts exist.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, 'artifacts');
mkdirSync(artifacts, { recursive: true });
let passed = 0;
let failed = 0;

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

// 1. Build everything (a failed build counts as one failure and stops: nothing else can run).
if (!run('build', 'pnpm', ['exec', 'turbo', 'run', 'build'])) {
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

// 2. Type-check sources and tests of every package (strict settings, including @ts-expect-error lines).
if (run('typecheck', 'pnpm', ['exec', 'turbo', 'run', 'typecheck'])) passed++;
else failed++;

// 3. Vitest across all projects, with a JSON report to count tests.
const report = join(artifacts, 'vitest.json');
run('vitest', 'pnpm', ['exec', 'vitest', 'run', '--config', 'tooling/vitest/workspace.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // Suites that failed to load have no tests to count; each counts as a failure.
  failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else {
  failed++;
}

// 4. Extra suites (each prints and writes its own `{ passed, failed }` JSON).
const EXTRA = [
  ['packaging', 'tooling/packaging/test.mjs'],
  ['browser e2e', 'apps/playground/e2e/run.mjs'],
  ['fuzz', 'tooling/fuzz/run.mjs'],
];
for (const [label, script] of EXTRA) {
  if (!existsSync(join(root, script))) continue;
  const out = join(artifacts, `${label.replace(/\W+/g, '-')}.json`);
  run(label, 'node', [script, '--report', out]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.passed;
    failed += r.failed;
  } else {
    failed++;
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
