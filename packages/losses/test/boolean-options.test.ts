// Every boolean option is checked: a string or number where true/false is expected is a typed error naming the
// option, not a truthy value that silently switches a behaviour on.
import { ready } from '@losskit/core';
import { expectCleanThrow } from '@losskit/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { binaryFocalCrossentropy, generalizedDice } from '../src/index.js';
import { binaryDiceLoss } from '../src/optax/index.js';
import { poissonNllLoss } from '../src/torch/index.js';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

const bad = 'yes' as unknown as boolean;
const cases: Array<[string, string, () => unknown]> = [
  ['binaryFocalCrossentropy({ applyClassBalancing })', 'applyClassBalancing', () => binaryFocalCrossentropy({ applyClassBalancing: bad })],
  ['generalizedDice({ ignoreBackground })', 'ignoreBackground', () => generalizedDice({ ignoreBackground: bad })],
  ['optax binaryDiceLoss({ applySigmoid })', 'applySigmoid', () => binaryDiceLoss([[2, -1, 0.5]], [[1, 0, 1]], { applySigmoid: bad })],
  ['torch poissonNllLoss({ logInput })', 'logInput', () => poissonNllLoss([0.5, -1], [2, 0], { logInput: bad })],
];

describe('boolean options reject non-booleans with INVALID_PARAMETER naming the option, leaking nothing', () => {
  for (const [title, option, fn] of cases) {
    it(title, () => {
      const e = expectCleanThrow(fn, 'INVALID_PARAMETER');
      if (!e.message.startsWith(`${option}:`)) throw new Error(`message does not name ${option}: ${e.message}`);
    });
  }
});
