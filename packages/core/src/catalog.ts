import { LosskitError } from './errors.js';

/** One hyperparameter of a catalog entry. */
export interface ParamSpec {
  readonly name: string;
  /** Default value (as the builder applies it). */
  readonly default: number | string | boolean | null | readonly number[];
  /** Allowed range, e.g. `[0, 1)` written as `{ min: 0, max: 1, maxExclusive: true }`, or a description. */
  readonly range?: { readonly min?: number; readonly max?: number; readonly minExclusive?: boolean; readonly maxExclusive?: boolean } | string;
  readonly description: string;
}

/** Where an entry comes from. */
export interface PaperRef {
  readonly title: string;
  readonly authors?: string;
  readonly year?: number;
  /** arXiv id or URL. */
  readonly url?: string;
}

/**
 * Metadata for one catalog entry (a loss, calibrator, metric, optimizer, law ...). The docs site and
 * playground are generated from these, so adding an entry adds its page.
 */
export interface CatalogEntry {
  /** Stable id, kebab-case, unique within the package: `squentropy`, `ldr-kl`. */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** Package that exports it, e.g. `@losskit/losses`. */
  readonly package: string;
  /** The exported builder's name. */
  readonly export: string;
  /** Grouping for docs: `classification`, `regression`, `distillation`, ... */
  readonly category: string;
  /** One-line summary. */
  readonly summary: string;
  /** The formula in LaTeX (KaTeX subset). */
  readonly formula: string;
  /** Inputs in words with shapes: `logits [B, C], labels [B] or targets [B, C]`. */
  readonly inputs: string;
  readonly params: readonly ParamSpec[];
  readonly paper?: PaperRef;
  /** A runnable example (TypeScript, imports included). */
  readonly example: string;
  /** For losses: the DSL expression text, e.g. `ce().plus(square().incorrect())`. */
  readonly dsl?: string;
  /** How the docs site runs the entry's "Try it" when running {@link CatalogEntry.example} as it is does not work. */
  readonly tryIt?: TryIt;
}

/**
 * How the docs site runs a catalog entry in the browser. By default it runs the entry's `example` (imports
 * removed) with every package's exports, `tf` and the site's example data in scope, and, for a loss, evaluates the
 * compiled expression on the site's example batch with inputs of the kinds the example passes. Set a field only
 * where that default does not work.
 */
export interface TryIt {
  /**
   * The DSL expression the playground opens with, when the argument of the example's `compile(...)` refers to local
   * variables (e.g. `ldam({ classCounts: [500, 50, 5] })`).
   */
  readonly call?: string;
  /**
   * Self-contained JavaScript (no imports; every package's exports, `tf` and the site's example data in scope) run
   * instead of `example`, when the example uses data it does not define. Its last expression is the result.
   */
  readonly code?: string;
  /** Why the entry cannot run in a browser; the page shows this instead of a Try-it button. */
  readonly unavailable?: string;
}

/** Declares a catalog entry (frozen, checked for required fields). */
export function defineEntry(entry: CatalogEntry): CatalogEntry {
  if (entry === null || typeof entry !== 'object') {
    throw new LosskitError('INVALID_ARGUMENT', 'a catalog entry is an object', { argument: 'entry', expected: 'an object with id, name, package, export, ...', received: String(entry) });
  }
  for (const k of ['id', 'name', 'package', 'export', 'category', 'summary', 'formula', 'inputs', 'example'] as const) {
    if (typeof entry[k] !== 'string' || entry[k].length === 0) {
      throw new LosskitError('INVALID_ARGUMENT', `catalog entry ${typeof entry.id === 'string' ? entry.id : '?'}: missing field`, {
        argument: `entry.${k}`,
        expected: 'a non-empty string',
        received: entry[k] === undefined ? 'nothing' : JSON.stringify(entry[k]),
      });
    }
  }
  if (!Array.isArray(entry.params)) {
    throw new LosskitError('INVALID_ARGUMENT', `catalog entry ${entry.id}: params must be a list`, { argument: 'entry.params', expected: 'an array of ParamSpec', received: String(entry.params) });
  }
  return Object.freeze({ ...entry, params: Object.freeze([...entry.params]) });
}
