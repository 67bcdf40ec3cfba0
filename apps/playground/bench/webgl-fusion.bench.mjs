// Fused vs unfused compile (and tf.losses) on the WebGL and WebGPU backends in headless Chromium (SwiftShader,
// no GPU), forward and forward+backward, driven through the playground's fusion page (fusion.html →
// src/fusion-lab.ts). Builds the playground when dist/fusion.html is missing. Records a "skipped" row when
// Chromium is not installed. LOSSKIT_GPU_BACKENDS=webgpu (or webgl) runs one backend only; LOSSKIT_GPU_SIZES='[[B, C, runs]]' picks sizes;
// LOSSKIT_GPU_ONLY='CE,dense-layer step' picks cases by name (see bench() in src/fusion-lab.ts).
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(app, 'dist');
/** [B, C, timed runs]: SwiftShader runs shaders on the CPU, so the big sizes get few runs. */
const SIZES = process.env.LOSSKIT_GPU_SIZES
  ? JSON.parse(process.env.LOSSKIT_GPU_SIZES)
  : [
      [256, 10, 25],
      [4096, 1000, 5],
      [512, 32000, 3],
    ];
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

export default async function (h) {
  const label = { webgl: 'WebGL', webgpu: 'WebGPU' };
  const backends = (process.env.LOSSKIT_GPU_BACKENDS ?? 'webgl,webgpu').split(',');
  const suite = (backend, B, C) => `fusion, ${label[backend]} in headless Chromium: B=${B} C=${C}`;
  if (!existsSync('/usr/bin/chromium')) {
    h.row({ suite: 'fusion, WebGL in headless Chromium', case: 'skipped', variant: 'chromium not installed', ms: 0 });
    return;
  }
  if (!existsSync(join(dist, 'fusion.html'))) spawnSync('pnpm', ['exec', 'vite', 'build'], { cwd: app, stdio: 'inherit' });
  const server = createServer((req, res) => {
    const file = normalize(join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!file.startsWith(dist) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
      // SwiftShader's WebGPU (Vulkan) adapter; WebGPU needs a secure context, which 127.0.0.1 is.
      '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/fusion.html`);
    await page.waitForFunction(() => document.getElementById('out')?.dataset.ready === '1', null, { timeout: 60_000 });
    for (const backend of backends) {
      for (const [B, C, runs] of SIZES) {
        const only = process.env.LOSSKIT_GPU_ONLY?.split(',');
        const r = await page.evaluate(([bk, b, c, n, o]) => window.losskitFusion.bench(bk, b, c, n, o ?? undefined), [backend, B, C, runs, only ?? null]);
        if (r.backend !== backend) throw new Error(`${backend} did not start (got ${r.backend})`);
        for (const row of r.rows) {
          const base = row.variant === 'compiled unfused (fuse: false)' ? {} : { baseline: 'compiled unfused (fuse: false)' };
          h.row({ suite: suite(backend, B, C), case: `${row.loss} ${row.mode}`, variant: row.variant, ms: row.ms, ...base, ...(row.engine ? { note: `engine ${row.engine}` } : {}) });
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}
