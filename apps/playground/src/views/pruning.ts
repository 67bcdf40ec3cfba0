// Data pruning page: the curve `pnpm study:pruning` wrote to apps/data-study/pruning.json (test accuracy of a small MLP
// on the real digits set against the fraction of the training set pruned, keeping the highest EL2N / GraNd scores or a
// random subset; mean over seeds with ±1 sd as dashed lines), and the GraNd closed-form vs per-example timing.
import study from '../../../data-study/pruning.json';
import { h } from '../dom.ts';
import { Figure, type Series } from '../plot.ts';

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: readonly number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
};

/** The pruning curve of @losskit/data on digits. */
export function pruningView(): HTMLElement {
  const methods = Object.keys(study.results) as Array<keyof typeof study.results>;
  const x = study.fractions.map((f) => 100 * f);
  const series: Series[] = [];
  methods.forEach((m, i) => {
    const runs = study.results[m];
    const mu = runs.map((r) => 100 * mean(r));
    const s = runs.map((r) => 100 * sd(r));
    series.push({ x, y: mu, label: m === 'random' ? 'random pruning' : `${m} (keep hardest)`, color: i, width: 2 });
    series.push({ x, y: mu.map((v, j) => v + s[j]!), color: i, dash: [3, 3], width: 1 });
    series.push({ x, y: mu.map((v, j) => v - s[j]!), color: i, dash: [3, 3], width: 1 });
  });
  const fig = new Figure({
    alt: `Test accuracy against the fraction pruned: ${methods.map((m) => `${m} ${(100 * mean(study.results[m].at(-1)!)).toFixed(1)}%`).join(', ')} at ${x.at(-1)}% pruned.`,
    aspect: 0.5, minHeight: 220, maxHeight: 420, testid: 'pruning-plot',
    caption: `MLP 64 → 128 → 10 trained ${study.epochs} epochs on the kept part of the 1,000-image digits training split; scores after ${study.scoreEpochs} epochs; mean over seeds ${study.seeds.join(', ')} (dashed: ±1 sd).`,
  });
  const root = h('section', { testid: 'pruning-view' },
    h('h1', {}, 'Data pruning'),
    h('p', {}, 'Which examples can be dropped? ', h('code', {}, 'el2nScores'), ' and ', h('code', {}, 'grandScores'), ' of ', h('a', { href: '#/pkg/data' }, '@losskit/data'),
      ' rank the training set early in training; ', h('code', {}, 'pruneByScore'), ' keeps the highest-scoring (hardest) part. Regenerate with ', h('code', {}, 'pnpm study:pruning'), '.'),
    fig.root,
    h('p', { testid: 'pruning-timing' }, `GraNd in closed form per Dense layer took ${study.denseMs.toFixed(0)} ms for 1,000 examples against ${study.loopMs.toFixed(0)} ms with one backward pass per example (${(study.loopMs / study.denseMs).toFixed(1)}×, ${study.backend}).`),
  );
  fig.draw({ type: 'line', series, x: { label: 'fraction of the training set pruned (%)' }, y: { label: 'test accuracy (%)' } });
  return root;
}
