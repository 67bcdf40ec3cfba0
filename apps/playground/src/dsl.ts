// DSL expressions typed by the user, e.g. `ce().plus(square().incorrect())`: core's parser (shared with the
// `losskit export` CLI: a recursive-descent interpreter, no eval), with the builders of @losskit/losses,
// @losskit/metric-learning and @losskit/unlearning in scope, plus what the site needs on top of it (the
// compilability check with its fix, the numeric literals sliders move, the catalog parameters not yet set).
import * as core from '@losskit/core';
import { DslError, type Expr, type ExpressionNode as Node, type Parsed, expressionBuilders, exprMethods, parseTree } from '@losskit/core';
import * as losses from '@losskit/losses';
import * as metricLearning from '@losskit/metric-learning';
import * as unlearning from '@losskit/unlearning';

export { DslError, exprMethods, type Node, type Parsed };

const modules = [losses, metricLearning, unlearning] as ReadonlyArray<Readonly<Record<string, unknown>>>;
const named: ReadonlyArray<[string, Readonly<Record<string, unknown>>]> = [
  ['@losskit/core', core], ['@losskit/losses', losses], ['@losskit/metric-learning', metricLearning], ['@losskit/unlearning', unlearning],
];

type Fn = (...a: unknown[]) => unknown;

/** Functions callable in expressions, by name, with the package that exports them (core first). */
export const builders: ReadonlyMap<string, { fn: Fn; module: string }> = new Map(
  [...expressionBuilders(modules)].map(([name, fn]) => [name, { fn, module: named.find(([, m]) => m[name] === fn)?.[0] ?? '@losskit/core' }]),
);

/** Parses an expression text into a syntax tree, or throws a {@link DslError} at the first wrong token. */
export const parse = (source: string): Node => parseTree(source, { modules });

/** Evaluates an expression text to an `Expr` (any level), or throws a {@link DslError}. */
export const parseExpression = (source: string): Expr => core.parseExpression(source, { modules });

/** Like {@link parseExpression}, also returning the syntax tree (for sliders). */
export const parseWithTree = (source: string): Parsed => core.parseWithTree(source, { modules });

const REDUCE: Record<string, string> = {
  class: '.target(), .incorrect(), .sum(), .mean() or .max()',
  pair: '.positives(), .negatives(), .mean() or .max()',
  sample: '.mean() or .sum()',
};

function levelWords(level: string): string {
  return level === 'class' ? 'one value per class, [B, C]' : level === 'sample' ? 'one value per example, [B]' : level === 'pair' ? 'one value per pair of examples, [B, B]' : 'one value per batch';
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
