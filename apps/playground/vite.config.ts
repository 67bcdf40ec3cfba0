// Vite config of the losskit docs site and playground.
// Workspace packages resolve to their TypeScript sources (the same aliases as the Vitest preset), so the
// site never waits for, or races with, the packages' builds.
import { defineConfig } from 'vite';
import { workspaceAliases } from '../../tooling/vitest/preset.js';

export default defineConfig({
  base: './',
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
