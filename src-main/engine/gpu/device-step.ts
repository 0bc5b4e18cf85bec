/**
 * Training and evaluation that read results back asynchronously, for backends whose synchronous
 * reads do not work (webgpu in Node: `dataSync()` needs OffscreenCanvas and throws there) or stall the
 * device queue. Same arithmetic as DlrmTrainer.step: host pooling -> one upload [B, F, D] ->
 * loss and gradients on the device -> dense optimizer on the device -> ONE awaited read of
 * (loss, pooled gradient [B, F, D]) -> host row-wise sparse update.
 *
 * The trainer is taken structurally (only ../train/batch-source is imported at run time) so
 * trainer.ts and run-training.ts can call these without an import cycle.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import { largestDeviceBuffer, type DlrmArchitecture } from '../model/architecture';
import { binaryCrossEntropyWithLogits } from '../model/loss';
import { orderedBatches, type BatchSourceLike } from '../data/batch-source';

/**
 * What a step needs from a model: DLRM and the other CTR models of ../model (structurally, so this
 * file does not depend on which model kinds exist). The device paths of dense() and interact() are
 * picked inside logits() by backend.
 */
export interface DeviceTrainableModel {
  /** I. */
  readonly numDense: number;
  readonly embeddings: { readonly numFeatures: number; readonly dim: number };
  /** Sum-pooled rows of a batch, [B, T, W]. */
  pool(batch: Batch): Float32Array;
  /** @param dense [B, I]  @param pooled [B, T, W]  @returns [B, 1] */
  logits(dense: tf.Tensor2D, pooled: tf.Tensor3D, weights?: readonly tf.Tensor[]): tf.Tensor2D;
}

/** What a step needs from a trainer (DlrmTrainer / ModelTrainer's public members). */
export interface DeviceSteppable {
  readonly model: DeviceTrainableModel;
  readonly denseOptimizer: { apply(grads: readonly tf.Tensor[], learningRate: number): void };
  denseVariables(): readonly tf.Variable[];
  applySparse(batch: Batch, pooledGradient: Float32Array, learningRate: number): void;
}

/**
 * Why a step of this size cannot run on an adapter with these limits, or null when it fits. WebGPU
 * does not fail such a step loudly (Dawn logs a validation error and the results are garbage), so
 * check before training.
 */
export function deviceLimitProblem(arch: DlrmArchitecture, batchSize: number, limits: Record<string, number>, deviceTableRows = 0): string | null {
  const binding = Math.min(limits.maxStorageBufferBindingSize ?? Infinity, limits.maxBufferSize ?? Infinity);
  if (!Number.isFinite(binding)) return null;
  const { bytes, what } = largestDeviceBuffer(arch, batchSize, deviceTableRows);
  if (bytes <= binding) return null;
  const perRow = largestDeviceBuffer(arch, 1).bytes;
  const fits = Math.floor(binding / perRow);
  return (
    `batch ${batchSize} needs ${(bytes / 2 ** 20).toFixed(0)} MiB for ${what}, but this WebGPU adapter binds at most ` +
    `${(binding / 2 ** 20).toFixed(0)} MiB per buffer${fits >= 1 && bytes === batchSize * perRow ? `: use a batch of at most ${fits}` : ''}`
  );
}

/** Milliseconds spent in each phase of stepAsync, accumulated over steps (for benchmarks). */
export interface StepTimings {
  /** Host: sum-pooling the batch's embedding rows into [B, F, D]. */
  poolMs: number;
  /** Upload, forward and backward on the device, and the read of loss and pooled gradient. */
  deviceMs: number;
  /** Dense optimizer dispatch and the host row-wise sparse update. */
  updateMs: number;
  steps: number;
}

export function emptyTimings(): StepTimings {
  return { poolMs: 0, deviceMs: 0, updateMs: 0, steps: 0 };
}

/** True where synchronous reads (dataSync) cannot be used: the webgpu backend. */
export function needsAsyncReads(): boolean {
  return tf.getBackend() === 'webgpu';
}

/**
 * One optimisation step with asynchronous reads (any backend; required on webgpu).
 * @returns the batch's mean loss before the update.
 * @throws when the loss is not finite (nothing is updated then, as in DlrmTrainer.step).
 */
export async function stepAsync(trainer: DeviceSteppable, batch: Batch, learningRate: number, timings?: StepTimings): Promise<number> {
  const model = trainer.model;
  const numDense = model.numDense;
  const F = model.embeddings.numFeatures;
  const D = model.embeddings.dim;
  const B = batch.size;
  const t0 = performance.now();
  const pooled = model.pool(batch);
  const t1 = performance.now();
  const variables = trainer.denseVariables();
  const { value, grads } = tf.tidy(() => {
    const denseInput = tf.tensor2d(batch.dense, [B, numDense]);
    const labelInput = tf.tensor2d(batch.labels, [B, 1]);
    const f = tf.valueAndGrads((pooledInput: tf.Tensor, ...weights: tf.Tensor[]) =>
      binaryCrossEntropyWithLogits(model.logits(denseInput, pooledInput as tf.Tensor3D, weights), labelInput),
    );
    return f([tf.tensor3d(pooled, [B, F, D]), ...variables]);
  });
  try {
    const [lossValues, pooledGradient] = await Promise.all([value.data(), grads[0].data()]);
    const t2 = performance.now();
    const loss = lossValues[0];
    if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} (try a lower learning rate)`);
    trainer.denseOptimizer.apply(grads.slice(1), learningRate);
    trainer.applySparse(batch, pooledGradient as Float32Array, learningRate);
    if (timings) {
      timings.poolMs += t1 - t0;
      timings.deviceMs += t2 - t1;
      timings.updateMs += performance.now() - t2;
      timings.steps++;
    }
    return loss;
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}

/** Logits [B] of a batch, read asynchronously. */
export async function batchLogitsAsync(model: DeviceTrainableModel, batch: Batch): Promise<Float32Array> {
  const pooled = model.pool(batch);
  const B = batch.size;
  const logits = tf.tidy(() =>
    model.logits(tf.tensor2d(batch.dense, [B, model.numDense]), tf.tensor3d(pooled, [B, model.embeddings.numFeatures, model.embeddings.dim])),
  );
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    logits.dispose();
  }
}

/** Click probabilities [B] of a batch, read asynchronously. */
export async function predictAsync(model: DeviceTrainableModel, batch: Batch): Promise<Float32Array> {
  const p = await batchLogitsAsync(model, batch);
  for (let i = 0; i < p.length; i++) p[i] = 1 / (1 + Math.exp(-p[i]));
  return p;
}

/**
 * Click probabilities and labels of every row of a source, in stored order (DlrmTrainer.predictAll
 * with awaited reads); feed them to computeMetrics for an evaluation on webgpu.
 */
export async function predictAllAsync(model: DeviceTrainableModel, source: BatchSourceLike, batchSize: number): Promise<{ predictions: Float32Array; labels: Float32Array }> {
  const predictions = new Float32Array(source.numRows);
  const labels = new Float32Array(source.numRows);
  let at = 0;
  for (const batch of orderedBatches(source, batchSize)) {
    predictions.set(await predictAsync(model, batch), at);
    labels.set(batch.labels, at);
    at += batch.size;
  }
  return { predictions: predictions.subarray(0, at), labels: labels.subarray(0, at) };
}

/**
 * Makes later synchronous reads of these tensors work on webgpu: an awaited data() leaves a host
 * copy that dataSync() then returns (e.g. before Dlrm.weights() for a checkpoint).
 */
export async function prefetchForSyncReads(tensors: readonly tf.Tensor[]): Promise<void> {
  await Promise.all(tensors.map((t) => t.data()));
}
