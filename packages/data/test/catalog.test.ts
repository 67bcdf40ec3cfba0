import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('catalog', () => {
  it('has unique ids, each naming a real export of @losskit/data with a paper', () => {
    const ids = api.catalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of api.catalog) {
      expect(e.package).toBe('@losskit/data');
      expect(api).toHaveProperty(e.export);
      expect(e.paper?.title.length).toBeGreaterThan(10);
    }
  });
});
