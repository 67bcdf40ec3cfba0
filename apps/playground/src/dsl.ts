// Safe evaluation of DSL expressions typed by the user, e.g. `ce().plus(square().incorrect())`.
//
// The text is parsed by a small recursive-descent parser (numbers, strings, true/false/null, arrays, object
// literals, calls of exported builders, method calls on expressions, unary minus and arithmetic on numbers) and
// interpreted directly: there is no `eval` and no `Function`, so nothing but the builders of @losskit/core,
// @losskit/losses, @losskit/metric-learning and @losskit/unlearning and the methods of `Expr` can ever run. Every
// node keeps its character range, so an error points at the sub-expression that caused it and suggests the fix
// (`square().incorrect()`, `.mean()`, a misspelt name), and never mentions code the user did not write.
import * as core from '@losskit/core';
import { Expr, LosskitError } from '@losskit/core';
import * as losses from '@losskit/losses';
import * as metricLearning from '@losskit/metric-learning';
import * as unlearning from '@losskit/unlearning';

/** Exports that are functions but not expression builders (never callable from an expression). */
const NOT_BUILDERS = new Set([
  'ready', 'setBackend', 'activeBackend', 'wasmSimd', 'compile', 'evaluate', 'defineOp', 'defineEntry', 'node',
  'toTensor', 'isTensor', 'checkParam', 'formatShape', 'printExpr', 'paren', 'cleanTapeOnError', 'valueAndGradOf',
  'assertFinite', 'formatIndex', 'logSumExpParts', 'oneHotRows', 'sparsemaxTensor', 'log1mexpTensor', 'neuralSortTensor',
  'sinkhornTensor', 'maskedRowReduce', 'unlearn', 'train', 'fit', 'fitLaw',
]);
const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'toString', 'toLatex', 'valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']);

type Fn = (...a: unknown[]) => unknown;

function collectBuilders(): Map<string, { fn: Fn; module: string }> {
  const out = new Map<string, { fn: Fn; module: string }>();
  const mods: Array<[string, Readonly<Record<string, unknown>>]> = [
    ['@losskit/core', core], ['@losskit/losses', losses], ['@losskit/metric-learning', metricLearning], ['@losskit/unlearning', unlearning],
  ];
  for (const [module, mod] of mods) {
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== 'function' || !/^[a-z]\w*$/.test(name) || NOT_BUILDERS.has(name) || FORBIDDEN.has(name) || out.has(name)) continue;
      if (/Tensor$/.test(name)) continue;
      out.set(name, { fn: value as Fn, module });
    }
  }
  return out;
}

/** Functions callable in expressions, by name, with the package that exports them (core first). */
export const builders: ReadonlyMap<string, { fn: Fn; module: string }> = collectBuilders();

let methodCache: string[] | undefined;
/** Method names of `Expr` (including any that packages add to its prototype). */
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

/** A rejected or failed expression: the message, the character range it points at and, when known, a fix. */
export class DslError extends Error {
  override readonly name = 'DslError';
  readonly from: number;
  readonly to: number;
  /** The LosskitError code when the failure came from losskit itself. */
  readonly code: string | undefined;
  /** A replacement of [from, to) that fixes the error, with a label. */
  readonly fix: { readonly label: string; readonly text: string; readonly from: number; readonly to: number } | undefined;
  constructor(message: string, from = 0, to = 0, code?: string, fix?: DslError['fix']) {
    super(message);
    this.from = from;
    this.to = to;
    this.code = code;
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
export function parse(source: string): Node {
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
        if (builders.has(t.text)) throw new DslError(`"${t.text}" is a builder: call it, ${t.text}()`, t.from, t.to, undefined, { label: `${t.text}()`, text: `${t.text}()`, from: t.from, to: t.to });
        throw unknownName(t.text, t.from, t.to);
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

function unknownName(name: string, from: number, to: number): DslError {
  const guess = closest(name, builders.keys());
  return new DslError(
    `unknown term "${name}"${guess ? `: did you mean ${guess}()?` : ': not an export of @losskit/core, losses, metric-learning or unlearning'}`,
    from, to, undefined, guess ? { label: guess, text: guess, from, to } : undefined,
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
function evaluateNode(n: Node, source: string): unknown {
  const text = (m: { from: number; to: number }) => source.slice(m.from, m.to);
  switch (n.kind) {
    case 'num':
    case 'str':
    case 'lit':
      return n.value;
    case 'array':
      return n.items.map((i) => evaluateNode(i, source));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const p of n.props) o[p.key] = evaluateNode(p.value, source);
      return o;
    }
    case 'unary': {
      const v = evaluateNode(n.arg, source);
      if (typeof v !== 'number') {
        const fix = v instanceof Expr ? { label: `${text(n.arg)}.neg()`, text: `${text(n.arg)}.neg()`, from: n.from, to: n.to } : undefined;
        throw new DslError(`"${n.op}" applies to numbers; to negate a term write ${text(n.arg)}.neg()`, n.from, n.to, undefined, fix);
      }
      return n.op === '-' ? -v : v;
    }
    case 'binary': {
      const a = evaluateNode(n.left, source);
      const b = evaluateNode(n.right, source);
      if (typeof a === 'number' && typeof b === 'number') return n.op === '+' ? a + b : n.op === '-' ? a - b : n.op === '*' ? a * b : a / b;
      const method = { '+': 'plus', '-': 'minus', '*': 'times', '/': 'div' }[n.op];
      const fixText = a instanceof Expr ? `${text(n.left)}.${method}(${text(n.right)})` : undefined;
      throw new DslError(
        `"${n.op}" works on numbers only; combine terms with .${method}(): ${fixText ?? `term.${method}(other)`}`,
        n.from, n.to, undefined, fixText ? { label: fixText, text: fixText, from: n.from, to: n.to } : undefined,
      );
    }
    case 'call': {
      const b = builders.get(n.name);
      if (!b) throw unknownName(n.name, n.from, n.nameTo);
      const args = n.args.map((a) => evaluateNode(a, source));
      try {
        return b.fn(...args);
      } catch (e) {
        throw located(e, n, n.args, source);
      }
    }
    case 'method': {
      const target = evaluateNode(n.target, source);
      if (!(target instanceof Expr)) throw new DslError(`.${n.name}() is a method of loss expressions; ${text(n.target)} is not one`, n.target.from, n.target.to);
      if (!exprMethods().includes(n.name)) {
        const guess = closest(n.name, exprMethods());
        const nameTo = n.nameFrom + 1 + n.name.length;
        throw new DslError(
          `unknown method .${n.name}()${guess ? `: did you mean .${guess}()?` : `: expressions have ${exprMethods().slice(0, 10).join(', ')}, …`}`,
          n.nameFrom, nameTo, undefined, guess ? { label: `.${guess}`, text: `.${guess}`, from: n.nameFrom, to: nameTo } : undefined,
        );
      }
      const args = n.args.map((a) => evaluateNode(a, source));
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

/** The result of {@link parseExpression}: the expression and its syntax tree. */
export interface Parsed {
  readonly expr: Expr;
  readonly tree: Node;
}

/** Evaluates an expression text to an `Expr` (any level), or throws a {@link DslError}. */
export function parseExpression(source: string): Expr {
  return parseWithTree(source).expr;
}

/** Like {@link parseExpression}, also returning the syntax tree (for sliders). */
export function parseWithTree(source: string): Parsed {
  const tree = parse(source);
  const value = evaluateNode(tree, source);
  if (!(value instanceof Expr)) {
    throw new DslError(`the expression must be a loss expression such as ce() or square().mean(); this is ${describe(value)}`, 0, source.length);
  }
  return { expr: value, tree };
}

/** Checks that an expression can be compiled (sample or batch level), with the fix when it cannot. */
export function checkCompilable(expr: Expr, source: string): void {
  if (expr.level === 'sample' || expr.level === 'batch') return;
  const s = source.trim();
  const fix = `${s}${expr.level === 'class' ? '.mean()' : '.mean()'}`;
  throw new DslError(
    `LEVEL_MISMATCH: compile() needs one value per example (sample level) or per batch, but this expression is ${expr.level}-level (${levelWords(expr.level)}): reduce it with ${REDUCE[expr.level]}, e.g. ${fix}`,
    0, source.length, 'LEVEL_MISMATCH', { label: fix, text: fix, from: 0, to: source.length },
  );
}

/** A numeric literal of the expression that a slider can move: where it is and what it sets. */
export interface NumericParam {
  /** `gamma`, `labelSmoothing`, `scale`, `pow`, … */
  readonly name: string;
  /** The builder or method it belongs to (`focal`, `.scale`). */
  readonly owner: string;
  readonly value: number;
  readonly from: number;
  readonly to: number;
}

/** Every numeric literal that is a builder option, a builder argument or a method argument (not inside arrays). */
export function numericParams(tree: Node): NumericParam[] {
  const out: NumericParam[] = [];
  const num = (v: Node): { value: number; from: number; to: number } | undefined => {
    if (v.kind === 'num') return v;
    if (v.kind === 'unary' && v.arg.kind === 'num') return { value: v.op === '-' ? -v.arg.value : v.arg.value, from: v.from, to: v.to };
    return undefined;
  };
  const walk = (n: Node, owner: string): void => {
    if (n.kind === 'call' || n.kind === 'method') {
      const own = n.kind === 'call' ? n.name : `.${n.name}`;
      if (n.kind === 'method') walk(n.target, owner);
      n.args.forEach((a, i) => {
        const v = num(a);
        if (v) out.push({ name: n.kind === 'method' ? n.name : `${n.name} arg ${i + 1}`, owner: own, ...v });
        else walk(a, own);
      });
    } else if (n.kind === 'object') {
      for (const p of n.props) {
        const v = num(p.value);
        if (v) out.push({ name: p.key, owner, ...v });
        else walk(p.value, owner);
      }
    } else if (n.kind === 'binary') {
      walk(n.left, owner);
      walk(n.right, owner);
    } else if (n.kind === 'unary') walk(n.arg, owner);
  };
  walk(tree, '');
  return out;
}

/** A catalog parameter a builder call does not set yet, and the edit that adds it with its default. */
export interface MissingParam {
  readonly owner: string;
  readonly name: string;
  readonly value: number;
  /** Insert `text` at `at` to set it. */
  readonly at: number;
  readonly text: string;
}

/** Numeric options of builder calls (from `defaults(name)`) that the expression leaves at their default. */
export function missingParams(tree: Node, defaults: (builder: string) => ReadonlyArray<{ name: string; value: number }>): MissingParam[] {
  const out: MissingParam[] = [];
  const walk = (n: Node): void => {
    if (n.kind === 'call') {
      const obj = n.args.find((a): a is Extract<Node, { kind: 'object' }> => a.kind === 'object');
      const set = new Set(obj?.props.map((p) => p.key) ?? []);
      for (const d of defaults(n.name)) {
        if (set.has(d.name)) continue;
        const last = obj?.props.at(-1);
        if (obj) out.push({ owner: n.name, name: d.name, value: d.value, at: last ? last.value.to : obj.from + 1, text: last ? `, ${d.name}: ${d.value}` : ` ${d.name}: ${d.value} ` });
        else if (n.args.length === 0) out.push({ owner: n.name, name: d.name, value: d.value, at: n.to - 1, text: `{ ${d.name}: ${d.value} }` });
      }
      n.args.forEach(walk);
    } else if (n.kind === 'method') { walk(n.target); n.args.forEach(walk); }
    else if (n.kind === 'array') n.items.forEach(walk);
    else if (n.kind === 'object') n.props.forEach((p) => walk(p.value));
    else if (n.kind === 'unary') walk(n.arg);
    else if (n.kind === 'binary') { walk(n.left); walk(n.right); }
  };
  walk(tree);
  return out;
}

/** Builder names used in an expression text (for input profiles and hints). */
export function buildersIn(tree: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node): void => {
    if (n.kind === 'call') { out.push(n.name); n.args.forEach(walk); }
    else if (n.kind === 'method') { walk(n.target); n.args.forEach(walk); }
    else if (n.kind === 'array') n.items.forEach(walk);
    else if (n.kind === 'object') n.props.forEach((p) => walk(p.value));
    else if (n.kind === 'unary') walk(n.arg);
    else if (n.kind === 'binary') { walk(n.left); walk(n.right); }
  };
  walk(tree);
  return out;
}
