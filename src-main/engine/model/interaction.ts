/**
 * Feature interaction of DLRM, computed in plain JS over Float32Arrays as ONE custom-gradient op
 * (wasm's Slice/Gather/batched matmul kernels are naive, and the op is memory-bound anyway).
 * On device backends (webgpu, tensorflow, webgl: see usesDeviceOps in dense.ts) the same op is made of
 * tensor ops instead, so nothing is read back to the host: stack [B, V, D], batched T T^T, gather of
 * the kept pairs; its backward scatters by a gather with an inverse index (no UnsortedSegmentSum).
 *
 * The V = F + 1 interaction vectors of a row are the bottom-MLP output followed by the F pooled
 * embeddings. Output per row:
 *   dot      [x | T_i . T_j for i > j]           width D + V(V-1)/2
 *   dot-self [x | T_i . T_j for i >= j]          width D + V(V+1)/2
 *   cat      [T_0 | T_1 | ... | T_{V-1}]         width V * D
 * Pairs are ordered as torch.tril_indices(V, V, offset) enumerates them: row i ascending, then j
 * ascending, i.e. (1,0), (2,0), (2,1), (3,0), ... (with (0,0), (1,1), ... interleaved for dot-self).
 */
import * as tf from '@tensorflow/tfjs';
import type { InteractionKind } from '../../service/contract';
import { pairCount } from './architecture';
import { usesDeviceOps } from './dense';

/** Which vectors each output pair multiplies. */
export interface PairLayout {
  kind: InteractionKind;
  /** V. */
  vectors: number;
  /** D. */
  dim: number;
  /** Pair k multiplies vectors first[k] and second[k] (first >= second), [P]. */
  first: Int32Array;
  second: Int32Array;
  /** Width of one output row. */
  outputWidth: number;
}

const layoutCache = new Map<string, PairLayout>();

export function pairLayout(kind: InteractionKind, vectors: number, dim: number): PairLayout {
  const key = `${kind}/${vectors}/${dim}`;
  const cached = layoutCache.get(key);
  if (cached) return cached;
  const count = pairCount(kind, vectors);
  const first = new Int32Array(count);
  const second = new Int32Array(count);
  let k = 0;
  if (kind !== 'cat') {
    for (let i = 0; i < vectors; i++) {
      const last = kind === 'dot-self' ? i : i - 1;
      for (let j = 0; j <= last; j++) {
        first[k] = i;
        second[k] = j;
        k++;
      }
    }
  }
  const layout: PairLayout = {
    kind,
    vectors,
    dim,
    first,
    second,
    outputWidth: kind === 'cat' ? vectors * dim : dim + count,
  };
  layoutCache.set(key, layout);
  return layout;
}

/**
 * Stacks the bottom output and pooled embeddings into the interaction vectors.
 * @param bottom [B, D]  @param pooled [B, F, D]  @returns [B, V, D]
 */
export function stackVectors(bottom: Float32Array, pooled: Float32Array, batchSize: number, numFeatures: number, dim: number): Float32Array {
  const V = numFeatures + 1;
  const out = new Float32Array(batchSize * V * dim);
  for (let b = 0; b < batchSize; b++) {
    out.set(bottom.subarray(b * dim, (b + 1) * dim), b * V * dim);
    out.set(pooled.subarray(b * numFeatures * dim, (b + 1) * numFeatures * dim), (b * V + 1) * dim);
  }
  return out;
}

/**
 * Forward of the interaction.
 * @param vectors [B, V, D]
 * @param pairMask optional [V * V] multiplier of the dot of pair (i, j), read at i * V + j with i >= j.
 * @returns [B, layout.outputWidth]
 */
export function interactionForward(vectors: Float32Array, batchSize: number, layout: PairLayout, pairMask?: Float32Array): Float32Array {
  const { vectors: V, dim: D, first, second, outputWidth: W } = layout;
  const out = new Float32Array(batchSize * W);
  if (layout.kind === 'cat') {
    out.set(vectors.subarray(0, batchSize * V * D));
    return out;
  }
  const P = first.length;
  const unrolled = D % 4 === 0;
  for (let b = 0; b < batchSize; b++) {
    const t = b * V * D;
    const o = b * W;
    for (let d = 0; d < D; d++) out[o + d] = vectors[t + d];
    for (let k = 0; k < P; k++) {
      const ti = t + first[k] * D;
      const tj = t + second[k] * D;
      let acc: number;
      if (unrolled) {
        // four independent sums: shorter dependency chains (about 1.5x faster in V8)
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let d = 0; d < D; d += 4) {
          a0 += vectors[ti + d] * vectors[tj + d];
          a1 += vectors[ti + d + 1] * vectors[tj + d + 1];
          a2 += vectors[ti + d + 2] * vectors[tj + d + 2];
          a3 += vectors[ti + d + 3] * vectors[tj + d + 3];
        }
        acc = a0 + a1 + (a2 + a3);
      } else {
        acc = 0;
        for (let d = 0; d < D; d++) acc += vectors[ti + d] * vectors[tj + d];
      }
      out[o + D + k] = pairMask ? acc * pairMask[first[k] * V + second[k]] : acc;
    }
  }
  return out;
}

/**
 * Backward of the interaction.
 * @param vectors [B, V, D] (forward input)  @param outputGradient [B, W]
 * @returns d loss / d vectors, [B, V, D]
 */
export function interactionBackward(vectors: Float32Array, outputGradient: Float32Array, batchSize: number, layout: PairLayout): Float32Array {
  const { vectors: V, dim: D, first, second, outputWidth: W } = layout;
  if (layout.kind === 'cat') return outputGradient.slice(0, batchSize * V * D);
  const grad = new Float32Array(batchSize * V * D);
  const P = first.length;
  // pairs come grouped by their first vector i (tril order): the gradient of T_i is summed in a
  // float64 scratch row and written once when i changes
  const rowOfFirst = new Float64Array(D);
  const unrolled = D % 4 === 0;
  for (let b = 0; b < batchSize; b++) {
    const t = b * V * D;
    const o = b * W;
    for (let d = 0; d < D; d++) grad[t + d] = outputGradient[o + d];
    let current = -1;
    for (let k = 0; k <= P; k++) {
      const i = k < P ? first[k] : -2;
      if (i !== current) {
        if (current >= 0) {
          const ti = t + current * D;
          for (let d = 0; d < D; d++) grad[ti + d] += rowOfFirst[d];
        }
        if (k === P) break;
        rowOfFirst.fill(0);
        current = i;
      }
      const g = outputGradient[o + D + k];
      if (g === 0) continue;
      const ti = t + i * D;
      const tj = t + second[k] * D;
      // d(Ti . Tj)/dTi = Tj and d/dTj = Ti; for i == j both terms land on T_i, giving 2 g Ti as they should
      if (unrolled) {
        for (let d = 0; d < D; d += 4) {
          rowOfFirst[d] += g * vectors[tj + d];
          rowOfFirst[d + 1] += g * vectors[tj + d + 1];
          rowOfFirst[d + 2] += g * vectors[tj + d + 2];
          rowOfFirst[d + 3] += g * vectors[tj + d + 3];
          grad[tj + d] += g * vectors[ti + d];
          grad[tj + d + 1] += g * vectors[ti + d + 1];
          grad[tj + d + 2] += g * vectors[ti + d + 2];
          grad[tj + d + 3] += g * vectors[ti + d + 3];
        }
      } else {
        for (let d = 0; d < D; d++) {
          rowOfFirst[d] += g * vectors[tj + d];
          grad[tj + d] += g * vectors[ti + d];
        }
      }
    }
  }
  return grad;
}

/** Splits [B, V, D] into the bottom part [B, D] and the pooled part [B, F, D]. */
export function splitVectors(vectors: Float32Array, batchSize: number, numFeatures: number, dim: number): { bottom: Float32Array; pooled: Float32Array } {
  const V = numFeatures + 1;
  const bottom = new Float32Array(batchSize * dim);
  const pooled = new Float32Array(batchSize * numFeatures * dim);
  for (let b = 0; b < batchSize; b++) {
    bottom.set(vectors.subarray(b * V * dim, b * V * dim + dim), b * dim);
    pooled.set(vectors.subarray(b * V * dim + dim, (b + 1) * V * dim), b * numFeatures * dim);
  }
  return { bottom, pooled };
}

const interactionOps = new Map<string, (bottom: tf.Tensor2D, pooled: tf.Tensor3D) => tf.Tensor2D>();
const deviceInteractionOps = new Map<string, (bottom: tf.Tensor2D, pooled: tf.Tensor3D) => tf.Tensor2D>();

/** Index maps of the device path: where pair k sits in a row-major [V, V] product, and back. */
interface PairIndices {
  /** [P]: first[k] * V + second[k]. */
  pairPosition: Int32Array;
  /** [V * V]: the pair k stored at position i * V + j, or P (a zero column) for positions not kept. */
  pairAtPosition: Int32Array;
}

const pairIndexCache = new Map<string, PairIndices>();

function pairIndices(layout: PairLayout): PairIndices {
  const key = `${layout.kind}/${layout.vectors}`;
  const cached = pairIndexCache.get(key);
  if (cached) return cached;
  const V = layout.vectors;
  const P = layout.first.length;
  const pairPosition = new Int32Array(P);
  const pairAtPosition = new Int32Array(V * V).fill(P);
  for (let k = 0; k < P; k++) {
    pairPosition[k] = layout.first[k] * V + layout.second[k];
    pairAtPosition[pairPosition[k]] = k;
  }
  const result = { pairPosition, pairAtPosition };
  pairIndexCache.set(key, result);
  return result;
}

function checkShapes(x: tf.Tensor2D, emb: tf.Tensor3D): void {
  const [B, , D] = emb.shape;
  if (x.shape[1] !== D || x.shape[0] !== B) {
    throw new Error(`interaction: bottom output is [${x.shape}] but pooled embeddings are [${emb.shape}]`);
  }
}

/**
 * The interaction from tensor ops only (device path). Forward: T = [x | pooled] as [B, V, D],
 * products Z = T T^T [B, V, V], the kept pairs gathered from Z flattened. Backward: the pair gradient
 * is spread back to a [B, V, V] matrix G by a gather with the inverse index (positions not kept read
 * an appended zero column), then dT = (G + G^T) T, since d(T_i . T_j) reaches T_i as T_j and T_j as T_i
 * (a diagonal pair gets 2 g T_i, as it should).
 */
function makeDeviceInteraction(kind: InteractionKind): (bottom: tf.Tensor2D, pooled: tf.Tensor3D) => tf.Tensor2D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const emb = args[1] as tf.Tensor3D;
    const save = args[2] as tf.GradSaveFunc;
    checkShapes(x, emb);
    const [B, F, D] = emb.shape;
    const V = F + 1;
    const layout = pairLayout(kind, V, D);
    const vectors = tf.concat([tf.reshape(x, [B, 1, D]), emb], 1) as tf.Tensor3D;
    const split = (dVectors: tf.Tensor3D, dBottomDirect: tf.Tensor2D | null): tf.Tensor[] => {
      const dBottom = tf.reshape(tf.slice(dVectors, [0, 0, 0], [B, 1, D]), [B, D]);
      return [dBottomDirect ? tf.add(dBottom, dBottomDirect) : dBottom, tf.slice(dVectors, [0, 1, 0], [B, F, D])];
    };
    if (kind === 'cat') {
      return {
        value: tf.reshape(vectors, [B, V * D]) as tf.Tensor2D,
        gradFunc: (dy: tf.Tensor) => split(tf.reshape(dy, [B, V, D]), null),
      };
    }
    const P = layout.first.length;
    const { pairPosition, pairAtPosition } = pairIndices(layout);
    const products = tf.reshape(tf.matMul(vectors, vectors, false, true), [B, V * V]);
    const pairs = tf.gather(products, tf.tensor1d(pairPosition, 'int32'), 1);
    save([vectors]);
    return {
      value: tf.concat([x, pairs], 1) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const t = saved[0] as tf.Tensor3D;
        const dBottomDirect = tf.slice(dy, [0, 0], [B, D]) as tf.Tensor2D;
        const dPairs = tf.slice(dy, [0, D], [B, P]);
        const padded = tf.concat([dPairs, tf.zeros([B, 1])], 1);
        const g = tf.reshape(tf.gather(padded, tf.tensor1d(pairAtPosition, 'int32'), 1), [B, V, V]) as tf.Tensor3D;
        const symmetric = tf.add(g, tf.transpose(g, [0, 2, 1])) as tf.Tensor3D;
        return split(tf.matMul(symmetric, t), dBottomDirect);
      },
    };
  }) as (bottom: tf.Tensor2D, pooled: tf.Tensor3D) => tf.Tensor2D;
}

/**
 * The interaction as a differentiable tfjs op. The implementation follows the active backend (host
 * JS on wasm/cpu, tensor ops on device backends), unless `path` names one.
 * @param bottom bottom-MLP output [B, D]  @param pooled pooled embeddings [B, F, D]
 * @returns [B, D + pairs] for dot/dot-self, [B, V * D] for cat
 */
export function interact(kind: InteractionKind, bottom: tf.Tensor2D, pooled: tf.Tensor3D, path?: 'host' | 'device'): tf.Tensor2D {
  if (path ? path === 'device' : usesDeviceOps()) {
    let deviceOp = deviceInteractionOps.get(kind);
    if (!deviceOp) {
      deviceOp = makeDeviceInteraction(kind);
      deviceInteractionOps.set(kind, deviceOp);
    }
    return deviceOp(bottom, pooled);
  }
  let op = interactionOps.get(kind);
  if (!op) {
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor2D;
      const emb = args[1] as tf.Tensor3D;
      checkShapes(x, emb);
      const [B, F, D] = emb.shape;
      const layout = pairLayout(kind, F + 1, D);
      const vectors = stackVectors(x.dataSync() as Float32Array, emb.dataSync() as Float32Array, B, F, D);
      const out = interactionForward(vectors, B, layout);
      return {
        value: tf.tensor2d(out, [B, layout.outputWidth]),
        gradFunc: (dy: tf.Tensor) => {
          const grad = interactionBackward(vectors, dy.dataSync() as Float32Array, B, layout);
          const parts = splitVectors(grad, B, F, D);
          return [tf.tensor2d(parts.bottom, [B, D]), tf.tensor3d(parts.pooled, [B, F, D])];
        },
      };
    }) as (bottom: tf.Tensor2D, pooled: tf.Tensor3D) => tf.Tensor2D;
    interactionOps.set(kind, op);
  }
  return op(bottom, pooled);
}
