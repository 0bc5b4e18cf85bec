/**
 * One DLRM training step, evaluation and the trainer state that a checkpoint captures.
 *
 * A step: pool the batch's embedding rows on the host -> tensors -> loss and gradients with respect to
 * the pooled embeddings and the MLP weights (tf.valueAndGrads over custom-gradient ops) -> dense
 * optimizer on the MLP variables -> row gradients of the tables (duplicates summed) -> sparse optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import type { MetricValues, ModelSpec, OptimizerSpec, TrainSpec } from '../../service/contract';
import type { Batch } from '../data/types';
import { architectureOf } from '../model/architecture';
import { Dlrm, type DlrmWeights } from '../model/dlrm';
import { binaryCrossEntropyWithLogits } from '../model/loss';
import { orderedBatches, type BatchSourceLike } from './batch-source';
import { computeMetrics } from './metrics';
import { createDenseOptimizer, createSparseOptimizer, type DenseOptimizer, type SparseOptimizer } from './optimizers';

/** Everything that defines a training run (JSON-serialisable). */
export interface TrainJob {
  model: ModelSpec;
  optimizer: OptimizerSpec;
  train: TrainSpec;
  /** Rows of each categorical feature's table (F entries; usually all model.hashSize). */
  tableSizes: number[];
  /** I (default 13). */
  numDense?: number;
}

/** Trainer state other than the model weights, as restored from a checkpoint. */
export interface OptimizerStates {
  dense: Float32Array[];
  sparse: Float32Array[];
}

/**
 * Loss (mean binary cross-entropy times lossScale) and its gradients with respect to the pooled
 * embeddings and each MLP variable. Call inside tf.tidy.
 * @param dense [rows, I]  @param pooled [rows, F, D]  @param labels [rows]
 */
export function lossAndGradients(
  model: Dlrm,
  variables: readonly tf.Variable[],
  dense: Float32Array,
  pooled: Float32Array,
  labels: Float32Array,
  rows: number,
  lossScale: number,
): { loss: tf.Scalar; pooledGradient: tf.Tensor; denseGradients: tf.Tensor[] } {
  const { numDense, numFeatures: F, embeddingDim: D } = model.arch;
  const denseInput = tf.tensor2d(dense, [rows, numDense]);
  const labelInput = tf.tensor2d(labels, [rows, 1]);
  const lossAndGrads = tf.valueAndGrads((pooledInput: tf.Tensor, ...weights: tf.Tensor[]) => {
    const mean = binaryCrossEntropyWithLogits(model.logits(denseInput, pooledInput as tf.Tensor3D, weights), labelInput);
    return lossScale === 1 ? mean : (tf.mul(mean, lossScale) as tf.Scalar);
  });
  const { value, grads } = lossAndGrads([tf.tensor3d(pooled, [rows, F, D]), ...variables]);
  return { loss: value as tf.Scalar, pooledGradient: grads[0], denseGradients: grads.slice(1) };
}

export class DlrmTrainer {
  readonly model: Dlrm;
  readonly denseOptimizer: DenseOptimizer;
  readonly sparseOptimizer: SparseOptimizer;
  private readonly variables: tf.Variable[];

  /** Builds the model on the current tfjs backend: fresh (seeded by job.train.seed) or from saved weights. */
  constructor(
    readonly job: TrainJob,
    restored?: { weights: DlrmWeights; optimizers: OptimizerStates },
  ) {
    const arch = architectureOf(job.model, { numDense: job.numDense, numFeatures: job.tableSizes.length });
    this.model = restored ? Dlrm.fromWeights(arch, job.tableSizes, restored.weights) : Dlrm.create(arch, job.tableSizes, job.train.seed);
    this.variables = this.model.variables();
    this.denseOptimizer = createDenseOptimizer(job.optimizer.dense, this.variables);
    this.sparseOptimizer = createSparseOptimizer(job.optimizer.sparse, job.tableSizes, arch.embeddingDim);
    if (restored) {
      this.denseOptimizer.setState(restored.optimizers.dense);
      this.sparseOptimizer.setState(restored.optimizers.sparse);
    }
  }

  /**
   * One optimisation step on a batch.
   * @returns the batch's mean loss before the update.
   * @throws when the loss is not finite.
   */
  step(batch: Batch, learningRate: number): number {
    const B = batch.size;
    const embeddings = this.model.embeddings;
    const pooled = embeddings.pool(batch.sparse);
    const loss = tf.tidy(() => {
      const { loss: value, pooledGradient, denseGradients } = lossAndGradients(this.model, this.variables, batch.dense, pooled, batch.labels, B, 1);
      const lossValue = value.dataSync()[0];
      if (!Number.isFinite(lossValue)) return lossValue;
      this.denseOptimizer.apply(denseGradients, learningRate);
      this.applySparse(batch, pooledGradient.dataSync() as Float32Array, learningRate);
      return lossValue;
    });
    if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} (try a lower learning rate)`);
    return loss;
  }

  /** Sparse part of a step: row gradients of the batch's bags (duplicates summed) -> sparse optimizer. */
  applySparse(batch: Batch, pooledGradient: Float32Array, learningRate: number): void {
    const embeddings = this.model.embeddings;
    const rowGradients = embeddings.rowGradients(batch.sparse, pooledGradient);
    rowGradients.forEach((g, f) => this.sparseOptimizer.apply(f, embeddings.tables[f], g, learningRate));
  }

  /** The MLP variables (bottom then top), in the order gradients are given. */
  denseVariables(): readonly tf.Variable[] {
    return this.variables;
  }

  /** Click probabilities and labels of every row of a source, in stored order. */
  predictAll(source: BatchSourceLike, batchSize: number): { predictions: Float32Array; labels: Float32Array } {
    const predictions = new Float32Array(source.numRows);
    const labels = new Float32Array(source.numRows);
    let at = 0;
    for (const batch of orderedBatches(source, batchSize)) {
      predictions.set(this.model.predict(batch), at);
      labels.set(batch.labels, at);
      at += batch.size;
    }
    return { predictions: predictions.subarray(0, at), labels: labels.subarray(0, at) };
  }

  evaluate(source: BatchSourceLike, batchSize: number): MetricValues {
    const { predictions, labels } = this.predictAll(source, batchSize);
    return computeMetrics(predictions, labels);
  }

  optimizerStates(): OptimizerStates {
    return { dense: this.denseOptimizer.state(), sparse: this.sparseOptimizer.state() };
  }

  dispose(): void {
    this.denseOptimizer.dispose();
    this.model.dispose();
  }
}
