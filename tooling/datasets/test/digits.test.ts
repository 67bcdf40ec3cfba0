import { describe, expect, it } from 'vitest';
import { loadDigits, splitDigits } from '../src/digits.js';

describe('loadDigits', () => {
  const d = loadDigits();
  it('reads 1,797 images of 64 pixels in [0, 1] with the documented class counts', () => {
    expect(d.images).toHaveLength(1797);
    expect(d.images.every((r) => r.length === 64 && r.every((v) => v >= 0 && v <= 1))).toBe(true);
    const counts = Array.from({ length: 10 }, (_, c) => d.labels.filter((y) => y === c).length);
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  });
  it('the first image is the 0 of scikit-learn’s digits[0]', () => {
    expect(d.labels[0]).toBe(0);
    expect(d.images[0]!.slice(0, 8).map((v) => v * 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  });
  it('the fixed split is a partition of 1000 / 300 / 497 samples', () => {
    const { train, val, test } = splitDigits(d);
    expect([train.length, val.length, test.length]).toEqual([1000, 300, 497]);
    expect(new Set([...train, ...val, ...test]).size).toBe(1797);
  });
  it('rejects a malformed file naming the line', () => {
    expect(() => loadDigits(new URL('./digits.test.ts', import.meta.url).pathname)).toThrow(/:1: expected 64 integers/);
  });
});
