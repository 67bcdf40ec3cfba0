/**
 * WebAssembly SIMD code for an elementwise {@link Program}: one exported function
 * `run(n, off_0, …, off_{S−1}, sc_0, …, sc_{K−1})` that walks n float32 elements of every stream (byte offsets into the
 * imported memory, i.e. the tfjs WASM backend's heap), 4 lanes at a time with `f32x4`, then the `n mod 4` tail with
 * scalar `f32` code, reading each element of every input once and writing each output once, in place.
 * @internal
 */
import type { Program } from './ir.js';

const I32 = 0x7f;
const F32 = 0x7d;
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
function sized(bytes: readonly number[], out: number[]): void {
  uleb(bytes.length, out);
  out.push(...bytes);
}
const f32le = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];

/** SIMD opcodes (after 0xfd). */
const V = { load: 0x00, store: 0x0b, const: 0x0c, splat: 0x13, lt: 0x43, gt: 0x44, le: 0x45, ge: 0x46, and: 0x4e, abs: 0xe0, neg: 0xe1, sqrt: 0xe3, add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, min: 0xe8, max: 0xe9 } as const;
/** Scalar f32 opcodes. */
const F = { load: 0x2a, store: 0x38, const: 0x43, abs: 0x8b, neg: 0x8c, sqrt: 0x91, add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, min: 0x96, max: 0x97, lt: 0x5d, gt: 0x5e, le: 0x5f, ge: 0x60 } as const;

/** The module bytes for `prog` (memory imported as `env.memory`, function exported as `run`). */
export function emitWasm(prog: Program): Uint8Array<ArrayBuffer> {
  const S = prog.streams;
  const K = prog.scalars;
  const params = [I32, ...new Array<number>(S).fill(I32), ...new Array<number>(K).fill(F32)];
  const locals: number[] = [];
  const local = (t: number) => params.length + locals.push(t) - 1;
  const c: number[] = [];
  const get = (l: number) => {
    c.push(0x20);
    uleb(l, c);
  };
  const set = (l: number) => {
    c.push(0x21);
    uleb(l, c);
  };
  const simd = (op: number) => {
    c.push(0xfd);
    uleb(op, c);
  };
  const iconst = (v: number) => {
    c.push(0x41);
    // small non-negative constants only (sleb of 0..63)
    uleb(v, c);
  };
  const N = 0;
  const off = (s: number) => 1 + s;
  const sc = (i: number) => 1 + S + i;
  const i = local(I32);
  const end4 = local(I32);
  const base = local(I32);
  const one = local(V128);
  const zero = local(V128);
  // Splat scalars and constants once.
  const vecOf = new Map<number, number>();
  prog.nodes.forEach((n, j) => {
    if (n.k === 'sc') {
      const l = local(V128);
      get(sc(n.i));
      simd(V.splat);
      set(l);
      vecOf.set(j, l);
    } else if (n.k === 'c') {
      const l = local(V128);
      const b = f32le(n.v);
      simd(V.const);
      c.push(...b, ...b, ...b, ...b);
      set(l);
      vecOf.set(j, l);
    }
  });
  for (const [l, v] of [[one, 1], [zero, 0]] as const) {
    const b = f32le(v);
    simd(V.const);
    c.push(...b, ...b, ...b, ...b);
    set(l);
  }
  const vNode = prog.nodes.map((_n, j) => vecOf.get(j) ?? local(V128));
  const sNode = prog.nodes.map(() => local(F32));
  // end4 = n & ~3
  get(N);
  c.push(0x41, 0x7c); // i32.const -4
  c.push(0x71); // i32.and
  set(end4);
  iconst(0);
  set(i);
  const loop = (width: 4 | 1, limit: number) => {
    c.push(0x02, 0x40, 0x03, 0x40); // block, loop
    get(i);
    get(limit);
    c.push(0x4f); // i32.ge_u
    c.push(0x0d, 0x01); // br_if 1
    get(i);
    iconst(2);
    c.push(0x74); // i32.shl
    set(base);
    prog.nodes.forEach((n, j) => {
      if (width === 4) {
        if (n.k === 'sc' || n.k === 'c') return;
        if (n.k === 'in') {
          get(off(n.s));
          get(base);
          c.push(0x6a); // i32.add
          simd(V.load);
          c.push(0x02, 0x00);
        } else if (n.k === 'bin') {
          get(vNode[n.a]!);
          get(vNode[n.b]!);
          simd(V[n.op]);
        } else if (n.op === 'sign') {
          // (x > 0 ? 1 : 0) − (x < 0 ? 1 : 0): exact, as core's signOf
          get(vNode[n.a]!);
          get(zero);
          simd(V.gt);
          get(one);
          simd(V.and);
          get(vNode[n.a]!);
          get(zero);
          simd(V.lt);
          get(one);
          simd(V.and);
          simd(V.sub);
        } else {
          get(vNode[n.a]!);
          simd(V[n.op]);
        }
        set(vNode[j]!);
      } else {
        if (n.k === 'in') {
          get(off(n.s));
          get(base);
          c.push(0x6a);
          c.push(F.load, 0x02, 0x00);
        } else if (n.k === 'sc') get(sc(n.i));
        else if (n.k === 'c') c.push(F.const, ...f32le(n.v));
        else if (n.k === 'bin') {
          get(sNode[n.a]!);
          get(sNode[n.b]!);
          c.push(F[n.op]);
        } else if (n.op === 'sign') {
          get(sNode[n.a]!);
          c.push(F.const, ...f32le(0), F.gt);
          get(sNode[n.a]!);
          c.push(F.const, ...f32le(0), F.lt);
          c.push(0x6b, 0xb2); // i32.sub, f32.convert_i32_s
        } else {
          get(sNode[n.a]!);
          c.push(F[n.op]);
        }
        set(sNode[j]!);
      }
    });
    for (const o of prog.outputs) {
      get(off(o.stream));
      get(base);
      c.push(0x6a);
      if (width === 4) {
        get(vNode[o.node]!);
        simd(V.store);
        c.push(0x02, 0x00);
      } else {
        get(sNode[o.node]!);
        c.push(F.store, 0x02, 0x00);
      }
    }
    get(i);
    iconst(width);
    c.push(0x6a);
    set(i);
    c.push(0x0c, 0x00); // br 0
    c.push(0x0b, 0x0b); // end loop, end block
  };
  loop(4, end4);
  loop(1, N);
  // Function body: locals (run-length) + code.
  const body: number[] = [];
  const groups: [number, number][] = [];
  for (const t of locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  uleb(groups.length, body);
  for (const [n, t] of groups) {
    uleb(n, body);
    body.push(t);
  }
  body.push(...c, 0x0b);
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]) => {
    out.push(id);
    sized(content, out);
  };
  const type: number[] = [1, 0x60];
  uleb(params.length, type);
  type.push(...params, 0x00);
  section(1, type);
  const name = (s: string, o: number[]) => sized([...new TextEncoder().encode(s)], o);
  const imp: number[] = [1];
  name('env', imp);
  name('memory', imp);
  imp.push(0x02, 0x00, 0x00);
  section(2, imp);
  section(3, [1, 0]);
  const exp: number[] = [1];
  name('run', exp);
  exp.push(0x00, 0x00);
  section(7, exp);
  const code: number[] = [1];
  sized(body, code);
  section(10, code);
  return new Uint8Array(out);
}
