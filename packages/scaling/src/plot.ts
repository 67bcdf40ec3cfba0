import { checkNDLaw, computeOptimal, isoFlopCurve, type NDLaw } from './allocation.js';
import { quantile } from './bootstrap.js';
import { checkNumber, checkOptions, describeValue, ScalingError } from './errors.js';

/** Checks plot options: width and height finite numbers > 0, title a string. */
function plotOptions(o: PlotOptions | undefined): PlotOptions {
  const opts = checkOptions(o);
  if (opts.width !== undefined) checkNumber('width', opts.width, 'a number > 0', (v) => v > 0);
  if (opts.height !== undefined) checkNumber('height', opts.height, 'a number > 0', (v) => v > 0);
  if (opts.title !== undefined && typeof opts.title !== 'string') throw new ScalingError('INVALID_ARGUMENT', 'title must be a string', { argument: 'title', expected: 'a string', received: describeValue(opts.title) });
  return opts;
}

function checkInput(input: unknown, fields: string): void {
  if (input === null || typeof input !== 'object') throw new ScalingError('INVALID_ARGUMENT', 'plots take one object', { argument: 'input', expected: `{ ${fields} }`, received: describeValue(input) });
}

/** Options shared by the SVG plots. */
export interface PlotOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** A log-x plot frame: maps data to pixels and draws axes with decade ticks. */
function frame(xs: number[], ys: number[], o: PlotOptions, xLabel: string, yLabel: string, logY: boolean) {
  const W = o.width ?? 640;
  const H = o.height ?? 420;
  const m = { l: 64, r: 20, t: o.title ? 36 : 16, b: 48 };
  const fin = (v: number[]) => v.filter((x) => Number.isFinite(x) && x > 0);
  const lx = fin(xs).map(Math.log10);
  const yy = fin(ys).map((v) => (logY ? Math.log10(v) : v));
  if (lx.length === 0 || yy.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'nothing to plot');
  let [x0, x1] = [Math.min(...lx), Math.max(...lx)];
  let [y0, y1] = [Math.min(...yy), Math.max(...yy)];
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const py = (y1 - y0) * 0.05;
  y0 -= py;
  y1 += py;
  const X = (v: number) => m.l + ((Math.log10(v) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - (((logY ? Math.log10(v) : v) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
    const x = X(10 ** e).toFixed(1);
    parts.push(`<line x1="${x}" y1="${H - m.b}" x2="${x}" y2="${H - m.b + 5}" stroke="#333"/><text x="${x}" y="${H - m.b + 18}" font-size="11" text-anchor="middle">1e${e}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    const val = logY ? 10 ** v : v;
    const y = Y(val).toFixed(1);
    parts.push(`<line x1="${m.l - 5}" y1="${y}" x2="${m.l}" y2="${y}" stroke="#333"/><text x="${m.l - 8}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${Number(val.toPrecision(3))}</text>`);
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>`);
  if (o.title) parts.push(`<text x="${W / 2}" y="22" font-size="14" text-anchor="middle">${esc(o.title)}</text>`);
  const wrap = (body: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif"><rect width="${W}" height="${H}" fill="white"/>${parts.join('')}${body}</svg>`;
  const clip = `<clipPath id="plot-area"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></clipPath>`;
  return { X, Y, wrap, clip };
}

const path = (pts: [number, number][]) => pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(2)} ${y.toFixed(2)}`).join('');

/**
 * Loss vs compute: the runs as points, the fitted compute-optimal frontier `L(N_opt(C), D_opt(C))`,
 * and (optionally) a bootstrap band: the pointwise `level` interval of the frontier over bootstrap laws.
 * Returns a standalone SVG document string.
 *
 * @example
 * ```ts
 * writeFileSync('frontier.svg', plotLossVsCompute({ runs, law: fit.law, bootstrapLaws: b.laws }));
 * ```
 */
export function plotLossVsCompute(input: {
  readonly runs: readonly { readonly C: number; readonly loss: number }[];
  readonly law: NDLaw;
  readonly bootstrapLaws?: readonly NDLaw[];
  readonly level?: number;
  readonly computeRange?: readonly [number, number];
  readonly options?: PlotOptions;
}): string {
  checkInput(input, 'runs, law, bootstrapLaws?, level?, computeRange?, options?');
  const runs: unknown = input.runs;
  if (!Array.isArray(runs) || runs.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'no runs to plot', { argument: 'runs', expected: 'a non-empty array of { C, loss }', received: Array.isArray(runs) ? '[]' : describeValue(runs) });
  runs.forEach((r: { C?: unknown; loss?: unknown } | null, i) => {
    const ok = r !== null && typeof r === 'object' && [r.C, r.loss].every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
    if (!ok) throw new ScalingError('INVALID_VALUE', `run ${i} needs a finite C > 0 and loss > 0`, { argument: 'runs', expected: '{ C, loss } with finite values > 0', received: r && typeof r === 'object' ? `C ${describeValue(r.C)}, loss ${describeValue(r.loss)} at index ${i}` : `${describeValue(r)} at index ${i}` });
  });
  checkNDLaw(input.law);
  const bootstrapLaws: unknown = input.bootstrapLaws;
  if (bootstrapLaws !== undefined && !Array.isArray(bootstrapLaws)) throw new ScalingError('INVALID_ARGUMENT', 'bootstrapLaws must be an array of laws', { argument: 'bootstrapLaws', expected: 'an array of (N, D) laws', received: describeValue(bootstrapLaws) });
  (bootstrapLaws as unknown[] | undefined)?.forEach((l) => checkNDLaw(l));
  const options = plotOptions(input.options);
  const Cs = input.runs.map((r) => r.C);
  const range = input.computeRange ?? [Math.min(...Cs), Math.max(...Cs) * 10];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0) || !(range[0]! < range[1]!)) {
    throw new ScalingError('INVALID_ARGUMENT', 'bad compute range', { argument: 'computeRange', expected: '[lo, hi] with 0 < lo < hi, finite', received: Array.isArray(range) ? `[${range.join(', ')}]` : describeValue(range) });
  }
  const [c0, c1] = range as readonly [number, number];
  const grid = Array.from({ length: 60 }, (_, i) => c0 * (c1 / c0) ** (i / 59));
  const front = grid.map((C) => computeOptimal(input.law, C).loss);
  const level = checkNumber('level', input.level ?? 0.95, 'a number in (0, 1)', (v) => v > 0 && v < 1);
  const band = input.bootstrapLaws?.length
    ? grid.map((C) => {
        const v = input.bootstrapLaws!.map((l) => computeOptimal(l, C).loss).filter(Number.isFinite).sort((a, b) => a - b);
        return [quantile(v, (1 - level) / 2), quantile(v, 1 - (1 - level) / 2)] as const;
      })
    : undefined;
  const ys = [...input.runs.map((r) => r.loss), ...front, ...(band ? band.flat() : [])];
  const f = frame([...Cs, ...grid], ys, { title: 'Loss vs compute', ...options }, 'compute C (FLOPs)', 'loss', true);
  let body = f.clip + '<g clip-path="url(#plot-area)">';
  if (band) {
    const upper = grid.map((C, i) => [f.X(C), f.Y(band[i]![1])] as [number, number]);
    const lower = grid.map((C, i) => [f.X(C), f.Y(band[i]![0])] as [number, number]).reverse();
    body += `<path class="band" d="${path([...upper, ...lower])}Z" fill="${COLORS[0]}" fill-opacity="0.2" stroke="none"/>`;
  }
  for (const r of input.runs) body += `<circle class="run" cx="${f.X(r.C).toFixed(2)}" cy="${f.Y(r.loss).toFixed(2)}" r="2.5" fill="#555" fill-opacity="0.6"/>`;
  body += `<path class="frontier" d="${path(grid.map((C, i) => [f.X(C), f.Y(front[i]!)]))}" fill="none" stroke="${COLORS[0]}" stroke-width="2"/>`;
  body += '</g>';
  return f.wrap(body);
}

/**
 * Iso-FLOP curves: loss against N along `6ND = C` (or your cost) for each budget, with each
 * curve's minimum marked. Returns a standalone SVG document string.
 *
 * @example
 * ```ts
 * plotIsoFlop({ law: fit.law, budgets: [1e19, 1e20, 1e21] });
 * ```
 */
export function plotIsoFlop(input: { readonly law: NDLaw; readonly budgets: readonly number[]; readonly options?: PlotOptions }): string {
  checkInput(input, 'law, budgets, options?');
  const budgets: unknown = input.budgets;
  if (!Array.isArray(budgets) || budgets.length === 0) throw new ScalingError('INVALID_ARGUMENT', 'no budgets to plot', { argument: 'budgets', expected: 'a non-empty array of compute budgets > 0', received: Array.isArray(budgets) ? '[]' : describeValue(budgets) });
  budgets.forEach((C: unknown, i) => {
    if (typeof C !== 'number' || !Number.isFinite(C) || C <= 0) throw new ScalingError('INVALID_ARGUMENT', `budget ${i} is not a compute budget`, { argument: 'budgets', expected: 'finite numbers > 0', received: `${describeValue(C)} at index ${i}` });
  });
  checkNDLaw(input.law);
  const options = plotOptions(input.options);
  const curves = input.budgets.map((C) => ({ C, pts: isoFlopCurve(input.law, C), opt: computeOptimal(input.law, C) }));
  const f = frame(
    curves.flatMap((c) => c.pts.map((p) => p.N)),
    curves.flatMap((c) => c.pts.map((p) => p.loss)),
    { title: 'Iso-FLOP curves', ...options },
    'parameters N',
    'loss',
    true,
  );
  let body = f.clip + '<g clip-path="url(#plot-area)">';
  curves.forEach((c, i) => {
    const col = COLORS[i % COLORS.length]!;
    body += `<path class="isoflop" d="${path(c.pts.map((p) => [f.X(p.N), f.Y(p.loss)]))}" fill="none" stroke="${col}" stroke-width="1.5"><title>C = ${c.C.toExponential(2)}</title></path>`;
    body += `<circle class="optimum" cx="${f.X(c.opt.N).toFixed(2)}" cy="${f.Y(c.opt.loss).toFixed(2)}" r="4" fill="${col}"/>`;
  });
  body += '</g>';
  return f.wrap(body);
}
