/**
 * The `losskit` command line: `losskit export [options] '<expression>'` prints a DSL expression as a PyTorch
 * or NumPy module ({@link toPyTorch} / {@link toNumPy}). Exported as a function returning the exit status so
 * it can be tested and embedded; `cli.ts` is the executable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Reduction } from '../compile.js';
import type { PredictionKind } from '../context.js';
import { LosskitError } from '../errors.js';
import type { Expr } from '../expr.js';
import { DslError, parseExpression } from '../parse.js';
import { toNumPy } from './numpy.js';
import { toPyTorch } from './pytorch.js';
import { LOSSKIT_VERSION } from './version.js';

/** Where the CLI writes and reads (the process's streams by default). */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin: () => string;
  /** Directory packages are resolved from when core cannot resolve them itself. */
  readonly cwd: string;
}

const defaultIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdin: () => readFileSync(0, 'utf8'),
  cwd: process.cwd(),
};

/** Packages whose builders and op printers are loaded when installed. */
export const DEFAULT_PACKAGES = ['@losskit/losses', '@losskit/metric-learning', '@losskit/unlearning'] as const;

const TARGETS = ['pytorch', 'numpy'] as const;
const FROMS: readonly PredictionKind[] = ['logits', 'probs', 'embeddings'];
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'weightedMean', 'sumByNonzeroWeights', 'none'];

const MAIN_HELP = `Usage: losskit <command> [options]

Losskit's command line.

Commands:
  export            Print a loss expression as a PyTorch or NumPy module
  help [command]    Show help for a command

Options:
  -h, --help        Show this help
  -V, --version     Print the losskit version

Run 'losskit export --help' for the export options.
`;

const EXPORT_HELP = `Usage: losskit export [options] <expression>

Print the loss expression <expression> (losskit DSL, e.g. 'ce().plus(square().incorrect())') as a
self-contained Python module that computes what compile(expr, options) computes: loss(y_true, y_pred,
sample_weight=None, **inputs), per_sample(...), parts(...) and, for PyTorch, an nn.Module with the same
gradients. The module needs only torch (or only numpy).

Arguments:
  <expression>            The DSL expression, quoted for the shell; '-' reads it from standard input.

Options:
  --to <target>           pytorch (default) or numpy
  --from <kind>           What y_pred holds: logits (default), probs or embeddings
  --reduction <name>      mean (default), sum, weightedMean, sumByNonzeroWeights or none
  --epsilon <number>      Probability clip for log p with --from probs, in (0, 0.5) (default 1e-7)
  --class-name <name>     Name of the nn.Module class (pytorch only; default LosskitLoss)
  --with <module>         Also load this ES module (a package name or a file path): its exported
                          builders can be called in the expression and the op printers it registers
                          are used. Repeatable. ${DEFAULT_PACKAGES.join(', ')}
                          are loaded when installed.
  -o, --output <file>     Write the module to <file> instead of standard output
  -h, --help              Show this help

Exit status:
  0  the module was written
  1  the expression cannot be parsed or exported (the message says why), or a file cannot be read or written
  2  usage error: unknown option, bad option value, missing or extra arguments

Examples:
  losskit export 'ce().plus(square().incorrect())' > squentropy.py
  losskit export --to numpy --reduction sum 'focal({ gamma: 2 })'
  losskit export --from probs --epsilon 1e-6 -o kd.py 'kl(input("teacher", "class"))'
  echo 'ce({ labelSmoothing: 0.1 })' | losskit export -
`;

/** A usage error: exit status 2. */
class UsageError extends Error {}

/** Levenshtein distance (for "did you mean" suggestions). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a few edits (or a unique prefix match), for "did you mean". */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const prefixed = candidates.filter((c) => c.startsWith(word) && word.length >= 2);
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const dd = distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best;
}

interface ExportArgs {
  to: (typeof TARGETS)[number];
  from?: PredictionKind;
  reduction?: Reduction;
  epsilon?: number;
  className?: string;
  output?: string;
  with: string[];
  help: boolean;
  positional: string[];
}

const OPTIONS_WITH_VALUE = ['--to', '--from', '--reduction', '--epsilon', '--class-name', '--with', '--output', '-o'] as const;
const FLAGS = ['--help', '-h'] as const;

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const hint = suggest(value, allowed);
  throw new UsageError(`${option} must be one of ${allowed.join(', ')}; received '${value}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
}

function parseExportArgs(argv: readonly string[]): ExportArgs {
  const out: ExportArgs = { to: 'pytorch', with: [], help: false, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-') || /^-\d/.test(arg)) {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if ((FLAGS as readonly string[]).includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      out.help = true;
      continue;
    }
    if (!(OPTIONS_WITH_VALUE as readonly string[]).includes(name)) {
      const hint = suggest(name, [...OPTIONS_WITH_VALUE, ...FLAGS].filter((o) => o.startsWith('--')));
      throw new UsageError(`unknown option '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    switch (name) {
      case '--to':
        out.to = oneOf('--to', value, TARGETS);
        break;
      case '--from':
        out.from = oneOf('--from', value, FROMS);
        break;
      case '--reduction':
        out.reduction = oneOf('--reduction', value, REDUCTIONS);
        break;
      case '--epsilon': {
        const x = Number(value);
        if (value.trim() === '' || !(x > 0 && x < 0.5)) throw new UsageError(`--epsilon must be a number in (0, 0.5); received '${value}'`);
        out.epsilon = x;
        break;
      }
      case '--class-name':
        if (!/^[A-Za-z_]\w*$/.test(value)) throw new UsageError(`--class-name must be a Python identifier such as SquentropyLoss; received '${value}'`);
        out.className = value;
        break;
      case '--with':
        out.with.push(value);
        break;
      default:
        out.output = value;
    }
  }
  return out;
}

/** Imports a module by package name or path: from core's location first, then from `cwd`. */
async function load(spec: string, cwd: string): Promise<Readonly<Record<string, unknown>>> {
  if (/^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(spec)) return (await import(pathToFileURL(resolve(cwd, spec)).href)) as Record<string, unknown>;
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch {
    const resolved = createRequire(join(cwd, 'package.json')).resolve(spec);
    return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  }
}

/** Loads the default packages that are installed and the `--with` modules (which must load). */
async function loadModules(extra: readonly string[], cwd: string): Promise<Array<Readonly<Record<string, unknown>>>> {
  const mods: Array<Readonly<Record<string, unknown>>> = [];
  for (const p of DEFAULT_PACKAGES) {
    try {
      mods.push(await load(p, cwd));
    } catch {
      // Not installed: its builders are simply not available.
    }
  }
  for (const p of extra) {
    try {
      mods.push(await load(p, cwd));
    } catch (e) {
      throw new LosskitError('INVALID_ARGUMENT', `cannot load module '${p}'`, { argument: '--with', expected: 'an installed package name or a path to an ES module', received: String((e as Error).message).split('\n')[0] ?? '' });
    }
  }
  return mods;
}

/** The source line with a caret under `[from, to)`, for parse errors. */
function pointAt(source: string, from: number, to: number): string {
  if (to <= from || source.includes('\n')) return '';
  return `  ${source}\n  ${' '.repeat(from)}${'^'.repeat(Math.max(1, to - from))}\n`;
}

async function runExport(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseExportArgs(argv);
  if (args.help) {
    io.stdout(EXPORT_HELP);
    return 0;
  }
  if (args.positional.length === 0) throw new UsageError("missing the expression, e.g. losskit export 'ce().plus(square().incorrect())'");
  if (args.positional.length > 1) {
    throw new UsageError(`expected one expression, received ${args.positional.length} arguments (${args.positional.map((p) => `'${p}'`).join(' ')}); quote the expression for the shell`);
  }
  if (args.className !== undefined && args.to !== 'pytorch') throw new UsageError('--class-name applies to --to pytorch only');
  const source = args.positional[0] === '-' ? io.stdin().trim() : args.positional[0]!;
  const modules = await loadModules(args.with, io.cwd);
  let expr: Expr;
  try {
    expr = parseExpression(source, { modules });
  } catch (e) {
    if (e instanceof DslError) {
      // The parser's message carries its own suggestion ("did you mean focal()?").
      io.stderr(`losskit export: error: ${e.message}\n${pointAt(source, e.from, e.to)}`);
      return 1;
    }
    throw e;
  }
  const options = {
    ...(args.from ? { from: args.from } : {}),
    ...(args.reduction ? { reduction: args.reduction } : {}),
    ...(args.epsilon !== undefined ? { epsilon: args.epsilon } : {}),
    source,
  };
  const text = args.to === 'pytorch' ? toPyTorch(expr, { ...options, ...(args.className ? { className: args.className } : {}) }) : toNumPy(expr, options);
  if (args.output !== undefined) {
    try {
      writeFileSync(args.output, text);
    } catch (e) {
      io.stderr(`losskit export: error: cannot write '${args.output}': ${(e as Error).message}\n`);
      return 1;
    }
  } else io.stdout(text);
  return 0;
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit status: 0 on success,
 * 1 when the expression cannot be parsed or exported, 2 on a usage error.
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.stderr(MAIN_HELP);
      return 2;
    }
    if (command === '-h' || command === '--help') {
      io.stdout(MAIN_HELP);
      return 0;
    }
    if (command === '-V' || command === '--version') {
      io.stdout(`${LOSSKIT_VERSION}\n`);
      return 0;
    }
    if (command === 'help') {
      if (rest.length === 0) io.stdout(MAIN_HELP);
      else if (rest[0] === 'export') io.stdout(EXPORT_HELP);
      else throw new UsageError(`no help for '${rest[0]}': commands are export, help`);
      return 0;
    }
    if (command === 'export') return await runExport(rest, io);
    const hint = command.startsWith('-') ? suggest(command, ['--help', '--version']) : suggest(command, ['export', 'help']);
    throw new UsageError(`${command.startsWith('-') ? 'unknown option' : 'unknown command'} '${command}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`losskit: error: ${e.message}\nRun 'losskit ${command === 'export' ? 'export ' : ''}--help' for usage.\n`);
      return 2;
    }
    if (e instanceof LosskitError) {
      io.stderr(`losskit ${command}: error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
