// The playground's expression parser: errors point at the sub-expression at fault, suggest the fix, and never run
// anything but exported builders and Expr methods.
import { ce, square } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { DslError, numericParams, parse, parseExpression, parseWithTree } from '../src/dsl.ts';

function error(src: string): DslError {
  try {
    parseExpression(src);
  } catch (e) {
    if (e instanceof DslError) return e;
    throw e;
  }
  throw new Error(`no error for ${src}`);
}

describe('parseExpression', () => {
  it('evaluates builders, options and method chains to the same expression as the builders themselves', () => {
    expect(parseExpression('ce().plus(square().incorrect())').key).toBe(ce().plus(square().incorrect()).key);
    expect(parseExpression("ce({ labelSmoothing: 0.1 }).scale(-0.5 * 2)").key).toBe(ce({ labelSmoothing: 0.1 }).scale(-1).key);
  });
  it('underlines the class-level argument of plus and suggests square().incorrect()', () => {
    const e = error('ce().plus(square())');
    expect(e.code).toBe('LEVEL_MISMATCH');
    expect('ce().plus(square())'.slice(e.from, e.to)).toBe('square()');
    expect(e.fix?.text).toBe('square().incorrect()');
  });
  it('underlines the offending option value of a builder (labelSmoothing: 2)', () => {
    const src = 'ce({ labelSmoothing: 2 })';
    const e = error(src);
    expect(e.code).toBe('INVALID_PARAMETER');
    expect(src.slice(e.from, e.to)).toBe('2');
  });
  it('suggests the closest name for a misspelt term and a method for +', () => {
    expect(error('sqaure()').fix?.text).toBe('square');
    expect(error('ce() + square().mean()').fix?.text).toBe('ce().plus(square().mean())');
  });
  it('reports an unclosed call without mentioning any wrapper code', () => {
    const e = error('ce(');
    expect(e.message).toMatch(/close the "\(" at column 3/);
    expect(e.message).not.toMatch(/Function|strict|return/);
  });
  it('rejects globals, prototype access and computed members', () => {
    for (const bad of ['window.alert(1)', 'ce().constructor', "ce()['constructor']", 'x = 1', '`a`']) expect(() => parseExpression(bad)).toThrow(DslError);
  });
  it('lists the numeric parameters a slider can move, with their spans', () => {
    const src = 'focal({ gamma: 2, alpha: 0.25 }).scale(-0.5)';
    const ps = numericParams(parseWithTree(src).tree);
    expect(ps.map((p) => [p.name, p.value, src.slice(p.from, p.to)])).toEqual([['gamma', 2, '2'], ['alpha', 0.25, '0.25'], ['scale', -0.5, '-0.5']]);
    expect(parse('[1, 2]').kind).toBe('array');
  });
});

describe('missingParams', () => {
  it('offers the catalog options a call leaves at their default, as an edit that writes them', async () => {
    const { missingParams } = await import('../src/dsl.ts');
    const defaults = (b: string) => (b === 'kd' ? [{ name: 'temperature', value: 4 }] : b === 'focal' ? [{ name: 'gamma', value: 2 }, { name: 'alpha', value: 0.25 }] : []);
    const apply = (src: string) => {
      const [m] = missingParams(parseWithTree(src).tree, defaults);
      return m ? src.slice(0, m.at) + m.text + src.slice(m.at) : src;
    };
    expect(apply('kd()')).toBe('kd({ temperature: 4 })');
    expect(apply('focal({ gamma: 3 })')).toBe('focal({ gamma: 3, alpha: 0.25 })');
    expect(parseExpression(apply('ce().plus(kd())')).toString()).toContain('teacher');
  });
});
