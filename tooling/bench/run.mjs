#!/usr/bin/env node
// `pnpm bench`: runs every suite (packages/*/bench/*.bench.mjs, apps/*/bench/*.bench.mjs) against
// the built packages and writes bench/results.json and bench/results.md. Pass suite name fragments to filter.
import { readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHarness, toMarkdown, withRatios } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const filters = process.argv.slice(2);
const files = [];
const benchDirs = (dir) => readdirSync(join(root, dir)).map((p) => join(root, dir, p, 'bench'));
for (const base of [...benchDirs('packages'), ...benchDirs('apps')]) {
  if (!existsSync(base)) continue;
  for (const f of readdirSync(base).sort()) if (f.endsWith('.bench.mjs')) files.push(join(base, f));
}
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
const h = createHarness();
const { ready, activeBackend, wasmSimd } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
await ready();
for (const f of selected) {
  console.log(`\n▶ ${f.slice(root.length + 1)}`);
  const mod = await import(pathToFileURL(f).href);
  await mod.default(h);
}
const rows = withRatios(h.rows);
const meta = { date: new Date().toISOString(), node: process.version, cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, backend: `${activeBackend()}${wasmSimd() ? ' (SIMD)' : ''}` };
mkdirSync(join(root, 'bench'), { recursive: true });
if (!filters.length) {
  writeFileSync(join(root, 'bench/results.json'), JSON.stringify({ meta, rows }, null, 2));
  writeFileSync(join(root, 'bench/results.md'), toMarkdown(rows, meta));
} else {
  writeFileSync(join(root, 'bench/results.partial.json'), JSON.stringify({ meta, filters, rows }, null, 2));
}
console.log(`\nwrote ${filters.length ? 'bench/results.partial.json' : 'bench/results.json and bench/results.md'} (${rows.length} rows)`);
