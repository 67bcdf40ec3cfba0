#!/usr/bin/env node
// `pnpm bench`: runs every suite (packages/*/bench/*.bench.mjs, apps/*/bench/*.bench.mjs) against
// the built packages and writes bench/results.json and bench/results.md. Pass suite file-name fragments to filter
// (results go to bench/results.partial.json); add --merge to replace those suites' rows in bench/results.json.
import { readdirSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHarness, toMarkdown, withRatios } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const merge = process.argv.includes('--merge');
const filters = process.argv.slice(2).filter((a) => a !== '--merge');
const files = [];
const benchDirs = (dir) => readdirSync(join(root, dir)).map((p) => join(root, dir, p, 'bench'));
for (const base of [...benchDirs('packages'), ...benchDirs('apps')]) {
  if (!existsSync(base)) continue;
  for (const f of readdirSync(base).sort()) if (f.endsWith('.bench.mjs')) files.push(join(base, f));
}
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
const h = createHarness();
// The 1-minute load average at the start and the end of the run (the machine may be shared; ratios within a case are
// what the interleaved rounds protect, absolute times are not).
const loadStart = loadavg()[0];
const { ready, activeBackend, wasmSimd } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
await ready();
for (const f of selected) {
  console.log(`\n▶ ${f.slice(root.length + 1)}`);
  const mod = await import(pathToFileURL(f).href);
  await mod.default(h);
}
const rows = withRatios(h.rows);
const meta = { date: new Date().toISOString(), node: process.version, cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, backend: `${activeBackend()}${wasmSimd() ? ' (SIMD)' : ''}`, load: `${loadStart.toFixed(1)} → ${loadavg()[0].toFixed(1)} (1-min load average, start → end)` };
mkdirSync(join(root, 'bench'), { recursive: true });
if (!filters.length) {
  writeFileSync(join(root, 'bench/results.json'), JSON.stringify({ meta, rows }, null, 2));
  writeFileSync(join(root, 'bench/results.md'), toMarkdown(rows, meta));
} else if (merge && existsSync(join(root, 'bench/results.json'))) {
  // Keep the other suites of the last full run; the rerun suites take their place (in their old position).
  const old = JSON.parse(readFileSync(join(root, 'bench/results.json'), 'utf8'));
  const rerun = new Set(rows.map((r) => r.suite));
  const merged = [];
  for (const r of old.rows) {
    if (!rerun.has(r.suite)) merged.push(r);
    else if (!merged.some((m) => m.suite === r.suite)) merged.push(...rows.filter((x) => x.suite === r.suite));
  }
  for (const r of rows) if (!merged.includes(r) && !old.rows.some((o) => o.suite === r.suite)) merged.push(r);
  const m2 = { ...old.meta, updated: `${meta.date}: ${[...rerun].length} suites rerun (${filters.join(', ')}), load ${meta.load}` };
  writeFileSync(join(root, 'bench/results.json'), JSON.stringify({ meta: m2, rows: merged }, null, 2));
  writeFileSync(join(root, 'bench/results.md'), toMarkdown(merged, m2));
} else {
  writeFileSync(join(root, 'bench/results.partial.json'), JSON.stringify({ meta, filters, rows }, null, 2));
}
console.log(`\nwrote ${filters.length && !merge ? 'bench/results.partial.json' : 'bench/results.json and bench/results.md'} (${rows.length} rows)`);
