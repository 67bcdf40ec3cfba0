// Performance page: the ratios `pnpm bench` wrote to bench/results.json (every row is a ratio against a baseline
// measured in the same run) as grouped bar charts per suite, with the measured floor marked and 1 (the baseline) as
// a line; the tables behind a disclosure.
import results from '../../../../bench/results.json';
import { h } from '../dom.ts';
import { Figure } from '../plot.ts';

interface Row {
  suite: string;
  case: string;
  variant: string;
  ms: number;
  ratio?: number;
  baseline?: string;
  note?: string;
}

function table(rows: readonly Row[]): HTMLElement {
  return h('div', { class: 'table-wrap' }, h(
    'table',
    { class: 'bench' },
    h('thead', {}, h('tr', {}, ...['case', 'variant', 'ms (median)', 'ratio', 'vs'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, r.case),
          h('td', {}, r.note ? `${r.variant} (${r.note})` : r.variant),
          h('td', { class: 'num' }, r.ms.toFixed(3)),
          h('td', { class: 'num' }, r.ratio === undefined ? '' : r.ratio.toFixed(3)),
          h('td', {}, r.baseline ?? ''),
        ),
      ),
    ),
  ));
}

const isFloor = (v: string) => v.startsWith('floor');

/** A chart of one suite: a group of bars per case, one bar per variant (its ratio), the floor as a mark. */
function chart(suite: string, rows: readonly Row[]): HTMLElement | null {
  const withRatio = rows.filter((r) => r.ratio !== undefined);
  if (withRatio.length === 0) return null;
  const cases = [...new Set(withRatio.map((r) => r.case))];
  const variants = [...new Set(withRatio.filter((r) => !isFloor(r.variant)).map((r) => r.variant))];
  const floors = cases.map((c) => withRatio.find((r) => r.case === c && isFloor(r.variant))?.ratio ?? Number.NaN);
  const baseline = [...new Set(withRatio.map((r) => r.baseline).filter(Boolean))].join(', ');
  const fig = new Figure({ alt: `${suite}: ratio to ${baseline} per case and variant`, testid: 'perf-chart', minHeight: 120, maxHeight: 4000 });
  const series = variants.map((v) => ({ label: v, values: cases.map((c) => withRatio.find((r) => r.case === c && r.variant === v)?.ratio ?? Number.NaN) }));
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const log = Math.max(...all) / Math.min(...all) > 8;
  fig.draw({
    type: 'bars', groups: cases, series,
    x: { label: `ratio = ms / ms of ${baseline} (below 1 is faster)`, log },
    vlines: [{ at: 1, label: `baseline (${baseline})`, dash: [6, 3] }],
    ...(floors.some(Number.isFinite) ? { marks: { label: 'floor (memcpy + SIMD exp per logit)', values: floors } } : {}),
  }, `${suite}: ${cases.length} cases, ${variants.length} variants; best ratio ${Math.min(...all).toFixed(2)}.`);
  return h('div', { class: 'perf-suite' }, h('h2', {}, suite), fig.root, h('details', {}, h('summary', {}, `Table (${rows.length} rows)`), table(rows)));
}

export function performanceView(): HTMLElement {
  const { meta, rows } = results as { meta: Record<string, string>; rows: Row[] };
  const suites = [...new Set(rows.map((r) => r.suite))];
  const first = (s: string) => (s.startsWith('fusion targets') ? 0 : s.startsWith('fusion, WebGL') ? 2 : s.startsWith('fusion') ? 1 : 3);
  suites.sort((a, b) => first(a) - first(b));
  // The targets table is the same data as the per-size suites; it stays a table.
  const charted = suites.filter((s) => !s.startsWith('fusion targets'));
  return h(
    'section',
    { testid: 'performance' },
    h('h1', {}, 'Performance'),
    h(
      'p',
      { class: 'lead' },
      `From the last \`pnpm bench\` run (${meta.date}, Node ${meta.node}, ${meta.cpus}, backend ${meta.backend}${meta.load ? `, load average ${meta.load}` : ''})${meta.updated ? `; suites rerun since: ${meta.updated}` : ''}. `,
      'The machine may be shared with other jobs: absolute times move with its load; ratios within a case come from interleaved rounds (the floor included). ',
      'Each bar is a ratio: milliseconds of a variant over milliseconds of the baseline named on the axis, measured in the same run; below 1 is faster. ',
      'The dashed mark in each group is the floor (copying the logits and one SIMD exp per logit), the fastest any loss could be. ',
      '"compiled fused" is what compile() runs by default.',
    ),
    ...charted.map((s) => chart(s, rows.filter((r) => r.suite === s))),
    ...suites.filter((s) => !charted.includes(s)).map((s) => h('div', { class: 'perf-suite' }, h('h2', {}, s), h('details', {}, h('summary', {}, `Table (${rows.filter((r) => r.suite === s).length} rows)`), table(rows.filter((r) => r.suite === s))))),
  );
}
