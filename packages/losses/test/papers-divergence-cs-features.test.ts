// Regression test: csDivergence reads its features input raw. compile() broadcasts the evaluated arguments of an op to
// their level's full shape ([B, B] for a pair-level input) when their shape allows it, which turned one-dimensional
// features [B, 1] into a [B, B] matrix of copies and scaled every squared distance by B.
import { compile, ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { csDivergence } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

describe('csDivergence with one-dimensional features', () => {
  it('gives the same value for features [B, 1] as for the same features padded with a zero column [B, 2]', () => {
    const loss = compile(csDivergence({ features: 'x' }), { from: 'probs' });
    const y = [[0.1], [0.5], [0.9]];
    const yHat = [[0.2], [0.4], [1.0]];
    const a = loss(y, yHat, { inputs: { x: [[0], [1], [2]] } });
    const b = loss(y, yHat, { inputs: { x: [[0, 0], [1, 0], [2, 0]] } });
    expect(Math.abs(a.dataSync()[0]! - b.dataSync()[0]!)).toBeLessThan(1e-6);
    a.dispose();
    b.dispose();
  });
});
