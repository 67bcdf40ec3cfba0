/**
 * The losskit version printed in exported modules' headers. Kept equal to `@losskit/core`'s package.json
 * version by a test (test/export-module.test.ts), so a release that bumps the package updates it too.
 */
export const LOSSKIT_VERSION = '0.1.0';
