/**
 * The WebGPU step inside a training run: a GpuDlrmTrainer beside the run's ModelTrainer, which stays
 * the host mirror that checkpoints, the model file and Explore read. The device holds the truth while
 * training; syncToHost() copies weights and optimizer state back into the mirror (before a
 * checkpoint, at the end) in the CPU path's formats, so a GPU-trained run is saved like any other.
 *
 * The mirror is taken structurally (train/trainer.ts's ModelTrainer fits), so train/ may import this
 * file without a cycle.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec, OptimizerSpec, TrainSpec } from '../../../domain';
import type { BatchSourceLike } from '../../data/batch-source';
import { orderedBatches } from '../../data/batch-source';
import type { Batch } from '../../data/types';
import { architectureOf } from '../../model/architecture';
import type { ModelWeights } from '../../model/ctr-model';
import { navigatorGpu, requestTrainingDevice, type TrainingDevice } from './device';
import { denseBlockingFor } from './dense-layers';
import { initialDlrmWeights } from './init';
import type { TableStorage } from './table-storage';
import { GpuDlrmTrainer, type GpuOptimizerStates, type KernelTiming } from './step';

/** What the session needs of the run's trainer (train/trainer.ts ModelTrainer). */
export interface HostMirror {
  readonly job: { model: ModelSpec; optimizer: OptimizerSpec; train: TrainSpec; tableSizes: number[]; numDense?: number };
  /** Float32 tables are set in place; 16-bit ones (HalfPrecisionBags) get the device's bits in `stored`. */
  readonly model: { readonly embeddings: { readonly tables: Float32Array[]; readonly stored?: Uint16Array[] } };
  denseVariables(): readonly tf.Variable[];
  readonly denseOptimizer: { setState(state: Float32Array[]): void };
  readonly sparseOptimizer: { setState(state: Float32Array[]): void };
}

/** Steps between loss read-backs in a run. */
const LOSS_READ_EVERY = 16;

export class GpuTrainingSession {
  private constructor(
    private readonly gpu: TrainingDevice,
    readonly trainer: GpuDlrmTrainer,
    /** One dry step's kernel times (forward and backward; null without timestamp queries). */
    readonly kernels: KernelTiming[] | null,
  ) {}

  /**
   * Starts the step for a DLRM job from weights (a fresh model's or a checkpoint's) and, when
   * resuming, the optimizer state, both in the CPU path's formats. With `profileBatch` and an adapter
   * that has timestamp queries, times one dry step (nothing trained) for the run's detail.
   * @throws Error saying what does not fit the adapter (buffer, shape, bytes) or why there is no device.
   */
  static async start(job: HostMirror['job'], weights: ModelWeights, states?: GpuOptimizerStates, profileBatch?: Batch): Promise<GpuTrainingSession> {
    const g = navigatorGpu();
    if (!g) throw new Error('WebGPU is not installed (navigator.gpu is missing)');
    const gpu = await requestTrainingDevice(g);
    try {
      const arch = architectureOf(job.model, { numDense: job.numDense, numFeatures: job.tableSizes.length });
      const trainer = await GpuDlrmTrainer.create(
        gpu.device,
        {
          arch,
          tableSizes: job.tableSizes,
          batchSize: job.train.batchSize,
          optimizer: job.optimizer,
          lossReadEvery: LOSS_READ_EVERY,
          pooling: job.model.pooling === 'mean' ? 'mean' : 'sum',
          blocking: denseBlockingFor(gpu),
          tableStorage: tableStorageOf(job.model),
        },
        weights,
        states,
      );
      // two dry steps: a driver may compile a kernel on its first dispatch (llvmpipe does, seconds
      // for the large blocks), so the first would time the compiler; the second is the one reported
      if (gpu.timestamps && profileBatch) await trainer.profileStep(profileBatch, 0, false);
      const kernels = gpu.timestamps && profileBatch ? await trainer.profileStep(profileBatch, 0, false) : null;
      return new GpuTrainingSession(gpu, trainer, kernels);
    } catch (e) {
      gpu.device.destroy();
      throw e;
    }
  }

  /** "dlrm-step on <adapter>: kernels 12.3 ms (pool.0 1.2, ...)" for the run's backend detail. */
  detail(): string {
    const b = this.trainer.blocking;
    const blocks = `dense blocks ${b.forward[0]}x${b.forward[1] * 4}${b.transposedInputGradient ? ', input gradients from W^T' : ''} (${this.gpu.software ? 'software' : 'hardware'} adapter)`;
    const storage = this.trainer.tables.storage === 'f32' ? '' : ` of ${this.trainer.tables.storage} numbers`;
    const parts = [`WebGPU step (no tfjs) on ${this.gpu.name}`, `${this.trainer.tables.chunks} table buffer(s)${storage}`, blocks];
    if (this.kernels) {
      const total = this.kernels.reduce((a, k) => a + k.ms, 0);
      const slowest = [...this.kernels].sort((a, b) => b.ms - a.ms).slice(0, 5);
      parts.push(`forward+backward kernels ${total.toFixed(2)} ms a step (${slowest.map((k) => `${k.name} ${k.ms.toFixed(2)}`).join(', ')})`);
    } else parts.push('no timestamp queries on this adapter');
    return parts.join('; ');
  }

  step(batch: Batch, learningRate: number): Promise<void> {
    return this.trainer.step(batch, learningRate);
  }

  /** Losses read back so far (never waits). */
  readyLosses(): number[] {
    return this.trainer.takeReadyLosses();
  }

  /** Every loss not yet taken, waiting for the device. */
  allLosses(): Promise<number[]> {
    return this.trainer.takeLosses();
  }

  /** Click probabilities and labels of every row of a source, in stored order, on the device. */
  async predictAll(source: BatchSourceLike, batchSize: number): Promise<{ predictions: Float32Array; labels: Float32Array }> {
    const predictions = new Float32Array(source.numRows);
    const labels = new Float32Array(source.numRows);
    let at = 0;
    for (const batch of orderedBatches(source, batchSize)) {
      predictions.set(await this.trainer.predict(batch), at);
      labels.set(batch.labels, at);
      at += batch.size;
    }
    return { predictions: predictions.subarray(0, at), labels: labels.subarray(0, at) };
  }

  /** Copies the device's weights and optimizer state into the host mirror (tables in place). */
  async syncToHost(mirror: HostMirror): Promise<void> {
    // the tables are read once, as stored: float32 into the host's tables, 16-bit bits into `stored`
    const embeddings = mirror.model.embeddings;
    if (this.trainer.tables.storage === 'f32') (await this.trainer.readTables()).forEach((t, f) => embeddings.tables[f].set(t));
    else {
      if (!embeddings.stored) throw new Error(`the device stores ${this.trainer.tables.storage} tables but the host model's are float32`);
      const stored = embeddings.stored;
      (await this.trainer.readTableBits()).forEach((bits, f) => stored[f].set(bits));
    }
    const dense = await this.trainer.readDenseWeights();
    const states = await this.trainer.readOptimizerStates();
    const variables = mirror.denseVariables();
    if (variables.length !== dense.length) throw new Error(`the host model has ${variables.length} dense arrays, the device ${dense.length}`);
    tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(dense[i], v.shape))));
    mirror.denseOptimizer.setState(states.dense);
    mirror.sparseOptimizer.setState(states.sparse);
  }

  destroy(): void {
    this.trainer.destroy();
    this.gpu.device.destroy();
  }
}

/** How a DLRM spec's tables are stored on the device (tablePrecision; absent or fp32: float32). */
export function tableStorageOf(spec: Pick<ModelSpec, 'tablePrecision'>): TableStorage {
  return spec.tablePrecision === 'fp16' || spec.tablePrecision === 'bf16' ? spec.tablePrecision : 'f32';
}

/**
 * Whether the WebGPU step trains a DLRM spec's tables on the device: full tables in float32, or in
 * fp16 / bf16 when D is a multiple of 4 (four numbers a vec2<u32>). QR and mixed-dimension tables,
 * and 16-bit ones of another D, are pooled on the host instead.
 */
export function gpuStepTrainsTables(spec: Pick<ModelSpec, 'compression' | 'tablePrecision' | 'embeddingDim'>): boolean {
  if (spec.compression) return false;
  return tableStorageOf(spec) === 'f32' || spec.embeddingDim % 4 === 0;
}

/**
 * The session of a run: weights from the checkpoint being resumed, else the fresh model's (the same
 * numbers ModelTrainer drew for this seed), and one dry profiled step on the run's first batch.
 */
export async function startRunSession(
  job: HostMirror['job'],
  restored: { weights: ModelWeights; optimizers: GpuOptimizerStates } | null,
  train: BatchSourceLike,
): Promise<GpuTrainingSession> {
  const arch = architectureOf(job.model, { numDense: job.numDense, numFeatures: job.tableSizes.length });
  const weights = restored?.weights ?? initialDlrmWeights(arch, job.tableSizes, job.train.seed);
  let first: Batch | undefined;
  for (const batch of orderedBatches(train, job.train.batchSize)) {
    first = batch;
    break;
  }
  return GpuTrainingSession.start(job, weights, restored?.optimizers, first);
}
