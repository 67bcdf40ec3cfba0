/**
 * Target `wasm-simd`: the host row kernels (`host.ts`) with each sweep over a row's classes handed to a
 * generated WebAssembly SIMD function (`wasm-module.ts`) that reads and writes the tfjs WASM heap in place.
 *
 * Exp reuse: when the backward pass is one class sweep with a log-sum-exp seed, the forward sweep can leave
 * exp(x_j − max x) in the gradient buffer and the backward sweep rescale it in place (one exp per logit in
 * total instead of two). `S[sk + K]` then holds that reduction's rescaled sum q.
 * @internal
 */
import { type Analysis, type Red, expandedScalars } from './analysis.js';
import type { Emitter } from './emitter.js';
import { type HostCode, type HostKernels, type HostSweeps, hostKernels } from './host.js';
import type { RowProgram, UnaryFn } from './program.js';
import { SweepModule, type SweepReduction } from './wasm-module.js';

/** Vector unary functions the SIMD code generator implements. */
const SIMD_UNARY: ReadonlySet<UnaryFn> = new Set(['neg', 'scale', 'pow', 'exp', 'sqrt', 'abs', 'relu', 'sigmoid', 'clip', 'detach', 'log', 'log1p', 'softplus', 'logSigmoid', 'xlogx']);

/** Whether every vector node of `prog` has a SIMD implementation (else the JS kernel is used). */
export function wasmSupports(prog: RowProgram): boolean {
  return prog.vec.every(
    (n) => n.t !== 'un' || (SIMD_UNARY.has(n.f) && (n.f !== 'pow' || (Number.isInteger(n.p.p) && Math.abs(n.p.p!) <= 8))),
  );
}

const asSweep = ([n, i]: readonly [Red, number]): SweepReduction => ({ id: i, f: n.f, x: n.x, m: n.m });

/** Sweeps as calls into the generated SIMD module (`W`), which shares the tfjs WASM heap. */
class SimdSweeps implements HostSweeps {
  private readonly wm: SweepModule;
  /** The log-sum-exp reduction whose exp the forward sweep leaves in the gradient buffer (see the file note). */
  private readonly reuseRed: number | undefined;
  readonly extraSlots: number;
  /** Backward sweeps generated so far (the first stores the gradient row, later ones add to it). */
  private sweeps = 0;
  /** Recompute the label's element in float64 after the sweep (see `backward`). */
  private relabel = false;
  constructor(an: Analysis) {
    this.wm = new SweepModule(an.prog);
    const loopStages = an.stages.filter((st) => an.seeds(st).length > 0);
    this.reuseRed = loopStages.length === 1 ? an.seeds(loopStages[0]!).find(([n]) => n.f === 'lse')?.[1] : undefined;
    this.extraSlots = this.reuseRed === undefined ? 0 : 1;
  }
  private lead(h: HostCode): string {
    return `o << 2, ${h.prog.sparse ? 'lab' : 'yo << 2'}, C, ccp`;
  }
  forward(h: HostCode, st: number, own: readonly (readonly [Red, number])[], companion: ReadonlyMap<number, number>, probe: boolean): string[] {
    const f: string[] = [];
    const reds = own.map(asSweep);
    const clos = h.an.vClosure(reds.map((r) => r.x));
    const params = [...new Set([...expandedScalars(h.prog, clos), ...reds.filter((r) => r.f === 'ties').map((r) => r.m!)])].sort((a, b) => a - b);
    const args = params.map((k) => `, s${k}`).join('');
    const lead = this.lead(h);
    this.wm.forward(`f${st}`, reds, clos, params, undefined, probe);
    // Each sweep returns its probe (0 unless a logit is not finite); the results are globals, each read once.
    const call = (fn: string, extra: string) => (probe ? `if (W.${fn}(${lead}${extra}${args}) !== 0) bad = 1;` : `W.${fn}(${lead}${extra}${args});`);
    if (this.reuseRed !== undefined && reds.some((r) => r.id === this.reuseRed)) {
      this.wm.forward(`f${st}s`, reds, clos, params, this.reuseRed, probe);
      f.push(`if (go >= 0) { ${call(`f${st}s`, ', (go + i * C) << 2')} } else { ${call(`f${st}`, '')} }`);
    } else f.push(call(`f${st}`, ''));
    for (const r of reds) if (r.f === 'lse') f.push(`const q${r.id} = W.q${r.id}.value;`);
    if (this.reuseRed !== undefined && reds.some((r) => r.id === this.reuseRed)) f.push(`S[i * ${h.stride} + ${h.K}] = q${this.reuseRed};`);
    for (const r of reds) f.push(`const s${r.id} = ${r.f === 'lse' ? `Math.log(q${r.id})` : `W.r${r.id}.value`};`);
    for (const [m, l] of companion) f.push(`const s${m} = W.m${l}.value;`);
    return f;
  }
  backwardSetup(h: HostCode): string[] {
    const { an } = h;
    // Relabel only without max/min seeds: their float64 recomputation could disagree with the float32 sweep
    // about which entries tie the extreme.
    const extremeSeeds = an.stages.some((st) => an.seeds(st).some(([n]) => n.f === 'max' || n.f === 'min'));
    this.relabel = h.prog.sparse && h.pointStages.length > 0 && !extremeSeeds;
    this.sweeps = 0;
    return [];
  }
  rowStart(h: HostCode): string[] {
    return [...(this.relabel ? ['let pl = 0;'] : []), ...(h.prog.sparse ? ['let pz = 0;'] : [])];
  }
  pointWrite(b: string): string {
    return `pz += ${b};`;
  }
  backward(h: HostCode, st: number, loop: readonly (readonly [Red, number])[]): string[] {
    const { an, prog, K } = h;
    const b: string[] = [];
    const seeds = loop.map(asSweep);
    const clos = an.vClosure(seeds.map((r) => r.x));
    const seedScalars = seeds.filter((r) => r.f !== 'sum' && r.f !== 'dotY').flatMap((r) => (r.m === undefined ? [r.id] : [r.id, r.m]));
    const params = [...new Set([...expandedScalars(prog, clos), ...seedScalars])].sort((x, y) => x - y);
    const adj = seeds.map((r) => r.id);
    const es = this.wm.backward(`b${st}`, seeds, clos, an.dzV, params, adj, this.sweeps > 0);
    // A max/min seed's adjoint is shared by the tied entries: the sweep receives a / ties.
    const adjArg = (r: SweepReduction) => (r.f === 'max' || r.f === 'min' ? `a${r.id} / s${an.tiesOf(r.id)}` : `a${r.id}`);
    const call = `${this.lead(h)}, gr << 2${params.map((k) => `, s${k}`).join('')}${seeds.map((r) => `, ${adjArg(r)}`).join('')}`;
    const reuse = this.reuseRed;
    if (reuse !== undefined && seeds.some((r) => r.id === reuse)) {
      this.wm.backward(`b${st}r`, seeds, clos, an.dzV, params, adj, false, reuse);
      b.push(`if (reuse) { if (W.b${st}r(${call}, a${reuse} / S[sk + ${K}]) !== 0) bad = 1; } else if (W.b${st}(${call}) !== 0) bad = 1;`);
    } else b.push(`if (W.b${st}(${call}) !== 0) bad = 1;`);
    // The label's element again in float64: a z_y point term may cancel most of it (squentropy at ±1e4).
    if (this.relabel) b.push('{', 'const j = lab;', ...h.vectorBackward(loop, (g) => (g === '0' ? '' : `pl += ${g};`), true), '}');
    for (const e of es) b.push(`a${e} += W.e${e}.value;`);
    this.sweeps++;
    return b;
  }
  rowEnd(h: HostCode): string[] {
    const b: string[] = [];
    const none = this.sweeps === 0;
    if (none) b.push('for (let j = 0; j < C; j++) g[gr + j] = 0;');
    const check = 'if (g[gr + lab] - g[gr + lab] !== 0) bad = 1;';
    if (this.relabel) b.push(none ? 'g[gr + lab] = pz;' : 'g[gr + lab] = pl + pz;', check);
    else if (h.prog.sparse && h.pointStages.length > 0) b.push(none ? 'g[gr + lab] = pz;' : 'g[gr + lab] += pz;', check);
    return b;
  }
  finish() {
    return { wasm: this.wm.bytes(), reusesExp: this.reuseRed !== undefined };
  }
}

/** The WebAssembly SIMD emitter (programs whose vector nodes all have a SIMD form). */
export const simdEmitter: Emitter<HostKernels> = {
  engine: 'wasm-simd',
  supports: wasmSupports,
  emit: (an: Analysis) => hostKernels(an, new SimdSweeps(an)),
};
