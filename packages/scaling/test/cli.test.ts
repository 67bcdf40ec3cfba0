// Runs the CLI as a child process. The TypeScript entry is bundled once with esbuild (a root dev tool)
// so the test needs no prior `tsc` build. The bundle goes under the package's node_modules/.cache, so the CLI finds
// the package's package.json (for --version) by walking up from its own file, as the built dist/cli.js does.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnAliases } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'runs.csv');
let cli = '';
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

beforeAll(() => {
  const dir = join(here, '..', 'node_modules', '.cache', 'losskit-scaling-cli-test');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'cli.mjs');
  buildSync({ entryPoints: [join(here, '..', 'src', 'cli.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error' });
  cli = out;
});

describe('losskit-scaling CLI', () => {
  it('prints the fit, starts and the optimum for a budget (text)', () => {
    const out = execFileSync(process.execPath, [cli, 'fit', fixture, '--law', 'chinchilla', '--budget', '1e21'], { encoding: 'utf8' });
    expect(out).toContain('law: Chinchilla');
    for (const k of ['A', 'B', 'E', 'alpha', 'beta']) expect(out).toMatch(new RegExp(`^  ${k}\\s+\\S+`, 'm'));
    expect(out).toMatch(/starts: 4500 total, \d+ converged/);
    expect(out).toMatch(/N_opt = \S+ {2}D_opt = \S+ {2}tokens\/param = \S+/);
  });

  it('--json prints parameters by name, objective, start summary, intervals and optimum', () => {
    const out = execFileSync(process.execPath, [cli, 'fit', fixture, '--law', 'chinchilla', '--json', '--budget', '1e21', '--bootstrap', '5', '--seed', '2'], { encoding: 'utf8' });
    const j = JSON.parse(out);
    expect(Object.keys(j.params).sort()).toEqual(['A', 'B', 'E', 'alpha', 'beta']);
    expect(j.params.alpha).toBeGreaterThan(0.2);
    expect(j.params.alpha).toBeLessThan(0.5);
    expect(typeof j.objective).toBe('number');
    expect(j.runs).toBe(25);
    expect(j.starts.total).toBe(4500);
    expect(j.starts.converged).toBeGreaterThan(0);
    expect(Object.keys(j.bootstrap.intervals).sort()).toEqual(['A', 'B', 'E', 'alpha', 'beta']);
    expect(j.optimum.C).toBe(1e21);
    expect(j.optimum.N * j.optimum.D * 6).toBeCloseTo(1e21, -8);
    // The independent closed form from Hoffmann et al. Eq. 4 with the printed parameters.
    const { A, B, alpha, beta } = j.params;
    const G = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta));
    expect(j.optimum.N / (G * (1e21 / 6) ** (beta / (alpha + beta)))).toBeCloseTo(1, 10);
  });

  it('data errors exit 1 with the typed error, naming the file and the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losskit-scaling-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'N,D,loss\n1e8,2e9,3\n1e8,abc,3\n');
    const r = run('fit', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('INVALID_VALUE');
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/row 2: D \(column "D", line 3\)/);
    const missing = run('fit', join(dir, 'nope.csv'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });
});

describe('losskit-scaling CLI conventions', () => {
  it('an unknown flag is a usage error (exit 2) with a suggestion by edit distance', () => {
    const r = run('fit', fixture, '--bugdet', '1e21');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown flag '--bugdet' (did you mean --budget?)");
    expect(r.stderr).toContain("Run 'losskit-scaling help fit' for usage.");
    expect(run('--vresion').stderr).toContain('did you mean --version?');
    const far = run('fit', fixture, '--frobnicate', '1');
    expect(far.status).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
  });

  it('unknown commands, bad flag values, missing values and repeated flags are usage errors (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [[], /no command given/],
      [['fitt', fixture], /unknown command 'fitt' \(did you mean 'fit'\?\)/],
      [['fit'], /fit needs a run table/],
      [['fit', fixture, 'extra.csv'], /one run table/],
      [['fit', fixture, '--law', 'nope'], /invalid value 'nope' for --law: expected one of chinchilla, kaplan-nd/],
      [['fit', fixture, '--law', 'chinchila'], /did you mean 'chinchilla'/],
      [['fit', fixture, '--budget', 'abc'], /invalid value 'abc' for --budget/],
      [['fit', fixture, '--budget', '-1'], /invalid value '-1' for --budget/],
      [['fit', fixture, '--bootstrap', '1.5'], /--bootstrap: expected an integer >= 2/],
      [['fit', fixture, '--loss', 'l1'], /--loss: expected one of huber, squared/],
      [['fit', fixture, '--delta', '0'], /--delta: expected a number > 0/],
      [['fit', fixture, '--budget'], /--budget needs a value/],
      [['fit', fixture, '--budget', '--json'], /--budget needs a value/],
      [['fit', fixture, '--seed', '1', '--seed', '2'], /--seed was given more than once/],
      [['fit', fixture, '--json=yes'], /--json takes no value/],
      [['fit', fixture, '-x'], /unknown flag '-x'/],
      [['help', 'nope'], /unknown command 'nope'/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).toBe('');
    }
  });

  it('--help documents every command, every fit flag with its default, and every CSV column with its names', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    const out = r.stdout;
    for (const command of ['fit', 'help']) expect(out).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    const defaults: Record<string, string> = { law: 'chinchilla', budget: 'none', bootstrap: 'none', seed: '0', loss: 'huber', delta: '1e-3', json: 'off' };
    for (const [flag, value] of Object.entries(defaults)) expect(out).toMatch(new RegExp(`^  --${flag}\\b.*\\[default: ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]$`, 'm'));
    for (const flag of ['help', 'version']) expect(out).toMatch(new RegExp(`^  --${flag}\\b`, 'm'));
    for (const [field, names] of Object.entries(columnAliases)) {
      expect(out).toMatch(new RegExp(`^  ${field} +\\S`, 'm'));
      for (const name of names) expect(out, `column name ${name}`).toContain(name);
    }
    expect(out).toContain('exit codes: 0 success, 1 bad data or a failed fit, 2 a usage error');
    expect(run('-h').stdout).toBe(out);
    expect(run('help').stdout).toBe(out);
  });

  it('help fit and fit --help print the fit help', () => {
    const h = run('help', 'fit');
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^losskit-scaling fit: /);
    expect(h.stdout).toContain('usage: losskit-scaling fit <runs.csv|runs.json> [flags]');
    expect(run('fit', '--help').stdout).toBe(h.stdout);
    expect(run('fit', fixture, '-h').stdout).toBe(h.stdout);
  });

  it("--version prints the version in the package's package.json", () => {
    const { version } = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string };
    const r = run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(run('-V').stdout).toBe(`${version}\n`);
  });
  it('--law kaplan-ns fits a table of N, S, loss (no D column); --budget with it is a usage error (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losskit-scaling-'));
    const file = join(dir, 'steps.csv');
    const rows = [1e6, 4e6, 1.6e7, 6e7].flatMap((N) => [2e3, 1e4, 5e4, 2e5].map((S) => `${N},${S},${(6.5e13 / N) ** 0.077 + (2.1e3 / S) ** 0.76}`));
    writeFileSync(file, `N,S,loss\n${rows.join('\n')}\n`);
    const j = JSON.parse(execFileSync(process.execPath, [cli, 'fit', file, '--law', 'kaplan-ns', '--json'], { encoding: 'utf8' }));
    expect(j.law).toBe('kaplan-ns');
    expect(Math.abs(j.params.alphaS / 0.76 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(j.params.Nc / 6.5e13 - 1)).toBeLessThan(1e-5);
    const bad = run('fit', file, '--law', 'kaplan-ns', '--budget', '1e21');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--budget needs a law of N and D/);
  });
});
