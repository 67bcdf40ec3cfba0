/**
 * The host-side row kernels shared by the two CPU targets (`js.ts`, `wasm.ts`): a generated JavaScript
 * function per direction that walks the rows, computes the per-row scalars in float64 and delegates each
 * stage's sweep over the classes to the target's {@link HostSweeps} (inline JS loops, or calls into
 * generated WebAssembly SIMD). The forward kernel fills the per-sample values and every per-row scalar
 * (`S`); the backward kernel runs reverse mode over the row program and writes `dy_i · ∂l_i/∂z_ij`
 * straight into the gradient buffer.
 *
 * Validation happens inside the kernels: the forward kernel returns 1 when a logit or a per-sample value is
 * not finite (a `z·0` probe summed in the first sweep that reads the logits), the backward kernel when a
 * gradient entry it wrote is not finite.
 * @internal
 */
import type { Analysis, Red } from './analysis.js';
import { type Dialect, reverseScalars, reverseVector, scalarValue } from './emitter.js';
import type { RowProgram } from './program.js';

/**
 * Forward kernel: fills `out[i]` (the per-sample value) and `S[i*stride + k]` (every scalar node). Returns 1
 * when a logit or a per-sample value is not finite (checked inside the sweeps), else 0. `j0` / `Ct`: the
 * rows are the classes `j0 … j0 + C − 1` of rows of `Ct` classes (chunked calls; else 0 and C).
 */
export type ForwardKernel = (
  z: ArrayLike<number>, zo: number, labs: ArrayLike<number> | null, yd: ArrayLike<number> | null, ydo: number,
  B: number, C: number, out: Float32Array, S: Float64Array, cc: readonly Float64Array[], W?: WasmExports, ccp?: number,
  go?: number,
) => number;
/** Exports of an instantiated SIMD sweep module: sweep functions and result globals. */
export type WasmExports = Record<string, ((...a: number[]) => number) | { value: number }>;
/** Backward kernel: writes `g[go + i*C + j] = dy[i] · ∂l_i/∂z_ij`; returns 1 when an entry it wrote is not finite, else 0. */
export type BackwardKernel = (
  z: ArrayLike<number>, zo: number, labs: ArrayLike<number> | null, yd: ArrayLike<number> | null, ydo: number,
  B: number, C: number, dy: ArrayLike<number>, g: Float32Array, go: number, S: Float64Array, cc: readonly Float64Array[],
  W?: WasmExports, ccp?: number, reuse?: boolean,
) => number;
/**
 * SIMD with exp reuse only: the forward kernel followed, row by row, by the backward kernel for a predicted
 * upstream gradient `dyh` (the same for every row: a mean or sum reduction), while the row is still in cache.
 * Writes `out`, `S` and the gradient `g[go + i*C + j] = dyh · ∂l_i/∂z_ij` (go: element offset in the WASM
 * heap). Returns a bit mask: 1 when a logit or a per-sample value is not finite, 2 when a gradient entry is not.
 */
export type ForwardBackwardKernel = (
  z: ArrayLike<number>, zo: number, labs: ArrayLike<number> | null, yd: ArrayLike<number> | null, ydo: number,
  B: number, C: number, out: Float32Array, S: Float64Array, cc: readonly Float64Array[], W: WasmExports, ccp: number,
  g: Float32Array, go: number, dyh: number,
) => number;

/** What the CPU targets emit. */
export interface HostKernels {
  readonly forward: ForwardKernel;
  readonly backward: BackwardKernel;
  /** SIMD with exp reuse: forward and backward in one sweep of the rows (see {@link ForwardBackwardKernel}). */
  readonly forwardBackward?: ForwardBackwardKernel;
  /** Number of scalar nodes per row. */
  readonly K: number;
  /** Per-row stride of `S` (K, plus the sweeps' extra slots). */
  readonly stride: number;
  /**
   * SIMD only: the forward kernel, given a gradient row offset `go >= 0`, leaves exp(x - max x) there and
   * the backward kernel, given `reuse`, rescales it in place instead of computing the exp again.
   */
  readonly reusesExp: boolean;
  /** Generated source, for debugging. */
  readonly source: { readonly forward: string; readonly backward: string; readonly forwardBackward?: string };
  /** SIMD only: the sweep module the kernels call (through `W`), memory imported as `env.memory`. */
  readonly wasm?: Uint8Array<ArrayBuffer>;
}

/** How a CPU target runs a stage's sweep over the classes of one row (the rest of the kernel is shared). */
export interface HostSweeps {
  /** Extra per-row slots of `S` the target uses. */
  readonly extraSlots: number;
  /**
   * Forward statements of stage `st`: its loop reductions `own` (declaring `s{id}` for each, and for each
   * companion row maximum `m` of a log-sum-exp `l` in `companion`), probing the logits when `probe`.
   */
  forward(h: HostCode, st: number, own: readonly (readonly [Red, number])[], companion: ReadonlyMap<number, number>, probe: boolean): string[];
  /** Statements before the backward kernel's row loop. */
  backwardSetup(h: HostCode): string[];
  /** Statements at the start of each row of the backward kernel. */
  rowStart(h: HostCode): string[];
  /** The statement adding a point read's logit adjoint `b` (at class `lab`). */
  pointWrite(b: string): string;
  /** Backward statements of stage `st`, whose sweeping reductions with a gradient are `seeds`. */
  backward(h: HostCode, st: number, seeds: readonly (readonly [Red, number])[]): string[];
  /** Statements at the end of each row: the gradient row is complete, its finiteness checked. */
  rowEnd(h: HostCode): string[];
  /** Target output besides the kernels (the SIMD module). */
  finish(): { readonly wasm?: Uint8Array<ArrayBuffer>; readonly reusesExp: boolean };
}

/**
 * The JavaScript dialect (float64 arithmetic). Literals are the float32 values the unfused ops hold as tensors
 * (Keras' clip bound 1 − 1e-7 is 0.99999988 there: −log(1 − bound) is 15.94, not the float64 16.12).
 */
export const js: Dialect = {
  lit: (v) => {
    const f = Math.fround(v);
    return Object.is(f, -0) ? '(-0)' : f < 0 ? `(${f})` : String(f);
  },
  select: (c, t, f) => `(${c} ? ${t} : ${f})`,
  decl: (n, e) => `const ${n} = ${e};`,
  declMut: (n, e) => `let ${n} = ${e};`,
  unary(f, x, p) {
    const lit = js.lit;
    switch (f) {
      case 'neg': return `(-${x})`;
      case 'scale': return `(${lit(p.w!)} * ${x})`;
      case 'pow': return p.p === 2 ? `(${x} * ${x})` : p.p === 1 ? x : `Math.pow(${x}, ${lit(p.p!)})`;
      case 'exp': return `Math.exp(${x})`;
      case 'log': return `Math.log(${x})`;
      case 'log1p': return `Math.log1p(${x})`;
      case 'sqrt': return `Math.sqrt(${x})`;
      case 'abs': return `Math.abs(${x})`;
      case 'relu': return `(${x} > 0 || ${x} !== ${x} ? ${x} : 0)`;
      case 'softplus': return `(${x} > 0 ? ${x} + Math.log1p(Math.exp(-${x})) : Math.log1p(Math.exp(${x})))`;
      case 'sigmoid': return `(1 / (1 + Math.exp(-${x})))`;
      case 'logSigmoid': return `(${x} < 0 ? ${x} - Math.log1p(Math.exp(${x})) : -Math.log1p(Math.exp(-${x})))`;
      case 'clip': return `Math.min(Math.max(${x}, ${lit(p.lo!)}), ${lit(p.hi!)})`;
      case 'detach': return x;
      case 'xlogx': return `(${x} > 0 ? ${x} * Math.log(${x}) : 0)`;
      // log(1 − e^x) (Mächler 2012): log(−expm1(x)) near 0, log1p(−e^x) below −ln 2; NaN for x > 0.
      case 'log1mexp': return `(${x} > -0.6931471805599453 ? Math.log(-Math.expm1(${x})) : Math.log1p(-Math.exp(${x})))`;
    }
  },
  unaryGrad(f, x, out, g, p) {
    const lit = js.lit;
    switch (f) {
      case 'neg': return `-${g}`;
      case 'scale': return `${lit(p.w!)} * ${g}`;
      case 'pow': return p.p === 2 ? `2 * ${x} * ${g}` : p.p === 1 ? g : `${g} * ${lit(p.p!)} * Math.pow(${x}, ${lit(p.p! - 1)})`;
      case 'exp': return `${g} * ${out}`;
      case 'log': return `${g} / ${x}`;
      case 'log1p': return `${g} / (1 + ${x})`;
      case 'sqrt': return `${g} * 0.5 / ${out}`;
      case 'abs': return `(${x} > 0 ? ${g} : -${g})`;
      case 'relu': return `(${x} > 0 ? ${g} : 0)`;
      case 'softplus': return `${g} / (1 + Math.exp(-${x}))`;
      case 'sigmoid': return `${g} * ${out} * (1 - ${out})`;
      case 'logSigmoid': return `${g} / (1 + Math.exp(${x}))`;
      case 'clip': return `(${x} >= ${lit(p.lo!)} && ${x} <= ${lit(p.hi!)} ? ${g} : 0)`;
      case 'detach': return undefined;
      case 'xlogx': return `(${x} > 0 ? ${g} * (Math.log(${x}) + 1) : 0)`;
      case 'log1mexp': return `-${g} / Math.expm1(-${x})`;
    }
  },
  binary(f, a, b) {
    switch (f) {
      case 'plus': return `(${a} + ${b})`;
      case 'minus': return `(${a} - ${b})`;
      case 'times': return `(${a} * ${b})`;
      case 'div': return `(${a} / ${b})`;
      case 'maximum': return `Math.max(${a}, ${b})`;
      case 'minimum': return `Math.min(${a}, ${b})`;
      case 'where': return `(${b} !== 0 ? ${a} : 0)`;
    }
  },
};

/** Code-writing helpers over one program, shared by the host kernels and their sweeps. */
export class HostCode {
  readonly prog: RowProgram;
  readonly K: number;
  /** The stage whose first sweep reads the logits (it probes them); `undefined`: a separate probe loop. */
  readonly probeStage: number | undefined;
  /** Stages whose backward pass sweeps the row / reads a point. */
  readonly loopStages: number[];
  readonly pointStages: number[];
  /** The row length's name in generated code (`Ct` in chunked kernels, where `C` is the chunk's width). */
  readonly cName: string;
  /**
   * `chunk`: the kernels see the classes `j0 … j0 + C − 1` of rows of `Ct` classes (loop sweeps index the
   * chunk, `lab` stays the global label); point reads take the logit at the label from `zl[i]`.
   */
  constructor(readonly an: Analysis, public stride: number, readonly chunk = false) {
    this.cName = chunk ? 'Ct' : 'C';
    this.prog = an.prog;
    this.K = an.prog.sca.length;
    const zId = this.prog.vec.findIndex((n) => n.t === 'z');
    this.probeStage = an.stages.find((st) => an.loopReds(st).some(([n]) => an.vClosure([n.x]).includes(zId)));
    this.loopStages = an.stages.filter((st) => an.seeds(st).length > 0);
    this.pointStages = an.stages.filter((st) => an.reds(st).some(([n, i]) => an.dzS[i] && an.isPoint(n)));
  }
  /** Node `id`'s value at class `j` of the current row (`point`: in a point read, where `j` is the label). */
  vValue(id: number, point = false): string {
    const n = this.prog.vec[id]!;
    const j = this.chunk && !point ? 'j0 + j' : 'j';
    switch (n.t) {
      case 'z': return this.chunk && point ? 'zl[i]' : `z[o + j]`;
      case 'y': return this.prog.sparse ? `(${j} === lab ? 1 : 0)` : `yd[yo + j]`;
      case 'num': return js.lit(n.v);
      case 'cc': return `cc${n.k}[${j}]`;
      case 'expand': return `s${n.s}`;
      case 'un': return js.unary(n.f, `v${n.a}`, n.p);
      case 'bin': return js.binary(n.f, `v${n.a}`, `v${n.b}`);
    }
  }
  /** `const v… = …;` for a closure. */
  values(clos: readonly number[], point = false): string[] {
    return clos.map((v) => `const v${v} = ${this.vValue(v, point)};`);
  }
  /** The adjoint seed a reduction sends into its argument at class `j`. */
  seed(n: Red, i: number): [number, string] {
    const x = `v${n.x}`;
    switch (n.f) {
      case 'sum': return [n.x, `a${i}`];
      case 'dotY': return [n.x, this.prog.sparse ? `a${i}` : `a${i} * yd[yo + j]`];
      case 'max':
      case 'min': return [n.x, `(${x} === s${i} ? a${i} / s${this.an.tiesOf(i)} : 0)`];
      case 'ties': throw new Error('unreachable: ties counts carry no gradient');
      case 'lse': return [n.x, `a${i} * Math.exp((${x} - s${n.m}) - s${i})`];
    }
  }
  /**
   * Reverse mode at class `j` from the given reductions: values, adjoints, then `onZ(b)` with the logit's
   * adjoint (called with `'0'` when no path reaches the logit); broadcast adjoints go to `a{s}` unless `noExpand`.
   */
  vectorBackward(reds: readonly (readonly [Red, number])[], onZ: (b: string) => string, noExpand = false, point = false): string[] {
    const clos = this.an.vClosure(reds.map(([n]) => n.x));
    let wrote = false;
    const body = reverseVector(js, this.an, clos, reds.map(([n, i]) => this.seed(n, i)), (b) => {
      wrote = true;
      return onZ(b);
    }, (s, b) => (noExpand ? undefined : `a${s} += ${b};`));
    const out = [...this.values(clos, point), ...body];
    if (!wrote) {
      const s = onZ('0');
      if (s) out.push(s);
    }
    return out;
  }
  get header(): string[] {
    return ['"use strict";', ...this.prog.classConstants.map((_, k) => `const cc${k} = cc[${k}];`)];
  }
  get rowHeader(): string[] {
    return ['const o = zo + i * C;', this.prog.sparse ? 'const lab = labs[i];' : 'const yo = ydo + i * C;'];
  }
}

/** Generates (and compiles with `new Function`) a CPU target's forward and backward kernels. */
export function hostKernels(an: Analysis, sweeps: HostSweeps): HostKernels {
  const h = new HostCode(an, an.prog.sca.length + sweeps.extraSlots);
  // Each part is generated once: the sweeps emit their functions as they are asked for them.
  const fw = forwardRow(h, sweeps);
  const bw = backwardParts(h, sweeps);
  const fsrc = forwardAround(h, fw);
  const bsrc = [...bw.head, 'const dyi = dy[i];', ...bw.row, '}', 'return bad;'].join('\n');
  // biome-ignore lint/security/noGlobalEval: code generated from a closed set of templates; no user strings reach it.
  const forward = new Function('z', 'zo', 'labs', 'yd', 'ydo', 'B', 'C', 'out', 'S', 'cc', 'W', 'ccp', 'go', fsrc) as ForwardKernel;
  // biome-ignore lint/security/noGlobalEval: as above.
  const backward = new Function('z', 'zo', 'labs', 'yd', 'ydo', 'B', 'C', 'dy', 'g', 'go', 'S', 'cc', 'W', 'ccp', 'reuse', bsrc) as BackwardKernel;
  const { wasm, reusesExp } = sweeps.finish();
  const base = { forward, backward, K: h.K, stride: h.stride, reusesExp, source: { forward: fsrc, backward: bsrc } };
  if (!wasm) return base;
  if (!reusesExp) return { ...base, wasm };
  // Forward then backward per row: the forward sweep leaves exp(x − max x) in the gradient row and the backward
  // sweep rescales it while the row is still in cache. The backward row runs in a block with its own `bad`
  // (the gradient's flag, bit 2 of the result).
  const fbsrc = [
    ...h.header, ...bw.setup, 'let bad = 0, pr = 0, badG = 0;', 'const reuse = true;', 'for (let i = 0; i < B; i++) {', ...h.rowHeader, ...fw,
    '{', 'let bad = 0;', 'const dyi = dyh;', ...bw.row, 'if (bad) badG = 1;', '}',
    '}', 'return (bad || pr !== 0 ? 1 : 0) | (badG ? 2 : 0);',
  ].join('\n');
  const forwardBackward = new Function('z', 'zo', 'labs', 'yd', 'ydo', 'B', 'C', 'out', 'S', 'cc', 'W', 'ccp', 'g', 'go', 'dyh', fbsrc) as ForwardBackwardKernel;
  return { ...base, wasm, forwardBackward, source: { ...base.source, forwardBackward: fbsrc } };
}

/** The forward kernel's row body (after the row header): sweeps, point reads, scalars, the stores to `out` and `S`. */
function forwardRow(h: HostCode, sweeps: HostSweeps): string[] {
  const { an, prog, K } = h;
  const f: string[] = [];
  if (h.probeStage === undefined && !h.chunk) f.push('for (let j = 0; j < C; j++) pr += z[o + j] * 0;');
  for (const [, i] of an.scalarsAt(0)) f.push(`const s${i} = ${scalarValue(js, prog, i, h.cName)};`);
  for (const st of an.stages) {
    const loop = an.loopReds(st);
    // A log-sum-exp sweep finds its row maximum itself: the companion `max` node (`m`) reads it from there.
    const companion = new Map<number, number>();
    for (const [n, i] of loop) if (n.f === 'lse' && n.m !== undefined) companion.set(n.m, i);
    const own = loop.filter(([, i]) => !companion.has(i));
    if (loop.length > 0) f.push(...sweeps.forward(h, st, own, companion, st === h.probeStage));
    for (const [n, i] of an.reds(st).filter(([m]) => an.isPoint(m))) {
      f.push(`let s${i};`, '{', 'const j = lab;', ...h.values(an.vClosure([n.x]), true), `s${i} = v${n.x};`, '}');
    }
    for (const [, i] of an.scalarsAt(st)) f.push(`const s${i} = ${scalarValue(js, prog, i, h.cName)};`);
  }
  f.push(`out[i] = s${prog.root};`, 'if (out[i] - out[i] !== 0) bad = 1;', `const sk = i * ${h.stride};`);
  for (let k = 0; k < K; k++) f.push(`S[sk + ${k}] = s${k};`);
  return f;
}

/** The forward kernel around its row body. */
function forwardAround(h: HostCode, row: readonly string[]): string {
  return [...h.header, 'let bad = 0, pr = 0;', 'for (let i = 0; i < B; i++) {', ...h.rowHeader, ...row, '}', 'return bad || pr !== 0 ? 1 : 0;'].join('\n');
}

/**
 * The forward kernel: per row, each stage's sweep (the target's), point reads (`x_y` for integer labels),
 * then the stage's scalars; the per-sample value and every scalar are stored.
 */
export function forwardSource(h: HostCode, sweeps: HostSweeps): string {
  return forwardAround(h, forwardRow(h, sweeps));
}

/**
 * The backward kernel's parts: `setup` (the sweeps' statements before the row loop), `head` (through the row
 * header) and the row body, which reads the row's upstream gradient from `dyi`.
 */
function backwardParts(h: HostCode, sweeps: HostSweeps): { setup: string[]; head: string[]; row: string[] } {
  const { an, prog, K } = h;
  const setup = sweeps.backwardSetup(h);
  const head = [...h.header, ...setup, 'let bad = 0;', 'for (let i = 0; i < B; i++) {', ...h.rowHeader];
  const b: string[] = ['const gr = go + i * C;', `const sk = i * ${h.stride};`];
  for (let k = 0; k < K; k++) b.push(`const s${k} = S[sk + ${k}];`);
  for (let k = 0; k < K; k++) if (an.dzS[k]) b.push(`let a${k} = ${k === prog.root ? 'dyi' : '0'};`);
  b.push(...sweeps.rowStart(h));
  for (let st = an.maxStage; st >= 1; st--) {
    b.push(...reverseScalars(js, an, st));
    // Point reads (x_y for integer labels) first: they never feed the same stage's sweep.
    for (const [n, i] of an.reds(st).filter(([m, k]) => an.dzS[k] && an.isPoint(m))) {
      b.push('{', 'const j = lab;', ...h.vectorBackward([[n, i]], (g) => (g === '0' ? '' : sweeps.pointWrite(g)), false, true), '}');
    }
    const seeds = an.seeds(st);
    if (seeds.length > 0) b.push(...sweeps.backward(h, st, seeds));
  }
  b.push(...sweeps.rowEnd(h));
  return { setup, head, row: b };
}

/**
 * The backward kernel: per row, the scalars from `S`, then from the last stage down: reverse mode through
 * the stage's scalars, its point reads (their adjoint lands at class `lab`), and its sweep (the target's).
 */
export function backwardSource(h: HostCode, sweeps: HostSweeps): string {
  const { head, row } = backwardParts(h, sweeps);
  return [...head, 'const dyi = dy[i];', ...row, '}', 'return bad;'].join('\n');
}
