import { type Expr, checkParam } from '@losskit/core';
import { type Distance, lp } from './distances.js';
import { type SubLoss, elementLoss } from './host/kernel.js';
import { type PairData, labelPairs } from './host/pairs.js';
import { optionsOf } from './internal.js';
import type { Miner } from './miners.js';
import { pairLossOp, pairNode } from './pairLoss.js';
import { type LevelOf, type Reducer, checkReducer, mean } from './reducers.js';

/** Options of {@link fastAP}. */
export interface FastApOptions<R extends Reducer> {
  /** Number of histogram bins over the squared distances [0, 4]. Default 10. */
  readonly numBins?: number;
  /** Default `mean()` over the anchors that have a positive. */
  readonly reducer?: R;
}

type Params = { numBins: number; distance: Distance; miner: Miner | undefined; reducer: Reducer };

/**
 * Host form (PML `FastAPLoss`): squared distances of normalized embeddings `d ∈ [0, 4]` soft-binned with triangular
 * pulses at `t_b = bΔ`, `Δ = 4/K`: `h⁺_b = Σ_p pulse_b(d_ap)`, `h⁻_b` likewise; `H⁺ = cumsum h⁺`, `H = cumsum(h⁺ + h⁻)`;
 * `FastAP_a = (1/N⁺_a) Σ_{b: h⁺_b H⁺_b > 0, H_b > 0} h⁺_b H⁺_b / H_b`, `l_a = 1 − FastAP_a`.
 */
function hostFastAp(d: PairData, p: Params): SubLoss[] {
  const { b, r, m } = d;
  const K = p.numBins;
  const E = K + 1;
  const delta = 4 / K;
  const sel = labelPairs(d);
  const anchors: number[] = [];
  const values: number[] = [];
  const dPos: Float64Array[] = []; // ∂F/∂h⁺_b per kept anchor
  const dNeg: Float64Array[] = [];
  const nPosOf: number[] = [];
  const pulses = (x: number, add: (bin: number, v: number) => void) => {
    const lo = Math.floor(x / delta);
    for (const bin of [lo, lo + 1]) {
      if (bin < 0 || bin >= E) continue;
      const v = 1 - Math.abs(x - bin * delta) / delta;
      if (v > 0) add(bin, v);
    }
  };
  for (let a = 0; a < b; a++) {
    const hp = new Float64Array(E);
    const hn = new Float64Array(E);
    let nPos = 0;
    for (let j = 0; j < r; j++) {
      const k = a * r + j;
      if (sel.pos[k]) {
        nPos++;
        pulses(m[k]!, (bin, v) => (hp[bin]! += v));
      } else if (sel.neg[k]) pulses(m[k]!, (bin, v) => (hn[bin]! += v));
    }
    if (nPos === 0) continue;
    const Hp = new Float64Array(E);
    const H = new Float64Array(E);
    let ap = 0;
    let at = 0;
    for (let i = 0; i < E; i++) {
      Hp[i] = ap += hp[i]!;
      H[i] = at += hp[i]! + hn[i]!;
    }
    let F = 0;
    const safe = new Uint8Array(E);
    for (let i = 0; i < E; i++) {
      if (hp[i]! * Hp[i]! > 0 && H[i]! > 0) {
        safe[i] = 1;
        F += (hp[i]! * Hp[i]!) / H[i]!;
      }
    }
    const gp = new Float64Array(E);
    const gn = new Float64Array(E);
    let A = 0;
    let C = 0;
    for (let i = E - 1; i >= 0; i--) {
      if (safe[i]) {
        A += hp[i]! / H[i]!;
        C += (hp[i]! * Hp[i]!) / (H[i]! * H[i]!);
      }
      gp[i] = ((safe[i] ? Hp[i]! / H[i]! : 0) + A - C) / nPos;
      gn[i] = -C / nPos;
    }
    anchors.push(a);
    values.push(1 - F / nPos);
    dPos.push(gp);
    dNeg.push(gn);
    nPosOf.push(nPos);
  }
  return [
    elementLoss('loss', { type: 'element', values: Float64Array.from(values), anchors: Int32Array.from(anchors) }, (w, g) => {
      for (let t = 0; t < w.length; t++) {
        if (w[t] === 0) continue;
        const a = anchors[t]!;
        for (let j = 0; j < r; j++) {
          const k = a * r + j;
          const gh = sel.pos[k] ? dPos[t]! : sel.neg[k] ? dNeg[t]! : undefined;
          if (!gh) continue;
          const x = m[k]!;
          const lo = Math.floor(x / delta);
          let s = 0;
          for (const bin of [lo, lo + 1]) {
            if (bin < 0 || bin >= E) continue;
            const u = x - bin * delta;
            if (Math.abs(u) < delta) s += gh[bin]! * (-Math.sign(u) / delta);
          }
          // l = 1 − F
          g[k]! -= w[t]! * s;
        }
      }
    }),
  ];
}

const op = pairLossOp<Params>({
  kind: 'ml.fastAP',
  info: { what: 'fastAP', rectangular: false, host: (p) => (d) => hostFastAp(d, p) },
  print: (_a, p, m) => (m === 'latex' ? `1 - \\frac{1}{N^+}\\sum_{b} \\frac{h^+_b H^+_b}{H_b}\\ (K = ${p.numBins})` : `1 - (1/N⁺) Σ_b h⁺_b H⁺_b / H_b (K = ${p.numBins})`),
});

/**
 * FastAP (Cakir, He, Xia, Kulis, Sclaroff 2019, "Deep Metric Learning to Rank"; PML `FastAPLoss`): a histogram
 * approximation of average precision per anchor. Squared L2 distances of normalized embeddings (in [0, 4]) are
 * soft-assigned to K + 1 triangular bins; with `h⁺`, `h⁻` the positive and negative histograms and `H⁺`, `H` their
 * cumulative sums, `FastAP_a = (1/N⁺_a) Σ_b h⁺_b H⁺_b / H_b` and `l_a = 1 − FastAP_a`, averaged over the anchors that
 * have a positive. Default K = 10. Cost O(B² + B·K).
 * @example compile(fastAP({ numBins: 20 }), { from: 'embeddings' })(labels, embeddings)
 */
export function fastAP<R extends Reducer = ReturnType<typeof mean>>(options: FastApOptions<R> = {}): Expr<LevelOf<R>, 'any'> {
  options = optionsOf(options);
  const reducer = checkReducer(options.reducer ?? mean());
  return pairNode(op, reducer.level, {
    numBins: checkParam('numBins', options.numBins ?? 10, 'an integer in [1, 1e5]', (x) => Number.isInteger(x) && x >= 1 && x <= 1e5),
    distance: lp(2, { squared: true, normalize: true }),
    miner: undefined,
    reducer,
  }) as Expr<LevelOf<R>, 'any'>;
}
