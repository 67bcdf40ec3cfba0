import { describe, expect, it } from 'vitest';
import { constant, cosineDecay, cosineOnecycle, cosineWithRestarts, exponential, joinSchedules, linear, linearOnecycle, piecewise, piecewiseInterpolate, polynomial, sgdr, sqrtBatchScaling, warmupConstant, warmupCosineDecay, warmupExponentialDecay, warmupStableDecay } from '../src/index.js';

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
const steps = [0, 1, 7, 25, 50, 99, 100, 101, 150, 1000];

describe('schedules match their closed forms', () => {
  it('constant', () => steps.forEach((t) => close(constant(0.3)(t), 0.3)));

  it('linear: init + (end − init)·min(t, T)/T', () => {
    const s = linear({ init: 1, end: 0.1, transitionSteps: 100 });
    steps.forEach((t) => close(s(t), 1 + (0.1 - 1) * (Math.min(t, 100) / 100)));
    const delayed = linear({ init: 1, end: 0, transitionSteps: 10, transitionBegin: 5 });
    close(delayed(3), 1);
    close(delayed(10), 0.5);
    close(delayed(20), 0);
  });

  it('polynomial: (init − end)(1 − min(t, T)/T)^p + end', () => {
    const s = polynomial({ init: 2, end: 0.5, power: 3, transitionSteps: 100 });
    steps.forEach((t) => close(s(t), (2 - 0.5) * (1 - Math.min(t, 100) / 100) ** 3 + 0.5));
  });

  it('exponential: init·r^{t/T}, staircase floors, end bounds', () => {
    const s = exponential({ init: 0.1, transitionSteps: 10, decayRate: 0.5 });
    steps.forEach((t) => close(s(t), 0.1 * 0.5 ** (t / 10)));
    const st = exponential({ init: 0.1, transitionSteps: 10, decayRate: 0.5, staircase: true, end: 0.01 });
    close(st(19), 0.05);
    close(st(20), 0.025);
    close(st(1000), 0.01);
  });

  it('piecewise: values[i] on [b_{i−1}, b_i)', () => {
    const s = piecewise({ values: [1, 0.1, 0.01], boundaries: [10, 20] });
    expect([0, 9, 10, 19, 20, 1000].map(s)).toEqual([1, 1, 0.1, 0.1, 0.01, 0.01]);
  });

  it('cosineDecay: init((1 − α)½(1 + cos(π min(t,T)/T)) + α)', () => {
    const s = cosineDecay({ init: 0.5, decaySteps: 100, alpha: 0.1 });
    steps.forEach((t) => close(s(t), 0.5 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 100)) / 100)) + 0.1)));
    close(cosineDecay({ init: 1, decaySteps: 100 })(50), 0.5);
  });

  it('warmupCosineDecay: linear to peak over W, then cosine to end over T − W', () => {
    const s = warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 10, decaySteps: 110, end: 0.1 });
    for (const t of [0, 5, 10, 30, 60, 110, 500]) {
      const want = t < 10 ? t / 10 : 0.1 + (1 - 0.1) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t - 10, 100)) / 100));
      close(s(t), want);
    }
  });

  it('warmupStableDecay: warmup, plateau, cooldown (linear, cosine, sqrt)', () => {
    const base = { peak: 1, warmupSteps: 10, stableSteps: 80, decaySteps: 10, end: 0.2 } as const;
    const lin = warmupStableDecay(base);
    const cos = warmupStableDecay({ ...base, shape: 'cosine' });
    const sqr = warmupStableDecay({ ...base, shape: 'sqrt' });
    for (const t of [0, 4, 10, 50, 89, 90, 93, 95, 100, 200]) {
      const f = Math.min(Math.max(t - 90, 0) / 10, 1);
      const phase = t < 10 ? 'w' : t < 90 ? 's' : 'd';
      close(lin(t), phase === 'w' ? t / 10 : phase === 's' ? 1 : 1 + (0.2 - 1) * f);
      close(cos(t), phase === 'w' ? t / 10 : phase === 's' ? 1 : 0.2 + 0.8 * 0.5 * (1 + Math.cos(Math.PI * f)));
      close(sqr(t), phase === 'w' ? t / 10 : phase === 's' ? 1 : 0.2 + 0.8 * (1 - Math.sqrt(f)));
    }
  });

  it('joinSchedules restarts each schedule at its boundary', () => {
    const s = joinSchedules([linear({ init: 0, end: 1, transitionSteps: 10 }), constant(0.7), linear({ init: 0.7, end: 0, transitionSteps: 10 })], [10, 20]);
    close(s(5), 0.5);
    close(s(10), 0.7);
    close(s(25), 0.35);
    close(s(40), 0);
  });

  it('sqrtBatchScaling: η·√(B/B₀), for numbers and schedules (Hoffer et al. 2017)', () => {
    close(sqrtBatchScaling(0.1, { baseBatchSize: 128, batchSize: 512 }), 0.2);
    close(sqrtBatchScaling(0.1, { baseBatchSize: 256, batchSize: 64 }), 0.05);
    const s = sqrtBatchScaling(cosineDecay({ init: 0.1, decaySteps: 100 }), { baseBatchSize: 32, batchSize: 288 });
    close(s(50), 0.05 * 3);
  });

  it('bad hyperparameters throw INVALID_PARAMETER', () => {
    const bad = [
      () => constant(-1),
      () => linear({ init: 1, end: 0, transitionSteps: 0 }),
      () => piecewise({ values: [1, 2], boundaries: [] }),
      () => piecewise({ values: [1, 2, 3], boundaries: [5, 5] }),
      () => cosineDecay({ init: 1, decaySteps: 10, alpha: 2 }),
      () => warmupCosineDecay({ peak: 1, warmupSteps: 10, decaySteps: 10 }),
      () => warmupStableDecay({ peak: 1, warmupSteps: 1, stableSteps: 1, decaySteps: 1, shape: 'cubic' as never }),
      () => sqrtBatchScaling(0.1, { baseBatchSize: 0, batchSize: 1 }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});

// Values published in optax's own tests: google-deepmind/optax, optax/schedules/_schedule_test.py
// (commit 2edbcbe2390da13983b92cbef94ac0460ecde1c5), PiecewiseInterpolateTest, OneCycleTest, SGDRTest.
describe('new schedules reproduce optax _schedule_test.py values', () => {
  const near = (got: number[], want: number[]) => want.forEach((w, i) => expect(Math.abs(got[i]! - w), `step ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(1e-3));
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('piecewiseInterpolate linear 200, {5: 1.5, 10: 0.25} (test_linear_piecewise)', () => {
    const s = piecewiseInterpolate({ type: 'linear', init: 200, boundariesAndScales: { 5: 1.5, 10: 0.25 } });
    near(range(13).map(s), [200, 220, 240, 260, 280, 300, 255, 210, 165, 120, 75, 75, 75]);
  });

  it('piecewiseInterpolate cosine 400, {5: 1.2, 3: 0.6, 7: 1.0} (test_cos_piecewise; keys sorted)', () => {
    const s = piecewiseInterpolate({ type: 'cosine', init: 400, boundariesAndScales: { 5: 1.2, 3: 0.6, 7: 1.0 } });
    near(range(9).map(s), [400, 360, 280, 240, 264, 288, 288, 288, 288]);
  });

  it('piecewiseInterpolate with no knots is constant; a zero-length interval is skipped (test_zero_interval_size)', () => {
    near(range(5).map(piecewiseInterpolate({ type: 'linear', init: 13, boundariesAndScales: {} })), [13, 13, 13, 13, 13]);
    near(range(3).map(piecewiseInterpolate({ type: 'cosine', init: 17 })), [17, 17, 17]);
    const z = piecewiseInterpolate({ type: 'linear', init: 13, boundariesAndScales: { 0: 2, 5: 3 } });
    close(z(0), 26);
    close(z(5), 78);
  });

  it('linearOnecycle T 10, peak 1000, pct 0.3/0.7, div 10, finalDiv 100 (OneCycleTest.test_linear)', () => {
    const s = linearOnecycle({ transitionSteps: 10, peak: 1000, pctStart: 0.3, pctFinal: 0.7, divFactor: 10, finalDivFactor: 100 });
    near(range(12).map(s), [100, 400, 700, 1000, 775, 550, 325, 100, 67, 34, 1, 1]);
  });

  it('cosineOnecycle T 5, peak 1000, pctStart 0.4, div 10, finalDiv 100 (OneCycleTest.test_cosine)', () => {
    const s = cosineOnecycle({ transitionSteps: 5, peak: 1000, pctStart: 0.4, divFactor: 10, finalDivFactor: 100 });
    near(range(7).map(s), [100, 550, 1000, 750.25, 250.75, 1, 1]);
  });

  it('sgdr: peaks 1.6/0.8/0.4 at 500, 2500, 5500 for cycles of 2000, 3000, 5000 steps with 500 warmup (SGDRTest.test_limits)', () => {
    for (const [l0, l1, l2] of [[1.6, 0.8, 0.4], [1.6, 1.6, 1.6]] as const) {
      const s = sgdr([2000, 3000, 5000].map((d, i) => ({ decaySteps: d, peak: [l0, l1, l2][i]!, init: 0, end: 0, warmupSteps: 500 })));
      close(s(500), l0);
      close(s(2500), l1);
      close(s(5500), l2);
    }
  });
});

describe('new schedules match their closed forms', () => {
  it('warmupConstant: init + (peak − init)·min(t, W)/W', () => {
    const s = warmupConstant({ init: 0.1, peak: 1, warmupSteps: 20 });
    steps.forEach((t) => close(s(t), 0.1 + 0.9 * (Math.min(t, 20) / 20)));
  });

  it('warmupExponentialDecay: linear warmup to peak over W, then peak·r^{(t−W)/T}', () => {
    const s = warmupExponentialDecay({ peak: 2, warmupSteps: 10, transitionSteps: 20, decayRate: 0.5 });
    steps.forEach((t) => close(s(t), t < 10 ? (2 * t) / 10 : 2 * 0.5 ** ((t - 10) / 20)));
    const noWarm = warmupExponentialDecay({ peak: 2, warmupSteps: 0, transitionSteps: 20, decayRate: 0.5 });
    close(noWarm(20), 1);
  });

  it('cosineWithRestarts: T_i = T_0·2^i, cycle i starts at η·0.5^i and decays by a half cosine to η_min', () => {
    const s = cosineWithRestarts({ peak: 1, firstPeriod: 10, cycles: 3, periodMultiplier: 2, peakDecay: 0.5, end: 0.01 });
    const starts = [0, 10, 30];
    const lens = [10, 20, 40];
    for (let c = 0; c < 3; c++) {
      const peak = 0.5 ** c;
      for (const f of [0, 0.25, 0.5, 0.9]) {
        const t = starts[c]! + Math.round(f * lens[c]!);
        const frac = (t - starts[c]!) / lens[c]!;
        close(s(t), 0.01 + (peak - 0.01) * 0.5 * (1 + Math.cos(Math.PI * frac)));
      }
    }
    close(s(1000), 0.01);
  });

  it('bad hyperparameters throw INVALID_PARAMETER', () => {
    const bad = [
      () => piecewiseInterpolate({ type: 'linar' as never, init: 13 }),
      () => piecewiseInterpolate({ type: 'linear', init: 13, boundariesAndScales: { 5: -3 } }),
      () => linearOnecycle({ transitionSteps: 0, peak: 5 }),
      () => cosineOnecycle({ transitionSteps: 0, peak: 5 }),
      () => linearOnecycle({ transitionSteps: 10, peak: 5, pctStart: 0.9, pctFinal: 0.5 }),
      () => warmupConstant({ peak: -1, warmupSteps: 10 }),
      () => warmupExponentialDecay({ peak: 1, warmupSteps: -1, transitionSteps: 10, decayRate: 0.5 }),
      () => sgdr([]),
      () => cosineWithRestarts({ peak: 1, firstPeriod: 0, cycles: 2 }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
