import { checkOptions, describeValue, ScalingError } from './errors.js';

/** A run imported from a table: N (parameters), D (tokens), C (FLOPs), loss, plus any extra numeric columns. */
export interface RunRecord {
  readonly N: number;
  readonly D: number;
  readonly C: number;
  readonly loss: number;
  readonly [column: string]: number;
}

/** Column-name aliases (compared case-insensitively, ignoring spaces, `_` and `-`). */
export const columnAliases = Object.freeze({
  N: ['N', 'params', 'parameters', 'Model Size', 'model_size', 'n_params', 'num_params'],
  D: ['D', 'tokens', 'Training Tokens', 'n_tokens', 'num_tokens', 'data'],
  C: ['C', 'FLOP', 'FLOPs', 'Training FLOP', 'Training FLOPs', 'compute', 'compute_flops'],
  loss: ['loss', 'L', 'final_loss', 'val_loss', 'eval_loss'],
} as const);

const norm = (s: string): string => s.toLowerCase().replace(/[\s_-]+/g, '');

/** A CSV row with the 1-based line of the text it starts on. */
interface CsvRow {
  readonly cells: string[];
  readonly line: number;
}

/** Splits CSV text into rows (RFC 4180 quotes, CRLF or LF, `,` separator), keeping each row's starting line. */
function splitCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push({ cells: row, line: rowLine });
      row = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) {
    throw new ScalingError('PARSE_ERROR', 'unterminated quoted field in CSV', { argument: 'text', expected: 'a closing " for every opening "', received: `a quote opened on line ${quoteLine} and never closed` });
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push({ cells: row, line: rowLine });
  }
  return rows.filter((r) => !(r.cells.length === 1 && r.cells[0]!.trim() === '') && !r.cells[0]!.trim().startsWith('#'));
}

// A decimal number as spreadsheets and pandas write it: sign, digits, optional fraction and exponent. Stricter than
// Number(), which would also read "0x10", "0b1" or "" (as 0).
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads a cell or JSON value as a number: numbers as they are, strings when they are decimal numbers; else NaN. */
function numberOf(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && DECIMAL.test(raw.trim())) return Number(raw.trim());
  return NaN;
}

/** Describes row `i` of a table in messages: `row 3` (1-based), plus where it came from (`line 4` of a CSV). */
type RowName = (i: number) => { readonly row: string; readonly where: string };

const recordRows: RowName = (i) => ({ row: `row ${i + 1}`, where: `record index ${i}` });

/** Options of the table readers. */
export interface TableOptions {
  /**
   * The inputs of the law you will fit (its `inputNames`, e.g. `kaplanNSFamily.inputNames`). Default `['N', 'D']`:
   * N plus D or C are required. With other inputs only `loss` and those columns are required: N, D and C through their
   * {@link columnAliases}, any other input by its exact name (compared ignoring case, spaces, `_` and `-`). N, D and C
   * then appear in a run only when their columns (or, for D, C and N) are present.
   */
  readonly inputs?: readonly string[];
}

function buildRuns(records: readonly Readonly<Record<string, unknown>>[], name: RowName, argument: string, inputs?: readonly string[]): RunRecord[] {
  if (inputs !== undefined && (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((k) => typeof k === 'string' && k.trim() !== ''))) {
    throw new ScalingError('INVALID_ARGUMENT', 'inputs must name the columns of the law', { argument: 'inputs', expected: "a non-empty array of column names such as ['N', 'S']", received: describeValue(inputs) });
  }
  if (!Array.isArray(records)) throw new ScalingError('INVALID_ARGUMENT', 'expected an array of run records', { argument, expected: 'an array of objects such as { N, D, loss }', received: describeValue(records) });
  if (records.length === 0) throw new ScalingError('TOO_FEW_RUNS', 'the run table is empty', { argument, expected: 'at least one run', received: '0 runs' });
  records.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new ScalingError('INVALID_ARGUMENT', `${name(i).row} is not an object of columns`, { argument, expected: 'objects such as { N, D, loss }', received: `${describeValue(rec)} at ${name(i).where}` });
    }
  });
  const keys = Object.keys(records[0]!);
  const find = (field: keyof typeof columnAliases): string | undefined => {
    const wanted = new Set(columnAliases[field].map(norm));
    const hits = keys.filter((key) => wanted.has(norm(key)));
    if (hits.length > 1) {
      throw new ScalingError('PARSE_ERROR', `more than one column can be ${field}`, { argument: field, expected: `exactly one of: ${columnAliases[field].join(', ')}`, received: `columns ${hits.map((h) => `"${h}"`).join(', ')}` });
    }
    return hits[0];
  };
  const cols = { N: find('N'), D: find('D'), C: find('C'), loss: find('loss') };
  const missing = (field: keyof typeof columnAliases, what: string): never => {
    throw new ScalingError('MISSING_COLUMN', `no ${what} column`, { argument: field, expected: `one of: ${columnAliases[field].join(', ')}`, received: `columns ${keys.map((k) => `"${k}"`).join(', ') || '(none)'}` });
  };
  const wants = inputs ?? ['N', 'D'];
  if (cols.loss === undefined) missing('loss', 'loss');
  if (wants.includes('N') && cols.N === undefined) missing('N', 'model size (N)');
  if (wants.includes('D') && cols.D === undefined && (cols.C === undefined || cols.N === undefined)) missing('D', 'tokens (D) or compute (C)');
  if (wants.includes('C') && cols.C === undefined && (cols.D === undefined || cols.N === undefined)) missing('C', 'compute (C) or tokens (D)');
  const extra = wants.filter((k) => k !== 'N' && k !== 'D' && k !== 'C');
  const extraCols = extra.map((k) => {
    const hit = keys.find((key) => norm(key) === norm(k));
    if (hit === undefined) throw new ScalingError('MISSING_COLUMN', `no ${k} column`, { argument: k, expected: `a column named ${k}`, received: `columns ${keys.map((c) => `"${c}"`).join(', ') || '(none)'}` });
    return hit;
  });
  const used = new Set(Object.values(cols).filter((v): v is string => v !== undefined));
  return records.map((rec, i) => {
    const num = (field: string, key: string): number => {
      const raw = rec[key];
      const v = numberOf(raw);
      if (!Number.isFinite(v) || v <= 0) {
        const { row, where } = name(i);
        throw new ScalingError('INVALID_VALUE', `${row}: ${field} (column "${key}", ${where}) must be a finite positive number`, { argument: key, expected: 'a finite decimal number > 0', received: `${raw === undefined ? 'nothing' : (JSON.stringify(raw) ?? String(raw))} in ${row}` });
      }
      return v;
    };
    const loss = num('loss', cols.loss!);
    const out: Record<string, number> = {};
    if (inputs === undefined || cols.N !== undefined) {
      const N = num('N', cols.N!);
      const C = cols.C !== undefined ? num('C', cols.C) : NaN;
      if (inputs === undefined || cols.D !== undefined || cols.C !== undefined) {
        const D = cols.D !== undefined ? num('D', cols.D) : C / (6 * N);
        Object.assign(out, { N, D, C: cols.C !== undefined ? C : 6 * N * D });
      } else out.N = N;
    } else {
      if (cols.D !== undefined) out.D = num('D', cols.D);
      if (cols.C !== undefined) out.C = num('C', cols.C);
    }
    out.loss = loss;
    extra.forEach((k, j) => {
      const raw = rec[extraCols[j]!];
      const v = numberOf(raw);
      if (!Number.isFinite(v)) {
        const { row, where } = name(i);
        throw new ScalingError('INVALID_VALUE', `${row}: ${k} (column "${extraCols[j]}", ${where}) must be a finite number`, { argument: extraCols[j]!, expected: 'a finite decimal number', received: `${raw === undefined ? 'nothing' : (JSON.stringify(raw) ?? String(raw))} in ${row}` });
      }
      out[k] = v;
      used.add(extraCols[j]!);
    });
    for (const k of keys) {
      if (used.has(k) || k.trim() === '' || /^unnamed/i.test(k)) continue;
      const v = numberOf(rec[k]);
      if (Number.isFinite(v)) out[k] = v;
    }
    return out as RunRecord;
  });
}

/**
 * Builds validated runs from records (objects of column → value). Columns are found by
 * {@link columnAliases}; D is derived from C = 6ND when only C is given, C from N and D otherwise.
 * Values are numbers or decimal strings (`"1e8"`, `" 3.2 "`); extra numeric columns are kept.
 * Errors (each naming the argument and what was expected): `INVALID_ARGUMENT` (`records` not an array, or a record
 * that is not an object), `TOO_FEW_RUNS` (no records), `MISSING_COLUMN` (no loss, no N, or neither D nor C),
 * `PARSE_ERROR` (two columns that both match N, D, C or loss), `INVALID_VALUE` (a non-numeric, non-finite or
 * non-positive N, D, C or loss, naming the row and the column).
 *
 * @example
 * ```ts
 * runsFromRecords([{ params: 1e8, tokens: 2e9, loss: 3.2 }]); // [{ N: 1e8, D: 2e9, C: 1.2e18, loss: 3.2 }]
 * ```
 */
export function runsFromRecords(records: readonly Readonly<Record<string, unknown>>[], options?: TableOptions): RunRecord[] {
  options = checkOptions(options);
  return buildRuns(records, recordRows, 'records', options.inputs);
}

/**
 * Parses a CSV run table (header row, then one run per row) into runs; see {@link runsFromRecords}
 * for the column names. Blank lines and lines starting with `#` are skipped; a UTF-8 byte-order mark is ignored.
 * Errors name the argument (`text`, or the column), the row and the line: `PARSE_ERROR` (an unterminated quote, a
 * row with more or fewer fields than the header, a repeated column name), `TOO_FEW_RUNS` (no header, or no rows),
 * and the errors of {@link runsFromRecords}.
 *
 * @example
 * ```ts
 * parseRunsCsv('Model Size,Training FLOP,loss\n1e8,1.2e18,3.2\n');
 * ```
 */
export function parseRunsCsv(text: string, options?: TableOptions): RunRecord[] {
  options = checkOptions(options);
  if (typeof text !== 'string') throw new ScalingError('INVALID_ARGUMENT', 'CSV text must be a string', { argument: 'text', expected: 'the CSV file contents as a string', received: describeValue(text) });
  const rows = splitCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (rows.length === 0) throw new ScalingError('TOO_FEW_RUNS', 'the CSV has no header and no rows', { argument: 'text', expected: 'a header row and at least one run', received: 'no rows' });
  const head = rows[0]!;
  const header = head.cells.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (h !== '' && seen.has(h)) throw new ScalingError('PARSE_ERROR', `column "${h}" appears twice in the header`, { argument: 'text', expected: 'distinct column names', received: `"${h}" twice on line ${head.line}` });
    seen.add(h);
  }
  const body = rows.slice(1);
  const records = body.map((r, i) => {
    if (r.cells.length !== header.length) {
      throw new ScalingError('PARSE_ERROR', `row ${i + 1} (line ${r.line}) has ${r.cells.length} fields, the header has ${header.length}`, {
        argument: 'text',
        expected: `${header.length} fields per row, as the header on line ${head.line}`,
        received: `${r.cells.length} fields on line ${r.line}`,
      });
    }
    const rec: Record<string, string> = {};
    header.forEach((h, j) => {
      rec[h] = r.cells[j]!.trim();
    });
    return rec;
  });
  if (records.length === 0) {
    // Still report missing columns first, then emptiness.
    buildRuns([Object.fromEntries(header.map((h) => [h, '1']))], recordRows, 'text', options.inputs);
    throw new ScalingError('TOO_FEW_RUNS', 'the CSV has a header but no runs', { argument: 'text', expected: 'at least one run after the header', received: `a header on line ${head.line} and no rows` });
  }
  return buildRuns(records, (i) => ({ row: `row ${i + 1}`, where: `line ${body[i]!.line}` }), 'text', options.inputs);
}

/**
 * Parses a JSON run table: an array of run objects, `{ "runs": [...] }`, or a column object
 * `{ "N": [...], "loss": [...] }` (equal-length arrays). See {@link runsFromRecords} for names and errors; in
 * addition `PARSE_ERROR` for invalid JSON (with the parser's position), a `runs` field that is not an array, columns
 * of different lengths (naming the column), or any other shape.
 *
 * @example
 * ```ts
 * parseRunsJson('[{"N": 1e8, "D": 2e9, "loss": 3.2}]');
 * ```
 */
export function parseRunsJson(text: string, options?: TableOptions): RunRecord[] {
  options = checkOptions(options);
  if (typeof text !== 'string') throw new ScalingError('INVALID_ARGUMENT', 'JSON text must be a string', { argument: 'text', expected: 'the JSON file contents as a string', received: describeValue(text) });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScalingError('PARSE_ERROR', 'invalid JSON', { argument: 'text', expected: 'valid JSON', received: (e as Error).message });
  }
  const shapes = 'an array of runs, { "runs": [...] }, or an object of equal-length columns';
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const obj = data as Record<string, unknown>;
    if ('runs' in obj) {
      if (!Array.isArray(obj.runs)) throw new ScalingError('PARSE_ERROR', '"runs" must be an array of run objects', { argument: 'runs', expected: 'an array of run objects', received: describeValue(obj.runs) });
      data = obj.runs;
    } else {
      const cols = Object.entries(obj);
      const arrays = cols.filter(([, v]) => Array.isArray(v));
      if (cols.length === 0) throw new ScalingError('PARSE_ERROR', 'no runs and no columns', { argument: 'text', expected: shapes, received: '{}' });
      if (arrays.length === 0) throw new ScalingError('PARSE_ERROR', 'a single object is not a run table', { argument: 'text', expected: `${shapes} (wrap one run in [ ])`, received: 'an object of non-array values' });
      const notArray = cols.find(([, v]) => !Array.isArray(v));
      if (notArray) throw new ScalingError('PARSE_ERROR', `column "${notArray[0]}" is not an array`, { argument: notArray[0], expected: 'an array of values (one per run), as the other columns', received: describeValue(notArray[1]) });
      const [first, firstValues] = cols[0]! as [string, unknown[]];
      const n = firstValues.length;
      const odd = cols.find(([, v]) => (v as unknown[]).length !== n);
      if (odd) throw new ScalingError('PARSE_ERROR', 'columns have different lengths', { argument: odd[0], expected: `${n} values, as column "${first}"`, received: `${(odd[1] as unknown[]).length} values` });
      data = Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map(([k, v]) => [k, (v as unknown[])[i]])));
    }
  }
  if (!Array.isArray(data)) throw new ScalingError('PARSE_ERROR', 'not a run table', { argument: 'text', expected: shapes, received: describeValue(data) });
  return buildRuns(data as Record<string, unknown>[], (i) => ({ row: `run ${i}`, where: `index ${i} of the runs array` }), 'text', options.inputs);
}
