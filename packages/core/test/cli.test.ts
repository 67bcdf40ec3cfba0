// `losskit export`: output identical to toPyTorch / toNumPy, every option, help, version, exit statuses and
// messages with suggestions, stdin, --output, installed packages and --with modules.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ce, parseExpression, square, toNumPy, toPyTorch } from '../src/index.js';
import { type CliIO, main } from '../src/export/cliMain.js';

const dir = mkdtempSync(join(tmpdir(), 'losskit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process; returns its exit status and what it wrote. */
async function cli(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stdin: () => stdin, cwd: dir };
  const code = await main(argv, io);
  return { code, out, err };
}

const squentropy = 'ce().plus(square().incorrect())';

describe('losskit export', () => {
  it('prints the same module as toPyTorch (with the DSL source in the header), and toNumPy with --to numpy', async () => {
    const r = await cli(['export', squentropy]);
    expect(r).toEqual({ code: 0, out: toPyTorch(ce().plus(square().incorrect()), { source: squentropy }), err: '' });
    const n = await cli(['export', '--to', 'numpy', '--reduction=sum', '--from', 'probs', '--epsilon', '1e-3', 'ce()']);
    expect(n.code).toBe(0);
    expect(n.out).toBe(toNumPy(ce(), { reduction: 'sum', from: 'probs', epsilon: 1e-3, source: 'ce()' }));
  });

  it('--class-name names the nn.Module (PyTorch only)', async () => {
    const r = await cli(['export', '--class-name', 'Squentropy', squentropy]);
    expect(r.out).toContain('class Squentropy(nn.Module):');
    const bad = await cli(['export', '--to', 'numpy', '--class-name', 'X', 'ce()']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--class-name applies to --to pytorch only');
  });

  it("reads the expression from standard input with '-' and writes a file with -o", async () => {
    const file = join(dir, 'out.py');
    const r = await cli(['export', '-o', file, '-'], `${squentropy}\n`);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(readFileSync(file, 'utf8')).toBe(toPyTorch(parseExpression(squentropy), { source: squentropy }));
  });

  it("calls the builders of installed losskit packages (@losskit/losses' focal) and of --with modules", async () => {
    const r = await cli(['export', 'focal({ gamma: 2 }).plus(squentropy())']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('#   focal({ gamma: 2 }).plus(squentropy())');
    const mod = join(dir, 'cube.mjs');
    writeFileSync(
      mod,
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        "import { defineOp, node, registerExporter } from '@losskit/core';",
        "const op = defineOp({ kind: 'cli.cube', evaluate: (c) => tf.pow(c.yPred, 3), print: () => 'z^3' });",
        "export const cube = () => node(op, 'class');",
        "registerExporter('cli.cube', { pytorch: (n) => `torch.pow(${n.ctx.yPred}, 3)`, numpy: (n) => `np.power(${n.ctx.yPred}, 3)` });",
      ].join('\n'),
    );
    expect((await cli(['export', 'cube().mean()'])).code).toBe(1);
    const w = await cli(['export', '--with', mod, 'cube().mean()']);
    expect(w.err).toBe('');
    expect(w.code).toBe(0);
    expect(w.out).toContain('torch.pow(z, 3)');
    const missing = await cli(['export', '--with', './nope.mjs', 'ce()']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("cannot load module './nope.mjs'");
  });

  it('an expression that does not parse exits 1 with the position and a suggestion', async () => {
    const r = await cli(['export', 'focla({ gamma: 2 })']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `losskit export: error: unknown term "focla": did you mean focal()?\n  focla({ gamma: 2 })\n  ^^^^^\n`,
    );
    const bad = await cli(['export', 'ce({ labelSmoothing: 2 })']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INVALID_PARAMETER: labelSmoothing: invalid hyperparameter');
  });

  it('an expression that cannot be exported exits 1 with the LosskitError message', async () => {
    const r = await cli(['export', 'square()']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('losskit export: error: expr: cannot compile a class-level expression');
    const p = await cli(['export', '--from', 'probs', 'logit().target()']);
    expect(p.code).toBe(1);
    expect(p.err).toContain('uses logit()');
  });

  it.each([
    [['export', '--redution', 'sum', 'ce()'], "unknown option '--redution' (did you mean '--reduction'?)"],
    [['export', '--to', 'torch', 'ce()'], "--to must be one of pytorch, numpy; received 'torch' (did you mean 'pytorch'?)"],
    [['export', '--from', 'logit', 'ce()'], "--from must be one of logits, probs, embeddings; received 'logit' (did you mean 'logits'?)"],
    [['export', '--reduction', 'avg', 'ce()'], "--reduction must be one of mean, sum, weightedMean, sumByNonzeroWeights, none; received 'avg'"],
    [['export', '--epsilon', '0.7', 'ce()'], "--epsilon must be a number in (0, 0.5); received '0.7'"],
    [['export', '--class-name', 'my loss', 'ce()'], '--class-name must be a Python identifier'],
    [['export', 'ce()', '--to'], '--to needs a value'],
    [['export', '--help=yes'], '--help takes no value'],
    [['export'], 'missing the expression'],
    [['export', 'ce().plus(', 'square())'], "expected one expression, received 2 arguments ('ce().plus(' 'square())'); quote the expression for the shell"],
    [['exprot', 'ce()'], "unknown command 'exprot' (did you mean 'export'?)"],
    [['--verison'], "unknown option '--verison' (did you mean '--version'?)"],
    [['help', 'train'], "no help for 'train'"],
  ])('usage error %j exits 2: %s', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`losskit: error: ${message}`);
    expect(r.err).toMatch(/Run 'losskit (export )?--help' for usage\.\n$/);
  });

  it('no arguments prints the usage to stderr and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: losskit <command> [options]');
  });
});

describe('losskit --help and --version', () => {
  it('--version prints the version of @losskit/core', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  it('help documents every command and every export option, and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      for (const word of ['export', '--help', '--version']) expect(r.out).toContain(word);
    }
    for (const argv of [['export', '--help'], ['export', '-h'], ['help', 'export']]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      for (const option of ['--to <target>', '--from <kind>', '--reduction <name>', '--epsilon <number>', '--class-name <name>', '--with <module>', '-o, --output <file>', '-h, --help', 'Exit status:', "'-' reads it from standard input"]) {
        expect(r.out).toContain(option);
      }
    }
  });
});
