// Performance page: the tables `pnpm bench` wrote to bench/results.json (every row is a ratio against a
// baseline measured in the same run), with the fused-kernel targets first.
import results from '../../../../bench/results.json';
import { h } from '../dom.ts';

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
  return h(
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
  );
}

export function performanceView(): HTMLElement {
  const { meta, rows } = results as { meta: Record<string, string>; rows: Row[] };
  const suites = [...new Set(rows.map((r) => r.suite))];
  const first = (s: string) => (s.startsWith('fusion targets') ? 0 : s.startsWith('fusion, WebGL') ? 1 : s.startsWith('fusion') ? 2 : 3);
  suites.sort((a, b) => first(a) - first(b));
  return h(
    'section',
    { testid: 'performance' },
    h('h1', {}, 'Performance'),
    h(
      'p',
      {},
      `From the last \`pnpm bench\` run (${meta.date}, Node ${meta.node}, ${meta.cpus}, backend ${meta.backend}). `,
      'Ratio = ms / ms of the row named in "vs", measured in the same run; below 1 is faster. ',
      '"compiled fused" is what compile() runs by default (its engine in parentheses).',
    ),
    ...suites.map((s, k) =>
      h('details', k < 2 ? { open: '' } : {}, h('summary', {}, s), table(rows.filter((r) => r.suite === s))),
    ),
  );
}
