/**
 * Safe evaluation of DSL expression text, e.g. `ce().plus(square().incorrect())`, shared by the playground and
 * the `losskit` CLI.
 *
 * The text is parsed by a small recursive-descent parser (numbers, strings, true/false/null, arrays, object
 * literals, calls of exported builders, method calls on expressions, unary minus and arithmetic on numbers) and
 * interpreted directly: there is no `eval` and no `Function`, so nothing but the builders of @losskit/core and
 * of the modules passed in, and the methods of `Expr`, can ever run. Every node keeps its character range, so an
 * error points at the sub-expression that caused it and suggests the fix (`square().incorrect()`, `.mean()`, a
 * misspelt name), and never mentions code the user did not write.
 */
import { type LosskitErrorCode, LosskitError } from './errors.js';
import { Expr } from './expr.js';
import * as core from './index.js';

/** A builder an expression may call by name (`ce`, `focal`, `classConstant`, ...). */
export type Builder = (...args: unknown[]) => unknown;
type Fn = Builder;

/** Options of {@link parseExpression}: further modules whose exported builders expressions may call. */
export interface ParseOptions {
  /** Module namespaces (e.g. `import * as losses from '@losskit/losses'`), read after @losskit/core's own exports. */
  readonly modules?: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** Exports that are functions but not expression builders (not offered to expressions). */
const NOT_BUILDERS = new Set([
  'ready', 'setBackend', 'activeBackend', 'wasmSimd', 'compile', 'evaluate', 'defineOp', 'defineEntry', 'node',
  'toTensor', 'isTensor', 'checkParam', 'formatShape', 'printExpr', 'paren', 'stopGradient', 'smoothTargets',
  'xlogx', 'LosskitError', 'Expr', 'params', 'PREC', 'catalog', 'toPyTorch', 'toNumPy', 'registerExporter',
  'exporterFor', 'exportableKinds', 'pyNum', 'pyStr', 'parseExpression', 'parseWithTree', 'parseTree', 'expressionBuilders',
  'exprMethods', 'reduceHint', 'DslError', 'cleanTapeOnError', 'valueAndGradOf', 'assertFinite', 'formatIndex',
  'logSumExpParts', 'oneHotRows', 'gatherRows', 'signOf', 'maskedRowReduce', 'unlearn', 'train', 'fit', 'fitLaw',
]);

const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'toString', 'toLatex', 'valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']);

function isBuilderName(name: string, value: unknown): value is Builder {
  return typeof value === 'function' && /^[a-z]\w*$/.test(name) && !NOT_BUILDERS.has(name) && !FORBIDDEN.has(name) && !/Tensor$/.test(name);
}

/**
 * The builders expressions may call, by name: @losskit/core's exports first, then each module's (an earlier
 * export of the same name wins).
 */
export function expressionBuilders(modules: ParseOptions['modules'] = []): ReadonlyMap<string, Builder> {
  const out = new Map<string, Builder>();
  for (const mod of [core as Readonly<Record<string, unknown>>, ...modules]) {
    for (const [name, value] of Object.entries(mod)) if (isBuilderName(name, value) && !out.has(name)) out.set(name, value);
  }
  return out;
}

let methodCache: string[] | undefined;
/** Method names of `Expr` (including any added by packages to its prototype), sorted. */
export function exprMethods(): string[] {
  if (methodCache) return methodCache;
  const names = new Set<string>();
  for (let p: object | null = Expr.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (!FORBIDDEN.has(n) && typeof (Expr.prototype as unknown as Record<string, unknown>)[n] === 'function') names.add(n);
    }
  }
  methodCache = [...names].sort();
  return methodCache;
}

/** A replacement of the source range `[from, to)` that fixes an expression error, with a label for a button. */
export interface DslFix {
  readonly label: string;
  readonly text: string;
  readonly from: number;
  readonly to: number;
}

/**
 * A rejected or failed expression: a `LosskitError` (code `INVALID_ARGUMENT` for text that is not a valid
 * expression, or the code a builder threw, e.g. `INVALID_PARAMETER`, `LEVEL_MISMATCH`) with the character range
 * `[from, to)` of the source it points at (`0, 0` when unknown) and, when one is known, a `fix`.
 */
export class DslError extends LosskitError {
  readonly from: number;
  readonly to: number;
  readonly fix: DslFix | undefined;
  constructor(message: string, from = 0, to = 0, code: LosskitErrorCode = 'INVALID_ARGUMENT', fix?: DslFix) {
    super(code, message);
    this.from = from;
    this.to = to;
    this.fix = fix;
  }
}

// ── tokens ──────────────────────────────────────────────────────────────────────

interface Token {
  readonly type: 'ident' | 'number' | 'string' | 'punct' | 'eof';
  readonly text: string;
  readonly from: number;
  readonly to: number;
}

const TOKEN = /\s+|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_$][\w$]*)|('[^'\\\n]*'|"[^"\\\n]*")|([(){}[\],.:+\-*/])/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(source);
    if (!m) {
      const ch = source[i]!;
      const hint = ch === ';' ? ' (an expression is one term, without statements)' : ch === '=' ? ' (no assignments: write the expression itself)' : ch === '`' ? ' (use plain quotes)' : '';
      throw new DslError(`unexpected character ${JSON.stringify(ch)} at column ${i + 1}${hint}`, i, i + 1);
    }
    const end = TOKEN.lastIndex;
    if (m[1]) tokens.push({ type: 'number', text: m[1], from: i, to: end });
    else if (m[2]) tokens.push({ type: 'ident', text: m[2], from: i, to: end });
    else if (m[3]) tokens.push({ type: 'string', text: m[3], from: i, to: end });
    else if (m[4]) tokens.push({ type: 'punct', text: m[4], from: i, to: end });
    i = end;
  }
  tokens.push({ type: 'eof', text: '', from: source.length, to: source.length });
  return tokens;
}

// ── syntax tree ─────────────────────────────────────────────────────────────────

export type Node =
  | { kind: 'num'; value: number; from: number; to: number }
  | { kind: 'str'; value: string; from: number; to: number }
  | { kind: 'lit'; value: boolean | null; from: number; to: number }
  | { kind: 'array'; items: Node[]; from: number; to: number }
  | { kind: 'object'; props: Array<{ key: string; keyFrom: number; value: Node }>; from: number; to: number }
  | { kind: 'call'; name: string; nameTo: number; args: Node[]; from: number; to: number }
  | { kind: 'method'; target: Node; name: string; nameFrom: number; args: Node[]; from: number; to: number }
  | { kind: 'unary'; op: '-' | '+'; arg: Node; from: number; to: number }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Node; right: Node; from: number; to: number };

/** Parses an expression text into a syntax tree, or throws a {@link DslError} at the first wrong token. */
export function parseTree(source: string, options: ParseOptions = {}): Node {
  if (typeof source !== 'string') throw new DslError(`an expression is text, received ${typeof source}`);
  const builders = expressionBuilders(options.modules);
  const tokens = tokenize(source);
  let k = 0;
  const peek = () => tokens[k]!;
  const next = () => tokens[k++]!;
  const fail = (t: Token, what: string): never => {
    const seen = t.type === 'eof' ? 'the end' : `"${t.text}"`;
    throw new DslError(`expected ${what} at column ${t.from + 1}, found ${seen}`, t.from, Math.max(t.to, t.from + 1));
  };
  const expect = (text: string, what: string, open?: Token): Token => {
    const t = peek();
    if (t.text !== text || t.type === 'string') {
      if (open) {
        const seen = t.type === 'eof' ? 'the end' : `"${t.text}"`;
        throw new DslError(`expected ${what} to close the "${open.text}" at column ${open.from + 1}, found ${seen}`, open.from, Math.max(t.to, open.to));
      }
      fail(t, what);
    }
    return next();
  };
  function list(close: string, open: Token): Node[] {
    const items: Node[] = [];
    while (peek().text !== close || peek().type === 'string') {
      if (peek().type === 'eof') expect(close, `"${close}"`, open);
      items.push(additive());
      if (peek().text === ',') next();
      else break;
    }
    expect(close, `"${close}"`, open);
    return items;
  }
  function primary(): Node {
    const t = next();
    if (t.type === 'number') return { kind: 'num', value: Number(t.text), from: t.from, to: t.to };
    if (t.type === 'string') return { kind: 'str', value: t.text.slice(1, -1), from: t.from, to: t.to };
    if (t.type === 'ident') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'lit', value: t.text === 'true', from: t.from, to: t.to };
      if (t.text === 'null') return { kind: 'lit', value: null, from: t.from, to: t.to };
      if (peek().text !== '(') {
        if (builders.has(t.text)) throw new DslError(`"${t.text}" is a builder: call it, ${t.text}()`, t.from, t.to, 'INVALID_ARGUMENT', { label: `${t.text}()`, text: `${t.text}()`, from: t.from, to: t.to });
        throw unknownName(t.text, t.from, t.to, builders);
      }
      const open = next();
      const args = list(')', open);
      return { kind: 'call', name: t.text, nameTo: t.to, args, from: t.from, to: tokens[k - 1]!.to };
    }
    if (t.text === '(') {
      const inner = additive();
      expect(')', '")"', t);
      return { ...inner, from: t.from, to: tokens[k - 1]!.to };
    }
    if (t.text === '[') return { kind: 'array', items: list(']', t), from: t.from, to: tokens[k - 1]!.to };
    if (t.text === '{') {
      const props: Array<{ key: string; keyFrom: number; value: Node }> = [];
      while (peek().text !== '}' || peek().type === 'string') {
        const key = next();
        if (key.type !== 'ident' && key.type !== 'string') fail(key, 'a property name');
        const name = key.type === 'string' ? key.text.slice(1, -1) : key.text;
        if (FORBIDDEN.has(name)) throw new DslError(`"${name}" is not allowed as a property name`, key.from, key.to);
        expect(':', '":"');
        props.push({ key: name, keyFrom: key.from, value: additive() });
        if (peek().text === ',') next();
        else break;
      }
      expect('}', '"}"', t);
      return { kind: 'object', props, from: t.from, to: tokens[k - 1]!.to };
    }
    return fail(t, 'a term such as ce(), a number or a value');
  }
  function postfix(): Node {
    let node = primary();
    while (peek().text === '.' && peek().type === 'punct') {
      const dot = next();
      const name = next();
      if (name.type !== 'ident') fail(name, 'a method name after "."');
      if (FORBIDDEN.has(name.text)) throw new DslError(`".${name.text}" is not allowed`, name.from, name.to);
      if (peek().text !== '(') throw new DslError(`.${name.text} is a method: call it, .${name.text}()`, dot.from, name.to, undefined, { label: `.${name.text}()`, text: `.${name.text}()`, from: dot.from, to: name.to });
      const open = next();
      const args = list(')', open);
      node = { kind: 'method', target: node, name: name.text, nameFrom: dot.from, args, from: node.from, to: tokens[k - 1]!.to };
    }
    if (peek().text === '[') throw new DslError('computed member access x[...] is not allowed', peek().from, peek().to);
    return node;
  }
  function unary(): Node {
    const t = peek();
    if ((t.text === '-' || t.text === '+') && t.type === 'punct') {
      next();
      const arg = unary();
      return { kind: 'unary', op: t.text as '-' | '+', arg, from: t.from, to: arg.to };
    }
    return postfix();
  }
  function multiplicative(): Node {
    let left = unary();
    while ((peek().text === '*' || peek().text === '/') && peek().type === 'punct') {
      const op = next().text as '*' | '/';
      const right = unary();
      left = { kind: 'binary', op, left, right, from: left.from, to: right.to };
    }
    return left;
  }
  function additive(): Node {
    let left = multiplicative();
    while ((peek().text === '+' || peek().text === '-') && peek().type === 'punct') {
      const op = next().text as '+' | '-';
      const right = multiplicative();
      left = { kind: 'binary', op, left, right, from: left.from, to: right.to };
    }
    return left;
  }
  if (peek().type === 'eof') throw new DslError('empty expression: write a loss such as ce().plus(square().incorrect())');
  const root = additive();
  if (peek().type !== 'eof') {
    const t = peek();
    throw new DslError(`unexpected "${t.text}" at column ${t.from + 1} after a complete expression${t.text === ')' ? ' (one ")" too many)' : ''}`, t.from, t.to);
  }
  return root;
}

/** Levenshtein distance (for "did you mean"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length]!;
}

function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bd = Infinity;
  for (const c of candidates) {
    const dd = distance(name, c);
    if (dd < bd) { bd = dd; best = c; }
  }
  return best !== undefined && bd <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function unknownName(name: string, from: number, to: number, builders: ReadonlyMap<string, Builder>): DslError {
  const guess = closest(name, builders.keys());
  return new DslError(
    `unknown term "${name}"${guess ? `: did you mean ${guess}()?` : ': not an export of @losskit/core or of the packages in scope'}`,
    from, to, 'INVALID_ARGUMENT', guess ? { label: guess, text: guess, from, to } : undefined,
  );
}

// ── evaluation ──────────────────────────────────────────────────────────────────

const REDUCE: Record<string, string> = {
  class: '.target(), .incorrect(), .sum(), .mean() or .max()',
  pair: '.positives(), .negatives(), .mean() or .max()',
  sample: '.mean() or .sum()',
};
const COMBINE = new Set(['plus', 'minus', 'times', 'div', 'maximum', 'minimum', 'where']);

/** A suggested reduction for a term at `level` so it becomes sample-level. */
function toSample(level: string): string {
  return level === 'class' ? '.incorrect()' : level === 'pair' ? '.mean()' : level === 'batch' ? '' : '';
}

function describe(e: unknown): string {
  return e instanceof Expr ? `${e.level}-level ${e.toString()}` : typeof e;
}

/** Evaluates a syntax tree; `source` is only used to print sub-expressions in messages. */
function evaluateNode(n: Node, source: string, builders: ReadonlyMap<string, Builder>): unknown {
  const text = (m: { from: number; to: number }) => source.slice(m.from, m.to);
  switch (n.kind) {
    case 'num':
    case 'str':
    case 'lit':
      return n.value;
    case 'array':
      return n.items.map((i) => evaluateNode(i, source, builders));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const p of n.props) o[p.key] = evaluateNode(p.value, source, builders);
      return o;
    }
    case 'unary': {
      const v = evaluateNode(n.arg, source, builders);
      if (typeof v !== 'number') {
        const fix = v instanceof Expr ? { label: `${text(n.arg)}.neg()`, text: `${text(n.arg)}.neg()`, from: n.from, to: n.to } : undefined;
        throw new DslError(`"${n.op}" applies to numbers; to negate a term write ${text(n.arg)}.neg()`, n.from, n.to, 'INVALID_ARGUMENT', fix);
      }
      return n.op === '-' ? -v : v;
    }
    case 'binary': {
      const a = evaluateNode(n.left, source, builders);
      const b = evaluateNode(n.right, source, builders);
      if (typeof a === 'number' && typeof b === 'number') return n.op === '+' ? a + b : n.op === '-' ? a - b : n.op === '*' ? a * b : a / b;
      const method = { '+': 'plus', '-': 'minus', '*': 'times', '/': 'div' }[n.op];
      const fixText = a instanceof Expr ? `${text(n.left)}.${method}(${text(n.right)})` : undefined;
      throw new DslError(
        `"${n.op}" works on numbers only; combine terms with .${method}(): ${fixText ?? `term.${method}(other)`}`,
        n.from, n.to, 'INVALID_ARGUMENT', fixText ? { label: fixText, text: fixText, from: n.from, to: n.to } : undefined,
      );
    }
    case 'call': {
      const b = builders.get(n.name);
      if (!b) throw unknownName(n.name, n.from, n.nameTo, builders);
      const args = n.args.map((a) => evaluateNode(a, source, builders));
      try {
        return b(...args);
      } catch (e) {
        throw located(e, n, n.args, source);
      }
    }
    case 'method': {
      const target = evaluateNode(n.target, source, builders);
      if (!(target instanceof Expr)) throw new DslError(`.${n.name}() is a method of loss expressions; ${text(n.target)} is not one`, n.target.from, n.target.to);
      if (!exprMethods().includes(n.name)) {
        const guess = closest(n.name, exprMethods());
        const nameTo = n.nameFrom + 1 + n.name.length;
        throw new DslError(
          `unknown method .${n.name}()${guess ? `: did you mean .${guess}()?` : `: expressions have ${exprMethods().slice(0, 10).join(', ')}, …`}`,
          n.nameFrom, nameTo, 'INVALID_ARGUMENT', guess ? { label: `.${guess}`, text: `.${guess}`, from: n.nameFrom, to: nameTo } : undefined,
        );
      }
      const args = n.args.map((a) => evaluateNode(a, source, builders));
      // Level errors of combinators point at the argument whose level differs, with its reduction as the fix.
      if (COMBINE.has(n.name) && args[0] instanceof Expr && args[0].level !== target.level) {
        const arg = n.args[0]!;
        const other = args[0];
        if (target.level === 'sample' || target.level === 'batch') {
          const red = other.level === 'class' || other.level === 'pair' ? toSample(other.level) : '.mean()';
          const fix = `${text(arg)}${red}`;
          throw new DslError(
            `LEVEL_MISMATCH: .${n.name}() on a ${target.level}-level term needs a ${target.level}-level term, but ${text(arg)} is ${other.level}-level (${levelWords(other.level)}): reduce it first with ${REDUCE[other.level] ?? '.mean()'}, e.g. ${fix}`,
            arg.from, arg.to, 'LEVEL_MISMATCH', { label: fix, text: fix, from: arg.from, to: arg.to },
          );
        }
        const red = toSample(target.level);
        const fix = `${text(n.target)}${red}`;
        throw new DslError(
          `LEVEL_MISMATCH: ${text(n.target)} is ${target.level}-level (${levelWords(target.level)}) and ${text(arg)} is ${other.level}-level: reduce ${text(n.target)} first with ${REDUCE[target.level]}, e.g. ${fix}`,
          n.target.from, n.target.to, 'LEVEL_MISMATCH', { label: fix, text: fix, from: n.target.from, to: n.target.to },
        );
      }
      try {
        return (target as unknown as Record<string, Fn>)[n.name]!.apply(target, args);
      } catch (e) {
        if (e instanceof LosskitError && e.code === 'LEVEL_MISMATCH') {
          const span = { from: n.nameFrom, to: n.to };
          const fixText = target.level === 'sample' ? '.mean()' : '';
          throw new DslError(
            `LEVEL_MISMATCH: .${n.name}() cannot reduce ${text(n.target)}, which is ${target.level}-level (${levelWords(target.level)})${target.level === 'sample' ? ': it already has one value per example; remove .' + n.name + '(), or average over the batch with .mean()' : `: use ${REDUCE[target.level]}`}`,
            span.from, span.to, 'LEVEL_MISMATCH', fixText ? { label: fixText, text: fixText, ...span } : undefined,
          );
        }
        throw located(e, n, n.args, source);
      }
    }
  }
}

function levelWords(level: string): string {
  return level === 'class' ? 'one value per class, [B, C]' : level === 'sample' ? 'one value per example, [B]' : level === 'pair' ? 'one value per pair of examples, [B, B]' : 'one value per batch';
}

/** Turns a builder's error into a DslError pointing at the argument it names (or the whole call). */
function located(e: unknown, n: Node, args: readonly Node[], source: string): DslError {
  if (e instanceof DslError) return e;
  if (e instanceof LosskitError) {
    const arg = e.argument?.split('.').pop();
    for (const a of args) {
      if (a.kind !== 'object') continue;
      const p = a.props.find((q) => q.key === arg);
      if (p) return new DslError(`${e.code}: ${e.message}`, p.value.from, p.value.to, e.code);
    }
    return new DslError(`${e.code}: ${e.message}`, n.from, n.to, e.code);
  }
  const msg = (e as Error)?.message ?? String(e);
  return new DslError(`${source.slice(n.from, n.to)} failed: ${msg}`, n.from, n.to);
}

/** The result of {@link parseWithTree}: the expression and its syntax tree. */
export interface Parsed {
  readonly expr: Expr;
  readonly tree: Node;
}

/**
 * Evaluates DSL expression text to an `Expr` (any level), or throws a {@link DslError}. The text may call the
 * builders of @losskit/core and of `options.modules`, `Expr` methods, and use number, string, boolean, null, array
 * and object literals and arithmetic on numbers; nothing else is reachable.
 *
 * @example
 * parseExpression('ce().plus(square().incorrect())').toString(); // 'ce + mean_{j≠y} (ŷ - y)^2'
 * parseExpression('focal({ gamma: 2 })', { modules: [await import('@losskit/losses')] });
 */
export function parseExpression(source: string, options: ParseOptions = {}): Expr {
  return parseWithTree(source, options).expr;
}

/** Like {@link parseExpression}, also returning the syntax tree (the playground's sliders read its numbers). */
export function parseWithTree(source: string, options: ParseOptions = {}): Parsed {
  const tree = parseTree(source, options);
  const value = evaluateNode(tree, source, expressionBuilders(options.modules));
  if (!(value instanceof Expr)) {
    throw new DslError(`the expression must be a loss expression such as ce() or square().mean(); this is ${describe(value)}`, 0, source.length);
  }
  return { expr: value, tree };
}

/** The reductions that take a level to a compilable one, for messages. */
export function reduceHint(level: string): string {
  if (level === 'class') return 'reduce it per sample first with .target(), .incorrect(), .sum(), .mean(), .max() or .logSumExp()';
  if (level === 'pair') return 'reduce it per sample first with .sum(), .mean() or .max()';
  return '';
}
