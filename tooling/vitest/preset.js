// Shared Vitest preset: every package's vitest.config.ts is `export default losskitPreset(import.meta.url)`.
// Workspace packages resolve to their TypeScript sources, so tests never wait for (or race with) a build.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = (dir, file = 'index.ts') => join(dir, 'src', file);

/**
 * Aliases from package specifiers to sources (most specific first), read from every workspace package under
 * `packages/` and `tooling/` with a `src/index.ts`: `.` maps to `src/index.ts`, a subpath export `./x` to
 * `src/x/index.ts` (or `src/x.ts`). A new package needs no entry here.
 */
export const workspaceAliases = (() => {
  const subpaths = [];
  const roots = [];
  for (const base of ['packages', 'tooling']) {
    const baseDir = join(root, base);
    for (const name of readdirSync(baseDir)) {
      const dir = join(baseDir, name);
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest) || !existsSync(src(dir))) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      for (const key of Object.keys(pkg.exports ?? {})) {
        if (key === '.' || key === './package.json') continue;
        const sub = key.slice(2);
        const file = [src(dir, `${sub}/index.ts`), src(dir, `${sub}.ts`)].find((f) => existsSync(f));
        if (file) subpaths.push({ find: new RegExp(`^${escapeRegExp(pkg.name)}/${escapeRegExp(sub)}$`), replacement: file });
      }
      roots.push({ find: new RegExp(`^${escapeRegExp(pkg.name)}$`), replacement: src(dir) });
    }
  }
  return [...subpaths, ...roots];
})();

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

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
