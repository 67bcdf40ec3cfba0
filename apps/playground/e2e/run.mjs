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
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
let passed = 0;
let failed = 0;
function record(name, ok, detail = '') {
  checks.push({ name, ok, detail });
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
}
async function check(name, fn) {
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
  const report = { passed, failed, checks, seconds: Math.round((Date.now() - started) / 1000), screenshots: shots };
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
  await check('site loads: header, backend and one card per package', async () => {
    await goto('#/');
    const cards = await page.locator('.card').count();
    const backend = await page.getAttribute('[data-testid=backend]', 'data-backend');
    assert(cards === 7, `expected 7 package cards, got ${cards}`);
    assert(backend === 'wasm', `expected the wasm backend by default, got ${backend}`);
    await shot('01-home');
    return `backend ${await page.textContent('[data-testid=backend]')}`;
  });

  await check('editor offers completions from the exported terms', async () => {
    await goto('#/play');
    await page.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('squ');
    await page.waitForSelector('.cm-tooltip-autocomplete');
    const items = await page.locator('.cm-tooltip-autocomplete li').allTextContents();
    assert(items.some((t) => t.includes('square')), `no "square" completion in ${items.join(', ')}`);
    await shot('02-completions');
    return `${items.length} completions`;
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
      const hasPlots = await page.evaluate(() => {
        const c = document.querySelector('[data-testid=surface]');
        const d = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data;
        return d[3] === 255 && !(d[0] === 255 && d[1] === 255 && d[2] === 255);
      });
      assert(hasPlots, 'the loss surface was not drawn');
      await shot(`03-play-${i + 1}`);
      return `browser ${v} vs Node ${ref.value}`;
    });
  }

  await check('shareable URL restores the expression and the value', async () => {
    const text = EXPRESSIONS[1];
    const url = page.url();
    assert(url.includes('e='), `URL does not encode the expression: ${url}`);
    const p2 = await context.newPage();
    p2.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await p2.goto(url);
    await p2.waitForFunction(() => document.querySelector('[data-testid=play-status]')?.textContent === 'ok');
    const doc = await p2.textContent('.cm-content');
    const v = Number(await p2.getAttribute('[data-testid=loss-value]', 'data-value'));
    await p2.close();
    assert(doc === text, `editor has ${doc}`);
    assert(relErr(v, nodeValue(text).value) <= 1e-4, `value ${v}`);
  });

  await check('level error shows inline with the LosskitError code and message', async () => {
    await setExpression('ce().plus(square())');
    await waitStatus('error');
    const msg = await page.textContent('[data-testid=error]');
    const code = await page.getAttribute('[data-testid=error]', 'data-code');
    const marked = await page.locator('.cm-dsl-error').count();
    assert(code === 'LEVEL_MISMATCH', `code ${code}`);
    assert(/class-level/.test(msg ?? ''), `message: ${msg}`);
    assert(marked > 0, 'no inline error mark in the editor');
    await shot('04-error-level');
    return msg ?? '';
  });

  await check('bad hyperparameter shows INVALID_PARAMETER', async () => {
    await setExpression('ce({ labelSmoothing: 2 })');
    await waitStatus('error');
    const code = await page.getAttribute('[data-testid=error]', 'data-code');
    assert(code === 'INVALID_PARAMETER', `code ${code}`);
    return (await page.textContent('[data-testid=error]')) ?? '';
  });

  await check('arbitrary JavaScript is rejected (no globals reachable)', async () => {
    for (const bad of ['window.alert(1)', "ce()['constructor']['constructor']('return 1')()", 'ce().constructor', 'x = 1']) {
      await setExpression(bad);
      await waitStatus('error');
      const msg = await page.textContent('[data-testid=error]');
      assert(msg && !msg.includes('LosskitError'), `unexpected message for ${bad}`);
    }
    await shot('05-error-js');
  });

  await check('switch backend to WASM, WebGL and WebGPU (offered where navigator.gpu exists): same loss to 1e-4', async () => {
    const text = EXPRESSIONS[0];
    const ref = nodeValue(text).value;
    await setExpression(text);
    await readValue();
    // A backend switch re-renders the view; wait for the value computed on the new backend.
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

  await check('50 training steps lower the loss (loss A and loss B side by side)', async () => {
    await goto('#/train?steps=50&e=ce().plus(square().incorrect())&cmp=ce()');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => /done|stopped|error/.test(document.querySelector('[data-testid=train-status]')?.textContent ?? ''), undefined, { timeout: 90_000 });
    const status = await page.textContent('[data-testid=train-status]');
    const get = async (id) => Number(await page.getAttribute(`[data-testid=${id}]`, 'data-value'));
    const [fa, la, fb, lb] = [await get('loss-first-a'), await get('loss-last-a'), await get('loss-first-b'), await get('loss-last-b')];
    const steps = await page.textContent('[data-testid=step-a]');
    const acc = await get('accuracy-a');
    const opt = await page.textContent('[data-testid=optimizer-label]');
    await shot('07-train');
    assert(status === 'done', `status ${status}`);
    assert(steps === '50', `steps ${steps}`);
    assert(la < fa && lb < fb, `A ${fa} → ${la}, B ${fb} → ${lb}`);
    return `A ${fa.toFixed(4)} → ${la.toFixed(4)} (acc ${(acc * 100).toFixed(1)}%), B ${fb.toFixed(4)} → ${lb.toFixed(4)}; ${opt}`;
  });

  await check('stop button stops a long run', async () => {
    await goto('#/train?steps=5000');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step-a]')?.textContent) >= 10);
    await page.click('[data-testid=stop]');
    await page.waitForFunction(() => document.querySelector('[data-testid=train-status]')?.textContent === 'stopped');
    const steps = Number(await page.textContent('[data-testid=step-a]'));
    assert(steps < 5000, `ran ${steps} steps`);
    return `stopped after ${steps} steps`;
  });

  await check('calibration and scaling views render without errors', async () => {
    const before = consoleErrors.length;
    await page.click('nav a[data-route=calibration]');
    await page.waitForSelector('[data-testid=calibration-view]');
    await shot('08-calibration');
    assert((await page.locator('[data-testid=calibration-missing]').count()) === 0, 'calibration view: package API missing');
    const cal = `calibration: ${await page.textContent('[data-testid=calibration-detail]')}`;
    await page.click('nav a[data-route=scaling]');
    await page.waitForSelector('[data-testid=scaling-view]');
    assert((await page.locator('[data-testid=scaling-fit]').count()) === 1, 'scaling view: package API missing (no fit button)');
    await page.click('[data-testid=scaling-fit]');
    await page.waitForSelector('[data-testid=scaling-result] p');
    const opt = await page.locator('[data-testid=scaling-optimal]').count();
    assert(opt === 1, `scaling fit failed: ${await page.textContent('[data-testid=scaling-result]')}`);
    const scal = `scaling: ${await page.textContent('[data-testid=scaling-optimal]')}`;
    await shot('09-scaling');
    assert(consoleErrors.length === before, consoleErrors.slice(before).join(' | '));
    return `${cal}; ${scal}`;
  });

  // Walk the catalogs through the site: every package page, then every entry page it links.
  const entryLinks = [];
  await check('performance page shows the bench tables, fused-kernel targets first', async () => {
    await goto('#/performance');
    await page.waitForSelector('[data-testid=performance] table');
    const summaries = await page.$$eval('[data-testid=performance] summary', (els) => els.map((e) => e.textContent));
    const rows = await page.$$eval('[data-testid=performance] tbody tr', (els) => els.length);
    assert(summaries[0]?.startsWith('fusion targets'), `first table: ${summaries[0]}`);
    assert(rows > 50, `${rows} rows`);
    await shot('12-performance');
    return `${summaries.length} tables, ${rows} rows`;
  });

  await check('every package page renders without console errors', async () => {
    const before = consoleErrors.length;
    await goto('#/');
    const hrefs = await page.$$eval('.card', (as) => as.map((a) => a.getAttribute('href')));
    for (const href of hrefs) {
      await page.goto(`${base}${href}`);
      await page.waitForSelector('[data-testid=package-page]');
      entryLinks.push(...(await page.$$eval('[data-testid=entry-link]', (as) => as.map((a) => a.getAttribute('href')))));
    }
    await shot('10-package');
    assert(consoleErrors.length === before, consoleErrors.slice(before).join(' | '));
    return `${hrefs.length} packages, ${entryLinks.length} catalog entries`;
  });

  await check(`every catalog entry page renders (formula, params, example) without console errors, and its Try-it gives a finite value or a typed LosskitError`, async () => {
    const before = consoleErrors.length;
    const bad = [];
    const notRunnable = [];
    let ran = 0;
    for (const [k, href] of entryLinks.entries()) {
      await page.goto(`${base}${href}`);
      await page.waitForSelector('[data-testid=entry-page]');
      const ok = await page.evaluate(() => {
        const f = document.querySelector('[data-testid=entry-formula]');
        return !!f?.querySelector('.katex') && !f.querySelector('.katex-error') && !!document.querySelector('[data-testid=entry-example]')?.textContent;
      });
      if (!ok) bad.push(href);
      if (await page.locator('[data-testid=entry-run]').count()) {
        await page.click('[data-testid=entry-run]');
        const out = (await page.textContent('[data-testid=entry-value]')) ?? '';
        const cls = await page.getAttribute('[data-testid=entry-value]', 'class');
        // A builder that needs arguments or extra inputs reports its LosskitError; a value must be finite.
        if (cls === 'ok') {
          if (!Number.isFinite(Number(out.replace('loss = ', '')))) bad.push(`${href}: ${out}`);
          else ran++;
        } else if (cls !== 'error' || !out) bad.push(`${href}: no output`);
        else if ((await page.getAttribute('[data-testid=entry-value]', 'data-code')) === 'untyped') bad.push(`${href}: untyped error: ${out}`);
        else notRunnable.push(href.split('/').pop());
      }
      if (k < 3) await shot(`11-entry-${k + 1}`);
    }
    assert(bad.length === 0, `bad pages: ${bad.join(', ')}`);
    assert(consoleErrors.length === before, consoleErrors.slice(before).join(' | '));
    return `${entryLinks.length} entry pages; ${ran} builders ran with defaults on the example batch${notRunnable.length ? `; needing arguments or inputs: ${notRunnable.join(', ')}` : ''}`;
  });

  // Fused kernels in the browser (fusion.html drives src/fusion-lab.ts): each expression compiled fused is
  // compared with its unfused compile (per-sample values and gradients, integer labels and one-hot targets,
  // C ∈ {3, 10, 37, 64}, and C = 37 with logits near ±1e4; targets: labels, one-hot, labels with packed
  // logits; on WebGL, C = 10 / 37 / 64 exercise the vec4
  // sweep with 2 / 1 / 0 tail classes); closeness = worst |a - b| / (1e-5·|b| + 1e-6·max|b|) must stay below 1.
  const fusionPage = await context.newPage();
  fusionPage.on('console', (m) => m.type() === 'error' && !m.text().includes('favicon') && consoleErrors.push(`fusion: ${m.text()}`));
  for (const [backend, engine] of [['webgl', 'webgl'], ['webgpu', 'webgpu'], ['wasm', 'wasm-simd from C = 32, JS kernel below']]) {
    await check(`fused ${backend} kernels (${engine}) agree with the unfused path and with core's float64 DSL interpreter for 10 expressions, no leaks`, async () => {
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
      const worst = Math.max(...r.rows.map((row) => Math.max(row.perSample, row.grad)));
      const worstLarge = Math.max(...r.rows.filter((row) => row.scale > 1).map((row) => Math.max(row.perSample, row.grad)));
      const worst64 = Math.max(...r.rows.map((row) => row.f64));
      return `${r.rows.length} comparisons, worst closeness ${worst.toFixed(3)} (±1e4 logits: ${worstLarge.toFixed(3)}), to float64 ${worst64.toFixed(3)}`;
    });
  }

  await check('no console errors and no request outside localhost during the run', async () => {
    assert(external.length === 0, `external requests: ${external.slice(0, 5).join(', ')}`);
    assert(consoleErrors.length === 0, consoleErrors.slice(0, 5).join(' | '));
  });
} finally {
  await browser.close();
  server.close();
}
finish();
