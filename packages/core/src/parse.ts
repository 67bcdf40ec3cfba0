/**
 * Safe evaluation of DSL expression text, e.g. `ce().plus(square().incorrect())`, shared by the playground
 * and the `losskit` CLI.
 *
 * Two layers keep arbitrary JavaScript out:
 * 1. A tokenizer admits only numbers, simple string literals, punctuation `( ) { } [ ] , . : + -`, and
 *    identifiers that are (a) builder names exported by @losskit/core and the modules passed in, (b) method
 *    names of `Expr` right after a dot, or (c) object keys right before a colon. Anything else (`=`, `;`,
 *    `window`, `constructor`, template strings, ...) is rejected with its position.
 * 2. The accepted text is run by a `Function` whose only parameters are those builders, in strict mode.
 */
import { type LosskitErrorCode, LosskitError } from './errors.js';
import { Expr } from './expr.js';
import * as core from './index.js';

/** A builder an expression may call by name (`ce`, `focal`, `classConstant`, ...). */
export type Builder = (...args: unknown[]) => unknown;

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
  'exporterFor', 'exportableKinds', 'pyNum', 'pyStr', 'parseExpression', 'checkExpression', 'expressionBuilders',
  'exprMethods', 'reduceHint', 'DslError',
]);

const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

function isBuilderName(name: string, value: unknown): value is Builder {
  return typeof value === 'function' && /^[a-z]\w*$/.test(name) && !NOT_BUILDERS.has(name) && !FORBIDDEN.has(name);
}

/**
 * The builders expressions may call, by name: @losskit/core's exports first, then each module's (a later
 * module's export replaces an earlier one of the same name).
 */
export function expressionBuilders(modules: ParseOptions['modules'] = []): ReadonlyMap<string, Builder> {
  const out = new Map<string, Builder>();
  for (const mod of [core as Readonly<Record<string, unknown>>, ...modules]) {
    for (const [name, value] of Object.entries(mod)) if (isBuilderName(name, value)) out.set(name, value);
  }
  return out;
}

/** Method names of `Expr` (including any added by packages to its prototype), sorted. */
export function exprMethods(): string[] {
  const names = new Set<string>();
  for (let p: object | null = Expr.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (!FORBIDDEN.has(n) && typeof (Expr.prototype as unknown as Record<string, unknown>)[n] === 'function') names.add(n);
    }
  }
  return [...names].sort();
}

/**
 * A rejected or failed expression: a `LosskitError` (code `INVALID_ARGUMENT` for text that is not a valid
 * expression, or the code a builder threw, e.g. `INVALID_PARAMETER`) with the character range `[from, to)`
 * of the source it points at (`0, 0` when unknown).
 */
export class DslError extends LosskitError {
  readonly from: number;
  readonly to: number;
  constructor(message: string, from = 0, to = 0, code: LosskitErrorCode = 'INVALID_ARGUMENT') {
    super(code, message);
    this.from = from;
    this.to = to;
  }
}

/** One token of an expression: its kind, text and offset in the source. */
export interface ExpressionToken {
  readonly type: 'ident' | 'number' | 'string' | 'punct';
  readonly text: string;
  readonly from: number;
}

const TOKEN = /\s+|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_$][\w$]*)|('[^'\\\n]*'|"[^"\\\n]*")|([(){}[\],.:+-])/y;

/** Splits and checks an expression; throws a {@link DslError} at the first token that is not allowed. */
export function checkExpression(source: string, options: ParseOptions = {}): ExpressionToken[] {
  if (typeof source !== 'string') throw new DslError(`an expression is text, received ${typeof source}`);
  const builders = expressionBuilders(options.modules);
  const tokens: ExpressionToken[] = [];
  let i = 0;
  while (i < source.length) {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(source);
    if (!m) throw new DslError(`unexpected character ${JSON.stringify(source[i])} at ${i + 1}`, i, i + 1);
    if (m[1]) tokens.push({ type: 'number', text: m[1], from: i });
    else if (m[2]) tokens.push({ type: 'ident', text: m[2], from: i });
    else if (m[3]) tokens.push({ type: 'string', text: m[3], from: i });
    else if (m[4]) tokens.push({ type: 'punct', text: m[4], from: i });
    i = TOKEN.lastIndex;
  }
  const methods = new Set(exprMethods());
  const where = options.modules && options.modules.length > 0 ? 'not an export of @losskit/core or of the modules given' : 'not an export of @losskit/core';
  tokens.forEach((t, k) => {
    if (t.type === 'punct' && t.text === '[') {
      // Array literals only: `[` after a value would be a computed member access (`x['constructor']`).
      const before = tokens[k - 1];
      if (before && (before.type !== 'punct' || before.text === ')' || before.text === ']' || before.text === '}')) {
        throw new DslError('computed member access x[...] is not allowed', t.from, t.from + 1);
      }
    }
    if (t.type !== 'ident') return;
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    const end = t.from + t.text.length;
    if (FORBIDDEN.has(t.text)) throw new DslError(`"${t.text}" is not allowed`, t.from, end);
    if (prev?.text === '.') {
      if (!methods.has(t.text)) throw new DslError(`unknown method .${t.text}(): expressions have ${[...methods].slice(0, 12).join(', ')}, ...`, t.from, end);
      return;
    }
    if (next?.text === ':' && (prev?.text === '{' || prev?.text === ',')) return; // object key
    if (t.text === 'true' || t.text === 'false') return;
    if (!builders.has(t.text)) throw new DslError(`unknown term "${t.text}": ${where}`, t.from, end);
  });
  if (tokens.length === 0) throw new DslError('empty expression: write a loss such as ce().plus(square().incorrect())');
  return tokens;
}

/**
 * Evaluates DSL expression text to an `Expr` (any level), or throws a {@link DslError}. The text may call the
 * builders of @losskit/core and of `options.modules`, `Expr` methods, and use number, string, boolean, array
 * and object literals; nothing else is reachable.
 *
 * @example
 * parseExpression('ce().plus(square().incorrect())').toString(); // 'ce + mean_{j≠y} (ŷ - y)^2'
 * parseExpression('focal({ gamma: 2 })', { modules: [await import('@losskit/losses')] });
 */
export function parseExpression(source: string, options: ParseOptions = {}): Expr {
  checkExpression(source, options);
  const builders = expressionBuilders(options.modules);
  const names = [...builders.keys()];
  let fn: (...a: unknown[]) => unknown;
  try {
    // The text was checked token by token above; only the builders are in scope.
    fn = new Function(...names, `"use strict"; return (\n${source}\n);`) as (...a: unknown[]) => unknown;
  } catch (e) {
    throw new DslError(`syntax error: ${(e as Error).message}`, 0, source.length);
  }
  let value: unknown;
  try {
    value = fn(...names.map((n) => builders.get(n)));
  } catch (e) {
    if (e instanceof LosskitError) throw new DslError(`${e.code}: ${e.message}`, 0, source.length, e.code);
    throw new DslError((e as Error).message ?? String(e), 0, source.length);
  }
  if (!(value instanceof Expr)) {
    throw new DslError('the expression must evaluate to a loss expression (an Expr), e.g. ce() or square().mean()', 0, source.length);
  }
  return value;
}

/** The reductions that take a level to a compilable one, for messages. */
export function reduceHint(level: string): string {
  if (level === 'class') return 'reduce it per sample first with .target(), .incorrect(), .sum(), .mean(), .max() or .logSumExp()';
  if (level === 'pair') return 'reduce it per sample first with .sum(), .mean() or .max()';
  return '';
}
