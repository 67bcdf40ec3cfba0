/**
 * Step 2 of the fusion pipeline (see `index.ts`): the stage structure of a {@link RowProgram}, which every
 * emitter shares. A row is computed in sweeps over its classes; a reduction runs in the sweep after every
 * scalar its argument reads is known (its *stage*). Only nodes whose gradient reaches the root get adjoints.
 * @internal
 */
import { type RowProgram, type SNode, type VNode, closureOf } from './program.js';

/** A class→sample reduction node. */
export type Red = Extract<SNode, { t: 'red' }>;

/** Stage structure of a program, shared by every emitter. */
export interface Analysis {
  readonly prog: RowProgram;
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
  reds(stage: number): (readonly [Red, number])[];
  scalarsAt(stage: number): (readonly [SNode, number])[];
  /** The stage's reductions that sweep the row (not point reads). */
  loopReds(stage: number): (readonly [Red, number])[];
  /** The stage's sweeping reductions that carry a gradient (the seeds of its backward sweep). */
  seeds(stage: number): (readonly [Red, number])[];
  /** The `ties` reduction counting the entries equal to max/min node `id` (see `ReduceFn`). */
  tiesOf(id: number): number;
  /** Stages 1 … maxStage. */
  readonly stages: readonly number[];
  /** Nodes under the value operand of a select (see {@link selectGuarded}). */
  readonly guardV: readonly boolean[];
  readonly guardS: readonly boolean[];
}

/** Stages and gradient dependence of a program's nodes. */
export function analyze(prog: RowProgram): Analysis {
  const { sStage, dzV, dzS } = stagesOf(prog);
  const maxStage = Math.max(0, ...sStage);
  prune(prog, dzV, dzS);
  const isPoint = (n: SNode) => n.t === 'red' && n.f === 'dotY' && prog.sparse;
  const reds = (stage: number) =>
    prog.sca.flatMap((n, i) => (n.t === 'red' && sStage[i] === stage ? [[n, i] as const] : []));
  const loopReds = (stage: number) => reds(stage).filter(([n]) => !isPoint(n));
  return {
    prog,
    sStage,
    dzV,
    dzS,
    maxStage,
    isPoint,
    vClosure: (roots) => closureOf(prog, roots),
    reds,
    loopReds,
    seeds: (stage) => loopReds(stage).filter(([, i]) => dzS[i]),
    scalarsAt: (stage) => prog.sca.map((n, i) => [n, i] as const).filter(([n, i]) => n.t !== 'red' && sStage[i] === stage),
    tiesOf: (id) => prog.sca.findIndex((n) => n.t === 'red' && n.f === 'ties' && n.m === id),
    stages: [...Array(maxStage).keys()].map((k) => k + 1),
    ...selectGuarded(prog),
  };
}

/**
 * Nodes at or below the value operand `a` of a select `where(a, mask)`, vector and scalar: where the select is not
 * taken their adjoint is exactly 0, and every emitter skips their chain rule where the adjoint is 0, so a non-finite
 * partial in the untaken branch (exp at 1e30, log at 0) does not turn that 0 into NaN.
 */
export function selectGuarded(prog: Pick<RowProgram, 'vec' | 'sca'>): { guardV: boolean[]; guardS: boolean[] } {
  const guardV = new Array<boolean>(prog.vec.length).fill(false);
  const guardS = new Array<boolean>(prog.sca.length).fill(false);
  const markV = (id: number): void => {
    if (guardV[id]) return;
    guardV[id] = true;
    const n = prog.vec[id]!;
    if (n.t === 'un') markV(n.a);
    else if (n.t === 'bin') {
      markV(n.a);
      if (n.f !== 'where') markV(n.b);
    } else if (n.t === 'expand') markS(n.s);
  };
  const markS = (id: number): void => {
    if (guardS[id]) return;
    guardS[id] = true;
    const n = prog.sca[id]!;
    if (n.t === 'un') markS(n.a);
    else if (n.t === 'bin') {
      markS(n.a);
      if (n.f !== 'where') markS(n.b);
    } else if (n.t === 'red') markV(n.x);
  };
  prog.vec.forEach((n) => n.t === 'bin' && n.f === 'where' && markV(n.a));
  prog.sca.forEach((n) => n.t === 'bin' && n.f === 'where' && markS(n.a));
  return { guardV, guardS };
}

/** Stage of every node, and whether it depends on the logits through a differentiable path. */
function stagesOf(prog: RowProgram): { sStage: number[]; dzV: boolean[]; dzS: boolean[] } {
  const { vec, sca } = prog;
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
    dzV[id] = n.t === 'z' || (n.t === 'expand' && dzS[n.s]!) || (n.t === 'un' && n.f !== 'detach' && dzV[n.a]!) || (n.t === 'bin' && (dzV[n.a]! || (n.f !== 'where' && dzV[n.b]!)));
    return r;
  };
  const ss = (id: number): number => {
    if (sStage[id] !== undefined) return sStage[id]!;
    const n = sca[id]!;
    const r =
      n.t === 'red' ? (n.f === 'ties' ? Math.max(vs(n.x), ss(n.m!)) + 1 : vs(n.x) + 1) : n.t === 'un' ? ss(n.a) : n.t === 'bin' ? Math.max(ss(n.a), ss(n.b)) : 0;
    sStage[id] = r;
    dzS[id] = (n.t === 'red' && dzV[n.x]!) || (n.t === 'un' && n.f !== 'detach' && dzS[n.a]!) || (n.t === 'bin' && (dzS[n.a]! || (n.f !== 'where' && dzS[n.b]!)));
    return r;
  };
  sca.forEach((_, i) => ss(i));
  vec.forEach((_, i) => vs(i));
  return { sStage, dzV, dzS };
}

/**
 * Keeps adjoints only on nodes the root's gradient reaches: e.g. the row maximum behind a log-sum-exp is
 * read through a stop-gradient, and seeding its reduction would cost a compare per class for nothing.
 */
function prune(prog: RowProgram, dzV: boolean[], dzS: boolean[]): void {
  const { vec, sca } = prog;
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
      if (n.f !== 'where') reachS(n.b);
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
      if (n.f !== 'where') reachV(n.b);
    }
  };
  reachS(prog.root);
  sca.forEach((_, i) => (dzS[i] = liveS[i]!));
  vec.forEach((_, i) => (dzV[i] = liveV[i]!));
}

/** Scalars a sweep's closure broadcasts (`expand` nodes), ascending. */
export function expandedScalars(prog: RowProgram, closure: readonly number[]): number[] {
  return [...new Set(closure.map((v) => prog.vec[v]!).filter((n): n is Extract<VNode, { t: 'expand' }> => n.t === 'expand').map((n) => n.s))].sort(
    (a, b) => a - b,
  );
}
