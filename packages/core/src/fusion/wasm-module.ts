/**
 * The byte-level half of the `wasm-simd` target (`wasm.ts` is the emitter): a WebAssembly SIMD module with
 * one function per sweep over a row's classes. A sweep is a loop over `f32x4` lanes that evaluates its
 * vector nodes, accumulates its reductions (sums in `f64x2`, max/min in `f32x4`) and, in the backward pass,
 * writes `∂l/∂z` straight into the gradient row. The per-row scalar work stays in the JavaScript host
 * kernel (`host.ts`, float64). The module imports the tfjs WASM backend's own memory, so logits, targets
 * and the gradient are read and written where tfjs keeps them.
 *
 * Numerics: `exp` is a degree-6 polynomial after range reduction (Cephes `expf`, ≈1 ulp in float32);
 * scalars broadcast into a sweep (`lse`, `max`, ...) are split into two float32s (`hi + lo`) so that
 * `z - lse` keeps float64 accuracy even for ±1e4 logits. Sweeps over a row's classes run 4 lanes at a
 * time; the `C mod 4` tail runs the same code with one live lane.
 * @internal
 */
import { selectGuarded } from './analysis.js';
import { type RowProgram, type UnaryFn, type VNode, closureOf } from './program.js';

// ── binary encoding ──
const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(n: number, out: number[]): void {
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}
function sleb(n: number, out: number[]): void {
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}
const f32Bytes = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
const f64Bytes = (v: number) => [...new Uint8Array(new Float64Array([v]).buffer)];
const vec = (bytes: number[], out: number[]) => {
  uleb(bytes.length, out);
  out.push(...bytes);
};

/** SIMD opcodes (after the 0xfd prefix). */
const S = {
  load: 0x00, const: 0x0c, shuffle: 0x0d, i32splat: 0x11, f32splat: 0x13, f32extract: 0x1f, f64extract: 0x21,
  i32eq: 0x37, f32eq: 0x41, f32ne: 0x42, f32lt: 0x43, f32gt: 0x44, f32le: 0x45, f32ge: 0x46,
  and: 0x4e, bitselect: 0x52, store: 0x0b, load32zero: 0x5c, store32lane: 0x5a, f64promoteLow: 0x5f, f32nearest: 0x6a,
  or: 0x50, i32shl: 0xab, i32shrU: 0xad, i32add: 0xae, i32sub: 0xb1, f32convertI32: 0xfa, f32abs: 0xe0, f32neg: 0xe1, f32sqrt: 0xe3, f32add: 0xe4, f32sub: 0xe5, f32mul: 0xe6,
  f32div: 0xe7, f32min: 0xe8, f32max: 0xe9, f32pmin: 0xea, f32pmax: 0xeb, f64add: 0xf0,
} as const;

/** One function body under construction: a byte stream plus its locals. */
class Fn {
  readonly code: number[] = [];
  private readonly extra: number[] = [];
  constructor(readonly params: readonly number[]) {}
  local(type: number): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }
  op(...b: number[]): this {
    this.code.push(...b);
    return this;
  }
  simd(o: number, ...imm: number[]): this {
    this.code.push(0xfd);
    uleb(o, this.code);
    this.code.push(...imm);
    return this;
  }
  get(l: number): this {
    this.code.push(0x20);
    uleb(l, this.code);
    return this;
  }
  set(l: number): this {
    this.code.push(0x21);
    uleb(l, this.code);
    return this;
  }
  tee(l: number): this {
    this.code.push(0x22);
    uleb(l, this.code);
    return this;
  }
  i32(v: number): this {
    this.code.push(0x41);
    sleb(v, this.code);
    return this;
  }
  f64(v: number): this {
    this.code.push(0x44, ...f64Bytes(v));
    return this;
  }
  /** `v128.const` with four equal float32 lanes. */
  splat4(v: number): this {
    const b = f32Bytes(v);
    return this.simd(S.const, ...b, ...b, ...b, ...b);
  }
  v128(bytes: readonly number[]): this {
    return this.simd(S.const, ...bytes);
  }
  globalSet(g: number): this {
    this.code.push(0x24);
    uleb(g, this.code);
    return this;
  }
  globalGet(g: number): this {
    this.code.push(0x23);
    uleb(g, this.code);
    return this;
  }
  body(): number[] {
    const out: number[] = [];
    // Locals, run-length encoded.
    const groups: [number, number][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [n, t] of groups) {
      uleb(n, out);
      out.push(t);
    }
    out.push(...this.code, 0x0b);
    const sized: number[] = [];
    vec(out, sized);
    return sized;
  }
}

const MEM = [0x04, 0x00]; // memarg: align 2^4 is a hint only; offset 0
const MEM4 = [0x02, 0x00];
const LANE0_MASK = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const ZERO: readonly number[] = new Array(16).fill(0);

/** A reduction computed by a forward sweep. */
export interface SweepReduction {
  readonly id: number;
  readonly f: 'sum' | 'dotY' | 'max' | 'min' | 'lse' | 'ties';
  readonly x: number;
  /** For `lse`: the scalar id of the row maximum it is relative to (a backward-sweep parameter). */
  readonly m?: number | undefined;
}

/**
 * Collects the sweeps of one program and assembles them into one module.
 * Function parameters: `(zo, yl, C, ccp, [go,] ...f64 scalars)`, byte offsets except `yl`, which is the
 * integer label (sparse) or the byte offset of the target row (dense).
 */
export class SweepModule {
  private readonly fns: { name: string; fn: Fn }[] = [];
  private readonly globals: string[] = [];
  constructor(private readonly prog: RowProgram) {}

  /** Whether a sweep over `closure` with reductions `reds` reads the labels (then `Ctx.loop` peels the label's group). */
  private readsY(closure: readonly number[], reds: readonly SweepReduction[]): boolean {
    return this.prog.sparse && (reds.some((r) => r.f === 'dotY') || closure.some((v) => this.prog.vec[v]!.t === 'y'));
  }

  private global(name: string): number {
    const k = this.globals.indexOf(name);
    if (k >= 0) return k;
    return this.globals.push(name) - 1;
  }

  /**
   * A forward sweep: reductions `reds` (none of them point reads); scalars `params` passed in order.
   * With `probe`, the sweep also sums `z_j · 0` over the row and returns it (f64): 0 when every logit is
   * finite, NaN otherwise (validation inside the sweep: two f32x4 instructions per four classes); else 0.
   */
  forward(name: string, reds: readonly SweepReduction[], closure: readonly number[], params: readonly number[], store?: number, probe = false): void {
    // With `store` (a log-sum-exp reduction id): an extra i32 parameter `go` (byte offset of a [C] row),
    // which receives exp(x_j - max x) for the backward sweep to reuse.
    const fn = new Fn([I32, I32, I32, I32, ...(store === undefined ? [] : [I32]), ...params.map(() => F64)]);
    const ctx = new Ctx(this.prog, fn, params, store === undefined ? 4 : 5);
    const lseMax = this.lseMaxima(fn, ctx, reds.filter((r) => r.f === 'lse'));
    const accs = reds.map((r) => {
      const a = fn.local(V128);
      if (r.f === 'max') fn.splat4(-Infinity).set(a);
      else if (r.f === 'min') fn.splat4(Infinity).set(a);
      else fn.v128(ZERO).set(a);
      return a;
    });
    const t = fn.local(V128);
    const zId = this.prog.vec.findIndex((n) => n.t === 'z');
    const probeAcc = probe && closure.includes(zId) ? fn.local(V128) : -1;
    if (probeAcc >= 0) fn.v128(ZERO).set(probeAcc);
    ctx.loop((tail) => {
      ctx.values(closure, tail);
      if (probeAcc >= 0) fn.get(probeAcc).get(ctx.v(zId)).splat4(0).simd(S.f32mul).simd(S.f32add).set(probeAcc);
      reds.forEach((r, k) => {
        const a = accs[k]!;
        const x = ctx.v(r.x);
        switch (r.f) {
          case 'max':
          case 'min': {
            const neutral = r.f === 'max' ? -Infinity : Infinity;
            fn.get(a).get(x);
            if (tail) fn.splat4(neutral).v128(LANE0_MASK).simd(S.bitselect);
            fn.simd(r.f === 'max' ? S.f32max : S.f32min).set(a);
            return;
          }
          case 'sum':
            fn.get(x);
            break;
          case 'ties':
            // 1 where x equals the reduction m (a max/min of the same row, a float32 value, so hi is exact).
            fn.get(x).get(ctx.split(r.m!)[0]).simd(S.f32eq).splat4(1).simd(S.and);
            break;
          case 'dotY':
            fn.get(x).get(ctx.yVec()).simd(S.f32mul);
            break;
          case 'lse':
            fn.get(x).get(lseMax.get(r.id)!).simd(S.f32sub);
            ctx.exp();
            if (r.id === store) {
              fn.set(ctx.scratchV);
              fn.get(4).get(ctx.j).i32(2).op(0x74, 0x6a).get(ctx.scratchV);
              if (tail) fn.simd(S.store32lane, ...MEM4, 0);
              else fn.simd(S.store, ...MEM);
              fn.get(ctx.scratchV);
            }
            break;
        }
        ctx.accumulate(a, t, tail);
      });
    }, false, this.readsY(closure, reds));
    reds.forEach((r, k) => {
      if (r.f === 'max' || r.f === 'min') {
        horizontal(fn, accs[k]!, r.f);
        fn.globalSet(this.global(`r${r.id}`));
      } else {
        horizontal(fn, accs[k]!, 'sum');
        fn.globalSet(this.global(r.f === 'lse' ? `q${r.id}` : `r${r.id}`));
      }
    });
    // The result: the probe (read by the caller without a global's getter, which costs more than the sweep of a short row).
    if (probeAcc >= 0) laneSum(fn, probeAcc);
    else fn.f64(0);
    this.fns.push({ name, fn });
  }

  /**
   * Pass 1 of a forward sweep with log-sum-exp reductions: the maxima of their arguments (the row is then in
   * cache for pass 2), each stored in the global `m{id}` and splat into a local. Returns id → local.
   */
  private lseMaxima(fn: Fn, ctx: Ctx, lse: readonly SweepReduction[]): Map<number, number> {
    const lseMax = new Map<number, number>();
    if (lse.length === 0) return lseMax;
    const accs = lse.map(() => fn.local(V128));
    accs.forEach((a) => fn.splat4(-Infinity).set(a));
    const clos = closureOf(this.prog, lse.map((r) => r.x));
    // The usual case, one log-sum-exp of the logits themselves: 16 classes per iteration into four independent
    // maxima (one pmax chain is bound by its latency), then the loop below finishes the row's last C mod 16.
    const unrolled = lse.length === 1 && clos.length === 1 && this.prog.vec[clos[0]!]!.t === 'z';
    if (unrolled) maxOfLogits16(fn, ctx, accs[0]!);
    ctx.loop((tail) => {
      ctx.values(clos, tail);
      lse.forEach((r, k) => {
        fn.get(accs[k]!).get(ctx.v(r.x));
        if (tail) fn.set(ctx.scratchV).get(ctx.scratchV).splat4(-Infinity).v128(LANE0_MASK).simd(S.bitselect);
        // pmax (one instruction); a NaN argument still reaches the sum of pass 2.
        fn.simd(S.f32pmax).set(accs[k]!);
      });
    }, unrolled);
    lse.forEach((r, k) => {
      const m = fn.local(V128);
      horizontal(fn, accs[k]!, 'max');
      fn.tee(ctx.scratchF64).globalSet(this.global(`m${r.id}`));
      fn.get(ctx.scratchF64).op(0xb6).simd(S.f32splat).set(m);
      lseMax.set(r.id, m);
    });
    return lseMax;
  }

  /**
   * A backward sweep: seeds `a{id}` of the reductions into their arguments, reverse mode through
   * `closure`, then `g[j] (=|+=) ∂/∂z_j`; adjoints of broadcast scalars are summed into globals `e{s}`.
   * Scalars: `params` (values) then `adj` (adjoints `a{id}`), as f64 parameters in that order.
   * With `fromG` (a log-sum-exp seed id): the g row holds exp(x_j - max x) from the forward sweep, and a
   * last f64 parameter carries a/q, so the seed is g_j · a/q (no exp; g_j is then overwritten in place).
   * Validation inside the sweep: it returns Σ g_j · 0 (f64; 0 when every stored entry is finite).
   */
  backward(
    name: string, seeds: readonly SweepReduction[], closure: readonly number[], dzV: readonly boolean[],
    params: readonly number[], adj: readonly number[], accumulate: boolean, fromG?: number,
  ): readonly number[] {
    const fn = new Fn([I32, I32, I32, I32, I32, ...params.map(() => F64), ...adj.map(() => F64), ...(fromG === undefined ? [] : [F64])]);
    const sw = new BackwardSweep(this.prog, fn, new Ctx(this.prog, fn, params, 5), closure, dzV, params.length, adj, fromG);
    const valuesNeeded = sw.valuesNeeded(seeds);
    sw.ctx.loop((tail) => {
      sw.ctx.values(valuesNeeded, tail);
      sw.has.clear();
      for (const r of seeds) sw.seed(r, tail);
      const zId = sw.reverse(tail);
      sw.store(zId, accumulate, tail);
    }, false, this.readsY(valuesNeeded, seeds));
    for (const s of sw.expands) {
      horizontal(fn, sw.eAcc.get(s)!, 'sum');
      fn.globalSet(this.global(`e${s}`));
    }
    laneSum(fn, sw.probeAcc);
    this.fns.push({ name, fn });
    return sw.expands;
  }

  /** The assembled module's bytes. Memory is imported as `env.memory`. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]) => {
      out.push(id);
      vec(content, out);
    };
    // Types: one per function.
    const types: number[] = [];
    uleb(this.fns.length, types);
    for (const { fn } of this.fns) {
      types.push(0x60);
      uleb(fn.params.length, types);
      types.push(...fn.params, 0x01, F64); // every sweep returns its probe (see forward, backward)
    }
    section(1, types);
    const imp: number[] = [1];
    const name = (s: string, o: number[]) => vec([...new TextEncoder().encode(s)], o);
    name('env', imp);
    name('memory', imp);
    imp.push(0x02, 0x00, 0x00); // memory, limits {min: 0}
    section(2, imp);
    const funcs: number[] = [];
    uleb(this.fns.length, funcs);
    this.fns.forEach((_, k) => uleb(k, funcs));
    section(3, funcs);
    const glob: number[] = [];
    uleb(this.globals.length, glob);
    for (let k = 0; k < this.globals.length; k++) glob.push(F64, 0x01, 0x44, ...f64Bytes(0), 0x0b);
    section(6, glob);
    const exp: number[] = [];
    uleb(this.fns.length + this.globals.length, exp);
    this.fns.forEach(({ name: n }, k) => {
      name(n, exp);
      exp.push(0x00);
      uleb(k, exp);
    });
    this.globals.forEach((n, k) => {
      name(n, exp);
      exp.push(0x03);
      uleb(k, exp);
    });
    section(7, exp);
    const code: number[] = [];
    uleb(this.fns.length, code);
    for (const { fn } of this.fns) code.push(...fn.body());
    section(10, code);
    return new Uint8Array(out);
  }
}

/** State of one backward sweep function under construction: adjoint locals and the per-lane reverse pass. */
class BackwardSweep {
  /** Adjoint locals `b_v` of the closure's nodes on gradient paths; `has`: those written in this lane group. */
  private readonly bl = new Map<number, number>();
  readonly has = new Set<number>();
  private readonly adjL = new Map<number, number>();
  /** Broadcast scalars whose adjoints the sweep sums (`e{s}` globals), and their f64x2 accumulators. */
  readonly expands: number[];
  readonly eAcc = new Map<number, number>();
  readonly probeAcc: number;
  private readonly aq: number = -1;
  private readonly t: number;
  private readonly gOff: number;
  /** Nodes whose chain rule is skipped where their adjoint is 0 (see `selectGuarded`). */
  private readonly guard: readonly boolean[];
  constructor(
    private readonly prog: RowProgram, private readonly fn: Fn, readonly ctx: Ctx, private readonly closure: readonly number[],
    private readonly dzV: readonly boolean[], nParams: number, adj: readonly number[], private readonly fromG: number | undefined,
  ) {
    this.guard = selectGuarded(prog).guardV;
    if (fromG !== undefined) {
      this.aq = fn.local(V128);
      fn.get(5 + nParams + adj.length).op(0xb6).simd(S.f32splat).set(this.aq);
    }
    adj.forEach((id, k) => {
      const l = fn.local(V128);
      fn.get(5 + nParams + k).op(0xb6).simd(S.f32splat).set(l);
      this.adjL.set(id, l);
    });
    this.expands = [...new Set(closure.filter((v) => dzV[v] && prog.vec[v]!.t === 'expand').map((v) => (prog.vec[v] as Extract<VNode, { t: 'expand' }>).s))];
    for (const s of this.expands) {
      const l = fn.local(V128);
      fn.v128(ZERO).set(l);
      this.eAcc.set(s, l);
    }
    for (const v of closure) if (dzV[v]) this.bl.set(v, fn.local(V128));
    this.t = fn.local(V128);
    this.gOff = fn.local(I32);
    this.probeAcc = fn.local(V128);
    fn.v128(ZERO).set(this.probeAcc);
  }
  /**
   * Only the values the reverse pass reads: seeds that look at x (max/min, lse unless reused from g) and
   * the inputs/outputs of nonlinear nodes on gradient paths. CE with exp reuse then reads no logits at all.
   */
  valuesNeeded(seeds: readonly SweepReduction[]): number[] {
    const roots: number[] = [];
    for (const r of seeds) if (r.f === 'max' || r.f === 'min' || (r.f === 'lse' && r.id !== this.fromG)) roots.push(r.x);
    for (const v of this.closure) {
      const n = this.prog.vec[v]!;
      if (!this.dzV[v]) continue;
      if (n.t === 'un' && !(n.f === 'neg' || n.f === 'scale' || n.f === 'detach' || (n.f === 'pow' && n.p.p === 1))) roots.push(n.a, v);
      if (n.t === 'bin' && n.f !== 'plus' && n.f !== 'minus') roots.push(n.a, n.b);
    }
    return closureOf(this.prog, roots);
  }
  /** Stack: contribution → contribution where `b ≠ 0`, else 0, for node `v` under a select's value operand (see `selectGuarded`). */
  private unlessZero(v: number, b: number): void {
    if (this.guard[v]) this.fn.v128(ZERO).get(b).v128(ZERO).simd(S.f32ne).simd(S.bitselect);
  }
  /** Stack: contribution → `b_v (+)= contribution`. */
  private addTo(v: number): void {
    const l = this.bl.get(v)!;
    if (this.has.has(v)) this.fn.get(l).simd(S.f32add);
    this.has.add(v);
    this.fn.set(l);
  }
  /** Adds reduction `r`'s seed into its argument's adjoint. */
  seed(r: SweepReduction, tail: boolean): void {
    const { fn, ctx } = this;
    const a = this.adjL.get(r.id)!;
    switch (r.f) {
      case 'sum':
        fn.get(a);
        break;
      case 'dotY':
        fn.get(a).get(ctx.yVec()).simd(S.f32mul);
        break;
      case 'max':
      case 'min':
        fn.get(a).v128(ZERO).get(ctx.v(r.x)).get(ctx.split(r.id)[0]).simd(S.f32eq).simd(S.bitselect);
        break;
      case 'lse':
        if (r.id === this.fromG) {
          fn.get(4).get(ctx.j).i32(2).op(0x74, 0x6a);
          if (tail) fn.simd(S.load32zero, ...MEM4);
          else fn.simd(S.load, ...MEM);
          fn.get(this.aq).simd(S.f32mul);
        } else {
          // exp((x − m) − l): the row maximum first, so a huge m does not swallow l.
          const [mh, ml] = ctx.split(r.m!);
          const [hi, lo] = ctx.split(r.id);
          fn.get(ctx.v(r.x)).get(mh).simd(S.f32sub).get(ml).simd(S.f32sub).get(hi).simd(S.f32sub).get(lo).simd(S.f32sub);
          ctx.exp();
          fn.get(a).simd(S.f32mul);
        }
        break;
      case 'ties':
        throw new Error('unreachable: ties counts carry no gradient');
    }
    this.addTo(r.x);
  }
  /** Reverse mode through the closure for the current lanes; returns the logit node's id (or -1). */
  reverse(tail: boolean): number {
    const { fn, ctx } = this;
    let zId = -1;
    for (const v of [...this.closure].reverse()) {
      if (!this.dzV[v] || !this.has.has(v)) continue;
      const n = this.prog.vec[v]!;
      const b = this.bl.get(v)!;
      if (n.t === 'z') zId = v;
      else if (n.t === 'expand') {
        fn.get(b);
        if (tail) fn.v128(LANE0_MASK).simd(S.and);
        ctx.accumulate(this.eAcc.get(n.s)!, this.t, tail, true);
      } else if (n.t === 'un') {
        if (n.f === 'detach' || !this.dzV[n.a]) continue;
        ctx.unaryGrad(n.f, ctx.vMaybe(n.a), ctx.vMaybe(v), b, n.p);
        this.unlessZero(v, b);
        this.addTo(n.a);
      } else if (n.t === 'bin') this.binary(n, b, v);
    }
    return zId;
  }
  /** Adjoints of a binary node with adjoint local `b` (values only for the nonlinear cases; see valuesNeeded). */
  private binary(n: Extract<VNode, { t: 'bin' }>, b: number, id: number): void {
    const { fn, ctx } = this;
    const lin = n.f === 'plus' || n.f === 'minus';
    const A = lin ? -1 : ctx.v(n.a);
    const B = lin ? -1 : ctx.v(n.b);
    const da = this.dzV[n.a]!;
    const db = this.dzV[n.b]!;
    const to = (v: number, emit: () => void) => {
      emit();
      this.unlessZero(id, b);
      this.addTo(v);
    };
    switch (n.f) {
      case 'plus':
        if (da) to(n.a, () => fn.get(b));
        if (db) to(n.b, () => fn.get(b));
        break;
      case 'minus':
        if (da) to(n.a, () => fn.get(b));
        if (db) to(n.b, () => fn.get(b).simd(S.f32neg));
        break;
      case 'times':
        // ∂(a·b)/∂a = b; a factor known to be 1 in this body (see Ctx.loop) passes the adjoint unchanged.
        if (da) to(n.a, () => (ctx.known(n.b) === 1 ? fn.get(b) : fn.get(b).get(B).simd(S.f32mul)));
        if (db) to(n.b, () => (ctx.known(n.a) === 1 ? fn.get(b) : fn.get(b).get(A).simd(S.f32mul)));
        break;
      case 'div':
        if (da) to(n.a, () => fn.get(b).get(B).simd(S.f32div));
        if (db) to(n.b, () => fn.get(b).get(A).simd(S.f32mul).get(B).get(B).simd(S.f32mul).simd(S.f32div).simd(S.f32neg));
        break;
      case 'maximum':
      case 'minimum': {
        // tfjs: maximum sends dy to `a` where a >= b, minimum where a <= b.
        const cmp = n.f === 'maximum' ? S.f32ge : S.f32le;
        if (da) to(n.a, () => fn.get(b).v128(ZERO).get(A).get(B).simd(cmp).simd(S.bitselect));
        if (db) to(n.b, () => fn.v128(ZERO).get(b).get(A).get(B).simd(cmp).simd(S.bitselect));
        break;
      }
      case 'where':
        // A select: b where the mask is non-zero, else 0 (no gradient to the mask); a mask known non-zero passes b.
        if (da) {
          const m = ctx.known(n.b);
          to(n.a, () => (m !== undefined && m !== 0 && !Number.isNaN(m) ? fn.get(b) : fn.get(b).v128(ZERO).get(B).v128(ZERO).simd(S.f32ne).simd(S.bitselect)));
        }
        break;
    }
  }
  /** Writes (or adds, with `accumulate`) the logit adjoint into the g row (byte offset go + 4j) and probes it. */
  store(zId: number, accumulate: boolean, tail: boolean): void {
    const { fn, ctx, t, gOff } = this;
    fn.get(4).get(ctx.j).i32(2).op(0x74, 0x6a).set(gOff);
    if (zId >= 0 && this.has.has(zId)) fn.get(this.bl.get(zId)!);
    else fn.v128(ZERO);
    fn.set(t);
    if (accumulate) {
      fn.get(t).get(gOff);
      if (tail) fn.simd(S.load32zero, ...MEM4);
      else fn.simd(S.load, ...MEM);
      fn.simd(S.f32add).set(t);
    }
    fn.get(gOff).get(t);
    if (tail) fn.simd(S.store32lane, ...MEM4, 0);
    else fn.simd(S.store, ...MEM);
    // Σ g_j · 0 is 0 when every stored gradient entry is finite, else NaN.
    fn.get(this.probeAcc).get(t);
    if (tail) fn.v128(LANE0_MASK).simd(S.and); // the tail's other lanes hold values of no class
    fn.splat4(0).simd(S.f32mul).simd(S.f32add).set(this.probeAcc);
  }
}

/** `l[0] + l[1] + l[2] + l[3]` of an f32x4 local onto the stack as an f64 (NaN if any lane is NaN). */
function laneSum(fn: Fn, l: number): void {
  fn.get(l).simd(S.f32extract, 0).get(l).simd(S.f32extract, 1).op(0x92).get(l).simd(S.f32extract, 2).op(0x92).get(l).simd(S.f32extract, 3).op(0x92);
  fn.op(0xbb);
}

/**
 * `acc = pmax(acc, z_j)` over j = 0 … 16·⌊C/16⌋ − 1 of the row at byte offset param 0 (C: param 2), 16 classes per
 * iteration in four accumulators; leaves `ctx.j` at the first class not read.
 */
function maxOfLogits16(fn: Fn, ctx: Ctx, acc: number): void {
  const more = [fn.local(V128), fn.local(V128), fn.local(V128)];
  for (const a of more) fn.splat4(-Infinity).set(a);
  const end = fn.local(I32);
  fn.get(2).i32(-16).op(0x71).set(end); // C & ~15
  fn.i32(0).set(ctx.j);
  fn.op(0x02, 0x40, 0x03, 0x40); // block loop
  fn.get(ctx.j).get(end).op(0x4e, 0x0d, 0x01); // i32.ge_s; br_if 1
  [acc, ...more].forEach((a, u) => {
    fn.get(a).get(0).get(ctx.j).i32(2).op(0x74, 0x6a).simd(S.load, 0x04, 16 * u).simd(S.f32pmax).set(a);
  });
  fn.get(ctx.j).i32(16).op(0x6a).set(ctx.j);
  fn.op(0x0c, 0x00, 0x0b, 0x0b); // br 0; end; end
  fn.get(acc).get(more[0]!).simd(S.f32pmax).get(more[1]!).get(more[2]!).simd(S.f32pmax).simd(S.f32pmax).set(acc);
}

/** Horizontal reduction of a v128 local onto the stack as an f64 (`sum` of an f64x2, max/min of an f32x4). */
function horizontal(fn: Fn, l: number, f: 'sum' | 'max' | 'min'): void {
  if (f === 'sum') {
    fn.get(l).simd(S.f64extract, 0).get(l).simd(S.f64extract, 1).op(0xa0);
    return;
  }
  const o = f === 'max' ? 0x97 : 0x96; // f32.max / f32.min
  fn.get(l).simd(S.f32extract, 0).get(l).simd(S.f32extract, 1).op(o).get(l).simd(S.f32extract, 2).op(o).get(l).simd(S.f32extract, 3).op(o);
  fn.op(0xbb);
}

/** Per-function code generation state: the class loop, vector node values, scalar splats. */
class Ctx {
  readonly j: number;
  private readonly cEnd: number;
  private readonly vl = new Map<number, number>();
  private readonly hiLo = new Map<number, [number, number]>();
  readonly scratchF64: number;
  readonly scratchV: number;
  private readonly e1: number;
  private readonly e2: number;
  private readonly e3: number;
  /** Scratch locals of `log` and `log1p`. */
  private readonly g: readonly number[];
  private yl = -1;
  private tailMode = false;
  /** The body being emitted is specialised to y = 0 (see `loop`). */
  private yZero = false;
  /** Vector nodes with a known constant value in the body being emitted. */
  private readonly konst = new Map<number, number>();
  /** i32 local: the first class of the label's four-class group (see `loop`). */
  private readonly labelGroup: number;
  constructor(
    private readonly prog: RowProgram, private readonly fn: Fn, params: readonly number[], firstScalar: number,
  ) {
    this.j = fn.local(I32);
    this.cEnd = fn.local(I32);
    this.labelGroup = fn.local(I32);
    this.scratchF64 = fn.local(F64);
    this.scratchV = fn.local(V128);
    this.e1 = fn.local(V128);
    this.e2 = fn.local(V128);
    this.e3 = fn.local(V128);
    this.g = Array.from({ length: 6 }, () => fn.local(V128));
    const f32 = fn.local(F32);
    params.forEach((s, k) => {
      const hi = fn.local(V128);
      const lo = fn.local(V128);
      fn.get(firstScalar + k).op(0xb6).tee(f32).simd(S.f32splat).set(hi);
      fn.get(firstScalar + k).get(f32).op(0xbb).op(0xa1).op(0xb6).simd(S.f32splat).set(lo);
      this.hiLo.set(s, [hi, lo]);
    });
  }
  split(s: number): [number, number] {
    const r = this.hiLo.get(s);
    if (!r) throw new Error(`scalar s${s} is not a parameter of this sweep`);
    return r;
  }
  /** The local of a vector node's value, or -1 when this sweep did not compute it (linear gradients). */
  vMaybe(id: number): number {
    return this.vl.get(id) ?? -1;
  }
  v(id: number): number {
    const l = this.vl.get(id);
    if (l === undefined) throw new Error(`vector v${id} not computed`);
    return l;
  }
  /**
   * `for (j = 0; j + 4 <= C; j += 4) body(false); for (; j < C; j++) body(true)`; from the current `j` with `resume`.
   * With `peel` (sparse labels, a sweep that reads y): the four-class groups without the label run a body
   * specialised to y = 0 (`yZero`: y and what follows from it fold to constants, e.g. squentropy's
   * (1 − y)·(z − y)² becomes z², no per-lane label compare), the group holding the label and the tail the
   * general body: `[0, L) y=0 · [L, L+4) general · [L+4, C&~3) y=0 · tail general`, L = label & ~3.
   */
  loop(body: (tail: boolean) => void, resume = false, peel = false): void {
    const f = this.fn;
    if (!resume) f.i32(0).set(this.j);
    f.get(2).i32(-4).op(0x71).set(this.cEnd); // C & ~3
    const group = (end: number | 'cEnd', yZero: boolean) => {
      this.enter(false, yZero);
      f.op(0x02, 0x40, 0x03, 0x40); // block loop
      f.get(this.j).get(end === 'cEnd' ? this.cEnd : end).op(0x4e, 0x0d, 0x01); // i32.ge_s; br_if 1
      body(false);
      f.get(this.j).i32(4).op(0x6a).set(this.j);
      f.op(0x0c, 0x00, 0x0b, 0x0b); // br 0; end; end
    };
    if (peel && this.prog.sparse && !resume) {
      // L = label & ~3, or C & ~3 when the label is not in a full group (unsigned compare: also a bad label).
      const L = this.labelGroup;
      f.get(1).i32(-4).op(0x71).tee(L).get(this.cEnd).op(0x4f); // i32.ge_u
      f.op(0x04, 0x40).get(this.cEnd).set(L).op(0x0b); // if L = cEnd end
      group(L, true);
      // The label's group: j = L < C & ~3.
      f.get(this.j).get(this.cEnd).op(0x48); // i32.lt_s
      f.op(0x04, 0x40); // if
      this.enter(false, false);
      body(false);
      f.get(this.j).i32(4).op(0x6a).set(this.j);
      f.op(0x0b); // end
      group('cEnd', true);
    } else group('cEnd', false);
    this.enter(true, false);
    f.op(0x02, 0x40, 0x03, 0x40); // block loop
    f.get(this.j).get(2).op(0x4e, 0x0d, 0x01); // i32.ge_s; br_if 1
    body(true);
    f.get(this.j).i32(1).op(0x6a).set(this.j);
    f.op(0x0c, 0x00, 0x0b, 0x0b); // br 0; end; end
    this.enter(false, false);
  }
  /** Starts emitting one copy of a loop body: lane mode and y specialisation; forgets folded constants. */
  private enter(tail: boolean, yZero: boolean): void {
    this.tailMode = tail;
    this.yZero = yZero;
    this.konst.clear();
  }
  /** The constant value of vector node `id` in the body being emitted (numbers, and y in a y = 0 body), if known. */
  known(id: number): number | undefined {
    return this.konst.get(id);
  }
  private load(byteBase: () => void): void {
    byteBase();
    this.fn.get(this.j).i32(2).op(0x74, 0x6a);
    if (this.tailMode) this.fn.simd(S.load32zero, ...MEM4);
    else this.fn.simd(S.load, ...MEM);
  }
  /** The label / target vector of the current lanes (a local). */
  yVec(): number {
    if (this.yl < 0) this.yl = this.fn.local(V128);
    const f = this.fn;
    if (this.prog.sparse && this.yZero) f.v128(ZERO);
    else if (this.prog.sparse) {
      f.get(this.j).simd(S.i32splat).v128([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).simd(S.i32add);
      f.get(1).simd(S.i32splat).simd(S.i32eq).splat4(1).simd(S.and);
    } else this.load(() => f.get(1));
    f.set(this.yl);
    return this.yl;
  }
  /** Computes every node of `closure` into its local for the current lanes. */
  values(closure: readonly number[], tail: boolean): void {
    this.tailMode = tail;
    const f = this.fn;
    for (const id of closure) {
      const n = this.prog.vec[id]!;
      let l = this.vl.get(id);
      if (l === undefined) {
        l = f.local(V128);
        this.vl.set(id, l);
      }
      switch (n.t) {
        case 'z':
          this.load(() => f.get(0));
          break;
        case 'y':
          if (this.prog.sparse && this.yZero) this.konst.set(id, 0);
          f.get(this.yVec());
          break;
        case 'num':
          this.konst.set(id, Math.fround(n.v));
          f.splat4(n.v);
          break;
        case 'cc':
          this.load(() => f.get(3).get(2).i32(n.k).op(0x6c).i32(2).op(0x74, 0x6a));
          break;
        case 'expand':
          f.get(this.split(n.s)[0]);
          break;
        case 'un':
          this.unary(n.f, this.v(n.a), n.p);
          break;
        case 'bin':
          if (!this.fold(id, n)) this.binary(n);
          break;
      }
      f.set(l);
    }
  }
  /**
   * Pushes a binary node's value when an operand is a known constant and the result needs no arithmetic
   * (`x ± 0`, `x · 1`, `x / 1`; both operands known: the float32 result); returns false otherwise.
   * Exact: no product by 0 is folded (0 · ∞ must stay NaN).
   */
  private fold(id: number, n: Extract<VNode, { t: 'bin' }>): boolean {
    const f = this.fn;
    const a = this.konst.get(n.a);
    const b = this.konst.get(n.b);
    if (a !== undefined && b !== undefined && (n.f === 'plus' || n.f === 'minus' || n.f === 'times')) {
      const c = Math.fround(n.f === 'plus' ? a + b : n.f === 'minus' ? a - b : a * b);
      this.konst.set(id, c);
      f.splat4(c);
      return true;
    }
    const keep = (x: number) => {
      f.get(this.v(x));
      return true;
    };
    if (n.f === 'plus' && b === 0) return keep(n.a);
    if (n.f === 'plus' && a === 0) return keep(n.b);
    if (n.f === 'minus' && b === 0) return keep(n.a);
    if (n.f === 'times' && b === 1) return keep(n.a);
    if (n.f === 'times' && a === 1) return keep(n.b);
    if (n.f === 'div' && b === 1) return keep(n.a);
    // A select whose mask is known: the value where it is non-zero, +0 where it is zero (a is then never read).
    if (n.f === 'where' && b !== undefined && b !== 0 && !Number.isNaN(b)) return keep(n.a);
    return false;
  }
  private binary(n: Extract<VNode, { t: 'bin' }>): void {
    const f = this.fn;
    const A = this.prog.vec[n.a]!;
    const B = this.prog.vec[n.b]!;
    // a ± s with a broadcast scalar s = hi + lo: (a ± hi) ± lo keeps z - lse exact to float32 rounding.
    if ((n.f === 'plus' || n.f === 'minus') && B.t === 'expand') {
      const [hi, lo] = this.split(B.s);
      const o = n.f === 'plus' ? S.f32add : S.f32sub;
      f.get(this.v(n.a)).get(hi).simd(o).get(lo).simd(o);
      return;
    }
    if ((n.f === 'plus' || n.f === 'minus') && A.t === 'expand') {
      const [hi, lo] = this.split(A.s);
      f.get(hi).get(this.v(n.b)).simd(n.f === 'plus' ? S.f32add : S.f32sub).get(lo).simd(S.f32add);
      return;
    }
    if (n.f === 'where') {
      // A select (bits of a where b ≠ 0, else +0): a non-finite a under a zero mask never reaches the result.
      f.get(this.v(n.a)).v128(ZERO).get(this.v(n.b)).v128(ZERO).simd(S.f32ne).simd(S.bitselect);
      return;
    }
    f.get(this.v(n.a)).get(this.v(n.b));
    switch (n.f) {
      case 'plus': f.simd(S.f32add); break;
      case 'minus': f.simd(S.f32sub); break;
      case 'times': f.simd(S.f32mul); break;
      case 'div': f.simd(S.f32div); break;
      case 'maximum': f.simd(S.f32max); break;
      case 'minimum': f.simd(S.f32min); break;
    }
  }
  /** Pushes `f(x)` for a vector local `x`. */
  private unary(fnName: UnaryFn, x: number, p: Readonly<Record<string, number>>): void {
    const f = this.fn;
    switch (fnName) {
      case 'neg': f.get(x).simd(S.f32neg); return;
      case 'scale': f.get(x).splat4(p.w!).simd(S.f32mul); return;
      case 'pow': this.ipow(x, p.p!); return;
      case 'exp': f.get(x); this.exp(); return;
      case 'sqrt': f.get(x).simd(S.f32sqrt); return;
      case 'abs': f.get(x).simd(S.f32abs); return;
      case 'relu': f.get(x).splat4(0).simd(S.f32max); return; // f32x4.max keeps NaN (relu(NaN) = NaN)
      case 'sigmoid':
        f.splat4(1).splat4(1).get(x).simd(S.f32neg);
        this.exp();
        f.simd(S.f32add).simd(S.f32div);
        return;
      case 'clip': f.get(x).splat4(p.lo!).simd(S.f32max).splat4(p.hi!).simd(S.f32min); return;
      case 'log': f.get(x); this.log(); return;
      case 'log1p': f.get(x); this.log1p(); return;
      // max(x, 0) ± log1p(exp(−|x|)): the JS kernel's two branches in one (exact identities).
      case 'softplus':
      case 'logSigmoid': {
        f.get(x).splat4(0).simd(fnName === 'softplus' ? S.f32max : S.f32min);
        f.get(x).simd(S.f32abs).simd(S.f32neg);
        this.exp();
        this.log1p();
        f.simd(fnName === 'softplus' ? S.f32add : S.f32sub);
        return;
      }
      // x·log x for x > 0, else 0 (also for NaN, as the JS kernel's `x > 0 ? … : 0`).
      case 'xlogx':
        f.get(x).get(x);
        this.log();
        f.simd(S.f32mul).v128(ZERO).get(x).splat4(0).simd(S.f32gt).simd(S.bitselect);
        return;
      case 'detach': f.get(x); return;
      default: throw new Error(`no SIMD ${fnName}`);
    }
  }
  private ipow(x: number, p: number): void {
    const f = this.fn;
    const n = Math.abs(p);
    if (p < 0) f.splat4(1);
    if (n === 0) f.splat4(1);
    else {
      f.get(x);
      for (let k = 1; k < n; k++) f.get(x).simd(S.f32mul);
    }
    if (p < 0) f.simd(S.f32div);
  }
  /** Pushes `g · f'(x)` (tfjs conventions at kinks, as the JS kernel). */
  unaryGrad(fnName: UnaryFn, x: number, out: number, g: number, p: Readonly<Record<string, number>>): void {
    const f = this.fn;
    switch (fnName) {
      case 'neg': f.get(g).simd(S.f32neg); return;
      case 'scale': f.get(g).splat4(p.w!).simd(S.f32mul); return;
      case 'pow': {
        const q = p.p!;
        if (q === 0) f.splat4(0);
        else if (q === 1) f.get(g);
        else {
          this.ipow(x, q - 1);
          f.splat4(q).simd(S.f32mul).get(g).simd(S.f32mul);
        }
        return;
      }
      case 'exp': f.get(g).get(out).simd(S.f32mul); return;
      case 'sqrt': f.get(g).splat4(0.5).simd(S.f32mul).get(out).simd(S.f32div); return;
      case 'abs': f.get(g).get(g).simd(S.f32neg).get(x).splat4(0).simd(S.f32gt).simd(S.bitselect); return;
      case 'relu': f.get(g).v128(ZERO).get(x).splat4(0).simd(S.f32gt).simd(S.bitselect); return;
      case 'sigmoid': f.get(g).get(out).simd(S.f32mul).splat4(1).get(out).simd(S.f32sub).simd(S.f32mul); return;
      case 'log': f.get(g).get(x).simd(S.f32div); return;
      case 'log1p': f.get(g).splat4(1).get(x).simd(S.f32add).simd(S.f32div); return;
      // softplus' = 1/(1 + e^−x), logSigmoid' = 1/(1 + e^x).
      case 'softplus':
      case 'logSigmoid':
        f.get(g).splat4(1).get(x);
        if (fnName === 'softplus') f.simd(S.f32neg);
        this.exp();
        f.simd(S.f32add).simd(S.f32div);
        return;
      case 'xlogx':
        f.get(x);
        this.log();
        f.splat4(1).simd(S.f32add).get(g).simd(S.f32mul).v128(ZERO).get(x).splat4(0).simd(S.f32gt).simd(S.bitselect);
        return;
      case 'clip':
        f.get(g).v128(ZERO).get(x).splat4(p.lo!).simd(S.f32ge).get(x).splat4(p.hi!).simd(S.f32le).simd(S.and).simd(S.bitselect);
        return;
      default: throw new Error(`no SIMD gradient for ${fnName}`);
    }
  }
  /**
   * `exp` of the f32x4 on the stack: x clamped to [-87.5, 89], n = round(x·log2 e),
   * r = x - n·ln2 (two-part ln2), e^r by the Cephes polynomial, times 2·2^(n-1) (so n = 128 overflows
   * to +∞ and n = -126 flushes to 0, as float32 exp does).
   */
  /**
   * `log` of the f32x4 on the stack (Cephes `logf`: x = m·2^e with m ∈ [√½, √2), log(1 + (m − 1)) by a degree-8
   * polynomial, ≈1 ulp); log 0 = −∞, log ∞ = ∞, NaN for x < 0 or NaN. Subnormal x is not normalised (its
   * result is off by up to the subnormal's missing exponent range; float32 logits and probabilities that
   * reach a log are normal here).
   */
  log(): void {
    const f = this.fn;
    const [x, m, e, t] = this.g as [number, number, number, number];
    f.set(x);
    // e = float((bits >>> 23) − 126), m = mantissa with exponent of 0.5: x = m·2^e, m ∈ [0.5, 1).
    f.get(x).i32(23).simd(S.i32shrU).v128(i32x4(126)).simd(S.i32sub).simd(S.f32convertI32).set(e);
    f.get(x).v128(i32x4(0x007fffff)).simd(S.and).v128(i32x4(0x3f000000)).simd(S.or).set(m);
    // m < √½: e −= 1, m = 2m − 1; else m = m − 1.
    f.get(m).splat4(0.7071067811865476).simd(S.f32lt).set(t);
    f.get(e).get(t).splat4(1).simd(S.and).simd(S.f32sub).set(e);
    f.get(m).splat4(1).simd(S.f32sub).get(m).get(t).simd(S.and).simd(S.f32add).set(m);
    f.get(m).get(m).simd(S.f32mul).set(t); // z = m²
    f.splat4(7.0376836292e-2);
    for (const c of [-1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]) {
      f.get(m).simd(S.f32mul).splat4(c).simd(S.f32add);
    }
    f.get(m).simd(S.f32mul).get(t).simd(S.f32mul); // y = P(m)·m·z
    f.get(e).splat4(-2.12194440e-4).simd(S.f32mul).simd(S.f32add);
    f.get(t).splat4(-0.5).simd(S.f32mul).simd(S.f32add);
    f.get(m).simd(S.f32add).get(e).splat4(0.693359375).simd(S.f32mul).simd(S.f32add).set(t);
    // Special values.
    f.splat4(-Infinity).get(t).get(x).splat4(0).simd(S.f32eq).simd(S.bitselect).set(t);
    f.splat4(Infinity).get(t).get(x).splat4(Infinity).simd(S.f32eq).simd(S.bitselect).set(t);
    f.splat4(Number.NaN).get(t).get(x).splat4(0).simd(S.f32lt).get(x).get(x).simd(S.f32ne).simd(S.or).simd(S.bitselect);
  }
  /** `log1p` of the f32x4 on the stack: log(w)·u/(w − 1) with w = 1 + u (exact to a few ulps), u where w = 1. */
  log1p(): void {
    const f = this.fn;
    const [u, w, r] = [this.g[4]!, this.g[5]!, this.g[3]!];
    f.tee(u).splat4(1).simd(S.f32add).tee(w);
    this.log();
    f.get(u).simd(S.f32mul).get(w).splat4(1).simd(S.f32sub).simd(S.f32div).set(r);
    // w = 1 (|u| below half an ulp of 1): log1p(u) = u to float32 precision; u = ∞: ∞ (log(∞)·∞/∞ is NaN).
    f.get(u).get(r).get(w).splat4(1).simd(S.f32eq).simd(S.bitselect).set(r);
    f.get(u).get(r).get(u).splat4(Infinity).simd(S.f32eq).simd(S.bitselect);
  }
  exp(): void {
    const f = this.fn;
    const x = this.e1;
    const t = this.e2;
    // Clamp (pmax/pmin are single instructions and keep a NaN x), then t = x·log2 e + 1.5·2^23: the float
    // add rounds to the nearest integer n, whose bits sit in t's low mantissa (t_bits - 0x4b400000 = n).
    f.splat4(-87.5).simd(S.f32pmax).splat4(89).simd(S.f32pmin).tee(x);
    f.splat4(Math.LOG2E).simd(S.f32mul).splat4(MAGIC).simd(S.f32add).set(t);
    // r = x - n·C1 - n·C2, n = t - magic
    f.get(t).splat4(MAGIC).simd(S.f32sub).set(this.e3);
    f.get(x).get(this.e3).splat4(0.693359375).simd(S.f32mul).simd(S.f32sub).get(this.e3).splat4(-2.12194440e-4).simd(S.f32mul).simd(S.f32sub).set(x);
    // p = ((((c0 r + c1) r + c2) r + c3) r + c4) r + c5; e^r ≈ p r² + r + 1
    f.splat4(1.9875691500e-4).get(x).simd(S.f32mul).splat4(1.3981999507e-3).simd(S.f32add);
    for (const c of [8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]) f.get(x).simd(S.f32mul).splat4(c).simd(S.f32add);
    f.get(x).get(x).simd(S.f32mul).simd(S.f32mul).get(x).simd(S.f32add).splat4(1).simd(S.f32add);
    f.splat4(2).simd(S.f32mul);
    // 2^(n-1) from the exponent bits ((n - 1 + 127) << 23); n - 1 = -127 gives +0.
    f.get(t).v128(i32x4(126 - 0x4b400000)).simd(S.i32add).i32(23).simd(S.i32shl);
    f.simd(S.f32mul);
  }
  /** `acc += v` (f64x2) for the f32x4 on the stack; only lane 0 in the tail. `t` is a scratch local. */
  accumulate(acc: number, t: number, tail: boolean, masked = false): void {
    const f = this.fn;
    if (tail && !masked) f.v128(LANE0_MASK).simd(S.and);
    f.set(t);
    f.get(acc).get(t).simd(S.f64promoteLow).simd(S.f64add);
    if (!tail) f.get(t).get(t).simd(S.shuffle, ...HIGH_TO_LOW).simd(S.f64promoteLow).simd(S.f64add);
    f.set(acc);
  }
}

/** 1.5·2^23: adding it to a float32 of magnitude < 2^22 rounds to an integer held in the low mantissa bits. */
const MAGIC = 12582912;

function i32x4(v: number): number[] {
  const b = [...new Uint8Array(new Int32Array([v]).buffer)];
  return [...b, ...b, ...b, ...b];
}

let simdOk: boolean | undefined;
/** Whether this engine validates WebAssembly SIMD (checked once with a tiny module). */
export function simdAvailable(): boolean {
  if (simdOk !== undefined) return simdOk;
  try {
    // (func (result v128) i32.const 0 i32x4.splat)
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11]);
    simdOk = typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    simdOk = false;
  }
  return simdOk;
}
