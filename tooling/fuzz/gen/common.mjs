// Batches of predictions and targets for compiled losses, with the flattened rows the references read.
import { oneHot } from '../lib/rand.mjs';

const f32 = Math.fround;

/** Reshapes flat rows [N][C] to leading dims `lead` (row-major). */
export function reshapeRows(rows, lead) {
  if (lead.length === 1) return rows;
  const [a, b] = lead;
  return Array.from({ length: a }, (_, i) => rows.slice(i * b, (i + 1) * b));
}

/**
 * A batch: `yPred` [..., C] and `yTrue` (integer labels shaped like the leading dims, or dense targets).
 * @param o { C, from: 'logits' | 'probs', targets: 'sparse' | 'onehot' | 'soft' | 'real' | 'binary' | 'pm1',
 *            moderate?: boolean, rank?: 2 | 3, N? }
 * @returns { yPred, yTrue, z: number[][] (flat rows), t: number[][] (dense flat target rows), lead, N, C, mode }
 */
export function makeBatch(r, o) {
  const C = o.C;
  const rank = o.rank ?? (r.bool(0.12) ? 3 : 2);
  const lead = rank === 3 ? [r.int(1, 3), r.int(1, 3)] : [o.N ?? r.batch(o.wide ? 48 : 8)];
  const N = lead.reduce((a, b) => a * b, 1);
  let z;
  let mode = 'probs';
  if (o.from === 'probs') z = r.probs(N, C);
  else {
    const vm = r.valueMode({ moderate: o.moderate });
    mode = `${vm.mode}×${vm.scale}`;
    z = r.matrix(N, C, vm.mode, vm.scale);
    if (vm.mode === 'ties' && r.bool(0.5)) {
      // Large exact ties at the top of a row: the hardest case for log-sum-exp.
      const big = r.pick([1e4, 1e8, 1e16, 1e30]);
      for (const row of z) {
        row.fill(0);
        const k = r.int(1, C);
        for (let j = 0; j < k; j++) row[j] = big;
        if (r.bool(0.5)) row.reverse();
      }
      mode = `top ties at ${big}`;
    }
  }
  let labels;
  let t;
  switch (o.targets) {
    case 'sparse':
    case 'onehot':
      labels = r.labels(N, C);
      t = oneHot(labels, C);
      break;
    case 'soft':
      t = r.probs(N, C);
      break;
    case 'binary':
      t = Array.from({ length: N }, () => Array.from({ length: C }, () => (r.bool() ? 1 : 0)));
      break;
    case 'pm1':
      t = Array.from({ length: N }, () => Array.from({ length: C }, () => (r.bool() ? 1 : -1)));
      break;
    case 'unit':
      t = Array.from({ length: N }, () => Array.from({ length: C }, () => f32(r.float())));
      break;
    default:
      t = r.matrix(N, C, 'normal', r.pick([0.5, 1, 5]));
  }
  const yPred = reshapeRows(z, lead);
  let yTrue;
  if (o.targets === 'sparse') {
    yTrue = lead.length === 1 ? labels : reshapeRows(labels, lead);
    if (lead.length === 1 && C > 1 && r.bool(0.1)) yTrue = labels.map((y) => [y]); // [B, 1] labels
  } else yTrue = reshapeRows(t, lead);
  return { yPred, yTrue, z, t, labels, lead, N, C, mode };
}

/** Sample weights for the leading dims: full, a prefix (rank 3), [B, 1], or a scalar. */
export function makeWeights(r, b) {
  const k = r.weighted({ full: 6, scalar: 1, col: 1, prefix: b.lead.length > 1 ? 1 : 0 });
  if (k === 'scalar') return f32(r.float(0.1, 3));
  if (k === 'prefix') return r.weights(b.lead[0]);
  const w = r.bool(0.05) ? new Array(b.N).fill(0) : r.weights(b.N);
  if (k === 'col' && b.lead.length === 1) return w.map((v) => [v]);
  return reshapeRows(w, b.lead);
}

/** How inputs are passed: nested arrays or tensors (labels sometimes int32). */
export function tensorKinds(r, targets) {
  if (r.bool(0.55)) return {};
  return { yPred: 'float32', yTrue: targets === 'sparse' && r.bool(0.5) ? 'int32' : 'float32', sampleWeight: 'float32', inputs: 'float32' };
}

export function compileOptions(r, { from, method }) {
  const o = {};
  if (from !== 'logits' || r.bool(0.1)) o.from = from;
  const red = method === 'valueAndGrad' || method === 'parts' ? r.weighted({ mean: 5, sum: 2, weightedMean: 1, sumByNonzeroWeights: 1 }) : r.weighted({ mean: 5, sum: 2, weightedMean: 1, sumByNonzeroWeights: 1, none: 1.5 });
  if (red !== 'mean' || r.bool(0.1)) o.reduction = red;
  const fuse = r.weighted({ auto: 5, js: 1.5, false: 3.5 });
  if (fuse !== 'auto') o.fuse = fuse === 'false' ? false : fuse;
  if (r.bool(0.08)) o.validate = false;
  if (from === 'probs' && r.bool(0.2)) o.epsilon = r.pick([1e-3, 1e-12]);
  return o;
}

export const pickMethod = (r) => r.weighted({ call: 4.5, perSample: 1.5, valueAndGrad: 3, parts: 1 });

export function pickOracles(r) {
  return r.shuffle(['fusion', 'mean', 'vag', 'parts']).slice(0, r.int(1, 2));
}
