// Every catalog entry's Try-it (the site's runner, without the DOM) on the CPU backend: the e2e runs the same code in
// Chromium; this catches an entry that throws without a browser, the moment a package adds or changes it.
import { ready } from '@losskit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { allEntries } from '../src/catalogs.ts';
import { parseExpression } from '../src/dsl.ts';
import { tryEntry } from '../src/tryit.ts';

const canParse = (t: string) => {
  try {
    parseExpression(t);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('Try-it of every catalog entry', () => {
  it.each(allEntries().map(({ pkg, entry }) => [`${pkg.slug}/${entry.id}`, entry] as const))('%s runs its worked example (or says why it cannot)', async (_id, entry) => {
    const o = await tryEntry(entry, canParse);
    if (o.kind === 'unavailable') expect(o.why.length).toBeGreaterThan(10);
    if (o.kind === 'loss') {
      expect(Number.isFinite(o.value)).toBe(true);
      // The playground opens with an expression it can parse, on the same batch.
      if (o.setup.call !== undefined) expect(canParse(o.setup.call)).toBe(true);
    }
    if (o.kind === 'optimizer') expect(o.losses.length).toBe(60);
    if (o.kind === 'schedule') expect(o.values.every(Number.isFinite)).toBe(true);
  });
});
