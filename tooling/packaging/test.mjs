#!/usr/bin/env node
// `pnpm test:packaging`: proves every package installs alone from npm-style tarballs and works in a fresh
// project the way a new user meets it: tarball contents and manifests, Node ESM, CommonJS require, TypeScript
// (bundler and node16 resolution, every entry point), each package README's first example run as written (docs
// examples as tests), a tree-shaken squentropy bundle, a Vite browser bundle on WASM and WebGL in headless Chromium,
// install/bundle sizes, and the pending changesets release (versions move together, CHANGELOG.md per package).
// Writes `{ passed, failed, sizes }` to --report <file> and prints each check; --keep leaves the temp project.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reportPath = process.argv.includes('--report') ? process.argv[process.argv.indexOf('--report') + 1] : undefined;
const keep = process.argv.includes('--keep');
const results = [];
const sizes = {};

async function check(name, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name}${note ? ` — ${note}` : ''} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: `${String(e?.stack ?? e)}\n${e?.stdout ?? ''}${e?.stderr ?? ''}`.trim() });
    // execFileSync errors carry the child's stderr; show its tail (pnpm and npm put the reason there).
    const output = `${e?.stdout ?? ''}\n${e?.stderr ?? ''}`.trim();
    const detail = `${String(e?.message ?? e).split('\n').slice(0, 12).join('\n')}${output ? `\n${output.split('\n').slice(-6).join('\n')}` : ''}`;
    console.log(`  ✗ ${name}\n    ${detail.split('\n').join('\n    ')}`);
  }
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
const sh = (cmd, args, cwd, opts = {}) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });

const packages = readdirSync(join(root, 'packages')).filter((p) => existsSync(join(root, 'packages', p, 'package.json')));
const work = mkdtempSync(join(tmpdir(), 'losskit-packaging-'));
const tarDir = join(work, 'tarballs');
mkdirSync(tarDir);
console.log(`packaging test in ${work}`);

// 1-2. Pack each package (pnpm rewrites workspace: ranges) and check the tarball's contents and manifest.
// One check per package, so a package that does not build or pack does not hide the others.
const tarballs = {};
for (const p of packages) {
  await check(`@losskit/${p}: pnpm pack gives a tarball with only dist, README, LICENSE and a publishable package.json`, () => {
    const dir = join(root, 'packages', p);
    assert(existsSync(join(dir, 'dist', 'index.js')), 'not built (run pnpm build)');
    const dest = join(tarDir, p);
    mkdirSync(dest);
    sh('pnpm', ['pack', '--pack-destination', dest], dir);
    const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
    assert(tgz, 'pnpm pack wrote no tarball');
    tarballs[p] = join(dest, tgz);
    sizes[p] = { tarballBytes: statSync(tarballs[p]).size };
    const files = sh('tar', ['-tzf', tarballs[p]], work).trim().split('\n');
    const bad = files.filter((f) => !/^package\/(dist\/|vendor\/|bin\/|README\.md$|LICENSE$|CHANGELOG\.md$|package\.json$)/.test(f));
    assert(bad.length === 0, `unexpected files: ${bad.slice(0, 5).join(', ')}`);
    assert(files.includes('package/README.md') && files.includes('package/LICENSE'), 'README.md or LICENSE missing');
    assert(!files.some((f) => /\/test\/|\.test\.|\/src\//.test(f)), 'tests or sources shipped');
    // Sources are not shipped, so a source map is only useful if it embeds them (bundlers warn on dangling maps).
    const map = files.find((f) => f.endsWith('.map'));
    if (map) assert(JSON.parse(sh('tar', ['-xzOf', tarballs[p], map], work)).sourcesContent, `${map} points at sources that are not shipped`);
    const pj = JSON.parse(sh('tar', ['-xzOf', tarballs[p], 'package/package.json'], work));
    const text = JSON.stringify(pj);
    assert(!text.includes('workspace:'), 'workspace: protocol left in package.json');
    assert(pj.type === 'module' && pj.exports?.['.']?.types && pj.exports?.['.']?.default, 'exports map with types/default missing');
    assert(pj.types, 'types missing');
    assert(pj.engines?.node === '>=20', 'engines.node must be >=20');
    assert('sideEffects' in pj, 'sideEffects not declared');
    // Every file the manifest points at (exports, imports, types, main, bin) is in the tarball.
    const targets = [pj.main, pj.types, ...Object.values(pj.bin ?? {})];
    const walk = (v) => (typeof v === 'string' ? targets.push(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
    walk(pj.exports);
    walk(pj.imports);
    const missing = targets.filter((t) => t && !t.includes('*') && !files.includes(`package/${t.replace(/^\.\//, '')}`));
    assert(missing.length === 0, `manifest points at files not in the tarball: ${missing.join(', ')}`);
    if (p !== 'scaling' && p !== 'errors') {
      assert(pj.peerDependencies?.['@tensorflow/tfjs-core'], 'peerDependency @tensorflow/tfjs-core missing');
      if (p !== 'core') assert(pj.peerDependencies?.['@losskit/core'], 'peerDependency @losskit/core missing');
    }
    for (const [dep, range] of Object.entries(pj.peerDependencies ?? {})) {
      assert(!(dep in (pj.dependencies ?? {})), `${dep} (${range}) is both a dependency and a peer dependency`);
    }
    return `${files.length} files, ${(sizes[p].tarballBytes / 1024).toFixed(1)} KiB packed`;
  });
}

// 3. A fresh project installs the tarballs with plain npm.
const app = join(work, 'app');
mkdirSync(app);
await check('npm install of the tarballs into a fresh project', () => {
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2));
  assert(Object.keys(tarballs).length > 0, 'no tarballs to install');
  const deps = [
    ...Object.values(tarballs),
    '@tensorflow/tfjs-core@4.22.0',
    '@tensorflow/tfjs-backend-webgl@4.22.0',
    '@tensorflow/tfjs-layers@4.22.0',
    'typescript@5.9.3',
    '@types/node@20',
    'vite@7',
    'esbuild@0.27',
    'playwright-core@1',
  ];
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...deps], app, { timeout: 600_000 });
  for (const p of Object.keys(tarballs)) {
    sizes[p].installBytes = duBytes(join(app, 'node_modules', '@losskit', p));
    sizes[p].withDependenciesBytes = closureBytes(`@losskit/${p}`);
  }
  return 'installed';
});

// What `npm i @losskit/<p>` (plus its required peers) puts on disk: the package and every package it pulls in
// through `dependencies` and non-optional `peerDependencies`, each counted once (npm hoists them flat here).
function closureBytes(name) {
  const seen = new Set();
  const queue = [name];
  let total = 0;
  while (queue.length > 0) {
    const n = queue.shift();
    const dir = join(app, 'node_modules', n);
    if (seen.has(n) || !existsSync(join(dir, 'package.json'))) continue;
    seen.add(n);
    total += duBytes(dir);
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const optional = pj.peerDependenciesMeta ?? {};
    queue.push(...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.peerDependencies ?? {}).filter((d) => !optional[d]?.optional));
  }
  return total;
}

function duBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const f = join(dir, e.name);
    total += e.isDirectory() ? duBytes(f) : statSync(f).size;
  }
  return total;
}

const squentropyValue = (Math.log(Math.exp(2) + Math.E + 1) - 2 + 0.5 + Math.log(1 + Math.E + Math.exp(3)) - 3 + 0.5) / 2;
// Its gradient from the definition: (softmax(z)_j − 1[j = y] + 2 z_j / (C − 1) · 1[j ≠ y]) / B, C = 3, B = 2.
const squentropyGrad = [
  [2, 1, 0],
  [0, 1, 3],
].flatMap((row, i) => {
  const y = [0, 2][i];
  const s = row.reduce((a, v) => a + Math.exp(v), 0);
  return row.map((v, j) => (Math.exp(v) / s - (j === y ? 1 : 0) + (j === y ? 0 : v)) / 2);
});

// 4. Node ESM.
await check('Node ESM: compose, compile, value and gradient on WASM', () => {
  writeFileSync(
    join(app, 'esm.mjs'),
    `import { ready, compile, ce, square } from '@losskit/core';
const backend = await ready();
const loss = compile(ce().plus(square().incorrect()));
const { value, grad } = loss.valueAndGrad([0, 2], [[2, 1, 0], [0, 1, 3]]);
console.log(JSON.stringify({ backend, value: value.dataSync()[0], grad: Array.from(grad.dataSync()) }));
`,
  );
  const r = JSON.parse(sh('node', ['esm.mjs'], app).trim().split('\n').at(-1));
  assert(r.backend === 'wasm', `backend ${r.backend}`);
  assert(Math.abs(r.value - squentropyValue) < 1e-5, `value ${r.value} vs ${squentropyValue}`);
  assert(r.grad.length === 6, 'gradient length');
  r.grad.forEach((g, k) => assert(Math.abs(g - squentropyGrad[k]) < 1e-6, `gradient ${k}: ${g} vs ${squentropyGrad[k]}`));
  return `value ${r.value.toFixed(6)} on ${r.backend}`;
});

await check('the losskit CLI (bin of @losskit/core) runs in the fresh project and finds @losskit/losses there', () => {
  const bin = join(app, 'node_modules', '.bin', 'losskit');
  const version = sh(bin, ['--version'], app).trim();
  const pj = JSON.parse(readFileSync(join(app, 'node_modules', '@losskit', 'core', 'package.json'), 'utf8'));
  assert(version === pj.version, `--version printed ${version}, package.json says ${pj.version}`);
  const py = sh(bin, ['export', 'focal({ gamma: 2 }).plus(squentropy())'], app);
  assert(py.includes('class LosskitLoss(nn.Module):') && py.includes('#   focal({ gamma: 2 }).plus(squentropy())'), 'no PyTorch module for a @losskit/losses expression');
  const bad = spawnSync(bin, ['export', '--redution', 'sum', 'ce()'], { cwd: app, encoding: 'utf8' });
  assert(bad.status === 2 && bad.stderr.includes("did you mean '--reduction'?"), `unknown option: status ${bad.status}, ${bad.stderr}`);
  return `losskit ${version}: export of a losses expression, usage error exits 2`;
});

// 5. CommonJS: we ship ESM only. Node 20.19+ (the engines range of CI) require()s it through require(esm) and
// must compute the right value; only an older runtime may fail, and then with Node's ESM-required error.
const [major, minor] = process.versions.node.split('.').map(Number);
const requireEsm = major > 20 || (major === 20 && minor >= 19);
await check(`CommonJS require(): ${requireEsm ? 'works through require(esm) on this Node' : 'fails with ERR_REQUIRE_ESM on this Node'}`, () => {
  writeFileSync(
    join(app, 'cjs.cjs'),
    `try {
  const core = require('@losskit/core');
  core.ready().then((backend) => {
    const loss = core.compile(core.ce().plus(core.square().incorrect()));
    const { value } = loss.valueAndGrad([0, 2], [[2, 1, 0], [0, 1, 3]]);
    console.log(JSON.stringify({ mode: 'require(esm)', backend, value: value.dataSync()[0] }));
  });
} catch (e) {
  console.log(JSON.stringify({ mode: 'error', code: e.code, message: String(e.message) }));
}
`,
  );
  const r = JSON.parse(sh('node', ['cjs.cjs'], app).trim().split('\n').at(-1));
  if (!requireEsm) {
    assert(r.mode === 'error' && r.code === 'ERR_REQUIRE_ESM', `expected ERR_REQUIRE_ESM, got ${JSON.stringify(r)}`);
    return `clear error: ${r.code}`;
  }
  assert(r.mode === 'require(esm)', `require() failed on Node ${process.versions.node}: ${r.code} ${r.message}`);
  assert(Math.abs(r.value - squentropyValue) < 1e-5, `value ${r.value}`);
  return `${r.mode} on ${r.backend}`;
});

// 6. TypeScript with bundler and node16 resolution, including a level mismatch that must not compile. The file also
// imports every entry point of every installed package, so all shipped .d.ts files are resolved and checked under
// both resolutions (node16 rejects extensionless relative imports). Both tsc runs start at once (they take a while).
const entryPoints = Object.keys(tarballs).flatMap((p) => {
  if (!existsSync(join(app, 'node_modules/@losskit', p, 'package.json'))) return [];
  const pj = JSON.parse(readFileSync(join(app, 'node_modules/@losskit', p, 'package.json'), 'utf8'));
  return Object.keys(pj.exports ?? { '.': '' })
    .filter((k) => k !== './package.json')
    .map((k) => `@losskit/${p}${k.slice(1)}`);
});
const tscRuns = {};
for (const resolution of ['bundler', 'node16']) {
  const dir = join(app, `ts-${resolution}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'use.ts'),
    `import * as tf from '@tensorflow/tfjs-core';
import { ready, compile, ce, square, type CompiledLoss } from '@losskit/core';
${entryPoints.map((e, i) => `import type * as entry${i} from '${e}';`).join('\n')}
await ready();
const loss: CompiledLoss = compile(ce().plus(square().incorrect()));
const v: number = loss([0], [[1, 2]]).dataSync()[0]!;
// @ts-expect-error sample + class: square() must be reduced first
ce().plus(square());
// ready() registers tfjs's chained ops; @losskit/core's types carry their declarations.
const chained: tf.Tensor = tf.tensor2d([[1, 2]]).argMax(-1).reshape([1]);
export { v, chained };
`,
  );
  const mod = resolution === 'bundler' ? 'ESNext' : 'Node16';
  // No `types: []`: like a default tsconfig, let TypeScript pick up @types/* (tfjs-core's .d.ts use the global
  // `Long` of @types/long). skipLibCheck stays off so our shipped .d.ts files are checked too.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: mod, moduleResolution: resolution, strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'] }, files: ['use.ts'] }),
  );
  if (resolution === 'node16') writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  tscRuns[resolution] = spawnAsync(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], dir);
}
for (const resolution of ['bundler', 'node16']) {
  await check(`TypeScript (moduleResolution: ${resolution}) type-checks the public API and rejects a level mismatch`, async () => {
    const r = await tscRuns[resolution];
    assert(r.status === 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    return `${entryPoints.length} entry points`;
  });
}

function spawnAsync(cmd, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.on('error', (e) => resolve({ status: -1, stdout, stderr: String(e) }));
  });
}

// 7. Docs examples as tests: the first ```ts block of each package README, run as written in the fresh project
// (transpiled by the project's own esbuild, run by Node), and all of them type-checked together.
const docs = join(app, 'docs');
mkdirSync(docs, { recursive: true });
writeFileSync(join(docs, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
const examples = [];
for (const p of packages) {
  await check(`@losskit/${p}: README's first \`\`\`ts example runs in the fresh project`, async () => {
    const readme = join(root, 'packages', p, 'README.md');
    assert(existsSync(readme), 'README.md missing');
    const source = /^```ts\n([\s\S]*?)^```/m.exec(readFileSync(readme, 'utf8'))?.[1];
    assert(source, 'README has no ```ts code block');
    const lines = source.trim().split('\n').length;
    assert(lines <= 14, `the opening example has ${lines} lines; keep it to about ten`);
    const file = `${p}.ts`;
    writeFileSync(join(docs, file), source);
    examples.push(file);
    const { transform } = await import(join(app, 'node_modules/esbuild/lib/main.js'));
    const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
    writeFileSync(join(docs, `${p}.mjs`), code);
    const r = spawnSync('node', [`${p}.mjs`], { cwd: docs, encoding: 'utf8', timeout: 120_000 });
    assert(r.status === 0, `exit ${r.status ?? r.signal}:\n${(r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n')}`);
    return `${lines} lines, exit 0`;
  });
}
await check('root README: the "## Install" section has an npm install command for every package', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## Install\s*$/m)[1]?.split(/^## /m)[0];
  assert(section, 'README.md has no "## Install" section');
  const missing = packages.filter((p) => !new RegExp(`^npm i(nstall)? .*@losskit/${p}(\\s|$)`, 'm').test(section));
  assert(missing.length === 0, `no npm install line for: ${missing.join(', ')}`);
  return `${packages.length} packages`;
});
await check('README examples type-check (strict, moduleResolution: bundler)', () => {
  assert(examples.length > 0, 'no examples');
  writeFileSync(
    join(docs, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true, lib: ['ES2022', 'DOM'] }, files: examples }),
  );
  const r = spawnSync(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: docs, encoding: 'utf8' });
  assert(r.status === 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  return `${examples.length} examples`;
});

// 8. Bundle size of an app that imports only squentropy (tree-shaking), tfjs packages external; and, for scale, the
// whole browser app (`ready()` + squentropy) with tfjs-core and its CPU/WASM backends bundled (.wasm files not counted).
await check('tree-shaken bundle of `squentropy` alone: size and no unused losses or packages', async () => {
  const { build } = await import(join(app, 'node_modules/esbuild/lib/main.js'));
  const bundle = async (name, source, external) => {
    writeFileSync(join(app, name), source);
    const out = await build({ entryPoints: [join(app, name)], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true, absWorkingDir: app, external, logLevel: 'silent' });
    const code = out.outputFiles[0].text;
    const inputs = Object.entries(Object.values(out.metafile.outputs)[0].inputs).filter(([, v]) => v.bytesInOutput > 0).map(([f]) => f);
    return { code, gz: gzipSync(code).length, inputs };
  };
  const only = await bundle('only-squentropy.mjs', `import { squentropy } from '@losskit/losses';\nimport { compile } from '@losskit/core';\nexport const loss = compile(squentropy());\n`, ['@tensorflow/*']);
  // Positive control: the markers are in the full catalog, so their absence below means something.
  const all = await bundle('all-losses.mjs', `export * from '@losskit/losses';\n`, ['@tensorflow/*']);
  for (const marker of ['ldrKl', 'sparsemax', 'focal', 'hlGauss']) {
    assert(all.code.includes(marker), `marker "${marker}" is not in the full losses bundle; pick another`);
    assert(!only.code.includes(marker), `bundle contains "${marker}": tree-shaking failed`);
  }
  const fromLosses = only.inputs.filter((f) => f.includes('@losskit/losses/'));
  assert(fromLosses.length === 1 && fromLosses[0].endsWith('/squentropy.js'), `modules of @losskit/losses in the bundle: ${fromLosses.join(', ')}`);
  // @losskit/errors is core's one dependency (the error class, a few hundred bytes).
  const others = only.inputs.filter((f) => /@losskit\/(?!core\/|losses\/|errors\/)/.test(f));
  assert(others.length === 0, `other packages in the bundle: ${others.join(', ')}`);
  const appBundle = await bundle('app-squentropy.mjs', `import { squentropy } from '@losskit/losses';\nimport { ready, compile } from '@losskit/core';\nawait ready();\nexport const loss = compile(squentropy());\n`, []);
  sizes.squentropyBundle = { minBytes: only.code.length, gzipBytes: only.gz, allLossesMinBytes: all.code.length, allLossesGzipBytes: all.gz };
  sizes.squentropyAppWithTfjs = { minBytes: appBundle.code.length, gzipBytes: appBundle.gz };
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  return `${kib(only.code.length)} min, ${kib(only.gz)} min+gz (tfjs external; whole catalog ${kib(all.gz)}); app with tfjs ${kib(appBundle.gz)} min+gz`;
});

// 9. Browser: a Vite bundle of the installed packages runs the loss on WASM and WebGL in headless Chromium.
await check('Vite bundle in headless Chromium: the loss runs on WASM and on WebGL, wasm served from the bundle', async () => {
  const web = join(app, 'web');
  mkdirSync(join(web, 'src'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><html><body><pre id="out">…</pre><script type="module" src="/src/main.js"></script></body></html>');
  writeFileSync(
    join(web, 'src/main.js'),
    `import '@tensorflow/tfjs-backend-webgl';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { ready, compile, ce, square } from '@losskit/core';
const wasmPaths = { 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-threaded-simd.wasm': threaded };
const loss = compile(ce().plus(square().incorrect()));
const result = {};
for (const backend of ['wasm', 'webgl']) {
  const active = await ready({ backend, wasmPaths, fallback: false });
  const { value, grad } = loss.valueAndGrad([0, 2], [[2, 1, 0], [0, 1, 3]]);
  result[backend] = { active, value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
}
document.getElementById('out').textContent = JSON.stringify(result);
`,
  );
  const { build } = await import(join(app, 'node_modules/vite/dist/node/index.js'));
  await build({ root: web, logLevel: 'error', build: { outDir: join(web, 'dist'), emptyOutDir: true } });
  const dist = join(web, 'dist');
  const wasmFiles = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.wasm'));
  assert(wasmFiles.length >= 2, `wasm files not emitted: ${wasmFiles}`);
  const { result, requests } = await serveAndRun(dist);
  assert(requests.every((u) => u.startsWith('http://127.0.0.1')), `network requests left localhost: ${requests.filter((u) => !u.startsWith('http://127.0.0.1'))}`);
  for (const b of ['wasm', 'webgl']) {
    assert(result[b]?.active === b, `${b}: active backend ${result[b]?.active}`);
    assert(Math.abs(result[b].value - squentropyValue) < 1e-4, `${b}: value ${result[b].value}`);
  }
  return `wasm ${result.wasm.value.toFixed(6)}, webgl ${result.webgl.value.toFixed(6)}`;
});

// 10. Changesets: the pending release moves every published @losskit/* package to one version (the `fixed` group),
// stays 0.x while the packages are 0.x, and `changeset version` (run in a scratch copy) writes each CHANGELOG.md.
await check('changesets: @losskit/* versions move together, stay 0.x, and each package gets a CHANGELOG.md', () => {
  const scratch = join(work, 'changesets');
  mkdirSync(scratch);
  execFileSync('bash', ['-c', 'tar -C "$0" --exclude=node_modules --exclude=dist --exclude=artifacts --exclude=.turbo -cf - . | tar -C "$1" -xf -', root, scratch]);
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
  const cli = join(root, 'node_modules/@changesets/cli/bin.js');
  const statusFile = join(work, 'changeset-status.json');
  sh('node', [cli, 'status', '--output', statusFile], scratch);
  const published = packages
    .map((p) => JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')))
    .filter((pj) => !pj.private)
    .map((pj) => pj.name);
  const releases = JSON.parse(readFileSync(statusFile, 'utf8')).releases.filter((r) => published.includes(r.name) && r.type !== 'none');
  if (releases.length === 0) return 'no pending changesets';
  const missing = published.filter((n) => !releases.some((r) => r.name === n));
  assert(missing.length === 0, `not released with the others: ${missing.join(', ')}`);
  const versions = [...new Set(releases.map((r) => r.newVersion))];
  assert(versions.length === 1, `versions diverge: ${releases.map((r) => `${r.name}@${r.newVersion}`).join(', ')}`);
  const left0 = releases.filter((r) => r.oldVersion.startsWith('0.') && !r.newVersion.startsWith('0.'));
  assert(left0.length === 0, `0.x packages jump to ${versions[0]} (a peer-dependency major bump?): ${left0.map((r) => `${r.name} ${r.type}`).join(', ')}`);
  sh('node', [cli, 'version'], scratch);
  for (const p of packages) {
    const pj = JSON.parse(readFileSync(join(scratch, 'packages', p, 'package.json'), 'utf8'));
    if (pj.private) continue;
    assert(pj.version === versions[0], `${pj.name}: version ${pj.version} after changeset version, expected ${versions[0]}`);
    const changelog = join(scratch, 'packages', p, 'CHANGELOG.md');
    assert(existsSync(changelog) && readFileSync(changelog, 'utf8').includes(`## ${versions[0]}`), `${pj.name}: no CHANGELOG.md entry for ${versions[0]}`);
  }
  return `${releases.length} packages ${[...new Set(releases.map((r) => r.oldVersion))].join('/')} → ${versions[0]}, CHANGELOG.md each`;
});

async function serveAndRun(dist) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html'));
    if (!path.startsWith(dist) || !existsSync(path) || statSync(path).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const { chromium } = await import(join(app, 'node_modules/playwright-core/index.mjs'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // SwiftShader (software GL through ANGLE) gives headless Chromium a WebGL context with no GPU.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  const requests = [];
  try {
    const page = await browser.newPage();
    page.on('request', (r) => requests.push(r.url()));
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out')?.textContent?.startsWith('{'), null, { timeout: 90_000 }).catch(() => {
      throw new Error(`page did not finish: ${errors.join('; ')}`);
    });
    const result = JSON.parse(await page.textContent('#out'));
    return { result, requests };
  } finally {
    await browser.close();
    server.close();
  }
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log('\nsizes:', JSON.stringify(sizes));
for (const [p, s] of Object.entries(sizes)) {
  if (s.installBytes) console.log(`  @losskit/${p}: install ${(s.installBytes / 1024).toFixed(1)} KiB, tarball ${(s.tarballBytes / 1024).toFixed(1)} KiB`);
}
console.log(`packaging: ${passed} passed, ${failed} failed`);
if (reportPath) writeFileSync(reportPath, JSON.stringify({ passed, failed, sizes, results }, null, 2));
if (!keep) rmSync(work, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
