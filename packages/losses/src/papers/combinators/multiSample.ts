import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { type EvalContext, type Expr, type Needs, LosskitError, defineEntry, defineOp, evaluate, node, oneHotRows, params } from '@losskit/core';

/** The context of head m: `yPred` columns `[m·C, (m+1)·C)`, targets of C classes, shared inputs. */
function headContext(ctx: EvalContext, m: number, C: number): EvalContext {
  const B = ctx.batchSize;
  const pred = tf.slice(ctx.yPred, [0, m * C], [B, C]) as Tensor2D;
  const cache = new Map<string, unknown>();
  const memo = <T,>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const sub: EvalContext = {
    from: ctx.from,
    yPred: pred,
    labels: ctx.labels,
    batchSize: B,
    numClasses: C,
    epsilon: ctx.epsilon,
    memo,
    assertProbabilities: (rows) => ctx.assertProbabilities(rows),
    input: (name) => ctx.input(name),
    yTrue: () =>
      memo('@yTrue', () =>
        ctx.labels ? oneHotRows(ctx.labels, C) : (tf.slice(ctx.yTrue(), [0, m * C], [B, C]) as Tensor2D),
      ),
    logProbs: () => memo('@logProbs', () => (ctx.from === 'probs' ? tf.log(tf.clipByValue(pred, ctx.epsilon, 1)) : tf.logSoftmax(pred)) as Tensor2D),
    probs: () => memo('@probs', () => (ctx.from === 'probs' ? pred : (tf.exp(sub.logProbs()) as Tensor2D))),
  };
  return sub;
}

const multiSampleOp = defineOp<{ samples: number; loss: Expr }>({
  kind: 'multiSample',
  evaluate: (c, _a, p) => {
    if (c.numClasses % p.samples !== 0) {
      throw new LosskitError('SHAPE_MISMATCH', 'multiSample needs M heads of C columns each', {
        argument: 'yPred',
        expected: `[B, ${p.samples}·C]`,
        received: `${c.numClasses} columns`,
      });
    }
    const C = c.numClasses / p.samples;
    if (c.labels) {
      // compile() checked labels against M·C; each head has C classes.
      const v = c.labels.dataSync();
      const bad = v.findIndex((y) => y >= C);
      if (bad >= 0) {
        throw new LosskitError('LABEL_OUT_OF_RANGE', 'label out of range for one head', {
          argument: 'yTrue',
          expected: `integers in [0, ${C}) (yPred holds ${p.samples} heads of ${C} classes side by side)`,
          received: `${v[bad]} at index ${bad}`,
        });
      }
    }
    let total: Tensor | undefined;
    for (let m = 0; m < p.samples; m++) {
      const v = evaluate(p.loss, headContext(c, m, C));
      total = total ? tf.add(total, v) : v;
    }
    return tf.div(total!, p.samples);
  },
  print: (_a, p, m) => (m === 'latex' ? `\\frac{1}{${p.samples}}\\sum_{m=1}^{${p.samples}} ${p.loss.toLatex()}` : `mean_m^${p.samples}(${p.loss.toString()})`),
});

/**
 * Multi-sample dropout averaging, one value per sample: `(1/M) Σ_m ℓ(head(dropout_m(h)), y)`, the loss of each
 * of M dropout samples of the same features through the shared head, averaged (losses are averaged, not logits).
 * Inputs: `yPred` `[B, M·C]` holds the M heads' outputs side by side; `yTrue` is labels `[B]` (or dense `[B, M·C]`
 * targets, sliced per head). Named inputs are shared by all heads.
 *
 * @param loss Any sample-level loss of one head.
 * @param options.samples M (integer >= 1). Default 8 (the paper: gains saturate beyond about 8).
 * @example `compile(multiSample(ce(), { samples: 4 }))(labels, fourHeadsSideBySide)`
 * @see Inoue, "Multi-Sample Dropout for Accelerated Training and Better Generalization" (2019).
 */
export function multiSample<K extends Needs>(loss: Expr<'sample', K>, options: { readonly samples?: number } = {}): Expr<'sample', K> {
  const samples = params.positiveInteger('samples', options.samples ?? 8);
  if (loss?.level !== 'sample') {
    throw new LosskitError('LEVEL_MISMATCH', 'multiSample averages a sample-level loss', { argument: 'loss', expected: 'a sample-level expression', received: String(loss?.level) });
  }
  return node(multiSampleOp, 'sample', [], { samples, loss }, loss.needs) as Expr<'sample', K>;
}

export const multiSampleEntry = defineEntry({
  id: 'multi-sample',
  name: 'Multi-sample dropout averaging',
  package: '@losskit/losses',
  export: 'multiSample',
  category: 'combinator',
  summary: 'Averages a loss over M dropout samples of the same features passed through a shared head.',
  formula: '\\ell_i = \\frac{1}{M}\\sum_{m=1}^{M} \\ell\\left(z_i^{(m)}, y_i\\right)',
  inputs: 'yPred [B, M·C] (M heads side by side), labels [B]',
  params: [{ name: 'samples', default: 8, range: { min: 1 }, description: 'number of dropout samples M' }],
  paper: { title: 'Multi-Sample Dropout for Accelerated Training and Better Generalization', authors: 'Inoue', year: 2019, url: 'arXiv:1905.09788' },
  example: "import { ce, compile } from '@losskit/core';\nimport { multiSample } from '@losskit/losses';\ncompile(multiSample(ce(), { samples: 2 }))([0], [[2, 0, 1, 1]]).print();",
  dsl: "multiSample(ce(), { samples: 2 })",
});
