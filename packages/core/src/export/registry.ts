/**
 * The exporter table: for each op kind, its printed form in every export target (PyTorch, NumPy).
 * Core registers its own ops (./coreOps.ts); a package that defines ops with `defineOp` registers theirs
 * with {@link registerExporter} when it loads, so `toPyTorch` / `toNumPy` can print any expression built
 * from loaded packages. The IR itself never changes: this is one more visitor keyed by `op.kind`.
 */
import { LosskitError } from '../errors.js';
import type { Expr, Level } from '../expr.js';
import type { PredictionKind } from '../context.js';

/** The Python targets an expression can be exported to. */
export type ExportTarget = 'pytorch' | 'numpy';

/**
 * What an op's printer can read while its node is emitted. Every method returns a Python expression
 * (usually a local variable name) valid in the generated function body; values are computed once per
 * call and shared, as `EvalContext.memo` does in `compile()`.
 *
 * Shapes follow `compile()`'s conventions: predictions `[N, C]` (`N` rows, `C` classes or features), a
 * class-level value `[N, C]` or a broadcastable form of it (`[]`, `[1, C]`, `[N, 1]`), sample-level `[N]`
 * (or `[]` / `[1]` for constants), pair-level `[N, N]`, batch-level `[]`.
 */
export interface ExportContext {
  /** The target being printed. */
  readonly target: ExportTarget;
  /** What `y_pred` holds (`compile({ from })`), known when the module is generated. */
  readonly from: PredictionKind;
  /** The prediction `[N, C]`. */
  readonly yPred: string;
  /** The row count `N` and class count `C` (Python ints). */
  readonly batchSize: string;
  readonly numClasses: string;
  /** The probability clip ε (a Python float). */
  readonly epsilon: string;
  /** Dense targets `[N, C]` in the prediction's dtype: the one-hot of integer labels, or the targets given. */
  yTrue(): string;
  /** Integer labels `[N]` (int64); the generated code raises if the caller passed dense targets. */
  labels(what: string): string;
  /** `log p`, `[N, C]`, as `compile()` computes it: `(z − m) − l` from logits, `log(clip(p, ε, 1))` from probabilities. */
  logProbs(): string;
  /** `p`, `[N, C]`: `exp(log p)` from logits, the input from probabilities. */
  probs(): string;
  /** The row log-sum-exp of the logits in two parts, `m = max_j z_j` (no gradient) and `l = log Σ_j exp(z_j − m)`, each `[N]`. */
  logSumExp(): { readonly max: string; readonly rel: string };
  /** The extra input `name` (a keyword argument of the generated functions), reshaped as `compile()` does. */
  input(name: string): string;
  /** Computes `make()` once per context under `key` (e.g. a label mask several ops read) and returns its value. */
  shared(key: string, make: () => string): string;
  /** Binds `expr` to a fresh local variable and returns its name (for values used more than once). */
  let(expr: string, hint?: string): string;
  /** Emits one statement (e.g. a runtime check) at the current point of the function body. */
  stmt(line: string): void;
  /** Includes a module-level helper (a `def` or `class` named `name`) once and returns `name`. */
  helper(name: string, source: string): string;
  /** A Python float literal. */
  num(v: number): string;
  /** A Python string literal. */
  str(s: string): string;
  /** A constant tensor of the computation's dtype and device from a Python expression of numbers. */
  tensor(values: string): string;
  /** A statement raising the generated module's `LosskitError(code, message)` when `condition` holds. */
  check(condition: string, code: string, message: string): void;
  /**
   * Emits the sub-expression `e` in a derived context: the prediction, targets and class count replaced
   * (e.g. one head of a multi-head prediction), with its own shared values. Returns its value.
   */
  emit(e: Expr, overrides?: ContextOverrides): string;
  /** Emits `e` in this context (shared with the caller's nodes). */
  value(e: Expr): string;
}

/** What {@link ExportContext.emit} may replace for a sub-expression. */
export interface ContextOverrides {
  readonly yPred?: string;
  readonly numClasses?: string;
  /** A Python expression of the sub-context's dense targets `[N, C']`, bound on first use; default: the parent's targets. */
  readonly yTrue?: string;
}

/** One node to print: its evaluated (and, for row-wise ops, broadcast) arguments and its parameters. */
export interface ExportNode<P = Record<string, unknown>> {
  /** Python expressions of the arguments' values. */
  readonly args: readonly string[];
  /** The arguments' levels. */
  readonly argLevels: readonly Level[];
  readonly params: P;
  /** The node itself (its level, its arguments as expressions). */
  readonly expr: Expr;
  readonly ctx: ExportContext;
}

/** Prints one op kind as a Python expression, per target (a target left out cannot export the op). */
export interface OpExporter<P = Record<string, unknown>> {
  readonly pytorch?: (n: ExportNode<P>) => string;
  readonly numpy?: (n: ExportNode<P>) => string;
}

const table = new Map<string, OpExporter<any>>();

/**
 * Registers how the op `kind` prints in PyTorch and/or NumPy. Each printer returns a Python expression
 * computing the node from its arguments with the same values (and, in PyTorch, the same gradient) as the
 * op's `evaluate` in `compile()`. Registering a kind again replaces the earlier printer.
 *
 * @example
 * registerExporter('myScale', { pytorch: (n) => `${n.args[0]} * ${n.ctx.num(n.params.w)}`, numpy: (n) => `${n.args[0]} * ${n.ctx.num(n.params.w)}` });
 */
export function registerExporter<P = Record<string, unknown>>(kind: string, exporter: OpExporter<P>): void {
  if (typeof kind !== 'string' || kind.length === 0) {
    throw new LosskitError('INVALID_ARGUMENT', 'an exporter needs an op kind', { argument: 'kind', expected: 'a non-empty string', received: String(kind) });
  }
  if (!exporter || (typeof exporter.pytorch !== 'function' && typeof exporter.numpy !== 'function')) {
    throw new LosskitError('INVALID_ARGUMENT', 'an exporter prints the op for at least one target', {
      argument: 'exporter',
      expected: '{ pytorch?: (node) => string, numpy?: (node) => string } with at least one function',
      received: exporter === null ? 'null' : typeof exporter,
    });
  }
  table.set(kind, Object.freeze({ ...exporter }));
}

/** The printer of `kind` for `target`, or `undefined` when none is registered. */
export function exporterFor(kind: string, target: ExportTarget): ((n: ExportNode<any>) => string) | undefined {
  return table.get(kind)?.[target];
}

/** Op kinds with a printer for `target` (sorted), e.g. to list what an installation can export. */
export function exportableKinds(target: ExportTarget): string[] {
  return [...table].filter(([, e]) => typeof e[target] === 'function').map(([k]) => k).sort();
}

/**
 * Ops that act value by value and broadcast their operands themselves; every other op first sees its
 * class- and pair-level arguments broadcast to the full `[N, C]` / `[N, N]`. The same set as `compile()`'s
 * unfused evaluator (`ELEMENTWISE` in compile.ts), which is the reference semantics.
 */
export const ELEMENTWISE_KINDS: ReadonlySet<string> = new Set([
  'named', 'plus', 'minus', 'times', 'div', 'maximum', 'minimum', 'scale', 'pow', 'neg', 'clip', 'detach', 'where',
  'exp', 'log', 'log1p', 'sqrt', 'abs', 'relu', 'softplus', 'sigmoid', 'logSigmoid', 'expand',
]);
