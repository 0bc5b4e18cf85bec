/// <reference types="@webgpu/types" />
/**
 * What every kernel module of the WebGPU DLRM step shares: one owner of the GPU objects of a model
 * (buffers counted as they are made and destroyed, so a test can see that nothing grows per step),
 * compute pipelines compiled with validation checked, and the sizing of 1-D work over a 2-D grid of
 * workgroups (a dimension holds at most 65,535 of them).
 *
 * Nothing here depends on Node: the device comes from the caller (Dawn's `webgpu` package in the
 * main process, `navigator.gpu` in a browser).
 */

/** Invocations per workgroup of the 1-D kernels. */
export const WORKGROUP = 64;
/** The most workgroups WebGPU guarantees along one dimension. */
const MAX_GROUPS_PER_DIM = 65_535;

/** Counts of the buffers this owner made and destroyed (live = created - destroyed). */
export interface BufferCounts {
  created: number;
  destroyed: number;
  live: number;
  /** Bytes of the live buffers. */
  liveBytes: number;
}

/** A compiled kernel and how many invocations one dispatch of it covers. */
export interface Kernel {
  /** Name shown in per-kernel timings (e.g. "pool", "top.0.forward"). */
  name: string;
  pipeline: GPUComputePipeline;
}

/** Rounds n up to a multiple of m. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Workgroups for `invocations` 1-D invocations of WORKGROUP each, spread over x and y when x alone
 * would pass the per-dimension limit. Shaders recover the linear index with `linearIndex()` (WGSL_LINEAR).
 */
export function workgroupsFor(invocations: number): [number, number] {
  const groups = Math.max(1, Math.ceil(invocations / WORKGROUP));
  if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1];
  const y = Math.ceil(groups / MAX_GROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

/** WGSL: the linear invocation index of a 1-D kernel dispatched with workgroupsFor(). */
export const WGSL_LINEAR = /* wgsl */ `
fn linearIndex(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.y * groups.x * ${WORKGROUP}u + gid.x;
}`;

/** WGSL literal of a float (always with a decimal point or exponent). */
export function f32Literal(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Owner of a model's GPU objects. */
export class GpuResources {
  private readonly live = new Map<GPUBuffer, number>();
  private createdCount = 0;
  private destroyedCount = 0;

  constructor(readonly device: GPUDevice) {}

  /** A buffer of at least `bytes` (rounded up to 16), counted until destroy(). */
  buffer(label: string, bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const size = Math.max(16, roundUp(bytes, 16));
    const buffer = this.device.createBuffer({ label, size, usage });
    this.live.set(buffer, size);
    this.createdCount++;
    return buffer;
  }

  /** A storage buffer the kernels read and write, also a copy source and destination. */
  storage(label: string, bytes: number): GPUBuffer {
    return this.buffer(label, bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  }

  /** A uniform buffer holding `data` (written once, here). */
  uniform(label: string, data: ArrayBuffer): GPUBuffer {
    const buffer = this.buffer(label, data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  destroy(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    buffer.destroy();
    this.destroyedCount++;
  }

  counts(): BufferCounts {
    let liveBytes = 0;
    for (const size of this.live.values()) liveBytes += size;
    return { created: this.createdCount, destroyed: this.destroyedCount, live: this.live.size, liveBytes };
  }

  /** Destroys every buffer still alive. */
  destroyAll(): void {
    for (const buffer of [...this.live.keys()]) this.destroy(buffer);
  }

  /**
   * Compiles a compute kernel (entry point `main`) with an automatic layout.
   * @throws Error with the shader compiler's messages and the kernel's name when it does not compile.
   */
  async kernel(name: string, code: string): Promise<Kernel> {
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: name, code });
    const pipeline = await this.device.createComputePipelineAsync({ label: name, layout: 'auto', compute: { module, entryPoint: 'main' } }).catch(async (e: unknown) => {
      const info = await module.getCompilationInfo();
      const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
      throw new Error(`kernel ${name} does not compile: ${e instanceof Error ? e.message : String(e)}\n${messages}\n${numbered(code)}`);
    });
    const error = await this.device.popErrorScope();
    if (error) throw new Error(`kernel ${name}: ${error.message}`);
    return { name, pipeline };
  }

  /** A bind group of group 0 of a kernel, binding i = buffers[i] (whole buffers). */
  bindGroup(kernel: Kernel, buffers: readonly GPUBuffer[], label = kernel.name): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: kernel.pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }
}

function numbered(code: string): string {
  return code
    .split('\n')
    .map((line, i) => `${String(i + 1).padStart(4)} ${line}`)
    .join('\n');
}

/**
 * Reads `bytes` of a storage buffer back to the host (a staging copy, mapped and released).
 * Not for the step's hot path: checkpoints, weights, evaluation.
 */
export async function readBuffer(resources: GpuResources, source: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
  const size = roundUp(bytes, 4);
  const staging = resources.buffer('read staging', size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  try {
    const encoder = resources.device.createCommandEncoder({ label: 'read' });
    encoder.copyBufferToBuffer(source, offset, staging, 0, size);
    resources.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    return copy;
  } finally {
    resources.destroy(staging);
  }
}
