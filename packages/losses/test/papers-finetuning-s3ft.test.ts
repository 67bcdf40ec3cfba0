// S3FT target selection (Gupta et al., "Selective Self-to-Supervised Fine-Tuning for Generalization in Large Language
// Models", Findings of NAACL 2025): the model's response if judged correct, else its paraphrase of the gold response if
// judged correct, else the gold response; the paraphrase is generated only when the prediction is rejected.
import { ce, compile, ready } from '@losskit/core';
import { expectCleanThrow, expectCleanThrowAsync, logSoftmax } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3ftTarget, s3ftTargets } from '../src/index.js';

beforeAll(async () => {
  await ready();
});

describe('s3ftTarget', () => {
  it('follows the paper’s order: own response, accepted paraphrase, gold', () => {
    expect(s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: true, paraphrase: 'q', paraphraseCorrect: true })).toEqual({ target: 'p', source: 'model' });
    expect(s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: false, paraphrase: 'q', paraphraseCorrect: true })).toEqual({ target: 'q', source: 'paraphrase' });
    expect(s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: false, paraphrase: 'q', paraphraseCorrect: false })).toEqual({ target: 'g', source: 'gold' });
    expect(s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: false })).toEqual({ target: 'g', source: 'gold' });
  });

  it('the selected token targets train with compile(ce()) as plain SFT targets', () => {
    const chosen = [s3ftTarget({ gold: [2, 0], prediction: [2, 1], predictionCorrect: true }), s3ftTarget({ gold: [1, 3], prediction: [0, 0], predictionCorrect: false })];
    const tokens = chosen.flatMap((c) => c.target);
    expect(tokens).toEqual([2, 1, 1, 3]);
    const logits = [[0, 1, 2, 0], [2, 0, 0, 1], [0, 0, 1, 2], [0, 2, 0, 0]];
    const v = compile(ce())(tokens, logits);
    const want = logits.reduce((a, r, i) => a - logSoftmax(r)[tokens[i]!]!, 0) / 4;
    expect(v.dataSync()[0]).toBeCloseTo(want, 5);
    v.dispose();
  });

  it('rejects missing or non-boolean verdicts and a paraphrase without a verdict', () => {
    expectCleanThrow(() => s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: 'yes' as never }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => s3ftTarget({ gold: 'g', prediction: 'p' } as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: false, paraphrase: 'q' }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => s3ftTarget({ gold: 'g', prediction: 'p', predictionCorrect: false, paraphraseCorrect: true }), 'INVALID_ARGUMENT');
    expectCleanThrow(() => s3ftTarget({ prediction: 'p', predictionCorrect: true } as never), 'INVALID_ARGUMENT');
    expectCleanThrow(() => s3ftTarget(null as never), 'INVALID_ARGUMENT');
  });
});

describe('s3ftTargets', () => {
  it('paraphrases only the examples whose prediction the judge rejects, and awaits async calls in order', async () => {
    const paraphrased: string[] = [];
    const data = [
      { input: '2+2', gold: '4' },
      { input: '3+3', gold: '6' },
      { input: '5+5', gold: '10' },
    ];
    const choices = await s3ftTargets(data, {
      predict: async (x) => ({ '2+2': 'four', '3+3': '7', '5+5': '11' })[x]!,
      judge: async (c, g) => c === g || (c === 'four' && g === '4') || c === 'six',
      paraphrase: (x, g) => {
        paraphrased.push(x);
        return g === '6' ? 'six' : `the answer is ${g}`;
      },
    });
    expect(choices).toEqual([
      { target: 'four', source: 'model' },
      { target: 'six', source: 'paraphrase' },
      { target: '10', source: 'gold' },
    ]);
    expect(paraphrased).toEqual(['3+3', '5+5']);
  });

  it('rejects bad examples, procedures and verdicts with typed errors', async () => {
    const ok = { predict: () => 'a', judge: () => false, paraphrase: () => 'b' };
    await expectCleanThrowAsync(() => s3ftTargets('x' as never, ok), 'INVALID_ARGUMENT');
    await expectCleanThrowAsync(() => s3ftTargets([{ input: 1, gold: 'a' }], { ...ok, judge: undefined as never }), 'INVALID_ARGUMENT');
    await expectCleanThrowAsync(() => s3ftTargets([{ input: 1 } as never], ok), 'INVALID_ARGUMENT');
    await expectCleanThrowAsync(() => s3ftTargets([{ input: 1, gold: 'a' }], { ...ok, judge: () => 'no' as never }), 'INVALID_ARGUMENT');
  });
});
