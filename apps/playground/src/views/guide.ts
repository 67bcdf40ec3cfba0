// "Write your own loss": the DSL taught with live, editable examples (levels, logits vs probabilities, named parts,
// reductions, compile options).
import { h } from '../dom.ts';
import { liveExample } from '../live.ts';

const code = (s: string) => h('code', {}, s);
const pre = (s: string) => h('pre', { class: 'code' }, s);

export function guideView(): HTMLElement {
  return h(
    'section',
    { testid: 'guide', class: 'guide' },
    h('h1', {}, 'Write your own loss'),
    h('p', { class: 'lead' }, 'A loss in losskit is an expression built from small terms and combinators, type-checked as you build it and compiled once. Every example on this page is live: edit it and the formula, the value on the example batch (4 examples, 3 classes, labels [0, 2, 1, 0]) and the plot update.'),
    h('nav', { class: 'toc', 'aria-label': 'Sections' }, ...['Terms and levels', 'Selectors and reductions', 'Logits or probabilities', 'Named parts', 'Compile options', 'Pairs of examples'].map((t, i) => h('a', { href: `#/guide?s=${i + 1}`, onclick: (e: Event) => { e.preventDefault(); document.getElementById(`g${i + 1}`)?.scrollIntoView(); } }, t))),

    h('h2', { id: 'g1' }, '1. Terms and levels'),
    h('p', {}, 'Every expression has a ', h('em', {}, 'level'), ': what it holds for a batch of B examples with C classes.'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'params' },
      h('thead', {}, h('tr', {}, h('th', {}, 'level'), h('th', {}, 'shape'), h('th', {}, 'examples'))),
      h('tbody', {},
        h('tr', {}, h('td', {}, 'class'), h('td', {}, '[B, C]: one value per class'), h('td', {}, code('square()'), ', ', code('prob()'), ', ', code('logit()'), ', ', code('logProb()'), ', ', code('yTrue()'))),
        h('tr', {}, h('td', {}, 'sample'), h('td', {}, '[B]: one value per example'), h('td', {}, code('ce()'), ', ', code('bce().sum()'), ', ', code('entropy()'), ', any class term after ', code('.target()'))),
        h('tr', {}, h('td', {}, 'pair'), h('td', {}, '[B, B]: one value per pair'), h('td', {}, 'distances and similarities of embeddings (metric learning)')),
        h('tr', {}, h('td', {}, 'batch'), h('td', {}, 'a scalar'), h('td', {}, 'a sample term after ', code('.mean()'), ' or ', code('.sum()')))))),
    h('p', {}, code('ce()'), ' is the cross-entropy of each example, so it is sample-level:'),
    liveExample('ce()', { testid: 'guide-ce' }),
    h('p', {}, code('square()'), ' is ', code('(z_j − y_j)²'), ' for every class j: class-level. Adding it to ', code('ce()'), ' needs a reduction to one value per example first; try removing ', code('.incorrect()'), ' below and read the error:'),
    liveExample('ce().plus(square().incorrect())', { testid: 'guide-squentropy' }),
    h('p', {}, 'Combinators work at any level and keep it: ', code('plus'), ', ', code('minus'), ', ', code('times'), ', ', code('div'), ' (a number or a same-level term), ', code('scale(w)'), ', ', code('pow(p)'), ', ', code('neg()'), ', ', code('clip(lo, hi)'), ', ', code('detach()'), ' (no gradient), ', code('where(mask)'), ', and the elementwise ', code('exp log log1p sqrt abs relu softplus sigmoid logSigmoid'), '.'),

    h('h2', { id: 'g2' }, '2. Selectors and reductions'),
    h('p', {}, 'Class → sample: ', code('.target()'), ' (the value at the label), ', code('.incorrect()'), ' (mean over the other classes), ', code('.sum()'), ', ', code('.mean()'), ', ', code('.max()'), ', ', code('.min()'), ', ', code('.logSumExp()'), ', ', code('.topk(k)'), '. Sample → batch: ', code('.mean()'), ', ', code('.sum()'), '. Here is focal loss written by hand, (1 − p_y)^γ · (−log p_y):'),
    liveExample('prob().target().neg().plus(1).pow(2).times(logProb().target().neg())', { testid: 'guide-focal' }),
    h('p', {}, 'A margin between the target logit and the largest other logit (a multi-class hinge):'),
    liveExample('logit().target().neg().plus(logit().max()).plus(1).relu()', { testid: 'guide-hinge' }),

    h('h2', { id: 'g3' }, '3. Logits or probabilities'),
    h('p', {}, 'What ', code('yPred'), ' holds is a compile option, ', code("compile(expr, { from: 'logits' | 'probs' | 'embeddings' })"), '. From logits, ', code('prob()'), ' is the softmax and ', code('logProb()'), ' the exact log-softmax; from probabilities they read the input (log of the clipped value). Terms that only make sense on logits (', code('logit()'), ', ', code('ce({ labelSmoothing })'), ' on raw scores) have the type ', code("Expr<L, 'logits'>"), ', so compiling them from probabilities is a type error. Probability losses such as Dice get probabilities:'),
    liveExample("prob().times(yTrue()).sum().scale(2).div(prob().sum().plus(1)).neg().plus(1)", { from: 'probs', testid: 'guide-probs' }),
    h('p', {}, 'The playground has a switch between the two, and says which one a catalog loss expects.'),

    h('h2', { id: 'g4' }, '4. Named parts'),
    h('p', {}, code(".named('name')"), ' labels a sub-expression; ', code('compile(expr).parts(yTrue, yPred)'), ' then reports each part’s value beside the total, which is how you watch the terms of a composite loss while training:'),
    liveExample("ce().named('ce').plus(square().incorrect().named('square').scale(0.5))", { parts: true, testid: 'guide-named' }),

    h('h2', { id: 'g5' }, '5. Compile options'),
    pre(`import { ready, compile, ce, square } from '@losskit/core';
await ready();                                   // WASM (SIMD) by default; 'webgl' or 'cpu' too
const loss = compile(ce().plus(square().incorrect()), {
  from: 'logits',      // or 'probs' or 'embeddings'
  reduction: 'mean',   // 'sum', 'none', 'weightedMean' (by sample weights), 'sumByNonzeroWeights'
  epsilon: 1e-7,       // clip for log p from probabilities (Keras' default)
  validate: true,      // finite inputs, probabilities in [0, 1], typed errors naming the culprit
  fuse: 'auto',        // one generated kernel per row when the expression allows it
});
loss(labels, logits);                       // tf.Scalar (also a tfjs-layers loss)
loss.perSample(labels, logits);             // [B]
const { value, grad } = loss.valueAndGrad(labels, logits);
loss.parts(labels, logits);                 // { total, ...named parts }
loss.toLatex();                             // the formula`),
    h('p', {}, 'Labels are integers ', code('[B]'), ' or dense targets ', code('[B, C]'), ' (one-hot or soft); extra tensors reach the expression through ', code("input('name', level)"), ' and ', code('loss(yTrue, yPred, { inputs: { name } })'), ' (teacher logits for distillation, variances, masks). Errors are typed ', code('LosskitError'), 's that name the argument, the expected shape or range and what was received.'),

    h('h2', { id: 'g6' }, '6. Pairs of examples'),
    h('p', {}, 'From embeddings, pair-level terms compare every example with every other; ', code('.positives()'), ', ', code('.negatives()'), ' and ', code(".hardest('positives' | 'negatives')"), ' reduce each row over the pairs with the same or another label. The metric-learning package builds its losses this way, e.g. a batch-hard triplet loss:'),
    pre(`import { compile } from '@losskit/core';
import { tripletMargin, batchHard } from '@losskit/metric-learning';
const loss = compile(tripletMargin({ margin: 0.2, miner: batchHard() }), { from: 'embeddings' });
loss(labels, embeddings);   // labels [B], embeddings [B, D]`),
    h('p', {}, 'Next: the ', h('a', { href: '#/pkg/core' }, 'DSL reference'), ' (a page per term, combinator, selector and reduction), the ', h('a', { href: '#/play' }, 'playground'), ', and the ', h('a', { href: '#/api/core' }, 'API of @losskit/core'), '.'),
  );
}
