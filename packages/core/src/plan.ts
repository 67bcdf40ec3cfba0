/**
 * What `compile()` and the Python exporters both need to know about an expression before running it: its
 * named sub-expressions (for `parts`) and its extra inputs with their levels.
 * @internal
 */
import { LosskitError } from './errors.js';
import type { Expr, Level } from './expr.js';

/** The named sub-expressions (each name once) and the `input(name, level)` terms of an expression. */
export interface Plan {
  readonly named: readonly Expr[];
  readonly inputs: ReadonlyMap<string, Level>;
}

/** Visits `e` and every sub-expression, parents first. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const a of e.args) walk(a, visit);
}

/** Collects `expr`'s {@link Plan}; two different sub-expressions with one name throw `INVALID_ARGUMENT` on `expr`. */
export function planOf(expr: Expr): Plan {
  const named = new Map<string, Expr>();
  const inputs = new Map<string, Level>();
  walk(expr, (e) => {
    if (e.label !== undefined) {
      const prev = named.get(e.label);
      if (prev && prev.key !== e.key) {
        throw new LosskitError('INVALID_ARGUMENT', `two different sub-expressions are named "${e.label}"`, {
          argument: 'expr',
          received: `${prev.toString()} and ${e.toString()}`,
        });
      }
      named.set(e.label, e);
    }
    if (e.op.kind === 'input') inputs.set(e.params.name as string, e.level);
  });
  return { named: [...named.values()], inputs };
}
