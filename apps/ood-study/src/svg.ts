// Small standalone SVG figures for the study pages (no DOM): overlaid score histograms and a loss-landscape slice.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

/** Overlaid histograms of two score sets (ID and OOD) on shared bins, with axes, a legend and a title. */
export function histogramSvg(series: { label: string; values: number[]; color: string }[], title: string, xLabel: string, bins = 30): string {
  const W = 560;
  const H = 300;
  const m = { l: 52, r: 16, t: 34, b: 46 };
  const all = series.flatMap((s) => s.values);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.02;
  lo -= pad;
  hi += pad;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) c[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]! += 1 / s.values.length;
    return c;
  });
  const ymax = Math.max(...counts.flat(), 1e-9);
  const x = (v: number) => m.l + ((v - lo) / (hi - lo)) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / ymax) * (H - m.t - m.b);
  const bw = (W - m.l - m.r) / bins;
  const bars = counts.map((c, k) => c.map((v, i) => `<rect x="${(m.l + i * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - m.b - y(v)).toFixed(1)}" fill="${series[k]!.color}" fill-opacity="0.45" stroke="${series[k]!.color}" stroke-width="0.6"/>`).join('')).join('');
  const ticks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  const xt = ticks.map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#444"/><text x="${x(t)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${fmt(t)}</text>`).join('');
  const yt = [0, 0.5, 1].map((f) => `<text x="${m.l - 6}" y="${y(f * ymax) + 4}" font-size="11" text-anchor="end">${fmt(f * ymax)}</text>`).join('');
  const legend = series.map((s, k) => `<rect x="${W - m.r - 150}" y="${m.t + 4 + k * 16}" width="10" height="10" fill="${s.color}" fill-opacity="0.6"/><text x="${W - m.r - 134}" y="${m.t + 13 + k * 16}" font-size="11">${esc(s.label)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/><text x="${W / 2}" y="18" font-size="13" text-anchor="middle" font-family="sans-serif">${esc(title)}</text><g font-family="sans-serif">${bars}<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#444"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#444"/>${xt}${yt}<text x="${(W + m.l) / 2}" y="${H - 8}" font-size="12" text-anchor="middle">${esc(xLabel)}</text><text x="14" y="${(H - m.b + m.t) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(H - m.b + m.t) / 2})">fraction per bin</text>${legend}</g></svg>\n`;
}

/** A 1-D loss curve L(α) and a 2-D loss heat map L(α, β) side by side. */
export function landscapeSvg(alphas: number[], losses1: number[], grid: number[][], betas: number[], title: string): string {
  const W = 760;
  const H = 320;
  const m = { l: 52, t: 34, b: 46 };
  const pw = 320;
  const lo = Math.min(...losses1);
  const hi = Math.max(...losses1);
  const x = (a: number) => m.l + ((a - alphas[0]!) / (alphas.at(-1)! - alphas[0]!)) * pw;
  const y = (v: number) => H - m.b - ((v - lo) / (hi - lo || 1)) * (H - m.t - m.b);
  const path = alphas.map((a, i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)},${y(losses1[i]!).toFixed(1)}`).join('');
  const gx = 430;
  const cw = pw / betas.length;
  const ch = (H - m.t - m.b) / alphas.length;
  const flat = grid.flat();
  const glo = Math.min(...flat);
  const ghi = Math.max(...flat);
  const color = (v: number) => {
    const t = Math.log1p(v - glo) / Math.log1p(ghi - glo || 1);
    const r = Math.round(255 * t);
    const b = Math.round(255 * (1 - t));
    return `rgb(${r},${Math.round(80 + 100 * (1 - Math.abs(2 * t - 1)))},${b})`;
  };
  const cells = grid.map((row, i) => row.map((v, j) => `<rect x="${(gx + j * cw).toFixed(1)}" y="${(H - m.b - (i + 1) * ch).toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="${color(v)}"/>`).join('')).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/><g font-family="sans-serif"><text x="${W / 2}" y="18" font-size="13" text-anchor="middle">${esc(title)}</text><path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/><line x1="${m.l}" x2="${m.l + pw}" y1="${H - m.b}" y2="${H - m.b}" stroke="#444"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#444"/><text x="${m.l + pw / 2}" y="${H - 10}" font-size="12" text-anchor="middle">α (filter-normalized direction δ)</text><text x="${m.l - 6}" y="${y(lo) + 4}" font-size="11" text-anchor="end">${fmt(lo)}</text><text x="${m.l - 6}" y="${y(hi) + 4}" font-size="11" text-anchor="end">${fmt(hi)}</text><text x="${x(alphas[0]!)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${fmt(alphas[0]!)}</text><text x="${x(alphas.at(-1)!)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${fmt(alphas.at(-1)!)}</text><text x="16" y="${(H - m.b + m.t) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(H - m.b + m.t) / 2})">training loss</text>${cells}<text x="${gx + pw / 2}" y="${H - 10}" font-size="12" text-anchor="middle">β (η), α vertical; colour: log(1 + L − min L)</text><text x="${gx - 6}" y="${H - m.b}" font-size="11" text-anchor="end">${fmt(alphas[0]!)}</text><text x="${gx - 6}" y="${m.t + 8}" font-size="11" text-anchor="end">${fmt(alphas.at(-1)!)}</text></g></svg>\n`;
}
