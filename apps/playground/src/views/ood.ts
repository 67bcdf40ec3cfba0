// OOD detection page: the study `pnpm study:ood` wrote to apps/ood-study/ (one UCI digit held out at a time, 10
// held-out digits): mean AUROC and FPR at 95% TPR per score (± 1 sd over the held-out digits) as a grouped bar chart,
// the per-digit table, the ID-vs-OOD score histograms of the first held-out digit and the loss-landscape slice of
// @losskit/diagnostics. The SVGs are the study's own files, imported as text (`?raw`) and inlined so they scale.

import landscapeSvg from '../../../ood-study/figures/landscape.svg?raw';
import study from '../../../ood-study/results.json';
import { h } from '../dom.ts';
import { Figure } from '../plot.ts';

// Every score histogram the study wrote, keyed by file name (the study's slug of the score's name).
const histograms = import.meta.glob<string>('../../../ood-study/figures/*.svg', { query: '?raw', import: 'default', eager: true });

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: readonly number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
};
/** The file-name slug apps/ood-study/src/main.ts gives a score's histogram. */
const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const pct = (v: number) => (100 * v).toFixed(1);

/** A study SVG inlined at the container's width (viewBox kept, fixed size dropped), with a caption. */
function svgFigure(svg: string, caption: string, testid: string): HTMLElement {
  const box = h('div', { class: 'svg-figure' });
  box.innerHTML = svg;
  const el = box.querySelector('svg');
  if (el) {
    el.removeAttribute('width');
    el.removeAttribute('height');
    if (!el.getAttribute('aria-label')) el.setAttribute('aria-label', caption);
    el.setAttribute('role', 'img');
  }
  return h('figure', { class: 'study-svg', testid }, box, h('figcaption', {}, caption));
}

/** The OOD study of @losskit/ood (scores) and @losskit/diagnostics (landscape) on held-out digits. */
export function oodView(): HTMLElement {
  const runs = study.results;
  const methods = Object.keys(runs[0]!.methods);
  const of = (m: string, k: 'auroc' | 'fpr95') => runs.map((r) => (r.methods as Record<string, { auroc: number; fpr95: number }>)[m]![k]);
  const stats = methods.map((m) => ({ m, auroc: of(m, 'auroc'), fpr: of(m, 'fpr95') }));
  const first = runs[0]!.holdout;
  const fig = new Figure({
    alt: `Mean AUROC and FPR at 95% TPR over ${runs.length} held-out digits: ${stats.map((s) => `${s.m} AUROC ${pct(mean(s.auroc))}% ± ${pct(sd(s.auroc))}, FPR95 ${pct(mean(s.fpr))}% ± ${pct(sd(s.fpr))}`).join('; ')}.`,
    testid: 'ood-plot',
    caption: `Mean over held-out digits ${study.holdouts.join(', ')}; whiskers ±1 sd. AUROC: higher is better; FPR at 95% TPR: lower is better.`,
  });
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'bench', testid: 'ood-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'held-out digit'), h('th', {}, 'ID accuracy %'), ...methods.map((m) => h('th', {}, m)))),
    h('tbody', {},
      ...runs.map((r) => h('tr', {},
        h('td', { class: 'num' }, String(r.holdout)), h('td', { class: 'num' }, pct(r.accuracy)),
        ...methods.map((m) => {
          const x = (r.methods as Record<string, { auroc: number; fpr95: number }>)[m]!;
          return h('td', { class: 'num' }, `${pct(x.auroc)} / ${pct(x.fpr95)}`);
        }))),
      h('tr', {}, h('th', {}, 'mean ± sd'), h('td', { class: 'num' }, pct(mean(runs.map((r) => r.accuracy)))),
        ...stats.map((s) => h('td', { class: 'num' }, `${pct(mean(s.auroc))} ± ${pct(sd(s.auroc))} / ${pct(mean(s.fpr))} ± ${pct(sd(s.fpr))}`))))));
  const hists = methods.flatMap((m) => {
    const svg = histograms[`../../../ood-study/figures/${slug(m)}.svg`];
    return svg ? [svgFigure(svg, `${m}: scores of the in-distribution test images (nine digits) and of the held-out digit ${first} (OOD).`, `ood-hist-${slug(m)}`)] : [];
  });
  const root = h('section', { testid: 'ood-view' },
    h('h1', {}, 'OOD detection'),
    h('p', {}, 'Does the network know what it has not seen? One digit of the UCI handwritten digits is held out of training at a time; the test images of the other nine digits are in-distribution (ID), those of the held-out digit out-of-distribution (OOD). Each score of ',
      h('a', { href: '#/pkg/ood' }, '@losskit/ood'), ' ranks the images (higher = more ID) against the max-softmax baseline: AUROC is the probability that an ID image scores above an OOD one, FPR at 95% TPR the fraction of OOD images kept at the threshold keeping 95% of the ID images.'),
    h('p', {}, `MLP 64 → 128 → 64 → 9 trained ${study.epochs} epochs per held-out digit (${study.backend}, ${study.seconds.toFixed(0)} s in all). The preprocessing ε and the layer-ensemble weights are tuned on validation images that include the held-out digit (as Lee et al. 2018 do), so those two rows are optimistic. Regenerate with `,
      h('code', {}, 'pnpm study:ood'), ' (writes apps/ood-study/results.json and figures/*.svg).'),
    fig.root,
    h('h2', {}, 'Per held-out digit (AUROC % / FPR at 95% TPR %)'),
    table,
    h('h2', {}, `Score histograms (digit ${first} held out)`),
    h('div', { class: 'plots', testid: 'ood-histograms' }, ...hists),
    h('h2', {}, 'Loss landscape'),
    h('p', {}, 'The training loss of the trained network (digit ', String(first), ' held out) along filter-normalized random directions: the 1-D slice L(θ + αδ) and the 2-D slice L(θ + αδ + βη) (Li et al. 2018, ',
      h('code', {}, 'lossLandscape1d'), ' / ', h('code', {}, 'lossLandscape2d'), ' of ', h('a', { href: '#/pkg/diagnostics' }, '@losskit/diagnostics'), ').'),
    svgFigure(landscapeSvg, `Training-loss landscape of the network trained without digit ${first}: 1-D slice along δ and 2-D slice along δ, η (filter-normalized).`, 'ood-landscape'),
  );
  fig.draw({
    type: 'bars',
    groups: methods,
    series: [
      { label: 'AUROC % (↑)', values: stats.map((s) => 100 * mean(s.auroc)), errors: stats.map((s) => 100 * sd(s.auroc)), color: 0 },
      { label: 'FPR at 95% TPR % (↓)', values: stats.map((s) => 100 * mean(s.fpr)), errors: stats.map((s) => 100 * sd(s.fpr)), color: 1 },
    ],
    x: { label: '%', domain: [0, 100] },
    errorLabel: '± 1 sd over held-out digits',
  });
  return root;
}
