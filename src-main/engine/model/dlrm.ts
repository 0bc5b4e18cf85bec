/**
 * DLRM composed of its parts: EmbeddingBagCollection (sparse arch, pooled by sum, mean or max:
 * pooling.ts), optional per-table sparse MLPs over the pooled vectors, bottom Mlp (dense arch),
 * interaction, top Mlp (over arch, last layer linear: the logit; the sigmoid lives in the loss and
 * in predict()). Without a sparse MLP and with sum pooling (the default) it is exactly the model it
 * was before those options existed (same draws from the generator, same numbers).
 *
 * Returns of logits(): [B, 1]. The MLP weights are tf.Variables on the backend that was active when
 * the model was created; the tables are host Float32Arrays.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../domain';
import type { Batch, JaggedIndices } from '../data/types';
import { type DlrmArchitecture, numVectors } from './architecture';
import { PairDotAccumulator, type CtrModel, type HostGradients, type InteractionStrengths, type LossInput, type ModelWeights } from './ctr-model';
import { createEmbeddingTables, type TableOptions } from './compressed-embedding';
import type { EmbeddingTables } from './embedding-tables';
import { Mlp } from './dense';
import type { ExplainableModel } from './explainable';
import { interact, interactionBackward, interactionForward, pairLayout, splitVectors, stackVectors } from './interaction';
import { withPooling } from './pooling';
import { binaryCrossEntropyOnHost } from './loss';
import { Rng } from '../random/rng';
import { tidyValues } from './tidy-values';

/**
 * Everything needed to rebuild a DLRM's numbers: F tables [rows_f, D] and the bottom then top MLP
 * (weight [K, N] and bias [N] of each layer, in layer order), then the sparse MLPs of tables 0 .. F-1
 * when the model has them, as flat arrays.
 */
export type DlrmWeights = ModelWeights;

export class Dlrm implements ExplainableModel, CtrModel {
  readonly kind: ModelKind = 'dlrm';
  readonly embeddings: EmbeddingTables;
  readonly bottom: Mlp;
  readonly top: Mlp;
  /** One MLP per table over its pooled vector, [D] -> [D] (empty: none). */
  readonly sparse: Mlp[];

  private constructor(
    readonly arch: DlrmArchitecture,
    private readonly featureRows: readonly number[],
    embeddings: EmbeddingTables,
    bottom: Mlp,
    top: Mlp,
    sparse: Mlp[],
  ) {
    this.embeddings = withPooling(embeddings, arch.pooling ?? 'sum');
    this.bottom = bottom;
    this.top = top;
    this.sparse = sparse;
  }

  /**
   * A freshly initialised model (reference init, deterministic for a seed): tables first, then the
   * bottom MLP, then the top MLP draw from one generator. tableOptions: compressed or half-precision
   * tables (compressed-embedding.ts; default full float32 tables).
   */
  static create(arch: DlrmArchitecture, tableSizes: readonly number[], seed: number | Rng, tableOptions: TableOptions = {}): Dlrm {
    if (tableSizes.length !== arch.numFeatures) {
      throw new Error(`got ${tableSizes.length} table sizes for ${arch.numFeatures} categorical features`);
    }
    const rng = typeof seed === 'number' ? new Rng(seed) : seed;
    const embeddings = createEmbeddingTables(tableOptions, tableSizes, arch.embeddingDim, { rng });
    const bottom = new Mlp('bottom', arch.bottomSizes, false, rng);
    const top = new Mlp('top', arch.topSizes, true, rng);
    // drawn after the top MLP, so a model without them draws what it always did
    const sizes = arch.sparseMlpSizes ?? null;
    const sparse = sizes ? Array.from({ length: arch.numFeatures }, (_, f) => new Mlp(`sparse-${f}`, sizes, true, rng)) : [];
    return new Dlrm(arch, tableSizes, embeddings, bottom, top, sparse);
  }

  /** A model from saved weights (float32 tables are used as given, not copied; weights.tables are the stored tables). */
  static fromWeights(arch: DlrmArchitecture, tableSizes: readonly number[], weights: DlrmWeights, tableOptions: TableOptions = {}): Dlrm {
    const embeddings = createEmbeddingTables(tableOptions, tableSizes, arch.embeddingDim, { tables: weights.tables });
    const bottomCount = 2 * (arch.bottomSizes.length - 1);
    const topCount = 2 * (arch.topSizes.length - 1);
    const bottom = new Mlp('bottom', arch.bottomSizes, false, weights.dense.slice(0, bottomCount));
    const top = new Mlp('top', arch.topSizes, true, weights.dense.slice(bottomCount, bottomCount + topCount));
    const sizes = arch.sparseMlpSizes ?? null;
    const sparseCount = sizes ? 2 * (sizes.length - 1) : 0;
    const expected = bottomCount + topCount + (sizes ? arch.numFeatures * sparseCount : 0);
    if (weights.dense.length !== expected) throw new Error(`expected ${expected} dense weight arrays for this DLRM, got ${weights.dense.length}`);
    const from = bottomCount + topCount;
    const sparse = sizes
      ? Array.from({ length: arch.numFeatures }, (_, f) => new Mlp(`sparse-${f}`, sizes, true, weights.dense.slice(from + f * sparseCount, from + (f + 1) * sparseCount)))
      : [];
    return new Dlrm(arch, tableSizes, embeddings, bottom, top, sparse);
  }

  get numFeatures(): number {
    return this.arch.numFeatures;
  }
  get embeddingDim(): number {
    return this.arch.embeddingDim;
  }
  /** Logical rows of each feature's table, [F] (compressed kinds store fewer). */
  get tableSizes(): readonly number[] {
    return this.featureRows;
  }
  get featureTableSizes(): readonly number[] {
    return this.featureRows;
  }
  get numDense(): number {
    return this.arch.numDense;
  }
  get paramCount(): number {
    return this.embeddings.paramCount + this.bottom.paramCount + this.top.paramCount + this.sparse.reduce((n, m) => n + m.paramCount, 0);
  }

  /** MLP variables: bottom, top, then the sparse MLPs of tables 0 .. F-1; weight and bias per layer. */
  variables(): tf.Variable[] {
    return [...this.bottom.variables(), ...this.top.variables(), ...this.sparse.flatMap((m) => m.variables())];
  }

  /** Feature f's vectors [rows_f, D] (a copy for compressed kinds). */
  table(f: number): Float32Array {
    return this.embeddings.featureMatrix(f);
  }

  sparseInput(batch: Batch): JaggedIndices {
    return batch.sparse;
  }

  /** Pooled embeddings of a batch (by the model's pooling mode, before any sparse MLP), [B, F, D]. */
  pool(batch: Batch): Float32Array {
    return this.embeddings.pool(batch.sparse);
  }

  /**
   * The sparse MLPs over pooled vectors (the identity without them), taped: table f's [B, D] slice
   * through MLP f, restacked. @param pooled [B, F, D]  @param weights the sparse MLPs' substitutes, in variables() order
   */
  private sparseApply(pooled: tf.Tensor3D, weights?: readonly tf.Tensor[]): tf.Tensor3D {
    if (this.sparse.length === 0) return pooled;
    const per = this.sparse[0]!.layers.length * 2;
    const slices = tf.unstack(pooled, 1) as tf.Tensor2D[];
    return tf.stack(
      slices.map((slice, f) => this.sparse[f]!.apply(slice, weights?.slice(f * per, (f + 1) * per))),
      1,
    ) as tf.Tensor3D;
  }

  /** The pooled vectors after the sparse MLPs, on the host (no gradient), [B, F, D]. */
  private transformedPool(batch: Batch): Float32Array {
    const pooled = this.pool(batch);
    if (this.sparse.length === 0) return pooled;
    return tidyValues(() => this.sparseApply(tf.tensor3d(pooled, [batch.size, this.numFeatures, this.embeddingDim])));
  }

  /**
   * Logits from dense features and pooled embeddings, differentiable with respect to `pooled` and
   * to `weights` (substitutes for variables(), same order) when given.
   * @param dense [B, I]  @param pooled [B, F, D]  @returns [B, 1]
   */
  logits(dense: tf.Tensor2D, pooled: tf.Tensor3D, weights?: readonly tf.Tensor[]): tf.Tensor2D {
    const bottomCount = this.bottom.layers.length * 2;
    const topCount = this.top.layers.length * 2;
    const x = this.bottom.apply(dense, weights?.slice(0, bottomCount));
    const vectors = this.sparseApply(pooled, weights?.slice(bottomCount + topCount));
    const z = interact(this.arch.interaction, x, vectors);
    return this.top.apply(z, weights?.slice(bottomCount, bottomCount + topCount));
  }

  /**
   * Loss and gradients without the tape (host backends): bottom MLP -> host interaction -> top MLP ->
   * loss and its gradient on the host -> top backward -> interaction backward -> bottom backward.
   * Same numbers as logits() under tf.valueAndGrads up to float rounding (the loss and the logit
   * gradient are taken in float64 here). Call inside tf.tidy.
   */
  hostLossAndGradients(input: LossInput): HostGradients {
    const { rows, lossScale } = input;
    const F = this.numFeatures;
    const D = this.embeddingDim;
    const layout = pairLayout(this.arch.interaction, F + 1, D);
    const bottomTrace = this.bottom.forwardTrace(tf.tensor2d(input.dense, [rows, this.arch.numDense]));
    const bottomOut = Mlp.traceOutput(bottomTrace);
    input.mark?.('bottomMlp');
    // sparse MLPs: table f's pooled slice [rows, D] through MLP f
    const sparseTraces = this.sparse.map((mlp, f) => mlp.forwardTrace(tf.tensor2d(sliceFeature(input.pooled, rows, F, D, f), [rows, D])));
    let transformed = input.pooled;
    if (sparseTraces.length > 0) {
      transformed = new Float32Array(rows * F * D);
      sparseTraces.forEach((trace, f) => writeFeature(transformed, Mlp.traceOutput(trace), rows, F, D, f));
    }
    const vectors = stackVectors(bottomOut, transformed, rows, F, D);
    const interaction = interactionForward(vectors, rows, layout);
    input.mark?.('interaction');
    const topTrace = this.top.forwardTrace(tf.tensor2d(interaction, [rows, layout.outputWidth]));
    const logits = Mlp.traceOutput(topTrace);
    const { loss, logitGradient } = binaryCrossEntropyOnHost(logits, input.labels, rows, lossScale);
    input.mark?.('topMlp');
    const top = this.top.backward(topTrace, tf.tensor2d(logitGradient, [rows, 1]), true);
    const vectorGradient = interactionBackward(vectors, (top.dx as tf.Tensor2D).dataSync() as Float32Array, rows, layout);
    const parts = splitVectors(vectorGradient, rows, F, D);
    const bottom = this.bottom.backward(bottomTrace, tf.tensor2d(parts.bottom, [rows, D]), false);
    if (sparseTraces.length === 0) {
      input.mark?.('backward');
      return { loss, pooledGradient: parts.pooled, denseGradients: [...bottom.grads, ...top.grads] };
    }
    const pooledGradient = new Float32Array(rows * F * D);
    const sparseGrads: tf.Tensor[] = [];
    sparseTraces.forEach((trace, f) => {
      const back = this.sparse[f]!.backward(trace, tf.tensor2d(sliceFeature(parts.pooled, rows, F, D, f), [rows, D]), true);
      writeFeature(pooledGradient, (back.dx as tf.Tensor2D).dataSync() as Float32Array, rows, F, D, f);
      sparseGrads.push(...back.grads);
    });
    input.mark?.('backward');
    return { loss, pooledGradient, denseGradients: [...bottom.grads, ...top.grads, ...sparseGrads] };
  }

  /** Logits [B] of a batch (no gradient). */
  batchLogits(batch: Batch): Float32Array {
    const pooled = this.pool(batch);
    const B = batch.size;
    return tidyValues(() =>
      this.logits(tf.tensor2d(batch.dense, [B, this.arch.numDense]), tf.tensor3d(pooled, [B, this.numFeatures, this.embeddingDim])),
    );
  }

  predict(batch: Batch): Float32Array {
    const logits = this.batchLogits(batch);
    for (let i = 0; i < logits.length; i++) logits[i] = 1 / (1 + Math.exp(-logits[i]));
    return logits;
  }

  /** Bottom-MLP output [B, D]. */
  private bottomOutput(batch: Batch): Float32Array {
    return tidyValues(() => this.bottom.apply(tf.tensor2d(batch.dense, [batch.size, this.arch.numDense])));
  }

  interactionVectors(batch: Batch): Float32Array {
    return stackVectors(this.bottomOutput(batch), this.transformedPool(batch), batch.size, this.numFeatures, this.embeddingDim);
  }

  logitsFromVectors(vectors: Float32Array, batchSize: number, pairMask?: Float32Array): Float32Array {
    const layout = pairLayout(this.arch.interaction, numVectors(this.arch), this.embeddingDim);
    const expected = batchSize * layout.vectors * layout.dim;
    if (vectors.length !== expected) throw new Error(`expected ${expected} vector values for ${batchSize} rows, got ${vectors.length}`);
    const z = interactionForward(vectors, batchSize, layout, pairMask);
    return tidyValues(() => this.top.apply(tf.tensor2d(z, [batchSize, layout.outputWidth])));
  }

  pairGradients(batch: Batch): Float32Array {
    const B = batch.size;
    const layout = pairLayout(this.arch.interaction, numVectors(this.arch), this.embeddingDim);
    const V = layout.vectors;
    const result = new Float32Array(B * V * V);
    if (layout.kind === 'cat') return result;
    const vectors = this.interactionVectors(batch);
    const z = interactionForward(vectors, B, layout);
    // each row's logit depends only on its own row of z, so the gradient of the sum gives every row's
    const dz = tidyValues(() => {
      const g = tf.grad((input: tf.Tensor) => tf.sum(this.top.apply(input as tf.Tensor2D)));
      return g(tf.tensor2d(z, [B, layout.outputWidth]));
    });
    const D = layout.dim;
    const W = layout.outputWidth;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < layout.first.length; k++) {
        result[b * V * V + layout.first[k] * V + layout.second[k]] = dz[b * W + D + k];
      }
    }
    return result;
  }

  /** Mean <v_i, v_j> of the V interaction vectors over the rows, [V][V] (as FactorizationMachine reports it). */
  interactionStrengths(batches: Batch | readonly Batch[]): InteractionStrengths {
    const list = Array.isArray(batches) ? (batches as readonly Batch[]) : [batches as Batch];
    const accumulator = new PairDotAccumulator(numVectors(this.arch));
    for (const batch of list) if (batch.size > 0) accumulator.add(this.interactionVectors(batch), batch.size, this.embeddingDim);
    return accumulator.result();
  }

  /** A copy of the weights (tables copied too). */
  weights(): DlrmWeights {
    return {
      tables: this.embeddings.tables.map((t) => t.slice()),
      dense: this.variables().map((v) => (v.dataSync() as Float32Array).slice()),
    };
  }

  dispose(): void {
    this.bottom.dispose();
    this.top.dispose();
    for (const mlp of this.sparse) mlp.dispose();
  }
}

/** Feature f's vectors [rows, D] out of [rows, F, D]. */
function sliceFeature(values: Float32Array, rows: number, F: number, D: number, f: number): Float32Array {
  const out = new Float32Array(rows * D);
  for (let b = 0; b < rows; b++) out.set(values.subarray((b * F + f) * D, (b * F + f + 1) * D), b * D);
  return out;
}

/** Writes [rows, D] into feature f of [rows, F, D]. */
function writeFeature(target: Float32Array, values: Float32Array, rows: number, F: number, D: number, f: number): void {
  for (let b = 0; b < rows; b++) target.set(values.subarray(b * D, (b + 1) * D), (b * F + f) * D);
}

