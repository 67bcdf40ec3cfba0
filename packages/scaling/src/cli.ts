#!/usr/bin/env node
/**
 * The `losskit-scaling` command line: `losskit-scaling fit <runs.csv|runs.json> [flags]` fits a law to a run table
 * and prints the parameters, bootstrap intervals and the compute-optimal allocation for a budget;
 * `losskit-scaling help [command]`, `--help` and `--version` document it. Conventions (as clap/getopt CLIs):
 * unknown commands and flags, missing or invalid flag values are usage errors (exit code 2, with a "did you mean"
 * suggestion by edit distance); errors in the data or the fit exit with code 1; success exits 0. A progress bar
 * goes to stderr when stderr is a TTY.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeOptimal, type NDLaw } from './allocation.js';
import { bootstrapFit, type ParamInterval } from './bootstrap.js';
import { chinchillaFamily } from './chinchilla.js';
import { ScalingError } from './errors.js';
import { fitLaw } from './fit.js';
import { kaplanNDFamily } from './kaplan.js';
import { kaplanNSFamily } from './kaplanSteps.js';
import { sftMixingFamily } from './dataMixing.js';
import { timeChinchillaFamily } from './timeLaw.js';
import type { LawFamily } from './law.js';
import { columnAliases, parseRunsCsv, parseRunsJson, type RunRecord } from './table.js';

const NAME = 'losskit-scaling';
const LAWS: Record<string, LawFamily<string, string>> = {
  chinchilla: chinchillaFamily,
  'kaplan-nd': kaplanNDFamily,
  'kaplan-ns': kaplanNSFamily,
  'time-chinchilla': timeChinchillaFamily,
  'sft-mixing': sftMixingFamily,
};
/** Laws of N and D, for which --budget prints the compute-optimal allocation. */
const ND_LAWS = new Set(['chinchilla', 'kaplan-nd']);

/** One flag of a command: its value's placeholder (none for a switch), default and description. */
interface FlagSpec {
  readonly value?: string;
  readonly default?: string;
  readonly description: string;
  /** Parses and checks the value; throws a UsageError naming the flag. */
  readonly parse?: (raw: string) => string | number;
}

/** A command-line mistake: printed with a hint to `--help` and exit code 2. */
class UsageError extends Error {}

const numberFlag =
  (name: string, what: string, ok: (x: number) => boolean) =>
  (raw: string): number => {
    const x = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(x) || !ok(x)) throw new UsageError(`invalid value '${raw}' for --${name}: expected ${what}`);
    return x;
  };

const choiceFlag =
  (name: string, choices: readonly string[]) =>
  (raw: string): string => {
    if (choices.includes(raw)) return raw;
    const hint = suggest(raw, choices);
    throw new UsageError(`invalid value '${raw}' for --${name}: expected one of ${choices.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`);
  };

const FIT_FLAGS: Record<string, FlagSpec> = {
  law: { value: 'NAME', default: 'chinchilla', description: `law family to fit: ${Object.keys(LAWS).join(' | ')}`, parse: choiceFlag('law', Object.keys(LAWS)) },
  budget: { value: 'C', default: 'none', description: 'compute budget in FLOPs (C = 6ND); prints the compute-optimal N, D, tokens per parameter and loss (laws of N and D only)', parse: numberFlag('budget', 'a compute budget > 0 in FLOPs', (x) => x > 0) },
  bootstrap: { value: 'K', default: 'none', description: 'bootstrap resamples for 95% percentile intervals of every parameter', parse: numberFlag('bootstrap', 'an integer >= 2', (x) => Number.isInteger(x) && x >= 2) },
  seed: { value: 'S', default: '0', description: 'seed of the bootstrap resampling', parse: numberFlag('seed', 'a finite number', () => true) },
  loss: { value: 'huber|squared', default: 'huber', description: 'robust loss on log residuals: Huber (Hoffmann et al.) or squared', parse: choiceFlag('loss', ['huber', 'squared']) },
  delta: { value: 'δ', default: '1e-3', description: 'Huber threshold δ on log residuals', parse: numberFlag('delta', 'a number > 0', (x) => x > 0) },
  json: { default: 'off', description: 'print the result as JSON (parameters by name, objective, starts, intervals, optimum)' },
  help: { description: 'print this help' },
};
const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  help: { description: 'print help (also: help <command>)' },
  version: { description: `print the version of ${NAME}` },
};
const SHORT: Record<string, string> = { '-h': 'help', '-V': 'version' };
const COMMANDS: Record<string, string> = { fit: 'fit a scaling law to a run table (CSV or JSON)', help: 'print help for a command' };

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: `bugdet` → `budget` is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within an edit distance of max(2, ⌊|word|/3⌋), if any (as git's and cargo's suggestions). */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  return best;
}

function flagLines(flags: Record<string, FlagSpec>): string[] {
  const left = (k: string, f: FlagSpec) => `--${k}${f.value ? ` <${f.value}>` : ''}${k === 'help' ? ', -h' : k === 'version' ? ', -V' : ''}`;
  const width = Math.max(...Object.entries(flags).map(([k, f]) => left(k, f).length)) + 2;
  return Object.entries(flags).map(([k, f]) => `  ${left(k, f).padEnd(width)}${f.description}${f.default !== undefined ? ` [default: ${f.default}]` : ''}`);
}

function columnLines(): string[] {
  const what: Record<keyof typeof columnAliases, string> = {
    N: 'model size: parameters (required)',
    D: 'training tokens (D or C required; D = C / (6N) when only C is given)',
    C: 'training compute in FLOPs (C = 6ND when only D is given)',
    loss: 'final loss, > 0 (required; fits are in log space)',
  };
  return (Object.keys(columnAliases) as (keyof typeof columnAliases)[]).map((k) => `  ${k.padEnd(6)}${what[k]}\n        names: ${columnAliases[k].join(', ')}`);
}

function fitHelp(): string {
  return [
    `${NAME} fit: ${COMMANDS.fit}`,
    '',
    `usage: ${NAME} fit <runs.csv|runs.json> [flags]`,
    '',
    'Fits the law by L-BFGS from every start of its grid (Chinchilla: 4500 starts, pruned) on Huber or squared log',
    'residuals, and prints the parameters, the start summary, optional bootstrap intervals and the compute-optimal',
    'allocation for --budget. Files ending in .json are read as JSON, anything else as CSV.',
    '',
    'flags:',
    ...flagLines(FIT_FLAGS),
    '',
    'CSV columns (header row first; names compared ignoring case, spaces, "_" and "-"; values > 0):',
    ...columnLines(),
    '  kaplan-ns reads N, S (steps at B >> B_crit) and loss; time-chinchilla reads N, T (seconds), stepTime (seconds',
    '  per step) and tokensPerStep; sft-mixing reads Dself, Dother (tokens of the domain and of the other domains).',
    '  other numeric columns are kept with the runs; blank lines and lines starting with # are skipped.',
    '',
    'JSON: an array of run objects, { "runs": [...] }, or an object of equal-length columns, with the same names.',
    '',
    'exit codes: 0 success, 1 bad data or a failed fit, 2 a usage error (unknown flag, bad value).',
    '',
    'examples:',
    `  ${NAME} fit runs.csv --budget 1e23`,
    `  ${NAME} fit runs.json --law kaplan-nd --bootstrap 200 --seed 1 --json`,
    `  ${NAME} fit steps.csv --law kaplan-ns`,
  ].join('\n');
}

function mainHelp(): string {
  return [
    `${NAME}: fit scaling laws to training runs and allocate compute (@losskit/scaling ${packageVersion()})`,
    '',
    `usage: ${NAME} <command> [flags]`,
    `       ${NAME} help [command]`,
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(6)}${v}`),
    '',
    'global flags:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    fitHelp(),
  ].join('\n');
}

/** The version in the package.json of @losskit/scaling, found from this file's directory upwards. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@losskit/scaling' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}

interface Parsed {
  readonly positional: string[];
  readonly flags: Record<string, string | number | true>;
}

/** Parses argv against the known flags; every mistake is a UsageError naming the flag. */
function parseArgs(argv: readonly string[], known: Record<string, FlagSpec>): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | number | true> = {};
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (onlyPositional || a === '-' || !a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositional = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else if (SHORT[a]) name = SHORT[a]!;
    else throw new UsageError(`unknown flag '${a}'`);
    const spec = known[name];
    if (!spec) {
      const hint = suggest(name, Object.keys(known));
      throw new UsageError(`unknown flag '--${name}'${hint ? ` (did you mean --${hint}?)` : ''}`);
    }
    if (name in flags) throw new UsageError(`--${name} was given more than once`);
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (got '${inline}')`);
      flags[name] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith('--'))) throw new UsageError(`--${name} needs a value: --${name} <${spec.value}>`);
    flags[name] = spec.parse ? spec.parse(raw) : raw;
  }
  return { positional, flags };
}

function progress(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct === last && done !== total) return;
    last = pct;
    const w = 30;
    const fill = Math.round((w * done) / total);
    process.stderr.write(`\r${label} [${'#'.repeat(fill)}${'-'.repeat(w - fill)}] ${done}/${total}`);
    if (done === total) process.stderr.write('\n');
  };
}

function runFit(file: string, flags: Parsed['flags']): number {
  const lawName = (flags.law as string | undefined) ?? 'chinchilla';
  const family = LAWS[lawName]!;
  const budget = flags.budget as number | undefined;
  if (budget !== undefined && !ND_LAWS.has(lawName)) throw new UsageError(`--budget needs a law of N and D (${[...ND_LAWS].join(', ')}), not ${lawName}`);
  const K = flags.bootstrap as number | undefined;
  const seed = (flags.seed as number | undefined) ?? 0;
  const delta = (flags.delta as number | undefined) ?? 1e-3;
  const loss = ((flags.loss as string | undefined) ?? 'huber') as 'huber' | 'squared';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScalingError('INVALID_ARGUMENT', `cannot read ${file}`, { argument: 'file', expected: 'a readable CSV or JSON file', received: (e as Error).message });
  }
  let runs: RunRecord[];
  try {
    const tableOptions = ND_LAWS.has(lawName) ? {} : { inputs: family.inputNames };
    runs = /\.json$/i.test(file) ? parseRunsJson(text, tableOptions) : parseRunsCsv(text, tableOptions);
  } catch (e) {
    // Name the file as well as the row, column or field inside it.
    if (e instanceof ScalingError) throw new ScalingError(e.code, `${file}: ${e.message}`);
    throw e;
  }
  const opts = { loss, delta } as const;
  const fit = fitLaw(family, runs, { ...opts, onProgress: progress('multi-start') });
  let intervals: Record<string, ParamInterval> | undefined;
  let failed = 0;
  if (K !== undefined) {
    const b = bootstrapFit(family, runs, { ...opts, resamples: K, seed, onProgress: progress('bootstrap') });
    intervals = b.intervals;
    failed = b.failed;
  }
  const optimum = budget !== undefined ? computeOptimal(fit.law as unknown as NDLaw, budget) : undefined;
  const converged = fit.starts.filter((s) => s.converged).length;
  const sorted = fit.starts.map((s) => s.objective).filter(Number.isFinite).sort((a, b) => a - b);
  const nearBest = fit.starts.filter((s) => s.converged && s.objective <= fit.objective * (1 + 1e-3) + 1e-12).length;
  if (flags.json) {
    const out = {
      law: family.id,
      formula: family.formula,
      params: fit.params,
      objective: fit.objective,
      converged: fit.converged,
      reason: fit.reason,
      runs: fit.n,
      loss: fit.loss,
      delta: fit.delta,
      starts: { total: fit.starts.length, converged, pruned: fit.pruned, reachedBest: nearBest, bestIndex: fit.bestStart, bestStart: fit.starts[fit.bestStart]!.start, objectiveMedian: sorted.length ? sorted[Math.floor(sorted.length / 2)] : null },
      ...(intervals ? { bootstrap: { resamples: K, seed, level: 0.95, failed, intervals } } : {}),
      ...(optimum ? { optimum } : {}),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const lines = [`law: ${family.name}`, `  ${family.formula}`, `runs: ${fit.n}`, 'parameters:'];
  for (const k of family.paramNames) {
    const v = (fit.params as Record<string, number>)[k]!;
    const ci = intervals?.[k];
    lines.push(`  ${k.padEnd(7)} ${v.toPrecision(6).padStart(12)}${ci ? `   95% CI [${ci.lo.toPrecision(4)}, ${ci.hi.toPrecision(4)}]  se ${ci.se.toPrecision(3)}` : ''}`);
  }
  lines.push(`objective: ${fit.objective.toPrecision(8)} (${fit.loss}${fit.loss === 'huber' ? `, delta ${fit.delta}` : ''}, log space)`);
  lines.push(`starts: ${fit.starts.length} total, ${converged} converged, ${fit.pruned} stopped early by pruning, ${nearBest} reached the best objective within 0.1% (best: #${fit.bestStart}, ${fit.reason})`);
  if (intervals) lines.push(`bootstrap: ${K} resamples (seed ${seed})${failed ? `, ${failed} did not converge` : ''}`);
  if (optimum) {
    lines.push(`compute-optimal for C = ${optimum.C.toExponential(3)} FLOPs (C = 6ND):`);
    lines.push(`  N_opt = ${optimum.N.toExponential(4)}  D_opt = ${optimum.D.toExponential(4)}  tokens/param = ${optimum.tokensPerParam.toPrecision(4)}  loss = ${optimum.loss.toPrecision(5)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function usageError(message: string, help: string): number {
  process.stderr.write(`${NAME}: error: ${message}\nRun '${NAME} ${help}' for usage.\n`);
  return 2;
}

/** Prints help for a topic (a command or nothing); unknown topics are usage errors. */
function help(topic: string | undefined): number {
  if (topic === undefined || topic === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return 0;
  }
  if (topic === 'fit') {
    process.stdout.write(`${fitHelp()}\n`);
    return 0;
  }
  const hint = suggest(topic, Object.keys(COMMANDS));
  return usageError(`unknown command '${topic}'${hint ? ` (did you mean '${hint}'?)` : ''}`, '--help');
}

/** Runs the CLI on `argv` (without the node and script paths); returns the exit code. Exported for tests and embedding. */
export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command.startsWith('-')) {
      const { positional, flags } = parseArgs(argv, GLOBAL_FLAGS);
      if (flags.version) {
        process.stdout.write(`${packageVersion()}\n`);
        return 0;
      }
      if (flags.help) return help(positional[0]);
      return usageError(positional.length ? `the command comes first: ${NAME} ${positional[0]} [flags]` : 'no command given', '--help');
    }
    if (command === 'help') {
      const { positional } = parseArgs(rest, {});
      if (positional.length > 1) return usageError(`help takes one command, got ${positional.join(' ')}`, 'help');
      return help(positional[0]);
    }
    if (command !== 'fit') {
      const hint = suggest(command, Object.keys(COMMANDS));
      return usageError(`unknown command '${command}'${hint ? ` (did you mean '${hint}'?)` : ''}`, '--help');
    }
    const { positional, flags } = parseArgs(rest, FIT_FLAGS);
    if (flags.help) return help('fit');
    if (positional.length !== 1) return usageError(positional.length === 0 ? 'fit needs a run table: fit <runs.csv|runs.json>' : `fit takes one run table, got ${positional.join(' ')}`, 'help fit');
    return runFit(positional[0]!, flags);
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message, command === 'fit' ? 'help fit' : '--help');
    if (e instanceof ScalingError) {
      process.stderr.write(`${NAME}: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const isMain = (() => {
  try {
    const argv1 = process.argv[1] ?? '';
    return /losskit-scaling$|cli\.(m?js|ts)$/.test(argv1);
  } catch {
    return false;
  }
})();
if (isMain) process.exitCode = main(process.argv.slice(2));
