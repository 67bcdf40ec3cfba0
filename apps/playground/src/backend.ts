// Backend set-up for the site: the WebGL and WebGPU backends are imported statically so they register
// themselves (WebGPU only where the browser has `navigator.gpu`), and the WASM backend loads its .wasm files
// from this bundle (Vite `?url` imports), never from a CDN.
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { type BackendName, ready, wasmSimd } from '@losskit/core';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const wasmPaths: Readonly<Record<string, string>> = {
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': simdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
};

/** The backends the switch offers: WebGPU only where the browser exposes `navigator.gpu`. */
export const backendNames: readonly BackendName[] = [
  ...((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu ? (['webgpu'] as const) : []),
  'webgl',
  'wasm',
  'cpu',
];

let current: BackendName | undefined;
const listeners = new Set<(b: BackendName) => void>();

/** Switches backends (falls back to CPU when the requested one cannot start) and returns the active one. */
export async function useBackend(name: BackendName): Promise<BackendName> {
  const active = await ready({ backend: name, wasmPaths });
  current = active;
  for (const l of listeners) l(active);
  return active;
}

/** The active backend, after the first {@link useBackend}. */
export function currentBackend(): BackendName | undefined {
  return current;
}

/** A label for the active backend, e.g. `wasm (SIMD)`. */
export function backendLabel(): string {
  if (!current) return 'starting…';
  return current === 'wasm' ? `wasm${wasmSimd() ? ' (SIMD)' : ''}` : current;
}

/** Calls `f` whenever the backend changes. */
export function onBackend(f: (b: BackendName) => void): void {
  listeners.add(f);
}
