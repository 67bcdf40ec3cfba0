/**
 * Step 3 of the fusion pipeline (see `index.ts`): the interface every target's code generator implements,
 * and the pieces of reverse mode that the text targets (JavaScript, GLSL, WGSL) share through their
 * {@link Dialect}. A target is one file: its dialect (or byte encoder) plus its emitter.
 * @internal
 */
import type { Analysis } from './analysis.js';
import type { BinaryFn, RowProgram, UnaryFn } from './program.js';

/** The kernels a fused loss can run on (see `CompiledLoss.engine`). */
export type FusedEngine = 'wasm-simd' | 'js' | 'webgl' | 'webgpu';

/**
 * One target's code generator: a row program (with its {@link Analysis}) in, that target's kernels out.
 * `K` is whatever the target's runner needs (compiled JS functions, a WebAssembly module, shader sources).
 */
export interface Emitter<K> {
  readonly engine: FusedEngine;
  /** Whether every node of `prog` has a form on this target (else the next target is tried). */
  supports(prog: RowProgram): boolean;
  emit(an: Analysis): K;
}

/**
 * How a text target writes values, adjoints and declarations. Names passed in are already valid
 * identifiers or expressions of the target language.
 */
export interface Dialect {
  /** A float literal. */
  lit(v: number): string;
  /** `cond ? t : f` (WGSL: `select(f, t, cond)`). */
  select(cond: string, t: string, f: string): string;
  /** An immutable / mutable float declaration statement. */
  decl(name: string, e: string): string;
  declMut(name: string, e: string): string;
  unary(f: UnaryFn, x: string, p: Readonly<Record<string, number>>): string;
  /** `g · f'(x)` (`out` = f(x)); `undefined` for a node without gradient (`detach`). tfjs conventions at kinks. */
  unaryGrad(f: UnaryFn, x: string, out: string, g: string, p: Readonly<Record<string, number>>): string | undefined;
  binary(f: BinaryFn, a: string, b: string): string;
}

/**
 * Adjoint statements of a binary node, `ga += …; gb += …;` (tfjs: maximum sends the adjoint to `a` where
 * a >= b, minimum where a <= b; `where` sends it to `a` where `b ≠ 0`). `ga` / `gb` undefined: that operand needs no adjoint.
 */
export function binaryGrad(d: Dialect, f: BinaryFn, a: string, b: string, g: string, ga: string | undefined, gb: string | undefined): string {
  const s: string[] = [];
  const add = (t: string | undefined, e: string) => t && s.push(`${t} += ${e};`);
  const zero = d.lit(0);
  switch (f) {
    case 'plus': add(ga, g); add(gb, g); break;
    case 'minus': add(ga, g); add(gb, `-${g}`); break;
    case 'times': add(ga, `${g} * ${b}`); add(gb, `${g} * ${a}`); break;
    case 'div': add(ga, `${g} / ${b}`); add(gb, `-${g} * ${a} / (${b} * ${b})`); break;
    case 'maximum': add(ga, d.select(`${a} >= ${b}`, g, zero)); add(gb, d.select(`${a} >= ${b}`, zero, g)); break;
    case 'minimum': add(ga, d.select(`${a} <= ${b}`, g, zero)); add(gb, d.select(`${a} <= ${b}`, zero, g)); break;
    // A select: the adjoint reaches `a` where the mask is non-zero (not g·[b ≠ 0], which is NaN for g = ±∞), none the mask.
    case 'where': add(ga, d.select(`${b} != ${zero}`, g, zero)); break;
  }
  return s.join(' ');
}

/**
 * Reverse mode through the scalar (per-row) nodes of one stage: adds each node's adjoint `a{id}` into
 * its arguments' adjoints. Statements, root side first.
 */
export function reverseScalars(d: Dialect, an: Analysis, stage: number): string[] {
  const out: string[] = [];
  for (const [n, i] of [...an.scalarsAt(stage)].reverse()) {
    if (!an.dzS[i]) continue;
    let st = '';
    if (n.t === 'un') {
      const g = d.unaryGrad(n.f, `s${n.a}`, `s${i}`, `a${i}`, n.p);
      if (g !== undefined && an.dzS[n.a]) st = `a${n.a} += ${g};`;
    } else if (n.t === 'bin') {
      st = binaryGrad(d, n.f, `s${n.a}`, `s${n.b}`, `a${i}`, an.dzS[n.a] ? `a${n.a}` : undefined, an.dzS[n.b] ? `a${n.b}` : undefined);
    }
    if (st) out.push(guarded(d, an.guardS[i]!, `a${i}`, st));
  }
  return out;
}

/**
 * Reverse mode through a vector closure at one class `j` (values `v{id}` already declared): declares the
 * adjoints `b{id}`, adds the `seeds` (`[node, expression]`), and propagates to the logits (`onZ(b)`, a
 * statement or `''`) and to broadcast scalars (`onExpand(s, b)`, a statement or `undefined`).
 */
export function reverseVector(
  d: Dialect, an: Analysis, clos: readonly number[], seeds: readonly (readonly [number, string])[],
  onZ: (b: string) => string, onExpand: (s: number, b: string) => string | undefined,
): string[] {
  const { dzV, prog } = an;
  const out: string[] = [];
  for (const v of clos) if (dzV[v]) out.push(d.declMut(`b${v}`, d.lit(0)));
  for (const [v, e] of seeds) out.push(`b${v} += ${e};`);
  for (const v of [...clos].reverse()) {
    if (!dzV[v]) continue;
    const n = prog.vec[v]!;
    if (n.t === 'z') {
      const s = onZ(`b${v}`);
      if (s) out.push(s);
    } else if (n.t === 'expand') {
      const s = onExpand(n.s, `b${v}`);
      if (s) out.push(s);
    } else if (n.t === 'un') {
      const g = d.unaryGrad(n.f, `v${n.a}`, `v${v}`, `b${v}`, n.p);
      if (g !== undefined && dzV[n.a]) out.push(guarded(d, an.guardV[v]!, `b${v}`, `b${n.a} += ${g};`));
    } else if (n.t === 'bin') {
      out.push(guarded(d, an.guardV[v]!, `b${v}`, binaryGrad(d, n.f, `v${n.a}`, `v${n.b}`, `b${v}`, dzV[n.a] ? `b${n.a}` : undefined, dzV[n.b] ? `b${n.b}` : undefined)));
    }
  }
  return out;
}

/** Statements `st` run only where adjoint `g` is non-zero, for a node under a select's value operand (see `selectGuarded`). */
function guarded(d: Dialect, guard: boolean, g: string, st: string): string {
  return guard && st ? `if (${g} != ${d.lit(0)}) { ${st} }` : st;
}

/** The expression of scalar node `id` that is not a reduction, in dialect `d` (`C`: the row length's expression). */
export function scalarValue(d: Dialect, prog: RowProgram, id: number, C: string): string {
  const n = prog.sca[id]!;
  switch (n.t) {
    case 'num': return d.lit(n.v);
    case 'C': return C;
    case 'un': return d.unary(n.f, `s${n.a}`, n.p);
    case 'bin': return d.binary(n.f, `s${n.a}`, `s${n.b}`);
    case 'red': throw new Error('unreachable: reductions are computed by sweeps');
  }
}
