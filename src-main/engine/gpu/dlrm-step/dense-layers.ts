/**
 * Fused dense-layer kernels over a packed weight buffer (every layer's weight [K, N] and bias [N] at
 * offsets that are multiples of 4 floats, see packedLayout in dense-optimizer.ts):
 *   forward        Y = act(X W + b)                                  one invocation: 4 rows x 4 columns
 *   input gradient dX = (dZ W^T) * step(X) (or without the step)     one invocation: 4 rows x 4 inputs
 *   weight grad    dW_s = X_s^T dZ_s over batch slice s, with the    one invocation: 4 inputs x 4
 *                  bias gradient db_s = colsum(dZ_s) fused             columns of one slice
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

function vector(n: number): { width: number; type: string; dot: (a: string, b: string) => string } {
  return n % 4 === 0
    ? { width: 4, type: 'vec4<f32>', dot: (a, b) => `dot(${a}, ${b})` }
    : { width: 1, type: 'f32', dot: (a, b) => `(${a} * ${b})` };
}

/** Invocations of forward(): B/4 row blocks x N/width column vectors. */
export function forwardInvocations(layer: LayerSlot, batch: number): number {
  return (batch / 4) * (layer.fanOut / vector(layer.fanOut).width);
}

/** Bindings: x [B, K] f32 (read), weights (read), y [B, N] (write). */
export function forwardKernel(layer: LayerSlot, batch: number): string {
  const { fanIn: K, fanOut: N } = layer;
  const v = vector(N);
  const NV = N / v.width;
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<${v.type}>;
@group(0) @binding(2) var<storage, read_write> y: array<${v.type}>;
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${(batch / 4) * NV}u) { return; }
  let col = t % ${NV}u;
  let b0 = (t / ${NV}u) * 4u;
  let bias = weights[${layer.biasOffset / v.width}u + col];
  var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias;
  var xi = b0 * ${K}u;
  var wi = ${layer.weightOffset / v.width}u + col;
  for (var k = 0u; k < ${K}u; k++) {
    let w = weights[wi];
    a0 += x[xi] * w;
    a1 += x[xi + ${K}u] * w;
    a2 += x[xi + ${2 * K}u] * w;
    a3 += x[xi + ${3 * K}u] * w;
    xi += 1u;
    wi += ${NV}u;
  }
  let o = b0 * ${NV}u + col;
  y[o] = ${layer.relu ? 'max(a0, ' + zero(v.type) + ')' : 'a0'};
  y[o + ${NV}u] = ${layer.relu ? 'max(a1, ' + zero(v.type) + ')' : 'a1'};
  y[o + ${2 * NV}u] = ${layer.relu ? 'max(a2, ' + zero(v.type) + ')' : 'a2'};
  y[o + ${3 * NV}u] = ${layer.relu ? 'max(a3, ' + zero(v.type) + ')' : 'a3'};
}
`;
}

function zero(type: string): string {
  return type === 'f32' ? '0.0' : `${type}(0.0)`;
}

/** Invocations of inputGradient(): B/4 row blocks x ceil(K/4) input blocks. */
export function inputGradientInvocations(layer: LayerSlot, batch: number): number {
  return (batch / 4) * Math.ceil(layer.fanIn / 4);
}

/**
 * dX[b, k] = sum_n dZ[b, n] W[k, n], times step(X[b, k]) when `maskByInput` (the input is the
 * previous layer's ReLU output, so this gives that layer's dZ).
 * Bindings: dZ [B, N] (read), weights (read), x [B, K] (read; only when masked), dX [B, K] (write).
 */
export function inputGradientKernel(layer: LayerSlot, batch: number, maskByInput: boolean): string {
  const { fanIn: K, fanOut: N } = layer;
  const v = vector(N);
  const NV = N / v.width;
  const KB = Math.ceil(K / 4);
  const body: string[] = [];
  for (let r = 0; r < 4; r++) body.push(`    let d${r} = dz[${r === 0 ? 'zi' : `zi + ${r * NV}u`}];`);
  for (let c = 0; c < 4; c++) body.push(`    let w${c} = weights[w${c}i + n];`);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) body.push(`    a${r}${c} += ${v.dot(`d${r}`, `w${c}`)};`);
  const writes: string[] = [];
  for (let c = 0; c < 4; c++) {
    writes.push(`  if (k0 + ${c}u < ${K}u) {`);
    for (let r = 0; r < 4; r++) {
      const index = `(b0 + ${r}u) * ${K}u + k0 + ${c}u`;
      writes.push(`    dx[${index}] = ${maskByInput ? `select(0.0, a${r}${c}, x[${index}] > 0.0)` : `a${r}${c}`};`);
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
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) accs.push(`a${r}${c}`);
  return /* wgsl */ `
${decls.join('\n')}
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${(batch / 4) * KB}u) { return; }
  let k0 = (t % ${KB}u) * 4u;
  let b0 = (t / ${KB}u) * 4u;
  ${accs.map((a) => `var ${a} = 0.0;`).join(' ')}
  // rows of W past K read row K - 1 (their sums are never written)
  let w0i = ${layer.weightOffset / v.width}u + min(k0, ${K - 1}u) * ${NV}u;
  let w1i = ${layer.weightOffset / v.width}u + min(k0 + 1u, ${K - 1}u) * ${NV}u;
  let w2i = ${layer.weightOffset / v.width}u + min(k0 + 2u, ${K - 1}u) * ${NV}u;
  let w3i = ${layer.weightOffset / v.width}u + min(k0 + 3u, ${K - 1}u) * ${NV}u;
  var zi = b0 * ${NV}u;
  for (var n = 0u; n < ${NV}u; n++) {
${body.join('\n')}
    zi += 1u;
  }
${writes.join('\n')}
}
`;
}

/** Invocations of weightGradient(): S slices x ceil(K/4) input blocks x N/width column vectors. */
export function weightGradientInvocations(layer: LayerSlot, slices: number): number {
  return slices * Math.ceil(layer.fanIn / 4) * (layer.fanOut / vector(layer.fanOut).width);
}

/**
 * Partial weight and bias gradients of batch slice s: partial[s * P + weightOffset + k * N + n] =
 * sum over the slice's rows b of X[b, k] dZ[b, n]; the invocations of the first input block also sum
 * dZ's columns into partial[s * P + biasOffset + n].
 * Bindings: x [B, K] (read), dZ [B, N] (read), partial [S, P] (write).
 */
export function weightGradientKernel(layer: LayerSlot, batch: number, slices: number, packedSize: number): string {
  const { fanIn: K, fanOut: N } = layer;
  const v = vector(N);
  const NV = N / v.width;
  const KB = Math.ceil(K / 4);
  const rowsPerSlice = Math.ceil(batch / slices);
  const PV = packedSize / v.width;
  const z = zero(v.type);
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dz: array<${v.type}>;
@group(0) @binding(2) var<storage, read_write> partial: array<${v.type}>;
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${slices * KB * NV}u) { return; }
  let col = t % ${NV}u;
  let kb = (t / ${NV}u) % ${KB}u;
  let s = t / ${NV * KB}u;
  let k0 = kb * 4u;
  let k1 = min(k0 + 1u, ${K - 1}u);
  let k2 = min(k0 + 2u, ${K - 1}u);
  let k3 = min(k0 + 3u, ${K - 1}u);
  var a0 = ${z}; var a1 = ${z}; var a2 = ${z}; var a3 = ${z}; var bias = ${z};
  let first = s * ${rowsPerSlice}u;
  let last = min(first + ${rowsPerSlice}u, ${batch}u);
  for (var b = first; b < last; b++) {
    let d = dz[b * ${NV}u + col];
    let xi = b * ${K}u;
    a0 += x[xi + k0] * d;
    a1 += x[xi + k1] * d;
    a2 += x[xi + k2] * d;
    a3 += x[xi + k3] * d;
    bias += d;
  }
  let base = s * ${PV}u;
  let w = base + ${layer.weightOffset / v.width}u + col;
  partial[w + k0 * ${NV}u] = a0;
  if (k0 + 1u < ${K}u) { partial[w + (k0 + 1u) * ${NV}u] = a1; }
  if (k0 + 2u < ${K}u) { partial[w + (k0 + 2u) * ${NV}u] = a2; }
  if (k0 + 3u < ${K}u) { partial[w + (k0 + 3u) * ${NV}u] = a3; }
  if (kb == 0u) { partial[base + ${layer.biasOffset / v.width}u + col] = bias; }
}
`;
}
