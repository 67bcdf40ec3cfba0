// LSBoost multicalibration ("Multicalibration as Boosting for Regression", Globus-Harris et al., ICML 2023) and its
// multicalibration error. References are written here in float64: one round of level-set least squares in closed form
// (slope = cov/var per level set) and the error's supremum over unit vectors by a dense angle search.
import { expectCleanThrow } from '@losskit/core/testing';
import { normal, rng } from '@losskit/core/math';
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LSBoost, multicalibrationError } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const grid = (v: number, m: number) => Math.min(m - 1, Math.max(0, Math.round(v * (m - 1)))) / (m - 1);

/** Labels in [0, 1] whose mean depends on a group bit and a score; base predictions ignore the group. */
function data(n: number, seed: number) {
  const u = rng(seed);
  const g = normal(u);
  const x: number[][] = [];
  const f: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = u();
    const grp = u() < 0.3 ? 1 : 0;
    const mean = Math.min(1, Math.max(0, 0.2 + 0.6 * s + (grp ? 0.25 : -0.05)));
    x.push([s, grp]);
    f.push(0.2 + 0.6 * s);
    y.push(Math.min(1, Math.max(0, mean + 0.05 * g())));
  }
  return { x, f, y };
}

describe('multicalibrationError', () => {
  it('equals the supremum over unit w of Σ_v P(S_v)(E[wᵀ[x, 1](y − f) | S_v])², found by a 200000-angle search, to 1e-8 relative', () => {
    const { x, f, y } = data(300, 1);
    const x1 = x.map((r) => [r[0]!]);
    const m = 5;
    const groups = new Map<number, number[]>();
    f.forEach((v, i) => {
      const k = grid(v, m);
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    let best = 0;
    for (let t = 0; t < 200000; t++) {
      const a = (Math.PI * t) / 200000;
      const w = [Math.cos(a), Math.sin(a)];
      let s = 0;
      for (const idx of groups.values()) {
        const e = idx.reduce((acc, i) => acc + (w[0]! * x1[i]![0]! + w[1]!) * (y[i]! - f[i]!), 0) / idx.length;
        s += (idx.length / f.length) * e * e;
      }
      best = Math.max(best, s);
    }
    const got = multicalibrationError(f, x1, y, { bins: m });
    expect(got).toBeGreaterThanOrEqual(best * (1 - 1e-12));
    expect((got - best) / best).toBeLessThan(1e-8);
  });

  it('is 0 when every residual is 0', () => {
    expect(multicalibrationError([0.2, 0.7], [[1], [2]], [0.2, 0.7])).toBe(0);
  });
});

describe('LSBoost', () => {
  it('one round on a binary group feature predicts, in each level set, the float64 mean label of each group, rounded to the grid', () => {
    const { x, f, y } = data(400, 2);
    const xg = x.map((r) => [r[1]!]);
    const m = 11;
    const mc = LSBoost.fit(f, xg, y, { bins: m, rounds: 1, tolerance: 0 });
    expect(mc.rounds.length).toBe(1);
    const key = (i: number) => `${Math.round(grid(f[i]!, m) * (m - 1))}/${xg[i]![0]}`;
    const sums = new Map<string, [number, number]>();
    f.forEach((_, i) => {
      const [s0, c0] = sums.get(key(i)) ?? [0, 0];
      sums.set(key(i), [s0 + y[i]!, c0 + 1]);
    });
    const want = f.map((_, i) => {
      const [s0, c0] = sums.get(key(i))!;
      return grid(s0 / c0, m);
    });
    const got = mc.transform(f, xg);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });

  it('on data miscalibrated on a 30% subgroup, cuts the multicalibration error more than 10× and never raises the squared error (the paper’s guarantee)', () => {
    const train = data(4000, 3);
    const test = data(4000, 4);
    const mc = LSBoost.fit(train.f, train.x, train.y, { bins: 20 });
    for (let t = 1; t < mc.history.length; t++) expect(mc.history[t]!).toBeLessThan(mc.history[t - 1]!);
    const before = multicalibrationError(test.f, test.x, test.y, { bins: 20 });
    const out = mc.transform(test.f, test.x);
    const after = multicalibrationError(out, test.x, test.y, { bins: 20 });
    expect(after).toBeLessThan(before / 10);
    const mse = (p: readonly number[]) => p.reduce((s, v, i) => s + (test.y[i]! - v) ** 2, 0) / p.length;
    expect(mse(out)).toBeLessThan(mse(test.f));
  });

  it('save() then load() gives a calibrator with identical outputs', () => {
    const { x, f, y } = data(500, 5);
    const mc = LSBoost.fit(f, x, y, { bins: 8, learningRate: 0.5 });
    const back = LSBoost.load(mc.save());
    expect(back.transform(f, x)).toEqual(mc.transform(f, x));
    expect(back.history).toEqual(mc.history);
  });

  it('bad input is a typed error naming the argument', () => {
    expectCleanThrow(() => LSBoost.fit([0.1, NaN], [[1], [2]], [0, 1]), 'NON_FINITE_INPUT');
    expectCleanThrow(() => LSBoost.fit([0.1, 0.2], [[1]], [0, 1]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => LSBoost.fit([0.1, 0.2], [[1], [2]], [0, 1], { bins: 0 }), 'INVALID_PARAMETER');
    expectCleanThrow(() => LSBoost.fit([0.1, 0.2], [[1], [2]], [0, 1], { range: [1, 0] }), 'INVALID_PARAMETER');
    expectCleanThrow(() => LSBoost.fit([0.1, 0.2], [[1], [2]], [0, 1], { learningRate: 2 }), 'INVALID_PARAMETER');
    const mc = LSBoost.fit([0.1, 0.2], [[1], [2]], [0, 1]);
    expectCleanThrow(() => mc.transform([0.1], [[1, 2]]), 'SHAPE_MISMATCH');
    expectCleanThrow(() => LSBoost.load('{"format":"losskit-regression-calibrator","version":1,"kind":"lsboost","state":{"bins":0}}'), 'INVALID_ARGUMENT');
    expectCleanThrow(() => multicalibrationError([0.1], [[1]], [0.1, 0.2]), 'SHAPE_MISMATCH');
  });
});
