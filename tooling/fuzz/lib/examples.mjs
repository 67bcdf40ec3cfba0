// Catalog-driven fuzzing: every catalog entry ships a runnable example (`compile(builder(args), options)(yTrue, yPred,
// callOptions)`). The example is run once with a recording `compile` to learn the builder's arguments, the compile
// options and the call's data; cases then rebuild the same expression with new hyperparameters (the builder call is
// substituted) and call it on fresh data of the same kinds (labels, one-hot, probabilities, ±1, positive, reals ...).

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Kind of an example array, read from its values. */
export function kindOf(x) {
  const flat = [x].flat(Infinity).map(Number);
  const shape = [];
  for (let cur = x; Array.isArray(cur); cur = cur[0]) shape.push(cur.length);
  const rows = shape.length === 2 ? x : undefined;
  const allInt = flat.every(Number.isInteger);
  if (shape.length === 1 && allInt && flat.every((v) => v >= 0)) return { shape, kind: 'int', max: Math.max(...flat, 1) };
  if (flat.every((v) => v === 0 || v === 1)) return { shape, kind: rows?.every((r) => r.reduce((a, b) => a + b, 0) === 1) ? 'onehot' : 'binary' };
  if (flat.every((v) => v === -1 || v === 1)) return { shape, kind: 'pm1' };
  if (allInt && flat.every((v) => v >= 0)) return { shape, kind: 'count', max: Math.max(...flat, 1) };
  if (flat.every((v) => v >= 0 && v <= 1)) {
    const dist = rows && rows[0].length > 1 && rows.every((r) => Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    return { shape, kind: dist ? 'dist' : 'unit' };
  }
  if (flat.every((v) => v > 0)) return { shape, kind: 'positive' };
  if (flat.every((v) => v <= 0)) return { shape, kind: 'logdist' };
  return { shape, kind: 'real' };
}

/** Fresh values of a kind for `shape` (nested arrays, float32-representable). */
export function valuesOf(r, kind, shape, { C, mode = 'normal', scale = 1, max = 1 } = {}) {
  const f32 = Math.fround;
  if (shape.length === 0) return f32(r.float(0.1, 2));
  const n = shape[0];
  if (shape.length === 1) {
    if (kind === 'int') return Array.from({ length: n }, () => r.int(0, Math.max(0, (C ?? max + 1) - 1)));
    if (kind === 'count') return Array.from({ length: n }, () => r.int(0, max));
    return Array.from({ length: n }, () => scalarOf(r, kind, mode, scale));
  }
  const rest = shape.slice(1);
  if (shape.length === 2 && (kind === 'onehot' || kind === 'dist' || kind === 'logdist')) {
    if (kind === 'onehot') {
      return Array.from({ length: n }, () => {
        const row = new Array(rest[0]).fill(0);
        row[r.int(0, rest[0] - 1)] = 1;
        return row;
      });
    }
    const p = r.probs(n, rest[0]);
    return kind === 'dist' ? p : p.map((row) => row.map((v) => f32(Math.log(Math.max(v, 1e-30)))));
  }
  return Array.from({ length: n }, () => valuesOf(r, kind, rest, { C, mode, scale, max }));
}

function scalarOf(r, kind, mode, scale) {
  const f32 = Math.fround;
  switch (kind) {
    case 'binary':
    case 'onehot':
      return r.bool() ? 1 : 0;
    case 'pm1':
      return r.bool() ? 1 : -1;
    case 'unit':
    case 'dist':
      return f32(r.float());
    case 'positive':
      return f32(r.float(0.05, 3) * (mode === 'normal' ? 1 : scale));
    case 'logdist':
      return f32(-r.float(0, 5));
    case 'count':
    case 'int':
      return r.int(0, 3);
    default:
      return r.value(mode, scale);
  }
}

/**
 * Compiles an entry's example into a re-runnable recipe.
 * @returns { run(substitute?) → { compiles: [{ expr, options }], calls: [[yTrue, yPred, callOptions?]], args } }
 */
export function exampleRecipe(entry, libs) {
  const scope = { ...libs.core, ...libs.pkg };
  delete scope.compile;
  const names = Object.keys(scope).filter((k) => IDENT.test(k));
  const code = entry.example
    .split('\n')
    .filter((l) => !/^\s*import\s/.test(l))
    .join('\n')
    .replace(/\.print\(\)/g, '');
  // eslint-disable-next-line no-new-func
  const fn = new Function(...names, 'tf', 'compile', `${code}\n`);
  return {
    run(substitute) {
      const rec = { compiles: [], calls: [], args: undefined };
      const bound = names.map((k) => {
        const v = scope[k];
        if (k !== entry.export || typeof v !== 'function') return v;
        return (...args) => {
          rec.args ??= args;
          return v(...(substitute ? substitute(args) : args));
        };
      });
      const compile = (expr, options) => {
        rec.compiles.push({ expr, options });
        const f = (...callArgs) => {
          rec.calls.push(callArgs);
          return { print() {} };
        };
        return f;
      };
      fn(...bound, libs.tf, compile);
      return rec;
    },
  };
}
