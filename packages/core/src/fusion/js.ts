/**
 * Target `js`: the generated JavaScript row kernels with their sweeps as inline loops (float64
 * accumulation; log-sum-exp computed online with a running max, so ±1e4 logits neither overflow nor
 * underflow). Runs on any backend, on host copies or in place on the WASM heap.
 * @internal
 */
import type { Analysis, Red } from './analysis.js';
import type { Emitter } from './emitter.js';
import { type HostCode, type HostKernels, type HostSweeps, hostKernels } from './host.js';

/** Inline JavaScript sweeps over a row's classes. */
class JsSweeps implements HostSweeps {
  readonly extraSlots = 0;
  /**
   * `direct`: at most one class sweep, run after every point read: it writes g[j] once (float64 sum, one
   * rounding). Otherwise the row's gradient accumulates in a float64 scratch row `acc` first.
   */
  private direct = true;
  forward(h: HostCode, _st: number, own: readonly (readonly [Red, number])[], companion: ReadonlyMap<number, number>, probe: boolean): string[] {
    const f: string[] = [];
    for (const [r, i] of own) {
      if (r.f === 'sum' || r.f === 'dotY' || r.f === 'ties') f.push(`let r${i} = 0;`);
      else if (r.f === 'max') f.push(`let r${i} = -Infinity;`);
      else if (r.f === 'min') f.push(`let r${i} = Infinity;`);
      else f.push(`let m${i} = -Infinity, q${i} = 0;`);
    }
    f.push('for (let j = 0; j < C; j++) {', ...h.values(h.an.vClosure(own.map(([r]) => r.x))));
    if (probe) f.push('pr += z[o + j] * 0;');
    for (const [r, i] of own) {
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
    for (const [r, i] of own) f.push(`const s${i} = ${r.f === 'lse' ? `Math.log(q${i})` : `r${i}`};`);
    for (const [m, l] of companion) f.push(`const s${m} = m${l};`);
    return f;
  }
  backwardSetup(h: HostCode): string[] {
    const first = h.loopStages[0] ?? 0;
    this.direct = h.loopStages.length <= 1 && h.pointStages.every((st) => st >= first);
    return this.direct ? [] : ['const acc = new Float64Array(C);'];
  }
  rowStart(h: HostCode): string[] {
    if (!this.direct) return ['acc.fill(0);'];
    return h.prog.sparse ? ['let pz = 0;'] : [];
  }
  pointWrite(b: string): string {
    return this.direct ? `pz += ${b};` : `acc[lab] += ${b};`;
  }
  backward(h: HostCode, _st: number, seeds: readonly (readonly [Red, number])[]): string[] {
    const withPz = h.prog.sparse && h.pointStages.length > 0 ? ' + (j === lab ? pz : 0)' : '';
    const write = (b: string) => (this.direct ? `g[gr + j] = ${b}${withPz};` : b === '0' ? '' : `acc[j] += ${b};`);
    return ['for (let j = 0; j < C; j++) {', ...h.vectorBackward(seeds, write), '}'];
  }
  rowEnd(h: HostCode): string[] {
    const b: string[] = [];
    if (!this.direct) b.push('for (let j = 0; j < C; j++) g[gr + j] = acc[j];');
    else if (h.loopStages.length === 0) {
      b.push('for (let j = 0; j < C; j++) g[gr + j] = 0;');
      if (h.prog.sparse && h.pointStages.length > 0) b.push('g[gr + lab] = pz;');
    }
    b.push('let pg = 0;', 'for (let j = 0; j < C; j++) pg += g[gr + j] * 0;', 'if (pg !== 0) bad = 1;');
    return b;
  }
  finish() {
    return { reusesExp: false };
  }
}

/** The JavaScript emitter: every program has a JS form. */
export const jsEmitter: Emitter<HostKernels> = {
  engine: 'js',
  supports: () => true,
  emit: (an: Analysis) => hostKernels(an, new JsSweeps()),
};
