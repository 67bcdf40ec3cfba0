/**
 * The IR walk shared by the Python targets: an expression becomes the body of one Python function,
 * one local variable per distinct sub-expression (structurally equal nodes are computed once, as
 * `compile()`'s memo does), each printed by the op's registered exporter. Row-wise ops see their
 * class- and pair-level arguments broadcast to `[N, C]` / `[N, N]` first, as `evaluate()` does.
 * The targets (./pytorch.ts, ./numpy.ts) supply the few target-specific snippets below and the module
 * around the body.
 */
import type { PredictionKind } from '../context.js';
import { LosskitError } from '../errors.js';
import type { Expr, Level } from '../expr.js';
import type { Plan } from '../plan.js';
import { type ContextOverrides, ELEMENTWISE_KINDS, type ExportContext, type ExportTarget, exporterFor } from './registry.js';

/** The snippets a target supplies to the walk (Python expressions over the names given). */
export interface TargetSpec {
  readonly name: ExportTarget;
  /** Human name for messages: `PyTorch`, `NumPy`. */
  readonly title: string;
  /** `x` broadcast to `shape` (a Python tuple expression); may include a helper through `ctx`. */
  full(ctx: ExportContext, x: string, shape: string): string;
  /** A 0-dim tensor/array of the computation's dtype holding the Python float `v`. */
  scalar(v: string): string;
  /** A tensor/array of the computation's dtype from a Python (nested) list. */
  tensor(values: string): string;
  /** Float one-hot rows `[N, C]` of int64 labels. */
  oneHot(labels: string, numClasses: string): string;
  /** The row log-sum-exp parts of `z`: `[max (no gradient), rel]`. */
  lseParts(z: string, max: string): readonly [string, string];
  /** `log(clip(p, eps, 1))`. */
  logClip(p: string, eps: string): string;
  /** `exp(x)`. */
  exp(x: string): string;
}

/** Python keywords and names the generated module defines at top level (never used for locals). */
const RESERVED = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield', 'math', 'torch', 'np', 'F', 'nn', 'loss', 'parts', 'per_sample', 'z', 'labels',
  'dense', 'ins', 'N', 'C', 'EPSILON', 'FROM', 'REDUCTION', 'LEVEL', 'INPUTS', 'PARTS', 'LosskitError',
  // builtins a generated body may call
  'abs', 'all', 'any', 'bool', 'dict', 'float', 'int', 'len', 'list', 'max', 'min', 'pow', 'range', 'round', 'sum', 'tuple',
]);

/** Formats a JavaScript number as a Python float literal (`2.0`, `1e-07`, `math.inf`). */
export function pyNum(v: number): string {
  if (Number.isNaN(v)) return 'math.nan';
  if (v === Infinity) return 'math.inf';
  if (v === -Infinity) return '-math.inf';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A Python string literal (single-quoted, escaped). */
export function pyStr(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** The function body being built: its lines, local names and the module-level helpers it needs. */
export class Body {
  readonly lines: string[] = [];
  readonly helpers = new Map<string, string>();
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh local name from `hint` (`ce_1`, `incorrect_2`, or the hint itself for labels when free). */
  fresh(hint: string, exact = false): string {
    const base = hint.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_') || 'v';
    if (exact && !RESERVED.has(base) && !this.used.has(base) && !/_\d+$/.test(base)) {
      this.used.add(base);
      return base;
    }
    let name: string;
    do name = `${base}_${++this.counter}`;
    while (this.used.has(name) || RESERVED.has(name));
    this.used.add(name);
    return name;
  }
}

/** Options of one context (the root, or a sub-context from {@link ExportContext.emit}). */
interface ContextInit {
  readonly from: PredictionKind;
  readonly yPred: string;
  readonly batchSize: string;
  readonly numClasses: string;
  readonly yTrue?: string;
  /** Input levels by name (collected from the whole expression). */
  readonly inputs: ReadonlyMap<string, Level>;
}

const ROW_SHAPE: Partial<Record<Level, (c: EmitContext) => string>> = {
  class: (c) => `(${c.batchSize}, ${c.numClasses})`,
  pair: (c) => `(${c.batchSize}, ${c.batchSize})`,
};

/**
 * Class- and pair-level kinds whose value always has the full `[N, C]` / `[N, N]` shape (leaves, and row-wise
 * ops, which see full arguments). Their values need no broadcast before a row-wise op; any other node is
 * broadcast (a no-op at run time when it is already full), since constants, per-class constants, inputs,
 * `expand()` and package ops may hold a broadcastable form.
 */
const FULL_KINDS: ReadonlySet<string> = new Set([
  'yPred', 'yTrue', 'logit', 'prob', 'logProb', 'square', 'absError', 'bce', 'softmax', 'logSoftmax', 'zNormalize',
  'sparsemax', 'softSort', 'log1mexp', 'embeddings', 'positiveMask', 'negativeMask', 'sameLabelMask', 'identityMask', 'pairTranspose',
]);

/** Kinds whose arguments may stay Python float literals (the other operand broadcasts them). */
const LITERAL_OK: ReadonlySet<string> = new Set(['plus', 'minus', 'times', 'div', 'scale', 'pow', 'neg', 'named']);

/** One evaluation context of the walk; implements what op printers read ({@link ExportContext}). */
export class EmitContext implements ExportContext {
  readonly target: ExportTarget;
  readonly from: PredictionKind;
  readonly yPred: string;
  readonly batchSize: string;
  readonly numClasses: string;
  readonly epsilon = 'EPSILON';
  private readonly memo = new Map<string, string>();
  /** Keys of constant nodes whose value is a Python float literal (not a tensor). */
  private readonly literal = new Set<string>();
  private readonly init: ContextInit;

  constructor(
    readonly body: Body,
    readonly spec: TargetSpec,
    init: ContextInit,
  ) {
    this.init = init;
    this.target = spec.name;
    this.from = init.from;
    this.yPred = init.yPred;
    this.batchSize = init.batchSize;
    this.numClasses = init.numClasses;
  }

  private once(key: string, make: () => string): string {
    let v = this.memo.get(key);
    if (v === undefined) {
      v = make();
      this.memo.set(key, v);
    }
    return v;
  }

  shared(key: string, make: () => string): string {
    return this.once(`@shared.${key}`, make);
  }

  let(expr: string, hint = 'v'): string {
    const name = this.body.fresh(hint);
    this.body.lines.push(`${name} = ${expr}`);
    return name;
  }

  stmt(line: string): void {
    this.body.lines.push(line);
  }

  helper(name: string, source: string): string {
    const prev = this.body.helpers.get(name);
    if (prev !== undefined && prev !== source) throw new Error(`losskit export: two different helpers named ${name}`);
    this.body.helpers.set(name, source);
    return name;
  }

  num(v: number): string {
    return pyNum(v);
  }

  str(s: string): string {
    return pyStr(s);
  }

  tensor(values: string): string {
    return this.spec.tensor(values);
  }

  check(condition: string, code: string, message: string): void {
    this.stmt(`if ${condition}:`);
    this.stmt(`    raise LosskitError(${pyStr(code)}, ${message})`);
  }

  private unavailable(what: string): never {
    throw new LosskitError('INPUT_KIND_MISMATCH', `${what} are undefined for embeddings`, { argument: 'expr', expected: "pair-level terms (compile(expr, { from: 'embeddings' }))" });
  }

  yTrue(): string {
    return this.once('@yTrue', () => {
      if (this.init.yTrue !== undefined) return this.let(this.init.yTrue, 't');
      if (this.from === 'embeddings') this.unavailable('class-level targets');
      return this.let(`dense if dense is not None else ${this.spec.oneHot('labels', this.numClasses)}`, 't');
    });
  }

  labels(what: string): string {
    return this.once('@labels', () => {
      this.check('labels is None', 'INPUT_KIND_MISMATCH', pyStr(`${what} needs integer labels: expected integer labels of shape [B], received dense targets`));
      return 'labels';
    });
  }

  logSumExp(): { readonly max: string; readonly rel: string } {
    const max = this.once('@lse.max', () => {
      if (this.from !== 'logits') throw new LosskitError('INPUT_KIND_MISMATCH', 'the log-sum-exp of the logits needs logits', { argument: 'from', expected: "'logits'", received: `'${this.from}'` });
      const m = this.body.fresh('lse_max');
      const rel = this.body.fresh('lse_rel');
      const [mx, rx] = this.spec.lseParts(this.yPred, m);
      this.stmt(`${m} = ${mx}`);
      this.stmt(`${rel} = ${rx}`);
      this.memo.set('@lse.rel', rel);
      return m;
    });
    return { max, rel: this.memo.get('@lse.rel')! };
  }

  logProbs(): string {
    return this.once('@logProbs', () => {
      if (this.from === 'probs') return this.let(this.spec.logClip(this.yPred, this.epsilon), 'log_p');
      if (this.from === 'embeddings') this.unavailable('log-probabilities');
      const { max, rel } = this.logSumExp();
      // `(z − m) − l`, not `z − (m + l)`: the latter loses `l` against a huge row maximum `m`.
      return this.let(`(${this.yPred} - ${max}[:, None]) - ${rel}[:, None]`, 'log_p');
    });
  }

  probs(): string {
    return this.once('@probs', () => {
      if (this.from === 'probs') return this.yPred;
      return this.let(this.spec.exp(this.logProbs()), 'p');
    });
  }

  input(name: string): string {
    return this.once(`@input.${name}`, () => {
      if (!this.init.inputs.has(name)) throw new LosskitError('MISSING_INPUT', `no input named '${name}'`, { argument: `inputs.${name}` });
      return this.let(`ins[${pyStr(name)}]`, name);
    });
  }

  emit(e: Expr, overrides: ContextOverrides = {}): string {
    const sub = new EmitContext(this.body, this.spec, {
      ...this.init,
      yPred: overrides.yPred ?? this.yPred,
      numClasses: overrides.numClasses ?? this.numClasses,
      ...(overrides.yTrue !== undefined ? { yTrue: overrides.yTrue } : {}),
    });
    return sub.value(e);
  }

  /** The value of `e` as a tensor expression (constants materialized). */
  value(e: Expr): string {
    const v = this.node(e);
    return this.literal.has(e.key) ? this.materialize(e, v) : v;
  }

  private materialize(e: Expr, lit: string): string {
    return this.once(`@tensor.${e.key}`, () => this.let(this.spec.scalar(lit), 'k'));
  }

  /** The value of `e`: a local name, or a Python float literal for constants. */
  private node(e: Expr): string {
    const hit = this.memo.get(e.key);
    if (hit !== undefined) return hit;
    const kind = e.op.kind;
    if (kind === 'constant') {
      this.literal.add(e.key);
      const lit = pyNum(e.params.value as number);
      this.memo.set(e.key, lit);
      return lit;
    }
    const print = exporterFor(kind, this.spec.name);
    if (!print) {
      throw new LosskitError('INVALID_ARGUMENT', `the op "${kind}" has no ${this.spec.title} exporter`, {
        argument: 'expr',
        expected: `ops with a registered ${this.spec.title} printer (registerExporter('${kind}', { ${this.spec.name}: ... }); import the package that defines the op)`,
        received: `${e.toString()}`,
      });
    }
    const rowwise = !ELEMENTWISE_KINDS.has(kind);
    const keepLiterals = LITERAL_OK.has(kind) && e.args.some((a) => !this.isLiteral(a));
    const args = e.args.map((a) => {
      const raw = this.node(a);
      const v = this.literal.has(a.key) && !keepLiterals ? this.materialize(a, raw) : raw;
      const shape = rowwise && !isFull(a) ? ROW_SHAPE[a.level]?.(this) : undefined;
      return shape ? this.spec.full(this, v, shape) : v;
    });
    const code = print({ args, argLevels: e.args.map((a) => a.level), params: e.params as never, expr: e, ctx: this });
    let name: string;
    if (kind === 'named') {
      name = this.body.fresh(e.label ?? 'part', true);
      this.stmt(`${name} = ${code}`);
    } else if (/^[A-Za-z_]\w*$/.test(code) && !code.includes('(')) {
      name = code; // an alias of an existing local (e.g. yPred → z)
    } else {
      name = this.let(code, kind.replace(/^\w+\./, ''));
    }
    this.memo.set(e.key, name);
    return name;
  }

  private isLiteral(e: Expr): boolean {
    if (!this.memo.has(e.key)) this.node(e);
    return this.literal.has(e.key);
  }
}

/** Whether `e`'s value is known to have its level's full shape (see {@link FULL_KINDS}). */
function isFull(e: Expr): boolean {
  const kind = e.op.kind;
  if (FULL_KINDS.has(kind)) return true;
  if (kind === 'expand' || !ELEMENTWISE_KINDS.has(kind)) return false;
  return e.args.some((a) => a.level === e.level && isFull(a));
}

/** What the whole expression needs from the module: its named parts and its inputs with their levels. */

/** The generated `_forward` body for `expr`: its lines, helpers, root value and the named parts' values. */
export interface EmittedBody {
  readonly lines: readonly string[];
  readonly helpers: ReadonlyMap<string, string>;
  readonly root: string;
  readonly parts: ReadonlyArray<{ readonly name: string; readonly level: Level; readonly value: string }>;
}

/** Walks `expr` for `spec`; the body reads `z` `[N, C]`, `labels`, `dense` and `ins`. */
export function emitBody(expr: Expr, spec: TargetSpec, from: PredictionKind, plan: Plan): EmittedBody {
  const body = new Body();
  const ctx = new EmitContext(body, spec, { from, yPred: 'z', batchSize: 'N', numClasses: 'C', inputs: plan.inputs });
  const root = ctx.value(expr);
  const parts = plan.named.map((n) => ({ name: n.label!, level: n.level, value: ctx.value(n) }));
  return { lines: body.lines, helpers: body.helpers, root, parts };
}
