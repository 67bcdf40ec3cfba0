import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

// The built package must work from a plain Node ESM script (no Vitest, no bundler): ready() gives
// WASM with every gradient registered, and compile() differentiates.
describe('plain Node ESM import of the built package', () => {
  it('ready() → wasm, and tf.grad plus chained ops work', () => {
    expect(existsSync(join(pkg, 'dist/index.js')), 'build @losskit/core first (pnpm build)').toBe(true);
    const script = `
      const core = await import('@losskit/core');
      const tf = await import('@tensorflow/tfjs-core');
      const backend = await core.ready();
      const loss = core.compile(core.ce().plus(core.square().incorrect()));
      const { value, grad } = loss.valueAndGrad([0, 2], [[2, 1, 0], [0, 1, 3]]);
      const chained = tf.tensor1d([1, 2, 3]).sum().dataSync()[0];
      console.log(JSON.stringify({ backend, simd: core.wasmSimd(), value: value.dataSync()[0], grad: Array.from(grad.dataSync()), chained }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(r.backend).toBe('wasm');
    expect(r.simd).toBe(true);
    expect(r.chained).toBe(6);
    // (log(e^2+e+1) - 2 + 0.5 + log(1+e+e^3) - 3 + 0.5) / 2 from the definition of squentropy.
    const want = (Math.log(Math.exp(2) + Math.E + 1) - 2 + 0.5 + Math.log(1 + Math.E + Math.exp(3)) - 3 + 0.5) / 2;
    expect(Math.abs(r.value - want) / want).toBeLessThan(1e-6);
    // Gradient from the definition: (p_ij − 1[j = y_i] + 2 z_ij / (C − 1) · 1[j ≠ y_i]) / B.
    const z = [[2, 1, 0], [0, 1, 3]];
    const y = [0, 2];
    const wantGrad = z.flatMap((row, i) => {
      const s = row.reduce((a, v) => a + Math.exp(v), 0);
      return row.map((v, j) => (Math.exp(v) / s - (j === y[i] ? 1 : 0) + (j === y[i] ? 0 : v)) / 2);
    });
    expect(r.grad).toHaveLength(6);
    r.grad.forEach((g: number, k: number) => expect(Math.abs(g - wantGrad[k]!)).toBeLessThan(1e-6));
  });
});
