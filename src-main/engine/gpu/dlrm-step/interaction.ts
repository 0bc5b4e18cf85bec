/**
 * DLRM's feature interaction on the device, forward and backward one kernel each, for dot, dot-self
 * and cat (the pair order and output layout of ../../model/interaction.ts: the bottom output x first,
 * then the pairs (i, j), i > j (or i >= j with self), i ascending then j ascending).
 * The interaction vectors are T_0 = bottom output [B, D] and T_1..T_F = pooled [B, F, D].
 *
 * Backward: dT_i = sum_j S_ij T_j with S_ij = g(max(i,j), min(i,j)) for i != j and S_ii = 2 g(i,i)
 * with self-interaction (0 otherwise), plus the direct part of x for i = 0. The bottom MLP's last
 * layer is a ReLU, so the kernel writes that layer's dZ = dT_0 * step(T_0) directly.
 * One invocation per (row b, vector i). Shapes: B device batch, V = F + 1 vectors, D dim, W output width.
 */
import type { InteractionKind } from '../../../domain';
import { topInputWidth } from '../../model/architecture';
import { WGSL_LINEAR, WORKGROUP } from './resources';

export interface InteractionShape {
  kind: InteractionKind;
  numFeatures: number;
  dim: number;
  batch: number;
}

export function interactionWidth(shape: InteractionShape): number {
  return topInputWidth(shape.kind, shape.numFeatures, shape.dim);
}

export function interactionInvocations(shape: InteractionShape): number {
  return shape.batch * (shape.numFeatures + 1);
}

function common(shape: InteractionShape): string {
  const { numFeatures: F, dim: D } = shape;
  return /* wgsl */ `
fn vectorAt(b: u32, i: u32, d: u32) -> f32 {
  if (i == 0u) { return bottom[b * ${D}u + d]; }
  return pooled[(b * ${F}u + i - 1u) * ${D}u + d];
}
${WGSL_LINEAR}`;
}

/** Index of pair (i, j), i >= j, after the leading D outputs. */
function pairIndex(kind: InteractionKind, i: string, j: string): string {
  return kind === 'dot-self' ? `(${i} * (${i} + 1u) / 2u + ${j})` : `(${i} * (${i} - 1u) / 2u + ${j})`;
}

/** Bindings: bottom [B, D] (read), pooled [B, F, D] (read), z [B, W] (write). */
export function interactionForwardKernel(shape: InteractionShape): string {
  const { kind, numFeatures: F, dim: D, batch } = shape;
  const V = F + 1;
  const W = interactionWidth(shape);
  const body =
    kind === 'cat'
      ? `  for (var d = 0u; d < ${D}u; d++) { z[b * ${W}u + i * ${D}u + d] = vectorAt(b, i, d); }`
      : `  if (i == 0u) {
    for (var d = 0u; d < ${D}u; d++) { z[b * ${W}u + d] = bottom[b * ${D}u + d]; }
  }
  var ti: array<f32, ${D}>;
  for (var d = 0u; d < ${D}u; d++) { ti[d] = vectorAt(b, i, d); }
  for (var j = 0u; j < i${kind === 'dot-self' ? ' + 1u' : ''}; j++) {
    var s = 0.0;
    for (var d = 0u; d < ${D}u; d++) { s += ti[d] * vectorAt(b, j, d); }
    z[b * ${W}u + ${D}u + ${pairIndex(kind, 'i', 'j')}] = s;
  }`;
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> bottom: array<f32>;
@group(0) @binding(1) var<storage, read> pooled: array<f32>;
@group(0) @binding(2) var<storage, read_write> z: array<f32>;
${common(shape)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${batch * V}u) { return; }
  let i = t % ${V}u;
  let b = t / ${V}u;
${body}
}
`;
}

/**
 * Bindings: bottom [B, D] (read), pooled [B, F, D] (read; not for cat), dz [B, W] (read),
 * dBottom [B, D] (write: the bottom MLP's last dZ), dPooled [B, F, D] (write).
 */
export function interactionBackwardKernel(shape: InteractionShape): string {
  const { kind, numFeatures: F, dim: D, batch } = shape;
  const V = F + 1;
  const W = interactionWidth(shape);
  const gather =
    kind === 'cat'
      ? `  for (var d = 0u; d < ${D}u; d++) { acc[d] = dz[b * ${W}u + i * ${D}u + d]; }`
      : `  for (var j = 0u; j < ${V}u; j++) {
    var s = 0.0;
    if (j == i) {
      ${kind === 'dot-self' ? `s = 2.0 * dz[b * ${W}u + ${D}u + ${pairIndex(kind, 'i', 'i')}];` : 'continue;'}
    } else {
      let hi = max(i, j);
      let lo = min(i, j);
      s = dz[b * ${W}u + ${D}u + ${pairIndex(kind, 'hi', 'lo')}];
    }
    for (var d = 0u; d < ${D}u; d++) { acc[d] += s * vectorAt(b, j, d); }
  }
  if (i == 0u) {
    for (var d = 0u; d < ${D}u; d++) { acc[d] += dz[b * ${W}u + d]; }
  }`;
  // cat's backward only routes dz: it binds no pooled embeddings
  const decls =
    kind === 'cat'
      ? ['bottom: array<f32>', 'dz: array<f32>']
      : ['bottom: array<f32>', 'pooled: array<f32>', 'dz: array<f32>'];
  const outputs = ['dBottom: array<f32>', 'dPooled: array<f32>'];
  return /* wgsl */ `
${decls.map((d, i) => `@group(0) @binding(${i}) var<storage, read> ${d};`).join('\n')}
${outputs.map((d, i) => `@group(0) @binding(${decls.length + i}) var<storage, read_write> ${d};`).join('\n')}
${kind === 'cat' ? WGSL_LINEAR : common(shape)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linearIndex(gid, groups);
  if (t >= ${batch * V}u) { return; }
  let i = t % ${V}u;
  let b = t / ${V}u;
  var acc: array<f32, ${D}>;
${gather}
  if (i == 0u) {
    for (var d = 0u; d < ${D}u; d++) {
      dBottom[b * ${D}u + d] = select(0.0, acc[d], bottom[b * ${D}u + d] > 0.0);
    }
  } else {
    for (var d = 0u; d < ${D}u; d++) { dPooled[(b * ${F}u + i - 1u) * ${D}u + d] = acc[d]; }
  }
}
`;
}
