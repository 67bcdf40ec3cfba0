import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// Each case runs the built package in a fresh Node process: process-level behaviour (exit codes, handlers,
// console output) cannot be observed from inside the test runner's own process.
const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href;

function runScript(body: string) {
  const src = `import { ready, LosskitError } from ${JSON.stringify(dist)};\n${body}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: 60_000 });
}

describe('ready() in Node leaves the process to the user', () => {
  it('after await ready(), an unrelated uncaught error exits with code 1 and the user\'s own stack (was code 7 from tf-backend-wasm.node.js)', () => {
    const r = runScript(`await ready(); setTimeout(() => { throw new Error('user boom'); }, 5);`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: user boom');
    expect(r.stderr).not.toContain('tf-backend-wasm');
  });

  it('an unhandled rejection after ready() also exits with code 1 and the user\'s error', () => {
    const r = runScript(`await ready(); Promise.reject(new Error('user rejection'));`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('user rejection');
    expect(r.stderr).not.toContain('tf-backend-wasm');
  });

  it('ready() installs no process-level error handlers', () => {
    const r = runScript(`await ready(); console.log(process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length);`);
    expect(r.stdout.trim()).toBe('0 0');
  });
});

describe('ready() fallback when the requested backend cannot start', () => {
  it("ready({ backend: 'webgl' }) in Node falls back to wasm (not cpu) and warns once on stderr", () => {
    const r = runScript(`console.log(await ready({ backend: 'webgl' })); console.log(await ready({ backend: 'webgl' }));`);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['wasm', 'wasm']);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('could not start'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('using wasm instead');
  });

  it("ready({ backend: 'webgl', fallback: false }) throws BACKEND_UNAVAILABLE naming the backend argument", () => {
    const r = runScript(`try { await ready({ backend: 'webgl', fallback: false }); } catch (e) { console.log(e instanceof LosskitError, e.code, e.argument); }`);
    expect(r.stdout.trim()).toBe('true BACKEND_UNAVAILABLE backend');
  });

  it("ready({ backend: 'webgpu' }) in Node (no navigator.gpu) falls back to wasm and warns once on stderr", () => {
    const r = runScript(`console.log(await ready({ backend: 'webgpu' })); console.log(await ready({ backend: 'webgpu' }));`);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['wasm', 'wasm']);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('could not start'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the webgpu backend');
  });

  it("ready({ backend: 'webgpu', fallback: false }) in Node throws BACKEND_UNAVAILABLE naming the backend argument", () => {
    const r = runScript(`try { await ready({ backend: 'webgpu', fallback: false }); } catch (e) { console.log(e instanceof LosskitError, e.code, e.argument); }`);
    expect(r.stdout.trim()).toBe('true BACKEND_UNAVAILABLE backend');
  });
});
