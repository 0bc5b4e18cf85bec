/**
 * One training step of any model kind (../model/ctr-model.ts), evaluation and the trainer state that a
 * checkpoint captures.
 *
 * A step: pool the batch's embedding rows on the host -> tensors -> loss and gradients with respect to
 * the pooled embeddings and the dense weights (tf.valueAndGrads over custom-gradient ops) -> dense
 * optimizer on the variables -> row gradients of the tables (duplicates summed) -> sparse optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import type { MetricValues, ModelSpec, OptimizerSpec, TrainSpec } from '../../domain';
import type { Batch } from '../data/types';
import type { CtrModel, HostGradients, LossInput, LossPhase, ModelWeights } from '../model/ctr-model';
import { usesDeviceOps } from '../model/dense';
import type { Dlrm } from '../model/dlrm';
import { createModel, modelFromWeights } from '../model/models';
import { binaryCrossEntropyWithLogits } from '../model/loss';
import { orderedBatches, type BatchSourceLike } from '../data/batch-source';
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

/**
 * Learning rate of the tables relative to the dense one (1 unless sparseLearningRate is given).
 * Models with few dense weights in front of unnormalised dense features (logistic regression, FM,
 * DCN) need a small Adam rate for those weights and a large row-wise Adagrad rate for the tables;
 * the schedule scales both rates alike.
 */
export function sparseRateFactor(optimizer: OptimizerSpec): number {
  const sparse = optimizer.sparseLearningRate;
  if (sparse === undefined) return 1;
  if (!(sparse > 0) || !Number.isFinite(sparse)) throw new Error(`sparse learning rate must be a positive number, got ${sparse}`);
  return sparse / optimizer.learningRate;
}

/** Trainer state other than the model weights, as restored from a checkpoint. */
export interface OptimizerStates {
  dense: Float32Array[];
  sparse: Float32Array[];
}

/**
 * Loss (mean binary cross-entropy times lossScale) and its gradients with respect to the pooled
 * embeddings and each dense variable, on a host backend (wasm, cpu): the model's explicit backward
 * when it has one (DLRM), else tf.valueAndGrads over logits(). Call inside tf.tidy (the dense
 * gradients are tensors).
 * @param dense [rows, I]  @param pooled [rows, T, W] (T tables of width W)  @param labels [rows]
 */
export function lossAndGradients(
  model: CtrModel,
  variables: readonly tf.Variable[],
  dense: Float32Array,
  pooled: Float32Array,
  labels: Float32Array,
  rows: number,
  lossScale: number,
  mark?: LossInput['mark'],
): HostGradients {
  if (model.hostLossAndGradients && !usesDeviceOps()) return model.hostLossAndGradients({ dense, pooled, labels, rows, lossScale, ...(mark ? { mark } : {}) });
  const numDense = model.numDense;
  const F = model.embeddings.numFeatures;
  const D = model.embeddings.dim;
  const denseInput = tf.tensor2d(dense, [rows, numDense]);
  const labelInput = tf.tensor2d(labels, [rows, 1]);
  const lossAndGrads = tf.valueAndGrads((pooledInput: tf.Tensor, ...weights: tf.Tensor[]) => {
    const mean = binaryCrossEntropyWithLogits(model.logits(denseInput, pooledInput as tf.Tensor3D, weights), labelInput);
    return lossScale === 1 ? mean : (tf.mul(mean, lossScale) as tf.Scalar);
  });
  const { value, grads } = lossAndGrads([tf.tensor3d(pooled, [rows, F, D]), ...variables]);
  return { loss: value.dataSync()[0], pooledGradient: grads[0].dataSync() as Float32Array, denseGradients: grads.slice(1) };
}

/**
 * The parts of a one-thread step a caller may time (step()'s mark is called as each ends): lookup
 * (pooling), the DLRM's bottom MLP, interaction, top MLP with the loss, backward (the whole
 * backward for other kinds), dense update, sparse update.
 */
export type TrainerPhase = 'lookup' | LossPhase | 'denseUpdate' | 'sparseUpdate';

export class ModelTrainer {
  readonly model: CtrModel;
  readonly denseOptimizer: DenseOptimizer;
  readonly sparseOptimizer: SparseOptimizer;
  private readonly variables: tf.Variable[];
  /** Table learning rate / dense learning rate. */
  private readonly sparseFactor: number;

  /**
   * Builds the model of job.model.kind on the current tfjs backend: fresh (seeded by job.train.seed)
   * or from saved weights.
   */
  constructor(
    readonly job: TrainJob,
    restored?: { weights: ModelWeights; optimizers: OptimizerStates },
  ) {
    this.sparseFactor = sparseRateFactor(job.optimizer);
    const options = { numDense: job.numDense };
    this.model = restored ? modelFromWeights(job.model, job.tableSizes, restored.weights, options) : createModel(job.model, job.tableSizes, job.train.seed, options);
    this.variables = this.model.variables();
    this.denseOptimizer = createDenseOptimizer(job.optimizer.dense, this.variables, job.optimizer.weightDecay ?? 0);
    this.sparseOptimizer = createSparseOptimizer(job.optimizer.sparse, this.model.embeddings.tableSizes, this.model.embeddings.tableWidths, job.optimizer.weightDecay ?? 0);
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
  step(batch: Batch, learningRate: number, mark?: (phase: TrainerPhase) => void): number {
    const B = batch.size;
    const pooled = this.model.embeddings.pool(this.model.sparseInput(batch));
    mark?.('lookup');
    const loss = tf.tidy(() => {
      const { loss: value, pooledGradient, denseGradients } = lossAndGradients(this.model, this.variables, batch.dense, pooled, batch.labels, B, 1, mark);
      mark?.('backward');
      if (!Number.isFinite(value)) return value;
      this.denseOptimizer.apply(denseGradients, learningRate);
      mark?.('denseUpdate');
      this.applySparse(batch, pooledGradient, learningRate);
      mark?.('sparseUpdate');
      return value;
    });
    if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} (try a lower learning rate)`);
    return loss;
  }

  /**
   * Sparse part of a step: row gradients of the batch's bags (duplicates summed) -> sparse optimizer.
   * @param learningRate the dense rate of this step (the tables get it times the sparse factor).
   */
  applySparse(batch: Batch, pooledGradient: Float32Array, learningRate: number): void {
    const embeddings = this.model.embeddings;
    const rate = learningRate * this.sparseFactor;
    embeddings.applyRowGradients(embeddings.rowGradients(this.model.sparseInput(batch), pooledGradient), this.sparseOptimizer, rate);
  }

  /** The dense variables (the model's variables()), in the order gradients are given. */
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

/** A ModelTrainer whose model is known to be a DLRM (benchmarks that look inside it use this). */
export class DlrmTrainer extends ModelTrainer {
  declare readonly model: Dlrm;
  constructor(job: TrainJob, restored?: { weights: ModelWeights; optimizers: OptimizerStates }) {
    if (job.model.kind !== 'dlrm') throw new Error(`DlrmTrainer trains DLRM models, got "${job.model.kind}" (use ModelTrainer)`);
    super(job, restored);
  }
}
