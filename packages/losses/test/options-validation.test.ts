import { ce, compile, ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianNLL, masked, multiSample } from '../src/index.js';
import { kld, logCosh, meanSquaredError } from '../src/keras/index.js';

beforeAll(async () => {
  await ready();
});

const typed = (f: () => unknown, code: string, argument: string) => {
  let err: (Error & { code?: string; argument?: string }) | undefined;
  try {
    f();
  } catch (e) {
    err = e as typeof err;
  }
  expect(err?.name).toBe('LosskitError');
  expect(err?.code).toBe(code);
  expect(err?.argument).toBe(argument);
};

describe('options are validated, not ignored (found by the fuzz suite)', () => {
  it("gaussianNLL({ full: 'yes' }) and masked(ce(), { normalize: 'yes' }) raise INVALID_PARAMETER naming the flag", () => {
    typed(() => gaussianNLL({ full: 'yes' as never }), 'INVALID_PARAMETER', 'full');
    typed(() => masked(ce(), { normalize: 'yes' as never }), 'INVALID_PARAMETER', 'normalize');
  });
  it('multiSample: a label valid for M·C classes but not for one head of C raises LABEL_OUT_OF_RANGE (was a raw GatherV2 error)', () => {
    const err = expectCleanThrow(() => compile(multiSample(ce(), { samples: 2 }), { fuse: false })([3], [[1, 2, 3, 4]]), 'LABEL_OUT_OF_RANGE');
    expect(err.message).toContain('[0, 2)');
  });
  it('Keras losses without an axis parameter reject an axis option (and any unknown option) naming it', () => {
    typed(() => logCosh([[1, 2]], [[1, 3]], { axis: 0.5 } as never), 'INVALID_ARGUMENT', 'options.axis');
    typed(() => kld([[0.5, 0.5]], [[0.4, 0.6]], { axis: 5 } as never), 'INVALID_ARGUMENT', 'options.axis');
    typed(() => meanSquaredError([[1]], [[2]], { reductoin: 'sum' } as never), 'INVALID_ARGUMENT', 'options.reductoin');
  });
});
