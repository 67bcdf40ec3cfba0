// The part-B seed exports of @losskit/losses that are not DSL catalog entries (issue #25): the tensor functions and
// procedures `eisl`, `mixup`, `s3ftTarget` / `s3ftTargets`, and the helpers `fDistillWeights`, `manifoldEntropyBuffer`,
// `compositionalNllState`, `ckaLayerMapping`, `positiveRankingPenalty`, `drTuneCalibrate` / `drTuneQueue`; each against a float64 reference written here
// from the papers' code, with random and bad input. (The DSL entries are fuzzed from their catalog examples.)
import { poke, randomIndex, shapeOf } from '../lib/rand.mjs';
import * as ref from '../lib/ref.mjs';

const f32 = Math.fround;
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const TYPED = ['INVALID_PARAMETER', 'INVALID_ARGUMENT', 'SHAPE_MISMATCH', 'RANK_MISMATCH', 'NON_FINITE_INPUT', 'LABEL_OUT_OF_RANGE', 'NON_INTEGER_LABEL'];

/** Per-sequence EISL (softmax position selection), float64: guangyliu/EISL batch_log_EISL_cnn without the Gumbel noise. */
function eislRef(x, y, ngrams, weights, tau) {
  return x.map((seq, b) => {
    const lp = seq.map((row) => ref.logSoftmax(row).map((v) => Math.max(v, -20)));
    let loss = 0;
    ngrams.forEach((n, k) => {
      const I = seq.length - n + 1;
      const J = y[b].length - n + 1;
      let total = 0;
      for (let j = 0; j < J; j++) {
        const m = Array.from({ length: I }, (_, i) => {
          let s = 0;
          for (let q = 0; q < n; q++) s += lp[i + q][y[b][j + q]];
          return s / n;
        });
        const z = m.map((v) => v / tau);
        const mx = Math.max(...z);
        const e = z.map((v) => Math.exp(v - mx));
        const Z = e.reduce((a, v) => a + v, 0);
        total += m.reduce((a, v, i) => a + (e[i] / Z) * v, 0);
      }
      loss -= weights[k] * (total / J);
    });
    return loss;
  });
}

function eislCase(r, lib) {
  const B = r.int(1, 3);
  const T = r.int(1, 6);
  const Tp = r.int(1, 6);
  const V = r.int(1, 7);
  const scale = r.pick([0.5, 2, 10, 1e4]);
  const x = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: V }, () => f32(r.normal() * scale))));
  const y = Array.from({ length: B }, () => Array.from({ length: Tp }, () => r.int(0, V - 1)));
  const maxN = Math.min(T, Tp);
  const ngrams = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.int(1, maxN)))];
  const weights = r.bool(0.5) ? ngrams.map(() => f32(r.float(0, 1))) : undefined;
  const tau = r.pick([1, 0.5, 3]);
  const selection = r.pick(['softmax', 'gumbel']);
  const reduction = r.pick([undefined, 'mean', 'sum', 'none']);
  const options = { ngrams, tau, selection, seed: r.int(0, 1000), ...(weights ? { weights } : {}), ...(reduction ? { reduction } : {}) };
  let args = [y, x];
  let why;
  const codes = TYPED;
  const bad = r.bool(0.2) ? r.pick(['label', 'nan', 'ngram']) : undefined;
  if (bad === 'label') {
    args = [poke(y, [0, 0], r.pick([V, -1, 0.5])), x];
    why = 'a label out of range or fractional';
  } else if (bad === 'nan') {
    args = [y, poke(x, randomIndex(r, shapeOf(x)), r.nonFinite())];
    why = 'non-finite scores';
  } else if (bad === 'ngram') {
    options.ngrams = [maxN + 1];
    why = 'an n-gram longer than a sequence';
  }
  const want = !why && selection === 'softmax' ? eislRef(x, y, ngrams, weights ?? ngrams.map(() => 1 / ngrams.length), tau) : undefined;
  return {
    fn: 'eisl',
    expect: why ? 'invalid' : 'valid',
    why,
    codes,
    repro: { call: 'eisl(labels, yPred, options)', labels: args[0], yPred: args[1], options },
    run: () => lib.losses.eisl(args[0], args[1], options),
    check: (out) => {
      if (!want) return undefined;
      const got = Array.from(out.dataSync());
      const red = reduction ?? 'mean';
      const exp = red === 'none' ? want : red === 'sum' ? [want.reduce((a, v) => a + v, 0)] : [mean(want)];
      const msg = ref.allClose(got, exp, { rtol: 1e-4, atol: 1e-5, mag: 20 });
      return msg ? { category: 'wrong value', kind: 'eisl vs float64 reference', message: `eisl B=${B} T=${T} T'=${Tp} V=${V} n=${ngrams}: ${msg}` } : undefined;
    },
  };
}

function mixupCase(r, lib) {
  const B = r.int(1, 5);
  const D = r.int(1, 4);
  const C = r.int(1, 4);
  const x = r.matrix(B, D, 'normal', r.pick([1, 1e4]));
  const dense = r.bool(0.3);
  const labels = Array.from({ length: B }, () => r.int(0, C - 1));
  const y = dense ? r.probs(B, C) : labels;
  const alpha = r.pick([0, 0.2, 1, 2]);
  const options = { alpha, seed: r.int(0, 99), lambda: r.pick(['batch', 'sample']), ...(dense ? {} : { numClasses: C }) };
  let why;
  let args = [x, y];
  const bad = r.bool(0.2) ? r.pick(['alpha', 'label', 'nan', 'classes']) : undefined;
  if (bad === 'alpha') [options.alpha, why] = [r.pick([-1, NaN, 'a']), 'alpha out of range'];
  else if (bad === 'label' && !dense) [args, why] = [[x, poke(labels, [0], r.pick([C, -1, 0.5]))], 'a label out of range'];
  else if (bad === 'nan') [args, why] = [[poke(x, randomIndex(r, shapeOf(x)), r.nonFinite()), y], 'non-finite x'];
  else if (bad === 'classes' && !dense) [options.numClasses, why] = [r.pick([0, 1.5, undefined]), 'bad numClasses'];
  return {
    fn: 'mixup',
    expect: why ? 'invalid' : 'valid',
    why,
    codes: TYPED,
    repro: { call: 'mixup(x, y, options)', x: args[0], y: args[1], options },
    run: () => lib.losses.mixup(args[0], args[1], options),
    check: (out) => {
      if (why) return undefined;
      const xs = out.x.arraySync();
      const ys = out.y.arraySync();
      const t = dense ? y : labels.map((l) => Array.from({ length: C }, (_, k) => (k === l ? 1 : 0)));
      const wantX = x.map((row, i) => row.map((v, d) => out.lambda[i] * v + (1 - out.lambda[i]) * x[out.permutation[i]][d]));
      const wantY = t.map((row, i) => row.map((v, k) => out.lambda[i] * v + (1 - out.lambda[i]) * t[out.permutation[i]][k]));
      const perm = [...out.permutation].sort((a, b) => a - b).every((p, i) => p === i);
      const lamOk = out.lambda.every((l) => l >= 0 && l <= 1) && (alpha > 0 || out.lambda.every((l) => l === 1));
      const msg = ref.allClose(xs.flat(), wantX.flat(), { rtol: 1e-5, atol: 1e-6, mag: 1e4 }) ?? ref.allClose(ys.flat(), wantY.flat(), { rtol: 1e-5, atol: 1e-6 });
      if (!perm || !lamOk) return { category: 'wrong value', kind: 'mixup permutation or λ', message: `permutation ${[...out.permutation]}, λ ${out.lambda}` };
      return msg ? { category: 'wrong value', kind: 'mixup vs λx + (1 − λ)x[π]', message: msg } : undefined;
    },
  };
}

function s3ftCase(r, lib) {
  const predictionCorrect = r.pick([true, false, false, 'yes']);
  const withPara = r.bool(0.6);
  const paraphraseCorrect = withPara ? r.pick([true, false, 1]) : r.pick([undefined, undefined, true]);
  const c = { gold: 'g', prediction: 'p', predictionCorrect, ...(withPara ? { paraphrase: 'q' } : {}), ...(paraphraseCorrect === undefined ? {} : { paraphraseCorrect }) };
  const valid = typeof predictionCorrect === 'boolean' && (predictionCorrect || (withPara ? typeof paraphraseCorrect === 'boolean' : paraphraseCorrect !== true));
  const want = !valid ? undefined : predictionCorrect ? 'model' : withPara && paraphraseCorrect ? 'paraphrase' : 'gold';
  const async = r.bool(0.3);
  if (async) {
    const data = Array.from({ length: r.int(0, 3) }, (_, i) => ({ input: i, gold: `g${i}` }));
    const verdicts = data.map(() => [r.bool(), r.bool()]);
    const calls = [];
    return {
      fn: 's3ftTargets',
      expect: 'valid',
      repro: { call: 's3ftTargets(data, procedures)', data, verdicts },
      run: () =>
        lib.losses.s3ftTargets(data, {
          predict: async (x) => `p${x}`,
          judge: async (cand, _g, x) => (cand.startsWith('p') ? verdicts[x][0] : verdicts[x][1]),
          paraphrase: (x) => {
            calls.push(x);
            return `q${x}`;
          },
        }),
      finite: false,
      check: (out) => {
        const exp = verdicts.map(([a, b], i) => (a ? `p${i}` : b ? `q${i}` : `g${i}`));
        const para = verdicts.flatMap(([a], i) => (a ? [] : [i]));
        if (JSON.stringify(out.map((o) => o.target)) !== JSON.stringify(exp) || JSON.stringify(calls) !== JSON.stringify(para)) {
          return { category: 'wrong value', kind: 's3ftTargets selection', message: `got ${JSON.stringify(out)}, paraphrased ${calls}; expected ${exp}, paraphrases of ${para}` };
        }
        return undefined;
      },
    };
  }
  return {
    fn: 's3ftTarget',
    expect: valid ? 'valid' : 'invalid',
    why: valid ? undefined : 'a missing or non-boolean verdict',
    codes: ['INVALID_ARGUMENT'],
    repro: { call: 's3ftTarget(candidates)', candidates: c },
    run: () => lib.losses.s3ftTarget(c),
    finite: false,
    check: (out) => (valid && out.source !== want ? { category: 'wrong value', kind: 's3ftTarget source', message: `got ${out.source}, expected ${want} for ${JSON.stringify(c)}` } : undefined),
  };
}

const H = { reverseKl: () => 1, softenedReverseKl: (x) => 1 / (1 + x), jensenShannon: (x) => 1 - 1 / (1 + x), squaredHellinger: Math.sqrt, forwardKl: (x) => x, jeffreys: (x) => 1 + x, neyman: (x) => 1 / Math.max(x, 1e-8) };

function helperCase(r, lib) {
  const L = lib.losses;
  const items = [
    () => {
      const B = r.int(0, 4);
      const K = r.int(1, 3);
      const logits = r.matrix(B, K, 'normal', r.pick([1, 5, 30]));
      const divergence = r.pick([...Object.keys(H), 'kl']);
      const lo = r.pick([0.1, 0.5, 0]);
      const valid = B > 0 && divergence in H && lo > 0;
      return {
        fn: 'fDistillWeights',
        valid,
        run: () => L.fDistillWeights(logits, { divergence, ratioLower: lo }),
        repro: { logits, divergence, ratioLower: lo },
        check: (out) => {
          const rr = logits.map((row) => Math.min(Math.max(Math.exp(Math.min(Math.max(mean(row), -10), 10)), lo), 20));
          const h = rr.map(H[divergence]);
          const m = mean(h);
          const msg = ref.allClose(out.weights, h.map((v) => v / (m + 1e-6)), { rtol: 1e-9, atol: 1e-12 });
          return msg ? { category: 'wrong value', kind: 'fDistillWeights vs FastGen formula', message: msg } : undefined;
        },
        finite: (out) => out.weights,
      };
    },
    () => {
      const size = r.pick([1, 3, 5, 0, 2.5]);
      const dim = r.pick([1, 2, 4]);
      const pushes = Array.from({ length: r.int(0, 3) }, () => r.matrix(r.int(1, 6), r.bool(0.9) ? dim : dim + 1, 'normal', 1));
      const valid = Number.isInteger(size) && size >= 1 && pushes.every((p) => p[0].length === dim);
      return {
        fn: 'manifoldEntropyBuffer',
        valid,
        run: () => {
          const s = L.manifoldEntropyBuffer({ size, dim, seed: 1 });
          const init = s.rows();
          for (const p of pushes) s.push(p);
          return { init, rows: s.rows() };
        },
        repro: { size, dim, pushes },
        check: (out) => {
          let rows = out.init.map((row) => row.slice());
          for (const p of pushes) rows = [...rows, ...p.map((row) => row.map(f32))].slice(-size);
          return JSON.stringify(out.rows) === JSON.stringify(rows) ? undefined : { category: 'wrong value', kind: 'manifoldEntropyBuffer FIFO', message: `got ${JSON.stringify(out.rows)}, expected ${JSON.stringify(rows)}` };
        },
        finite: (out) => out.rows.flat(),
      };
    },
    () => {
      const gamma = r.pick([0.1, 0.5, 1, 0, 2]);
      const steps = Array.from({ length: r.int(1, 4) }, () => {
        const m = r.int(1, 4);
        return [Array.from({ length: m }, () => f32(r.normal() * r.pick([1, 100, 1e4]))), Array.from({ length: m }, () => f32(r.normal()))];
      });
      const valid = gamma > 0 && gamma <= 1;
      return {
        fn: 'compositionalNllState',
        valid,
        run: () => {
          const s = L.compositionalNllState({ gamma });
          return steps.map(([f, q]) => s.update(f, q).logU);
        },
        repro: { gamma, steps },
        check: (out) => {
          let logU;
          const want = steps.map(([f, q]) => {
            const s = f.map((v, j) => v - q[j]);
            const lme = ref.lse(s) - Math.log(s.length);
            logU = logU === undefined ? lme : ref.lse([gamma === 1 ? -Infinity : Math.log1p(-gamma) + logU, Math.log(gamma) + lme]);
            return logU;
          });
          const msg = ref.allClose(out, want, { rtol: 1e-12, atol: 1e-9 });
          return msg ? { category: 'wrong value', kind: 'compositionalNllState recurrence', message: msg } : undefined;
        },
      };
    },
    () => {
      const g = r.pick([1, 2, 3, 5, 12, 0, 1.5]);
      const t = r.pick([1, 2, 4, 11, 24, 0]);
      const valid = Number.isInteger(g) && g >= 1 && Number.isInteger(t) && t >= 1;
      return {
        fn: 'ckaLayerMapping',
        valid,
        run: () => L.ckaLayerMapping(g, t),
        repro: { guideLayers: g, targetLayers: t },
        check: (out) => {
          // Python's round: half to even.
          const pyRound = (v) => {
            const f = Math.floor(v);
            const d = v - f;
            return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
          };
          const step = g > 1 ? (t - 1) / (g - 1) : 1;
          const want = Array.from({ length: g }, (_, i) => Math.min(pyRound(i * step), t - 1));
          return JSON.stringify(out) === JSON.stringify(want) ? undefined : { category: 'wrong value', kind: 'ckaLayerMapping', message: `got ${out}, expected ${want}` };
        },
      };
    },
    () => {
      const B = r.int(1, 4);
      const C = r.int(1, 4);
      const s = r.matrix(B, C, 'normal', r.pick([1, 50, 1e4]));
      const y = Array.from({ length: B }, () => Array.from({ length: C }, () => (r.bool() ? 1 : 0)));
      return {
        fn: 'positiveRankingPenalty',
        valid: true,
        run: () => lib.core.compile(L.positiveRankingPenalty())(y, s),
        repro: { y, s },
        check: (out) => {
          let maxNeg = -Infinity;
          s.forEach((row, i) => row.forEach((v, k) => (y[i][k] < 1 ? (maxNeg = Math.max(maxNeg, v)) : 0)));
          let num = 0;
          let pos = 0;
          s.forEach((row, i) => row.forEach((v, k) => (y[i][k] > 0 ? (pos++, (num += maxNeg > -Infinity ? Math.min(0, Math.max(v - maxNeg, -100)) ** 2 : 0)) : 0)));
          const msg = ref.allClose([out.dataSync()[0]], [num / (pos + 1)], { rtol: 1e-5, atol: 1e-6, mag: 100 });
          return msg ? { category: 'wrong value', kind: 'positiveRankingPenalty vs float64 reference', message: msg } : undefined;
        },
      };
    },
  ];
  const it = r.pick(items)();
  return {
    fn: it.fn,
    expect: it.valid ? 'valid' : 'invalid',
    why: it.valid ? undefined : 'invalid helper argument',
    codes: TYPED,
    repro: { call: it.fn, ...it.repro },
    run: () => it.run(),
    check: it.valid ? it.check : undefined,
    finite: it.valid ? (it.finite ?? undefined) : false,
  };
}

/** DR-Tune's calibration without rotation, float64 (weeknan/DR-Tune model.py semantic_calibration). */
function drTuneRef(pre, down, labels, W, z) {
  const unit = (r) => {
    const n = Math.max(Math.hypot(...r), 1e-12);
    return r.map((x) => x / n);
  };
  const l2 = z.reduce((a, r) => a + Math.hypot(...r), 0) / z.length;
  const P = pre.map(unit);
  const Z = down.map(unit);
  W.forEach((w, c) => {
    const idx = labels.flatMap((l, k) => (l === c ? [k] : []));
    if (idx.length === 0) return;
    const proto = unit(w);
    const sc = idx.map((k) => Z[k].reduce((a, x, j) => a + x * proto[j], 0));
    const m = Math.max(...sc);
    const e = sc.map((x) => Math.exp(x - m));
    const tot = e.reduce((a, b) => a + b, 0);
    const dc = proto.map((_, j) => idx.reduce((a, k, i) => a + (e[i] / tot) * Z[k][j], 0));
    const pc = proto.map((_, j) => idx.reduce((a, k) => a + P[k][j], 0) / idx.length);
    for (const k of idx) P[k] = P[k].map((x, j) => x + dc[j] - pc[j]);
  });
  return P.map((r) => unit(r).map((x) => x * l2));
}

function drTuneCase(r, lib) {
  const K = r.int(1, 6);
  const D = r.int(1, 4);
  const C = r.int(1, 3);
  const scale = r.pick([1, 1e-3, 1e4]);
  const mat = (n, d) => Array.from({ length: n }, () => Array.from({ length: d }, () => f32(r.normal() * scale)));
  const pre = mat(K, D);
  const down = mat(K, D);
  const labels = Array.from({ length: K }, () => r.int(0, C - 1));
  const W = mat(C, D);
  const z = mat(r.int(1, 3), D);
  const rotate = r.bool(0.5);
  const bad = r.bool(0.15) ? r.pick(['label', 'width', 'nan', 'rotate']) : undefined;
  let zz = z;
  let WW = W;
  let rot = rotate;
  let lab = labels;
  if (bad === 'label') lab = labels.map((l, k) => (k === 0 ? C : l));
  if (bad === 'width') WW = W.map((row) => [...row, 1]);
  if (bad === 'nan') zz = z.map((row, i) => row.map((x, j) => (i === 0 && j === 0 ? Number.NaN : x)));
  if (bad === 'rotate') rot = 'yes';
  return {
    fn: 'drTuneCalibrate',
    expect: bad ? 'invalid' : 'valid',
    why: bad,
    codes: TYPED,
    repro: { call: 'drTuneCalibrate(queue(pre, down, labels), z, W, { rotate })', pre, down, labels: lab, W: WW, z: zz, rotate: rot },
    run: () => {
      const q = lib.losses.drTuneQueue({ size: K, dim: D });
      q.push(down, lab, pre);
      return lib.losses.drTuneCalibrate(q, zz, WW, { rotate: rot });
    },
    check: (out) => {
      const got = out.features.arraySync();
      const l2 = z.reduce((a, row) => a + Math.hypot(...row.map(f32)), 0) / z.length;
      // Every row has the batch's mean norm (or is 0: a row the translation cancels, F.normalize keeps 0); without
      // rotation the values match the reference.
      const norms = got.map((row) => Math.hypot(...row));
      // A row the translation (nearly) cancels is cancellation noise scaled by 1/max(‖·‖, 1e-12), in the authors' code
      // too: such rows (norm below 1e-3·l2 here) are left out of both checks.
      const live = norms.map((n) => n > 1e-3 * l2);
      let msg = norms.some((n, k) => live[k] && Math.abs(n - l2) > 1e-4 * Math.max(1, l2)) ? `row norms ${norms} vs ${l2}` : undefined;
      if (!msg && !rotate) {
        const want = drTuneRef(pre.map((row) => row.map(f32)), down.map((row) => row.map(f32)), labels, W, z.map((row) => row.map(f32)));
        msg = ref.allClose(got.filter((_, k) => live[k]).flat(), want.filter((_, k) => live[k]).flat(), { rtol: 1e-4, atol: 1e-5 * Math.max(1, l2) });
      }
      return msg ? { category: 'wrong value', kind: 'drTuneCalibrate vs float64 semantic calibration', message: msg } : undefined;
    },
    finite: (out) => out.features.dataSync(),
  };
}

export function generate(r, lib) {
  const kind = r.weighted({ eisl: 3, mixup: 3, s3ft: 2, helper: 4, drTune: 2 });
  const c = kind === 'drTune' ? drTuneCase(r, lib) : kind === 'eisl' ? eislCase(r, lib) : kind === 'mixup' ? mixupCase(r, lib) : kind === 's3ft' ? s3ftCase(r, lib) : helperCase(r, lib);
  return { pkg: '@losskit/losses', ...c };
}
