import * as tf from '@tensorflow/tfjs-core';
// Registers every gradient and chained op (x.sum(), ...) into tfjs-core's global registries. In Node this
// is a pre-bundled copy (tfjs-core's CommonJS entry registers neither); bundlers get tfjs-core's own files.
import '#tfjs-registrations';
// Replaces the gradients tfjs writes from saved outputs, so gradients of gradients are exact (see the file).
import './higherOrderGradients.js';
import { LosskitError } from './errors.js';

// Comparisons, logical ops and NaN tests are piecewise constant: their derivative is 0 wherever it exists.
// tfjs registers no gradient for them, so any `where(x > 0, ...)` or `divNoNan` on a differentiated path
// fails with "gradient function not found". Registering the zero gradient makes such masks usable in losses.
const binaryComparisons = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr'];
const unaryPredicates = ['LogicalNot', 'IsNan', 'IsInf', 'IsFinite'];
for (const kernelName of binaryComparisons) {
  if (!tf.getGradient(kernelName)) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      // float32 zeros whatever the input dtype (tfjs requires float gradients, also for bool inputs of LogicalOr).
      gradFunc: (_dy, saved) => ({ a: () => tf.zeros(saved[0]!.shape, 'float32'), b: () => tf.zeros(saved[1]!.shape, 'float32') }),
    });
  }
}
for (const kernelName of unaryPredicates) {
  if (!tf.getGradient(kernelName)) {
    tf.registerGradient({ kernelName, inputsToSave: ['x'], gradFunc: (_dy, saved) => ({ x: () => tf.zeros(saved[0]!.shape, 'float32') }) });
  }
}

/** The tfjs backends losskit sets up. */
export type BackendName = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

/** Options of {@link ready}. */
export interface ReadyOptions {
  /**
   * Backend to use. Default `wasm` (SIMD when the runtime has it). `webgl` needs `@tensorflow/tfjs-backend-webgl`
   * installed and a browser; `webgpu` needs `@tensorflow/tfjs-backend-webgpu` installed and a browser with
   * WebGPU (`navigator.gpu`, a secure context such as https or 127.0.0.1).
   */
  readonly backend?: BackendName;
  /**
   * Where the WASM backend loads its `.wasm` files from. Not needed in Node. In a bundler, pass the
   * directory (ending in `/`) or a map of file name to URL, e.g. with Vite:
   * `{ 'tfjs-backend-wasm-simd.wasm': simdUrl, 'tfjs-backend-wasm.wasm': wasmUrl }` from `?url` imports.
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
  /**
   * When the requested backend cannot start (e.g. `webgl` in Node): `true` (default) falls back to `wasm`,
   * then `cpu`, warns once on the console and resolves to the backend in use; `false` throws instead.
   */
  readonly fallback?: boolean;
}

let wasmPathsSet = false;

async function register(name: BackendName, options: ReadyOptions): Promise<void> {
  if (tf.findBackendFactory(name)) {
    if (name === 'wasm' && options.wasmPaths && !wasmPathsSet) {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(options.wasmPaths as never);
      wasmPathsSet = true;
    }
    return;
  }
  try {
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths) {
        wasm.setWasmPaths(options.wasmPaths as never);
        wasmPathsSet = true;
      }
    } else if (name === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
    } else {
      const moduleName = `@tensorflow/tfjs-backend-${name}`;
      await import(/* @vite-ignore */ moduleName);
    }
  } catch (cause) {
    throw new LosskitError('BACKEND_UNAVAILABLE', `the ${name} backend could not be loaded`, {
      argument: 'backend',
      expected: name === 'webgl' || name === 'webgpu' ? `@tensorflow/tfjs-backend-${name} installed, in a browser` : `@tensorflow/tfjs-backend-${name} installed`,
      received: String((cause as Error)?.message ?? cause),
    });
  }
}

/**
 * Sets up tfjs-core with every gradient registered and selects a backend (WASM by default, SIMD when
 * available). Call once before compiling losses: `await ready()`. Returns the active backend name.
 * If the requested backend cannot start and `fallback` is not `false`, WASM (then CPU) is used, with a
 * one-time console warning; the returned name tells which. In Node, the WASM runtime's process-level
 * error handlers are removed again, so an uncaught error exits as Node's default would (code 1).
 *
 * @example
 * import { ready, compile, ce } from '@losskit/core';
 * await ready();            // 'wasm'
 * await ready({ backend: 'webgl' }); // in a browser
 * await ready({ backend: 'webgpu' }); // in a browser with WebGPU
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendName> {
  const wanted = options.backend ?? 'wasm';
  if (!['wasm', 'webgl', 'webgpu', 'cpu'].includes(wanted)) {
    throw new LosskitError('INVALID_ARGUMENT', 'unknown backend', { argument: 'backend', expected: "'wasm', 'webgl', 'webgpu' or 'cpu'", received: String(wanted) });
  }
  if (tf.engine().backendName === wanted && tf.findBackend(wanted)) return wanted;
  let error: unknown;
  try {
    await register(wanted, options);
    if (await keepProcessHandlers(() => tf.setBackend(wanted))) {
      await tf.ready();
      return wanted;
    }
    error = new LosskitError('BACKEND_UNAVAILABLE', `the ${wanted} backend failed to initialize`, { argument: 'backend' });
  } catch (e) {
    error =
      e instanceof LosskitError
        ? e
        : new LosskitError('BACKEND_UNAVAILABLE', `the ${wanted} backend could not start`, {
            argument: 'backend',
            expected: wanted === 'webgl' ? 'a browser with WebGL' : wanted === 'webgpu' ? 'a browser with WebGPU (navigator.gpu)' : `a runtime that can start the ${wanted} backend`,
            received: e instanceof Error ? e.message : String(e),
          });
  }
  if (options.fallback === false || wanted === 'cpu') throw error;
  // Fall back to WASM (the default, and far faster than CPU), then CPU, and say so once.
  for (const next of (wanted === 'wasm' ? ['cpu'] : ['wasm', 'cpu']) as BackendName[]) {
    try {
      await register(next, options);
      if (await keepProcessHandlers(() => tf.setBackend(next))) {
        await tf.ready();
        warnFallback(wanted, next, error);
        return next;
      }
    } catch {
      // try the next one
    }
  }
  throw error;
}

const warned = new Set<string>();
function warnFallback(wanted: BackendName, used: BackendName, cause: unknown): void {
  const key = `${wanted}->${used}`;
  if (warned.has(key)) return;
  warned.add(key);
  const why = cause instanceof Error ? cause.message : String(cause);
  console.warn(`losskit: the ${wanted} backend could not start (${why}); using ${used} instead. Pass { fallback: false } to ready() to get the error instead.`);
}

/**
 * Runs `start` (a backend start-up) and then removes any `uncaughtException` / `unhandledRejection`
 * handler it installed on Node's `process`. The WASM backend's Emscripten glue installs both when its
 * module starts; they rethrow from inside the glue, so any later uncaught error of the user's program,
 * related to losskit or not, exited with code 7 and was reported from `tf-backend-wasm.node.js` (with a
 * dump of minified glue under some loaders). After this, uncaught errors behave as Node's defaults
 * (exit code 1, the user's own stack). The handlers only matter to programs that call Emscripten's
 * `exit()`, which tfjs never does.
 */
async function keepProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  type Listener = (...args: unknown[]) => void;
  const proc = (globalThis as { process?: { listeners(ev: string): Listener[]; removeListener(ev: string, l: Listener): unknown } }).process;
  if (!proc || typeof proc.listeners !== 'function') return start();
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const before = events.map((ev) => new Set(proc.listeners(ev)));
  try {
    return await start();
  } finally {
    events.forEach((ev, k) => {
      for (const l of proc.listeners(ev)) if (!before[k]!.has(l)) proc.removeListener(ev, l);
    });
  }
}

/** Switches the active backend; same as `ready({ ...options, backend: name })`. */
export function setBackend(name: BackendName, options: Omit<ReadyOptions, 'backend'> = {}): Promise<BackendName> {
  return ready({ ...options, backend: name });
}

/** The active backend's name, or `undefined` before {@link ready}. */
export function activeBackend(): string | undefined {
  return tf.engine().backendName ?? undefined;
}

/** Whether the WASM backend runs with SIMD (undefined when WASM is not active). */
export function wasmSimd(): boolean | undefined {
  return tf.engine().backendName === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : undefined;
}

/** @internal Throws `BACKEND_NOT_READY` when no backend has been initialized. */
export function assertBackend(): void {
  if (tf.engine().backendName == null) {
    throw new LosskitError('BACKEND_NOT_READY', 'no tfjs backend is active', {
      expected: 'await ready() (from @losskit/core) before using a compiled loss',
    });
  }
}
