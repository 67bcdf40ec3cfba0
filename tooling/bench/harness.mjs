// The benchmark harness behind `pnpm bench`. A suite is a module `packages/<pkg>/bench/*.bench.mjs`
// (or apps/<app>/bench/*.bench.mjs) whose default export is `async (h) => void`. Suites import the
// *built* packages, time with `h.time`, and record rows with `h.row`; every row names its baseline, so
// results are ratios measured in the same run, never absolute targets.
import { performance } from 'node:perf_hooks';

/**
 * Median wall time (ms) of `fn` (sync or async) after warm-up; runs until `minMs` elapsed and `minRuns` done.
 * @param {() => unknown} fn
 * @param {{ warmup?: number, minRuns?: number, maxRuns?: number, minMs?: number }} [o]
 */
export async function time(fn, o = {}) {
  const { warmup = 3, minRuns = 5, maxRuns = 200, minMs = 300 } = o;
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  const start = performance.now();
  while (samples.length < minRuns || (performance.now() - start < minMs && samples.length < maxRuns)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/**
 * Median wall time (ms) of each of several functions, timed in interleaved rounds (each round runs every
 * function once, in a rotating order) so that drift (GC, JIT, other load) hits all of them alike, which
 * matters for sub-millisecond cases whose single runs move by ±30%. Warm-up rounds first; then rounds
 * until every function has `minRuns` samples and `minMs` elapsed (or `maxRuns` rounds).
 * @param {Record<string, () => unknown>} fns
 * @param {{ warmup?: number, minRuns?: number, maxRuns?: number, minMs?: number }} [o]
 * @returns {Promise<Record<string, number>>}
 */
export async function timeInterleaved(fns, o = {}) {
  const { warmup = 3, minRuns = 5, maxRuns = 200, minMs = 300 } = o;
  const names = Object.keys(fns);
  for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const start = performance.now();
  for (let round = 0; round < minRuns || (performance.now() - start < minMs && round < maxRuns); round++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + round) % names.length];
      const t0 = performance.now();
      await fns[n]();
      samples[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => {
    const s = samples[n].sort((a, b) => a - b);
    return [n, s[Math.floor(s.length / 2)]];
  }));
}

/** Creates the harness object passed to suites; rows accumulate in `rows`. */
export function createHarness() {
  const rows = [];
  return {
    rows,
    time,
    timeInterleaved,
    /**
     * Records one measurement.
     * @param {{ suite: string, case: string, variant: string, ms: number, baseline?: string, note?: string }} r
     */
    row(r) {
      rows.push(r);
      console.log(`  ${r.suite} | ${r.case} | ${r.variant}: ${r.ms.toFixed(3)} ms${r.note ? ` (${r.note})` : ''}`);
    },
  };
}

/** Adds `ratio` = ms / ms(baseline variant of the same suite+case) to every row that names a baseline. */
export function withRatios(rows) {
  return rows.map((r) => {
    if (!r.baseline) return r;
    const b = rows.find((x) => x.suite === r.suite && x.case === r.case && x.variant === r.baseline);
    return b ? { ...r, ratio: r.ms / b.ms } : r;
  });
}

/** Renders rows as a Markdown table per suite. */
export function toMarkdown(rows, meta) {
  const out = [`# losskit benchmarks`, '', `${meta.date} · Node ${meta.node} · ${meta.cpus} · backend ${meta.backend}${meta.updated ? ` · updated ${meta.updated}` : ''}`, ''];
  const suites = [...new Set(rows.map((r) => r.suite))];
  for (const s of suites) {
    out.push(`## ${s}`, '', '| case | variant | ms (median) | ratio | vs |', '| --- | --- | ---: | ---: | --- |');
    for (const r of rows.filter((x) => x.suite === s)) {
      out.push(`| ${r.case} | ${r.variant} | ${r.ms.toFixed(3)} | ${r.ratio === undefined ? '' : r.ratio.toFixed(3)} | ${r.baseline ?? ''} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
