// Every catalog entry's `dsl` must run in the playground sandbox: a JavaScript expression whose only free
// names are the exports of @losskit/core and @losskit/losses. Each row of the table gives the builder call
// the `dsl` must equal (same structural key) and a small documented batch, with any required `inputs`,
// on which the compiled expression must give a finite value.
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@losskit/core';
import { type TensorLike, compile, Expr, ready } from '@losskit/core';
import { expectNoLeaks } from '@losskit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as losses from '../src/index.js';
import { type Case, table, tensorEntries } from './catalog-cases.js';

beforeAll(async () => {
  await ready();
});

// The playground's sandbox: every export of both packages by name, nothing else.
const scope: Record<string, unknown> = { ...core, ...losses };
const names = Object.keys(scope);
const values = names.map((n) => scope[n]);
const run = (dsl: string): unknown => new Function(...names, `return (${dsl})`)(...values);

const call = (c: Case) => (c.inputs ? { inputs: c.inputs as Record<string, TensorLike> } : undefined);

describe('catalog dsl fields are executable', () => {
  it('every catalog entry has a test case and every case an entry', () => {
    const ids = losses.catalog.map((e) => e.id);
    expect(ids.filter((id) => !(id in table) && !tensorEntries.has(id))).toEqual([]);
    expect([...Object.keys(table), ...tensorEntries].filter((id) => !ids.includes(id))).toEqual([]);
  });

  for (const entry of losses.catalog.filter((e) => tensorEntries.has(e.id))) {
    it(`${entry.id}: a tensor function (no dsl) whose example runs and defines a finite loss`, () => {
      expect(entry.dsl).toBeUndefined();
      expect(typeof scope[entry.export]).toBe('function');
      const code = entry.example.split('\n').filter((l) => !/^\s*import\s/.test(l)).join('\n');
      const run = new Function(...names, 'tf', `${code}\nreturn loss;`);
      const v = expectNoLeaks(() => tf.tidy(() => (run(...values, tf) as tf.Tensor).dataSync()[0]!));
      expect(Number.isFinite(v), `${entry.id}: ${v}`).toBe(true);
    });
  }

  for (const entry of losses.catalog.filter((e) => !tensorEntries.has(e.id))) {
    const c = table[entry.id];
    it(`${entry.id}: \`${entry.dsl}\` evaluates to the builder's expression and a finite loss`, () => {
      expect(c, `no test case for ${entry.id}`).toBeDefined();
      if (!c) return;
      expect(typeof entry.dsl).toBe('string');
      const expr = run(entry.dsl!);
      expect(expr).toBeInstanceOf(Expr);
      expect((expr as Expr<never, never>).key).toBe((c.ref() as unknown as Expr<never, never>).key);
      // The builder the entry names is exported.
      expect(typeof scope[entry.export]).toBe('function');
      // Required inputs are documented in the entry.
      for (const name of Object.keys(c.inputs ?? {})) expect(entry.inputs, `inputs of ${entry.id} should mention ${name}`).toContain(name);
      const loss = compile(expr as never, c.options as never);
      const t = loss(c.y as TensorLike, c.z, call(c));
      const v = t.dataSync()[0]!;
      t.dispose();
      expect(Number.isFinite(v), `${entry.id}: ${v}`).toBe(true);
    });
  }

  it('evaluating a dsl and compiling it leaks no tensors', () => {
    const c = table.squentropy!;
    const loss = compile(run('squentropy()') as never);
    loss(c.y as TensorLike, c.z).dispose();
    expectNoLeaks(() => {
      loss(c.y as TensorLike, c.z).dispose();
    });
  });
});
