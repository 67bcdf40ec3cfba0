import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The soak runs the built package in a fresh `node --expose-gc` process (RSS is per process, and GC must be
// forced to tell retained memory from garbage). `pnpm test` builds before it runs Vitest.
const dir = dirname(fileURLToPath(import.meta.url));
const MB = 2 ** 20;

interface Mark {
  readonly step: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly tensors: number;
}

function soak(steps: number, B: number, C: number, fuse: string): { engine: string; marks: Mark[] } {
  const out = execFileSync(process.execPath, ['--expose-gc', join(dir, 'soak', 'soak.mjs'), String(steps), String(B), String(C), fuse], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('memory soak: squentropy valueAndGrad in a synchronous training loop, RSS and external memory after forced GC', () => {
  // Before the fix, every fused step kept its per-row scalar buffer (and the saved-input aliases) alive
  // through a queued microtask until the loop yielded: about 80 bytes per row per step, ~0.8 GB here.
  const cases: [string, number, number, number, string, string][] = [
    ['fused WASM SIMD kernel (C = 64)', 20_000, 512, 64, 'auto', 'wasm-simd'],
    ['fused JS kernel (C = 10)', 20_000, 512, 10, 'auto', 'js'],
    ['unfused tfjs ops', 4_000, 512, 64, 'false', 'tfjs'],
  ];
  for (const [what, steps, B, C, fuse, engine] of cases) {
    it(`${what}: ${steps} steps at B = ${B} grow RSS by < 32 MB and external memory by < 24 MB after the first quarter (a leak of 80 bytes per row per step would add 600 MB), tensors flat`, () => {
      const r = soak(steps, B, C, fuse);
      expect(r.engine).toBe(engine);
      const first = r.marks.find((m) => m.step === steps / 4)!;
      const last = r.marks.at(-1)!;
      expect(last.step).toBe(steps);
      expect((last.rss - first.rss) / MB, JSON.stringify(r.marks)).toBeLessThan(32);
      expect((last.external - first.external) / MB, JSON.stringify(r.marks)).toBeLessThan(24);
      expect(last.tensors).toBe(r.marks[0]!.tensors);
    });
  }
});
