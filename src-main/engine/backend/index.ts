/**
 * Chooses and initialises the tfjs backend at run time, fastest first:
 *   tensorflow-gpu (@tensorflow/tfjs-node-gpu) > tensorflow (@tensorflow/tfjs-node) > webgpu (a hardware
 *   adapter only) > wasm > cpu.
 * The first two are optionalDependencies that may be missing; they are loaded with require() inside
 * try/catch and never imported by name. A forced backend that fails throws an error saying why.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as path from 'node:path';
import type { BackendName } from '../../domain';
import { shortReason, tryRequire, tryResolve } from './optional-require';
import { initWebGpu, probeWebGpu } from './webgpu';

export type { BackendName };
export { DAWN_NODE_ENV, describeAdapter, probeWebGpu, VULKAN_INSTALL_HINT, webGpuAdapter } from './webgpu';
export type { WebGpuAdapterInfo, WebGpuProbe } from './webgpu';

/** Environment variable naming the folder of the tfjs wasm binaries (a bundle without node_modules). */
export const WASM_DIR_ENV = 'DLRM_WASM_DIR';

export interface BackendInfo {
  name: BackendName;
  /** Versions and devices, e.g. "wasm simd, 1 thread" or an adapter name. */
  detail: string;
}

export interface BackendAvailability extends BackendInfo {
  available: boolean;
  /** Whether automatic selection would take it (a software WebGPU adapter only when forced). */
  automatic: boolean;
}

/** Backends in the order automatic selection tries them. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

const NODE_PACKAGES: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

let prodModeSet = false;
function setProdMode(): void {
  if (!prodModeSet) {
    tf.enableProdMode();
    prodModeSet = true;
  }
}

/** The dist folder holding the .wasm binaries (needed when bundled: the default lookup is relative to the bundle). */
export function wasmBinaryDir(): string | null {
  const fromEnv = process.env[WASM_DIR_ENV];
  if (fromEnv) return fromEnv.endsWith(path.sep) ? fromEnv : fromEnv + path.sep;
  const pkg = tryResolve('@tensorflow/tfjs-backend-wasm/package.json');
  return pkg ? path.join(path.dirname(pkg), 'dist') + path.sep : null;
}

let wasmPathsSet = false;

async function initOne(name: BackendName, forced: boolean): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkgName = NODE_PACKAGES[name] as string;
      if (!tryResolve(`${pkgName}/package.json`)) throw new Error(`${pkgName} is not installed`);
      const loaded = tryRequire(pkgName);
      if (loaded.error) throw new Error(`${pkgName} failed to load: ${shortReason(loaded.error)}`);
      // both packages register their backend as 'tensorflow'
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkgName} loaded but its backend did not initialise`);
      const version = (loaded.module as { version?: { 'tfjs-node'?: string } }).version?.['tfjs-node'] ?? '';
      return `${pkgName}${version ? ` ${version}` : ''}`;
    }
    case 'webgpu':
      // Automatic choice on Linux: without a GPU device node there is no hardware adapter, so skip
      // loading Dawn (it would only find a software rasteriser, and it prints warnings on start-up).
      if (!forced && !mayHaveGpuDevice()) throw new Error('no GPU device (/dev/dri, /dev/nvidia0) on this machine');
      return `webgpu: ${await initWebGpu(forced)}`;
    case 'wasm': {
      if (!wasmPathsSet) {
        const dir = wasmBinaryDir();
        if (dir) setWasmPaths(dir);
        wasmPathsSet = true;
      }
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return `wasm (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`;
    }
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      return 'cpu (plain JavaScript)';
    default:
      throw new Error(`unknown backend "${String(name)}" (known: ${BACKEND_ORDER.join(', ')})`);
  }
}

/**
 * Selects a backend and waits until it is ready.
 * @param preferred force this backend; throws if it cannot be used. Omitted: the fastest that works.
 */
export async function initBackend(preferred?: BackendName): Promise<BackendInfo> {
  setProdMode();
  if (preferred) {
    try {
      const detail = await initOne(preferred, true);
      await tf.ready();
      return { name: preferred, detail };
    } catch (e) {
      throw new Error(`backend "${preferred}" is not usable here: ${shortReason(e instanceof Error ? e : new Error(String(e)))}`);
    }
  }
  const reasons: string[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      const detail = await initOne(name, false);
      await tf.ready();
      return { name, detail };
    } catch (e) {
      reasons.push(`${name}: ${shortReason(e instanceof Error ? e : new Error(String(e)))}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised (${reasons.join('; ')})`);
}

/**
 * What each backend would give on this machine, for the UI. Does not switch the active backend
 * (the tfjs-node packages are only resolved, not loaded; webgpu is probed for an adapter).
 */
export async function listBackends(): Promise<BackendAvailability[]> {
  const result: BackendAvailability[] = [];
  for (const name of ['tensorflow-gpu', 'tensorflow'] as const) {
    const pkgName = NODE_PACKAGES[name] as string;
    const installed = tryResolve(`${pkgName}/package.json`) !== null;
    result.push({ name, available: installed, automatic: installed, detail: installed ? `${pkgName} installed` : `${pkgName} is not installed` });
  }
  const gpu = await probeWebGpu();
  result.push({ name: 'webgpu', available: gpu.available, automatic: gpu.available && !gpu.software, detail: gpu.detail });
  const wasmDir = wasmBinaryDir();
  result.push({ name: 'wasm', available: wasmDir !== null, automatic: wasmDir !== null, detail: wasmDir ? 'WebAssembly + SIMD (XNNPACK), 1 thread' : '@tensorflow/tfjs-backend-wasm missing' });
  result.push({ name: 'cpu', available: true, automatic: true, detail: 'plain JavaScript (slow)' });
  return result;
}

/** False only where a hardware adapter is impossible: Linux without /dev/dri and /dev/nvidia0. */
function mayHaveGpuDevice(): boolean {
  if (process.platform !== 'linux') return true;
  return existsSync('/dev/dri') || existsSync('/dev/nvidia0');
}
