// Shared Vitest preset: every package's vitest.config.ts is `export default losskitPreset(import.meta.url)`.
// Workspace packages resolve to their TypeScript sources, so tests never wait for (or race with) a build.
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = (pkg, file = 'index.ts') => join(root, 'packages', pkg, 'src', file);

/** Aliases from package specifiers to sources (most specific first). */
export const workspaceAliases = [
  { find: /^@losskit\/core\/testing$/, replacement: src('core', 'testing/index.ts') },
  { find: /^@losskit\/core\/math$/, replacement: src('core', 'math/index.ts') },
  { find: /^@losskit\/losses\/keras$/, replacement: src('losses', 'keras/index.ts') },
  { find: /^@losskit\/losses\/tfjs$/, replacement: src('losses', 'tfjs/index.ts') },
  { find: /^@losskit\/losses\/torch$/, replacement: src('losses', 'torch/index.ts') },
  ...['core', 'losses', 'optimizers', 'calibration', 'metric-learning', 'unlearning', 'scaling'].map((p) => ({
    find: new RegExp(`^@losskit/${p}$`),
    replacement: src(p),
  })),
];

/** @param {string} configUrl the package config's import.meta.url */
export function losskitPreset(configUrl) {
  const dir = dirname(fileURLToPath(configUrl));
  return {
    resolve: { alias: workspaceAliases },
    test: {
      name: basename(dir),
      root: dir,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 120_000,
      hookTimeout: 60_000,
      // tfjs keeps global registries; one fork per file keeps tests independent.
      pool: 'forks',
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: `${dir}/tsconfig.json` },
    },
  };
}
