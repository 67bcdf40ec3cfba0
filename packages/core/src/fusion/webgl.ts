/**
 * WebGL code generation for {@link RowProgram}s, run through the tfjs WebGL backend's custom-program
 * API (`compileAndRun`). Per call:
 *
 * - forward: one shader per sweep stage with class reductions, output `[B, R_st]` (a fragment computes
 *   one reduction of one row, looping over its classes four at a time in `vec4`), then one `[B]` shader
 *   for the per-sample value;
 * - backward: one `[B, E_st]` shader per stage whose sweep also sums adjoints of broadcast scalars, then
 *   one packed `[B, C]` shader in which each fragment recomputes the scalars and adjoints of two rows
 *   from those small textures and writes `dy_i · ∂l_i/∂z_ij` for a 2×2 block.
 *
 * So a fused loss allocates no `[B, C]` texture besides the gradient, against one per node unfused.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Analysis, analyze, binaryGrad } from './codegen.js';
import type { BinaryFn, RowProgram, SNode, UnaryFn, VNode } from './program.js';

/** The part of tfjs-backend-webgl's `MathBackendWebGL` used here. */
export interface WebglBackendLike {
  compileAndRun(
    program: { variableNames: string[]; outputShape: number[]; userCode: string; packedInputs?: boolean; packedOutput?: boolean },
    inputs: Tensor[],
    dtype?: 'float32',
  ): { dataId: object; shape: number[]; dtype: 'float32' };
}

/**
 * `z` as an unpacked texture, for the fused shaders (which read one value per fetch). A packed `z` (what
 * tfjs's own ops, e.g. a dense layer's `matMul`, produce) is unpacked once here so that the forward and
 * backward shaders share the copy, instead of tfjs unpacking it again for every program. Returns `z`
 * itself when it is unpacked or the backend does not expose its texture data.
 */
export function unpacked(b: WebglBackendLike, z: Tensor2D): Tensor2D {
  const internals = b as unknown as Partial<{ texData: { get(id: object): { isPacked?: boolean } | undefined }; unpackTensor(info: object): { dataId: object; shape: number[]; dtype: 'float32' } }>;
  if (typeof internals.unpackTensor !== 'function' || !internals.texData?.get(z.dataId)?.isPacked) return z;
  const info = internals.unpackTensor({ dataId: z.dataId, shape: z.shape, dtype: z.dtype });
  return tf.engine().makeTensorFromTensorInfo(info, tf.backend()) as Tensor2D;
}

/** The active backend when it is WebGL with `compileAndRun`. */
export function webglBackend(): WebglBackendLike | undefined {
  if (tf.getBackend() !== 'webgl') return undefined;
  const b = tf.backend() as unknown as Partial<WebglBackendLike>;
  return typeof b.compileAndRun === 'function' ? (b as WebglBackendLike) : undefined;
}

/** A GLSL float literal (GLSL has no `inf`: ±3.4e38 stands in for ±∞ as a max/min neutral). */
function fl(v: number): string {
  if (v === Infinity) return '3.4e38';
  if (v === -Infinity) return '(-3.4e38)';
  let s = String(Math.abs(v));
  if (!s.includes('.') && !s.includes('e')) s += '.0';
  else if (!s.includes('.')) s = s.replace('e', '.0e');
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

function glUnary(f: UnaryFn, x: string, p: Readonly<Record<string, number>>): string {
  switch (f) {
    case 'neg': return `(-${x})`;
    case 'scale': return `(${fl(p.w!)} * ${x})`;
    case 'pow': return ipow(x, p.p!);
    case 'exp': return `exp(${x})`;
    case 'log': return `log(${x})`;
    case 'log1p': return `log(1.0 + ${x})`;
    case 'sqrt': return `sqrt(${x})`;
    case 'abs': return `abs(${x})`;
    case 'relu': return `max(${x}, 0.0)`;
    case 'softplus': return `(${x} > 0.0 ? ${x} + log(1.0 + exp(-${x})) : log(1.0 + exp(${x})))`;
    case 'sigmoid': return `(1.0 / (1.0 + exp(-${x})))`;
    case 'logSigmoid': return `(${x} < 0.0 ? ${x} - log(1.0 + exp(${x})) : -log(1.0 + exp(-${x})))`;
    case 'clip': return `clamp(${x}, ${fl(p.lo!)}, ${fl(p.hi!)})`;
    case 'detach': return x;
    case 'xlogx': return `(${x} > 0.0 ? ${x} * log(${x}) : 0.0)`;
    case 'log1mexp': return `log(1.0 - exp(${x}))`;
  }
}

/**
 * The `vec4` form of a unary function (GLSL's built-ins act per component), or `undefined` where the
 * scalar template branches per value and has no branch-free form here (`xlogx`, non-integer `pow`).
 */
function glUnary4(f: UnaryFn, x: string, p: Readonly<Record<string, number>>): string | undefined {
  switch (f) {
    case 'softplus': return `(max(${x}, 0.0) + log(1.0 + exp(-abs(${x}))))`;
    case 'logSigmoid': return `(min(${x}, 0.0) - log(1.0 + exp(-abs(${x}))))`;
    case 'xlogx': return undefined;
    case 'pow': return Number.isInteger(p.p) && Math.abs(p.p!) <= 8 ? ipow(x, p.p!) : undefined;
    default: return glUnary(f, x, p);
  }
}

/** `x^p`: products for small integer `p` (GLSL `pow` is undefined for negative bases). */
function ipow(x: string, p: number): string {
  if (Number.isInteger(p) && Math.abs(p) <= 8) {
    if (p === 0) return '1.0';
    const prod = `(${Array.from({ length: Math.abs(p) }, () => x).join(' * ')})`;
    return p < 0 ? `(1.0 / ${prod})` : prod;
  }
  return `pow(${x}, ${fl(p)})`;
}

function glUnaryGrad(f: UnaryFn, x: string, out: string, g: string, p: Readonly<Record<string, number>>): string | undefined {
  switch (f) {
    case 'neg': return `-${g}`;
    case 'scale': return `${fl(p.w!)} * ${g}`;
    case 'pow': return p.p === 0 ? '0.0' : p.p === 1 ? g : `${g} * ${fl(p.p!)} * ${ipow(x, p.p! - 1)}`;
    case 'exp': return `${g} * ${out}`;
    case 'log': return `${g} / ${x}`;
    case 'log1p': return `${g} / (1.0 + ${x})`;
    case 'sqrt': return `${g} * 0.5 / ${out}`;
    case 'abs': return `(${x} > 0.0 ? ${g} : -${g})`;
    case 'relu': return `(${x} > 0.0 ? ${g} : 0.0)`;
    case 'softplus': return `${g} / (1.0 + exp(-${x}))`;
    case 'sigmoid': return `${g} * ${out} * (1.0 - ${out})`;
    case 'logSigmoid': return `${g} / (1.0 + exp(${x}))`;
    case 'clip': return `(${x} >= ${fl(p.lo!)} && ${x} <= ${fl(p.hi!)} ? ${g} : 0.0)`;
    case 'detach': return undefined;
    case 'xlogx': return `(${x} > 0.0 ? ${g} * (log(${x}) + 1.0) : 0.0)`;
    case 'log1mexp': return `-${g} / (exp(-${x}) - 1.0)`;
  }
}

function glBinary(f: BinaryFn, a: string, b: string): string {
  switch (f) {
    case 'plus': return `(${a} + ${b})`;
    case 'minus': return `(${a} - ${b})`;
    case 'times': return `(${a} * ${b})`;
    case 'div': return `(${a} / ${b})`;
    case 'maximum': return `max(${a}, ${b})`;
    case 'minimum': return `min(${a}, ${b})`;
  }
}

const glBinaryGrad = (f: BinaryFn, a: string, b: string, g: string, ga: string | undefined, gb: string | undefined) => binaryGrad(f, a, b, g, ga, gb, '0.0');

type Red = Extract<SNode, { t: 'red' }>;

/** Shader sources of one program at one row length `C`. */
class Shaders {
  private readonly an: Analysis;
  /** Loop reductions per stage (their column order in the stage's texture). */
  readonly loopReds: Map<number, number[]> = new Map();
  /** Broadcast scalars whose adjoints a stage's backward sweep sums (column order of `e{st}`). */
  readonly expands: Map<number, number[]> = new Map();
  constructor(private readonly prog: RowProgram, private readonly C: number) {
    this.an = analyze(prog);
    for (let st = 1; st <= this.an.maxStage; st++) {
      const loop = this.an.reds(st).filter(([n]) => !this.an.isPoint(n)).map(([, i]) => i);
      if (loop.length > 0) this.loopReds.set(st, loop);
      const seeds = this.an.reds(st).filter(([n, i]) => this.an.dzS[i] && !this.an.isPoint(n));
      const clos = this.an.vClosure(seeds.map(([n]) => (n as Red).x));
      const ex = [...new Set(clos.filter((v) => this.an.dzV[v] && prog.vec[v]!.t === 'expand').map((v) => (prog.vec[v] as Extract<VNode, { t: 'expand' }>).s))];
      if (ex.length > 0) this.expands.set(st, ex);
    }
  }
  get maxStage(): number {
    return this.an.maxStage;
  }
  /** Input variable names, in the order the tensors are passed. */
  inputs(kind: 'forward' | 'value' | 'e' | 'grad', st = 0): string[] {
    const v = ['z', this.prog.sparse ? 'lab' : 'yd'];
    if (this.prog.classConstants.length > 0) v.push('cc');
    const rStages = [...this.loopReds.keys()].filter((s) => kind !== 'forward' || s < st);
    v.push(...rStages.map((s) => `r${s}`));
    if (kind === 'e' || kind === 'grad') {
      v.push('dy');
      v.push(...[...this.expands.keys()].filter((s) => kind === 'grad' || s > st).map((s) => `e${s}`));
    }
    return v;
  }
  private vValue(id: number): string {
    const n = this.prog.vec[id]!;
    switch (n.t) {
      case 'z': return 'getZ(i, j)';
      case 'y': return this.prog.sparse ? '(j == labi ? 1.0 : 0.0)' : 'getYd(i, j)';
      case 'num': return fl(n.v);
      case 'cc': return `getCc(${n.k}, j)`;
      case 'expand': return `s${n.s}`;
      case 'un': return glUnary(n.f, `v${n.a}`, n.p);
      case 'bin': return glBinary(n.f, `v${n.a}`, `v${n.b}`);
    }
  }
  private values(clos: readonly number[]): string[] {
    return clos.map((v) => `float v${v} = ${this.vValue(v)};`);
  }
  /** Node `id` over the four classes `j … j+3` as a `vec4` expression, or `undefined` (see {@link glUnary4}). */
  private vValue4(id: number): string | undefined {
    const n = this.prog.vec[id]!;
    const four = (f: (d: string) => string) => `vec4(${['', ' + 1', ' + 2', ' + 3'].map(f).join(', ')})`;
    switch (n.t) {
      case 'z': return four((d) => `getZ(i, j${d})`);
      case 'y': return this.prog.sparse ? 'vec4(equal(ivec4(j, j + 1, j + 2, j + 3), ivec4(labi)))' : four((d) => `getYd(i, j${d})`);
      case 'num': return `vec4(${fl(n.v)})`;
      case 'cc': return four((d) => `getCc(${n.k}, j${d})`);
      case 'expand': return `vec4(s${n.s})`;
      case 'un': return glUnary4(n.f, `w${n.a}`, n.p);
      case 'bin': return glBinary(n.f, `w${n.a}`, `w${n.b}`);
    }
  }
  /** `vec4 w…` declarations of a closure, or `undefined` when a node has no `vec4` form. */
  private values4(clos: readonly number[]): string[] | undefined {
    const out: string[] = [];
    for (const v of clos) {
      const e = this.vValue4(v);
      if (e === undefined) return undefined;
      out.push(`vec4 w${v} = ${e};`);
    }
    return out;
  }
  private prelude(): string[] {
    return this.prog.sparse ? ['int labi = int(getLab(i) + 0.5);'] : [];
  }
  /** Every scalar of stage ≤ `upTo`, reading loop reductions from the `r{st}` textures. */
  private scalars(upTo: number): string[] {
    const out: string[] = [];
    this.prog.sca.forEach((n, k) => {
      if (this.an.sStage[k]! > upTo) return;
      if (n.t === 'red') {
        const st = this.an.sStage[k]!;
        if (this.an.isPoint(n)) {
          out.push(`float s${k};`, '{', 'int j = labi;', ...this.values(this.an.vClosure([n.x])), `s${k} = v${n.x};`, '}');
        } else out.push(`float s${k} = getR${st}(i, ${this.loopReds.get(st)!.indexOf(k)});`);
        return;
      }
      const e =
        n.t === 'num' ? fl(n.v) : n.t === 'C' ? fl(this.C) : n.t === 'un' ? glUnary(n.f, `s${n.a}`, n.p) : glBinary(n.f, `s${n.a}`, `s${n.b}`);
      out.push(`float s${k} = ${e};`);
    });
    return out;
  }
  /** Reverse mode through one vector closure: seeds → b's → z adjoint (`gz`) and expand adjoints (`onExpand`). */
  private vectorBackward(seeds: readonly Red[], ids: readonly number[], gz: (e: string) => string, onExpand: (s: number, b: string) => string | undefined): string[] {
    const { dzV } = this.an;
    const clos = this.an.vClosure(ids.length > 0 ? ids : seeds.map((r) => r.x));
    const out = this.values(clos);
    for (const v of clos) if (dzV[v]) out.push(`float b${v} = 0.0;`);
    for (const r of seeds) {
      const id = this.prog.sca.indexOf(r);
      const x = `v${r.x}`;
      const a = `a${id}`;
      const e =
        r.f === 'sum' ? a
        : r.f === 'dotY' ? (this.prog.sparse ? a : `${a} * getYd(i, j)`)
        : r.f === 'lse' ? `${a} * exp((${x} - s${r.m}) - s${id})`
        : `(${x} == s${id} ? ${a} / s${this.an.tiesOf(id)} : 0.0)`;
      out.push(`b${r.x} += ${e};`);
    }
    for (const v of [...clos].reverse()) {
      if (!dzV[v]) continue;
      const n = this.prog.vec[v]!;
      if (n.t === 'z') out.push(gz(`b${v}`));
      else if (n.t === 'expand') {
        const s = onExpand(n.s, `b${v}`);
        if (s) out.push(s);
      } else if (n.t === 'un') {
        const g = glUnaryGrad(n.f, `v${n.a}`, `v${v}`, `b${v}`, n.p);
        if (g !== undefined && dzV[n.a]) out.push(`b${n.a} += ${g};`);
      } else if (n.t === 'bin') {
        out.push(glBinaryGrad(n.f, `v${n.a}`, `v${n.b}`, `b${v}`, dzV[n.a] ? `b${n.a}` : undefined, dzV[n.b] ? `b${n.b}` : undefined));
      }
    }
    return out;
  }
  /**
   * Scalar adjoints `a{k}` from the root down to stage `downTo` (point reads included; loop sweeps'
   * broadcast adjoints read from the `e{st}` textures for st > downTo, or ≥ downTo with `withOwn`).
   * With `pz`, point reads also add their logit adjoint to `pz`.
   */
  private adjoints(downTo: number, withOwn: boolean, pz: boolean): string[] {
    const { dzS, maxStage } = this.an;
    const out: string[] = [];
    this.prog.sca.forEach((_, k) => {
      if (dzS[k]) out.push(`float a${k} = ${k === this.prog.root ? 'getDy(i)' : '0.0'};`);
    });
    for (let st = maxStage; st >= downTo; st--) {
      for (const [n, i] of [...this.an.scalarsAt(st)].reverse()) {
        if (!dzS[i]) continue;
        if (n.t === 'un') {
          const g = glUnaryGrad(n.f, `s${n.a}`, `s${i}`, `a${i}`, n.p);
          if (g !== undefined && dzS[n.a]) out.push(`a${n.a} += ${g};`);
        } else if (n.t === 'bin') {
          out.push(glBinaryGrad(n.f, `s${n.a}`, `s${n.b}`, `a${i}`, dzS[n.a] ? `a${n.a}` : undefined, dzS[n.b] ? `a${n.b}` : undefined));
        }
      }
      for (const [n] of this.an.reds(st).filter(([m, k]) => dzS[k] && this.an.isPoint(m))) {
        out.push('{', 'int j = labi;');
        out.push(...this.vectorBackward([n as Red], [], (b) => (pz ? `pz += ${b};` : ''), (s, b) => `a${s} += ${b};`));
        out.push('}');
      }
      const ex = this.expands.get(st);
      if (ex && (st > downTo || withOwn)) ex.forEach((s, c) => out.push(`a${s} += getE${st}(i, ${c});`));
    }
    return out;
  }
  /**
   * The stage-`st` reductions, one output column each. Each fragment sweeps its row four classes at a time
   * in `vec4` arithmetic (SwiftShader runs `vec4` math as SIMD: CE's forward pass measured 1.4× faster than
   * one class per iteration), then the `C mod 4` tail one at a time; a log-sum-exp keeps a running max `m`
   * and `q = Σ exp(x − m)`, rescaled when a chunk raises the max.
   */
  forward(st: number): string {
    const reds = this.loopReds.get(st)!;
    const body: string[] = [];
    const n4 = this.C >= 8 ? Math.floor(this.C / 4) : 0;
    reds.forEach((k, col) => {
      const r = this.prog.sca[k] as Red;
      const clos = this.an.vClosure([r.x]);
      const vec = n4 > 0 ? this.values4(clos) : undefined;
      const init = r.f === 'max' ? fl(-Infinity) : r.f === 'min' ? fl(Infinity) : '0.0';
      body.push(`${col === 0 ? '' : 'else '}if (col == ${col}) {`);
      body.push(r.f === 'lse' ? 'float m = -3.4e38; float q = 0.0;' : `float acc = ${init};`);
      if (vec) {
        const x = `w${r.x}`;
        const sum4 = (e: string) => `(${e}.x + ${e}.y) + (${e}.z + ${e}.w)`;
        body.push(`for (int k4 = 0; k4 < ${n4}; k4++) {`, 'int j = 4 * k4;', ...vec);
        if (r.f === 'sum') body.push(`acc += ${sum4(x)};`);
        else if (r.f === 'dotY') body.push(`acc += dot(vec4(getYd(i, j), getYd(i, j + 1), getYd(i, j + 2), getYd(i, j + 3)), ${x});`);
        else if (r.f === 'max') body.push(`acc = max(acc, max(max(${x}.x, ${x}.y), max(${x}.z, ${x}.w)));`);
        else if (r.f === 'min') body.push(`acc = min(acc, min(min(${x}.x, ${x}.y), min(${x}.z, ${x}.w)));`);
        else if (r.f === 'ties') body.push(`acc += dot(vec4(equal(${x}, vec4(s${r.m}))), vec4(1.0));`);
        else body.push(`float mm = max(max(${x}.x, ${x}.y), max(${x}.z, ${x}.w));`, 'if (mm > m) { q *= exp(m - mm); m = mm; }', `vec4 e4 = exp(${x} - m);`, `q += ${sum4('e4')};`);
        body.push('}');
      }
      const from = vec ? 4 * n4 : 0;
      if (from < this.C) {
        body.push(`for (int j = ${from}; j < ${this.C}; j++) {`, ...this.values(clos));
        const x = `v${r.x}`;
        if (r.f === 'sum') body.push(`acc += ${x};`);
        else if (r.f === 'dotY') body.push(`acc += getYd(i, j) * ${x};`);
        else if (r.f === 'max') body.push(`acc = max(acc, ${x});`);
        else if (r.f === 'min') body.push(`acc = min(acc, ${x});`);
        else if (r.f === 'ties') body.push(`acc += ${x} == s${r.m} ? 1.0 : 0.0;`);
        else body.push(`if (${x} > m) { q = q * exp(m - ${x}) + 1.0; m = ${x}; } else { q += exp(${x} - m); }`);
        body.push('}');
      }
      body.push(r.f === 'lse' ? 'res = log(q);' : 'res = acc;', '}');
    });
    return ['void main() {', 'ivec2 c = getOutputCoords();', 'int i = c.x;', 'int col = c.y;', ...this.prelude(), ...this.scalars(st - 1), 'float res = 0.0;', ...body, 'setOutput(res);', '}'].join('\n');
  }
  value(): string {
    return ['void main() {', 'int i = getOutputCoords();', ...this.prelude(), ...this.scalars(this.an.maxStage), `setOutput(s${this.prog.root});`, '}'].join('\n');
  }
  /** Sums, over the row, of the adjoints of stage `st`'s broadcast scalars. */
  e(st: number): string {
    const ex = this.expands.get(st)!;
    const seeds = this.seedsAt(st);
    const body: string[] = [];
    ex.forEach((s, col) => {
      body.push(`${col === 0 ? '' : 'else '}if (col == ${col}) {`, `for (int j = 0; j < ${this.C}; j++) {`);
      body.push(...this.vectorBackward(seeds, [], () => '', (t, b) => (t === s ? `res += ${b};` : undefined)));
      body.push('}', '}');
    });
    return [
      'void main() {', 'ivec2 c = getOutputCoords();', 'int i = c.x;', 'int col = c.y;', ...this.prelude(),
      ...this.scalars(this.an.maxStage), ...this.adjoints(st, false, false), 'float res = 0.0;', ...body, 'setOutput(res);', '}',
    ].join('\n');
  }
  private seedsAt(st: number): Red[] {
    return this.an.reds(st).filter(([n, i]) => this.an.dzS[i] && !this.an.isPoint(n)).map(([n]) => n as Red);
  }
  /**
   * The gradient as a packed `[B, C]` texture: each fragment writes a 2×2 block (rows `i, i+1`, classes
   * `j, j+1`), so the row's scalars and adjoints are computed once per two classes and SwiftShader runs a
   * quarter of the fragments (an elementwise `[4096, 1000]` pass measured 4× faster packed than unpacked).
   * Entries past row `B − 1` or class `C − 1` are written as 0, as tfjs's own packed textures are.
   */
  grad(B: number): string {
    const body: string[] = [];
    for (let st = this.an.maxStage; st >= 1; st--) {
      const seeds = this.seedsAt(st);
      if (seeds.length === 0) continue;
      body.push('{', ...this.vectorBackward(seeds, [], (b) => `g += ${b};`, () => undefined), '}');
    }
    const column = (j: string, out: string) => ['{', `int j = ${j};`, 'float g = 0.0;', ...body, this.prog.sparse ? 'if (j == labi) g += pz;' : '', `${out} = g;`, '}'];
    return [
      'vec2 gradRow(int i, int j0) {', ...this.prelude(), ...this.scalars(this.an.maxStage), 'float pz = 0.0;', ...this.adjoints(1, true, true),
      'vec2 o = vec2(0.0);', ...column('j0', 'o.x'), `if (j0 + 1 < ${this.C}) {`, ...column('j0 + 1', 'o.y'), '}', 'return o;', '}',
      'void main() {', 'ivec2 rc = getOutputCoords();', 'vec2 top = gradRow(rc.x, rc.y);',
      `vec2 bottom = rc.x + 1 < ${B} ? gradRow(rc.x + 1, rc.y) : vec2(0.0);`, 'setOutput(vec4(top, bottom));', '}',
    ].join('\n');
  }
}

/** WebGL forward/backward of one program; shader sources are built per row length `C` and cached. */
export class WebglKernels {
  private readonly byC = new Map<number, Shaders>();
  constructor(private readonly prog: RowProgram) {}
  private shaders(C: number): Shaders {
    let s = this.byC.get(C);
    if (!s) {
      s = new Shaders(this.prog, C);
      this.byC.set(C, s);
    }
    return s;
  }
  /** Shader sources by key: building one walks the program, which costs as much as a small batch's kernels. */
  private readonly sourceCache = new Map<string, string>();
  private source(key: string, make: () => string): string {
    let src = this.sourceCache.get(key);
    if (src === undefined) {
      src = make();
      this.sourceCache.set(key, src);
    }
    return src;
  }
  private run(b: WebglBackendLike, names: string[], inputs: Record<string, Tensor>, shape: number[], code: string, packedOutput = false): Tensor {
    const program = { variableNames: names, outputShape: shape, userCode: code, packedInputs: false, packedOutput };
    const info = b.compileAndRun(program, names.map((n) => inputs[n]!), 'float32');
    return tf.engine().makeTensorFromTensorInfo(info, tf.backend());
  }
  /** Inputs every shader may read: logits, labels as floats or targets, class constants. */
  private base(z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined): Record<string, Tensor> {
    const m: Record<string, Tensor> = { z };
    // Labels as floats (the caller may pass them already cast, e.g. kept from the forward pass).
    if (labels) m.lab = labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
    if (dense) m.yd = dense;
    if (this.prog.classConstants.length > 0) m.cc = tf.tensor2d(this.prog.classConstants.map((v) => [...v]));
    return m;
  }
  /** Per-sample values and the reduction textures `r{st}` the backward pass reads. */
  forward(b: WebglBackendLike, z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined): { value: Tensor1D; reds: Tensor[] } {
    const [B, C] = z.shape;
    const sh = this.shaders(C);
    const inputs = this.base(z, labels, dense);
    const reds: Tensor[] = [];
    for (const [st, ks] of sh.loopReds) {
      const r = this.run(b, sh.inputs('forward', st), inputs, [B, ks.length], this.source(`${C} forward ${st}`, () => sh.forward(st)));
      inputs[`r${st}`] = r;
      reds.push(r);
    }
    const value = this.run(b, sh.inputs('value'), inputs, [B], this.source(`${C} value`, () => sh.value())) as Tensor1D;
    if (inputs.lab && inputs.lab !== labels) inputs.lab.dispose();
    if (inputs.cc) inputs.cc.dispose();
    return { value, reds };
  }
  /** `dy_i · ∂l_i/∂z_ij` as a `[B, C]` tensor. */
  backward(b: WebglBackendLike, z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined, reds: readonly Tensor[], dy: Tensor): Tensor2D {
    const [B, C] = z.shape;
    const sh = this.shaders(C);
    const inputs = this.base(z, labels, dense);
    [...sh.loopReds.keys()].forEach((st, k) => {
      inputs[`r${st}`] = reds[k]!;
    });
    inputs.dy = dy;
    const temps: Tensor[] = [];
    for (let st = sh.maxStage; st >= 1; st--) {
      const ex = sh.expands.get(st);
      if (!ex) continue;
      const e = this.run(b, sh.inputs('e', st), inputs, [B, ex.length], this.source(`${C} e ${st}`, () => sh.e(st)));
      inputs[`e${st}`] = e;
      temps.push(e);
    }
    const g = this.run(b, sh.inputs('grad'), inputs, [B, C], this.source(`${C} grad ${B}`, () => sh.grad(B)), true) as Tensor2D;
    tf.dispose(temps);
    if (inputs.lab && inputs.lab !== labels) inputs.lab.dispose();
    if (inputs.cc) inputs.cc.dispose();
    return g;
  }
  /** Shader sources for `C` classes (debugging). */
  sources(C: number, B = 2): Record<string, string> {
    const sh = this.shaders(C);
    const out: Record<string, string> = { value: sh.value(), grad: sh.grad(B) };
    for (const st of sh.loopReds.keys()) out[`forward${st}`] = sh.forward(st);
    for (const st of sh.expands.keys()) out[`e${st}`] = sh.e(st);
    return out;
  }
}
