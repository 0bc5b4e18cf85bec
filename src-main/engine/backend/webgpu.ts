/**
 * WebGPU in Node through the `webgpu` package (Dawn). Kept apart from the other backends: Dawn needs
 * Vulkan on Linux and may fail to load; every failure here is caught and reported as "unavailable".
 * A software adapter (llvmpipe, SwiftShader) works but is far slower than wasm, so automatic selection
 * skips it; forcing 'webgpu' still uses it (useful for correctness tests).
 */
import * as tf from '@tensorflow/tfjs';
import { shortReason, tryRequire } from './optional-require';

/** What the adapter says about itself (GPUAdapterInfo) and the limits it offers (GPUSupportedLimits). */
export interface WebGpuAdapterInfo {
  /** Short name: the adapter's description, else vendor/architecture/device. */
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (llvmpipe, lavapipe, SwiftShader, WARP) rather than a GPU. */
  software: boolean;
  /** Every numeric limit the adapter reports, e.g. maxBufferSize, maxStorageBufferBindingSize. */
  limits: Record<string, number>;
}

export interface WebGpuProbe {
  available: boolean;
  /** A software rasteriser rather than a GPU. */
  software: boolean;
  /** Adapter name and key limits, or why there is none. */
  detail: string;
  /** Present when available. */
  adapter?: WebGpuAdapterInfo;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  limits?: object;
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

/**
 * Environment variable naming a dawn.node file to load instead of the `webgpu` package (a bundle
 * carried to a machine without node_modules, e.g. the GPU kit in scripts/gpu).
 */
export const DAWN_NODE_ENV = 'DLRM_DAWN_NODE';

async function loadPackage(): Promise<WebGpuPackage> {
  const dawnPath = process.env[DAWN_NODE_ENV];
  if (dawnPath) {
    const req = tryRequire(dawnPath);
    if (req.error) throw new Error(`${DAWN_NODE_ENV}=${dawnPath} failed to load: ${shortReason(req.error)}`);
    return req.module as WebGpuPackage;
  }
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

function adapterName(info: AdapterInfoLike | undefined): string {
  if (!info) return 'unknown adapter';
  if (info.description) return info.description;
  const parts = [info.vendor, info.architecture, info.device].filter((s): s is string => !!s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

/** Numeric limits of a GPUSupportedLimits (its values are getters on the prototype, so walk it). */
function readLimits(limits: object | undefined): Record<string, number> {
  const result: Record<string, number> = {};
  if (!limits) return result;
  const names = new Set<string>();
  for (let o: object | null = limits; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) names.add(key);
  }
  for (const key of [...names].sort()) {
    const value = (limits as Record<string, unknown>)[key];
    if (typeof value === 'number') result[key] = value;
  }
  return result;
}

const MIB = 2 ** 20;

/** One line for people: "NVIDIA H100 80GB HBM3 (hardware; nvidia hopper; max buffer 4096 MiB, ...)". */
export function describeAdapter(adapter: WebGpuAdapterInfo): string {
  const l = adapter.limits;
  const facts = [adapter.software ? 'software' : 'hardware'];
  const kind = [adapter.vendor, adapter.architecture].filter((s) => s.length > 0).join(' ');
  if (kind) facts.push(kind);
  const sizes: string[] = [];
  if (l.maxBufferSize) sizes.push(`max buffer ${Math.round(l.maxBufferSize / MIB)} MiB`);
  if (l.maxStorageBufferBindingSize) sizes.push(`storage binding ${Math.round(l.maxStorageBufferBindingSize / MIB)} MiB`);
  if (l.maxComputeInvocationsPerWorkgroup) sizes.push(`${l.maxComputeInvocationsPerWorkgroup} invocations/workgroup`);
  if (sizes.length) facts.push(sizes.join(', '));
  return `${adapter.name} (${facts.join('; ')})`;
}

/** Looks for a WebGPU adapter (once per process). Never throws. */
export function probeWebGpu(): Promise<WebGpuProbe> {
  if (!probeResult) {
    probeResult = (async (): Promise<WebGpuProbe> => {
      try {
        const gpu = await installGpu();
        const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
        if (!adapter) {
          const hint = process.platform === 'linux' ? `; ${VULKAN_INSTALL_HINT}` : '';
          return { available: false, software: false, detail: `no WebGPU adapter (no Vulkan/Metal/D3D12 device found)${hint}` };
        }
        const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : undefined);
        const name = adapterName(info);
        const software =
          adapter.isFallbackAdapter === true ||
          info?.isFallbackAdapter === true ||
          /llvmpipe|swiftshader|lavapipe|software|microsoft basic render/i.test(`${name} ${info?.architecture ?? ''} ${info?.device ?? ''}`);
        const described: WebGpuAdapterInfo = {
          name,
          vendor: info?.vendor ?? '',
          architecture: info?.architecture ?? '',
          device: info?.device ?? '',
          description: info?.description ?? '',
          software,
          limits: readLimits(adapter.limits),
        };
        return { available: true, software, detail: describeAdapter(described), adapter: described };
      } catch (e) {
        return { available: false, software: false, detail: `webgpu failed to load: ${shortReason(e instanceof Error ? e : new Error(String(e)))}` };
      }
    })();
  }
  return probeResult;
}

/** How to get a Vulkan driver for Dawn on Linux (shown when no adapter is found). */
export const VULKAN_INSTALL_HINT =
  'on Debian 12 add the bookworm-backports suite and run `apt-get install -y -t bookworm-backports mesa-vulkan-drivers` ' +
  '(Mesa 25 llvmpipe; bookworm\'s own Mesa 22 is refused by Dawn), or install your GPU vendor\'s Vulkan driver';

/**
 * Registers and selects tfjs's webgpu backend.
 * @param allowSoftware accept a software adapter (automatic selection passes false; forcing passes true).
 * @returns the run's backend detail after "webgpu: ", e.g. "NVIDIA H100 80GB HBM3 (hardware)" or
 *   "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (software, forced)".
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
  const name = probe.adapter?.name ?? probe.detail;
  return `${name} (${probe.software ? 'software' : 'hardware'}${allowSoftware ? ', forced' : ''})`;
}

/** The adapter found by probeWebGpu (name, vendor, limits), or null when there is none. */
export async function webGpuAdapter(): Promise<WebGpuAdapterInfo | null> {
  const probe = await probeWebGpu();
  return probe.adapter ?? null;
}
