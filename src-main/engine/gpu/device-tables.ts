/**
 * EXPERIMENT (benchmarked against host tables in bench-gpu.ts; not used by the trainer): embedding
 * tables resident on the device, so a step moves only the batch's indices to the device and only the
 * loss back, instead of the pooled [B, F, D] up and its gradient down.
 *
 * Step: host computes, per table, the distinct rows U and each lookup's slot (cheap, indices only) ->
 * device: pooled = gather (+ segment sum over multi-hot bags) -> loss and gradients as in stepAsync ->
 * dense optimizer -> per table: row gradient = UnsortedSegmentSum(lookup gradients, slot, U) (duplicates
 * summed), rows -= lr * row gradient, written back with TensorScatterUpdate. SGD only.
 *
 * tfjs has no in-place scatter: TensorScatterUpdate writes a new [rows, D] table each step, so the
 * update costs a copy of every table (26 x 100,000 x D floats) per step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import { binaryCrossEntropyWithLogits } from '../model/loss';
import type { Dlrm } from '../model/dlrm';
import type { DeviceSteppable, StepTimings } from './device-step';

/** Per table: the distinct rows of a batch and, for each lookup, its slot among them. */
interface TableLookups {
  /** [U] distinct rows in first-seen order. */
  rows: Int32Array;
  /** [n] lookup k uses rows[slot[k]]. */
  slot: Int32Array;
  /** [n] row of all lookups (the batch's values of this feature). */
  values: Int32Array;
  /** [n] the bag (batch row) of lookup k; null when every bag holds exactly one lookup (one-hot). */
  bag: Int32Array | null;
}

export class DeviceTables {
  /** F tables, [rows_f, D], on the device. */
  readonly tables: tf.Variable<tf.Rank.R2>[];
  private readonly slotOfRow: Int32Array[];

  /** Copies the host tables of a DLRM trainer's model to the device (the host copy is left as it was). */
  constructor(private readonly trainer: DeviceSteppable & { readonly model: Dlrm }) {
    const { embeddings } = trainer.model;
    const D = embeddings.dim;
    this.tables = embeddings.tables.map((t, f) => tf.variable(tf.tensor2d(t, [embeddings.tableSizes[f], D]), false));
    this.slotOfRow = embeddings.tableSizes.map((n) => new Int32Array(n).fill(-1));
  }

  private lookups(batch: Batch): TableLookups[] {
    const { batchSize: B, numFeatures: F, values, offsets } = batch.sparse;
    const result: TableLookups[] = [];
    for (let f = 0; f < F; f++) {
      const start = offsets[f * B];
      const end = offsets[f * B + B];
      const n = end - start;
      const slots = this.slotOfRow[f];
      const rows = new Int32Array(n);
      const slot = new Int32Array(n);
      let unique = 0;
      for (let k = 0; k < n; k++) {
        const row = values[start + k];
        let s = slots[row];
        if (s < 0) {
          s = unique++;
          slots[row] = s;
          rows[s] = row;
        }
        slot[k] = s;
      }
      for (let u = 0; u < unique; u++) slots[rows[u]] = -1;
      let oneHot = n === B;
      for (let b = 0; oneHot && b < B; b++) oneHot = offsets[f * B + b + 1] - offsets[f * B + b] === 1;
      let bag: Int32Array | null = null;
      if (!oneHot) {
        bag = new Int32Array(n);
        for (let b = 0; b < B; b++) for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) bag[k - start] = b;
      }
      result.push({ rows: rows.slice(0, unique), slot, values: values.slice(start, end), bag });
    }
    return result;
  }

  /**
   * One SGD step with device-resident tables.
   * @returns the batch's mean loss before the update.
   */
  async step(batch: Batch, learningRate: number, timings?: StepTimings): Promise<number> {
    const trainer = this.trainer;
    const model = trainer.model;
    const { numDense, embeddingDim: D } = model.arch;
    const B = batch.size;
    const t0 = performance.now();
    const lookups = this.lookups(batch);
    const t1 = performance.now();
    const loss = tf.tidy(() => {
      const valueTensors = lookups.map((l) => tf.tensor1d(l.values, 'int32'));
      const bagTensors = lookups.map((l) => (l.bag ? tf.tensor1d(l.bag, 'int32') : null));
      const pooledParts = lookups.map((_, f) => {
        const rows = tf.gather(this.tables[f], valueTensors[f]);
        return bagTensors[f] ? tf.unsortedSegmentSum(rows, bagTensors[f] as tf.Tensor1D, B) : rows;
      });
      const pooled = tf.stack(pooledParts, 1) as tf.Tensor3D;
      const denseInput = tf.tensor2d(batch.dense, [B, numDense]);
      const labelInput = tf.tensor2d(batch.labels, [B, 1]);
      const f = tf.valueAndGrads((pooledInput: tf.Tensor, ...weights: tf.Tensor[]) =>
        binaryCrossEntropyWithLogits(model.logits(denseInput, pooledInput as tf.Tensor3D, weights), labelInput),
      );
      const { value, grads } = f([pooled, ...trainer.denseVariables()]);
      trainer.denseOptimizer.apply(grads.slice(1), learningRate);
      const pooledGradient = grads[0];
      const lr = tf.scalar(learningRate);
      lookups.forEach((l, feature) => {
        const featureGradient = tf.reshape(tf.slice(pooledGradient, [0, feature, 0], [B, 1, D]), [B, D]);
        const lookupGradient = bagTensors[feature] ? tf.gather(featureGradient, bagTensors[feature] as tf.Tensor1D) : featureGradient;
        const U = l.rows.length;
        const rowGradient = tf.unsortedSegmentSum(lookupGradient, tf.tensor1d(l.slot, 'int32'), U);
        const rowIndex = tf.tensor1d(l.rows, 'int32');
        const updated = tf.sub(tf.gather(this.tables[feature], rowIndex), tf.mul(rowGradient, lr));
        this.tables[feature].assign(tf.tensorScatterUpdate(this.tables[feature], tf.reshape(rowIndex, [U, 1]), updated) as tf.Tensor2D);
      });
      return value;
    });
    try {
      const value = (await loss.data())[0];
      if (timings) {
        // "pool" is the host's index work here; the updates are dispatched inside the device phase
        timings.poolMs += t1 - t0;
        timings.deviceMs += performance.now() - t1;
        timings.steps++;
      }
      // unlike stepAsync the updates are already queued when the loss arrives
      if (!Number.isFinite(value)) throw new Error(`the loss became ${value} (try a lower learning rate)`);
      return value;
    } finally {
      loss.dispose();
    }
  }

  /** Host copies of the device tables (e.g. to compare with host-table training). */
  async read(): Promise<Float32Array[]> {
    return Promise.all(this.tables.map(async (t) => (await t.data()) as Float32Array));
  }

  dispose(): void {
    tf.dispose(this.tables);
  }
}
