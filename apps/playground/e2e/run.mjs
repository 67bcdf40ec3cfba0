#!/usr/bin/env node
// End-to-end tests of the playground in Debian's headless Chromium, driven by playwright-core.
//
//   node apps/playground/e2e/run.mjs [--report <file.json>] [--no-build]
//
// Builds the site (vite build; `--no-build` reuses an existing dist), serves apps/playground/dist on a random
// localhost port with a tiny node:http server, and runs counted checks: the site loads; a typed expression
// renders its formula and a loss readout equal (1e-4 relative) to the same compiled loss computed here in Node
// with packages/core/dist; invalid expressions show the LosskitError / DSL error inline; 50 training steps
// lower the loss; WASM and WebGL give the same loss (1e-4); every package and catalog entry page renders with
// no console errors; no request leaves localhost. Screenshots go to artifacts/playground/ (printed).
// Writes `{ passed, failed, checks }` to the --report file.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const app = resolve(here, '..');
const root = resolve(app, '..', '..');
const dist = join(app, 'dist');
const shots = join(root, 'artifacts', 'playground');
const args = process.argv.slice(2);
const reportIdx = args.indexOf('--report');
const reportPath = reportIdx >= 0 ? resolve(args[reportIdx + 1] ?? 'playground-e2e.json') : undefined;
const started = Date.now();

/** The example batch documented in src/example.ts and the README (kept identical on purpose). */
const LABELS = [0, 2, 1, 0];
const LOGITS = [[2, 1, 0], [0, 1, 3], [1, 2, -1], [0.5, -0.5, 0.2]];
const EXPRESSIONS = ['ce().plus(square().incorrect())', 'ce({ labelSmoothing: 0.1 }).plus(prob().target().neg().exp().scale(0.5))'];

const checks = [];
const summaryOut = {};
let passed = 0;
let failed = 0;
function record(name, ok, detail = '') {
  checks.push({ name, ok, detail });
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
}
/** `LOSSKIT_E2E_ONLY=<text>`: run only the checks whose name contains it (a development aid; CI runs them all). */
const only = process.env.LOSSKIT_E2E_ONLY;
async function check(name, fn) {
  if (only && !name.includes(only)) return;
  try {
    const detail = await fn();
    record(name, true, typeof detail === 'string' ? detail : '');
  } catch (e) {
    record(name, false, String(e?.stack ?? e).split('\n').slice(0, 3).join(' | '));
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const relErr = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function finish() {
  const report = { passed, failed, ...summaryOut, checks, seconds: Math.round((Date.now() - started) / 1000), screenshots: shots };
  if (reportPath) {
    mkdirSync(dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, JSON.stringify(report, null, 2));
  }
  console.log(`\nplayground e2e: ${passed} passed, ${failed} failed (${report.seconds} s); screenshots in ${shots}`);
  process.exit(failed === 0 ? 0 : 1);
}

function run(cmd, cmdArgs, cwd) {
  console.log(`$ (${cwd}) ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: 'inherit' });
  return r.status === 0;
}

// ── 1. build the site and core's dist ─────────────────────────────────────────
if (!args.includes('--no-build') || !existsSync(join(dist, 'index.html'))) {
  const ok = run(process.execPath, [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], app);
  record('site builds (vite build)', ok);
  if (!ok) finish();
}
if (!existsSync(join(root, 'packages', 'core', 'dist', 'index.js'))) {
  run('pnpm', ['build'], join(root, 'packages', 'core'));
}

// ── 2. Node reference values from packages/core/dist ──────────────────────────
const core = await import(pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href);
await core.ready();
const NOT_BUILDERS = new Set(['ready', 'setBackend', 'activeBackend', 'wasmSimd', 'compile', 'evaluate', 'defineOp', 'defineEntry', 'node', 'toTensor', 'isTensor', 'checkParam', 'formatShape', 'printExpr', 'paren', 'stopGradient', 'smoothTargets', 'xlogx', 'LosskitError', 'Expr', 'params', 'PREC']);
const builderNames = Object.keys(core).filter((k) => typeof core[k] === 'function' && /^[a-z]/.test(k) && !NOT_BUILDERS.has(k));
function nodeValue(text) {
  const expr = new Function(...builderNames, `"use strict"; return (${text});`)(...builderNames.map((k) => core[k]));
  const t = core.compile(expr)(LABELS, LOGITS);
  const v = t.dataSync()[0];
  t.dispose();
  return { value: v, latex: expr.toLatex() };
}

// ── 3. static server ──────────────────────────────────────────────────────────
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  let file = normalize(join(dist, path));
  if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
console.log(`serving ${dist} at ${base}`);

// ── 4. browser ────────────────────────────────────────────────────────────────
if (!existsSync('/usr/bin/chromium')) {
  console.log('chromium missing: installing the Debian package');
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
}
const { chromium } = await import('playwright-core');
let browser;
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Software WebGL and WebGPU (SwiftShader) so the GPU backends can run without a GPU.
      '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'],
  });
  record('chromium launches', true, browser.version());
} catch (e) {
  record('chromium launches', false, String(e.message ?? e).split('\n')[0]);
  server.close();
  finish();
}
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });

const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const external = [];
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(base) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
  external.push(u);
  return route.abort();
});
const page = await context.newPage();
page.setDefaultTimeout(60_000);
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
const shot = async (name) => {
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header then sits at the top of the full-page shot
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
};

async function goto(hash) {
  await page.goto(`${base}${hash}`);
  await page.waitForSelector('body[data-ready]');
}
async function setExpression(text) {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  lastText = text;
}
let lastText = '';
async function waitStatus(which, text = lastText) {
  await page.waitForFunction(
    ([w, t]) => {
      const s = document.querySelector('[data-testid=play-status]');
      return s?.textContent === w && s.getAttribute('data-for') === t;
    },
    [which, text],
    { timeout: 60_000 },
  );
}
async function readValue() {
  await waitStatus('ok');
  return Number(await page.getAttribute('[data-testid=loss-value]', 'data-value'));
}
async function switchBackend(name) {
  await page.selectOption('[data-testid=backend-select]', name);
  await page.waitForFunction(() => document.querySelector('[data-testid=backend]')?.hasAttribute('data-backend'));
  return page.getAttribute('[data-testid=backend]', 'data-backend');
}

try {
  const counts = { tryRan: 0, tryTotal: 0, tryUnavailable: 0, openRan: 0, openTotal: 0, narrowOk: 0, narrowTotal: 0 };
  const timings = {};
  await check('site loads: header, backend, one card per package, what losskit is in one paragraph with a live example', async () => {
    const t0 = Date.now();
    await goto('#/');
    await page.waitForFunction(() => window.losskitFirstPlot !== undefined && document.querySelector('[data-testid=home-live-value]')?.hasAttribute('data-value'), undefined, { timeout: 60_000 });
    timings.coldLoadToFirstPlotMs = Math.round(await page.evaluate(() => window.losskitFirstPlot));
    timings.coldLoadWallMs = Date.now() - t0;
    const cards = await page.locator('.card').count();
    const backend = await page.getAttribute('[data-testid=backend]', 'data-backend');
    const lead = (await page.textContent('[data-testid=home-lead]')) ?? '';
    // One card per package listed in the site's catalogs (src/catalogs.ts: one `['@losskit/<name>', blurb, module]` row each).
    const listed = (readFileSync(new URL('../src/catalogs.ts', import.meta.url), 'utf8').match(/^\s*\['@losskit\/[a-z-]+', '/gm) ?? []).length;
    assert(listed >= 7 && cards === listed, `expected ${listed} package cards (src/catalogs.ts), got ${cards}`);
    assert(backend === 'wasm', `expected the wasm backend by default, got ${backend}`);
    assert(/losskit is a TypeScript library/.test(lead), 'no one-paragraph statement of what losskit is');
    const v = Number(await page.getAttribute('[data-testid=home-live-value]', 'data-value'));
    assert(relErr(v, nodeValue('ce().plus(square().incorrect())').value) <= 1e-4, `home live example ${v}`);
    return `cold load to first plot ${timings.coldLoadToFirstPlotMs} ms (navigation start → first canvas drawn)`;
  });

  await check('every route has its own page title, focus moves to the page heading, and the change is announced', async () => {
    const titles = new Set();
    for (const hash of ['#/', '#/guide', '#/api', '#/play', '#/train', '#/calibration', '#/scaling', '#/performance', '#/pkg/losses', '#/entry/losses/focal', '#/pruning', '#/ood']) {
      await page.evaluate((hh) => { location.hash = hh; }, hash);
      await page.waitForFunction((hh) => location.hash.split('?')[0] === hh.split('?')[0] && document.querySelector('main h1'), hash);
      await page.waitForTimeout(300);
      const [title, focused, announced] = await page.evaluate(() => [document.title, document.activeElement?.tagName, document.querySelector('[data-testid=announcer]')?.textContent]);
      assert(focused === 'H1', `focus on ${focused} after navigating to ${hash}`);
      assert(announced === title, `announcer says ${announced}`);
      titles.add(title);
    }
    assert(titles.size === 12, `${titles.size} distinct titles`);
    return [...titles].slice(0, 4).join(' | ');
  });

  await check('editor completes real terms only, with signatures and one-line docs', async () => {
    await goto('#/play');
    await waitStatus('ok', 'ce().plus(square().incorrect())');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('squ');
    await page.waitForSelector('.cm-tooltip-autocomplete li');
    const items = await page.locator('.cm-tooltip-autocomplete li').allTextContents();
    assert(items.some((t) => t.startsWith('square') && t.includes('(')), `no "square" completion with a signature in ${items.join(', ')}`);
    await page.waitForSelector('.cm-completionInfo');
    const info = await page.textContent('.cm-completionInfo');
    assert(/square\(/.test(info ?? '') && (info ?? '').length > 20, `completion info: ${info}`);
    await shot('02-completions');
    await page.keyboard.press('Escape');
    for (const notATerm of ['cleanTap', 'toTens', 'defineEnt']) {
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.type(notATerm);
      await page.keyboard.press('Control+Space');
      await page.waitForTimeout(150);
      const offered = await page.locator('.cm-tooltip-autocomplete li').allTextContents();
      assert(!offered.some((t) => t.startsWith(notATerm)), `${notATerm}… offered: ${offered.slice(0, 5).join(', ')}`);
      await page.keyboard.press('Escape');
    }
    return `${items.length} completions for "squ"; info: ${(info ?? '').split('\n')[0]}`;
  });

  for (const [i, text] of EXPRESSIONS.entries()) {
    await check(`typed expression renders its formula and matches Node (1e-4): ${text}`, async () => {
      const ref = nodeValue(text);
      await setExpression(text);
      const v = await readValue();
      const latex = await page.getAttribute('[data-testid=formula]', 'data-latex');
      const katexNodes = await page.locator('[data-testid=formula] .katex').count();
      const katexErrors = await page.locator('[data-testid=formula] .katex-error').count();
      assert(latex === ref.latex, `formula ${latex} != Node ${ref.latex}`);
      assert(katexNodes > 0 && katexErrors === 0, 'KaTeX did not render the formula');
      assert(relErr(v, ref.value) <= 1e-4, `browser ${v} vs Node ${ref.value}`);
      const drawn = await page.evaluate(() => ['curve', 'grad', 'surface'].map((id) => Number(document.querySelector(`[data-testid=${id}]`)?.getAttribute('data-drawn') ?? 0)));
      assert(drawn.every((d) => d > 0), `plots drawn: ${drawn}`);
      await shot(`03-play-${i + 1}`);
      return `browser ${v} vs Node ${ref.value}`;
    });
  }

  await check('keystroke to updated plots within 150 ms after the debounce (one-line expression, WASM)', async () => {
    const samples = [];
    for (const text of ['ce().plus(square().incorrect().scale(0.3))', 'focal({ gamma: 1.5 })', 'ce().minus(entropy().scale(0.2))']) {
      await setExpression(text);
      await waitStatus('ok', text);
      samples.push(Number(await page.getAttribute('[data-testid=play-status]', 'data-ms')));
    }
    timings.keystrokeToPlotMs = Math.max(...samples);
    assert(timings.keystrokeToPlotMs <= 150, `keystroke→plots ${samples.join(', ')} ms`);
    return `${samples.map((x) => x.toFixed(1)).join(', ')} ms after the 150 ms debounce`;
  });

  await check('sliders for every numeric parameter update the plots live (≤ 50 ms per redraw)', async () => {
    const text = 'focal({ gamma: 2, alpha: 0.25 }).plus(square().incorrect().scale(0.5))';
    await setExpression(text);
    await waitStatus('ok', text);
    const n = await page.locator('[data-testid^=slider-]').count();
    assert(n === 3, `${n} sliders for gamma, alpha and scale`);
    const before = await page.getAttribute('[data-testid=curve]', 'data-drawn');
    const samples = [];
    // The first tick warms up (a new kernel for the new expression); then six drags between γ = 1 and 3.
    for (const v of ['2.2', '1', '1.5', '3', '2.5', '1.2', '1.8']) {
      const set = await page.evaluate((val) => { const s = document.querySelector('[data-testid=slider-0]'); s.value = val; s.dispatchEvent(new Event('input', { bubbles: true })); return String(Number(Number(s.value).toPrecision(4))); }, v);
      await page.waitForFunction((val) => document.querySelector('[data-testid=play-status]')?.getAttribute('data-mode') === 'slider' && document.querySelector('.cm-content')?.textContent.includes(`gamma: ${val},`), set);
      await page.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok');
      samples.push(Number(await page.getAttribute('[data-testid=play-status]', 'data-ms')));
    }
    const after = await page.getAttribute('[data-testid=curve]', 'data-drawn');
    const drags = samples.slice(1).sort((a, b) => a - b);
    timings.sliderToRedrawMs = drags[Math.floor(drags.length / 2)];
    timings.sliderToRedrawMaxMs = drags.at(-1);
    assert(Number(after) > Number(before), 'the curve was not redrawn');
    assert(timings.sliderToRedrawMs <= 50, `slider→redraw (median) ${samples.join(', ')} ms`);
    await shot('03-play-sliders');
    return `${samples.map((x) => x.toFixed(1)).join(', ')} ms (first tick warms up); median ${timings.sliderToRedrawMs.toFixed(1)} ms; the editor text follows the slider`;
  });

  await check('overlay of up to three losses with a legend, gradient plot beside the loss curve', async () => {
    await setExpression('focal({ gamma: 2 })');
    await waitStatus('ok', 'focal({ gamma: 2 })');
    if ((await page.locator('[data-testid=overlay-1]').count()) === 0) await page.click('[data-testid=add-overlay]');
    await page.click('[data-testid=add-overlay]');
    await page.fill('[data-testid=overlay-2]', 'ce({ labelSmoothing: 0.2 })');
    await page.waitForFunction(() => [...document.querySelectorAll('figure.plot:has([data-testid=curve]) .legend li')].map((l) => l.textContent).includes('ce({ labelSmoothing: 0.2 })'));
    const legend = await page.locator('figure.plot:has([data-testid=curve]) .legend li').allTextContents();
    const gradLegend = await page.locator('figure.plot:has([data-testid=grad]) .legend li').count();
    assert(legend.includes('focal({ gamma: 2 })') && legend.includes('ce()'), `legend ${legend}`);
    assert(gradLegend === 3, `gradient legend ${gradLegend}`);
    assert((await page.locator('[data-testid=add-overlay]').count()) === 0, 'a fourth loss can be added');
    await shot('03-play-overlay');
    return legend.join(' | ');
  });

  await check('shareable URL restores the expression, the comparisons and the value', async () => {
    const url = page.url();
    assert(url.includes('e=') && url.includes('vs='), `URL does not encode the expression and comparisons: ${url}`);
    const p2 = await context.newPage();
    p2.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await p2.goto(url);
    await p2.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok');
    const doc = await p2.textContent('.cm-content');
    const ov = await p2.inputValue('[data-testid=overlay-2]');
    await p2.close();
    assert(doc === 'focal({ gamma: 2 })', `editor has ${doc}`);
    assert(ov === 'ce({ labelSmoothing: 0.2 })', `overlay ${ov}`);
  });

  await check('a level error underlines the offending sub-expression, suggests the fix, and the fix applies', async () => {
    await setExpression('ce().plus(square())');
    await waitStatus('error');
    const msg = (await page.textContent('[data-testid=error]')) ?? '';
    const code = await page.getAttribute('[data-testid=error]', 'data-code');
    const marked = await page.locator('.cm-dsl-error').allTextContents();
    const fix = await page.textContent('[data-testid=apply-fix]');
    assert(code === 'LEVEL_MISMATCH', `code ${code}`);
    assert(marked.join('') === 'square()', `underlined "${marked.join('')}"`);
    assert(/square\(\)\.incorrect\(\)/.test(msg) && /square\(\)\.incorrect\(\)/.test(fix ?? ''), `message/fix: ${msg} / ${fix}`);
    await shot('04-error-level');
    await page.click('[data-testid=apply-fix]');
    await waitStatus('ok', 'ce().plus(square().incorrect())');
    await setExpression('square()');
    await waitStatus('error');
    const m2 = (await page.textContent('[data-testid=error]')) ?? '';
    assert(/\.mean\(\)/.test(m2), `class-level expression: ${m2}`);
    return msg;
  });

  await check('errors never mention wrapper code: syntax, unknown names (with a suggestion), bad hyperparameters, JavaScript', async () => {
    const cases = [['ce(', /close/], ['sqaure().mean()', /did you mean square/], ['ce() + square().mean()', /\.plus\(/], ['ce({ labelSmoothing: 2 })', /labelSmoothing/], ['window.alert(1)', /unknown term "window"/],
      ["ce()['constructor']", /not allowed/], ['ce().constructor', /not allowed/], ['x = 1', /unexpected character|unknown term/], ['ce().mean().target()', /target/]];
    const out = [];
    for (const [bad, re] of cases) {
      await setExpression(bad);
      await waitStatus('error', bad);
      const msg = (await page.textContent('[data-testid=error]')) ?? '';
      assert(re.test(msg), `${bad}: ${msg}`);
      assert(!/use strict|return \(|Function|anonymous|<eval>/.test(msg), `${bad} mentions wrapper code: ${msg}`);
      const marked = await page.locator('.cm-dsl-error').count();
      assert(marked > 0, `${bad}: nothing underlined`);
      out.push(msg.slice(0, 60));
    }
    const code = await (async () => { await setExpression('ce({ labelSmoothing: 2 })'); await waitStatus('error'); return page.getAttribute('[data-testid=error]', 'data-code'); })();
    assert(code === 'INVALID_PARAMETER', `code ${code}`);
    assert((await page.locator('.cm-dsl-error').allTextContents()).join('') === '2', 'the bad value is not what is underlined');
    await shot('05-error-js');
    return `${cases.length} cases`;
  });

  await check('logits / probabilities switch: dice() warns on logits, gives a loss in [0, 1] on probabilities', async () => {
    await setExpression('dice()');
    await waitStatus('ok', 'dice()');
    const warn = await page.locator('[data-testid=from-warning]').count();
    assert(warn === 1, 'no warning that dice reads probabilities');
    await page.click('[data-testid=switch-from]');
    await page.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok' && location.hash.includes('from=probs'));
    const v = Number(await page.getAttribute('[data-testid=loss-value]', 'data-value'));
    assert(v >= 0 && v <= 1, `dice on probabilities ${v}`);
    const hint = await page.textContent('[data-testid=input-hint]');
    await page.click('[data-testid=from-logits]');
    await page.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok');
    return `dice = ${v}; hint: ${hint?.slice(0, 80)}`;
  });

  await check('long formulas wrap inside their box', async () => {
    const text = 'ce().plus(square().incorrect()).plus(entropy().scale(0.1)).plus(prob().target().neg().plus(1).pow(2)).plus(abs().mean()).plus(kl().scale(0.5)).plus(logit().logSumExp().pow(2).scale(0.001))';
    await setExpression(text);
    await waitStatus('ok', text);
    const [sw, cw] = await page.evaluate(() => { const f = document.querySelector('[data-testid=formula]'); return [f.scrollWidth, f.clientWidth]; });
    assert(sw <= cw + 1, `formula overflows: ${sw} > ${cw}`);
  });

  await check('switch backend to WASM, WebGL and WebGPU (offered where navigator.gpu exists): same loss to 1e-4', async () => {
    const text = EXPRESSIONS[0];
    const ref = nodeValue(text).value;
    await setExpression(text);
    await readValue();
    const b1 = await switchBackend('wasm');
    const vWasm = await readValue();
    const b2 = await switchBackend('webgl');
    const vGl = await readValue();
    await shot('06-webgl');
    const offered = await page.$$eval('[data-testid=backend-select] option', (os) => os.map((o) => o.value));
    assert(offered.includes('webgpu') === (await page.evaluate(() => !!navigator.gpu)), `webgpu offered: ${offered.join(', ')}`);
    const b4 = await switchBackend('webgpu');
    const vGpu = await readValue();
    assert(b4 === 'webgpu', `webgpu backend not active (${b4})`);
    assert(relErr(vGpu, ref) <= 1e-4, `webgpu ${vGpu}, node ${ref}`);
    const b3 = await switchBackend('cpu');
    const vCpu = await readValue();
    await switchBackend('wasm');
    await readValue();
    assert(b1 === 'wasm', `wasm backend not active (${b1})`);
    assert(b2 === 'webgl', `webgl backend not active (${b2})`);
    assert(b3 === 'cpu', `cpu backend not active (${b3})`);
    assert(relErr(vGl, vWasm) <= 1e-4 && relErr(vWasm, ref) <= 1e-4 && relErr(vCpu, ref) <= 1e-4, `wasm ${vWasm}, webgl ${vGl}, cpu ${vCpu}, node ${ref}`);
    return `wasm ${vWasm}, webgl ${vGl}, webgpu ${vGpu}, cpu ${vCpu}, node ${ref}`;
  });

  await check('train: A and B on shared axes with train and held-out loss and accuracy; play, pause, step, reset', async () => {
    await goto('#/train?steps=60&e=ce().plus(square().incorrect())&cmp=ce()');
    await page.waitForSelector('[data-testid=train-curve]');
    await page.click('[data-testid=step]');
    await page.waitForFunction(() => document.querySelector('[data-testid=step-a]')?.textContent === '1');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => document.querySelector('[data-testid=train-status]')?.textContent === 'done', undefined, { timeout: 90_000 });
    const get = async (id) => Number(await page.getAttribute(`[data-testid=${id}]`, 'data-value'));
    const [fa, la, fb, lb, ha] = [await get('loss-first-a'), await get('loss-last-a'), await get('loss-first-b'), await get('loss-last-b'), await get('heldout-a')];
    const legend = await page.locator('figure.plot:has([data-testid=train-curve]) .legend li').allTextContents();
    const accLegend = await page.locator('figure.plot:has([data-testid=accuracy-curve]) .legend li').count();
    assert(legend.length === 4 && legend.some((t) => t.startsWith('A held-out')) && legend.some((t) => t.startsWith('B train')), `legend ${legend}`);
    assert(accLegend === 4, `accuracy legend ${accLegend}`);
    assert(la < fa && lb < fb, `A ${fa} → ${la}, B ${fb} → ${lb}`);
    assert(ha > 0.5, `held-out accuracy ${ha}`);
    await shot('07-train');
    await page.click('[data-testid=reset]');
    await page.waitForFunction(() => document.querySelector('[data-testid=step-a]')?.textContent === '0');
    return `A ${fa.toFixed(4)} → ${la.toFixed(4)} (held-out acc ${(ha * 100).toFixed(1)}%), B ${fb.toFixed(4)} → ${lb.toFixed(4)}; ${await page.textContent('[data-testid=optimizer-label]')}`;
  });

  await check('train: inputs are validated and in the URL; pause stops, leaving the view stops the run', async () => {
    await goto('#/train?steps=5000');
    await page.fill('[data-testid=lr]', '-3');
    await page.waitForSelector('[data-testid=train-error]:not([hidden])');
    assert(await page.isDisabled('[data-testid=train]'), 'Play enabled with an invalid learning rate');
    await page.fill('[data-testid=lr]', '0.02');
    await page.selectOption('[data-testid=dataset]', 'spirals');
    await page.waitForFunction(() => location.hash.includes('lr=0.02') && location.hash.includes('ds=spirals'));
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step-a]')?.textContent) >= 20);
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => /paused/.test(document.querySelector('[data-testid=train-status]')?.textContent ?? ''));
    const paused = Number(await page.textContent('[data-testid=step-a]'));
    await page.click('[data-testid=train]');
    await page.waitForFunction((p) => Number(document.querySelector('[data-testid=step-a]')?.textContent) > p + 10, paused);
    await page.evaluate(() => { location.hash = '#/calibration'; });
    await page.waitForSelector('[data-testid=calibration-view]');
    const stoppedAt = await page.evaluate(() => window.losskitTrainStopped);
    const tensors1 = await page.evaluate(() => window.losskitTensors());
    await page.waitForTimeout(500);
    const tensors2 = await page.evaluate(() => window.losskitTensors());
    assert(typeof stoppedAt === 'number' && stoppedAt < 5000, `run not stopped (${stoppedAt})`);
    assert(tensors2 === tensors1, `tensors still changing after leaving: ${tensors1} → ${tensors2}`);
    return `paused at ${paused}; left the view at step ${stoppedAt}`;
  });

  await check('calibration: reliability diagrams with ticks, axis titles and legends; state in the URL', async () => {
    await goto('#/calibration?cal=TemperatureScaling&bins=12&sharp=3');
    await page.waitForFunction(() => /%/.test(document.querySelector('[data-testid=ece-after]')?.textContent ?? ''));
    const legend = await page.locator('figure.plot:has([data-testid=reliability-after]) .legend li').allTextContents();
    assert(legend.includes('perfect calibration') && legend.includes('accuracy'), `legend ${legend}`);
    const e0 = parseFloat(await page.textContent('[data-testid=ece-before]'));
    const e1 = parseFloat(await page.textContent('[data-testid=ece-after]'));
    assert(e1 < e0, `ECE ${e0}% → ${e1}%`);
    await page.selectOption('[data-testid=calibrator]', 'IsotonicRegression');
    await page.waitForFunction(() => location.hash.includes('cal=IsotonicRegression') && location.hash.includes('bins=12'));
    await shot('08-calibration');
    return `ECE ${e0}% → ${e1}% (temperature scaling); ${await page.textContent('[data-testid=calibration-detail]')}`;
  });

  await check('scaling: an example data set per law, every law fits; Kaplan L(N, D) is a curve over the budget', async () => {
    await goto('#/scaling');
    await page.waitForSelector('[data-testid=scaling-result] p');
    const laws = await page.$$eval('[data-testid=scaling-family] option', (os) => os.map((o) => o.value));
    const bad = [];
    for (const law of laws) {
      await page.selectOption('[data-testid=scaling-family]', law);
      await page.waitForFunction((l) => location.hash.includes(`law=${l}`) || l === 'chinchilla', law);
      const err = await page.locator('[data-testid=scaling-result] .error').count();
      if (err) bad.push(`${law}: ${await page.textContent('[data-testid=scaling-result]')}`);
      if (law === 'kaplan-nd') await shot('09-scaling-kaplan');
    }
    assert(laws.length >= 4, `${laws.length} laws`);
    assert(bad.length === 0, bad.join(' | '));
    await page.selectOption('[data-testid=scaling-family]', 'chinchilla');
    await page.waitForSelector('[data-testid=scaling-optimal]');
    await shot('09-scaling');
    return `${laws.length} laws fitted on their example data: ${laws.join(', ')}`;
  });

  await check('performance: grouped bar charts of the ratios with the floor marked; the tables behind a disclosure', async () => {
    await goto('#/performance');
    await page.waitForSelector('[data-testid=perf-chart]');
    const charts = await page.locator('[data-testid=perf-chart]').count();
    const open = await page.$$eval('[data-testid=performance] details', (ds) => ds.filter((d) => d.open).length);
    const visibleRows = await page.$$eval('[data-testid=performance] tbody tr', (rs) => rs.filter((r) => r.closest('details')?.open !== false).length);
    const legend = await page.locator('[data-testid=performance] .legend li').allTextContents();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert(charts >= 3, `${charts} charts`);
    assert(open === 0 && visibleRows === 0, `${open} tables open, ${visibleRows} rows visible`);
    assert(legend.some((t) => t.startsWith('floor')), 'floor not in the legend');
    await shot('12-performance');
    return `${charts} charts, page height ${height} px`;
  });

  await check('search over entries and the API; API pages with signatures and source links', async () => {
    await goto('#/');
    await page.fill('[data-testid=search]', 'focal');
    await page.waitForSelector('[data-testid=search-list] li');
    const hits = await page.locator('[data-testid=search-list] li').allTextContents();
    assert(hits.some((t) => t.startsWith('entry')) && hits.some((t) => t.startsWith('api')), `hits ${hits.slice(0, 5)}`);
    await page.press('[data-testid=search]', 'Enter');
    await page.waitForSelector('[data-testid=search-results] li');
    await shot('13-search');
    await page.evaluate(() => { location.hash = '#/api/losses/focal'; });
    await page.waitForSelector('[data-testid=api-page][data-loaded] [data-testid=api-signature]');
    const sig = await page.textContent('[data-testid=api-signature]');
    assert(/focal\(options\?: FocalOptions\)/.test(sig ?? ''), `signature ${sig}`);
    await shot('14-api-page');
    await page.click('[data-testid=source-link]');
    await page.waitForSelector('[data-testid=source-code] .line.hl');
    const line = await page.textContent('[data-testid=source-code] .line.hl');
    assert(/function focal/.test(line ?? ''), `highlighted source line: ${line}`);
    await shot('15-source');
    await goto('#/api');
    await page.waitForSelector('[data-testid=api-link]');
    const n = await page.locator('[data-testid=api-link]').count();
    assert(n > 500, `${n} exports listed`);
    await shot('16-api-index');
    return `${hits.length} quick hits for "focal"; ${n} exports in the API index; signature ${sig}`;
  });

  await check('guide: every live example computes, the named parts are reported', async () => {
    await goto('#/guide');
    await page.waitForFunction(() => [...document.querySelectorAll('.live-example [data-testid$=-value]')].every((v) => v.hasAttribute('data-value')));
    const n = await page.locator('.live-example').count();
    const parts = await page.textContent('[data-testid=guide-named]');
    assert(n >= 6, `${n} live examples`);
    assert(/named parts: ce = .*square = /.test(parts ?? ''), `parts: ${parts}`);
    await page.fill('[data-testid=guide-squentropy-input]', 'ce().plus(square())');
    await page.waitForSelector('[data-testid=guide-squentropy] .error:not([hidden])');
    await shot('17-guide');
    return `${n} live examples`;
  });

  await check('Export tab: the expression as a PyTorch and a NumPy module, a copy button, the guide', async () => {
    const before = consoleErrors.length;
    await goto('#/export?e=' + encodeURIComponent('focal({ gamma: 2 }).plus(square().incorrect().named("sq"))'));
    await page.waitForFunction(() => document.querySelector('[data-testid=export-code]')?.textContent.includes('class LosskitLoss(nn.Module)'));
    const py = await page.textContent('[data-testid=export-code]');
    assert(py.includes('#   focal({ gamma: 2 }).plus(square().incorrect().named("sq"))'), 'no DSL source in the header');
    assert(py.includes("PARTS = {'sq': 'sample'}"), 'named part missing');
    await page.selectOption('[data-testid=export-target]', 'numpy');
    await page.selectOption('[data-testid=export-reduction]', 'sum');
    await page.waitForFunction(() => document.querySelector('[data-testid=export-code]')?.textContent.includes('import numpy as np'));
    const np = await page.textContent('[data-testid=export-code]');
    assert(np.includes("REDUCTION = 'sum'") && !np.includes('import torch'), 'numpy module wrong');
    const cmd = await page.textContent('[data-testid=export-command]');
    assert(cmd.startsWith("losskit export --to numpy --reduction sum 'focal("), `command ${cmd}`);
    assert((await page.locator('[data-testid=export-copy]').count()) === 1, 'no copy button');
    await shot('13-export');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('square()');
    await page.waitForFunction(() => !document.querySelector('[data-testid=export-error]')?.hidden);
    const code = await page.getAttribute('[data-testid=export-error]', 'data-code');
    assert(code === 'LEVEL_MISMATCH', `error code ${code}`);
    await page.click('[data-testid=export-guide]');
    await page.waitForSelector('[data-testid=guide] h1');
    const title = await page.textContent('[data-testid=guide] h1');
    assert(title === 'From the browser to a cluster', `guide title ${title}`);
    assert(consoleErrors.length === before, consoleErrors.slice(before).join(' | '));
    return 'PyTorch and NumPy modules, LEVEL_MISMATCH inline, guide renders';
  });

  // Walk the catalogs through the site: every package page, then every entry page it links (hash navigation, no reload).
  const entryLinks = [];
  await check('every package page renders without console errors', async () => {
    const before = consoleErrors.length;
    await goto('#/');
    const hrefs = await page.$$eval('.card', (as) => as.map((a) => a.getAttribute('href')));
    for (const href of hrefs) {
      await page.evaluate((hh) => { location.hash = hh; }, href);
      await page.waitForFunction((hh) => location.hash === hh && document.querySelector('[data-testid=package-page]'), href);
      entryLinks.push(...(await page.$$eval('[data-testid=entry-link]', (as) => as.map((a) => a.getAttribute('href')))));
    }
    await shot('10-package');
    assert(consoleErrors.length === before, consoleErrors.slice(before).join(' | '));
    return `${hrefs.length} packages, ${entryLinks.length} catalog entries`;
  });

  const openLinks = [];
  await check('every catalog entry page renders and its Try-it runs its own worked example (no entry throws)', async () => {
    const before = consoleErrors.length;
    const bad = [];
    const kinds = {};
    for (const [k, href] of entryLinks.entries()) {
      const t0 = Date.now();
      await page.evaluate((hh) => { location.hash = hh; }, href);
      await page.waitForFunction((hh) => location.hash === hh && document.querySelector('[data-testid=entry-page]'), href);
      const ok = await page.evaluate(() => {
        const f = document.querySelector('[data-testid=entry-formula]');
        return !!f?.querySelector('.katex') && !f.querySelector('.katex-error') && !!document.querySelector('[data-testid=entry-example]')?.textContent && !!document.querySelector('[data-testid=entry-api]');
      });
      if (!ok) bad.push(`${href}: page incomplete`);
      counts.tryTotal++;
      await page.waitForFunction(() => ['ok', 'error', 'unavailable'].includes(document.querySelector('[data-testid=entry-value]')?.dataset.state ?? ''), undefined, { timeout: 60_000 });
      const [state, kind, text] = await page.evaluate(() => { const o = document.querySelector('[data-testid=entry-value]'); return [o.dataset.state, o.dataset.kind, o.textContent]; });
      if (state === 'ok') { counts.tryRan++; kinds[kind] = (kinds[kind] ?? 0) + 1; }
      else if (state === 'unavailable') counts.tryUnavailable++;
      else bad.push(`${href}: ${text?.slice(0, 160)}`);
      const open = (await page.locator('[data-testid=entry-open]').count()) ? await page.getAttribute('[data-testid=entry-open]', 'href') : null;
      if (open) openLinks.push(open);
      if (Date.now() - t0 > 5000) console.log(`  (slow entry page: ${href} ${Date.now() - t0} ms)`);
      if (k < 2) await shot(`11-entry-${k + 1}`);
    }
    await page.evaluate(() => { location.hash = '#/entry/losses/ldam'; });
    await page.waitForFunction(() => document.querySelector('[data-testid=entry-value]')?.dataset.state === 'ok');
    await shot('11-entry-ldam');
    assert(bad.length === 0, `${bad.length} entries failed: ${bad.join(' || ')}`);
    assert(consoleErrors.length === before, consoleErrors.slice(before).join(' | '));
    return `Try-it runs on ${counts.tryRan} of ${counts.tryTotal} catalog pages (${counts.tryUnavailable} say why they cannot run in a browser); kinds ${JSON.stringify(kinds)}`;
  });

  await check('"Open in the playground" runs each loss entry’s own example (its parameters and inputs) in the playground', async () => {
    const bad = [];
    for (const href of openLinks) {
      counts.openTotal++;
      await page.evaluate((hh) => { location.hash = hh.replace(/^.*#/, '#'); }, href);
      const expr = decodeURIComponent(/[?&]e=([^&]*)/.exec(href)?.[1] ?? '');
      await page.waitForFunction((t) => { const s = document.querySelector('[data-testid=play-status]'); return s && (s.textContent === 'ok' || s.textContent === 'error') && s.getAttribute('data-for') === t; }, expr, { timeout: 60_000 });
      const st = await page.textContent('[data-testid=play-status]');
      if (st === 'ok') counts.openRan++;
      else bad.push(`${href}: ${(await page.textContent('[data-testid=error]'))?.slice(0, 160)}`);
    }
    await page.evaluate(() => { location.hash = '#/play?e=kd()&entry=losses/hinton-kd'; });
    await waitStatus('ok', 'kd()');
    // A catalog parameter left at its default is one click away from a slider.
    await page.click('[data-testid=add-param-temperature]');
    await waitStatus('ok', 'kd({ temperature: 4 })');
    assert((await page.locator('[data-testid=slider-0]').count()) === 1, 'no temperature slider');
    await shot('03-play-kd');
    assert(bad.length === 0, `${bad.length} failed: ${bad.join(' || ')}`);
    return `${counts.openRan} of ${counts.openTotal} loss entries run in the playground`;
  });

  await check('every view is usable at 390 px: no horizontal overflow (screenshots at 390 and 1280)', async () => {
    const views = [['home', '#/'], ['guide', '#/guide'], ['api', '#/api/core'], ['api-page', '#/api/core/compile'], ['package', '#/pkg/losses'], ['entry', '#/entry/losses/focal'], ['entry-optimizer', '#/entry/optimizers/adam'], ['search', '#/search?q=entropy'],
      ['play', '#/play?e=focal({ gamma: 2 }).plus(square().incorrect().scale(0.5))'], ['train', '#/train?steps=30'], ['calibration', '#/calibration'], ['scaling', '#/scaling'], ['performance', '#/performance'], ['source', '#/source/packages/core/src/compile.ts?L=131'], ['pruning', '#/pruning'], ['ood', '#/ood']];
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await narrow.route('**/*', (route) => (route.request().url().startsWith(base) || /^(data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));
    const np = await narrow.newPage();
    np.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`390px: ${m.text()}`); });
    np.on('pageerror', (e) => consoleErrors.push(`390px pageerror: ${e.message}`));
    await np.goto(`${base}#/`);
    await np.waitForSelector('body[data-ready]');
    const over = [];
    const badPlots = [];
    let plotCount = 0;
    for (const [name, hash] of views) {
      counts.narrowTotal++;
      await np.evaluate((hh) => { location.hash = hh; }, hash);
      await np.waitForFunction(() => document.querySelector('main h1'));
      await np.waitForTimeout(name === 'play' || name === 'home' || name === 'guide' ? 1200 : 500);
      const [sw, vw] = await np.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (sw <= vw + 1) counts.narrowOk++;
      else over.push(`${name} ${sw}px`);
      // Plots: alt text on every canvas, and a backing store at devicePixelRatio 2 (crisp), sized to the container.
      const plots = await np.$$eval('canvas[data-drawn]', (cs) => cs.map((c) => ({ alt: c.getAttribute('aria-label') ?? '', role: c.getAttribute('role'), w: c.width, cw: c.getBoundingClientRect().width, pw: c.parentElement.getBoundingClientRect().width })));
      for (const p of plots) {
        if (p.role !== 'img' || p.alt.length < 15) badPlots.push(`${name}: canvas without alt text`);
        if (Math.abs(p.w - 2 * Math.round(p.cw)) > 2) badPlots.push(`${name}: backing store ${p.w} px for ${p.cw} css px at dpr 2`);
        if (p.cw > p.pw + 1) badPlots.push(`${name}: canvas ${p.cw} px wider than its container ${p.pw} px`);
      }
      plotCount += plots.length;
      // Study figures inlined as SVG (the OOD page): labelled, and no wider than their container.
      const svgs = await np.$$eval('main figure.study-svg svg', (ss) => ss.map((s) => ({ alt: s.getAttribute('aria-label') ?? '', role: s.getAttribute('role'), w: s.getBoundingClientRect().width, pw: s.closest('figure').getBoundingClientRect().width })));
      for (const p of svgs) {
        if (p.role !== 'img' || p.alt.length < 15) badPlots.push(`${name}: svg figure without alt text`);
        if (p.w > p.pw + 1 || p.w < 100) badPlots.push(`${name}: svg ${p.w} px in a ${p.pw} px figure`);
      }
      plotCount += svgs.length;
      await np.evaluate(() => window.scrollTo(0, 0));
      await np.screenshot({ path: join(shots, `390-${name}.png`), fullPage: true });
      // The same view at 1280 px.
      await page.evaluate((hh) => { location.hash = hh; }, hash);
      await page.waitForFunction(() => document.querySelector('main h1'));
      await page.waitForTimeout(name === 'play' || name === 'home' || name === 'guide' ? 1200 : 500);
      await shot(`1280-${name}`);
    }
    const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const dp = await dark.newPage();
    await dp.goto(`${base}#/play?e=focal({ gamma: 2 })`);
    await dp.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok');
    await dp.screenshot({ path: join(shots, 'dark-play.png'), fullPage: true });
    // Dark mode reaches the plots: the curve's background is the dark surface, not white.
    const px = await dp.evaluate(() => Array.from(document.querySelector('[data-testid=curve]').getContext('2d').getImageData(3, 3, 1, 1).data));
    if (px[0] > 80 || px[1] > 80 || px[2] > 80) badPlots.push(`dark mode: plot background rgb(${px.slice(0, 3)})`);
    await dark.close();
    await narrow.close();
    assert(over.length === 0, `horizontal overflow at 390 px: ${over.join(', ')}`);
    assert(badPlots.length === 0, badPlots.slice(0, 5).join(' | '));
    return `${counts.narrowOk} of ${counts.narrowTotal} views have no horizontal overflow at 390 px; ${plotCount} plots with alt text, crisp at devicePixelRatio 2 and inside their containers; dark mode reaches the plots`;
  });

  await check('OOD page: bar chart of mean AUROC / FPR95 ± sd per score, the per-digit table, 5 score histograms and the landscape slice, linked from the ood and diagnostics pages', async () => {
    const study = JSON.parse(readFileSync(new URL('../../ood-study/results.json', import.meta.url), 'utf8'));
    const methods = Object.keys(study.results[0].methods);
    await goto('#/ood');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ood-plot]')?.getAttribute('data-drawn') ?? 0) > 0);
    const alt = (await page.getAttribute('[data-testid=ood-plot]', 'aria-label')) ?? '';
    const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
    for (const m of methods) {
      const auc = (100 * mean(study.results.map((r) => r.methods[m].auroc))).toFixed(1);
      assert(alt.includes(`${m} AUROC ${auc}%`), `bar chart alt text lacks "${m} AUROC ${auc}%": ${alt.slice(0, 200)}`);
    }
    const legend = await page.locator('[data-testid=ood-view] ul.legend li').allTextContents();
    assert(legend.some((t) => /sd/.test(t)) && legend.length === 3, `legend ${legend.join(', ')}`);
    const rows = await page.locator('[data-testid=ood-table] tbody tr').count();
    assert(rows === study.results.length + 1, `${rows} table rows for ${study.results.length} held-out digits + mean`);
    const hists = await page.locator('[data-testid=ood-histograms] figure svg').count();
    assert(hists === methods.length, `${hists} histograms for ${methods.length} scores`);
    assert((await page.locator('[data-testid=ood-landscape] svg').count()) === 1, 'no landscape slice');
    assert(/pnpm study:ood/.test((await page.textContent('[data-testid=ood-view]')) ?? ''), 'no regeneration note');
    await shot('ood');
    for (const pkg of ['ood', 'diagnostics']) {
      await goto(`#/pkg/${pkg}`);
      await page.waitForSelector('[data-testid=package-page]');
      assert((await page.getAttribute('[data-testid=study-link]', 'href')) === '#/ood', `@losskit/${pkg} page does not link #/ood`);
    }
    return `${methods.length} scores over ${study.results.length} held-out digits; ${hists} histograms and the landscape slice`;
  });

  // Fused kernels in the browser (fusion.html drives src/fusion-lab.ts): each expression compiled fused is
  // compared with its unfused compile (per-sample values and gradients, integer labels and one-hot targets,
  // C ∈ {3, 10, 37, 64}, and C = 37 with logits near ±1e4; targets: labels, one-hot, labels with packed
  // logits; on WebGL, C = 10 / 37 / 64 exercise the vec4
  // sweep with 2 / 1 / 0 tail classes); closeness = worst |a - b| / (1e-5·|b| + 1e-6·max|b|) must stay below 1.
  const fusionPage = await context.newPage();
  fusionPage.on('console', (m) => m.type() === 'error' && !m.text().includes('favicon') && consoleErrors.push(`fusion: ${m.text()}`));
  for (const [backend, engine] of [['webgl', 'webgl'], ['webgpu', 'webgpu'], ['wasm', 'wasm-simd from C = 32, JS kernel below']]) {
    await check(`fused ${backend} kernels (${engine}) agree with the unfused path and with core's float64 DSL interpreter for 12 expressions (two of them selects), no leaks, no double-counted saved logits`, async () => {
      await fusionPage.goto(`${base}fusion.html`);
      await fusionPage.waitForFunction(() => document.getElementById('out')?.dataset.ready === '1', null, { timeout: 60_000 });
      const r = await fusionPage.evaluate((b) => window.losskitFusion.check(b), backend);
      assert(r.backend === backend, `backend ${r.backend}`);
      // WASM: SIMD sweeps from C = 32 on (the JS kernel below); every vector node of these expressions has a
      // SIMD form (StableMax's log included).
      const expected = (row) => (backend !== 'wasm' ? backend : row.C >= 32 ? 'wasm-simd' : 'js');
      const wrongEngine = r.rows.filter((row) => row.engine !== expected(row));
      // f64: closeness to the float64 reference at float32 tolerance (1e-5 relative + 1e-5 of the largest entry).
      const bad = r.rows.filter((row) => !(row.perSample < 1 && row.grad < 1 && row.f64 < 1 && row.finite));
      assert(wrongEngine.length === 0, `engines: ${wrongEngine.map((row) => `${row.name}=${row.engine}`).join(', ')}`);
      assert(bad.length === 0, bad.map((row) => JSON.stringify(row)).join(' | '));
      assert(r.leaked === 0, `${r.leaked} tensors leaked`);
      // The kept logits are not counted again by tf.memory() (a clone would add B·C·4 bytes). The SIMD kernel
      // allocates the [B, C] gradient during the forward pass (it leaves exp(z − max z) in it): that one is real.
      const grad = r.held.engine === 'wasm-simd' ? r.held.logitsBytes : 0;
      assert(r.held.added - grad < r.held.logitsBytes, `the taped forward pass (${r.held.engine}) added ${r.held.added} bytes (gradient buffer ${grad}); a copy of the logits is ${r.held.logitsBytes}`);
      const worst = Math.max(...r.rows.map((row) => Math.max(row.perSample, row.grad)));
      const worstLarge = Math.max(...r.rows.filter((row) => row.scale > 1).map((row) => Math.max(row.perSample, row.grad)));
      const worst64 = Math.max(...r.rows.map((row) => row.f64));
      return `${r.rows.length} comparisons, worst closeness ${worst.toFixed(3)} (±1e4 logits: ${worstLarge.toFixed(3)}), to float64 ${worst64.toFixed(3)}; taped forward pass +${r.held.added} bytes (logits ${r.held.logitsBytes})`;
    });
  }

  // linearCrossEntropy's WGSL passes (logits, loss and ∂l/∂z in one dispatch per row, then ∂/∂weight and ∂/∂hidden)
  // against the dense path on WebGPU (tf.matMul + compile(expr)) and core's float64 DSL interpreter: 6 expressions,
  // V ∈ {3, 10, 37} and V = 37 with logits near ±1e4, loss and both gradients within 1e-5 relative + 1e-5 of the largest entry.
  await check('linearCrossEntropy on WebGPU runs its WGSL passes and agrees with tf.matMul + compile(expr) and with float64, ±1e4 logits included, no leaks', async () => {
    await fusionPage.goto(`${base}fusion.html`);
    await fusionPage.waitForFunction(() => document.getElementById('out')?.dataset.ready === '1', null, { timeout: 60_000 });
    const r = await fusionPage.evaluate(() => window.losskitFusion.checkLinear('webgpu'));
    assert(r.backend === 'webgpu', `backend ${r.backend}`);
    assert(r.wgslRan, 'no losskit linear WGSL program ran');
    const bad = r.rows.filter((row) => !(row.dense < 1 && row.f64 < 1 && row.finite));
    assert(bad.length === 0, bad.map((row) => JSON.stringify(row)).join(' | '));
    assert(r.leaked === 0, `${r.leaked} tensors leaked`);
    const worst = (k, large) => Math.max(...r.rows.filter((row) => (row.scale > 1) === large).map((row) => row[k]));
    return `${r.rows.length} comparisons, worst closeness to the dense path ${worst('dense', false).toFixed(3)} (±1e4 logits: ${worst('dense', true).toFixed(3)}), to float64 ${Math.max(worst('f64', false), worst('f64', true)).toFixed(3)}`;
  });

  console.log(`\nCOUNTS: Try-it runs on ${counts.tryRan}/${counts.tryTotal} catalog pages (${counts.tryUnavailable} unavailable in a browser); Open in the playground runs ${counts.openRan}/${counts.openTotal}; views without horizontal overflow at 390 px: ${counts.narrowOk}/${counts.narrowTotal}; console errors: ${consoleErrors.length}`);
  console.log(`TIMINGS (Chromium, WASM): cold load to first plot ${timings.coldLoadToFirstPlotMs} ms; keystroke to updated plots ${timings.keystrokeToPlotMs?.toFixed(1)} ms after the debounce; slider drag to redraw ${timings.sliderToRedrawMs?.toFixed(1)} ms (median of 6 drags; max ${timings.sliderToRedrawMaxMs?.toFixed(1)} ms); machine load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs`);
  Object.assign(summaryOut, { counts, timings, consoleErrors: consoleErrors.length });
  await check('no console errors and no request outside localhost during the run', async () => {
    assert(external.length === 0, `external requests: ${external.slice(0, 5).join(', ')}`);
    assert(consoleErrors.length === 0, consoleErrors.slice(0, 5).join(' | '));
  });
} finally {
  await browser.close();
  server.close();
}
finish();
