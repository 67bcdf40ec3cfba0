// Safe evaluation of DSL expressions typed by the user, e.g. `ce().plus(square().incorrect())`: the parser of
// @losskit/core (shared with the `losskit export` CLI), with the builders of @losskit/losses in scope too.
import { type Expr, checkExpression as check, expressionBuilders, parseExpression as parse } from '@losskit/core';
import * as losses from '@losskit/losses';

export { DslError, exprMethods, reduceHint } from '@losskit/core';

const modules = [losses as Readonly<Record<string, unknown>>];

/** Builders available in expressions, by name (core first, then losses; read once at start-up). */
export const builders = expressionBuilders(modules);

/** Splits and checks an expression; throws a `DslError` at the first token that is not allowed. */
export const checkExpression = (source: string) => check(source, { modules });

/** Evaluates an expression text to an `Expr` (any level), or throws a `DslError`. */
export const parseExpression = (source: string): Expr => parse(source, { modules });
