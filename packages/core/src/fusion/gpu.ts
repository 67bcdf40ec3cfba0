/**
 * The GPU half of step 3 (see `index.ts`): the passes a fused loss runs on a GPU backend, written once in
 * terms of a {@link ShaderDialect} (GLSL in `glsl.ts`, WGSL in `wgsl.ts`). Per call:
 *
 * - forward: one pass per sweep stage with class reductions, output `[B, R_st]` (an invocation computes one
 *   reduction of one row, looping over its classes four at a time in `vec4`), then one `[B]` pass for the
 *   per-sample value;
 * - backward: one `[B, E_st]` pass per stage whose sweep also sums adjoints of broadcast scalars, then one
 *   `[B, C]` gradient pass in which an invocation recomputes a row's scalars and adjoints from those small
 *   outputs and writes `dy_i · ∂l_i/∂z_ij` for a few classes.
 *
 * So a fused loss allocates no `[B, C]` buffer besides the gradient, against one per node unfused. A target
 * supplies the dialect and a {@link ShaderBackend} that wraps a pass's body into its backend's program.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Analysis, Red } from './analysis.js';
import { type Dialect, reverseScalars, reverseVector, scalarValue } from './emitter.js';
import { type RowProgram, type UnaryFn, type VNode, classConstantsAt } from './program.js';

/** A shader language: the value/adjoint templates of {@link Dialect} plus integers, loops and `vec4`. */
export interface ShaderDialect extends Dialect {
  /** An integer declaration statement. */
  int(name: string, e: string): string;
  /** `for (j = from; j < to; j++) {` (the caller closes it). */
  loop(j: string, from: string, to: string): string;
  /** Integer from a float expression holding an integer (rounds). */
  toInt(e: string): string;
  /** A `vec4` of four float expressions / of one repeated. */
  vec4(...xs: string[]): string;
  /** A `vec4` declaration statement. */
  decl4(name: string, e: string): string;
  /** The `vec4` form of a unary function, or `undefined` when the template branches per value. */
  unary4(f: UnaryFn, x: string, p: Readonly<Record<string, number>>): string | undefined;
  /** 1.0 where `a == b` componentwise, else 0.0. */
  eq4(a: string, b: string): string;
  /** `b ≠ 0 ? a : 0` componentwise on `vec4`s (a select: a non-finite `a` where `b = 0` is not read). */
  where4(a: string, b: string): string;
  /** The one-hot of integer `lab` over the classes `j … j+3`. */
  label4(j: string, lab: string): string;
}

/** How a pass is laid out: `rows` computes `res` at (`i`, `col`) of `[B, cols]`; `value` at `i` of `[B]`; `grad` the `[B, C]` gradient. */
export type PassKind = 'rows' | 'value' | 'grad';

/** One GPU pass: its inputs (by name, bound in this order), output shape and source parts. */
export interface ShaderPass {
  /** Cache key of the source (program, row length, pass). */
  readonly key: string;
  readonly kind: PassKind;
  readonly names: readonly string[];
  readonly shape: readonly number[];
  /**
   * `rows` / `value`: statements computing `res` from `i` (and `col`). `grad`: `prologue` computes a row's
   * scalars and adjoints from `i`; `column` the gradient `g` at class `j` (declared by the caller).
   */
  readonly body: () => string[];
  readonly column?: () => string[];
}

/** What a GPU target's backend does with a pass. */
export interface ShaderBackend {
  /** Runs a pass on `inputs` (same order as `pass.names`) and returns its output tensor. */
  run(pass: ShaderPass, inputs: readonly Tensor[]): Tensor;
  /** `z` in the layout the shaders read (WebGL: unpacked); may return `z` itself. */
  prepare(z: Tensor2D): Tensor2D;
}

/** A GLSL/WGSL float literal (no `inf` in either: ±3.4e38 stands in for ±∞ as a max/min neutral). */
export function shaderLit(v: number): string {
  if (v === Infinity) return '3.4e38';
  if (v === -Infinity) return '(-3.4e38)';
  let s = String(Math.abs(v));
  if (!s.includes('.') && !s.includes('e')) s += '.0';
  else if (!s.includes('.')) s = s.replace('e', '.0e');
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

/** `x^p`: products for small integer `p` (GLSL/WGSL `pow` is undefined for negative bases). */
export function shaderPow(x: string, p: number, powFn: (x: string, p: string) => string): string {
  if (Number.isInteger(p) && Math.abs(p) <= 8) {
    if (p === 0) return '1.0';
    const prod = `(${Array.from({ length: Math.abs(p) }, () => x).join(' * ')})`;
    return p < 0 ? `(1.0 / ${prod})` : prod;
  }
  return powFn(x, shaderLit(p));
}

/**
 * The scalar `unary`, `unaryGrad` and `binary` templates of both shader languages, written once over the
 * dialect's `select` (GLSL's `c ? t : f`, WGSL's `select(f, t, c)`: the same value; the side not taken may be
 * ±∞ or NaN and is not read). `softplus` and `logSigmoid` use their branch-free forms, exact for any finite x.
 */
export function shaderScalarOps(select: Dialect['select']): Pick<Dialect, 'unary' | 'unaryGrad' | 'binary'> {
  const fl = shaderLit;
  const ipow = (x: string, p: number) => shaderPow(x, p, (a, q) => `pow(${a}, ${q})`);
  return {
    unary(f, x, p) {
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
        case 'softplus': return `(max(${x}, 0.0) + log(1.0 + exp(-abs(${x}))))`;
        case 'sigmoid': return `(1.0 / (1.0 + exp(-${x})))`;
        case 'logSigmoid': return `(min(${x}, 0.0) - log(1.0 + exp(-abs(${x}))))`;
        case 'clip': return `clamp(${x}, ${fl(p.lo!)}, ${fl(p.hi!)})`;
        case 'detach': return x;
        case 'xlogx': return select(`${x} > 0.0`, `${x} * log(${x})`, '0.0');
        case 'log1mexp': return `log(1.0 - exp(${x}))`;
      }
    },
    unaryGrad(f, x, out, g, p) {
      switch (f) {
        case 'neg': return `-${g}`;
        case 'scale': return `${fl(p.w!)} * ${g}`;
        case 'pow': return p.p === 0 ? '0.0' : p.p === 1 ? g : `${g} * ${fl(p.p!)} * ${ipow(x, p.p! - 1)}`;
        case 'exp': return `${g} * ${out}`;
        case 'log': return `${g} / ${x}`;
        case 'log1p': return `${g} / (1.0 + ${x})`;
        case 'sqrt': return `${g} * 0.5 / ${out}`;
        case 'abs': return select(`${x} > 0.0`, g, `-${g}`);
        case 'relu': return select(`${x} > 0.0`, g, '0.0');
        case 'softplus': return `${g} / (1.0 + exp(-${x}))`;
        case 'sigmoid': return `${g} * ${out} * (1.0 - ${out})`;
        case 'logSigmoid': return `${g} / (1.0 + exp(${x}))`;
        case 'clip': return select(`${x} >= ${fl(p.lo!)} && ${x} <= ${fl(p.hi!)}`, g, '0.0');
        case 'detach': return undefined;
        case 'xlogx': return select(`${x} > 0.0`, `${g} * (log(${x}) + 1.0)`, '0.0');
        case 'log1mexp': return `-${g} / (exp(-${x}) - 1.0)`;
      }
    },
    binary(f, a, b) {
      switch (f) {
        case 'plus': return `(${a} + ${b})`;
        case 'minus': return `(${a} - ${b})`;
        case 'times': return `(${a} * ${b})`;
        case 'div': return `(${a} / ${b})`;
        case 'maximum': return `max(${a}, ${b})`;
        case 'minimum': return `min(${a}, ${b})`;
        case 'where': return select(`${b} != 0.0`, a, '0.0');
      }
    },
  };
}

/** Shader sources of one program at one row length `C`. */
class ShaderPlan {
  /** Loop reductions per stage (their column order in the stage's output). */
  readonly loopReds: Map<number, number[]> = new Map();
  /** Broadcast scalars whose adjoints a stage's backward sweep sums (column order of `e{st}`). */
  readonly expands: Map<number, number[]> = new Map();
  private readonly prog: RowProgram;
  constructor(private readonly an: Analysis, private readonly d: ShaderDialect, private readonly C: number) {
    this.prog = an.prog;
    for (const st of an.stages) {
      const loop = an.loopReds(st).map(([, i]) => i);
      if (loop.length > 0) this.loopReds.set(st, loop);
      const clos = an.vClosure(an.seeds(st).map(([n]) => n.x));
      const ex = [...new Set(clos.filter((v) => an.dzV[v] && this.prog.vec[v]!.t === 'expand').map((v) => (this.prog.vec[v] as Extract<VNode, { t: 'expand' }>).s))];
      if (ex.length > 0) this.expands.set(st, ex);
    }
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
    const { d } = this;
    switch (n.t) {
      case 'z': return 'getZ(i, j)';
      case 'y': return this.prog.sparse ? d.select('j == labi', '1.0', '0.0') : 'getYd(i, j)';
      case 'num': return d.lit(n.v);
      case 'cc': return `getCc(${n.k}, j)`;
      case 'expand': return `s${n.s}`;
      case 'un': return d.unary(n.f, `v${n.a}`, n.p);
      case 'bin': return d.binary(n.f, `v${n.a}`, `v${n.b}`);
    }
  }
  private values(clos: readonly number[]): string[] {
    return clos.map((v) => this.d.decl(`v${v}`, this.vValue(v)));
  }
  /** Node `id` over the four classes `j … j+3` as a `vec4` expression, or `undefined` (see `unary4`). */
  private vValue4(id: number): string | undefined {
    const n = this.prog.vec[id]!;
    const { d } = this;
    const four = (f: (dj: string) => string) => d.vec4(...['', ' + 1', ' + 2', ' + 3'].map(f));
    switch (n.t) {
      case 'z': return four((dj) => `getZ(i, j${dj})`);
      case 'y': return this.prog.sparse ? d.label4('j', 'labi') : four((dj) => `getYd(i, j${dj})`);
      case 'num': return d.vec4(d.lit(n.v));
      case 'cc': return four((dj) => `getCc(${n.k}, j${dj})`);
      case 'expand': return d.vec4(`s${n.s}`);
      case 'un': return d.unary4(n.f, `w${n.a}`, n.p);
      case 'bin': return n.f === 'where' ? d.where4(`w${n.a}`, `w${n.b}`) : d.binary(n.f, `w${n.a}`, `w${n.b}`);
    }
  }
  /** `vec4 w…` declarations of a closure, or `undefined` when a node has no `vec4` form. */
  private values4(clos: readonly number[]): string[] | undefined {
    const out: string[] = [];
    for (const v of clos) {
      const e = this.vValue4(v);
      if (e === undefined) return undefined;
      out.push(this.d.decl4(`w${v}`, e));
    }
    return out;
  }
  private prelude(): string[] {
    return this.prog.sparse ? [this.d.int('labi', this.d.toInt('getLab(i) + 0.5'))] : [];
  }
  /** Every scalar of stage `from` … `upTo`, reading loop reductions from the `r{st}` outputs. */
  private scalars(upTo: number, from = 0): string[] {
    const out: string[] = [];
    const { d } = this;
    this.prog.sca.forEach((n, k) => {
      if (this.an.sStage[k]! > upTo || this.an.sStage[k]! < from) return;
      if (n.t !== 'red') out.push(d.decl(`s${k}`, scalarValue(d, this.prog, k, d.lit(this.C))));
      else if (this.an.isPoint(n)) {
        out.push(d.declMut(`s${k}`, '0.0'), '{', d.int('j', 'labi'), ...this.values(this.an.vClosure([n.x])), `s${k} = v${n.x};`, '}');
      } else {
        const st = this.an.sStage[k]!;
        out.push(d.decl(`s${k}`, `getR${st}(i, ${this.loopReds.get(st)!.indexOf(k)})`));
      }
    });
    return out;
  }
  /** The adjoint seed a reduction sends into its argument at class `j`. */
  private seed(r: Red, id: number): [number, string] {
    const x = `v${r.x}`;
    const a = `a${id}`;
    const e =
      r.f === 'sum' ? a
      : r.f === 'dotY' ? (this.prog.sparse ? a : `${a} * getYd(i, j)`)
      : r.f === 'lse' ? `${a} * exp((${x} - s${r.m}) - s${id})`
      : this.d.select(`${x} == s${id}`, `${a} / s${this.an.tiesOf(id)}`, '0.0');
    return [r.x, e];
  }
  /** Reverse mode at class `j` from `seeds`: values, adjoints, the logit's adjoint to `onZ`, broadcast adjoints to `onExpand`. */
  private vectorBackward(seeds: readonly (readonly [Red, number])[], onZ: (b: string) => string, onExpand: (s: number, b: string) => string | undefined): string[] {
    const clos = this.an.vClosure(seeds.map(([r]) => r.x));
    return [...this.values(clos), ...reverseVector(this.d, this.an, clos, seeds.map(([r, i]) => this.seed(r, i)), onZ, onExpand)];
  }
  /**
   * Scalar adjoints `a{k}` from the root down to stage `downTo` (point reads included; loop sweeps'
   * broadcast adjoints read from the `e{st}` outputs for st > downTo, or ≥ downTo with `withOwn`).
   * With `pz`, point reads also add their logit adjoint to `pz`.
   */
  private adjoints(downTo: number, withOwn: boolean, pz: boolean): string[] {
    const { an, d } = this;
    const out: string[] = [];
    this.prog.sca.forEach((_, k) => {
      if (an.dzS[k]) out.push(d.declMut(`a${k}`, k === this.prog.root ? 'getDy(i)' : '0.0'));
    });
    for (let st = an.maxStage; st >= downTo; st--) {
      out.push(...reverseScalars(d, an, st));
      for (const [n, i] of an.reds(st).filter(([m, k]) => an.dzS[k] && an.isPoint(m))) {
        out.push('{', d.int('j', 'labi'), ...this.vectorBackward([[n, i]], (b) => (pz ? `pz += ${b};` : ''), (s, b) => `a${s} += ${b};`), '}');
      }
      const ex = this.expands.get(st);
      if (ex && (st > downTo || withOwn)) ex.forEach((s, c) => out.push(`a${s} += getE${st}(i, ${c});`));
    }
    return out;
  }
  /**
   * The stage-`st` reductions, one output column each. Each invocation sweeps its row four classes at a time
   * in `vec4` arithmetic (SwiftShader runs `vec4` math as SIMD: CE's forward pass measured 1.4× faster than
   * one class per iteration on WebGL), then the `C mod 4` tail one at a time; a log-sum-exp keeps a running
   * max `m` and `q = Σ exp(x − m)`, rescaled when a chunk raises the max.
   */
  forward(st: number): string[] {
    const { d } = this;
    const body: string[] = [];
    this.loopReds.get(st)!.forEach((k, col) => {
      const r = this.prog.sca[k] as Red;
      const init = r.f === 'max' ? d.lit(-Infinity) : r.f === 'min' ? d.lit(Infinity) : '0.0';
      body.push(`${col === 0 ? '' : 'else '}if (col == ${col}) {`);
      body.push(...(r.f === 'lse' ? [d.declMut('m', '-3.4e38'), d.declMut('q', '0.0')] : [d.declMut('acc', init)]));
      body.push(...this.sweep(r), r.f === 'lse' ? 'res = log(q);' : 'res = acc;', '}');
    });
    return [...this.prelude(), ...this.scalars(st - 1), this.d.declMut('res', '0.0'), ...body];
  }
  /** The loop of one reduction over a row: `vec4` chunks where every node has a `vec4` form, then one class at a time. */
  private sweep(r: Red): string[] {
    const { d } = this;
    const clos = this.an.vClosure([r.x]);
    const n4 = this.C >= 8 ? Math.floor(this.C / 4) : 0;
    const vec = n4 > 0 ? this.values4(clos) : undefined;
    const out: string[] = [];
    if (vec) {
      const x = `w${r.x}`;
      const sum4 = (e: string) => `(${e}.x + ${e}.y) + (${e}.z + ${e}.w)`;
      out.push(d.loop('k4', '0', String(n4)), d.int('j', '4 * k4'), ...vec);
      if (r.f === 'sum') out.push(`acc += ${sum4(x)};`);
      else if (r.f === 'dotY') out.push(`acc += dot(${d.vec4('getYd(i, j)', 'getYd(i, j + 1)', 'getYd(i, j + 2)', 'getYd(i, j + 3)')}, ${x});`);
      else if (r.f === 'max') out.push(`acc = max(acc, max(max(${x}.x, ${x}.y), max(${x}.z, ${x}.w)));`);
      else if (r.f === 'min') out.push(`acc = min(acc, min(min(${x}.x, ${x}.y), min(${x}.z, ${x}.w)));`);
      else if (r.f === 'ties') out.push(`acc += dot(${d.eq4(x, d.vec4(`s${r.m}`))}, ${d.vec4('1.0')});`);
      else out.push(d.decl('mm', `max(max(${x}.x, ${x}.y), max(${x}.z, ${x}.w))`), 'if (mm > m) { q *= exp(m - mm); m = mm; }', d.decl4('e4', `exp(${x} - m)`), `q += ${sum4('e4')};`);
      out.push('}');
    }
    const from = vec ? 4 * n4 : 0;
    if (from < this.C) {
      out.push(d.loop('j', String(from), String(this.C)), ...this.values(clos));
      const x = `v${r.x}`;
      if (r.f === 'sum') out.push(`acc += ${x};`);
      else if (r.f === 'dotY') out.push(`acc += getYd(i, j) * ${x};`);
      else if (r.f === 'max') out.push(`acc = max(acc, ${x});`);
      else if (r.f === 'min') out.push(`acc = min(acc, ${x});`);
      else if (r.f === 'ties') out.push(`acc += ${d.select(`${x} == s${r.m}`, '1.0', '0.0')};`);
      else out.push(`if (${x} > m) { q = q * exp(m - ${x}) + 1.0; m = ${x}; } else { q += exp(${x} - m); }`);
      out.push('}');
    }
    return out;
  }
  /**
   * One invocation per row (the fused linear + loss of `linear-gpu.ts`): every loop reduction by its own sweep,
   * stored in the private array `red{st}` that the `getR{st}` of the scalars read (declared by the caller), the
   * per-sample value `res`, and with `grad` the gradient prologue (the caller then loops `j` over the classes with
   * {@link gradColumn}). `undefined` when a backward sweep also sums broadcast adjoints (that needs its own sweep).
   */
  fusedRow(grad: boolean): string[] | undefined {
    if (this.expands.size > 0) return undefined;
    const { d } = this;
    const out = [...this.prelude(), ...this.scalars(0)];
    for (const [st, ks] of this.loopReds) {
      ks.forEach((k, col) => {
        const r = this.prog.sca[k] as Red;
        const init = r.f === 'max' ? d.lit(-Infinity) : r.f === 'min' ? d.lit(Infinity) : '0.0';
        out.push('{', ...(r.f === 'lse' ? [d.declMut('m', '-3.4e38'), d.declMut('q', '0.0')] : [d.declMut('acc', init)]));
        out.push(...this.sweep(r), `red${st}[${col}] = ${r.f === 'lse' ? 'log(q)' : 'acc'};`, '}');
      });
    }
    out.push(...this.scalars(this.an.maxStage, 1), d.decl('res', `s${this.prog.root}`));
    if (grad) out.push(d.declMut('pz', '0.0'), ...this.adjoints(1, true, true));
    return out;
  }
  value(): string[] {
    return [...this.prelude(), ...this.scalars(this.an.maxStage), this.d.decl('res', `s${this.prog.root}`)];
  }
  /** Sums, over the row, of the adjoints of stage `st`'s broadcast scalars. */
  e(st: number): string[] {
    const { d } = this;
    const body: string[] = [];
    this.expands.get(st)!.forEach((s, col) => {
      body.push(`${col === 0 ? '' : 'else '}if (col == ${col}) {`, d.loop('j', '0', String(this.C)));
      body.push(...this.vectorBackward(this.an.seeds(st), () => '', (t, b) => (t === s ? `res += ${b};` : undefined)));
      body.push('}', '}');
    });
    return [...this.prelude(), ...this.scalars(this.an.maxStage), ...this.adjoints(st, false, false), d.declMut('res', '0.0'), ...body];
  }
  /** The gradient's row prologue: scalars and adjoints of row `i` (point-read adjoints summed in `pz`). */
  gradPrologue(): string[] {
    return [...this.prelude(), ...this.scalars(this.an.maxStage), this.d.declMut('pz', '0.0'), ...this.adjoints(1, true, true)];
  }
  /** The gradient `g` at class `j` (declared by the caller) of the row the prologue set up. */
  gradColumn(): string[] {
    const out: string[] = [this.d.declMut('g', '0.0')];
    for (let st = this.an.maxStage; st >= 1; st--) {
      const seeds = this.an.seeds(st);
      if (seeds.length > 0) out.push('{', ...this.vectorBackward(seeds, (b) => `g += ${b};`, () => undefined), '}');
    }
    if (this.prog.sparse) out.push('if (j == labi) { g += pz; }');
    return out;
  }
}

/** Forward and backward of one program on a GPU backend; pass sources are built per row length `C` and cached. */
export class GpuKernels {
  private readonly byC = new Map<number, ShaderPlan>();
  constructor(private readonly an: Analysis, private readonly d: ShaderDialect, private readonly tag: string) {}
  private plan(C: number): ShaderPlan {
    let s = this.byC.get(C);
    if (!s) {
      s = new ShaderPlan(this.an, this.d, C);
      this.byC.set(C, s);
    }
    return s;
  }
  private run(b: ShaderBackend, pass: Omit<ShaderPass, 'key'> & { key: string }, inputs: Record<string, Tensor>): Tensor {
    return b.run({ ...pass, key: `${this.tag} ${pass.key}` }, pass.names.map((n) => inputs[n]!));
  }
  /** Inputs every pass may read: logits, labels as floats or targets, class constants. */
  private base(z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined): Record<string, Tensor> {
    const m: Record<string, Tensor> = { z };
    // Labels as floats (the caller may pass them already cast, e.g. kept from the forward pass).
    if (labels) m.lab = labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
    if (dense) m.yd = dense;
    if (this.an.prog.classConstants.length > 0) m.cc = tf.tensor2d(classConstantsAt(this.an.prog, z.shape[1])!.map((v) => [...v]));
    return m;
  }
  private release(inputs: Record<string, Tensor>, labels: Tensor1D | undefined): void {
    if (inputs.lab && inputs.lab !== labels) inputs.lab.dispose();
    if (inputs.cc) inputs.cc.dispose();
  }
  /** Per-sample values and the reduction outputs `r{st}` the backward pass reads. */
  forward(b: ShaderBackend, z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined): { value: Tensor1D; reds: Tensor[] } {
    const [B, C] = z.shape;
    const sh = this.plan(C);
    const inputs = this.base(z, labels, dense);
    const reds: Tensor[] = [];
    for (const [st, ks] of sh.loopReds) {
      const r = this.run(b, { key: `${C} forward ${st}`, kind: 'rows', names: sh.inputs('forward', st), shape: [B, ks.length], body: () => sh.forward(st) }, inputs);
      inputs[`r${st}`] = r;
      reds.push(r);
    }
    const value = this.run(b, { key: `${C} value`, kind: 'value', names: sh.inputs('value'), shape: [B], body: () => sh.value() }, inputs) as Tensor1D;
    this.release(inputs, labels);
    return { value, reds };
  }
  /** `dy_i · ∂l_i/∂z_ij` as a `[B, C]` tensor. */
  backward(b: ShaderBackend, z: Tensor2D, labels: Tensor1D | undefined, dense: Tensor2D | undefined, reds: readonly Tensor[], dy: Tensor): Tensor2D {
    const [B, C] = z.shape;
    const sh = this.plan(C);
    const inputs = this.base(z, labels, dense);
    [...sh.loopReds.keys()].forEach((st, k) => {
      inputs[`r${st}`] = reds[k]!;
    });
    inputs.dy = dy;
    const temps: Tensor[] = [];
    for (let st = this.an.maxStage; st >= 1; st--) {
      const ex = sh.expands.get(st);
      if (!ex) continue;
      const e = this.run(b, { key: `${C} e ${st}`, kind: 'rows', names: sh.inputs('e', st), shape: [B, ex.length], body: () => sh.e(st) }, inputs);
      inputs[`e${st}`] = e;
      temps.push(e);
    }
    const g = this.run(b, { key: `${C} grad`, kind: 'grad', names: sh.inputs('grad'), shape: [B, C], body: () => sh.gradPrologue(), column: () => sh.gradColumn() }, inputs) as Tensor2D;
    tf.dispose(temps);
    this.release(inputs, labels);
    return g;
  }
  /** The loop reductions per stage (count) and the fused row body of {@link ShaderPlan.fusedRow} for `C` classes, with the gradient column. */
  fusedRow(C: number, grad: boolean): { reds: ReadonlyMap<number, number>; body: string[]; column: string[] } | undefined {
    const sh = this.plan(C);
    const body = sh.fusedRow(grad);
    if (!body) return undefined;
    return { reds: new Map([...sh.loopReds].map(([st, ks]) => [st, ks.length])), body, column: grad ? sh.gradColumn() : [] };
  }
  /** Pass bodies for `C` classes (debugging). */
  sources(C: number): Record<string, string> {
    const sh = this.plan(C);
    const out: Record<string, string> = { value: sh.value().join('\n'), grad: [...sh.gradPrologue(), ...sh.gradColumn()].join('\n') };
    for (const st of sh.loopReds.keys()) out[`forward${st}`] = sh.forward(st).join('\n');
    for (const st of sh.expands.keys()) out[`e${st}`] = sh.e(st).join('\n');
    return out;
  }
}
