// Runs one fuzz case and classifies it. A case is plain data plus closures:
//   { pkg, fn, expect: 'valid' | 'invalid' | 'any', why?, repro, prepare?, run, check?, finite?, codes?, timeoutMs? }
// - `prepare()` makes the input tensors (outside the measured region); `run(inputs)` is the public call under test;
// - `check(out, inputs)` returns issues (wrong value, oracle disagreement) and may call the library again;
// - `finite` (default: true for valid input) requires every number in the output to be finite, or is a
//   function returning the numbers to test;
// - `codes`: error codes that fit the invalid input (a typed error with another code is noted, not failed).
import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';

/** Categories in priority order (the first that applies is the call's category). */
export const CATEGORIES = ['hang', 'internal crash', 'silent non-finite', 'wrong value', 'engine state', 'leak', 'typed error', 'ok'];
/** Categories that fail the run. */
export const BAD = new Set(['hang', 'internal crash', 'silent non-finite', 'wrong value', 'engine state', 'leak']);

export const SOFT_LIMIT_MS = 5000;

/** A LosskitError (every package throws it, from @losskit/errors) with a code. */
export function isTyped(e) {
  return e instanceof Error && e.name === 'LosskitError' && typeof e.code === 'string' && e.code.length > 0;
}

function errorKind(e) {
  if (!(e instanceof Error)) return `non-Error throw (${typeof e})`;
  if (e.name === 'LosskitError') return `${e.name} without a code`;
  return e.constructor?.name ?? e.name;
}

function message(e) {
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return m.length > 400 ? `${m.slice(0, 400)}…` : m;
}

/** Every tensor reachable from a value (arrays, plain objects, Maps), for disposal. */
export function tensorsIn(x, out = new Set(), depth = 0) {
  if (x == null || depth > 6) return out;
  if (x instanceof tf.Tensor) out.add(x);
  else if (Array.isArray(x)) for (const v of x) tensorsIn(v, out, depth + 1);
  else if (x instanceof Map) for (const v of x.values()) tensorsIn(v, out, depth + 1);
  else if (typeof x === 'object' && !ArrayBuffer.isView(x)) {
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) for (const v of Object.values(x)) tensorsIn(v, out, depth + 1);
  }
  return out;
}

/** Every number reachable from a value (tensors are read back). */
export function numbersIn(x, out = [], depth = 0) {
  if (x == null || depth > 6 || out.length > 1e5) return out;
  if (typeof x === 'number') out.push(x);
  else if (x instanceof tf.Tensor) {
    if (!x.isDisposed && x.dtype !== 'string') for (const v of x.dataSync()) out.push(Number(v));
  } else if (ArrayBuffer.isView(x)) for (const v of x) out.push(Number(v));
  else if (Array.isArray(x)) for (const v of x) numbersIn(v, out, depth + 1);
  else if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) for (const v of Object.values(x)) numbersIn(v, out, depth + 1);
  }
  return out;
}

/** A short description of a result for messages. */
export function summarize(x) {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) return 'a disposed tensor';
    const v = Array.from(x.dataSync()).slice(0, 6).map((n) => Number(n.toPrecision(6)));
    return `tensor ${JSON.stringify(x.shape)} [${v.join(', ')}${x.size > 6 ? ', …' : ''}]`;
  }
  if (typeof x === 'number') return String(x);
  const n = numbersIn(x);
  if (n.length > 0) return `${Array.isArray(x) ? 'array' : typeof x} with ${n.length} numbers [${n.slice(0, 6).map((v) => Number(v.toPrecision(6))).join(', ')}${n.length > 6 ? ', …' : ''}]`;
  return typeof x === 'object' ? (x?.constructor?.name ?? 'object') : typeof x;
}

function engineSnapshot() {
  const s = tf.engine().state;
  return { gradientDepth: s.gradientDepth, activeTape: s.activeTape == null ? null : s.activeTape.length, kernelDepth: s.kernelDepth, scopes: s.scopeStack.length, backend: tf.getBackend() };
}

/**
 * Puts the engine back the way tfjs leaves it after a completed gradient: disposes what a dangling tape saved.
 * Returns how many live tensors that freed (they were leaked by the call that left the tape behind).
 */
export function repairEngine(base) {
  const s = tf.engine().state;
  let freed = 0;
  if (s.activeTape != null && s.gradientDepth <= base.gradientDepth) {
    for (const node of s.activeTape) {
      for (const t of node.saved ?? []) {
        if (!t.isDisposed) freed++;
        t.dispose();
      }
    }
    s.activeTape = null;
  }
  s.gradientDepth = base.gradientDepth;
  s.kernelDepth = base.kernelDepth;
  while (s.scopeStack.length > base.scopes) tf.engine().endScope();
  return freed;
}

/** Runs the case once; returns { outcome, error, out, issues, ms, leaked, engine }. */
async function runOnce(c) {
  const base = engineSnapshot();
  const inputs = c.prepare ? c.prepare() : undefined;
  const inputTensors = new Set([...tensorsIn(inputs)].filter((t) => !t.isDisposed));
  const before = tf.memory().numTensors;
  const issues = [];
  let out;
  let error;
  let tapeLeak = 0; // tensors a dangling tape kept alive (freed by repairEngine, but leaked by the call)
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    out = c.run(inputs);
    if (out && typeof out.then === 'function') out = await out;
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;

  const engineIssue = (when) => {
    const after = engineSnapshot();
    if (after.gradientDepth === base.gradientDepth && after.activeTape === base.activeTape && after.kernelDepth === base.kernelDepth && after.scopes === base.scopes && after.backend === base.backend) return;
    const what = [];
    if (after.activeTape !== base.activeTape) what.push(`activeTape ${base.activeTape === null ? 'null' : 'set'} → ${after.activeTape === null ? 'null' : `set (${after.activeTape} nodes)`}`);
    if (after.gradientDepth !== base.gradientDepth) what.push(`gradientDepth ${base.gradientDepth} → ${after.gradientDepth}`);
    if (after.kernelDepth !== base.kernelDepth) what.push(`kernelDepth ${base.kernelDepth} → ${after.kernelDepth}`);
    if (after.scopes !== base.scopes) what.push(`scopeStack ${base.scopes} → ${after.scopes}`);
    if (after.backend !== base.backend) what.push(`backend ${base.backend} → ${after.backend}`);
    issues.push({ category: 'engine state', kind: `${when}: ${what.map((w) => w.split(' ')[0]).join(', ')} changed`, message: `tfjs engine state changed ${when}: ${what.join('; ')}` });
    tapeLeak += repairEngine(base);
  };
  engineIssue(error === undefined ? 'by a successful call' : 'by a rejected call');

  if (error === undefined) {
    if (c.expect === 'invalid') {
      issues.push({ category: 'silent non-finite', kind: 'accepted invalid input', message: `accepted invalid input (${c.why ?? 'see repro'}) and returned ${summarize(out)}` });
    } else {
      const mustBeFinite = c.finite === undefined ? c.expect === 'valid' : c.finite !== false;
      if (mustBeFinite) {
        let values;
        try {
          values = typeof c.finite === 'function' ? c.finite(out) : numbersIn(out);
        } catch (e) {
          issues.push({ category: 'internal crash', kind: errorKind(e), message: `reading the result: ${message(e)}` });
        }
        const bad = values?.findIndex((v) => !Number.isFinite(v)) ?? -1;
        if (bad >= 0) issues.push({ category: 'silent non-finite', kind: 'non-finite output', message: `valid input gave ${values[bad]} at output index ${bad} without an error: ${summarize(out)}` });
      }
      if (c.check) {
        try {
          let r = c.check(out, inputs);
          if (r && typeof r.then === 'function') r = await r;
          for (const i of [r].flat()) if (i) issues.push(i);
        } catch (e) {
          // A typed error from a second path is only a failure when the input is valid (then both must succeed).
          if (!isTyped(e) || c.expect === 'valid') {
            issues.push({ category: 'internal crash', kind: isTyped(e) ? `typed error on valid input: ${e.code}` : errorKind(e), message: `in a consistency call: ${message(e)}` });
          }
        }
        engineIssue('by a consistency call');
      }
    }
  } else if (!isTyped(error)) {
    issues.push({ category: 'internal crash', kind: errorKind(error), message: message(error) });
  } else if (c.expect === 'valid') {
    issues.push({ category: 'internal crash', kind: `typed error on valid input: ${error.code}`, message: message(error) });
  }

  for (const t of inputTensors) {
    if (t.isDisposed) {
      issues.push({ category: 'engine state', kind: 'disposed an input tensor', message: `the call disposed a tensor it was given (shape ${JSON.stringify(t.shape)})` });
      break;
    }
  }

  // Free what the call returned (the caller owns it), then count.
  for (const t of tensorsIn(out)) if (!inputTensors.has(t) && !t.isDisposed) t.dispose();
  if (c.dispose && out !== undefined) c.dispose(out);
  const leaked = tf.memory().numTensors - before + tapeLeak;
  for (const t of inputTensors) if (!t.isDisposed) t.dispose();
  repairEngine(base);
  return { error, out, issues, ms, cpuMs, leaked };
}

/**
 * True when a call that took longer than `limitMs` of wall time was only waiting for a CPU: the machine is
 * oversubscribed (1-minute load average above its cores) and the whole process, all worker threads together, used
 * at most `limitMs` of CPU time meanwhile, so the call itself needed less than the limit. On a shared machine wall
 * time measures the other processes' load (seeds 31, 42 and 57: the size probes of neuralNdcg and
 * hpmLossPrediction took 14–30 s of wall time at load average 27 on 2 cores, for about 1.5 s of CPU). A call that
 * waits without computing (a timer, a lost promise) on an idle machine is still a hang.
 */
export function starvedOnly(cpuMs, limitMs) {
  return loadavg()[0] > availableParallelism() && cpuMs <= limitMs;
}

/**
 * Runs a case and classifies it. A leak is confirmed by running the case a second time (a one-time cache
 * kept by the library is not a per-call leak).
 */
export async function runCase(c) {
  const first = await runOnce(c);
  const issues = [...first.issues];
  if (first.leaked !== 0) {
    const second = await runOnce(c);
    if (second.leaked !== 0) {
      issues.push({
        category: 'leak',
        kind: first.error === undefined ? 'leak on success' : 'leak on error',
        message: `numTensors changed by ${first.leaked} (rerun: ${second.leaked})${first.error === undefined ? '' : ` on the error path: ${message(first.error)}`}`,
      });
    }
  }
  const limit = c.timeoutMs ?? SOFT_LIMIT_MS;
  if (first.ms > limit && !starvedOnly(first.cpuMs, limit)) issues.push({ category: 'hang', kind: 'slow call', message: `took ${(first.ms / 1000).toFixed(1)} s (process CPU ${(first.cpuMs / 1000).toFixed(1)} s)` });
  let note;
  if (first.error && isTyped(first.error) && c.expect === 'invalid' && c.codes && !c.codes.includes(first.error.code)) {
    note = { kind: 'unexpected error code', message: `expected ${c.codes.join(' or ')}, got ${first.error.code}: ${message(first.error)}` };
  }
  if (first.error && isTyped(first.error) && first.error.argument === undefined && c.expect !== 'valid') {
    note ??= { kind: 'typed error without an argument name', message: message(first.error) };
  }
  const category = CATEGORIES.find((k) => issues.some((i) => i.category === k)) ?? (first.error ? 'typed error' : 'ok');
  return { category, issues, note, ms: first.ms, error: first.error ? message(first.error) : undefined };
}

/** JSON with NaN/±Infinity kept as strings and TypedArrays as arrays (reproductions must survive JSON). */
export function reproJson(x) {
  return JSON.parse(
    JSON.stringify(x, (_k, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (ArrayBuffer.isView(v)) return Array.from(v, (n) => (Number.isFinite(n) ? n : String(n)));
      if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
      if (typeof v === 'bigint') return String(v);
      return v;
    }),
  );
}
