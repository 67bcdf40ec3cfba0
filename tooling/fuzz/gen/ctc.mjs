// CTC in its three forms: `ctc` of @losskit/losses ([B, T, C], labels padded with -1), Keras' `ctc` of /keras (blank 0,
// label length = non-zero entries) and torch's `ctcLoss` of /torch (time-major [T, N, C] log-probabilities, padded or
// concatenated targets), against a float64 forward recursion written here from Graves et al. (2006), eq. 6-8; random
// lengths, repeats, empty label sequences, impossible alignments (+∞ or 0 with zeroInfinity) and bad input.
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;
const NEG = Number.NEGATIVE_INFINITY;

/** −log p(l | x) from per-frame log-probabilities `lp` [T][C] by the α recursion in log space (float64). */
export function ctcReference(lp, labels, blank) {
  const ext = [blank];
  for (const l of labels) ext.push(l, blank);
  const S = ext.length;
  if (lp.length === 0) return S === 1 ? 0 : Number.POSITIVE_INFINITY;
  let a = ext.map((k, s) => (s < 2 ? lp[0][k] : NEG));
  for (let t = 1; t < lp.length; t++) {
    a = ext.map((k, s) => {
      const terms = [a[s]];
      if (s >= 1) terms.push(a[s - 1]);
      if (s >= 2 && s % 2 === 1 && ext[s - 2] !== k) terms.push(a[s - 2]);
      const m = Math.max(...terms);
      return m === NEG ? NEG : m + Math.log(terms.reduce((q, v) => q + Math.exp(v - m), 0)) + lp[t][k];
    });
  }
  const fin = S > 1 ? [a[S - 1], a[S - 2]] : [a[0]];
  const m = Math.max(...fin);
  return m === NEG ? Number.POSITIVE_INFINITY : -(m + Math.log(fin.reduce((q, v) => q + Math.exp(v - m), 0)));
}

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

export function generate(r, lib) {
  const form = r.weighted({ main: 4, keras: 2, torch: 4 });
  const B = r.int(1, 4);
  const T = r.int(1, 9);
  const C = r.int(form === 'keras' ? 2 : 1, 6);
  const blank = form === 'keras' ? 0 : r.bool(0.7) ? 0 : r.int(0, C - 1);
  const scale = r.pick([0.5, 2, 10, 1e4]);
  const logits = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: C }, () => f32(r.normal() * scale))));
  const others = Array.from({ length: C }, (_, k) => k).filter((k) => k !== blank);
  const S = r.int(0, Math.max(0, T));
  const seqs = Array.from({ length: B }, () => {
    const L = others.length === 0 ? 0 : r.int(0, S);
    return Array.from({ length: L }, () => r.pick(others));
  });
  const inputLengths = Array.from({ length: B }, () => (form === 'keras' ? T : r.int(r.bool(0.1) ? 0 : 1, T)));
  const zeroInfinity = form !== 'keras' && r.bool(0.3);
  const reduction = form === 'keras' ? r.pick([undefined, 'sum', 'none']) : r.pick(form === 'main' ? [undefined, 'mean', 'sum', 'none', 'meanByLabelLength'] : [undefined, 'mean', 'sum', 'none']);
  const lps = logits.map((x) => x.map((row) => ref.logSoftmax(row)));
  const per = lps.map((lp, b) => {
    const v = ctcReference(lp.slice(0, inputLengths[b]), seqs[b], blank);
    return zeroInfinity && v === Number.POSITIVE_INFINITY ? 0 : v;
  });
  const byLength = per.map((v, b) => v / Math.max(1, seqs[b].length));
  const red = reduction ?? 'mean';
  const want = red === 'none' ? per : red === 'sum' ? [per.reduce((a, v) => a + v, 0)] : [mean((form === 'torch' && red === 'mean') || red === 'meanByLabelLength' ? byLength : per)];
  const width = Math.max(1, ...seqs.map((s) => s.length));
  const padded = (pad) => seqs.map((s) => [...s, ...new Array(width - s.length).fill(pad)]);

  let run;
  let args;
  let name;
  const options = { ...(reduction ? { reduction } : {}) };
  if (r.bool(0.08)) options.validate = false;
  if (form === 'main') {
    name = 'ctc';
    if (blank !== 0) options.blank = blank;
    if (zeroInfinity) options.zeroInfinity = true;
    options.inputLengths = inputLengths;
    if (r.bool(0.5)) options.labelLengths = seqs.map((s) => s.length);
    args = [padded(options.labelLengths ? r.pick([0, -1, 99]) : -1), logits];
    run = () => lib.losses.ctc(...args, options);
  } else if (form === 'keras') {
    name = 'keras.ctc';
    args = [padded(0), logits];
    run = () => lib.keras.ctc(...args, options);
  } else {
    name = 'torch.ctcLoss';
    if (blank !== 0 || r.bool(0.2)) options.blank = blank;
    if (zeroInfinity) options.zeroInfinity = true;
    const timeMajor = Array.from({ length: T }, (_, t) => lps.map((lp) => lp[t].map(f32)));
    const concat = r.bool(0.3);
    args = [timeMajor, concat ? seqs.flat() : padded(r.pick([0, blank])), inputLengths, seqs.map((s) => s.length)];
    run = () => lib.torch.ctcLoss(...args, options);
  }

  let expect = 'valid';
  let why;
  let codes;
  const bad = r.bool(0.2) ? r.pick(['nan', 'label', 'length', 'reduction']) : undefined;
  if (bad === 'nan') {
    const x = form === 'torch' ? 0 : 1;
    args[x] = poke(args[x], randomIndex(r, shapeOf(args[x])), r.nonFinite());
    [why, codes] = ['non-finite scores', ['NON_FINITE_INPUT']];
  } else if (bad === 'label' && seqs.some((s) => s.length > 0)) {
    const b = seqs.findIndex((s) => s.length > 0);
    const y = form === 'torch' ? 1 : 0;
    const v = r.pick([C, C + 3, 0.5, form === 'keras' ? -2 : blank]);
    if (Array.isArray(args[y][0])) args[y] = poke(args[y], [b, 0], v);
    else args[y] = poke(args[y], [seqs.slice(0, b).reduce((a, s) => a + s.length, 0)], v);
    [why, codes] = ['a label out of range, fractional or the blank', ['LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL']];
  } else if (bad === 'length' && form !== 'keras') {
    if (form === 'torch') args[2] = poke(args[2], [0], T + 1);
    else options.inputLengths = poke(inputLengths, [0], T + 1);
    [why, codes] = ['an input length beyond T', ['INVALID_ARGUMENT']];
  } else if (bad === 'reduction') {
    options.reduction = 'avg';
    [why, codes] = ['unknown reduction', ['INVALID_ARGUMENT']];
  }
  if (why) expect = why.startsWith('non-finite') && options.validate === false ? 'any' : 'invalid';
  // Keras' blank-0 rule: a 0 inside the labels ends nothing; our labels never contain 0 here. Impossible alignments are
  // +∞ (main, torch), or NON_FINITE_OUTPUT in Keras (validate: false gives +∞).
  const infinite = want.some((v) => v === Number.POSITIVE_INFINITY);
  if (!why && infinite && form === 'keras' && options.validate !== false) [expect, why, codes] = ['invalid', 'an impossible alignment (Keras drop-in)', ['NON_FINITE_OUTPUT']];
  return {
    fn: name,
    pkg: form === 'main' ? '@losskit/losses' : form === 'keras' ? '@losskit/losses/keras' : '@losskit/losses/torch',
    expect,
    why,
    codes,
    finite: expect === 'valid' && !infinite ? undefined : false,
    repro: { call: `${name}(...args, options)`, args, options },
    run,
    check: (out) => {
      if (expect !== 'valid') return undefined;
      const got = Array.from(out.dataSync());
      if (got.some(Number.isNaN)) return { category: 'silent non-finite', kind: `${name} returned NaN`, message: `${name} gave NaN for valid input (expected ${want})` };
      const msg = ref.allClose(got, want, { rtol: 1e-4, atol: 1e-5, mag: T * (scale > 100 ? scale : 1), k: 16 });
      return msg ? { category: 'wrong value', kind: `${name} vs float64 reference`, message: `${name} B=${B} T=${T} C=${C} blank=${blank} ${reduction ?? 'default'}: ${msg}` } : undefined;
    },
  };
}
