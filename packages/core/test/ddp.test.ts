// The distributed example (examples/ddp/train_ddp.py) with a loss exported by toPyTorch: torch.distributed
// over gloo on 127.0.0.1, DDP with 2 processes (spawned, and under torchrun), against 1 process on the same
// global batch. The loss must fall and the final parameters must agree to 1e-5.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ce, square, toPyTorch } from '../src/index.js';
import { PYTHON } from './export/harness.js';

const script = fileURLToPath(new URL('../examples/ddp/train_ddp.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'losskit-ddp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  readonly world_size: number;
  readonly backend: string;
  readonly losses: number[];
  readonly params: number[];
}

/** Runs a command; returns rank 0's result file and the printed output (throws with stderr on failure). */
function run(cmd: string, args: string[], out: string): { result: Result; output: string } {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { result: JSON.parse(readFileSync(join(dir, out), 'utf8')) as Result, output: r.stdout.trim() };
}

/** A TCP port free on 127.0.0.1 right now (torchrun's static rendezvous needs a concrete port). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const maxAbsDiff = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

describe('DDP training with an exported loss (torch.distributed, gloo, 127.0.0.1)', () => {
  const expr = ce({ labelSmoothing: 0.1 }).plus(square().incorrect().scale(0.5));
  const loss = join(dir, 'losskit_loss.py');
  writeFileSync(loss, toPyTorch(expr, { source: 'ce({ labelSmoothing: 0.1 }).plus(square().incorrect().scale(0.5))' }));
  const common = ['--loss', loss, '--steps', '30', '--batch', '64'];
  let oneProcess: { result: Result; output: string } | undefined;
  /** The 1-process run on the whole global batch (computed once, by whichever test needs it first). */
  const baseline = () => (oneProcess ??= run(PYTHON, [script, ...common, '--world-size', '1', '--out', 'one.json'], 'one.json'));

  it('2 processes: the loss falls and the parameters equal a 1-process run on the same global batch to 1e-5', () => {
    const two = run(PYTHON, [script, ...common, '--world-size', '2', '--out', 'two.json'], 'two.json');
    const one = baseline();
    console.log(`DDP example:\n  ${two.output}\n  ${one.output}\n  max |θ(2 processes) − θ(1 process)| = ${maxAbsDiff(two.result.params, one.result.params).toExponential(2)} over ${one.result.params.length} parameters`);
    expect(two.result.world_size).toBe(2);
    expect(two.result.backend).toBe('gloo');
    const l = two.result.losses;
    expect(l.length).toBe(30);
    expect(l.at(-1)!).toBeLessThan(0.6 * l[0]!);
    expect(l.every((v, i) => i === 0 || v <= l[i - 1]! + 1e-6)).toBe(true);
    expect(maxAbsDiff(l, one.result.losses)).toBeLessThan(1e-5);
    expect(maxAbsDiff(two.result.params, one.result.params)).toBeLessThan(1e-5);
  });

  it('the same script under torchrun (2 processes) gives the same parameters', async () => {
    // torch 1.13's elastic launcher on Python 3.11 cannot parse its default --redirects/--tee of 0 (an IntFlag
    // iteration change); 1 (stdout) works.
    const args = ['--redirects', '1', '--tee', '1', '--nproc_per_node=2', '--master_addr=127.0.0.1', `--master_port=${await freePort()}`, script, ...common, '--out', 'torchrun.json'];
    const tr = run('/usr/bin/torchrun', args, 'torchrun.json');
    const one = baseline().result;
    console.log(`torchrun: ${tr.output.split('\n').filter((x) => x.includes('world_size=')).join(' ')}`);
    expect(tr.result.world_size).toBe(2);
    expect(maxAbsDiff(tr.result.params, one.params)).toBeLessThan(1e-5);
  });
});
