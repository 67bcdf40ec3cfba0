import { describe, expect, it } from 'vitest';
import { parseRunsCsv, parseRunsJson, ScalingError } from '../src/index.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScalingError);
    return (e as ScalingError).code;
  }
  return 'no error';
};

describe('run-table import', () => {
  it('finds Epoch-style columns and derives D from C = 6ND', () => {
    const runs = parseRunsCsv(',Model Size,Training FLOP,loss\n0,1e8,6e18,3.1\n1,2e8,2.4e19,2.9\n');
    expect(runs).toEqual([
      { N: 1e8, D: 1e10, C: 6e18, loss: 3.1 },
      { N: 2e8, D: 2e10, C: 2.4e19, loss: 2.9 },
    ]);
  });
  it('accepts params/tokens aliases, quotes, CRLF and comments; derives C', () => {
    const runs = parseRunsCsv('# my sweep\r\n"params","tokens","loss","lr"\r\n1e8,2e9,3.2,0.001\r\n');
    expect(runs).toEqual([{ N: 1e8, D: 2e9, C: 1.2e18, loss: 3.2, lr: 0.001 }]);
  });
  it('JSON: array, { runs }, and columns', () => {
    const a = parseRunsJson('[{"N":1e8,"D":2e9,"loss":3}]');
    const b = parseRunsJson('{"runs":[{"N":1e8,"D":2e9,"loss":3}]}');
    const c = parseRunsJson('{"N":[1e8],"D":[2e9],"loss":[3]}');
    expect(a).toEqual(b);
    expect(b).toEqual(c);
  });
  it('missing columns: MISSING_COLUMN naming what is missing', () => {
    expect(code(() => parseRunsCsv('N,D\n1,2\n'))).toBe('MISSING_COLUMN');
    expect(code(() => parseRunsCsv('D,loss\n1,2\n'))).toBe('MISSING_COLUMN');
    expect(code(() => parseRunsCsv('N,loss\n1,2\n'))).toBe('MISSING_COLUMN');
    expect(() => parseRunsCsv('N,loss\n1,2\n')).toThrow(/tokens \(D\) or compute \(C\)/);
  });
  it('non-positive or non-numeric values: INVALID_VALUE with row and column', () => {
    expect(code(() => parseRunsCsv('N,D,loss\n1e8,2e9,3\n0,2e9,3\n'))).toBe('INVALID_VALUE');
    expect(() => parseRunsCsv('N,D,loss\n1e8,2e9,3\n1e8,abc,3\n')).toThrow(/row 2: D/);
    expect(code(() => parseRunsJson('[{"N":1e8,"D":2e9,"loss":-1}]'))).toBe('INVALID_VALUE');
  });
  it('malformed input: PARSE_ERROR / TOO_FEW_RUNS', () => {
    expect(code(() => parseRunsJson('{'))).toBe('PARSE_ERROR');
    expect(code(() => parseRunsCsv('N,D,loss\n1,2\n'))).toBe('PARSE_ERROR');
    expect(code(() => parseRunsCsv('N,D,loss\n'))).toBe('TOO_FEW_RUNS');
  });
});

describe('malformed tables: every error names the argument, what was expected and where', () => {
  // [input, code, argument, a fragment the message must contain (row / line / column)]
  const csv: [string, string, string, string, RegExp][] = [
    ['unterminated quote', 'N,D,loss\n1e8,"2e9,3\n', 'PARSE_ERROR', 'text', /line 2/],
    ['a row with too few fields', 'N,D,loss\n1e8,2e9,3\n1e8,2e9\n', 'PARSE_ERROR', 'text', /row 2 \(line 3\)/],
    ['a row with too many fields', '# sweep\nN,D,loss\n1e8,2e9,3,4\n', 'PARSE_ERROR', 'text', /line 3/],
    ['a repeated column', 'N,N,loss\n1e8,2e9,3\n', 'PARSE_ERROR', 'text', /"N" twice on line 1/],
    ['two columns that can both be N', 'N,params,D,loss\n1e8,1e8,2e9,3\n', 'PARSE_ERROR', 'N', /"N", "params"/],
    ['empty text', '', 'TOO_FEW_RUNS', 'text', /no rows/],
    ['only comments', '# nothing\n\n', 'TOO_FEW_RUNS', 'text', /no rows/],
    ['a header and no rows', 'N,D,loss\n', 'TOO_FEW_RUNS', 'text', /line 1/],
    ['no loss column', 'N,D\n1e8,2e9\n', 'MISSING_COLUMN', 'loss', /"N", "D"/],
    ['no N column', 'tokens,loss\n2e9,3\n', 'MISSING_COLUMN', 'N', /"tokens", "loss"/],
    ['neither D nor C', 'N,loss\n1e8,3\n', 'MISSING_COLUMN', 'D', /"N", "loss"/],
    ['a non-numeric value', 'N,D,loss\n1e8,2e9,3\n1e8,abc,3\n', 'INVALID_VALUE', 'D', /row 2: D \(column "D", line 3\)/],
    ['a hexadecimal value', 'N,D,loss\n0x10,2e9,3\n', 'INVALID_VALUE', 'N', /row 1: N/],
    ['an empty cell', 'params,tokens,loss\n1e8,,3\n', 'INVALID_VALUE', 'tokens', /row 1: D \(column "tokens", line 2\)/],
    ['a zero', 'N,D,loss\n0,2e9,3\n', 'INVALID_VALUE', 'N', /row 1/],
    ['a negative loss', 'N,D,loss\n1e8,2e9,-3\n', 'INVALID_VALUE', 'loss', /row 1/],
    ['Infinity', 'N,FLOPs,loss\n1e8,Infinity,3\n', 'INVALID_VALUE', 'FLOPs', /row 1: C/],
    ['NaN', 'N,D,loss\n1e8,2e9,NaN\n', 'INVALID_VALUE', 'loss', /row 1: loss/],
  ];
  for (const [name, text, c, argument, where] of csv) {
    it(`CSV, ${name}: ${c} (${argument})`, () => {
      let e: ScalingError | undefined;
      try {
        parseRunsCsv(text);
      } catch (err) {
        e = err as ScalingError;
      }
      expect(e).toBeInstanceOf(ScalingError);
      expect(e!.code).toBe(c);
      expect(e!.argument).toBe(argument);
      expect(e!.expected).toBeTypeOf('string');
      expect(e!.message).toMatch(where);
    });
  }

  const json: [string, unknown, string, string, RegExp][] = [
    ['not a string', 42, 'INVALID_ARGUMENT', 'text', /received 42/],
    ['invalid JSON', '{"N": [1e8,', 'PARSE_ERROR', 'text', /valid JSON/],
    ['a number', '3', 'PARSE_ERROR', 'text', /received 3/],
    ['an empty object', '{}', 'PARSE_ERROR', 'text', /\{\}/],
    ['a single run without [ ]', '{"N": 1e8, "D": 2e9, "loss": 3}', 'PARSE_ERROR', 'text', /wrap one run/],
    ['"runs" not an array', '{"runs": 5}', 'PARSE_ERROR', 'runs', /received 5/],
    ['a column that is not an array', '{"N": [1e8], "D": [2e9], "loss": 3}', 'PARSE_ERROR', 'loss', /not an array/],
    ['columns of different lengths', '{"N": [1e8, 2e8], "D": [2e9], "loss": [3, 2.9]}', 'PARSE_ERROR', 'D', /2 values, as column "N"/],
    ['an empty array', '[]', 'TOO_FEW_RUNS', 'text', /0 runs/],
    ['a run that is null', '[{"N": 1e8, "D": 2e9, "loss": 3}, null]', 'INVALID_ARGUMENT', 'text', /index 1/],
    ['a run that is a list', '[[1e8, 2e9, 3]]', 'INVALID_ARGUMENT', 'text', /index 0/],
    ['a value that is a boolean', '[{"N": true, "D": 2e9, "loss": 3}]', 'INVALID_VALUE', 'N', /run 0: N/],
    ['a run missing its loss', '[{"N": 1e8, "D": 2e9, "loss": 3}, {"N": 1e8, "D": 2e9}]', 'INVALID_VALUE', 'loss', /run 1: loss.*nothing/],
    ['a negative column value', '{"N": [1e8], "D": [-2e9], "loss": [3]}', 'INVALID_VALUE', 'D', /run 0: D/],
  ];
  for (const [name, text, c, argument, where] of json) {
    it(`JSON, ${name}: ${c} (${argument})`, () => {
      let e: ScalingError | undefined;
      try {
        parseRunsJson(text as string);
      } catch (err) {
        e = err as ScalingError;
      }
      expect(e).toBeInstanceOf(ScalingError);
      expect(e!.code).toBe(c);
      expect(e!.argument).toBe(argument);
      expect(e!.expected).toBeTypeOf('string');
      expect(e!.message).toMatch(where);
    });
  }

  it('a UTF-8 byte-order mark before the header is ignored', () => {
    expect(parseRunsCsv('\uFEFFN,D,loss\n1e8,2e9,3\n')).toEqual([{ N: 1e8, D: 2e9, C: 1.2e18, loss: 3 }]);
  });
});
