#!/usr/bin/env node
// Runs every test suite of the monorepo and prints one totals line, `N passed, M failed`.
// Suites: build (turbo), type checks (tsc per package), unit/type tests (vitest, all projects),
// then any extra suites listed in EXTRA (packaging, browser end-to-end, fuzz) when their scripts exist.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suiteCounts, vitestCounts } from './tally.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, 'artifacts');
mkdirSync(artifacts, { recursive: true });
let passed = 0;
let failed = 0;

/** Runs a suite; returns its exit status (a signal or spawn failure counts as 1). */
function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

/** Adds a suite's counts (see ./tally.mjs) and prints its notes. */
function add(counts) {
  passed += counts.passed;
  failed += counts.failed;
  for (const n of counts.notes) console.log(`✗ ${n}`);
}
const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);

// 1. Build everything (a failed build counts as one failure and stops: nothing else can run).
if (run('build', 'pnpm', ['exec', 'turbo', 'run', 'build']) !== 0) {
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

// 2. Type-check sources and tests of every package (strict settings, including @ts-expect-error lines).
if (run('typecheck', 'pnpm', ['exec', 'turbo', 'run', 'typecheck']) === 0) passed++;
else failed++;

// 3. Vitest across all projects, with a JSON report to count tests. Skipped and todo tests are defects
// (a test that does not run cannot fail): they are listed and counted as failures (./tally.mjs).
const report = join(artifacts, 'vitest.json');
rmSync(report, { force: true });
const vitestStatus = run('vitest', 'pnpm', ['exec', 'vitest', 'run', '--config', 'tooling/vitest/workspace.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
const vc = vitestCounts(vitestStatus, readJson(report));
add(vc);

// 4. Extra suites (each prints and writes its own `{ passed, failed }` JSON).
const EXTRA = [
  ['packaging', 'tooling/packaging/test.mjs'],
  ['browser e2e', 'apps/playground/e2e/run.mjs'],
  ['fuzz', 'tooling/fuzz/run.mjs'],
];
for (const [label, script] of EXTRA) {
  if (!existsSync(join(root, script))) continue;
  const out = join(artifacts, `${label.replace(/\W+/g, '-')}.json`);
  rmSync(out, { force: true });
  const status = run(label, 'node', [script, '--report', out]);
  add(suiteCounts(label, status, readJson(out)));
}

console.log(`\n${vc.skipped} skipped or todo (counted as failed)`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
