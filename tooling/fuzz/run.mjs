#!/usr/bin/env node
// The fuzz suite: random calls across the public API of every @losskit package (built dist), each classified as
// ok / typed error / internal crash / silent non-finite / wrong value / engine state / leak / hang.
//
//   node tooling/fuzz/run.mjs [--seed 1] [--calls 20000] [--jobs 2] [--report file] [--findings file] [--only pkg]
//   node tooling/fuzz/run.mjs --seed 1 --index 123     # rerun one call, print its reproduction and outcome
//
// Deterministic under --seed: call i draws from its own stream (seed, i). Calls run in worker threads (--jobs,
// default 2); a call that exceeds the hard time limit, or kills the WASM runtime, is recorded and its worker
// restarted at the next call. Writes `{ passed, failed, ... }` to --report (the format tooling/scripts/test-all.mjs
// reads) and every finding to --findings (default artifacts/fuzz-findings.json). Exit code 1 when any call failed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BAD, CATEGORIES, starvedOnly } from './lib/runner.mjs';
import { root } from './lib/load.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const seed = Number(arg('seed', '1'));
const calls = Number(arg('calls', '20000'));
const jobs = Math.max(1, Number(arg('jobs', String(Math.min(2, availableParallelism())))));
const reportPath = arg('report', undefined);
const findingsPath = arg('findings', join(root, 'artifacts', 'fuzz-findings.json'));
const only = arg('only', undefined);
const single = arg('index', undefined);
const HARD_LIMIT_MS = Number(arg('hard-limit-ms', '30000'));
if (!Number.isInteger(seed) || !Number.isInteger(calls) || calls < 1) {
  console.error('usage: run.mjs [--seed <int>] [--calls <n>] [--jobs <n>] [--report <file>] [--findings <file>] [--only <pkg>] [--index <i>]');
  process.exit(2);
}

if (single !== undefined) {
  // One call, in this thread, with everything printed.
  const { loadAll } = await import('./lib/load.mjs');
  const { makeCase } = await import('./gen/index.mjs');
  const { runCase, reproJson } = await import('./lib/runner.mjs');
  const lib = await loadAll();
  await lib.core.ready();
  const c = makeCase(lib, seed, Number(single), only);
  console.log(JSON.stringify({ index: Number(single), package: c.pkg, function: c.fn, expect: c.expect, why: c.why, repro: reproJson(c.repro) }, null, 2));
  const res = await runCase(c);
  console.log(JSON.stringify(res, null, 2));
  process.exit(BAD.has(res.category) ? 1 : 0);
}

const t0 = Date.now();
const results = new Array(calls);
const harnessErrors = [];

/** Chunks of 20 consecutive calls, dealt round-robin to the workers (a static split: same jobs → same order). */
const CHUNK = 20;
const lists = Array.from({ length: jobs }, () => []);
for (let s = 0, k = 0; s < calls; s += CHUNK, k++) for (let i = s; i < Math.min(calls, s + CHUNK); i++) lists[k % jobs].push(i);

function record(index, rec) {
  results[index] = rec;
}

function runWorker(list) {
  return new Promise((resolve) => {
    let pos = 0; // next position in `list` not yet finished
    let current; // { index, pkg, fn, repro, startedAt }
    let restarts = 0;
    const start = (from) => {
      if (from >= list.length) return resolve();
      pos = from;
      const w = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { seed, indices: list.slice(from), only }, stdout: false, stderr: false });
      let settled = false;
      const finish = (next) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        start(next);
      };
      const timer = setInterval(() => {
        // Past the hard limit a call is stopped, unless the machine is oversubscribed and the process has not yet
        // spent the limit in CPU time since the call started (it is waiting for a core): then up to 4× the limit.
        const waited = current ? Date.now() - current.startedAt : 0;
        const cpu = current ? process.cpuUsage(current.cpu0) : undefined;
        if (current && waited > HARD_LIMIT_MS && (waited > 4 * HARD_LIMIT_MS || !starvedOnly((cpu.user + cpu.system) / 1000, HARD_LIMIT_MS))) {
          const c = current;
          record(c.index, { index: c.index, pkg: c.pkg, fn: c.fn, repro: c.repro, category: 'hang', issues: [{ category: 'hang', kind: 'no result within the hard limit', message: `no result after ${(waited / 1000).toFixed(0)} s, process CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} s (worker terminated)` }], ms: waited });
          current = undefined;
          w.terminate();
          finish(list.indexOf(c.index) + 1);
        }
      }, 500);
      w.on('message', (m) => {
        if (m.type === 'start') current = { index: m.index, pkg: m.pkg, fn: m.fn, repro: m.repro, startedAt: Date.now(), cpu0: process.cpuUsage() };
        else if (m.type === 'result') {
          record(m.index, m);
          current = undefined;
          pos = list.indexOf(m.index) + 1;
        } else if (m.type === 'harness-error') {
          harnessErrors.push(m);
          current = undefined;
          pos = list.indexOf(m.index) + 1;
        } else if (m.type === 'poisoned') {
          // The runtime is unusable after this call (e.g. WASM aborted): restart at the next call.
          finish(list.indexOf(m.index) + 1);
        } else if (m.type === 'done') finish(list.length);
      });
      w.on('error', (e) => {
        if (!current && pos === from) restarts++;
        if (restarts > 3) {
          harnessErrors.push({ index: list[pos], message: `worker failed ${restarts} times before running a call: ${String(e?.stack ?? e)}` });
          settled = true;
          clearInterval(timer);
          return resolve();
        }
        if (current) {
          const c = current;
          record(c.index, { index: c.index, pkg: c.pkg, fn: c.fn, repro: c.repro, category: 'internal crash', issues: [{ category: 'internal crash', kind: 'worker died', message: `uncaught in the worker: ${String(e?.message ?? e).slice(0, 300)}` }], ms: Date.now() - c.startedAt });
          current = undefined;
          finish(list.indexOf(c.index) + 1);
        } else finish(pos);
      });
      w.on('exit', (code) => {
        if (settled) return;
        if (current) {
          const c = current;
          record(c.index, { index: c.index, pkg: c.pkg, fn: c.fn, repro: c.repro, category: 'internal crash', issues: [{ category: 'internal crash', kind: 'worker died', message: `the process exited with code ${code} during the call` }], ms: Date.now() - c.startedAt });
          current = undefined;
          finish(list.indexOf(c.index) + 1);
        } else {
          if (pos === from) restarts++;
          if (restarts > 3) {
            harnessErrors.push({ index: list[pos], message: `worker exited with code ${code} ${restarts} times before running a call` });
            settled = true;
            clearInterval(timer);
            return resolve();
          }
          finish(pos);
        }
      });
    };
    start(0);
  });
}

let lastPrint = 0;
const progress = setInterval(() => {
  const done = results.filter(Boolean).length;
  if (process.stderr.isTTY || Date.now() - lastPrint > 15000) {
    process.stderr.write(`fuzz: ${done}/${calls} calls, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    lastPrint = Date.now();
  }
}, 5000);
await Promise.all(lists.map((l) => runWorker(l)));
clearInterval(progress);
const elapsedMs = Date.now() - t0;

// ── tables ─────────────────────────────────────────────────────────────────
const done = results.filter(Boolean);
const packages = [...new Set(done.map((r) => r.pkg))].sort();
const count = (pred) => done.filter(pred).length;
const cols = CATEGORIES;
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const w0 = Math.max(28, ...packages.map((p) => p.length + 2));
console.log(`\nlosskit fuzz: seed ${seed}, ${done.length} calls in ${(elapsedMs / 1000).toFixed(1)} s on ${jobs} worker(s)\n`);
console.log(pad('package', w0) + cols.map((c) => lpad(c, Math.max(8, c.length + 2))).join('') + lpad('calls', 8));
for (const p of [...packages, 'total']) {
  const rows = p === 'total' ? done : done.filter((r) => r.pkg === p);
  console.log(pad(p, w0) + cols.map((c) => lpad(rows.filter((r) => r.category === c).length, Math.max(8, c.length + 2))).join('') + lpad(rows.length, 8));
}

// ── findings ───────────────────────────────────────────────────────────────
const findings = [];
const notes = [];
for (const r of done) {
  for (const i of r.issues ?? []) findings.push({ index: r.index, category: i.category, kind: i.kind, package: r.pkg, function: r.fn, message: i.message, repro: r.repro });
  if (r.note) notes.push({ index: r.index, package: r.pkg, function: r.fn, ...r.note, repro: r.repro });
}
const normalize = (m) => String(m).replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#').replace(/\[[#, .…]*\]/g, '[…]').slice(0, 160);
const groups = new Map();
for (const f of findings) {
  const key = [f.category, f.package, f.function, f.kind, normalize(f.message)].join(' | ');
  const g = groups.get(key);
  if (g) {
    g.count++;
    if (g.indices.length < 10) g.indices.push(f.index);
  } else groups.set(key, { category: f.category, package: f.package, function: f.function, kind: f.kind, message: f.message, count: 1, indices: [f.index], repro: f.repro });
}
const distinct = [...groups.values()].sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category) || b.count - a.count);
const noteGroups = new Map();
for (const n of notes) {
  const key = [n.package, n.function, n.kind, normalize(n.message)].join(' | ');
  const g = noteGroups.get(key);
  if (g) g.count++;
  else noteGroups.set(key, { ...n, count: 1 });
}

for (const cat of CATEGORIES.filter((c) => BAD.has(c))) {
  const list = distinct.filter((d) => d.category === cat);
  if (list.length === 0) continue;
  const calls = count((r) => r.category === cat);
  console.log(`\n── ${cat}: ${calls} call(s), ${list.length} distinct finding(s); first ${Math.min(5, list.length)}:`);
  for (const d of list.slice(0, 5)) {
    const repro = JSON.stringify(d.repro);
    console.log(`  • [${d.package}] ${d.function} (${d.kind}) ×${d.count}, e.g. call ${d.indices[0]}\n    ${d.message}\n    repro: ${repro.length > 300 ? `${repro.slice(0, 300)}…` : repro}`);
  }
}
if (harnessErrors.length > 0) {
  console.log(`\n── harness errors (bugs in the fuzz suite itself): ${harnessErrors.length}`);
  for (const h of harnessErrors.slice(0, 5)) console.log(`  call ${h.index}: ${h.message.split('\n').slice(0, 4).join('\n    ')}`);
}
if (noteGroups.size > 0) console.log(`\nnotes (not failures): ${notes.length} typed errors with an unexpected code or without an argument name, ${noteGroups.size} distinct (see ${findingsPath})`);

const byPackage = {};
for (const p of packages) byPackage[p] = Object.fromEntries(cols.map((c) => [c, count((r) => r.pkg === p && r.category === c)]));
const categories = Object.fromEntries(cols.map((c) => [c, count((r) => r.category === c)]));
const failed = count((r) => BAD.has(r.category)) + harnessErrors.length + (calls - done.length - harnessErrors.length);
const passed = done.length - count((r) => BAD.has(r.category));
mkdirSync(dirname(findingsPath), { recursive: true });
writeFileSync(findingsPath, `${JSON.stringify({ seed, calls, jobs, elapsedMs, categories, byPackage, distinct, notes: [...noteGroups.values()], harnessErrors, findings }, null, 1)}\n`);
console.log(`\n${passed} passed, ${failed} failed; findings: ${findingsPath} (${findings.length} findings, ${distinct.length} distinct)`);
if (reportPath) {
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, `${JSON.stringify({ passed, failed, seed, calls, jobs, elapsedMs, categories, byPackage, distinctFindings: distinct.length, harnessErrors: harnessErrors.length }, null, 2)}\n`);
}
process.exit(failed === 0 ? 0 : 1);
