// The site's one plotting layer: line / point / bar charts, grouped horizontal bar charts, heatmaps with a colour bar
// and an arrow field, and decision-region plots, drawn on a <canvas>.
//
// Why our own (about 500 lines) rather than Observable Plot or uPlot: every plot here is redrawn live while a
// slider moves or a model trains (the budget is 50 ms per redraw, and most redraws take 1–3 ms on canvas); Plot
// renders SVG (a new DOM tree per frame, plus d3 in the bundle) and has no arrow fields on rasters, uPlot has no
// heatmaps or horizontal grouped bars. What the site needs of a plotting library is small and fixed: nice rounded
// ticks (1-2-5 steps, powers of ten on log axes), axis titles, an HTML legend (wraps on a phone, readable by screen
// readers and tests), a colour bar, crisp drawing at any devicePixelRatio, sizing to the container (ResizeObserver),
// and colours from CSS variables so dark mode redraws every live figure.
import { h } from './dom.ts';

export interface Axis {
  readonly label?: string;
  readonly log?: boolean;
  /** Fixed domain; by default the data's extent (padded, and nice-rounded). */
  readonly domain?: readonly [number, number];
  /** Include 0 in the domain (e.g. for losses). */
  readonly zero?: boolean;
}

export interface Series {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly label?: string;
  /** A colour, or an index into the theme's palette (default: the series' index). */
  readonly color?: string | number;
  /** `line` (default), `points`, `bars` (centred at x, width `barWidth` in data units) or `area` (filled to 0). */
  readonly style?: 'line' | 'points' | 'bars' | 'area';
  readonly dash?: readonly number[];
  readonly width?: number;
  readonly barWidth?: number;
  /** Opacity of bars / areas / points. */
  readonly alpha?: number;
}

export interface RefLine {
  readonly at: number;
  readonly label?: string;
  readonly color?: string | number;
  readonly dash?: readonly number[];
}

export interface LineSpec {
  readonly type: 'line';
  readonly series: readonly Series[];
  readonly x?: Axis;
  readonly y?: Axis;
  readonly vlines?: readonly RefLine[];
  readonly hlines?: readonly RefLine[];
  /** A diagonal y = x (reliability diagrams). */
  readonly diagonal?: string;
}

export interface HeatmapSpec {
  readonly type: 'heatmap';
  /** Row-major `ny × nx`, row 0 at the top (y = domain max). */
  readonly values: ArrayLike<number>;
  readonly nx: number;
  readonly ny: number;
  readonly x: Axis & { readonly domain: readonly [number, number] };
  readonly y: Axis & { readonly domain: readonly [number, number] };
  readonly colorLabel: string;
  /** Arrows on an `nx × ny` grid of cell centres, drawn along (gx, gy) in data directions. */
  readonly arrows?: { readonly nx: number; readonly ny: number; readonly gx: ArrayLike<number>; readonly gy: ArrayLike<number> };
}

export interface BarsSpec {
  readonly type: 'bars';
  /** Category labels (one row of bars each). */
  readonly groups: readonly string[];
  /** One bar per group per series; NaN leaves a gap. */
  readonly series: ReadonlyArray<{
    readonly label: string;
    readonly values: readonly number[];
    readonly color?: string | number;
    /** Optional ± half-widths (e.g. one sd), drawn as a whisker with end caps across each bar's end. */
    readonly errors?: readonly number[];
  }>;
  readonly x: Axis;
  /** Per-group marks (e.g. the measured floor), drawn as a vertical tick across the group. */
  readonly marks?: { readonly label: string; readonly values: readonly number[] };
  readonly vlines?: readonly RefLine[];
  /** Legend label of the series' `errors` whiskers (e.g. `± 1 sd`). */
  readonly errorLabel?: string;
}

export interface RegionSpec {
  readonly type: 'region';
  readonly n: number;
  readonly cls: ArrayLike<number>;
  readonly conf: ArrayLike<number>;
  readonly points: { readonly x: ArrayLike<number>; readonly labels: ArrayLike<number> };
  /** Data lie in [-r, r]². */
  readonly r: number;
  readonly classes: number;
}

export type PlotSpec = LineSpec | HeatmapSpec | BarsSpec | RegionSpec;

export interface Theme {
  readonly fg: string;
  readonly muted: string;
  readonly grid: string;
  readonly bg: string;
  readonly palette: readonly string[];
  readonly dark: boolean;
}

const LIGHT = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const DARK = ['#60a5fa', '#f87171', '#4ade80', '#c084fc', '#fb923c', '#22d3ee'];

/** Colours of the current theme, read from the CSS variables of `:root` (see style.css). */
export function theme(): Theme {
  const cs = getComputedStyle(document.documentElement);
  const v = (k: string, d: string) => cs.getPropertyValue(k).trim() || d;
  const dark = v('--scheme', 'light') === 'dark';
  return { fg: v('--plot-fg', '#1f2937'), muted: v('--plot-muted', '#6b7280'), grid: v('--plot-grid', '#e5e7eb'), bg: v('--plot-bg', '#ffffff'), palette: dark ? DARK : LIGHT, dark };
}

function colorOf(t: Theme, c: string | number | undefined, i: number): string {
  if (typeof c === 'string') return c;
  return t.palette[(c ?? i) % t.palette.length]!;
}

// ── ticks ───────────────────────────────────────────────────────────────────────

/** Nice tick values (1, 2, 5 × 10^k steps) covering [lo, hi] with about `n` ticks. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Formats a tick: as few digits as the step needs; exponent notation for very large or small values. */
export function fmtTick(v: number, step = 0): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = v / 10 ** e;
    const ms = Number(m.toPrecision(2));
    return ms === 1 ? `1e${e}` : ms === -1 ? `-1e${e}` : `${ms}e${e}`;
  }
  const decimals = step > 0 ? Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : 3;
  return Number(v.toFixed(decimals)).toString();
}

interface Scale {
  (v: number): number;
  readonly ticks: number[];
  readonly step: number;
  readonly log: boolean;
  readonly lo: number;
  readonly hi: number;
}

function scale(axis: Axis | undefined, values: number[], a: number, b: number, n: number): Scale {
  const log = !!axis?.log;
  const tr = (v: number) => (log ? Math.log10(v) : v);
  let lo = Infinity;
  let hi = -Infinity;
  if (axis?.domain) [lo, hi] = [tr(axis.domain[0]), tr(axis.domain[1])];
  else {
    for (const v of values) {
      const t = tr(v);
      if (Number.isFinite(t)) { lo = Math.min(lo, t); hi = Math.max(hi, t); }
    }
    if (axis?.zero && !log) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (hi === lo) { const d = Math.abs(lo) * 0.1 || 0.5; lo -= d; hi += d; }
  let ticks: number[];
  let step: number;
  if (log) {
    if (!axis?.domain) { lo = Math.floor(lo * 10) / 10; hi = Math.ceil(hi * 10) / 10; }
    const decades = hi - lo;
    const every = Math.max(1, Math.ceil(decades / n));
    ticks = [];
    for (let e = Math.ceil(lo - 1e-9); e <= hi + 1e-9; e += every) ticks.push(10 ** e);
    if (decades < 1.5) for (const m of [2, 5]) for (let e = Math.floor(lo); e <= hi; e++) { const t = m * 10 ** e; if (Math.log10(t) >= lo && Math.log10(t) <= hi) ticks.push(t); }
    ticks.sort((p, q) => p - q);
    step = 0;
  } else {
    if (!axis?.domain) {
      const pad = (hi - lo) * 0.04;
      const t = niceTicks(lo - pad, hi + pad, n);
      const s = t.length > 1 ? t[1]! - t[0]! : 1;
      lo = Math.min(lo, Math.floor(lo / s) * s);
      hi = Math.max(hi, Math.ceil(hi / s) * s);
      if (axis?.zero) lo = Math.min(lo, 0);
    }
    ticks = niceTicks(lo, hi, n);
    step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 0;
  }
  const f = ((v: number) => a + ((tr(v) - lo) / (hi - lo)) * (b - a)) as Scale;
  return Object.assign(f, { ticks, step, log, lo, hi });
}

// ── the figure ──────────────────────────────────────────────────────────────────

const live = new Set<Figure>();
let schemeWatch = false;

/** Redraws every figure on the page (after a theme change). */
export function redrawAll(): void {
  for (const f of live) {
    if (!f.root.isConnected) live.delete(f);
    else f.redraw();
  }
}

export interface FigureOptions {
  readonly testid?: string;
  /** Height / width; default 0.55. */
  readonly aspect?: number;
  readonly minHeight?: number;
  readonly maxHeight?: number;
  /** Alt text (the canvas is `role="img"`); updated by {@link Figure.draw} when the spec gives one. */
  readonly alt: string;
  readonly caption?: string | Node;
}

/** A canvas plot sized to its container, with an HTML legend and caption. */
export class Figure {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly legend: HTMLElement;
  private spec: PlotSpec | undefined;
  private readonly opts: FigureOptions;
  private frame = 0;
  /** Milliseconds of the last draw (for the e2e's timings). */
  lastDrawMs = 0;

  constructor(opts: FigureOptions) {
    this.opts = opts;
    this.canvas = h('canvas', { role: 'img', 'aria-label': opts.alt, testid: opts.testid });
    this.legend = h('ul', { class: 'legend', 'aria-hidden': 'true' });
    this.root = h('figure', { class: 'plot' }, this.canvas, this.legend, opts.caption ? h('figcaption', {}, opts.caption) : null);
    live.add(this);
    if (!schemeWatch && typeof matchMedia === 'function') {
      schemeWatch = true;
      matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => redrawAll());
    }
    if (typeof ResizeObserver === 'function') {
      let lastW = 0;
      new ResizeObserver(() => {
        const w = Math.round(this.root.clientWidth);
        if (w !== lastW) { lastW = w; this.schedule(); }
      }).observe(this.root);
    }
  }

  /** Sets the alt text (a sentence saying what the plot shows and its main numbers). */
  setAlt(alt: string): void {
    this.canvas.setAttribute('aria-label', alt);
  }

  draw(spec: PlotSpec, alt?: string): void {
    this.spec = spec;
    if (alt) this.setAlt(alt);
    this.redraw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.redraw(); });
  }

  redraw(): void {
    const spec = this.spec;
    if (!spec) return;
    const t0 = performance.now();
    const w = Math.max(200, Math.floor(this.root.clientWidth || 480));
    let hgt: number;
    if (spec.type === 'bars') hgt = 48 + spec.groups.length * (12 * spec.series.length + 14);
    else hgt = Math.round(w * (this.opts.aspect ?? 0.55));
    hgt = Math.max(this.opts.minHeight ?? 160, Math.min(this.opts.maxHeight ?? 560, hgt));
    if (spec.type === 'bars') hgt = Math.max(hgt, 48 + spec.groups.length * (12 * spec.series.length + 14));
    const dpr = Math.max(1, window.devicePixelRatio || 1);
    const c = this.canvas;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(hgt * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(hgt * dpr);
    }
    c.style.width = `${w}px`;
    c.style.height = `${hgt}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const th = theme();
    ctx.fillStyle = th.bg;
    ctx.fillRect(0, 0, w, hgt);
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
    ctx.textBaseline = 'middle';
    const items: Array<{ label: string; color: string; dash?: readonly number[]; kind: string }> = [];
    if (spec.type === 'line') drawLine(ctx, w, hgt, spec, th, items);
    else if (spec.type === 'heatmap') drawHeatmap(ctx, w, hgt, spec, th);
    else if (spec.type === 'bars') drawBars(ctx, w, hgt, spec, th, items);
    else drawRegion(ctx, w, hgt, spec, th, items);
    this.legend.replaceChildren(
      ...items.map((it) =>
        h('li', {}, h('span', { class: `swatch ${it.kind}${it.dash ? ' dashed' : ''}`, style: `--c:${it.color}` }), it.label),
      ),
    );
    this.legend.hidden = items.length === 0;
    this.lastDrawMs = performance.now() - t0;
    // Time from navigation start to the first plot on the page (the e2e's cold-load timing).
    const w2 = window as unknown as { losskitFirstPlot?: number };
    w2.losskitFirstPlot ??= performance.now();
    this.canvas.setAttribute('data-drawn', String(Number(this.canvas.getAttribute('data-drawn') ?? 0) + 1));
  }
}

interface Frame {
  l: number;
  r: number;
  t: number;
  b: number;
}

function axes(ctx: CanvasRenderingContext2D, f: Frame, xs: Scale, ys: Scale, x: Axis | undefined, y: Axis | undefined, th: Theme, w: number, hgt: number): void {
  ctx.lineWidth = 1;
  ctx.strokeStyle = th.grid;
  ctx.fillStyle = th.muted;
  ctx.textAlign = 'right';
  for (const v of ys.ticks) {
    const py = Math.round(ys(v)) + 0.5;
    if (py < f.t - 1 || py > f.b + 1) continue;
    ctx.beginPath(); ctx.moveTo(f.l, py); ctx.lineTo(f.r, py); ctx.stroke();
    ctx.fillText(fmtTick(v, ys.step), f.l - 6, py);
  }
  ctx.textAlign = 'center';
  let lastRight = -Infinity;
  for (const v of xs.ticks) {
    const px = Math.round(xs(v)) + 0.5;
    if (px < f.l - 1 || px > f.r + 1) continue;
    ctx.beginPath(); ctx.moveTo(px, f.t); ctx.lineTo(px, f.b); ctx.stroke();
    const s = fmtTick(v, xs.step);
    const tw = ctx.measureText(s).width;
    if (px - tw / 2 > lastRight + 4) {
      ctx.fillText(s, px, f.b + 12);
      lastRight = px + tw / 2;
    }
  }
  ctx.strokeStyle = th.muted;
  ctx.strokeRect(f.l + 0.5, f.t + 0.5, f.r - f.l, f.b - f.t);
  ctx.fillStyle = th.fg;
  if (x?.label) { ctx.textAlign = 'center'; ctx.fillText(x.label, (f.l + f.r) / 2, hgt - 9); }
  if (y?.label) {
    ctx.save();
    ctx.translate(11, (f.t + f.b) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(y.label, 0, 0);
    ctx.restore();
  }
  void w;
}

function yTickWidth(ctx: CanvasRenderingContext2D, ys: Scale): number {
  return Math.max(...ys.ticks.map((v) => ctx.measureText(fmtTick(v, ys.step)).width), 10);
}

function drawLine(ctx: CanvasRenderingContext2D, w: number, hgt: number, spec: LineSpec, th: Theme, items: Array<{ label: string; color: string; dash?: readonly number[]; kind: string }>): void {
  const allX: number[] = [];
  const allY: number[] = [];
  for (const s of spec.series) {
    for (let i = 0; i < s.x.length; i++) {
      const yv = s.y[i]!;
      if (!Number.isFinite(yv) || !Number.isFinite(s.x[i]!)) continue;
      allX.push(s.x[i]!);
      allY.push(yv);
      if (s.style === 'bars' && s.barWidth) { allX.push(s.x[i]! - s.barWidth / 2, s.x[i]! + s.barWidth / 2); allY.push(0); }
    }
  }
  for (const l of spec.hlines ?? []) allY.push(l.at);
  const nY = Math.max(3, Math.round(hgt / 55));
  const ys0 = scale(spec.y, allY, hgt - 36, 10, nY);
  const left = 22 + (spec.y?.label ? 12 : 0) + yTickWidth(ctx, ys0);
  const f: Frame = { l: left, r: w - 12, t: 10, b: hgt - 36 - (spec.x?.label ? 6 : 0) };
  const xs = scale(spec.x, allX, f.l, f.r, Math.max(3, Math.round((f.r - f.l) / 80)));
  const ys = scale(spec.y, allY, f.b, f.t, nY);
  axes(ctx, f, xs, ys, spec.x, spec.y, th, w, hgt);
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.l, f.t, f.r - f.l, f.b - f.t);
  ctx.clip();
  if (spec.diagonal !== undefined) {
    ctx.strokeStyle = th.muted;
    ctx.setLineDash([5, 4]);
    const d0 = Math.min(xs.lo, ys.lo), d1 = Math.max(xs.hi, ys.hi);
    ctx.beginPath();
    ctx.moveTo(xs(d0), ys(d0));
    ctx.lineTo(xs(d1), ys(d1));
    ctx.stroke();
    ctx.setLineDash([]);
    if (spec.diagonal) items.push({ label: spec.diagonal, color: th.muted, dash: [5, 4], kind: 'line' });
  }
  spec.series.forEach((s, i) => {
    const color = colorOf(th, s.color, i);
    const style = s.style ?? 'line';
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = s.width ?? 2;
    if (style === 'bars') {
      ctx.globalAlpha = s.alpha ?? 0.75;
      const bw = s.barWidth ?? 0;
      for (let k = 0; k < s.x.length; k++) {
        const yv = s.y[k]!;
        if (!Number.isFinite(yv)) continue;
        const x0 = xs(s.x[k]! - bw / 2) + 1, x1 = xs(s.x[k]! + bw / 2) - 1;
        const y0 = ys(ys.log ? 10 ** ys.lo : Math.max(0, ys.lo)), y1 = ys(yv);
        ctx.fillRect(x0, Math.min(y0, y1), Math.max(1, x1 - x0), Math.abs(y1 - y0));
      }
      ctx.globalAlpha = 1;
    } else if (style === 'points') {
      ctx.globalAlpha = s.alpha ?? 0.9;
      for (let k = 0; k < s.x.length; k++) {
        const yv = s.y[k]!;
        if (!Number.isFinite(yv) || !Number.isFinite(s.x[k]!)) continue;
        ctx.beginPath();
        ctx.arc(xs(s.x[k]!), ys(yv), s.width ?? 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
    } else {
      ctx.setLineDash(s.dash ? [...s.dash] : []);
      ctx.beginPath();
      let pen = false;
      for (let k = 0; k < s.x.length; k++) {
        const yv = s.y[k]!;
        if (!Number.isFinite(yv) || (ys.log && yv <= 0)) { pen = false; continue; }
        const px = xs(s.x[k]!), py = Math.max(-1e4, Math.min(1e4, ys(yv)));
        if (pen) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
      if (style === 'area') {
        ctx.globalAlpha = s.alpha ?? 0.15;
        ctx.lineTo(xs(s.x[s.x.length - 1]!), ys(0));
        ctx.lineTo(xs(s.x[0]!), ys(0));
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    }
    if (s.label) items.push({ label: s.label, color, kind: style === 'line' || style === 'area' ? 'line' : style, ...(s.dash ? { dash: s.dash } : {}) });
  });
  for (const [lines, vertical] of [[spec.vlines ?? [], true], [spec.hlines ?? [], false]] as const) {
    lines.forEach((l, i) => {
      const color = colorOf(th, l.color ?? th.muted, i);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(l.dash ? [...l.dash] : [4, 3]);
      ctx.beginPath();
      if (vertical) { const px = Math.round(xs(l.at)) + 0.5; ctx.moveTo(px, f.t); ctx.lineTo(px, f.b); }
      else { const py = Math.round(ys(l.at)) + 0.5; ctx.moveTo(f.l, py); ctx.lineTo(f.r, py); }
      ctx.stroke();
      ctx.setLineDash([]);
      if (l.label) items.push({ label: l.label, color, dash: l.dash ?? [4, 3], kind: 'line' });
    });
  }
  ctx.restore();
}

/** Viridis (5 stops, linear in between) for t in [0, 1]. */
export function colormap(t: number): [number, number, number] {
  const stops: Array<[number, number, number]> = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 1)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!, b = stops[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

function raster(nx: number, ny: number, pixel: (k: number) => [number, number, number]): HTMLCanvasElement {
  const tmp = document.createElement('canvas');
  tmp.width = nx;
  tmp.height = ny;
  const tctx = tmp.getContext('2d')!;
  const img = tctx.createImageData(nx, ny);
  for (let k = 0; k < nx * ny; k++) {
    const [r, g, b] = pixel(k);
    img.data[4 * k] = r; img.data[4 * k + 1] = g; img.data[4 * k + 2] = b; img.data[4 * k + 3] = 255;
  }
  tctx.putImageData(img, 0, 0);
  return tmp;
}

function drawHeatmap(ctx: CanvasRenderingContext2D, w: number, hgt: number, spec: HeatmapSpec, th: Theme): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < spec.values.length; i++) {
    const v = spec.values[i]!;
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  const cb = scale({ domain: [lo, hi === lo ? lo + 1 : hi] }, [], hgt - 36, 10, Math.max(3, Math.round(hgt / 60)));
  const cbw = 14 + 8 + Math.max(...cb.ticks.map((v) => ctx.measureText(fmtTick(v, cb.step)).width)) + 22;
  const ys0 = scale(spec.y, [], hgt - 36, 10, 5);
  const f: Frame = { l: 24 + yTickWidth(ctx, ys0) + (spec.y.label ? 10 : 0), r: w - cbw - 8, t: 10, b: hgt - 42 };
  const xs = scale(spec.x, [], f.l, f.r, Math.max(3, Math.round((f.r - f.l) / 70)));
  const ys = scale(spec.y, [], f.b, f.t, Math.max(3, Math.round((f.b - f.t) / 50)));
  const img = raster(spec.nx, spec.ny, (k) => colormap(hi > lo ? (spec.values[k]! - lo) / (hi - lo) : 0.5));
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(img, f.l, f.t, f.r - f.l, f.b - f.t);
  axes(ctx, f, xs, ys, spec.x, spec.y, { ...th, grid: 'rgba(255,255,255,0.18)' }, w, hgt);
  // Colour bar with its own ticks and title.
  const bx = f.r + 14, bh = f.b - f.t;
  const bar = raster(1, 64, (k) => colormap(1 - k / 63));
  ctx.drawImage(bar, bx, f.t, 14, bh);
  ctx.strokeStyle = th.muted;
  ctx.strokeRect(bx + 0.5, f.t + 0.5, 14, bh);
  const cbs = scale({ domain: [lo, hi === lo ? lo + 1 : hi] }, [], f.b, f.t, Math.max(3, Math.round(bh / 50)));
  ctx.fillStyle = th.muted;
  ctx.textAlign = 'left';
  for (const v of cbs.ticks) ctx.fillText(fmtTick(v, cbs.step), bx + 19, cbs(v));
  ctx.save();
  ctx.translate(w - 8, (f.t + f.b) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillStyle = th.fg;
  ctx.fillText(spec.colorLabel, 0, 0);
  ctx.restore();
  const a = spec.arrows;
  if (!a) return;
  let gmax = 0;
  for (let i = 0; i < a.gx.length; i++) {
    const m = Math.hypot(a.gx[i]!, a.gy[i]!);
    if (Number.isFinite(m)) gmax = Math.max(gmax, m);
  }
  if (gmax === 0) return;
  const cw = (f.r - f.l) / a.nx, ch = (f.b - f.t) / a.ny;
  ctx.strokeStyle = 'rgba(255,255,255,0.92)';
  ctx.fillStyle = 'rgba(255,255,255,0.92)';
  ctx.lineWidth = 1.3;
  for (let j = 0; j < a.ny; j++) {
    for (let i = 0; i < a.nx; i++) {
      const k = j * a.nx + i;
      const gx = a.gx[k]!, gy = -a.gy[k]!; // screen y grows downwards
      const m = Math.hypot(gx, gy);
      if (!Number.isFinite(m) || m === 0) continue;
      const len = 0.45 * Math.min(cw, ch) * Math.sqrt(m / gmax);
      const cx = f.l + (i + 0.5) * cw, cy = f.t + (j + 0.5) * ch;
      const ux = gx / m, uy = gy / m;
      const ex = cx + ux * len, ey = cy + uy * len;
      ctx.beginPath(); ctx.moveTo(cx - ux * len * 0.3, cy - uy * len * 0.3); ctx.lineTo(ex, ey); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(ex, ey); ctx.lineTo(ex - ux * 4 - uy * 3, ey - uy * 4 + ux * 3); ctx.lineTo(ex - ux * 4 + uy * 3, ey - uy * 4 - ux * 3); ctx.fill();
    }
  }
}

function drawBars(ctx: CanvasRenderingContext2D, w: number, hgt: number, spec: BarsSpec, th: Theme, items: Array<{ label: string; color: string; dash?: readonly number[]; kind: string }>): void {
  const all: number[] = [];
  for (const s of spec.series) {
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v) || (spec.x.log && v <= 0)) return;
      all.push(v);
      const e = s.errors?.[i];
      if (e !== undefined && Number.isFinite(e)) all.push(v + e, ...(spec.x.log ? [] : [v - e]));
    });
  }
  for (const v of spec.marks?.values ?? []) if (Number.isFinite(v)) all.push(v);
  for (const l of spec.vlines ?? []) all.push(l.at);
  const labelW = Math.min(w * 0.38, Math.max(...spec.groups.map((g) => ctx.measureText(g).width)) + 10);
  const f: Frame = { l: labelW + 8, r: w - 14, t: 8, b: hgt - 40 };
  const xs = scale(spec.x, all, f.l, f.r, Math.max(3, Math.round((f.r - f.l) / 80)));
  const ys = Object.assign((v: number) => v, { ticks: [] as number[], step: 0, log: false, lo: 0, hi: 1 }) as Scale;
  axes(ctx, f, xs, ys, spec.x, undefined, th, w, hgt);
  const gh = (f.b - f.t) / Math.max(1, spec.groups.length);
  const bh = Math.max(3, (gh - 8) / Math.max(1, spec.series.length));
  const base = xs(spec.x.log ? 10 ** xs.lo : Math.max(0, xs.lo));
  ctx.textAlign = 'right';
  spec.groups.forEach((g, gi) => {
    const y0 = f.t + gi * gh + 4;
    ctx.fillStyle = th.fg;
    let label = g;
    while (label.length > 4 && ctx.measureText(label).width > labelW) label = `${label.slice(0, -2)}…`;
    ctx.fillText(label, f.l - 6, y0 + (gh - 8) / 2);
    spec.series.forEach((s, si) => {
      const v = s.values[gi]!;
      if (!Number.isFinite(v) || (spec.x.log && v <= 0)) return;
      ctx.fillStyle = colorOf(th, s.color, si);
      const x1 = xs(v);
      ctx.fillRect(Math.min(base, x1), y0 + si * bh, Math.max(1, Math.abs(x1 - base)), bh - 1);
      const e = s.errors?.[gi];
      if (e !== undefined && Number.isFinite(e) && e > 0) {
        const yc = Math.round(y0 + si * bh + (bh - 1) / 2) + 0.5;
        const lo = Math.max(f.l, xs(spec.x.log ? Math.max(v - e, 10 ** xs.lo) : v - e));
        const hi = Math.min(f.r, xs(v + e));
        const cap = Math.max(2, (bh - 1) / 2 - 1);
        ctx.strokeStyle = th.fg;
        ctx.lineWidth = 1.25;
        ctx.beginPath();
        ctx.moveTo(lo, yc); ctx.lineTo(hi, yc);
        ctx.moveTo(lo, yc - cap); ctx.lineTo(lo, yc + cap);
        ctx.moveTo(hi, yc - cap); ctx.lineTo(hi, yc + cap);
        ctx.stroke();
      }
    });
    const m = spec.marks?.values[gi];
    if (m !== undefined && Number.isFinite(m)) {
      ctx.strokeStyle = th.fg;
      ctx.lineWidth = 2;
      ctx.setLineDash([3, 2]);
      ctx.beginPath(); ctx.moveTo(xs(m), y0 - 2); ctx.lineTo(xs(m), y0 + gh - 6); ctx.stroke();
      ctx.setLineDash([]);
    }
  });
  for (const l of spec.vlines ?? []) {
    const px = Math.round(xs(l.at)) + 0.5;
    ctx.strokeStyle = colorOf(th, l.color ?? th.muted, 0);
    ctx.lineWidth = 1.5;
    ctx.setLineDash(l.dash ? [...l.dash] : [6, 3]);
    ctx.beginPath(); ctx.moveTo(px, f.t); ctx.lineTo(px, f.b); ctx.stroke();
    ctx.setLineDash([]);
    if (l.label) items.push({ label: l.label, color: colorOf(th, l.color ?? th.muted, 0), dash: l.dash ?? [6, 3], kind: 'line' });
  }
  spec.series.forEach((s, si) => items.push({ label: s.label, color: colorOf(th, s.color, si), kind: 'bars' }));
  if (spec.series.some((s) => s.errors)) items.push({ label: spec.errorLabel ?? '± error', color: th.fg, kind: 'line' });
  if (spec.marks) items.push({ label: spec.marks.label, color: th.fg, dash: [3, 2], kind: 'line' });
}

const REGION = [[37, 99, 235], [220, 38, 38], [22, 163, 74], [147, 51, 234], [234, 88, 12]] as const;

function drawRegion(ctx: CanvasRenderingContext2D, w: number, hgt: number, spec: RegionSpec, th: Theme, items: Array<{ label: string; color: string; kind: string }>): void {
  const size = Math.min(w - 40, hgt - 30);
  const left = Math.max(34, Math.round((w - size) / 2));
  const f: Frame = { l: left, r: left + size, t: 6, b: 6 + size };
  const bg = th.dark ? [17, 24, 39] : [255, 255, 255];
  const img = raster(spec.n, spec.n, (k) => {
    const c = REGION[spec.cls[k]! % REGION.length]!;
    const a = 0.12 + 0.33 * Math.min(1, Math.max(0, spec.conf[k]!));
    return [bg[0]! + (c[0] - bg[0]!) * a, bg[1]! + (c[1] - bg[1]!) * a, bg[2]! + (c[2] - bg[2]!) * a];
  });
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(img, f.l, f.t, size, size);
  const xs = scale({ domain: [-spec.r, spec.r] }, [], f.l, f.r, 4);
  const ys = scale({ domain: [-spec.r, spec.r] }, [], f.b, f.t, 4);
  axes(ctx, f, xs, ys, undefined, undefined, { ...th, grid: th.dark ? 'rgba(255,255,255,0.08)' : 'rgba(0,0,0,0.06)' }, w, hgt);
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.l, f.t, f.r - f.l, f.b - f.t);
  ctx.clip();
  for (let i = 0; i < spec.points.labels.length; i++) {
    const c = REGION[spec.points.labels[i]! % REGION.length]!;
    ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    ctx.strokeStyle = th.bg;
    ctx.lineWidth = 0.8;
    ctx.beginPath();
    ctx.arc(xs(spec.points.x[2 * i]!), ys(spec.points.x[2 * i + 1]!), 2.8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
  for (let k = 0; k < spec.classes; k++) {
    const c = REGION[k % REGION.length]!;
    items.push({ label: `class ${k}`, color: `rgb(${c[0]},${c[1]},${c[2]})`, kind: 'points' });
  }
}
