/**
 * JavaScript code generation for {@link RowProgram}s: a forward kernel (per-row values, plus every
 * per-row scalar for the backward pass) and a backward kernel (reverse mode over the row program,
 * writing `dy_i · ∂l_i/∂z_ij` straight into the gradient buffer). Per row the forward pass makes one
 * sweep over the classes per reduction stage (CE: one), the backward pass one sweep per stage with a
 * differentiable reduction (CE: one). Accumulation is in float64; log-sum-exp is computed online
 * (running max, rescaled sum), so ±1e4 logits neither overflow nor underflow.
 * @internal
 */
import { type BinaryFn, type RowProgram, type SNode, type UnaryFn, type VNode, closureOf } from './program.js';
import { SweepModule, expandedScalars } from './wasm.js';

/**
 * Forward kernel: fills `out[i]` (the per-sample value) and `S[i*K + k]` (every scalar node). Returns 1 when
 * a logit or a per-sample value is not finite (checked inside the sweeps), else 0.
 */
export type ForwardKernel = (
  z: ArrayLike<number>, zo: number, labs: ArrayLike<number> | null, yd: ArrayLike<number> | null, ydo: number,
  B: number, C: number, out: Float32Array, S: Float64Array, cc: readonly Float64Array[], W?: WasmExports, ccp?: number,
  go?: number,
) => number;
/** Exports of an instantiated {@link SweepModule}: sweep functions and result globals. */
export type WasmExports = Record<string, ((...a: number[]) => void) | { value: number }>;
/** Backward kernel: writes `g[go + i*C + j] = dy[i] · ∂l_i/∂z_ij`; returns 1 when an entry it wrote is not finite, else 0. */
export type BackwardKernel = (
  z: ArrayLike<number>, zo: number, labs: ArrayLike<number> | null, yd: ArrayLike<number> | null, ydo: number,
  B: number, C: number, dy: ArrayLike<number>, g: Float32Array, go: number, S: Float64Array, cc: readonly Float64Array[],
  W?: WasmExports, ccp?: number, reuse?: boolean,
) => number;

export interface Kernels {
  readonly forward: ForwardKernel;
  readonly backward: BackwardKernel;
  /** Number of scalar nodes per row. */
  readonly K: number;
  /** Per-row stride of `S` (K, plus one slot when {@link Kernels.reusesExp}). */
  readonly stride: number;
  /**
   * SIMD only: the forward kernel, given a gradient row offset `go >= 0`, leaves exp(x - max x) there and
   * the backward kernel, given `reuse`, rescales it in place instead of computing the exp again.
   */
  readonly reusesExp: boolean;
  /** Generated source, for debugging. */
  readonly source: { readonly forward: string; readonly backward: string };
  /** With `{ wasm: true }`: the SIMD sweep module the kernels call (through `W`), memory imported as `env.memory`. */
  readonly wasm?: Uint8Array<ArrayBuffer>;
}

const lit = (v: number) => (Object.is(v, -0) ? '(-0)' : v < 0 ? `(${v})` : String(v));

function unaryValue(f: UnaryFn, x: string, p: Readonly<Record<string, number>>): string {
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
}

/** `d out / d x · g` (tfjs conventions at kinks: relu'(0) = 0, |x|'(0) = -1, clip inclusive). */
function unaryGrad(f: UnaryFn, x: string, out: string, g: string, p: Readonly<Record<string, number>>): string | undefined {
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
}

function binaryValue(f: BinaryFn, a: string, b: string): string {
  switch (f) {
    case 'plus': return `(${a} + ${b})`;
    case 'minus': return `(${a} - ${b})`;
    case 'times': return `(${a} * ${b})`;
    case 'div': return `(${a} / ${b})`;
    case 'maximum': return `Math.max(${a}, ${b})`;
    case 'minimum': return `Math.min(${a}, ${b})`;
  }
}

/**
 * Adjoint updates of a binary node (tfjs: maximum sends dy to `a` where a >= b, minimum where a <= b), as
 * statements in JavaScript or GLSL (`zero`: the literal 0 of the language). @internal
 */
export function binaryGrad(f: BinaryFn, a: string, b: string, g: string, ga: string | undefined, gb: string | undefined, zero = '0'): string {
  const s: string[] = [];
  const add = (t: string | undefined, e: string) => t && s.push(`${t} += ${e};`);
  switch (f) {
    case 'plus': add(ga, g); add(gb, g); break;
    case 'minus': add(ga, g); add(gb, `-${g}`); break;
    case 'times': add(ga, `${g} * ${b}`); add(gb, `${g} * ${a}`); break;
    case 'div': add(ga, `${g} / ${b}`); add(gb, `-${g} * ${a} / (${b} * ${b})`); break;
    case 'maximum': add(ga, `(${a} >= ${b} ? ${g} : 0)`); add(gb, `(${a} >= ${b} ? 0 : ${g})`); break;
    case 'minimum': add(ga, `(${a} <= ${b} ? ${g} : 0)`); add(gb, `(${a} <= ${b} ? 0 : ${g})`); break;
  }
  return s.join(' ');
}

/** Stage structure of a program, shared by the JS, WebAssembly and WebGL code generators. */
export interface Analysis {
  /** Sweep (stage) in which each scalar node is known; reductions run in the sweep of their stage. */
  readonly sStage: readonly number[];
  /** Whether each vector / scalar node carries a gradient to the logits that reaches the root (needs an adjoint). */
  readonly dzV: readonly boolean[];
  readonly dzS: readonly boolean[];
  readonly maxStage: number;
  /** A reduction that reads one element (`x_y` for integer labels) instead of sweeping the row. */
  isPoint(n: SNode): boolean;
  /** Vector nodes reachable from `roots`, ascending (topological). */
  vClosure(roots: readonly number[]): number[];
  /** Reductions / other scalar nodes of a stage, as `[node, id]`. */
  reds(stage: number): (readonly [SNode, number])[];
  scalarsAt(stage: number): (readonly [SNode, number])[];
  /** The `ties` reduction counting the entries equal to max/min node `id` (see `ReduceFn`). */
  tiesOf(id: number): number;
}

/** Stages and gradient dependence of a program's nodes. */
export function analyze(prog: RowProgram): Analysis {
  const { vec, sca, sparse, root } = prog;
  // Stages: a reduction runs in the sweep after every scalar its argument reads is known.
  const sStage: number[] = [];
  const vStage: number[] = [];
  const dzV: boolean[] = [];
  const dzS: boolean[] = [];
  // Vector and scalar ids are assigned interleaved in build order, but each list is topological on its own
  // and cross references (expand → scalar, red → vector) always point at nodes created earlier; resolve lazily.
  const vs = (id: number): number => {
    if (vStage[id] !== undefined) return vStage[id]!;
    const n = vec[id]!;
    const r = n.t === 'expand' ? ss(n.s) : n.t === 'un' ? vs(n.a) : n.t === 'bin' ? Math.max(vs(n.a), vs(n.b)) : 0;
    vStage[id] = r;
    dzV[id] = n.t === 'z' || (n.t === 'expand' && dzS[n.s]!) || (n.t === 'un' && n.f !== 'detach' && dzV[n.a]!) || (n.t === 'bin' && (dzV[n.a]! || dzV[n.b]!));
    return r;
  };
  const ss = (id: number): number => {
    if (sStage[id] !== undefined) return sStage[id]!;
    const n = sca[id]!;
    const r =
      n.t === 'red' ? (n.f === 'ties' ? Math.max(vs(n.x), ss(n.m!)) + 1 : vs(n.x) + 1) : n.t === 'un' ? ss(n.a) : n.t === 'bin' ? Math.max(ss(n.a), ss(n.b)) : 0;
    sStage[id] = r;
    dzS[id] = (n.t === 'red' && dzV[n.x]!) || (n.t === 'un' && n.f !== 'detach' && dzS[n.a]!) || (n.t === 'bin' && (dzS[n.a]! || dzS[n.b]!));
    return r;
  };
  sca.forEach((_, i) => ss(i));
  vec.forEach((_, i) => vs(i));
  const maxStage = Math.max(0, ...sStage);
  // Only nodes the root's gradient reaches need adjoints: e.g. the row maximum behind a log-sum-exp is
  // read through a stop-gradient, and seeding its reduction would cost a compare per class for nothing.
  const liveS = new Array<boolean>(sca.length).fill(false);
  const liveV = new Array<boolean>(vec.length).fill(false);
  const reachS = (id: number): void => {
    if (liveS[id] || !dzS[id]) return;
    liveS[id] = true;
    const n = sca[id]!;
    if (n.t === 'red') reachV(n.x);
    else if (n.t === 'un' && n.f !== 'detach') reachS(n.a);
    else if (n.t === 'bin') {
      reachS(n.a);
      reachS(n.b);
    }
  };
  const reachV = (id: number): void => {
    if (liveV[id] || !dzV[id]) return;
    liveV[id] = true;
    const n = vec[id]!;
    if (n.t === 'expand') reachS(n.s);
    else if (n.t === 'un' && n.f !== 'detach') reachV(n.a);
    else if (n.t === 'bin') {
      reachV(n.a);
      reachV(n.b);
    }
  };
  reachS(root);
  sca.forEach((_, i) => (dzS[i] = liveS[i]!));
  vec.forEach((_, i) => (dzV[i] = liveV[i]!));

  const isPoint = (n: SNode) => n.t === 'red' && n.f === 'dotY' && sparse;
  const vClosure = (roots: readonly number[]): number[] => closureOf(prog, roots);
  const reds = (stage: number) => sca.map((n, i) => [n, i] as const).filter(([n, i]) => n.t === 'red' && sStage[i] === stage);
  const scalarsAt = (stage: number) => sca.map((n, i) => [n, i] as const).filter(([n, i]) => n.t !== 'red' && sStage[i] === stage);
  const tiesOf = (id: number) => sca.findIndex((n) => n.t === 'red' && n.f === 'ties' && n.m === id);
  return { sStage, dzV, dzS, maxStage, isPoint, vClosure, reds, scalarsAt, tiesOf };
}

/** Generates (and compiles with `new Function`) the forward and backward kernels of a program. */
export function generateKernels(prog: RowProgram, options: { readonly wasm?: boolean } = {}): Kernels {
  const wm = options.wasm ? new SweepModule(prog) : undefined;
  const { vec, sca, root, sparse } = prog;
  const K = sca.length;
  const { sStage, dzV, dzS, maxStage, isPoint, vClosure, reds, scalarsAt, tiesOf } = analyze(prog);
  // Exp reuse (SIMD only): when the backward pass is one class sweep with a log-sum-exp seed, the forward
  // sweep can leave exp(x_j - max x) in the gradient buffer and the backward sweep rescale it in place
  // (one exp per logit in total instead of two). `S[sk + K]` then holds that reduction's rescaled sum q.
  const bwdLoopStages = [...Array(maxStage).keys()].map((k) => k + 1).filter((st) => reds(st).some(([n, i]) => dzS[i] && !isPoint(n)));
  const reuseRed =
    wm && bwdLoopStages.length === 1
      ? reds(bwdLoopStages[0]!).find(([n, i]) => dzS[i] && n.t === 'red' && n.f === 'lse')?.[1]
      : undefined;
  const stride = K + (reuseRed === undefined ? 0 : 1);
  const vValue = (id: number): string => {
    const n: VNode = vec[id]!;
    switch (n.t) {
      case 'z': return `z[o + j]`;
      case 'y': return sparse ? `(j === lab ? 1 : 0)` : `yd[yo + j]`;
      case 'num': return lit(n.v);
      case 'cc': return `cc${n.k}[j]`;
      case 'expand': return `s${n.s}`;
      case 'un': return unaryValue(n.f, `v${n.a}`, n.p);
      case 'bin': return binaryValue(n.f, `v${n.a}`, `v${n.b}`);
    }
  };
  const sValue = (id: number): string => {
    const n = sca[id]!;
    switch (n.t) {
      case 'num': return lit(n.v);
      case 'C': return 'C';
      case 'un': return unaryValue(n.f, `s${n.a}`, n.p);
      case 'bin': return binaryValue(n.f, `s${n.a}`, `s${n.b}`);
      case 'red': throw new Error('unreachable');
    }
  };
  const header = [
    '"use strict";',
    ...prog.classConstants.map((_, k) => `const cc${k} = cc[${k}];`),
  ];
  const rowHeader = ['const o = zo + i * C;', sparse ? 'const lab = labs[i];' : 'const yo = ydo + i * C;'];

  // ── forward ──
  // Validation inside the kernel: `pr` sums z·0 over every logit (0 if all are finite, else NaN) in the first
  // sweep that reads the logits, and `bad` flags a non-finite per-sample value; the kernel returns 1 if either.
  const zId = vec.findIndex((n) => n.t === 'z');
  const probeStage = [...Array(maxStage).keys()]
    .map((k) => k + 1)
    .find((st) => reds(st).some(([n]) => !isPoint(n) && vClosure([(n as Extract<SNode, { t: 'red' }>).x]).includes(zId)));
  const f: string[] = [...header, 'let bad = 0, pr = 0;', 'for (let i = 0; i < B; i++) {', ...rowHeader];
  if (probeStage === undefined) f.push('for (let j = 0; j < C; j++) pr += z[o + j] * 0;');
  for (const [, i] of scalarsAt(0)) f.push(`const s${i} = ${sValue(i)};`);
  for (let st = 1; st <= maxStage; st++) {
    const rs = reds(st);
    const loop = rs.filter(([n]) => !isPoint(n));
    const point = rs.filter(([n]) => isPoint(n));
    // A log-sum-exp sweep finds its row maximum itself: the companion `max` node (`m`) reads it from there.
    const companion = new Map<number, number>();
    for (const [n, i] of loop) if (n.t === 'red' && n.f === 'lse' && n.m !== undefined) companion.set(n.m, i);
    const own = loop.filter(([, i]) => !companion.has(i));
    if (loop.length > 0 && wm) {
      const reds = own.map(([n, i]) => ({ id: i, f: (n as Extract<SNode, { t: 'red' }>).f, x: (n as Extract<SNode, { t: 'red' }>).x, m: (n as Extract<SNode, { t: 'red' }>).m }));
      const clos = vClosure(reds.map((r) => r.x));
      const params = [...new Set([...expandedScalars(prog, clos), ...reds.filter((r) => r.f === 'ties').map((r) => r.m!)])].sort((a, b) => a - b);
      const args = `${params.map((k) => `, s${k}`).join('')}`;
      const lead = `o << 2, ${sparse ? 'lab' : 'yo << 2'}, C, ccp`;
      const probe = st === probeStage;
      wm.forward(`f${st}`, reds, clos, params, undefined, probe);
      const check = (name: string) => (probe ? ` if (W.pz${name}.value !== 0) bad = 1;` : '');
      if (reuseRed !== undefined && reds.some((r) => r.id === reuseRed)) {
        wm.forward(`f${st}s`, reds, clos, params, reuseRed, probe);
        f.push(`if (go >= 0) { W.f${st}s(${lead}, (go + i * C) << 2${args});${check(`f${st}s`)} } else { W.f${st}(${lead}${args});${check(`f${st}`)} }`);
        f.push(`S[i * ${stride} + ${K}] = W.q${reuseRed}.value;`);
      } else f.push(`W.f${st}(${lead}${args});${check(`f${st}`)}`);
      for (const r of reds) f.push(`const s${r.id} = ${r.f === 'lse' ? `Math.log(W.q${r.id}.value)` : `W.r${r.id}.value`};`);
      for (const [m, l] of companion) f.push(`const s${m} = W.m${l}.value;`);
    } else if (loop.length > 0) {
      for (const [n, i] of own) {
        const r = n as Extract<SNode, { t: 'red' }>;
        if (r.f === 'sum' || r.f === 'dotY' || r.f === 'ties') f.push(`let r${i} = 0;`);
        else if (r.f === 'max') f.push(`let r${i} = -Infinity;`);
        else if (r.f === 'min') f.push(`let r${i} = Infinity;`);
        else f.push(`let m${i} = -Infinity, q${i} = 0;`);
      }
      f.push('for (let j = 0; j < C; j++) {');
      for (const v of vClosure(own.map(([n]) => (n as Extract<SNode, { t: 'red' }>).x))) f.push(`const v${v} = ${vValue(v)};`);
      if (st === probeStage) f.push(`pr += z[o + j] * 0;`);
      for (const [n, i] of own) {
        const r = n as Extract<SNode, { t: 'red' }>;
        const x = `v${r.x}`;
        if (r.f === 'sum') f.push(`r${i} += ${x};`);
        else if (r.f === 'dotY') f.push(`r${i} += yd[yo + j] * ${x};`);
        // NaN wins (a max or min over a row with a NaN is NaN, as in tfjs and IEEE max).
        else if (r.f === 'max') f.push(`if (${x} > r${i} || ${x} !== ${x}) r${i} = ${x};`);
        else if (r.f === 'min') f.push(`if (${x} < r${i} || ${x} !== ${x}) r${i} = ${x};`);
        else if (r.f === 'ties') f.push(`if (${x} === s${r.m}) r${i} += 1;`);
        // Online log-sum-exp; a −∞ entry adds 0 (exp(−∞ − (−∞)) would be NaN while m is still −∞), NaN propagates.
        else f.push(`if (${x} > m${i}) { q${i} = q${i} * Math.exp(m${i} - ${x}) + 1; m${i} = ${x}; } else if (${x} !== -Infinity) q${i} += Math.exp(${x} - m${i});`);
      }
      f.push('}');
      for (const [n, i] of own) f.push(`const s${i} = ${(n as Extract<SNode, { t: 'red' }>).f === 'lse' ? `Math.log(q${i})` : `r${i}`};`);
      for (const [m, l] of companion) f.push(`const s${m} = m${l};`);
    }
    for (const [n, i] of point) {
      const x = (n as Extract<SNode, { t: 'red' }>).x;
      f.push(`let s${i};`, '{', 'const j = lab;');
      for (const v of vClosure([x])) f.push(`const v${v} = ${vValue(v)};`);
      f.push(`s${i} = v${x};`, '}');
    }
    for (const [, i] of scalarsAt(st)) f.push(`const s${i} = ${sValue(i)};`);
  }
  f.push(`out[i] = s${root};`, 'if (out[i] - out[i] !== 0) bad = 1;', 'const sk = i * ' + stride + ';');
  for (let k = 0; k < K; k++) f.push(`S[sk + ${k}] = s${k};`);
  f.push('}', 'return bad || pr !== 0 ? 1 : 0;');

  // ── backward ──
  // Validation inside the kernel: the kernel returns 1 when a gradient entry it wrote is not finite (the SIMD
  // sweeps sum g·0 into a global per row; the JS kernel sums it over the row it just wrote).
  const b: string[] = [...header, 'let bad = 0;', 'for (let i = 0; i < B; i++) {', ...rowHeader, 'const gr = go + i * C;', 'const sk = i * ' + stride + ';'];
  for (let k = 0; k < K; k++) b.push(`const s${k} = S[sk + ${k}];`);
  for (let k = 0; k < K; k++) if (dzS[k]) b.push(`let a${k} = ${k === root ? 'dy[i]' : '0'};`);
  type Red = Extract<SNode, { t: 'red' }>;
  const dzReds = (st: number) => reds(st).filter(([, i]) => dzS[i]);
  const loopStages: number[] = [];
  const pointStages: number[] = [];
  for (let st = 1; st <= maxStage; st++) {
    if (dzReds(st).some(([n]) => !isPoint(n))) loopStages.push(st);
    if (dzReds(st).some(([n]) => isPoint(n))) pointStages.push(st);
  }
  // `direct`: at most one class sweep, run after every point read: it writes g[j] once (float64 sum, one
  // rounding). Otherwise the row's gradient accumulates in a float64 scratch row first.
  // With SIMD sweeps (`wm`): the first sweep stores the row's gradient and later ones add to it; point
  // reads accumulate in `pz`, added to g[lab] at the end.
  const direct = wm !== undefined || (loopStages.length <= 1 && pointStages.every((st) => st >= (loopStages[0] ?? 0)));
  let sweeps = 0;
  // Relabel (recompute the label's element in float64 after the SIMD sweep) only without max/min seeds: their
  // float64 recomputation could disagree with the float32 sweep about which entries tie the extreme.
  const extremeSeeds = [...Array(maxStage).keys()].some((k) => dzReds(k + 1).some(([n]) => !isPoint(n) && ((n as Red).f === 'max' || (n as Red).f === 'min')));
  const relabel = wm !== undefined && sparse && pointStages.length > 0 && !extremeSeeds;
  if (relabel) b.push('let pl = 0;');
  if (!direct) b.splice(header.length, 0, 'const acc = new Float64Array(C);');
  b.push(direct ? (sparse ? 'let pz = 0;' : '') : 'acc.fill(0);');
  const emitVectorBackward = (ids: readonly number[], seeds: readonly [number, string][], write: 'loop' | 'point' | 'relabel') => {
    const clos = vClosure(ids);
    for (const v of clos) b.push(`const v${v} = ${vValue(v)};`);
    for (const v of clos) if (dzV[v]) b.push(`let b${v} = 0;`);
    for (const [v, e] of seeds) b.push(`b${v} += ${e};`);
    let zId = -1;
    for (const v of [...clos].reverse()) {
      if (!dzV[v]) continue;
      const n = vec[v]!;
      if (n.t === 'z') zId = v;
      else if (n.t === 'expand') {
        if (write !== 'relabel') b.push(`a${n.s} += b${v};`);
      } else if (n.t === 'un') {
        const g = unaryGrad(n.f, `v${n.a}`, `v${v}`, `b${v}`, n.p);
        if (g !== undefined && dzV[n.a]) b.push(`b${n.a} += ${g};`);
      } else if (n.t === 'bin') {
        b.push(binaryGrad(n.f, `v${n.a}`, `v${n.b}`, `b${v}`, dzV[n.a] ? `b${n.a}` : undefined, dzV[n.b] ? `b${n.b}` : undefined));
      }
    }
    const gz = zId >= 0 ? `b${zId}` : '0';
    if (write === 'relabel') {
      if (zId >= 0) b.push(`pl += ${gz};`);
    } else if (!direct) {
      if (zId >= 0) b.push(write === 'loop' ? `acc[j] += ${gz};` : `acc[lab] += ${gz};`);
    } else if (write === 'point') {
      if (zId >= 0) b.push(`pz += ${gz};`);
    } else {
      b.push(`g[gr + j] = ${gz}${sparse && pointStages.length > 0 ? ' + (j === lab ? pz : 0)' : ''};`);
    }
  };
  const seed = (n: SNode, i: number): [number, string] => {
    const r = n as Red;
    const x = `v${r.x}`;
    switch (r.f) {
      case 'sum': return [r.x, `a${i}`];
      case 'dotY': return [r.x, sparse ? `a${i}` : `a${i} * yd[yo + j]`];
      case 'max':
      case 'min': return [r.x, `(${x} === s${i} ? a${i} / s${tiesOf(i)} : 0)`];
      case 'ties': throw new Error('unreachable: ties counts carry no gradient');
      case 'lse': return [r.x, `a${i} * Math.exp((${x} - s${r.m}) - s${i})`];
    }
  };
  for (let st = maxStage; st >= 1; st--) {
    for (const [n, i] of [...scalarsAt(st)].reverse()) {
      if (!dzS[i]) continue;
      if (n.t === 'un') {
        const g = unaryGrad(n.f, `s${n.a}`, `s${i}`, `a${i}`, n.p);
        if (g !== undefined && dzS[n.a]) b.push(`a${n.a} += ${g};`);
      } else if (n.t === 'bin') {
        b.push(binaryGrad(n.f, `s${n.a}`, `s${n.b}`, `a${i}`, dzS[n.a] ? `a${n.a}` : undefined, dzS[n.b] ? `a${n.b}` : undefined));
      }
    }
    const rs = dzReds(st);
    // Point reads (x_y for integer labels) first: they never feed the same stage's sweep.
    for (const [n, i] of rs.filter(([m]) => isPoint(m))) {
      b.push('{', 'const j = lab;');
      emitVectorBackward([(n as Red).x], [seed(n, i)], 'point');
      b.push('}');
    }
    const loop = rs.filter(([m]) => !isPoint(m));
    if (loop.length > 0 && wm) {
      const seeds = loop.map(([n, i]) => ({ id: i, f: (n as Red).f, x: (n as Red).x, m: (n as Red).m }));
      const clos = vClosure(seeds.map((r) => r.x));
      const seedScalars = seeds.filter((r) => r.f !== 'sum' && r.f !== 'dotY').flatMap((r) => (r.m === undefined ? [r.id] : [r.id, r.m]));
      const params = [...new Set([...expandedScalars(prog, clos), ...seedScalars])].sort((x, y) => x - y);
      const adj = seeds.map((r) => r.id);
      const es = wm.backward(`b${st}`, seeds, clos, dzV, params, adj, sweeps > 0);
      // A max/min seed's adjoint is shared by the tied entries: the sweep receives a / ties.
      const adjArg = (k: number) => (seeds.find((r) => r.id === k)!.f === 'max' || seeds.find((r) => r.id === k)!.f === 'min' ? `a${k} / s${tiesOf(k)}` : `a${k}`);
      const call = `o << 2, ${sparse ? 'lab' : 'yo << 2'}, C, ccp, gr << 2${params.map((k) => `, s${k}`).join('')}${adj.map((k) => `, ${adjArg(k)}`).join('')}`;
      if (reuseRed !== undefined && seeds.some((r) => r.id === reuseRed)) {
        wm.backward(`b${st}r`, seeds, clos, dzV, params, adj, false, reuseRed);
        b.push(`if (reuse) { W.b${st}r(${call}, a${reuseRed} / S[sk + ${K}]); if (W.pgb${st}r.value !== 0) bad = 1; } else { W.b${st}(${call}); if (W.pgb${st}.value !== 0) bad = 1; }`);
      } else b.push(`W.b${st}(${call});`, `if (W.pgb${st}.value !== 0) bad = 1;`);
      if (relabel) {
        // The label's element again in float64: a z_y point term may cancel most of it (squentropy at ±1e4).
        b.push('{', 'const j = lab;');
        emitVectorBackward(loop.map(([n]) => (n as Red).x), loop.map(([n, i]) => seed(n, i)), 'relabel');
        b.push('}');
      }
      for (const e of es) b.push(`a${e} += W.e${e}.value;`);
      sweeps++;
    } else if (loop.length > 0) {
      b.push('for (let j = 0; j < C; j++) {');
      emitVectorBackward(loop.map(([n]) => (n as Red).x), loop.map(([n, i]) => seed(n, i)), 'loop');
      b.push('}');
    }
  }
  if (wm) {
    if (sweeps === 0) b.push('for (let j = 0; j < C; j++) g[gr + j] = 0;');
    if (relabel) b.push(sweeps === 0 ? 'g[gr + lab] = pz;' : 'g[gr + lab] = pl + pz;', 'if (g[gr + lab] - g[gr + lab] !== 0) bad = 1;');
    else if (sparse && pointStages.length > 0) b.push(sweeps === 0 ? 'g[gr + lab] = pz;' : 'g[gr + lab] += pz;', 'if (g[gr + lab] - g[gr + lab] !== 0) bad = 1;');
  } else {
    if (!direct) b.push('for (let j = 0; j < C; j++) g[gr + j] = acc[j];');
    else if (loopStages.length === 0) {
      b.push('for (let j = 0; j < C; j++) g[gr + j] = 0;');
      if (sparse && pointStages.length > 0) b.push('g[gr + lab] = pz;');
    }
    b.push('let pg = 0;', 'for (let j = 0; j < C; j++) pg += g[gr + j] * 0;', 'if (pg !== 0) bad = 1;');
  }
  b.push('}', 'return bad;');

  const fsrc = f.join('\n');
  const bsrc = b.join('\n');
  // biome-ignore lint/security/noGlobalEval: code generated from a closed set of templates; no user strings reach it.
  const forward = new Function('z', 'zo', 'labs', 'yd', 'ydo', 'B', 'C', 'out', 'S', 'cc', 'W', 'ccp', 'go', fsrc) as ForwardKernel;
  // biome-ignore lint/security/noGlobalEval: as above.
  const backward = new Function('z', 'zo', 'labs', 'yd', 'ydo', 'B', 'C', 'dy', 'g', 'go', 'S', 'cc', 'W', 'ccp', 'reuse', bsrc) as BackwardKernel;
  const source = { forward: fsrc, backward: bsrc };
  return wm ? { forward, backward, K, stride, reusesExp: reuseRed !== undefined, source, wasm: wm.bytes() } : { forward, backward, K, stride, reusesExp: false, source };
}
