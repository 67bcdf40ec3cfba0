/**
 * Loader of the UCI "Optical Recognition of Handwritten Digits" test set shipped in `data/digits.csv` (1,797 8×8 images,
 * CC BY 4.0; see `data/README.md` for source, licence and citation).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The data set: pixel rows scaled to [0, 1] and integer labels. */
export interface Digits {
  /** `[1797][64]`, row-major 8×8 images, each pixel count 0..16 divided by 16. */
  readonly images: number[][];
  /** `[1797]` digits 0..9. */
  readonly labels: number[];
  readonly classes: 10;
}

/** Default location of the CSV: `tooling/datasets/data/digits.csv` (next to `src/` and `dist/`). */
export const DIGITS_CSV = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'digits.csv');

/**
 * Reads the digits CSV (65 integers a line: 64 pixel counts 0..16, then the label 0..9) and checks every line; pixels are
 * divided by 16. Throws an `Error` naming the line for a malformed file.
 *
 * @example
 * const { images, labels } = loadDigits(); // 1797 × 64, labels 0..9
 *
 * Data: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository, 1998,
 * https://doi.org/10.24432/C50P49 (CC BY 4.0).
 */
export function loadDigits(path: string = DIGITS_CSV): Digits {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const images: number[][] = [];
  const labels: number[] = [];
  lines.forEach((line, k) => {
    const v = line.split(',').map(Number);
    if (v.length !== 65 || v.some((x) => !Number.isInteger(x)) || v.slice(0, 64).some((x) => x < 0 || x > 16) || v[64]! < 0 || v[64]! > 9) {
      throw new Error(`${path}:${k + 1}: expected 64 integers in 0..16 and a label in 0..9`);
    }
    images.push(v.slice(0, 64).map((x) => x / 16));
    labels.push(v[64]!);
  });
  return { images, labels, classes: 10 };
}

/** A seeded permutation of 0..n−1 (Fisher–Yates on mulberry32). */
export function permutation(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** The study's fixed split of the 1,797 images: 1,000 train, 300 validation (temperature fit), 497 test (permutation seed 2026). */
export function splitDigits(d: Digits): { train: number[]; val: number[]; test: number[] } {
  const p = permutation(d.labels.length, 2026);
  return { train: p.slice(0, 1000), val: p.slice(1000, 1300), test: p.slice(1300) };
}
