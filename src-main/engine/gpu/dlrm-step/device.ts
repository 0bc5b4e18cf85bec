/**
 * A GPUDevice for training from any `GPU` object (navigator.gpu in a browser, or the one Dawn's
 * `webgpu` package installs in Node: see ../../backend/webgpu.ts probeWebGpu): the adapter's own
 * buffer and binding limits are requested (the defaults are far smaller), and 'timestamp-query' when
 * the adapter has it (per-kernel timings).
 */

export interface TrainingDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** The adapter's description (or vendor / architecture). */
  name: string;
  /** Whether per-kernel timestamps can be taken. */
  timestamps: boolean;
  /** A CPU-emulated adapter (llvmpipe, SwiftShader, WARP, or one that says it is a fallback). */
  software: boolean;
}

/** Whether an adapter described by `name` (and its fallback flag) runs on the CPU. */
export function isSoftwareAdapter(name: string, isFallback = false): boolean {
  return isFallback || /llvmpipe|lavapipe|swiftshader|microsoft basic render|warp/i.test(name);
}

export async function requestTrainingDevice(gpu: GPU, powerPreference: GPUPowerPreference = 'high-performance'): Promise<TrainingDevice> {
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) throw new Error('no WebGPU adapter');
  const timestamps = adapter.features.has('timestamp-query');
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: timestamps ? ['timestamp-query'] : [],
    requiredLimits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  // GPUAdapter.info is newer than the @webgpu/types this project pins
  const info = (adapter as GPUAdapter & { info?: { description?: string; vendor?: string; architecture?: string; device?: string; isFallbackAdapter?: boolean } }).info ?? {};
  const name = info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' / ') || 'unknown adapter';
  const fallback = info.isFallbackAdapter === true || (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { device, adapter, name, timestamps, software: isSoftwareAdapter(name, fallback) };
}

/** The `GPU` object installed as navigator.gpu, or null. */
export function navigatorGpu(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}
