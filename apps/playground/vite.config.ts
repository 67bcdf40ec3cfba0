// Vite config of the losskit docs site and playground.
// Workspace packages resolve to their TypeScript sources (the same aliases as the Vitest preset), so the
// site never waits for, or races with, the packages' builds.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Plugin, defineConfig } from 'vite';
import { workspaceAliases } from '../../tooling/vitest/preset.js';

/** `virtual:losskit-api`: the API reference JSON written by tooling/docs/api.mjs (generated when missing). */
function apiReference(): Plugin {
  const file = fileURLToPath(new URL('./generated/api.json', import.meta.url));
  const script = fileURLToPath(new URL('../../tooling/docs/api.mjs', import.meta.url));
  return {
    name: 'losskit-api',
    resolveId: (id) => (id === 'virtual:losskit-api' ? '\0virtual:losskit-api' : undefined),
    load(id) {
      if (id !== '\0virtual:losskit-api') return undefined;
      if (!existsSync(file)) execFileSync(process.execPath, [script, '--out', file], { stdio: 'inherit' });
      return `export default ${readFileSync(file, 'utf8')};`;
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [apiReference()],
  resolve: {
    alias: workspaceAliases,
    dedupe: ['@tensorflow/tfjs-core'],
  },
  build: {
    outDir: 'dist',
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    assetsInlineLimit: 0,
    // The site, plus a page the e2e checks and `pnpm bench` drive for fused-kernel checks and timings.
    rollupOptions: { input: { main: 'index.html', fusion: 'fusion.html' } },
  },
  server: { port: 5173, strictPort: false },
});
