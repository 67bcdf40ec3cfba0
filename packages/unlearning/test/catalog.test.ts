import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('catalog', () => {
  it('has one entry per public method, each naming an existing export of this package', () => {
    const ids = api.catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of api.catalog) {
      expect(e.package).toBe('@losskit/unlearning');
      expect(typeof (api as Record<string, unknown>)[e.export]).toBe('function');
    }
    expect(ids).toEqual(expect.arrayContaining(['gradient-ascent', 'gradient-difference', 'kl-retain', 'npo', 'simnpo', 'flat', 'loreun', 'ssd', 'uno-s', 'concept-preserving-gradient', 'membership-auc', 'npo-sequence', 'simnpo-sequence', 'dpo-sequence', 'token-nll', 'exact-memorization', 'extraction-strength', 'truth-ratio', 'priv-leak', 'mia-attacks', 'rmu', 'relabel-unlearning', 'rece', 'worst-case-forget-set', 'rel-diff', 'pdu']));
  });
});
