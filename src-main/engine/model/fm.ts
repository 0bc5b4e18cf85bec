/**
 * Second-order factorisation machine (Rendle 2010) on hashed Criteo fields, and the term it shares
 * with matrix factorisation and logistic regression.
 *
 * Each table row is W = D + 1 wide: column 0 is the value's linear weight w, columns 1..D its factor
 * vector v. The dense features enter as ONE more field: a linear projection u = x P + c of the I dense
 * values into the same D + 1 columns (u[0] is their linear term plus the global bias c[0]; u[1..D] is
 * a factor vector that interacts with every categorical field). This is the classic FM with each
 * dense feature i a real-valued feature of factor P_i (u = sum_i x_i P_i), except that the dense
 * features do not interact with each other, exactly as in DLRM, whose bottom MLP also makes the
 * dense features one vector. So the V = F + 1 vectors line up with DLRM's for the heatmaps.
 *
 * Per row, over the V vectors e_0 = u, e_1..e_F = pooled rows:
 *   logit = sum_v e_v[0] + sum_{i<j} <e_i[1..D], e_j[1..D]>
 *         = sum_v e_v[0] + 0.5 * sum_d ((sum_v e_v[d])^2 - sum_v e_v[d]^2)        (O(V D), not O(V^2 D))
 * Gradient: d/d e_v[0] = 1, d/d e_v[d] = s_d - e_v[d] with s = sum_v e_v. Both run in plain JS as
 * one custom-gradient op (like the DLRM interaction).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../domain';
import type { Batch, JaggedIndices } from '../data/types';
import { PairDotAccumulator, type CtrModel, type InteractionStrengths, type ModelWeights } from './ctr-model';
import { Mlp, usesDeviceOps } from './dense';
import { EmbeddingBagCollection } from './embedding';
import { stackVectors } from './interaction';
import { Rng } from '../random/rng';
import { tidyValues } from './tidy-values';

/**
 * Forward of the factorisation term.
 * @param pooled [B, F, W]  @param leading optional one more vector per row, [B, W] (the dense projection)
 * @returns [B]: sum of the column-0 entries plus the pairwise dots of columns 1..W-1 over all vectors
 */
export function factorizationForward(pooled: Float32Array, batchSize: number, numFields: number, width: number, leading?: Float32Array): Float32Array {
  const out = new Float32Array(batchSize);
  const sum = new Float64Array(width);
  for (let b = 0; b < batchSize; b++) {
    let squares = 0;
    if (leading) {
      const o = b * width;
      for (let d = 0; d < width; d++) {
        const x = leading[o + d];
        sum[d] = x;
        if (d > 0) squares += x * x;
      }
    } else {
      sum.fill(0);
    }
    for (let f = 0; f < numFields; f++) {
      const o = (b * numFields + f) * width;
      sum[0] += pooled[o];
      for (let d = 1; d < width; d++) {
        const x = pooled[o + d];
        sum[d] += x;
        squares += x * x;
      }
    }
    let total = 0;
    for (let d = 1; d < width; d++) total += sum[d] * sum[d];
    out[b] = sum[0] + 0.5 * (total - squares);
  }
  return out;
}

/**
 * Backward of factorizationForward.
 * @param outputGradient [B]
 * @returns gradients of pooled [B, F, W] and of leading [B, W] (null without leading)
 */
export function factorizationBackward(
  pooled: Float32Array,
  outputGradient: Float32Array,
  batchSize: number,
  numFields: number,
  width: number,
  leading?: Float32Array,
): { pooled: Float32Array; leading: Float32Array | null } {
  const pooledGradient = new Float32Array(pooled.length);
  const leadingGradient = leading ? new Float32Array(leading.length) : null;
  const sum = new Float64Array(width);
  for (let b = 0; b < batchSize; b++) {
    const g = outputGradient[b];
    sum.fill(0);
    if (leading) for (let d = 1; d < width; d++) sum[d] = leading[b * width + d];
    for (let f = 0; f < numFields; f++) {
      const o = (b * numFields + f) * width;
      for (let d = 1; d < width; d++) sum[d] += pooled[o + d];
    }
    if (leading && leadingGradient) {
      const o = b * width;
      leadingGradient[o] = g;
      for (let d = 1; d < width; d++) leadingGradient[o + d] = g * (sum[d] - leading[o + d]);
    }
    for (let f = 0; f < numFields; f++) {
      const o = (b * numFields + f) * width;
      pooledGradient[o] = g;
      for (let d = 1; d < width; d++) pooledGradient[o + d] = g * (sum[d] - pooled[o + d]);
    }
  }
  return { pooled: pooledGradient, leading: leadingGradient };
}

const fieldsOnlyOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const pooled = args[0] as tf.Tensor3D;
  const [B, F, W] = pooled.shape;
  const values = pooled.dataSync() as Float32Array;
  return {
    value: tf.tensor2d(factorizationForward(values, B, F, W), [B, 1]),
    gradFunc: (dy: tf.Tensor) => tf.tensor3d(factorizationBackward(values, dy.dataSync() as Float32Array, B, F, W).pooled, [B, F, W]),
  };
}) as (pooled: tf.Tensor3D) => tf.Tensor2D;

const withLeadingOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const leading = args[0] as tf.Tensor2D;
  const pooled = args[1] as tf.Tensor3D;
  const [B, F, W] = pooled.shape;
  if (leading.shape[0] !== B || leading.shape[1] !== W) throw new Error(`factorisation term: leading vector is [${leading.shape}] but pooled rows are [${pooled.shape}]`);
  const lead = leading.dataSync() as Float32Array;
  const values = pooled.dataSync() as Float32Array;
  return {
    value: tf.tensor2d(factorizationForward(values, B, F, W, lead), [B, 1]),
    gradFunc: (dy: tf.Tensor) => {
      const g = factorizationBackward(values, dy.dataSync() as Float32Array, B, F, W, lead);
      return [tf.tensor2d(g.leading as Float32Array, [B, W]), tf.tensor3d(g.pooled, [B, F, W])];
    },
  };
}) as (leading: tf.Tensor2D, pooled: tf.Tensor3D) => tf.Tensor2D;

/**
 * The factorisation term as a differentiable op (see the file header): the JS custom-gradient op on
 * the host backends, factorizationTermStock on device backends (usesDeviceOps()), so tensors stay there.
 * @param pooled [B, F, W]  @param leading [B, W] or omitted  @returns [B, 1]
 */
export function factorizationTerm(pooled: tf.Tensor3D, leading?: tf.Tensor2D): tf.Tensor2D {
  if (usesDeviceOps()) return factorizationTermStock(pooled, leading);
  return leading ? withLeadingOp(leading, pooled) : fieldsOnlyOp(pooled);
}

/** The same term in stock tfjs ops (autograd): the device path, and the reference of the tests. */
export function factorizationTermStock(pooled: tf.Tensor3D, leading?: tf.Tensor2D): tf.Tensor2D {
  const [B, , W] = pooled.shape;
  const vectors: tf.Tensor3D = leading ? tf.concat([tf.reshape(leading, [B, 1, W]), pooled], 1) : pooled;
  const V = vectors.shape[1];
  const linear = tf.sum(tf.slice(vectors, [0, 0, 0], [B, V, 1]), [1, 2]);
  if (W === 1) return tf.reshape(linear, [B, 1]);
  const factors = tf.slice(vectors, [0, 0, 1], [B, V, W - 1]);
  const sumOfVectors = tf.sum(factors, 1);
  const pairwise = tf.mul(0.5, tf.sub(tf.sum(tf.square(sumOfVectors), 1), tf.sum(tf.square(factors), [1, 2])));
  return tf.reshape(tf.add(linear, pairwise), [B, 1]);
}

/** Sizes of a factorisation machine. factorDim 0 is logistic regression. */
export interface FactorizationShape {
  numDense: number;
  /** D (0: no factors, tables of width 1). */
  factorDim: number;
}

/**
 * logit = c + sum_f w_f + x.p + sum_{i<j} <v_i, v_j> over the F fields and the dense projection.
 * Dense parameters: the projection P [I, D + 1] and its bias c [D + 1] (variables() in that order).
 */
export class FactorizationMachine implements CtrModel {
  readonly kind: ModelKind = 'fm';
  readonly embeddings: EmbeddingBagCollection;
  /** One linear layer I -> D + 1. */
  readonly projection: Mlp;

  protected constructor(
    readonly shape: FactorizationShape,
    readonly featureTableSizes: readonly number[],
    embeddings: EmbeddingBagCollection,
    projection: Mlp,
  ) {
    this.embeddings = embeddings;
    this.projection = projection;
  }

  /**
   * Fresh weights from one generator. Linear terms start at 0 (the usual FM / logistic-regression
   * start: the first logits are the factor dots, near 0); factor columns of table f ~ U(-sqrt(1/n),
   * sqrt(1/n)) as DLRM's tables (n its rows); the projection's factor columns ~ N(0, 0.01), so the
   * dense vector starts small whatever the scale of the dense features; its bias 0.
   */
  static create(shape: FactorizationShape, tableSizes: readonly number[], seed: number | Rng): FactorizationMachine {
    const rng = typeof seed === 'number' ? new Rng(seed) : seed;
    const { embeddings, projection } = FactorizationMachine.initialWeights(shape, tableSizes, rng);
    return new FactorizationMachine(shape, tableSizes, embeddings, projection);
  }

  /** The initial tables and projection of create() (tables first, then the projection, from one generator). */
  protected static initialWeights(shape: FactorizationShape, tableSizes: readonly number[], rng: Rng): { embeddings: EmbeddingBagCollection; projection: Mlp } {
    const width = shape.factorDim + 1;
    const embeddings = new EmbeddingBagCollection(tableSizes, width);
    embeddings.tables.forEach((table, f) => {
      const bound = Math.sqrt(1 / tableSizes[f]);
      for (let i = 0; i < table.length; i++) table[i] = i % width === 0 ? 0 : rng.uniformIn(-bound, bound);
    });
    const weight = new Float32Array(shape.numDense * width);
    for (let i = 0; i < weight.length; i++) weight[i] = i % width === 0 ? 0 : rng.normal(0, 0.01);
    return { embeddings, projection: new Mlp('projection', [shape.numDense, width], true, [weight, new Float32Array(width)]) };
  }

  /** From saved weights (tables used as given). */
  static fromWeights(shape: FactorizationShape, tableSizes: readonly number[], weights: ModelWeights): FactorizationMachine {
    const width = shape.factorDim + 1;
    return new FactorizationMachine(shape, tableSizes, new EmbeddingBagCollection(tableSizes, width, weights.tables), new Mlp('projection', [shape.numDense, width], true, weights.dense));
  }

  get numDense(): number {
    return this.shape.numDense;
  }
  /** F. */
  get numFeatures(): number {
    return this.featureTableSizes.length;
  }
  /** W = D + 1. */
  get width(): number {
    return this.shape.factorDim + 1;
  }
  get paramCount(): number {
    return this.embeddings.paramCount + this.projection.paramCount;
  }

  sparseInput(batch: Batch): JaggedIndices {
    return batch.sparse;
  }
  pool(batch: Batch): Float32Array {
    return this.embeddings.pool(batch.sparse);
  }
  variables(): tf.Variable[] {
    return this.projection.variables();
  }

  /** @param dense [B, I]  @param pooled [B, F, D + 1]  @returns [B, 1] */
  logits(dense: tf.Tensor2D, pooled: tf.Tensor3D, weights?: readonly tf.Tensor[]): tf.Tensor2D {
    return factorizationTerm(pooled, this.projection.apply(dense, weights));
  }

  batchLogits(batch: Batch): Float32Array {
    const pooled = this.pool(batch);
    const B = batch.size;
    return tidyValues(() => this.logits(tf.tensor2d(batch.dense, [B, this.numDense]), tf.tensor3d(pooled, [B, this.numFeatures, this.width])));
  }

  predict(batch: Batch): Float32Array {
    const logits = this.batchLogits(batch);
    for (let i = 0; i < logits.length; i++) logits[i] = 1 / (1 + Math.exp(-logits[i]));
    return logits;
  }

  /** [B, V, D + 1]: the dense projection, then the F pooled rows (column 0 linear, 1..D factors). */
  fieldVectors(batch: Batch): Float32Array {
    const B = batch.size;
    const lead = tidyValues(() => this.projection.apply(tf.tensor2d(batch.dense, [B, this.numDense])));
    return stackVectors(lead, this.pool(batch), B, this.numFeatures, this.width);
  }

  /**
   * Pairwise interaction strengths: mean <v_i, v_j> of the factor vectors over the rows, [V][V]
   * ('dense' projection first, then C1..CF). Off the diagonal this is exactly pair (i, j)'s share of
   * the logit (an FM's logit is linear in the pairwise dots with weight 1), so it is directly
   * comparable with DLRM's mean dots and contributions.
   */
  interactionStrengths(batches: Batch | readonly Batch[]): InteractionStrengths {
    const list = Array.isArray(batches) ? (batches as readonly Batch[]) : [batches as Batch];
    const accumulator = new PairDotAccumulator(this.numFeatures + 1);
    for (const batch of list) if (batch.size > 0) accumulator.add(this.fieldVectors(batch), batch.size, this.width, 1);
    return accumulator.result();
  }

  weights(): ModelWeights {
    return { tables: this.embeddings.tables.map((t) => t.slice()), dense: this.variables().map((v) => (v.dataSync() as Float32Array).slice()) };
  }

  dispose(): void {
    this.projection.dispose();
  }
}
