/**
 * Fused dense-layer kernels over a packed weight buffer (every layer's weight [K, N] and bias [N] at
 * offsets that are multiples of 4 floats, see packedLayout in dense-optimizer.ts):
 *   forward        Y = act(X W + b)                                  one invocation: R rows x C columns
 *   input gradient dX = (dZ W^T) * step(X) (or without the step)     one invocation: R rows x C inputs
 *   weight grad    dW_s = X_s^T dZ_s over batch slice s, with the    one invocation: R inputs x C
 *                  bias gradient db_s = colsum(dZ_s) fused             columns of one slice
 * The block R x C is chosen per adapter (DenseBlocking): small blocks (4 x 4) give a hardware GPU
 * many threads; large ones (8 x 16) suit llvmpipe, which runs 8 invocations in the lanes of one CPU
 * core and pays for every value loaded per lane, so the most arithmetic per load wins (measured:
 * top.0's forward 80 -> 35 ms at batch 2048).
 * dZ is the gradient after the layer's activation (dY * step(Y) for ReLU). The slices' partial sums
 * land in a [S, P] buffer that the dense optimizer sums (one dispatch for all layers).
 *
 * Register-blocked without workgroup memory or barriers: operands come straight from storage as
 * vec4 when the output width N is a multiple of 4 (scalars otherwise, e.g. the logit layer). This is
 * what runs best on llvmpipe and is a plain, portable shape for hardware adapters.
 * Shapes: B the device batch (a multiple of 4), K fan-in, N fan-out, P packed weights, S slices.
 */
import { WGSL_LINEAR, WORKGROUP } from './resources';

/** Where one layer's weight and bias sit in the packed buffer (floats). */
export interface LayerSlot {
  fanIn: number;
  fanOut: number;
  weightOffset: number;
  biasOffset: number;
  relu: boolean;
}

/**
 * Register blocks of the dense kernels, in batch rows or inputs (first) and output values (second).
 * Forward and weight gradient count their output block in vectors of the layer's width (vec4 when
 * N is a multiple of 4, else scalars); the input gradient counts inputs.
 */
export interface DenseBlocking {
  /** Forward: rows x output vectors. */
  forward: [rows: number, vectors: number];
  /** Input gradient: rows x inputs. */
  inputGradient: [rows: number, inputs: number];
  /** Weight gradient: inputs x output vectors. */
  weightGradient: [inputs: number, vectors: number];
  /**
   * Whether the input gradient reads a transposed copy of W ([N, Kp], Kp = K rounded up to 4, made
   * after the forward by transposeKernel), so that it accumulates like the forward (rows x vec4s of
   * inputs) instead of by dot products along N. Then inputGradient counts vec4s of inputs.
   */
  transposedInputGradient: boolean;
}

/** Many small blocks: the shape for hardware GPUs (many threads in flight). */
export const GPU_BLOCKING: DenseBlocking = { forward: [4, 1], inputGradient: [4, 4], weightGradient: [4, 1], transposedInputGradient: false };
/** Few large blocks: the shape for llvmpipe (fewest loads per multiply-add). */
export const CPU_ADAPTER_BLOCKING: DenseBlocking = { forward: [8, 4], inputGradient: [8, 4], weightGradient: [8, 4], transposedInputGradient: true };

/** The blocking for an adapter: large blocks on a CPU-emulated one, small ones on a hardware GPU. */
export function denseBlockingFor(adapter: { software: boolean }): DenseBlocking {
  return adapter.software ? CPU_ADAPTER_BLOCKING : GPU_BLOCKING;
}

function vector(n: number): { width: number; type: string; dot: (a: string, b: string) => string } {
  return n % 4 === 0
    ? { width: 4, type: 'vec4<f32>', dot: (a, b) => `dot(${a}, ${b})` }
    : { width: 1, type: 'f32', dot: (a, b) => `(${a} * ${b})` };
}

/** The largest of `wanted`, wanted/2, ... 1 that divides n. */
function fit(wanted: number, n: number): number {
  let b = Math.max(1, wanted);
  while (b > 1 && n % b !== 0) b = Math.floor(b / 2);
  return b;
}

function zero(type: string): string {
  return type === 'f32' ? '0.0' : `${type}(0.0)`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The loop body of an R x C register block (the forward, the weight gradient and the transposed
 * input gradient all have this shape): p_r = rowLoad(r) (scalars), q_c = colLoad(c) (scalars or
 * vec4s), a{r}_{c} += p_r * q_c.
 */
function outerProductBody(R: number, C: number, rowLoad: (r: number) => string, colLoad: (c: number) => string): string[] {
  const lines: string[] = [];
  for (let r = 0; r < R; r++) lines.push(`let p${r} = ${rowLoad(r)};`);
  for (let c = 0; c < C; c++) lines.push(`let q${c} = ${colLoad(c)};`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) lines.push(`a${r}_${c} += p${r} * q${c};`);
  return lines;
}

/** " + n u" for a non-zero offset, else "". */
function plus(n: number): string {
  return n === 0 ? '' : ` + ${n}u`;
}

/** The forward's block for this layer and batch: rows R (dividing B), vectors C (dividing N/width). */
function forwardBlock(layer: LayerSlot, batch: number, blocking: DenseBlocking): { R: number; C: number } {
  const v = vector(layer.fanOut);
  return { R: fit(blocking.forward[0], batch), C: fit(blocking.forward[1], layer.fanOut / v.width) };
}

/** Invocations of forward(): B/R row blocks x N/(width C) column blocks. */
export function forwardInvocations(layer: LayerSlot, batch: number, blocking: DenseBlocking = GPU_BLOCKING): number {
  const { R, C } = forwardBlock(layer, batch, blocking);
  return (batch / R) * (layer.fanOut / vector(layer.fanOut).width / C);
}

/** Bindings: x [B, K] f32 (read), weights (read), y [B, N] (write). */
export function forwardKernel(layer: LayerSlot, batch: number, blocking: DenseBlocking = GPU_BLOCKING): string {
  const { fanIn: K, fanOut: N } = layer;
  const v = vector(N);
  const NV = N / v.width;
  const { R, C } = forwardBlock(layer, batch, blocking);
  const act = (a: string) => (layer.relu ? `max(${a}, ${zero(v.type)})` : a);
  const decls: string[] = [];
  const writes: string[] = [];
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) decls.push(`var a${r}_${c} = bias${c};`);
  const loop = outerProductBody(R, C, (r) => `x[xi${plus(r * K)}]`, (c) => `weights[wi${plus(c)}]`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) writes.push(`y[o + ${r * NV + c}u] = ${act(`a${r}_${c}`)};`);
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<${v.type}>;
@group(0) @binding(2) var<storage, read_write> y: array<${v.type}>;
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${(batch / R) * (NV / C)}u) { return; }
  let c0 = (t % ${NV / C}u) * ${C}u;
  let b0 = (t / ${NV / C}u) * ${R}u;
  ${range(C).map((c) => `let bias${c} = weights[${layer.biasOffset / v.width + c}u + c0];`).join('\n  ')}
  ${decls.join(' ')}
  var xi = b0 * ${K}u;
  var wi = ${layer.weightOffset / v.width}u + c0;
  for (var k = 0u; k < ${K}u; k++) {
    ${loop.join('\n    ')}
    xi += 1u;
    wi += ${NV}u;
  }
  let o = b0 * ${NV}u + c0;
  ${writes.join('\n  ')}
}
`;
}

function inputGradientBlock(layer: LayerSlot, batch: number, blocking: DenseBlocking): { R: number; C: number } {
  return { R: fit(blocking.inputGradient[0], batch), C: Math.max(1, Math.min(blocking.inputGradient[1], layer.fanIn)) };
}

/** Invocations of inputGradient(): B/R row blocks x ceil(K/C) input blocks. */
export function inputGradientInvocations(layer: LayerSlot, batch: number, blocking: DenseBlocking = GPU_BLOCKING): number {
  const { R, C } = inputGradientBlock(layer, batch, blocking);
  return (batch / R) * Math.ceil(layer.fanIn / C);
}

/**
 * dX[b, k] = sum_n dZ[b, n] W[k, n], times step(X[b, k]) when `maskByInput` (the input is the
 * previous layer's ReLU output, so this gives that layer's dZ).
 * Bindings: dZ [B, N] (read), weights (read), x [B, K] (read; only when masked), dX [B, K] (write).
 */
export function inputGradientKernel(layer: LayerSlot, batch: number, maskByInput: boolean, blocking: DenseBlocking = GPU_BLOCKING): string {
  const { fanIn: K, fanOut: N } = layer;
  const v = vector(N);
  const NV = N / v.width;
  const { R, C } = inputGradientBlock(layer, batch, blocking);
  const KB = Math.ceil(K / C);
  const body: string[] = [];
  for (let r = 0; r < R; r++) body.push(`    let d${r} = dz[${r === 0 ? 'zi' : `zi + ${r * NV}u`}];`);
  for (let c = 0; c < C; c++) body.push(`    let w${c} = weights[w${c}i + n];`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) body.push(`    a${r}_${c} += ${v.dot(`d${r}`, `w${c}`)};`);
  const writes: string[] = [];
  for (let c = 0; c < C; c++) {
    writes.push(`  if (k0 + ${c}u < ${K}u) {`);
    for (let r = 0; r < R; r++) {
      const index = `(b0 + ${r}u) * ${K}u + k0 + ${c}u`;
      writes.push(`    dx[${index}] = ${maskByInput ? `select(0.0, a${r}_${c}, x[${index}] > 0.0)` : `a${r}_${c}`};`);
    }
    writes.push('  }');
  }
  const decls = [
    `@group(0) @binding(0) var<storage, read> dz: array<${v.type}>;`,
    `@group(0) @binding(1) var<storage, read> weights: array<${v.type}>;`,
  ];
  if (maskByInput) decls.push('@group(0) @binding(2) var<storage, read> x: array<f32>;');
  decls.push(`@group(0) @binding(${maskByInput ? 3 : 2}) var<storage, read_write> dx: array<f32>;`);
  const accs: string[] = [];
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) accs.push(`a${r}_${c}`);
  return /* wgsl */ `
${decls.join('\n')}
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${(batch / R) * KB}u) { return; }
  let k0 = (t % ${KB}u) * ${C}u;
  let b0 = (t / ${KB}u) * ${R}u;
  ${accs.map((a) => `var ${a} = 0.0;`).join(' ')}
  // rows of W past K read row K - 1 (their sums are never written)
  ${range(C).map((c) => `let w${c}i = ${layer.weightOffset / v.width}u + min(k0${c === 0 ? '' : ` + ${c}u`}, ${K - 1}u) * ${NV}u;`).join('\n  ')}
  var zi = b0 * ${NV}u;
  for (var n = 0u; n < ${NV}u; n++) {
${body.join('\n')}
    zi += 1u;
  }
${writes.join('\n')}
}
`;
}

function weightGradientBlock(layer: LayerSlot, blocking: DenseBlocking): { R: number; C: number } {
  const v = vector(layer.fanOut);
  return { R: Math.max(1, Math.min(blocking.weightGradient[0], layer.fanIn)), C: fit(blocking.weightGradient[1], layer.fanOut / v.width) };
}

/** Invocations of weightGradient(): S slices x ceil(K/R) input blocks x N/(width C) column blocks. */
export function weightGradientInvocations(layer: LayerSlot, slices: number, blocking: DenseBlocking = GPU_BLOCKING): number {
  const { R, C } = weightGradientBlock(layer, blocking);
  return slices * Math.ceil(layer.fanIn / R) * (layer.fanOut / vector(layer.fanOut).width / C);
}

/**
 * Partial weight and bias gradients of batch slice s: partial[s * P + weightOffset + k * N + n] =
 * sum over the slice's rows b of X[b, k] dZ[b, n]; the invocations of the first input block also sum
 * dZ's columns into partial[s * P + biasOffset + n].
 * Bindings: x [B, K] (read), dZ [B, N] (read), partial [S, P] (write).
 */
export function weightGradientKernel(layer: LayerSlot, batch: number, slices: number, packedSize: number, blocking: DenseBlocking = GPU_BLOCKING): string {
  const { fanIn: K, fanOut: N } = layer;
  const v = vector(N);
  const NV = N / v.width;
  const { R, C } = weightGradientBlock(layer, blocking);
  const KB = Math.ceil(K / R);
  const CB = NV / C;
  const rowsPerSlice = Math.ceil(batch / slices);
  const PV = packedSize / v.width;
  const z = zero(v.type);
  const loop = outerProductBody(R, C, (r) => `x[xi + k${r}]`, (c) => `dz[zi${plus(c)}]`);
  for (let c = 0; c < C; c++) loop.push(`bias${c} += q${c};`);
  const writes: string[] = [];
  for (let r = 0; r < R; r++) {
    const guard = r === 0 ? '' : `if (kFirst + ${r}u < ${K}u) `;
    writes.push(`${guard}{ ${range(C).map((c) => `partial[w + (kFirst + ${r}u) * ${NV}u + ${c}u] = a${r}_${c};`).join(' ')} }`);
  }
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dz: array<${v.type}>;
@group(0) @binding(2) var<storage, read_write> partial: array<${v.type}>;
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${slices * KB * CB}u) { return; }
  let c0 = (t % ${CB}u) * ${C}u;
  let kb = (t / ${CB}u) % ${KB}u;
  let s = t / ${CB * KB}u;
  let kFirst = kb * ${R}u;
  ${range(R).map((r) => `let k${r} = min(kFirst${r === 0 ? '' : ` + ${r}u`}, ${K - 1}u);`).join('\n  ')}
  ${range(R).flatMap((r) => range(C).map((c) => `var a${r}_${c} = ${z};`)).join(' ')}
  ${range(C).map((c) => `var bias${c} = ${z};`).join(' ')}
  let first = s * ${rowsPerSlice}u;
  let last = min(first + ${rowsPerSlice}u, ${batch}u);
  for (var b = first; b < last; b++) {
    let zi = b * ${NV}u + c0;
    let xi = b * ${K}u;
    ${loop.join('\n    ')}
  }
  let base = s * ${PV}u;
  let w = base + ${layer.weightOffset / v.width}u + c0;
  ${writes.join('\n  ')}
  if (kb == 0u) { ${range(C).map((c) => `partial[base + ${layer.biasOffset / v.width + c}u + c0] = bias${c};`).join(' ')} }
}
`;
}

/** Where each layer's W^T [N, Kp] sits in the transposed buffer (floats; multiples of 4). */
export interface TransposedLayout {
  /** [layers] offset of layer l's W^T. */
  offsets: number[];
  /** Floats of the whole buffer. */
  size: number;
}

/** Kp: the fan-in rounded up to a multiple of 4 (rows of W^T are padded to it). */
export function paddedFanIn(layer: LayerSlot): number {
  return Math.ceil(layer.fanIn / 4) * 4;
}

export function transposedLayout(layers: readonly LayerSlot[]): TransposedLayout {
  const offsets: number[] = [];
  let size = 0;
  for (const layer of layers) {
    offsets.push(size);
    size += layer.fanOut * paddedFanIn(layer);
  }
  return { offsets, size: Math.max(size, 4) };
}

/** Invocations of transpose(): one per weight, K x N. */
export function transposeInvocations(layer: LayerSlot): number {
  return layer.fanIn * layer.fanOut;
}

/**
 * wt[offset + n * Kp + k] = W[k, n] (the padding columns k >= K stay 0 from creation).
 * Bindings: weights (read, f32), wt (write, f32).
 */
export function transposeKernel(layer: LayerSlot, offset: number): string {
  const { fanIn: K, fanOut: N } = layer;
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> weights: array<f32>;
@group(0) @binding(1) var<storage, read_write> wt: array<f32>;
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${K * N}u) { return; }
  let k = t / ${N}u;
  let n = t % ${N}u;
  wt[${offset}u + n * ${paddedFanIn(layer)}u + k] = weights[${layer.weightOffset}u + t];
}
`;
}

function transposedBlock(layer: LayerSlot, batch: number, blocking: DenseBlocking): { R: number; C: number } {
  return { R: fit(blocking.inputGradient[0], batch), C: fit(blocking.inputGradient[1], paddedFanIn(layer) / 4) };
}

/** Invocations of transposedInputGradient(): B/R row blocks x Kp/(4C) input blocks. */
export function transposedInputGradientInvocations(layer: LayerSlot, batch: number, blocking: DenseBlocking): number {
  const { R, C } = transposedBlock(layer, batch, blocking);
  return (batch / R) * (paddedFanIn(layer) / 4 / C);
}

/**
 * The input gradient of inputGradientKernel() from W^T: dX[b, k] = sum_n dZ[b, n] W^T[n, k], times
 * step(X[b, k]) when `maskByInput`; one invocation accumulates R rows x C vec4s of inputs.
 * Bindings: dZ [B, N] (read), wt (read), x [B, K] (read; only when masked), dX [B, K] (write).
 */
export function transposedInputGradientKernel(layer: LayerSlot, batch: number, maskByInput: boolean, blocking: DenseBlocking, offset: number): string {
  const { fanIn: K, fanOut: N } = layer;
  const KV = paddedFanIn(layer) / 4;
  const { R, C } = transposedBlock(layer, batch, blocking);
  const loop = outerProductBody(R, C, (r) => `dz[zi${plus(r * N)}]`, (c) => `wt[wi${plus(c)}]`);
  const writes: string[] = [];
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < 4; j++) {
      const k = `k0 + ${c * 4 + j}u`;
      writes.push(`if (${k} < ${K}u) {`);
      for (let r = 0; r < R; r++) {
        const index = `(b0 + ${r}u) * ${K}u + ${k}`;
        const value = `a${r}_${c}[${j}]`;
        writes.push(`  dx[${index}] = ${maskByInput ? `select(0.0, ${value}, x[${index}] > 0.0)` : value};`);
      }
      writes.push('}');
    }
  }
  const decls = ['@group(0) @binding(0) var<storage, read> dz: array<f32>;', '@group(0) @binding(1) var<storage, read> wt: array<vec4<f32>>;'];
  if (maskByInput) decls.push('@group(0) @binding(2) var<storage, read> x: array<f32>;');
  decls.push(`@group(0) @binding(${maskByInput ? 3 : 2}) var<storage, read_write> dx: array<f32>;`);
  return /* wgsl */ `
${decls.join('\n')}
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${(batch / R) * (KV / C)}u) { return; }
  let c0 = (t % ${KV / C}u) * ${C}u;
  let b0 = (t / ${KV / C}u) * ${R}u;
  let k0 = c0 * 4u;
  ${range(R).flatMap((r) => range(C).map((c) => `var a${r}_${c} = vec4<f32>(0.0);`)).join(' ')}
  var zi = b0 * ${N}u;
  var wi = ${offset / 4}u + c0;
  for (var n = 0u; n < ${N}u; n++) {
    ${loop.join('\n    ')}
    zi += 1u;
    wi += ${KV}u;
  }
  ${writes.join('\n  ')}
}
`;
}
