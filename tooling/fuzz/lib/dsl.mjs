// Random expressions over the whole core DSL grammar. Each node carries the code that builds it (for
// reproductions), a builder over the core module, its level, and whether it is "safe": finite for every
// valid moderate input (|z| ≤ 10, labels in range, targets in [0, 1]), so a NaN from it is a bug, not a property.
const num = (v) => (Object.is(v, -0) ? '0' : String(v));

function leaf(code, build, level, { safe = true, logits = false } = {}) {
  return { code, build, level, safe, logits, depth: 0 };
}

function wrap(x, code, build, level = x.level, safe = x.safe) {
  return { code, build, level, safe, logits: x.logits, depth: x.depth + 1, fragileMask: x.fragileMask };
}

function join(a, b, code, build, safe) {
  return { code, build, level: a.level, safe: a.safe && b.safe && safe, logits: a.logits || b.logits, depth: Math.max(a.depth, b.depth) + 1, fragileMask: a.fragileMask || b.fragileMask };
}

/**
 * A select whose mask is computed from probabilities (or exp, log, sigmoid ...) may be exactly 0 in float32, where
 * a softmax underflows, and not in the JS kernel's float64: fused and unfused then take different branches, both
 * right for their arithmetic (seeds 1009, 2 and 4242). The fusion oracle skips such expressions.
 */
const FRAGILE_MASK = /prob|bce|softmax|exp|log|sigmoid|softplus|entropy|kl|focal/;

/**
 * @param r Rand
 * @param ctx { C, from: 'logits' | 'probs', maxDepth }
 */
export function randomExpr(r, ctx) {
  const top = r.weighted({ sample: 8, batch: 1.5 });
  const s = sampleExpr(r, ctx, ctx.maxDepth ?? 3);
  if (top === 'sample') return s;
  const how = r.pick(['mean', 'sum']);
  return wrap(s, `${s.code}.${how}()`, (c) => s.build(c)[how](), 'batch');
}

function classLeaf(r, ctx) {
  const C = ctx.C;
  const options = ['prob', 'logProb', 'yPred', 'yTrue', 'square', 'abs', 'bce', 'classConstant'];
  if (ctx.from === 'logits') options.push('logit', 'logit');
  const k = r.pick(options);
  switch (k) {
    case 'bce': {
      const ls = r.bool(0.7) ? 0 : r.pick([0.1, 0.5, 1]);
      return ls === 0 ? leaf('bce()', (c) => c.bce(), 'class') : leaf(`bce({ labelSmoothing: ${ls} })`, (c) => c.bce({ labelSmoothing: ls }), 'class');
    }
    case 'classConstant': {
      const v = Array.from({ length: C }, () => r.pick([0, 1, -1, 0.5, 2]));
      return leaf(`classConstant([${v.map(num).join(', ')}])`, (c) => c.classConstant(v), 'class');
    }
    case 'logit':
      return leaf('logit()', (c) => c.logit(), 'class', { logits: true });
    default:
      return leaf(`${k}()`, (c) => c[k](), 'class');
  }
}

function sampleLeaf(r, _ctx) {
  const k = r.pick(['ce', 'ce', 'ceLs', 'entropy', 'kl']);
  if (k === 'ceLs') {
    const ls = r.pick([0.1, 0.2, 0.5, 1]);
    return leaf(`ce({ labelSmoothing: ${ls} })`, (c) => c.ce({ labelSmoothing: ls }), 'sample');
  }
  return leaf(`${k}()`, (c) => c[k](), 'sample');
}

const ELEMENTWISE = {
  neg: { safe: true },
  scale: { safe: true },
  pow: { safe: false },
  clip: { safe: true },
  detach: { safe: true },
  exp: { safe: false },
  log: { safe: false },
  log1p: { safe: false },
  sqrt: { safe: false },
  abs: { safe: true },
  relu: { safe: true },
  softplus: { safe: true },
  sigmoid: { safe: true },
  logSigmoid: { safe: true },
};
const BINARY = { plus: true, minus: true, times: true, div: false, maximum: true, minimum: true };

function elementwise(r, x) {
  const k = r.pick(Object.keys(ELEMENTWISE));
  const b = (f) => (c) => f(x.build(c));
  switch (k) {
    case 'scale': {
      const w = r.pick([2, -1, 0.5, 0, 1e-3, 10]);
      return wrap(x, `${x.code}.scale(${num(w)})`, b((e) => e.scale(w)));
    }
    case 'pow': {
      const p = r.pick([2, 2, 1, 3, 0.5, -1, 1.5]);
      return wrap(x, `${x.code}.pow(${num(p)})`, b((e) => e.pow(p)), x.level, x.safe && Number.isInteger(p) && p > 0);
    }
    case 'clip': {
      const lo = r.pick([-1, 0, -5]);
      const hi = lo + r.pick([0, 1, 10]);
      return wrap(x, `${x.code}.clip(${num(lo)}, ${num(hi)})`, b((e) => e.clip(lo, hi)));
    }
    default:
      return wrap(x, `${x.code}.${k}()`, b((e) => e[k]()), x.level, x.safe && ELEMENTWISE[k].safe);
  }
}

function binary(r, a, other) {
  const k = r.pick(Object.keys(BINARY));
  if (r.bool(0.35)) {
    const n = r.pick([1, -1, 0.5, 2, 0]);
    return wrap(a, `${a.code}.${k}(${num(n)})`, (c) => a.build(c)[k](n), a.level, a.safe && !(k === 'div' && n === 0));
  }
  const b = other();
  return join(a, b, `${a.code}.${k}(${b.code})`, (c) => a.build(c)[k](b.build(c)), BINARY[k]);
}

function classExpr(r, ctx, depth) {
  if (depth <= 0 || r.bool(0.35)) return classLeaf(r, ctx);
  const k = r.weighted({ elementwise: 4, binary: 3, normalize: 2, where: 0.7, expand: 0.7 });
  const sub = () => classExpr(r, ctx, depth - 1);
  switch (k) {
    case 'elementwise':
      return elementwise(r, sub());
    case 'binary':
      return binary(r, sub(), sub);
    case 'normalize': {
      const x = sub();
      const op = r.pick(['softmax', 'logSoftmax', 'zNormalize', 'batchMean']);
      return wrap(x, `${x.code}.${op}()`, (c) => x.build(c)[op]());
    }
    case 'where': {
      const x = sub();
      const m = sub();
      const other = r.pick([0, 1, -1]);
      const out = join(x, m, `${x.code}.where(${m.code}${other === 0 ? '' : `, ${other}`})`, (c) => x.build(c).where(m.build(c), other), true);
      return FRAGILE_MASK.test(m.code) ? { ...out, fragileMask: true } : out;
    }
    default: {
      const s = sampleExpr(r, ctx, depth - 1);
      return wrap(s, `${s.code}.expand()`, (c) => s.build(c).expand(), 'class');
    }
  }
}

function sampleExpr(r, ctx, depth) {
  if (depth <= 0 || r.bool(0.3)) {
    if (r.bool(0.6)) return sampleLeaf(r, ctx);
  }
  const k = depth <= 0 ? 'reduce' : r.weighted({ reduce: 5, elementwise: 2, binary: 3 });
  if (k === 'reduce') {
    const x = classExpr(r, ctx, Math.max(0, depth - 1));
    const op = r.pick(['target', 'incorrect', 'max', 'min', 'logSumExp', 'sum', 'mean', 'topk']);
    if (op === 'topk') {
      const kk = r.int(1, Math.max(1, Math.min(ctx.C + 1, 4)));
      return wrap(x, `${x.code}.topk(${kk})`, (c) => x.build(c).topk(kk), 'sample', x.safe && kk <= ctx.C);
    }
    // A row sum or mean of probabilities (scaled), of a softmax or of zNormalize() is a constant up to rounding; a
    // function of it compares two roundings, amplified (seed 4242 call 4633: x / Σ zNormalize gave −1.2e18 fused and
    // 5.6e8 unfused; seed 606 call 8858: ∂ exp(10 Σ p) is 0, rounding times 2.2e5 differs). Those rows take the max.
    const constant = (op === 'sum' || op === 'mean') && /(^prob\(\)(\.scale\([^)]*\))*|\.softmax\(\)|\.zNormalize\(\))$/.test(x.code);
    const red = constant ? 'max' : op;
    return wrap(x, `${x.code}.${red}()`, (c) => x.build(c)[red](), 'sample', x.safe && !(red === 'incorrect' && ctx.C < 2));
  }
  const sub = () => sampleExpr(r, ctx, depth - 1);
  return k === 'elementwise' ? elementwise(r, sub()) : binary(r, sub(), sub);
}
