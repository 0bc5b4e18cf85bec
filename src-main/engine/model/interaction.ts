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
import type { InteractionKind } from '../../domain';
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
  const { vectors: V, dim: D, outputWidth: W } = layout;
  const out = new Float32Array(batchSize * W);
  if (layout.kind === 'cat') {
    out.set(vectors.subarray(0, batchSize * V * D));
    return out;
  }
  // pairs in tril order: i ascending, then j ascending up to i - 1 (or i with self-interaction)
  const self = layout.kind === 'dot-self' ? 1 : 0;
  for (let b = 0; b < batchSize; b++) {
    const t = b * V * D;
    const o = b * W;
    for (let d = 0; d < D; d++) out[o + d] = vectors[t + d];
    let k = o + D;
    if (D === 16) {
      k = pairDots16(vectors, t, V, self, out, k);
    } else {
      for (let i = 0; i < V; i++) {
        const ti = t + i * D;
        for (let j = 0; j < i + self; j++) out[k++] = dot(vectors, ti, t + j * D, D);
      }
    }
  }
  if (pairMask) {
    const { first, second } = layout;
    for (let b = 0; b < batchSize; b++) {
      const o = b * W + D;
      for (let p = 0; p < first.length; p++) out[o + p] *= pairMask[first[p] * V + second[p]];
    }
  }
  return out;
}

/** <x[a .. a + D), x[c .. c + D)> with four independent sums (shorter dependency chains in V8). */
function dot(x: Float32Array, a: number, c: number, D: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let d = 0;
  for (; d + 4 <= D; d += 4) {
    a0 += x[a + d] * x[c + d];
    a1 += x[a + d + 1] * x[c + d + 1];
    a2 += x[a + d + 2] * x[c + d + 2];
    a3 += x[a + d + 3] * x[c + d + 3];
  }
  for (; d < D; d++) a0 += x[a + d] * x[c + d];
  return a0 + a1 + (a2 + a3);
}

/**
 * The pair dots of one row for D = 16 (the criteo-kaggle width): each T_i is read into locals once
 * and dotted with every T_j, about twice as fast as reading both vectors per pair.
 * @returns the next output position.
 */
function pairDots16(x: Float32Array, t: number, V: number, self: number, out: Float32Array, k: number): number {
  for (let i = 0; i < V; i++) {
    const a = t + i * 16;
    const i0 = x[a], i1 = x[a + 1], i2 = x[a + 2], i3 = x[a + 3], i4 = x[a + 4], i5 = x[a + 5], i6 = x[a + 6], i7 = x[a + 7];
    const i8 = x[a + 8], i9 = x[a + 9], i10 = x[a + 10], i11 = x[a + 11], i12 = x[a + 12], i13 = x[a + 13], i14 = x[a + 14], i15 = x[a + 15];
    const last = i + self;
    for (let j = 0; j < last; j++) {
      const c = t + j * 16;
      out[k++] =
        i0 * x[c] + i1 * x[c + 1] + i2 * x[c + 2] + i3 * x[c + 3] +
        (i4 * x[c + 4] + i5 * x[c + 5] + i6 * x[c + 6] + i7 * x[c + 7]) +
        (i8 * x[c + 8] + i9 * x[c + 9] + i10 * x[c + 10] + i11 * x[c + 11]) +
        (i12 * x[c + 12] + i13 * x[c + 13] + i14 * x[c + 14] + i15 * x[c + 15]);
    }
  }
  return k;
}

/**
 * Backward of the interaction. With S the symmetric [V, V] matrix of pair gradients (S_ij = S_ji =
 * g of pair (i, j); S_ii = 2 g of (i, i) with self-interaction, else 0), the gradient of the vectors
 * is S T per row, plus the bottom output's direct part.
 * @param vectors [B, V, D] (forward input)  @param outputGradient [B, W]
 * @returns d loss / d vectors, [B, V, D]
 */
export function interactionBackward(vectors: Float32Array, outputGradient: Float32Array, batchSize: number, layout: PairLayout): Float32Array {
  const { vectors: V, dim: D, outputWidth: W } = layout;
  if (layout.kind === 'cat') return outputGradient.slice(0, batchSize * V * D);
  const grad = new Float32Array(batchSize * V * D);
  const self = layout.kind === 'dot-self' ? 1 : 0;
  const S = new Float64Array(V * V);
  const acc = new Float64Array(D);
  for (let b = 0; b < batchSize; b++) {
    const t = b * V * D;
    const o = b * W;
    let k = o + D;
    for (let i = 0; i < V; i++) {
      for (let j = 0; j < i; j++) {
        const g = outputGradient[k++];
        S[i * V + j] = g;
        S[j * V + i] = g;
      }
      S[i * V + i] = self ? 2 * outputGradient[k++] : 0;
    }
    if (D === 16) {
      symmetricTimes16(S, vectors, t, V, grad);
    } else {
      for (let i = 0; i < V; i++) {
        acc.fill(0);
        for (let j = 0; j < V; j++) {
          const s = S[i * V + j];
          if (s === 0) continue;
          const c = t + j * D;
          for (let d = 0; d < D; d++) acc[d] += s * vectors[c + d];
        }
        const a = t + i * D;
        for (let d = 0; d < D; d++) grad[a + d] = acc[d];
      }
    }
    // the bottom output also reaches the top MLP directly
    for (let d = 0; d < D; d++) grad[t + d] += outputGradient[o + d];
  }
  return grad;
}

/** grad[row] = S T for one row with D = 16, the sums held in locals. */
function symmetricTimes16(S: Float64Array, x: Float32Array, t: number, V: number, grad: Float32Array): void {
  for (let i = 0; i < V; i++) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    let a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
    const row = i * V;
    for (let j = 0; j < V; j++) {
      const s = S[row + j];
      if (s === 0) continue;
      const c = t + j * 16;
      a0 += s * x[c]; a1 += s * x[c + 1]; a2 += s * x[c + 2]; a3 += s * x[c + 3];
      a4 += s * x[c + 4]; a5 += s * x[c + 5]; a6 += s * x[c + 6]; a7 += s * x[c + 7];
      a8 += s * x[c + 8]; a9 += s * x[c + 9]; a10 += s * x[c + 10]; a11 += s * x[c + 11];
      a12 += s * x[c + 12]; a13 += s * x[c + 13]; a14 += s * x[c + 14]; a15 += s * x[c + 15];
    }
    const a = t + i * 16;
    grad[a] = a0; grad[a + 1] = a1; grad[a + 2] = a2; grad[a + 3] = a3;
    grad[a + 4] = a4; grad[a + 5] = a5; grad[a + 6] = a6; grad[a + 7] = a7;
    grad[a + 8] = a8; grad[a + 9] = a9; grad[a + 10] = a10; grad[a + 11] = a11;
    grad[a + 12] = a12; grad[a + 13] = a13; grad[a + 14] = a14; grad[a + 15] = a15;
  }
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
