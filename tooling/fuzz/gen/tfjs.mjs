// @losskit/losses/tfjs: the nine tf.losses drop-ins against float64 references written from tfjs-core's definitions
// (tfjs-core/src/ops/losses/*.ts, Reduction semantics of compute_weighted_loss.ts), with broadcast weights and every
// reduction; bad inputs (NaN, shapes, reductions) must give typed errors (issue #17).
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const NONE = 0;
const MEAN = 1;
const SUM = 2;
const SBNZ = 3;
const sum = (a) => a.reduce((s, v) => s + v, 0);
const f32 = Math.fround;

/** Nested array of `shape` from a flat list (row-major). */
function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat.slice(0, shape[0]);
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/** Broadcast a flat array of shape `ws` to shape `ls` (numpy rules, right-aligned). */
function broadcast(w, ws, ls) {
  const n = ls.reduce((a, b) => a * b, 1);
  const pad = [...new Array(ls.length - ws.length).fill(1), ...ws];
  return Array.from({ length: n }, (_, flatIdx) => {
    let rem = flatIdx;
    let wi = 0;
    let stride = 1;
    const idx = [];
    for (let d = ls.length - 1; d >= 0; d--) {
      idx[d] = rem % ls[d];
      rem = Math.floor(rem / ls[d]);
    }
    for (let d = ls.length - 1; d >= 0; d--) {
      wi += (pad[d] === 1 ? 0 : idx[d]) * stride;
      stride *= pad[d];
    }
    return w[wi];
  });
}

/** tf.losses.computeWeightedLoss on flat arrays. */
function weighted(losses, ls, w, ws, reduction) {
  const wb = w ? broadcast(w, ws, ls) : undefined;
  const wl = wb ? losses.map((v, i) => v * wb[i]) : losses;
  if (reduction === NONE) return wl;
  if (reduction === SUM) return [sum(wl)];
  if (reduction === MEAN) {
    if (!w) return [sum(wl) / losses.length];
    const factor = losses.length / w.length;
    const res = sum(wl) / sum(w);
    return [factor > 1 ? res / factor : res];
  }
  if (!w) return [sum(wl) / losses.length];
  return [sum(wl) / wb.filter((v) => v !== 0).length];
}

const FNS = ['absoluteDifference', 'meanSquaredError', 'hingeLoss', 'huberLoss', 'logLoss', 'sigmoidCrossEntropy', 'softmaxCrossEntropy', 'cosineDistance', 'computeWeightedLoss'];

export function generate(r, lib) {
  const T = lib.tfjs;
  const fn = r.pick(FNS);
  const rank = Number(fn === 'softmaxCrossEntropy' ? r.weighted({ 2: 8, 1: 1, 3: 1 }) : r.weighted({ 1: 2, 2: 6, 3: 1 }));
  const shape = rank === 1 ? [r.int(1, 6)] : rank === 2 ? [r.batch(), r.classes({ min: 1, max: 6 })] : [r.int(1, 3), r.int(1, 3), r.int(1, 4)];
  const n = shape.reduce((a, b) => a * b, 1);
  const vm = r.valueMode({ moderate: r.bool(0.8) });
  let labelsFlat;
  let predsFlat;
  const extra = {};
  switch (fn) {
    case 'hingeLoss':
      labelsFlat = Array.from({ length: n }, () => (r.bool() ? 1 : 0));
      predsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      break;
    case 'logLoss':
      labelsFlat = Array.from({ length: n }, () => (r.bool(0.7) ? (r.bool() ? 1 : 0) : f32(r.float())));
      predsFlat = Array.from({ length: n }, () => f32(r.float(0, 1)));
      extra.epsilon = r.bool(0.3) ? r.pick([1e-7, 1e-3]) : undefined;
      break;
    case 'sigmoidCrossEntropy':
      labelsFlat = Array.from({ length: n }, () => (r.bool(0.7) ? (r.bool() ? 1 : 0) : f32(r.float())));
      predsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      extra.labelSmoothing = r.bool(0.3) ? r.pick([0.1, 0.5]) : undefined;
      break;
    case 'softmaxCrossEntropy': {
      const c = shape.at(-1);
      const rows = n / c;
      labelsFlat = [];
      for (let i = 0; i < rows; i++) {
        const y = r.int(0, c - 1);
        for (let j = 0; j < c; j++) labelsFlat.push(j === y ? 1 : 0);
      }
      predsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      extra.labelSmoothing = r.bool(0.3) ? r.pick([0.1, 0.5]) : undefined;
      break;
    }
    case 'cosineDistance': {
      extra.axis = r.int(-rank, rank - 1);
      labelsFlat = Array.from({ length: n }, () => r.value('normal', 1));
      predsFlat = Array.from({ length: n }, () => r.value('normal', 1));
      break;
    }
    case 'huberLoss':
      extra.delta = r.bool(0.5) ? r.pick([0.5, 1, 2]) : undefined;
      labelsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      predsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      break;
    default:
      labelsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
      predsFlat = Array.from({ length: n }, () => r.value(vm.mode, vm.scale));
  }

  // Elementwise (or per-row) losses and their shape.
  let losses;
  let lossShape = shape;
  const ls = extra.labelSmoothing ?? 0;
  if (fn === 'absoluteDifference') losses = labelsFlat.map((y, i) => Math.abs(y - predsFlat[i]));
  else if (fn === 'meanSquaredError') losses = labelsFlat.map((y, i) => (y - predsFlat[i]) ** 2);
  else if (fn === 'hingeLoss') losses = labelsFlat.map((y, i) => Math.max(0, 1 - (2 * y - 1) * predsFlat[i]));
  else if (fn === 'huberLoss') {
    const d = extra.delta ?? 1;
    losses = labelsFlat.map((y, i) => {
      const e = Math.abs(predsFlat[i] - y);
      const q = Math.min(e, d);
      return 0.5 * q * q + d * (e - q);
    });
  } else if (fn === 'logLoss') {
    const e = extra.epsilon ?? 1e-7;
    losses = labelsFlat.map((y, i) => -y * Math.log(predsFlat[i] + e) - (1 - y) * Math.log(1 - predsFlat[i] + e));
  } else if (fn === 'sigmoidCrossEntropy') {
    losses = labelsFlat.map((y0, i) => {
      const y = ls > 0 ? y0 * (1 - ls) + 0.5 * ls : y0;
      return ref.softplus(predsFlat[i]) - y * predsFlat[i];
    });
  } else if (fn === 'softmaxCrossEntropy') {
    const c = shape.at(-1);
    const k = shape.length > 1 ? shape[1] : shape[0]; // tfjs smooths with ε/shape[1]
    losses = [];
    for (let i = 0; i < n / c; i++) {
      const t = labelsFlat.slice(i * c, (i + 1) * c).map((v) => (ls > 0 ? v * (1 - ls) + ls / k : v));
      losses.push(ref.ceLogits(predsFlat.slice(i * c, (i + 1) * c), t).value);
    }
    lossShape = shape.slice(0, -1);
  } else if (fn === 'cosineDistance') {
    const a = extra.axis < 0 ? extra.axis + rank : extra.axis;
    lossShape = shape.map((d, i) => (i === a ? 1 : d));
    const m = lossShape.reduce((x, y) => x * y, 1);
    losses = new Array(m).fill(0);
    for (let flat = 0; flat < n; flat++) {
      let rem = flat;
      const idx = [];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d] = rem % shape[d];
        rem = Math.floor(rem / shape[d]);
      }
      let o = 0;
      for (let d = 0; d < rank; d++) o = o * lossShape[d] + (d === a ? 0 : idx[d]);
      losses[o] += labelsFlat[flat] * predsFlat[flat];
    }
    losses = losses.map((v) => 1 - v);
  } else {
    losses = predsFlat.map(Math.abs);
  }

  // Weights: none, a scalar, the loss shape, or broadcast along the last axis.
  const wKind = r.weighted({ none: 3, scalar: 1, full: 3, column: lossShape.length >= 2 ? 1 : 0 });
  let wFlat;
  let wShape;
  if (wKind === 'scalar') {
    wFlat = [r.pick([0, 1, f32(r.float(0.1, 3))])];
    wShape = [];
  } else if (wKind === 'full') {
    wShape = lossShape;
    wFlat = r.weights(lossShape.reduce((a, b) => a * b, 1));
    if (r.bool(0.1)) wFlat = wFlat.map(() => 0);
  } else if (wKind === 'column') {
    wShape = [...lossShape.slice(0, -1), 1];
    wFlat = r.weights(wShape.reduce((a, b) => a * b, 1));
  }
  const reduction = r.pick([undefined, NONE, MEAN, SUM, SBNZ]);
  const want = weighted(losses, lossShape, wFlat, wShape, reduction ?? SBNZ);
  // Values beyond float32 (squares of 1e30) overflow in any float32 evaluation: not checked.
  const overflows = [...losses, ...want].some((v) => Math.abs(v) > 1e37);

  const labels = nest(labelsFlat, shape);
  let predictions = nest(predsFlat, shape);
  let labelsArg = labels;
  let weightsArg = wFlat === undefined ? undefined : nest(wFlat, wShape);
  let red = reduction;
  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.25) ? r.pick(['nanPred', 'nanLabel', 'nanWeight', 'shape', 'reduction']) : undefined;
  if (bad === 'nanPred') {
    predictions = poke(predictions, randomIndex(r, shapeOf(predictions)), r.nonFinite());
    [why, codes] = ['non-finite predictions', ['NON_FINITE_INPUT']];
  } else if (bad === 'nanLabel' && fn !== 'computeWeightedLoss') { // computeWeightedLoss takes no labels
    labelsArg = poke(labels, randomIndex(r, shapeOf(labels)), r.nonFinite());
    [why, codes] = ['non-finite labels', ['NON_FINITE_INPUT']];
  } else if (bad === 'nanWeight' && Array.isArray(weightsArg)) {
    weightsArg = poke(weightsArg, randomIndex(r, shapeOf(weightsArg)), NaN);
    [why, codes] = ['non-finite weights', ['NON_FINITE_INPUT']];
  } else if (bad === 'shape' && fn !== 'computeWeightedLoss') {
    labelsArg = nest([...labelsFlat, 0], [n + 1]);
    [why, codes] = ['labels and predictions shapes differ', ['SHAPE_MISMATCH']];
  } else if (bad === 'reduction') {
    red = r.pick([4, -1, 'mean', 1.5]);
    [why, codes] = ['unknown reduction', ['INVALID_ARGUMENT']];
  }
  if (why) expect = 'invalid';
  // All-zero (broadcast) weights: tfjs divides 0 by 0 for MEAN and SUM_BY_NONZERO_WEIGHTS (documented NaN).
  const zeroDiv = !why && wFlat && (reduction === MEAN || reduction === undefined || reduction === SBNZ) && wFlat.every((v) => v === 0);
  // The drop-in reports tfjs's 0/0 as a typed INVALID_ARGUMENT naming `weights` (documented; validate: false gives
  // tfjs's NaN), and a float32 overflow of a finite float64 result as NON_FINITE_OUTPUT.
  if (zeroDiv) [expect, why, codes] = ['invalid', 'all-zero weights under MEAN / SUM_BY_NONZERO_WEIGHTS (tfjs: 0/0)', ['INVALID_ARGUMENT']];
  else if (overflows && !why) expect = 'any';
  const args = {
    computeWeightedLoss: () => [losses.length === n ? nest(losses, shape) : nest(losses, lossShape), weightsArg, red],
    absoluteDifference: () => [labelsArg, predictions, weightsArg, red],
    meanSquaredError: () => [labelsArg, predictions, weightsArg, red],
    hingeLoss: () => [labelsArg, predictions, weightsArg, red],
    huberLoss: () => [labelsArg, predictions, weightsArg, extra.delta, red],
    logLoss: () => [labelsArg, predictions, weightsArg, extra.epsilon, red],
    sigmoidCrossEntropy: () => [labelsArg, predictions, weightsArg, extra.labelSmoothing, red],
    softmaxCrossEntropy: () => [labelsArg, predictions, weightsArg, extra.labelSmoothing, red],
    cosineDistance: () => [labelsArg, predictions, extra.axis, weightsArg, red],
  }[fn]();
  if (fn === 'computeWeightedLoss' && bad === 'nanPred') args[0] = poke(nest(losses, lossShape), randomIndex(r, lossShape), NaN);
  // Trailing undefined arguments become defaults; keep the call as a user would write it.
  while (args.length && args.at(-1) === undefined) args.pop();
  return {
    fn: `tfjs.${fn}`,
    expect,
    why,
    codes,
    finite: zeroDiv || overflows ? false : undefined,
    repro: { call: `${fn}(${args.map((_, i) => `a${i}`).join(', ')})`, args },
    run: () => T[fn](...args),
    check: (out) => {
      if (overflows) return undefined;
      const got = Array.from(out.dataSync());
      const mag = fn === 'softmaxCrossEntropy' || fn === 'sigmoidCrossEntropy' ? Math.max(1, ...predsFlat.map(Math.abs)) : 0;
      const msg = ref.allClose(got, want, { rtol: 1e-3, atol: 1e-5, mag: mag * (reduction === SUM ? n : 1), k: 16 });
      return msg ? { category: 'wrong value', kind: `${fn} vs float64 reference`, message: `${fn} reduction ${reduction ?? 'default'}: ${msg}` } : undefined;
    },
  };
}
