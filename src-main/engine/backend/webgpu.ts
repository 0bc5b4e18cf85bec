/**
 * WebGPU in Node through the `webgpu` package (Dawn). Kept apart from the other backends: Dawn needs
 * Vulkan on Linux and may fail to load; every failure here is caught and reported as "unavailable".
 * A software adapter (llvmpipe, SwiftShader) works but is far slower than wasm, so automatic selection
 * skips it; forcing 'webgpu' still uses it (useful for correctness tests).
 */
import * as tf from '@tensorflow/tfjs';
import { shortReason, tryRequire } from './optional-require';

export interface WebGpuProbe {
  available: boolean;
  /** A software rasteriser rather than a GPU. */
  software: boolean;
  /** Adapter name, or why there is none. */
  detail: string;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface WebGpuPackage {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

let gpuInstance: GpuLike | null = null;
let probeResult: Promise<WebGpuProbe> | null = null;

async function loadPackage(): Promise<WebGpuPackage> {
  const name = 'webgpu';
  const req = tryRequire(name);
  if (req.module) return req.module as WebGpuPackage;
  // older Node cannot require() an ES module: fall back to import()
  return (await import(/* @vite-ignore */ name)) as WebGpuPackage;
}

/** Creates the GPU object once and installs it as navigator.gpu (what tfjs-backend-webgpu looks for). */
async function installGpu(): Promise<GpuLike> {
  if (gpuInstance) return gpuInstance;
  const pkg = await loadPackage();
  Object.assign(globalThis, pkg.globals);
  const gpu = pkg.create([]);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu !== gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
  gpuInstance = gpu;
  return gpu;
}

function describe(info: AdapterInfoLike | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.description, info.vendor, info.architecture, info.device].filter((s): s is string => !!s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

/** Looks for a WebGPU adapter (once per process). Never throws. */
export function probeWebGpu(): Promise<WebGpuProbe> {
  if (!probeResult) {
    probeResult = (async (): Promise<WebGpuProbe> => {
      try {
        const gpu = await installGpu();
        const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
        if (!adapter) return { available: false, software: false, detail: 'no WebGPU adapter (no Vulkan/Metal/D3D12 device found)' };
        const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : undefined);
        const detail = describe(info);
        const software =
          adapter.isFallbackAdapter === true ||
          /llvmpipe|swiftshader|lavapipe|software|microsoft basic render/i.test(`${detail} ${info?.architecture ?? ''}`);
        return { available: true, software, detail: software ? `${detail} (software adapter)` : detail };
      } catch (e) {
        return { available: false, software: false, detail: `webgpu failed to load: ${shortReason(e instanceof Error ? e : new Error(String(e)))}` };
      }
    })();
  }
  return probeResult;
}

/**
 * Registers and selects tfjs's webgpu backend.
 * @param allowSoftware accept a software adapter (automatic selection passes false).
 * @returns the adapter description.
 * @throws Error saying why WebGPU cannot be used.
 */
export async function initWebGpu(allowSoftware: boolean): Promise<string> {
  const probe = await probeWebGpu();
  if (!probe.available) throw new Error(probe.detail);
  if (probe.software && !allowSoftware) throw new Error(`only a software adapter: ${probe.detail}`);
  await import('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error(`tfjs could not initialise webgpu on ${probe.detail}`);
  await tf.ready();
  return probe.detail;
}
