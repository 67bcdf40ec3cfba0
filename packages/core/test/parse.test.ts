// The DSL parser shared by the playground and the CLI: only builders, Expr methods and literals are reachable.
import { describe, expect, it } from 'vitest';
import { DslError, Expr, LosskitError, ce, defineOp, expressionBuilders, exprMethods, node, parseExpression, parseTree, parseWithTree, square } from '../src/index.js';

describe('parseExpression', () => {
  it('evaluates core builders and methods to the same expression as the builder calls', () => {
    const e = parseExpression('ce({ labelSmoothing: 0.1 }).plus(square().incorrect()).scale(2)');
    expect(e).toBeInstanceOf(Expr);
    expect(e.key).toBe(ce({ labelSmoothing: 0.1 }).plus(square().incorrect()).scale(2).key);
    expect(parseExpression('classConstant([1, -2.5, 3e-1]).target()').toString()).toBe('c[1, -2.5, 0.3][y]');
  });

  it('calls the builders of the modules passed in; core’s builders come first (a module cannot shadow them)', () => {
    const cubeOp = defineOp({ kind: 'parse.cube', evaluate: (c) => c.yPred, print: () => 'z³' });
    const mod = { cube: () => node<'class'>(cubeOp, 'class'), ce: () => square().mean() };
    expect(() => parseExpression('cube().sum()')).toThrow(/unknown term "cube"/);
    expect(parseExpression('cube().sum()', { modules: [mod] }).toString()).toBe('sum_j z³');
    expect(parseExpression('ce()', { modules: [mod] }).key).toBe(ce().key);
    expect(expressionBuilders([mod]).has('cube')).toBe(true);
    expect(expressionBuilders().has('compile')).toBe(false);
    expect(expressionBuilders().has('toPyTorch')).toBe(false);
  });

  it.each([
    ['window.alert(1)', 'unknown term "window"', 0, 6],
    ["ce()['constructor']", 'computed member access', 4, 5],
    ['ce().constructor', '".constructor" is not allowed', 5, 16],
    ['x = 1', 'unexpected character "="', 2, 3],
    ['ce(); 1', 'unexpected character ";"', 4, 5],
    ['`ce`', 'unexpected character "`"', 0, 1],
    ['ce().frobnicate()', 'unknown method .frobnicate()', 4, 15],
    ['ce() + square()', '"+" works on numbers only', 0, 15],
    ['', 'empty expression', 0, 0],
  ])('rejects %j with a DslError (INVALID_ARGUMENT) pointing at the offending text', (src, msg, from, to) => {
    let err: unknown;
    try {
      parseExpression(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DslError);
    expect(err).toBeInstanceOf(LosskitError);
    const d = err as DslError;
    expect(d.code).toBe('INVALID_ARGUMENT');
    expect(d.message).toContain(msg);
    expect([d.from, d.to]).toEqual([from, to]);
  });

  it('keeps the code of a builder’s LosskitError and rejects values that are not expressions', () => {
    expect(() => parseExpression('ce({ labelSmoothing: 2 })')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => parseExpression('ce().target()')).toThrow(expect.objectContaining({ code: 'LEVEL_MISMATCH' }));
    expect(() => parseExpression('1 + 2')).toThrow(/must be a loss expression/);
    expect(() => parseExpression('ce(')).toThrow(/expected "\)" to close the "\("/);
  });

  it('parseTree parses without evaluating (no builder runs); exprMethods lists the Expr methods', () => {
    const tree = parseTree('ce({ labelSmoothing: 2 }).plus(1)');
    expect(tree.kind).toBe('method');
    expect(parseWithTree('ce().scale(0.5)').tree.kind).toBe('method');
    expect(exprMethods()).toContain('incorrect');
    expect(exprMethods()).not.toContain('constructor');
  });

  it('suggests fixes: a misspelt builder and a level mismatch carry a replacement for their source range', () => {
    const typo = (() => {
      try {
        parseExpression('squre()');
      } catch (e) {
        return e as DslError;
      }
    })()!;
    expect(typo.fix?.text).toBe('square');
    const level = (() => {
      try {
        parseExpression('ce().plus(square())');
      } catch (e) {
        return e as DslError;
      }
    })()!;
    expect(level.code).toBe('LEVEL_MISMATCH');
    expect(level.fix?.text).toBe('square().incorrect()');
  });
});
