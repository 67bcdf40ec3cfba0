// @losskit/scaling: law predictions against the published closed forms, compute-optimal allocation against
// Hoffmann et al.'s Eq. 4, fits that must do at least as well as the generating parameters (given as a start),
// bootstrap / extrapolation runs, CSV/JSON parsing of random and corrupted tables, the numerical helpers, and bad
// input (non-positive or non-finite sizes, negative exponents, missing columns). Typed errors here are ScalingError.

export function generate(r, lib) {
  const kind = r.weighted({ predict: 32, allocation: 12, fit: 14, parse: 16, helpers: 14, invalid: 12, seeds: 14 });
  if (kind === 'seeds') return seedsCase(r, lib);
  if (kind === 'predict') return predictCase(r, lib);
  if (kind === 'allocation') return allocationCase(r, lib);
  if (kind === 'fit') return fitCase(r, lib);
  if (kind === 'parse') return parseCase(r, lib);
  if (kind === 'helpers') return helperCase(r, lib);
  return invalidCase(r, lib);
}

const logUniform = (r, lo, hi) => 10 ** r.float(Math.log10(lo), Math.log10(hi));

/** Laws with valid parameters, input generators and the closed form. */
function randomLaw(r, S) {
  const k = r.pick(['chinchilla', 'kaplanN', 'kaplanD', 'kaplanC', 'kaplanND', 'powerLaw', 'lossToLoss', 'nmt', 'downstreamLog', 'annealing', 'kaplanNS', 'criticalBatch', 'timeChinchilla', 'sftMixing']);
  switch (k) {
    case 'kaplanNS': {
      const p = r.bool(0.4) ? undefined : { Nc: logUniform(r, 1e8, 1e15), Sc: logUniform(r, 10, 1e5), alphaN: r.float(0.01, 0.5), alphaS: r.float(0.1, 1.5) };
      const q = p ?? { Nc: 6.5e13, Sc: 2.1e3, alphaN: 0.077, alphaS: 0.76 };
      return { k, p, code: `kaplanNS(${p ? JSON.stringify(p) : ''})`, make: () => S.kaplanNS(p), inputs: () => ({ N: logUniform(r, 1e3, 1e13), S: logUniform(r, 1, 1e7) }), f: (x) => (q.Nc / x.N) ** q.alphaN + (q.Sc / x.S) ** q.alphaS };
    }
    case 'criticalBatch': {
      const p = r.bool(0.4) ? undefined : { Bstar: logUniform(r, 1e4, 1e10), alphaB: r.float(0.1, 1) };
      const q = p ?? { Bstar: 2e8, alphaB: 0.21 };
      return { k, p, code: `criticalBatch(${p ? JSON.stringify(p) : ''})`, make: () => S.criticalBatch(p), inputs: () => ({ L: r.float(1.5, 8) }), f: (x) => q.Bstar / x.L ** (1 / q.alphaB) };
    }
    case 'timeChinchilla': {
      const p = { A: logUniform(r, 1, 1e4), B: logUniform(r, 1, 1e4), E: r.float(0, 3), alpha: r.float(0.05, 1), beta: r.float(0.05, 1) };
      return { k, p, code: `timeChinchilla(${JSON.stringify(p)})`, make: () => S.timeChinchilla(p), inputs: () => ({ N: logUniform(r, 1e3, 1e12), T: logUniform(r, 10, 1e6), stepTime: logUniform(r, 1e-3, 10), tokensPerStep: logUniform(r, 1e3, 1e7) }), f: (x) => p.E + p.A / x.N ** p.alpha + p.B / ((x.T * x.tokensPerStep) / x.stepTime) ** p.beta };
    }
    case 'sftMixing': {
      const p = { K: logUniform(r, 0.1, 100), alpha: r.float(0.05, 1), C: r.float(0, 3), t: logUniform(r, 1e-4, 1), beta: r.float(0.1, 1.5) };
      return { k, p, code: `sftMixingLaw(${JSON.stringify(p)})`, make: () => S.sftMixingLaw(p), inputs: () => ({ Dself: logUniform(r, 1, 1e8), Dother: r.bool(0.2) ? 0 : logUniform(r, 1, 1e8) }), f: (x) => p.C + p.K * (x.Dself + p.t * x.Dother ** p.beta) ** -p.alpha };
    }
    case 'chinchilla': {
      const p = r.bool(0.3) ? { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 } : { A: logUniform(r, 1, 1e4), B: logUniform(r, 1, 1e4), E: r.float(0, 3), alpha: r.float(0.05, 1), beta: r.float(0.05, 1) };
      return { k, p, code: `chinchilla(${JSON.stringify(p)})`, make: () => S.chinchilla(p), inputs: () => ({ N: logUniform(r, 1e3, 1e15), D: logUniform(r, 1e6, 1e16) }), f: (x) => p.E + p.A / x.N ** p.alpha + p.B / x.D ** p.beta };
    }
    case 'kaplanN':
    case 'kaplanD':
    case 'kaplanC': {
      const v = k.slice(-1);
      const p = r.bool(0.5) ? undefined : { [`${v}c`]: logUniform(r, 1e3, 1e15), [`alpha${v}`]: r.float(0.01, 0.5) };
      const c = p ? p[`${v}c`] : S.kaplanConstants[v].c;
      const a = p ? p[`alpha${v}`] : S.kaplanConstants[v].alpha;
      return { k, p, code: `kaplan('${v}'${p ? `, ${JSON.stringify(p)}` : ''})`, make: () => S.kaplan(v, p), inputs: () => ({ [v]: logUniform(r, 1, 1e20) }), f: (x) => (c / x[v]) ** a };
    }
    case 'kaplanND': {
      const p = r.bool(0.5) ? undefined : { Nc: logUniform(r, 1e8, 1e15), Dc: logUniform(r, 1e8, 1e15), alphaN: r.float(0.01, 0.3), alphaD: r.float(0.01, 0.3) };
      const q = p ?? S.kaplanConstants.ND;
      return { k, p, code: `kaplanND(${p ? JSON.stringify(p) : ''})`, make: () => S.kaplanND(p), inputs: () => ({ N: logUniform(r, 1e3, 1e15), D: logUniform(r, 1e6, 1e16) }), f: (x) => ((q.Nc / x.N) ** (q.alphaN / q.alphaD) + q.Dc / x.D) ** q.alphaD };
    }
    case 'powerLaw': {
      const p = { E: r.float(0, 3), x0: logUniform(r, 1, 1e10), alpha: r.float(0.01, 1) };
      return { k, p, code: `powerLaw('N', ${JSON.stringify(p)})`, make: () => S.powerLaw('N', p), inputs: () => ({ N: logUniform(r, 1, 1e15) }), f: (x) => p.E + (p.x0 / x.N) ** p.alpha };
    }
    case 'lossToLoss': {
      const p = { K: r.float(0.1, 3), kappa: r.float(0.3, 2), Ex: r.float(0.5, 2), Ey: r.float(0.5, 2) };
      return { k, p, code: `lossToLoss(${JSON.stringify(p)})`, make: () => S.lossToLoss(p), inputs: () => ({ Lx: p.Ex + r.float(0.01, 3) }), f: (x) => p.K * (x.Lx - p.Ex) ** p.kappa + p.Ey };
    }
    case 'nmt': {
      const ref = { NeRef: 1e8, NdRef: 1e8 };
      const p = { alpha: r.float(0.1, 3), pe: r.float(0.05, 1), pd: r.float(0.05, 1), Linf: r.float(0, 3) };
      return { k, p, code: `nmtLaw(${JSON.stringify(ref)}, ${JSON.stringify(p)})`, make: () => S.nmtLaw(ref, p), inputs: () => ({ Ne: logUniform(r, 1e6, 1e10), Nd: logUniform(r, 1e6, 1e10) }), f: (x) => p.alpha * (ref.NeRef / x.Ne) ** p.pe * (ref.NdRef / x.Nd) ** p.pd + p.Linf };
    }
    case 'downstreamLog': {
      const p = { A: logUniform(r, 1e-6, 1), alpha: r.float(0.1, 1), beta: r.float(0.5, 2) };
      return { k, p, code: `downstreamLog(${JSON.stringify(p)})`, make: () => S.downstreamLog(p), inputs: () => ({ Dp: 10 ** (-Math.log10(p.A) / p.alpha + r.float(0.1, 5)) }), f: (x) => (Math.log(p.A) + p.alpha * Math.log(x.Dp)) ** p.beta };
    }
    default: {
      const p = { L0: r.float(1, 4), A: r.float(0, 5), alpha: r.float(0, 1), C: r.float(0, 2) };
      return { k, p, code: `annealingLaw(${JSON.stringify(p)})`, make: () => S.annealingLaw(p), inputs: () => ({ S1: logUniform(r, 1, 1e4), S2: r.float(0, 10) }), f: (x) => p.L0 + p.A * x.S1 ** -p.alpha - p.C * x.S2 };
    }
  }
}

function predictCase(r, lib) {
  const S = lib.scaling;
  const law = randomLaw(r, S);
  const xs = Array.from({ length: r.int(1, 4) }, () => law.inputs());
  const want = xs.map((x) => law.f(x));
  // Annealing can go negative for large S2 (the law's own value); other laws are positive on their domain.
  return {
    fn: `${law.code.split('(')[0]}.predict`,
    expect: 'valid',
    repro: { call: `${law.code}.predict(x) for each x`, xs },
    run: () => {
      const l = law.make();
      return { values: xs.map((x) => l.predict(x)), text: l.toString() };
    },
    check: ({ values, text }) => {
      const msg = values.map((v, i) => (Math.abs(v - want[i]) > 1e-9 * Math.max(1, Math.abs(want[i])) ? `x = ${JSON.stringify(xs[i])}: expected ${want[i]}, got ${v}` : undefined)).find(Boolean);
      if (msg) return { category: 'wrong value', kind: `${law.k} predict vs closed form`, message: msg };
      if (/NaN|undefined|Infinity/.test(text)) return { category: 'wrong value', kind: `${law.k} toString`, message: text };
      return undefined;
    },
  };
}

// ── allocation ───────────────────────────────────────────────────────────────

function allocationCase(r, lib) {
  const S = lib.scaling;
  const p = r.bool(0.4) ? { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 } : { A: logUniform(r, 10, 1e4), B: logUniform(r, 10, 1e4), E: r.float(0.5, 3), alpha: r.float(0.1, 0.8), beta: r.float(0.1, 0.8) };
  const C = logUniform(r, 1e15, 1e26);
  const which = r.pick(['closed', 'numeric', 'isoFlop', 'isoLoss']);
  // Hoffmann et al. 2022, Eq. 4: G = (αA/(βB))^{1/(α+β)}, N = G (C/6)^{β/(α+β)}, D = (C/6)^{α/(α+β)} / G.
  const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
  const N = G * (C / 6) ** (p.beta / (p.alpha + p.beta));
  const D = (C / 6) ** (p.alpha / (p.alpha + p.beta)) / G;
  const L = (n, d) => p.E + p.A / n ** p.alpha + p.B / d ** p.beta;
  const inRange = N > 1e3 && N < 1e15;
  return {
    fn: which === 'closed' ? 'computeOptimal(chinchilla)' : which === 'numeric' ? 'computeOptimal(chinchilla, { cost })' : which === 'isoFlop' ? 'isoFlopCurve' : 'isoLossCurve',
    expect: 'valid',
    repro: { call: which, law: `chinchilla(${JSON.stringify(p)})`, C },
    run: () => {
      const law = S.chinchilla(p);
      if (which === 'closed') return S.computeOptimal(law, C);
      if (which === 'numeric') return S.computeOptimal(law, C, { cost: (n, d) => 6 * n * d });
      if (which === 'isoFlop') return S.isoFlopCurve(law, C, { points: 5 });
      return S.isoLossCurve(law, L(N, D), { points: 5 });
    },
    check: (out) => {
      if (which === 'closed' || (which === 'numeric' && inRange)) {
        const tol = which === 'closed' ? 1e-9 : 1e-3;
        const bad = [['N', out.N, N], ['D', out.D, D], ['loss', out.loss, L(N, D)], ['tokensPerParam', out.tokensPerParam, D / N]].find(([, got, w]) => !(Math.abs(got - w) <= tol * Math.abs(w)));
        return bad ? { category: 'wrong value', kind: `computeOptimal ${which} vs Hoffmann Eq. 4`, message: `${bad[0]}: expected ${bad[2]}, got ${bad[1]}` } : undefined;
      }
      if (which === 'isoFlop') {
        const bad = out.find((pt) => Math.abs((6 * pt.N * pt.D) / C - 1) > 1e-6 || Math.abs(pt.loss - L(pt.N, pt.D)) > 1e-9 * pt.loss);
        return bad ? { category: 'wrong value', kind: 'isoFlopCurve points', message: `point ${JSON.stringify(bad)} is off C = 6ND = ${C} or off the law` } : undefined;
      }
      if (which === 'isoLoss') {
        const target = L(N, D);
        const bad = out.find((pt) => Math.abs(L(pt.N, pt.D) / target - 1) > 1e-6);
        return bad ? { category: 'wrong value', kind: 'isoLossCurve points', message: `point ${JSON.stringify(bad)} has loss ${L(bad.N, bad.D)}, target ${target}` } : undefined;
      }
      return undefined;
    },
  };
}

// ── fits ─────────────────────────────────────────────────────────────────────

/** Σ Huber_δ(log L̂ − log L) (or Σ r²/2) over runs, with the law's own predict. */
function objective(law, runs, loss, delta) {
  return runs.reduce((s, run) => {
    const rr = Math.log(law(run)) - Math.log(run.loss);
    const a = Math.abs(rr);
    return s + (loss === 'squared' ? (rr * rr) / 2 : a <= delta ? (rr * rr) / 2 : delta * (a - delta / 2));
  }, 0);
}

function fitCase(r, lib) {
  const S = lib.scaling;
  const which = r.pick(['kaplanN', 'powerLaw', 'chinchilla', 'bootstrap', 'extrapolation']);
  const n = r.int(3, 14);
  const noise = r.pick([0, 0.01, 0.05]);
  const loss = r.pick(['huber', 'squared']);
  const delta = r.pick([1e-3, 0.1]);
  let runs;
  let fam;
  let truth;
  let starts;
  let lawOf;
  if (which === 'kaplanN') {
    truth = { Nc: logUniform(r, 1e10, 1e14), alphaN: r.float(0.03, 0.3) };
    runs = Array.from({ length: n }, () => ({ N: logUniform(r, 1e5, 1e11) })).map((x) => ({ ...x, loss: (truth.Nc / x.N) ** truth.alphaN * Math.exp(noise * r.normal()) }));
    fam = () => S.kaplanFamily('N');
    lawOf = (q) => (x) => (q.Nc / x.N) ** q.alphaN;
  } else if (which === 'powerLaw') {
    truth = { E: r.float(0.5, 2), x0: logUniform(r, 1e3, 1e8), alpha: r.float(0.1, 0.8) };
    runs = Array.from({ length: Math.max(n, 4) }, () => ({ N: logUniform(r, 1e4, 1e12) })).map((x) => ({ ...x, loss: (truth.E + (truth.x0 / x.N) ** truth.alpha) * Math.exp(noise * r.normal()) }));
    fam = () => S.powerLawFamily('N');
    lawOf = (q) => (x) => q.E + (q.x0 / x.N) ** q.alpha;
  } else {
    truth = { A: logUniform(r, 50, 2000), B: logUniform(r, 50, 2000), E: r.float(1, 2.5), alpha: r.float(0.2, 0.6), beta: r.float(0.2, 0.6) };
    runs = Array.from({ length: Math.max(n, 6) }, () => ({ N: logUniform(r, 1e6, 1e11), D: logUniform(r, 1e8, 1e12) })).map((x) => ({ ...x, loss: (truth.E + truth.A / x.N ** truth.alpha + truth.B / x.D ** truth.beta) * Math.exp(noise * r.normal()) }));
    fam = () => S.chinchillaFamily;
    lawOf = (q) => (x) => q.E + q.A / x.N ** q.alpha + q.B / x.D ** q.beta;
    starts = (f) => [f.toTheta(truth), ...f.defaultStarts([], new Float64Array()).filter((_, i) => i % 900 === 7).slice(0, 4)];
  }
  const o = { loss, delta, requireConvergence: false };
  if (which === 'bootstrap' || which === 'extrapolation') {
    const k = which === 'extrapolation' ? Math.min(2, runs.length - 5) : 0;
    return {
      fn: which === 'bootstrap' ? 'bootstrapFit(chinchilla)' : 'extrapolationError(chinchilla)',
      expect: which === 'extrapolation' && k < 1 ? 'any' : 'valid',
      finite: (out) => Object.values(out).flat().filter((v) => typeof v === 'number'),
      timeoutMs: 8000,
      repro: { call: which, runs },
      run: () => {
        const f = fam();
        const st = starts(f);
        if (which === 'bootstrap') {
          const b = S.bootstrapFit(f, runs, { resamples: 4, seed: 1, starts: st, requireConvergence: false });
          return { failed: b.failed, level: b.level, laws: b.laws.length };
        }
        const e = S.extrapolationError(f, runs, { k, starts: st, requireConvergence: false });
        return { meanAbsLogError: e.meanAbsLogError, heldOut: e.heldOut.length };
      },
    };
  }
  return {
    fn: `fitLaw(${which})`,
    expect: 'valid',
    timeoutMs: 8000,
    repro: { call: `fitLaw(${which === 'kaplanN' ? "kaplanFamily('N')" : which === 'powerLaw' ? "powerLawFamily('N')" : 'chinchillaFamily'}, runs, ${JSON.stringify(o)}${starts ? ' + starts: [the true θ, 4 grid points]' : ''})`, truth, runs },
    run: () => {
      const f = fam();
      const res = S.fitLaw(f, runs, { ...o, ...(starts ? { starts: starts(f) } : {}) });
      return { params: res.params, objective: res.objective, converged: res.converged };
    },
    check: (out) => {
      // The fit must do at least as well as the parameters that generated the data (a start, for Chinchilla).
      const atTruth = objective(lawOf(truth), runs, loss, delta);
      const atFit = objective(lawOf(out.params), runs, loss, delta);
      if (Math.abs(atFit - out.objective) > 1e-6 * Math.max(1e-12, atFit) + 1e-12) return { category: 'wrong value', kind: `fitLaw(${which}) reported objective`, message: `reported ${out.objective}, recomputed ${atFit} at ${JSON.stringify(out.params)}` };
      if (atFit > atTruth * (1 + 1e-6) + 1e-10) return { category: 'wrong value', kind: `fitLaw(${which}) worse than the generating parameters`, message: `objective ${atFit} at ${JSON.stringify(out.params)} > ${atTruth} at the truth ${JSON.stringify(truth)}` };
      return undefined;
    },
  };
}

// ── parsing ──────────────────────────────────────────────────────────────────

function parseCase(r, lib) {
  const S = lib.scaling;
  const n = r.int(0, 4);
  const rows = Array.from({ length: n }, () => ({ N: Number(logUniform(r, 1e6, 1e10).toPrecision(4)), D: Number(logUniform(r, 1e8, 1e12).toPrecision(4)), loss: Number(r.float(1.5, 4).toPrecision(4)) }));
  const corrupt = r.bool(0.5) ? r.pick(['garbage', 'missingColumn', 'badNumber', 'negative', 'ragged', 'json', 'emptyString', 'nan', 'unknownColumn']) : undefined;
  const format = r.pick(['csv', 'json', 'records']);
  let text;
  if (format === 'csv') {
    text = `N,D,loss\n${rows.map((x) => `${x.N},${x.D},${x.loss}`).join('\n')}\n`;
    if (corrupt === 'garbage') text = r.pick(['\u0000\u0001', ',,,\n,,', '"unterminated,1,2\n', 'a;b;c\n1;2;3']);
    if (corrupt === 'missingColumn') text = `N,D\n${rows.map((x) => `${x.N},${x.D}`).join('\n')}`;
    if (corrupt === 'badNumber') text = `N,D,loss\n1e8,abc,3.2`;
    if (corrupt === 'negative') text = `N,D,loss\n-1e8,1e9,3.2`;
    if (corrupt === 'ragged') text = `N,D,loss\n1e8,1e9`;
    if (corrupt === 'nan') text = `N,D,loss\nNaN,1e9,3.2`;
    if (corrupt === 'emptyString') text = '';
    if (corrupt === 'unknownColumn') text = `N,D,loss,foo\n1e8,1e9,3.2,bar`;
  } else if (format === 'json') {
    text = JSON.stringify(rows);
    if (corrupt === 'garbage' || corrupt === 'json') text = r.pick(['{', '[1,2', 'null', '42', '"x"', '{"runs": 5}']);
    if (corrupt === 'missingColumn') text = JSON.stringify(rows.map(({ N, D }) => ({ N, D })));
    if (corrupt === 'badNumber') text = '[{"N": "abc", "D": 1e9, "loss": 3}]';
    if (corrupt === 'negative') text = '[{"N": -1, "D": 1e9, "loss": 3}]';
    if (corrupt === 'nan') text = '[{"N": null, "D": 1e9, "loss": 3}]';
    if (corrupt === 'emptyString') text = '';
  }
  const records = {
    badNumber: [{ N: 'abc', D: 1e9, loss: 3 }],
    negative: [{ N: -1, D: 1e9, loss: 3 }],
    missingColumn: rows.map(({ N, D }) => ({ N, D })),
    nan: [{ N: NaN, D: 1, loss: 1 }],
    unknownColumn: rows.map((x) => ({ ...x, foo: 'bar' })),
  }[corrupt] ?? rows;
  // Which corruptions each format received (the others left the table valid).
  const applied = corrupt !== undefined && corrupt !== 'unknownColumn' && {
    csv: ['garbage', 'missingColumn', 'badNumber', 'negative', 'ragged', 'nan', 'emptyString'],
    json: ['garbage', 'json', 'missingColumn', 'badNumber', 'negative', 'nan', 'emptyString'],
    records: ['badNumber', 'negative', 'missingColumn', 'nan'],
  }[format].includes(corrupt);
  const invalid = applied;
  return {
    fn: format === 'csv' ? 'parseRunsCsv' : format === 'json' ? 'parseRunsJson' : 'runsFromRecords',
    expect: invalid || n === 0 ? (invalid ? 'invalid' : 'any') : 'valid',
    why: corrupt,
    codes: ['PARSE_ERROR', 'MISSING_COLUMN', 'INVALID_VALUE', 'TOO_FEW_RUNS', 'INVALID_ARGUMENT'],
    finite: false,
    repro: format === 'records' ? { call: 'runsFromRecords(records)', records } : { call: format === 'csv' ? 'parseRunsCsv(text)' : 'parseRunsJson(text)', text },
    run: () => (format === 'csv' ? S.parseRunsCsv(text) : format === 'json' ? S.parseRunsJson(text) : S.runsFromRecords(records)),
    check: (out) => {
      // Compare only tables built from `rows` (the CSV/JSON corruptions replace the text).
      const fromRows = !corrupt || (!applied && !(format !== 'records' && corrupt === 'unknownColumn'));
      if (!fromRows) return undefined;
      const bad = rows.findIndex((x, i) => !out[i] || ['N', 'D', 'loss'].some((k) => out[i][k] !== x[k]));
      return bad >= 0 || out.length !== rows.length ? { category: 'wrong value', kind: 'parsed runs differ', message: `row ${bad}: ${JSON.stringify(out[bad])} vs ${JSON.stringify(rows[bad])}` } : undefined;
    },
  };
}

// ── helpers ──────────────────────────────────────────────────────────────────

function helperCase(r, lib) {
  const S = lib.scaling;
  const which = r.pick(['quantile', 'annealingAreas', 'predictSchedule', 'nmtOptimalSplit', 'minimize', 'seededRng', 'formatNumber', 'plot']);
  if (which === 'quantile') {
    const xs = Array.from({ length: r.int(0, 5) }, () => r.float(0, 10)).sort((a, b) => a - b);
    const q = r.pick([0, 0.5, 0.25, 1, 0.99, -0.1, 1.5, NaN]);
    if (r.bool(0.15) && xs.length) xs[0] = NaN;
    const valid = xs.length > 0 && q >= 0 && q <= 1 && xs.every(Number.isFinite);
    const h = (xs.length - 1) * q;
    const lo = Math.floor(h);
    const want = valid ? xs[lo] + (h - lo) * (xs[Math.min(lo + 1, xs.length - 1)] - xs[lo]) : NaN;
    return {
      fn: 'quantile',
      expect: valid ? 'valid' : 'invalid',
      why: `quantile(${JSON.stringify(xs)}, ${q})`,
      codes: ['INVALID_ARGUMENT', 'INVALID_VALUE'], // scaling reports bad data as INVALID_VALUE (its ScalingErrorCode set)
      repro: { call: 'quantile(sorted, q)', sorted: xs, q },
      run: () => S.quantile(xs, q),
      check: (v) => (Math.abs(v - want) > 1e-12 * Math.max(1, Math.abs(want)) ? { category: 'wrong value', kind: 'quantile vs linear interpolation', message: `expected ${want}, got ${v}` } : undefined),
    };
  }
  if (which === 'annealingAreas' || which === 'predictSchedule') {
    const sched = Array.from({ length: r.int(1, 8) }, () => r.pick([1, 0.5, 0.1, 0, r.float(0, 1)]));
    const decay = r.pick([0.999, 0, 0.5]);
    let s1 = 0;
    let s2 = 0;
    let m = 0;
    const S1 = [];
    const S2 = [];
    sched.forEach((lr, i) => {
      if (i > 0) m = decay * m + (sched[i - 1] - lr);
      s1 += lr;
      s2 += m;
      S1.push(s1);
      S2.push(s2);
    });
    const p = { L0: 2, A: 1, alpha: 0.5, C: 0.3 };
    return {
      fn: which,
      expect: 'any',
      finite: false,
      repro: { call: which === 'annealingAreas' ? `annealingAreas(schedule, { decay: ${decay} })` : `predictSchedule(annealingLaw(${JSON.stringify(p)}), schedule, { decay: ${decay} })`, schedule: sched },
      run: () => (which === 'annealingAreas' ? S.annealingAreas(sched, { decay }) : S.predictSchedule(S.annealingLaw(p), sched, { decay })),
      check: (out) => {
        if (which === 'annealingAreas') {
          const msg = [...out.S1].concat([...out.S2]).findIndex((v, i) => Math.abs(v - [...S1, ...S2][i]) > 1e-12);
          return msg >= 0 ? { category: 'wrong value', kind: 'annealingAreas vs definition', message: `S1 ${[...out.S1]} vs ${S1}; S2 ${[...out.S2]} vs ${S2}` } : undefined;
        }
        const want = S1.map((a, i) => (a > 0 ? p.L0 + p.A * a ** -p.alpha - p.C * S2[i] : NaN));
        const bad = [...out].findIndex((v, i) => Number.isFinite(want[i]) && Math.abs(v - want[i]) > 1e-9);
        if (bad >= 0) return { category: 'wrong value', kind: 'predictSchedule vs law', message: `step ${bad}: ${out[bad]} vs ${want[bad]}` };
        const nan = [...out].findIndex((v) => !Number.isFinite(v));
        return nan >= 0 ? { category: 'silent non-finite', kind: 'predictSchedule non-finite', message: `step ${nan} (S1 = ${S1[nan]}): ${out[nan]} without an error` } : undefined;
      },
    };
  }
  if (which === 'nmtOptimalSplit') {
    const pe = r.pick([0.2, 0, -0.1, 1]);
    const pd = r.pick([0.3, 0, 1]);
    const total = r.pick([5e8, 1, 0, -1]);
    const valid = pe > 0 && pd > 0 && total > 0;
    const degenerate = (pe === 0 || pd === 0) && pe >= 0 && total > 0; // no dependence on one side: all budget to the other
    return {
      fn: 'nmtOptimalSplit',
      expect: valid ? 'valid' : degenerate ? 'any' : 'invalid',
      why: `pe ${pe}, pd ${pd}, total ${total}`,
      codes: ['INVALID_ARGUMENT', 'INVALID_PARAMETER'],
      repro: { call: `nmtOptimalSplit({ pe: ${pe}, pd: ${pd} }, ${total})` },
      run: () => S.nmtOptimalSplit({ pe, pd }, total),
      check: (o) => (Math.abs(o.Ne - (total * pe) / (pe + pd)) > 1e-9 * total ? { category: 'wrong value', kind: 'nmtOptimalSplit', message: JSON.stringify(o) } : undefined),
    };
  }
  if (which === 'minimize') {
    const dim = r.int(1, 4);
    const c = Array.from({ length: dim }, () => r.float(-5, 5));
    const w = Array.from({ length: dim }, () => logUniform(r, 0.01, 100));
    const x0 = Array.from({ length: dim }, () => r.float(-10, 10));
    return {
      fn: 'minimize (quadratic)',
      expect: 'valid',
      repro: { call: 'minimize((x, g) => Σ w (x − c)², x0)', c, w, x0 },
      run: () => S.minimize((x, g) => {
        let f = 0;
        for (let i = 0; i < dim; i++) {
          f += w[i] * (x[i] - c[i]) ** 2;
          g[i] = 2 * w[i] * (x[i] - c[i]);
        }
        return f;
      }, x0),
      check: (res) => {
        const bad = res.x.findIndex((v, i) => Math.abs(v - c[i]) > 1e-3 * (1 + Math.abs(c[i])));
        return bad >= 0 ? { category: 'wrong value', kind: 'minimize misses a quadratic minimum', message: `x ${JSON.stringify(res.x)} vs ${JSON.stringify(c)} (${res.reason})` } : undefined;
      },
    };
  }
  if (which === 'seededRng') {
    const seed = r.pick([0, 1, 42, -1, 1.5, NaN]);
    return {
      fn: 'seededRng',
      expect: Number.isInteger(seed) ? 'valid' : 'any',
      finite: Number.isInteger(seed) ? undefined : true,
      repro: { call: `seededRng(${seed}) twice, 5 draws each` },
      run: () => {
        const a = S.seededRng(seed);
        const b = S.seededRng(seed);
        return [Array.from({ length: 5 }, () => a.next()), Array.from({ length: 5 }, () => b.next()), a.int(3), a.normal()];
      },
      check: ([x, y, k]) => (JSON.stringify(x) !== JSON.stringify(y) || x.some((v) => v < 0 || v >= 1) || !(k >= 0 && k < 3) ? { category: 'wrong value', kind: 'seededRng', message: `${x} vs ${y}, int ${k}` } : undefined),
    };
  }
  if (which === 'formatNumber') {
    const v = r.pick([0, 1, 1.5e21, -3e-7, 123.456, NaN, Infinity]);
    return {
      fn: 'formatNumber',
      expect: 'any',
      finite: false,
      repro: { call: `formatNumber(${v})` },
      run: () => S.formatNumber(v),
      check: (s) => (Number.isFinite(v) && Math.abs(Number(s) - v) > 1e-3 * Math.abs(v) ? { category: 'wrong value', kind: 'formatNumber', message: `${v} → ${s}` } : undefined),
    };
  }
  const p = { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 };
  const budgets = Array.from({ length: r.int(1, 3) }, () => logUniform(r, 1e18, 1e24));
  return {
    fn: 'plotIsoFlop',
    expect: 'valid',
    finite: false,
    repro: { call: `plotIsoFlop({ law: chinchilla(hoffmann), budgets: ${JSON.stringify(budgets)} })` },
    run: () => S.plotIsoFlop({ law: S.chinchilla(p), budgets }),
    check: (svg) => (typeof svg === 'string' && svg.includes('<svg') && !/NaN|Infinity|undefined/.test(svg) ? undefined : { category: 'wrong value', kind: 'plotIsoFlop output', message: String(svg).slice(0, 160) }),
  };
}

// ── bad input ────────────────────────────────────────────────────────────────

function invalidCase(r, lib) {
  const S = lib.scaling;
  const law = randomLaw(r, S);
  const kind = r.pick(['input', 'param', 'C', 'runs']);
  if (kind === 'input') {
    const x = law.inputs();
    const key = r.pick(Object.keys(x));
    const bad = r.pick([0, -1, NaN, Infinity, -Infinity, '1e9', undefined]);
    x[key] = bad;
    // Annealing's S2 may be any finite number; lossToLoss/downstreamLog document NaN outside their domain.
    const domainNaN = ['lossToLoss', 'downstreamLog'].includes(law.k) && typeof bad === 'number' && Number.isFinite(bad);
    // ... and the SFT mixing law documents Dother ≥ 0 (no tokens of the other domains is valid).
    const ok = (law.k === 'annealing' && key === 'S2' && typeof bad === 'number' && Number.isFinite(bad)) || (key === 'Dother' && bad === 0);
    return {
      fn: `${law.code.split('(')[0]}.predict with bad input`,
      expect: ok || domainNaN ? 'any' : 'invalid',
      why: `${key} = ${String(bad)}`,
      codes: ['INVALID_VALUE', 'INVALID_ARGUMENT'],
      finite: !!ok,
      repro: { call: `${law.code}.predict(x)`, x: { ...x, [key]: bad === undefined ? 'undefined' : bad } },
      run: () => law.make().predict(x),
    };
  }
  if (kind === 'param') {
    const p = { ...(law.p ?? {}) };
    const keys = Object.keys(p);
    if (keys.length === 0) return predictCase(r, lib);
    const key = r.pick(keys);
    const bad = r.pick([-1, NaN, Infinity, 0, '2']);
    p[key] = bad;
    const maker = { kaplanNS: () => S.kaplanNS(p), criticalBatch: () => S.criticalBatch(p), timeChinchilla: () => S.timeChinchilla(p), sftMixing: () => S.sftMixingLaw(p), chinchilla: () => S.chinchilla(p), kaplanN: () => S.kaplan('N', p), kaplanD: () => S.kaplan('D', p), kaplanC: () => S.kaplan('C', p), kaplanND: () => S.kaplanND(p), powerLaw: () => S.powerLaw('N', p), lossToLoss: () => S.lossToLoss(p), nmt: () => S.nmtLaw({ NeRef: 1e8, NdRef: 1e8 }, p), downstreamLog: () => S.downstreamLog(p), annealing: () => S.annealingLaw(p) }[law.k];
    // A negative exponent or scale makes the power laws increase with size; 0 is degenerate but finite. The
    // annealing, loss-to-loss and downstream laws do not document a sign for their parameters.
    const degenerate = (bad === 0 && !(law.k === 'sftMixing' && key !== 'C') && !(law.k === 'timeChinchilla' && (key === 'alpha' || key === 'beta')) && !['kaplanNS', 'criticalBatch'].includes(law.k)) || (bad === -1 && (['Ex', 'Ey', 'Linf', 'L0'].includes(key) || (key === 'E' && law.k !== 'timeChinchilla') || ['annealing', 'lossToLoss', 'downstreamLog'].includes(law.k)));
    const x = law.inputs();
    return {
      fn: `${law.k} with a bad parameter`,
      expect: degenerate ? 'any' : 'invalid',
      why: `${key} = ${String(bad)}`,
      codes: ['INVALID_ARGUMENT', 'INVALID_VALUE', 'INVALID_PARAMETER'],
      finite: false,
      repro: { call: `${law.k}(params).predict(x)`, params: p, x },
      run: () => maker().predict(x),
    };
  }
  if (kind === 'C') {
    const C = r.pick([0, -1, NaN, Infinity]);
    return {
      fn: 'computeOptimal with a bad budget',
      expect: 'invalid',
      why: `C = ${C}`,
      codes: ['INVALID_ARGUMENT'],
      finite: false,
      repro: { call: `computeOptimal(chinchilla(hoffmann), ${C})` },
      run: () => S.computeOptimal(S.chinchilla({ A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 }), C),
    };
  }
  const runs = r.pick([[], [{ N: 1e8, loss: 3 }], [{ N: 1e8, loss: -3 }, { N: 1e9, loss: 2 }, { N: 1e10, loss: 1 }], [{ N: 1e8, loss: 3 }, { N: 1e8, loss: 2.9 }, { N: 1e8, loss: 3.1 }], 'runs', [{ N: 1e8, loss: NaN }, { N: 1e9, loss: 2 }, { N: 1e10, loss: 1 }]]);
  return {
    fn: "fitLaw(kaplanFamily('N'), bad runs)",
    expect: 'invalid',
    why: 'bad runs',
    codes: ['TOO_FEW_RUNS', 'INVALID_VALUE', 'DEGENERATE_DATA', 'INVALID_ARGUMENT'],
    finite: false,
    repro: { call: "fitLaw(kaplanFamily('N'), runs)", runs },
    run: () => S.fitLaw(S.kaplanFamily('N'), runs),
  };
}

// ── reading-list laws: B_crit / S_min, the any-batch trajectory, step time, mixtures ──────────────────────────────

function seedsCase(r, lib) {
  const S = lib.scaling;
  const which = r.pick(['trajectory', 'minSteps', 'stepTime', 'bestForTime', 'mixture', 'fitNS', 'tables']);
  if (which === 'trajectory') {
    const p = { Nc: logUniform(r, 1e10, 1e15), Sc: logUniform(r, 10, 1e4), alphaN: r.float(0.03, 0.3), alphaS: r.float(0.2, 1.2) };
    const bc = { Bstar: logUniform(r, 1e5, 1e9), alphaB: r.float(0.1, 0.6) };
    const N = logUniform(r, 1e5, 1e11);
    const batch = r.pick([logUniform(r, 1, 1e8), 0, -1, NaN]);
    const steps = Array.from({ length: r.int(1, 4) }, () => r.pick([logUniform(r, 1, 1e7), logUniform(r, 1, 1e7), 0, NaN]));
    const valid = batch > 0 && steps.every((v) => v > 0);
    return {
      fn: 'lossTrajectory',
      expect: valid ? 'valid' : 'invalid',
      why: `batch ${batch}, steps ${steps}`,
      codes: ['INVALID_ARGUMENT', 'INVALID_VALUE'],
      repro: { call: `lossTrajectory(kaplanNS(${JSON.stringify(p)}), { N: ${N}, batch: ${batch}, steps: ${JSON.stringify(steps)} }, { bCrit: criticalBatch(${JSON.stringify(bc)}) })` },
      run: () => S.lossTrajectory(S.kaplanNS(p), { N, batch, steps }, { bCrit: S.criticalBatch(bc) }),
      check: (Ls) => {
        // Fixed point: L = (Nc/N)^αN + (Sc/S_min)^αS with S_min = S / (1 + B*/(L^(1/αB) B)).
        const bad = Ls.findIndex((L, i) => {
          const sMin = steps[i] / (1 + bc.Bstar / L ** (1 / bc.alphaB) / batch);
          const rhs = (p.Nc / N) ** p.alphaN + (p.Sc / sMin) ** p.alphaS;
          return !(Math.abs(rhs - L) <= 1e-9 * L);
        });
        return bad >= 0 ? { category: 'wrong value', kind: 'lossTrajectory fixed point', message: `step ${steps[bad]}: L = ${Ls[bad]}` } : undefined;
      },
    };
  }
  if (which === 'minSteps') {
    const a = r.pick([logUniform(r, 1, 1e9), 0, -1, NaN]);
    const b = r.pick([logUniform(r, 1, 1e8), 0, Infinity]);
    const c = r.pick([logUniform(r, 1, 1e8), -2]);
    const f = r.pick(['minSteps', 'minExamples']);
    const valid = a > 0 && b > 0 && Number.isFinite(b) && c > 0;
    const want = f === 'minSteps' ? a / (1 + c / b) : a / (1 + b / c);
    return {
      fn: f,
      expect: valid ? 'valid' : 'invalid',
      codes: ['INVALID_ARGUMENT'],
      repro: { call: `${f}(${a}, ${b}, ${c})` },
      run: () => S[f](a, b, c),
      check: (v) => (Math.abs(v - want) > 1e-12 * want ? { category: 'wrong value', kind: `${f} closed form`, message: `${v} vs ${want}` } : undefined),
    };
  }
  if (which === 'stepTime') {
    const n = r.int(0, 6);
    const same = r.bool(0.1);
    const pts = Array.from({ length: n }, (_, i) => ({ proxy: same ? 3 : r.float(0, 10) + i, stepTime: r.pick([r.float(0.01, 5), r.float(0.01, 5), 0]) }));
    const valid = n >= 2 && !same && pts.every((q) => q.stepTime > 0);
    const mx = pts.reduce((s, q) => s + q.proxy, 0) / n;
    const my = pts.reduce((s, q) => s + q.stepTime, 0) / n;
    const slope = pts.reduce((s, q) => s + (q.proxy - mx) * (q.stepTime - my), 0) / pts.reduce((s, q) => s + (q.proxy - mx) ** 2, 0);
    return {
      fn: 'fitStepTime',
      expect: valid ? 'valid' : 'invalid',
      codes: ['TOO_FEW_RUNS', 'DEGENERATE_DATA', 'INVALID_VALUE'],
      repro: { call: 'fitStepTime(measurements)', pts },
      run: () => {
        const m = S.fitStepTime(pts);
        return { slope: m.slope, intercept: m.intercept, r2: m.r2 };
      },
      check: (m) => (Math.abs(m.slope - slope) > 1e-9 * (1 + Math.abs(slope)) || Math.abs(m.intercept - (my - slope * mx)) > 1e-9 * (1 + Math.abs(my)) || !(m.r2 <= 1 + 1e-12) ? { category: 'wrong value', kind: 'fitStepTime vs OLS', message: JSON.stringify(m) } : undefined),
    };
  }
  if (which === 'bestForTime') {
    const p = { A: logUniform(r, 10, 1e3), B: logUniform(r, 10, 1e3), E: r.float(0.5, 3), alpha: r.float(0.1, 0.6), beta: r.float(0.1, 0.6) };
    const st = { c0: r.float(0.01, 0.1), c1: r.float(0.01, 0.5) };
    const cands = Array.from({ length: r.int(1, 5) }, (_, i) => ({ name: `m${i}`, N: logUniform(r, 1e6, 1e10), proxy: r.float(0, 10), tokensPerStep: logUniform(r, 1e4, 1e6) }));
    const T = r.pick([logUniform(r, 60, 1e6), 0]);
    const loss = (c) => p.E + p.A / c.N ** p.alpha + p.B / ((T * c.tokensPerStep) / (st.c0 + st.c1 * c.proxy)) ** p.beta;
    return {
      fn: 'bestForTime',
      expect: T > 0 ? 'valid' : 'invalid',
      codes: ['INVALID_ARGUMENT'],
      repro: { call: 'bestForTime(timeChinchilla(p), T, fitStepTime(line), candidates)', p, st, cands, T },
      run: () => {
        const model = S.fitStepTime([{ proxy: 0, stepTime: st.c0 }, { proxy: 10, stepTime: st.c0 + 10 * st.c1 }]);
        return S.bestForTime(S.timeChinchilla(p), T, model, cands).map((x) => ({ name: x.candidate.name, loss: x.loss }));
      },
      check: (out) => {
        const want = cands.map((c) => ({ name: c.name, loss: loss(c) })).sort((a, b) => a.loss - b.loss);
        const bad = out.findIndex((o, i) => Math.abs(o.loss - want[i].loss) > 1e-9 * want[i].loss);
        return bad >= 0 ? { category: 'wrong value', kind: 'bestForTime ranking', message: `${JSON.stringify(out)} vs ${JSON.stringify(want)}` } : undefined;
      },
    };
  }
  if (which === 'mixture') {
    const k = r.int(1, 4);
    const ps = Array.from({ length: k }, () => ({ K: logUniform(r, 1, 100), alpha: r.float(0.1, 0.8), C: r.float(0.2, 2), t: logUniform(r, 1e-4, 0.5), beta: r.float(0.3, 1.2) }));
    const budget = r.pick([logUniform(r, 1e3, 1e8), 0]);
    const L = (p, w) => p.C + p.K * (w * budget + p.t * ((1 - w) * budget) ** p.beta) ** -p.alpha;
    const obj = (w) => w.reduce((s, wi, i) => s + L(ps[i], wi), 0);
    return {
      fn: 'optimizeMixture',
      expect: k >= 2 && budget > 0 ? 'valid' : 'invalid',
      codes: ['INVALID_ARGUMENT'],
      repro: { call: 'optimizeMixture(ps.map(sftMixingLaw), budget)', ps, budget },
      timeoutMs: 8000,
      run: () => S.optimizeMixture(ps.map((p) => S.sftMixingLaw(p)), budget),
      check: (res) => {
        const sum = res.weights.reduce((a, b) => a + b, 0);
        if (Math.abs(sum - 1) > 1e-9 || res.weights.some((w) => !(w >= 0))) return { category: 'wrong value', kind: 'optimizeMixture weights off the simplex', message: JSON.stringify(res.weights) };
        const uniform = obj(ps.map(() => 1 / k));
        if (res.objective > uniform * (1 + 1e-12) + 1e-12) return { category: 'wrong value', kind: 'optimizeMixture worse than the uniform mixture', message: `${res.objective} > ${uniform}` };
        if (Math.abs(res.objective - obj(res.weights)) > 1e-9 * res.objective) return { category: 'wrong value', kind: 'optimizeMixture objective vs its weights', message: `${res.objective} vs ${obj(res.weights)}` };
        return undefined;
      },
    };
  }
  if (which === 'fitNS') {
    const p = { Nc: logUniform(r, 1e11, 1e15), Sc: logUniform(r, 100, 1e4), alphaN: r.float(0.04, 0.3), alphaS: r.float(0.3, 1.2) };
    const noise = r.pick([0, 0.01]);
    const runs = [];
    for (let i = 0; i < r.int(5, 16); i++) {
      const N = logUniform(r, 1e6, 1e9);
      const Sv = logUniform(r, 1e3, 1e6);
      runs.push({ N, S: Sv, loss: ((p.Nc / N) ** p.alphaN + (p.Sc / Sv) ** p.alphaS) * Math.exp(noise * r.normal()) });
    }
    const huber = (q) => runs.reduce((s, run) => {
      const rr = Math.log((q.Nc / run.N) ** q.alphaN + (q.Sc / run.S) ** q.alphaS) - Math.log(run.loss);
      const a = Math.abs(rr);
      return s + (a <= 1e-3 ? (rr * rr) / 2 : 1e-3 * (a - 5e-4));
    }, 0);
    return {
      fn: 'fitLaw(kaplanNSFamily)',
      expect: 'valid',
      timeoutMs: 8000,
      repro: { call: 'fitLaw(kaplanNSFamily, runs, { requireConvergence: false, starts: [truth θ, ...grid] })', p, runs },
      run: () => {
        const f = S.kaplanNSFamily;
        const fit = S.fitLaw(f, runs, { requireConvergence: false, starts: [f.toTheta(p), ...f.defaultStarts([Float64Array.from(runs, (x) => Math.log(x.N)), Float64Array.from(runs, (x) => Math.log(x.S))], Float64Array.from(runs, (x) => Math.log(x.loss))).slice(0, 4)] });
        return { params: fit.params, objective: fit.objective };
      },
      check: (out) => {
        const atFit = huber(out.params);
        const atTruth = huber(p);
        if (Math.abs(atFit - out.objective) > 1e-6 * Math.max(1e-12, atFit) + 1e-12) return { category: 'wrong value', kind: 'fitLaw(kaplanNS) reported objective', message: `${out.objective} vs ${atFit}` };
        return atFit > atTruth * (1 + 1e-6) + 1e-10 ? { category: 'wrong value', kind: 'fitLaw(kaplanNS) worse than the generating parameters', message: `${atFit} > ${atTruth}` } : undefined;
      },
    };
  }
  // Tables for laws of other inputs.
  const inputs = r.pick([['N', 'S'], ['Dself', 'Dother'], ['N', 'T', 'stepTime', 'tokensPerStep'], [], 'N']);
  const rows = Array.from({ length: r.int(1, 4) }, () => Object.fromEntries([...(Array.isArray(inputs) ? inputs : []), 'loss'].map((c) => [c, r.float(1, 100)])));
  const drop = r.bool(0.3) && Array.isArray(inputs) && inputs.length > 0 ? r.pick(inputs) : undefined;
  const recs = drop ? rows.map((x) => Object.fromEntries(Object.entries(x).filter(([c]) => c !== drop))) : rows;
  const valid = Array.isArray(inputs) && inputs.length > 0 && !drop;
  return {
    fn: 'runsFromRecords({ inputs })',
    expect: valid ? 'valid' : 'invalid',
    codes: ['MISSING_COLUMN', 'INVALID_ARGUMENT'],
    finite: false,
    repro: { call: `runsFromRecords(records, { inputs: ${JSON.stringify(inputs)} })`, recs },
    run: () => S.runsFromRecords(recs, { inputs }),
    check: (out) => {
      const bad = out.findIndex((o, i) => Object.keys(rows[i]).some((c) => o[c] !== rows[i][c]));
      return bad >= 0 ? { category: 'wrong value', kind: 'runsFromRecords inputs', message: `${JSON.stringify(out[bad])} vs ${JSON.stringify(rows[bad])}` } : undefined;
    },
  };
}
