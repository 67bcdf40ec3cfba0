/**
 * A tiny elementwise program: the per-element update of an optimizer as a DAG over input streams (params, grads,
 * state buffers), per-step scalars and constants, with outputs written back to streams in place. The WebAssembly
 * emitter ({@link emitWasm}) and the scalar interpreter ({@link interpret}) run the same program.
 * @internal
 */


export type BinOp = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
export type UnOp = 'sqrt' | 'abs' | 'neg' | 'sign';

export type Node =
  | { readonly k: 'in'; readonly s: number }
  | { readonly k: 'sc'; readonly i: number }
  | { readonly k: 'c'; readonly v: number }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: number; readonly b: number }
  | { readonly k: 'un'; readonly op: UnOp; readonly a: number };

/** An elementwise program: `streams` inputs (stream 0 = params, 1 = grads, then state buffers), `scalars` per-step values. */
export interface Program {
  readonly streams: number;
  readonly scalars: number;
  readonly nodes: readonly Node[];
  /** Writes, applied after every read of the element: `stream ← nodes[node]`. */
  readonly outputs: readonly { readonly stream: number; readonly node: number }[];
}

/** Expression handle (a node index). */
export type Expr = number;

/** Builds a {@link Program} (hash-consed: equal nodes are shared). */
export class Builder {
  readonly nodes: Node[] = [];
  private readonly memo = new Map<string, number>();
  private scalarCount = 0;
  private streamCount: number;
  readonly outputs: { stream: number; node: number }[] = [];
  constructor(streams = 2) {
    this.streamCount = streams;
  }
  private add(n: Node): Expr {
    const key = JSON.stringify(n);
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    this.nodes.push(n);
    this.memo.set(key, this.nodes.length - 1);
    return this.nodes.length - 1;
  }
  /** A new state stream (its index). */
  stream(): number {
    return this.streamCount++;
  }
  input(s: number): Expr {
    return this.add({ k: 'in', s });
  }
  /** A new per-step scalar (its index and expression). */
  scalar(): { index: number; e: Expr } {
    const index = this.scalarCount++;
    return { index, e: this.add({ k: 'sc', i: index }) };
  }
  c(v: number): Expr {
    return this.add({ k: 'c', v: Math.fround(v) });
  }
  bin(op: BinOp, a: Expr, b: Expr): Expr {
    return this.add({ k: 'bin', op, a, b });
  }
  un(op: UnOp, a: Expr): Expr {
    return this.add({ k: 'un', op, a });
  }
  write(stream: number, e: Expr): void {
    this.outputs.push({ stream, node: e });
  }
  program(): Program {
    return { streams: this.streamCount, scalars: this.scalarCount, nodes: this.nodes, outputs: this.outputs };
  }
}

/**
 * Runs a program element by element in float32 (Math.fround after every op) on host arrays: the engine for backends
 * without the WASM heap, and a check of the emitter.
 */
export function interpret(prog: Program, arrays: readonly Float32Array[], scalars: readonly number[]): void {
  const n = arrays[0]!.length;
  const val = new Float64Array(prog.nodes.length);
  const f = Math.fround;
  const sc = scalars.map(f);
  for (let i = 0; i < n; i++) {
    prog.nodes.forEach((node, j) => {
      switch (node.k) {
        case 'in': val[j] = arrays[node.s]![i]!; break;
        case 'sc': val[j] = sc[node.i]!; break;
        case 'c': val[j] = node.v; break;
        case 'bin': {
          const a = val[node.a]!;
          const b = val[node.b]!;
          val[j] = f(node.op === 'add' ? a + b : node.op === 'sub' ? a - b : node.op === 'mul' ? a * b : node.op === 'div' ? a / b : node.op === 'min' ? Math.min(a, b) : Math.max(a, b));
          break;
        }
        case 'un': {
          const a = val[node.a]!;
          val[j] = node.op === 'sqrt' ? f(Math.sqrt(a)) : node.op === 'abs' ? Math.abs(a) : node.op === 'neg' ? -a : a > 0 ? 1 : a < 0 ? -1 : 0; // exact sign (core's signOf; tfjs-wasm's Sign is 0 below 1.2e-7)
          break;
        }
      }
    });
    for (const o of prog.outputs) arrays[o.stream]![i] = val[o.node]!;
  }
}
