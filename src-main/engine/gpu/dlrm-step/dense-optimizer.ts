/**
 * The dense optimizer as one dispatch over every MLP weight and bias, packed in one buffer, with the
 * gradient summed from the weight-gradient kernels' batch slices first. Rules as ../../train/optimizers.ts
 * (PyTorch's): g = sum_s partial[s] (+ wd w), then
 *   sgd      w -= lr g
 *   adagrad  a += g^2; w -= (lr g) / (sqrt(a) + 1e-10)
 *   adam     m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= (lr / c1) (m / (sqrt(v) / sqrt(c2) + 1e-8))
 * with lr, lr / c1 and sqrt(c2) (c_i = 1 - b_i^t) in the step params.
 */
import type { OptimizerKind } from '../../../domain';
import { f32Literal, roundUp, WGSL_LINEAR, WORKGROUP } from './resources';
import type { LayerSlot } from './dense-layers';

// the CPU path's constants (../../train/optimizers.ts; not imported: that module loads tfjs, the step does not)
const ADAGRAD_EPSILON = 1e-10;
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/** Packed weights of an MLP stack: each layer's weight then bias, each at a multiple of 4 floats. */
export interface PackedLayout {
  /** Every layer of the bottom then the top MLP. */
  layers: LayerSlot[];
  /** P: floats in the packed buffer (a multiple of 4). */
  size: number;
}

/**
 * @param mlps widths of each MLP ([I, ..., D], then [W, ..., 1]) and whether its last layer is linear.
 */
export function packedLayout(mlps: readonly { sizes: readonly number[]; lastLinear: boolean }[]): PackedLayout {
  const layers: LayerSlot[] = [];
  let at = 0;
  for (const { sizes, lastLinear } of mlps) {
    for (let l = 0; l + 1 < sizes.length; l++) {
      const weightOffset = at;
      at = roundUp(at + sizes[l] * sizes[l + 1], 4);
      const biasOffset = at;
      at = roundUp(at + sizes[l + 1], 4);
      layers.push({ fanIn: sizes[l], fanOut: sizes[l + 1], weightOffset, biasOffset, relu: !(lastLinear && l === sizes.length - 2) });
    }
  }
  return { layers, size: at };
}

/** Packs the weight and bias arrays (order of variables(): w0, b0, w1, b1, ...) into [P]. */
export function packWeights(layout: PackedLayout, arrays: readonly Float32Array[]): Float32Array {
  if (arrays.length !== 2 * layout.layers.length) throw new Error(`expected ${2 * layout.layers.length} weight arrays, got ${arrays.length}`);
  const packed = new Float32Array(layout.size);
  layout.layers.forEach((layer, l) => {
    const w = arrays[2 * l];
    const b = arrays[2 * l + 1];
    if (w.length !== layer.fanIn * layer.fanOut || b.length !== layer.fanOut) {
      throw new Error(`layer ${l}: expected ${layer.fanIn}x${layer.fanOut} weights and ${layer.fanOut} biases, got ${w.length} and ${b.length}`);
    }
    packed.set(w, layer.weightOffset);
    packed.set(b, layer.biasOffset);
  });
  return packed;
}

/** The inverse of packWeights. */
export function unpackWeights(layout: PackedLayout, packed: Float32Array): Float32Array[] {
  return layout.layers.flatMap((layer) => [
    packed.slice(layer.weightOffset, layer.weightOffset + layer.fanIn * layer.fanOut),
    packed.slice(layer.biasOffset, layer.biasOffset + layer.fanOut),
  ]);
}

/** State buffers of a rule: adagrad one accumulator per weight, adam two moments. */
export function stateBufferCount(kind: OptimizerKind): number {
  return kind === 'sgd' ? 0 : kind === 'adagrad' ? 1 : 2;
}

/** Bindings: weights [P] (read_write), partial [S, P] (read), state buffers [P] each, params. */
export function denseOptimizerKernel(kind: OptimizerKind, size: number, slices: number, weightDecay: number, paramsStruct: string): string {
  const decls = ['@group(0) @binding(0) var<storage, read_write> weights: array<f32>;', '@group(0) @binding(1) var<storage, read> partial: array<f32>;'];
  const count = stateBufferCount(kind);
  for (let i = 0; i < count; i++) decls.push(`@group(0) @binding(${2 + i}) var<storage, read_write> state${i}: array<f32>;`);
  decls.push(`@group(0) @binding(${2 + count}) var<uniform> params: StepParams;`);
  let rule: string;
  if (kind === 'sgd') rule = 'weights[i] = w - params.denseLr * g;';
  else if (kind === 'adagrad') {
    rule = `let a = state0[i] + g * g;
  state0[i] = a;
  weights[i] = w - (g * params.denseLr) / (sqrt(a) + ${f32Literal(ADAGRAD_EPSILON)});`;
  } else {
    rule = `let m = state0[i] * ${f32Literal(ADAM_BETA1)} + g * ${f32Literal(1 - ADAM_BETA1)};
  let v = state1[i] * ${f32Literal(ADAM_BETA2)} + (g * g) * ${f32Literal(1 - ADAM_BETA2)};
  state0[i] = m;
  state1[i] = v;
  weights[i] = w - params.adamStepSize * (m / (sqrt(v) / params.adamSqrtCorrection2 + ${f32Literal(ADAM_EPSILON)}));`;
  }
  return /* wgsl */ `
${paramsStruct}
${decls.join('\n')}
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = linearIndex(gid, groups);
  if (i >= ${size}u) { return; }
  var g = 0.0;
  for (var s = 0u; s < ${slices}u; s++) { g += partial[s * ${size}u + i]; }
  let w = weights[i];
  ${weightDecay > 0 ? `g += w * ${f32Literal(weightDecay)};` : ''}
  ${rule}
}
`;
}
