/**
 * Reliability diagrams: per-bin data and a standalone SVG renderer (Node and browser, no DOM needed).
 */
import { LosskitError, params } from '@losskit/core';
import { aggregateGaps, binStatistics, checkStrategy, type Bin, type BinStrategy } from './binning.js';
import { checkBins, readLabels, readOptions, readProbs, topLabel, type From, type Labels, type Predictions } from './input.js';

/** Options of {@link reliabilityDiagram}. */
export interface ReliabilityOptions {
  readonly from?: From;
  /** Default 15. */
  readonly bins?: number;
  /** Default `'width'`. */
  readonly strategy?: BinStrategy;
}

/** The data behind a reliability diagram (top-label confidence). */
export interface ReliabilityData {
  readonly bins: readonly Bin[];
  readonly strategy: BinStrategy;
  readonly count: number;
  /** ECE of these bins (L1). */
  readonly ece: number;
  readonly accuracy: number;
  readonly meanConfidence: number;
}

/**
 * Bins the top-label confidence and reports, per bin, the count, mean confidence and accuracy (bins as in `ece`:
 * `(m/M, (m+1)/M]`, or equal mass), plus the overall ECE, accuracy and mean confidence.
 * Shapes: `[N, C]`, `[N]`. Defaults: 15 equal-width bins, `from: 'logits'`.
 *
 * @example
 * const data = reliabilityDiagram(logits, labels);
 * const svg = renderReliabilitySvg(data, { title: 'ResNet-50, before' });
 *
 * Paper: "On Calibration of Modern Neural Networks", Guo, Pleiss, Sun, Weinberger, 2017 (Figure 1).
 */
export function reliabilityDiagram(predictions: Predictions, labels: Labels, options?: ReliabilityOptions): ReliabilityData {
  options = readOptions(options);
  const p = readProbs(predictions, options.from ?? 'logits');
  const y = readLabels(labels, p.n, p.c);
  const nb = checkBins(options.bins ?? 15, p.n);
  const strategy = checkStrategy(options.strategy ?? 'width');
  const { confidence, prediction } = topLabel(p.data, p.n, p.c);
  const correct = Float64Array.from(prediction, (v, i) => (v === y[i] ? 1 : 0));
  const bins = binStatistics(confidence, correct, nb, strategy);
  let acc = 0;
  let conf = 0;
  for (let i = 0; i < p.n; i++) {
    acc += correct[i]!;
    conf += confidence[i]!;
  }
  return { bins, strategy, count: p.n, ece: aggregateGaps(bins, 'l1'), accuracy: acc / p.n, meanConfidence: conf / p.n };
}

/** Checks that `data` is what {@link reliabilityDiagram} returns (so the renderer never draws NaN coordinates). */
function checkReliabilityData(data: unknown): void {
  const d = data as Partial<ReliabilityData> | null;
  const bad = (what: string) => new LosskitError('INVALID_ARGUMENT', 'not reliability data', { argument: 'data', expected: 'the result of reliabilityDiagram()', received: what });
  if (!d || typeof d !== 'object') throw bad(d === null ? 'null' : typeof d);
  if (!Array.isArray(d.bins) || d.bins.length === 0) throw bad('no bins');
  if (d.strategy !== 'width' && d.strategy !== 'mass') throw bad(`strategy ${String(d.strategy)}`);
  for (const k of ['ece', 'accuracy', 'count'] as const) if (typeof d[k] !== 'number' || !Number.isFinite(d[k])) throw bad(`${k} ${String(d[k])}`);
  d.bins.forEach((b: Bin, m: number) => {
    const ok = b && typeof b === 'object' && Number.isInteger(b.count) && b.count >= 0 && (b.count === 0 || [b.lo, b.hi, b.confidence, b.accuracy].every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!ok) throw bad(`bin ${m}`);
  });
}

/** Options of {@link renderReliabilitySvg}. */
export interface SvgOptions {
  /** Total width in px. Default 360. */
  readonly width?: number;
  /** Title text (escaped). Default `'Reliability diagram'`. */
  readonly title?: string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const f = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * Renders reliability data as a standalone SVG string: accuracy bars per bin, gap bars between accuracy and mean
 * confidence (red), the identity line (perfect calibration), and beneath it a histogram of the confidences
 * (bar height ∝ bin count). Bars span each bin's edges (for equal-mass bins, the smallest to largest confidence inside).
 *
 * @example
 * writeFileSync('reliability.svg', renderReliabilitySvg(reliabilityDiagram(logits, labels)));
 */
export function renderReliabilitySvg(data: ReliabilityData, options?: SvgOptions): string {
  checkReliabilityData(data);
  options = readOptions(options);
  const width = params.positive('width', options.width ?? 360);
  if (options.title !== undefined && typeof options.title !== 'string') {
    throw new LosskitError('INVALID_ARGUMENT', 'title must be a string', { argument: 'title', received: typeof options.title });
  }
  const title = esc(options.title ?? 'Reliability diagram');
  const pad = { l: 44, r: 12, t: 28 };
  const plot = width - pad.l - pad.r;
  const histH = plot * 0.28;
  const gapY = 36;
  const height = pad.t + plot + gapY + histH + 30;
  const X = (v: number) => pad.l + v * plot;
  const Y = (v: number) => pad.t + (1 - v) * plot;
  const histTop = pad.t + plot + gapY;
  const maxCount = Math.max(1, ...data.bins.map((b) => b.count));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${f(width)}" height="${f(height)}" viewBox="0 0 ${f(width)} ${f(height)}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>${title}</title>`);
  out.push(`<rect x="0" y="0" width="${f(width)}" height="${f(height)}" fill="white"/>`);
  out.push(`<text x="${f(pad.l)}" y="16" font-size="13" font-weight="bold">${title}</text>`);
  out.push(`<rect class="frame" x="${f(pad.l)}" y="${f(pad.t)}" width="${f(plot)}" height="${f(plot)}" fill="none" stroke="#444"/>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${f(X(t))}" y1="${f(Y(0))}" x2="${f(X(t))}" y2="${f(Y(0) + 4)}" stroke="#444"/><text x="${f(X(t))}" y="${f(Y(0) + 15)}" text-anchor="middle">${t}</text>`);
    out.push(`<line x1="${f(pad.l - 4)}" y1="${f(Y(t))}" x2="${f(pad.l)}" y2="${f(Y(t))}" stroke="#444"/><text x="${f(pad.l - 6)}" y="${f(Y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  data.bins.forEach((b, m) => {
    if (b.count === 0) return;
    const lo = b.lo;
    const hi = data.strategy === 'width' ? b.hi : Math.max(b.hi, b.lo + 1e-3); // equal-mass bins can be a single point
    const x = X(lo);
    const w = Math.max(X(hi) - X(lo), 1);
    out.push(`<rect class="accuracy" data-bin="${m}" x="${f(x)}" y="${f(Y(b.accuracy))}" width="${f(w)}" height="${f(Y(0) - Y(b.accuracy))}" fill="#4878d0" stroke="#1f3f7a" stroke-width="0.5"/>`);
    const top = Math.max(b.accuracy, b.confidence);
    const bottom = Math.min(b.accuracy, b.confidence);
    out.push(`<rect class="gap" data-bin="${m}" x="${f(x)}" y="${f(Y(top))}" width="${f(w)}" height="${f(Y(bottom) - Y(top))}" fill="#d65f5f" fill-opacity="0.45" stroke="#a33" stroke-width="0.5"/>`);
    const hh = (b.count / maxCount) * histH;
    out.push(`<rect class="histogram" data-bin="${m}" x="${f(x)}" y="${f(histTop + histH - hh)}" width="${f(w)}" height="${f(hh)}" fill="#888"/>`);
  });
  out.push(`<line class="identity" x1="${f(X(0))}" y1="${f(Y(0))}" x2="${f(X(1))}" y2="${f(Y(1))}" stroke="#222" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${f(pad.l + 6)}" y="${f(pad.t + 14)}">ECE ${(data.ece * 100).toFixed(2)}% · acc ${(data.accuracy * 100).toFixed(1)}% · N ${data.count}</text>`);
  out.push(`<text x="${f(X(0.5))}" y="${f(Y(0) + 28)}" text-anchor="middle">confidence</text>`);
  out.push(`<text transform="translate(12 ${f(Y(0.5))}) rotate(-90)" text-anchor="middle">accuracy</text>`);
  out.push(`<rect x="${f(pad.l)}" y="${f(histTop)}" width="${f(plot)}" height="${f(histH)}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${f(pad.l - 6)}" y="${f(histTop + 10)}" text-anchor="end">count</text>`);
  out.push('</svg>');
  return out.join('\n');
}
