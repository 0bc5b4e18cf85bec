/**
 * Building and editing minibatches for explanation: rows of a prepared split as a Batch, a feature
 * replaced by a given table row (feature removal, item substitution), the dense input zeroed, a
 * one-row context repeated. All one-hot on output; inputs may be multi-hot.
 */
import type { Batch, JaggedIndices, PreparedSplit } from '../data/types';

/** Names of the V = F + 1 interaction vectors: 'dense' (bottom-MLP output), then C1..CF. */
export function interactionLabels(numFeatures: number): string[] {
  return ['dense', ...Array.from({ length: numFeatures }, (_, f) => `C${f + 1}`)];
}

/** Dense width I of a batch. */
export function denseWidth(batch: Batch): number {
  return batch.size > 0 ? batch.dense.length / batch.size : 0;
}

/** One-hot jagged indices from a row-major [B, F] matrix of table rows. */
export function oneHotIndices(rowsByExample: Int32Array, batchSize: number, numFeatures: number): JaggedIndices {
  const values = new Int32Array(batchSize * numFeatures);
  const offsets = new Int32Array(batchSize * numFeatures + 1);
  for (let f = 0; f < numFeatures; f++) {
    for (let b = 0; b < batchSize; b++) {
      values[f * batchSize + b] = rowsByExample[b * numFeatures + f];
      offsets[f * batchSize + b + 1] = f * batchSize + b + 1;
    }
  }
  return { numFeatures, batchSize, values, offsets };
}

/** The given rows of a prepared split as one one-hot batch (in the order given). */
export function batchFromSplitRows(split: PreparedSplit, rows: ArrayLike<number>): Batch {
  const size = rows.length;
  const numDense = split.numRows > 0 ? split.dense.length / split.numRows : 0;
  const numFeatures = split.numRows > 0 ? split.categorical.length / split.numRows : 0;
  const dense = new Float32Array(size * numDense);
  const categorical = new Int32Array(size * numFeatures);
  const labels = new Float32Array(size);
  for (let b = 0; b < size; b++) {
    const row = rows[b];
    if (!Number.isInteger(row) || row < 0 || row >= split.numRows) throw new Error(`row ${row} is outside the split (${split.numRows} rows)`);
    dense.set(split.dense.subarray(row * numDense, (row + 1) * numDense), b * numDense);
    categorical.set(split.categorical.subarray(row * numFeatures, (row + 1) * numFeatures), b * numFeatures);
    labels[b] = split.labels[row];
  }
  return { size, dense, sparse: oneHotIndices(categorical, size, numFeatures), labels };
}

/** Table rows of a batch as a [B, F] matrix; a multi-hot bag keeps its first row (-1 when empty). */
function firstRows(batch: Batch): Int32Array {
  const { numFeatures, batchSize, values, offsets } = batch.sparse;
  const out = new Int32Array(batchSize * numFeatures);
  for (let f = 0; f < numFeatures; f++) {
    for (let b = 0; b < batchSize; b++) {
      const start = offsets[f * batchSize + b];
      out[b * numFeatures + f] = start < offsets[f * batchSize + b + 1] ? values[start] : -1;
    }
  }
  return out;
}

/**
 * A copy of the batch where feature `feature` of every example is the single table row
 * `replacement` (one number for all, or one per example, [B]); other features keep their bags.
 */
export function withCategoricalReplaced(batch: Batch, feature: number, replacement: number | ArrayLike<number>): Batch {
  const { numFeatures, batchSize, values, offsets } = batch.sparse;
  if (!Number.isInteger(feature) || feature < 0 || feature >= numFeatures) throw new Error(`feature ${feature} is outside 0..${numFeatures - 1}`);
  const newValues: number[] = [];
  const newOffsets = new Int32Array(numFeatures * batchSize + 1);
  for (let f = 0; f < numFeatures; f++) {
    for (let b = 0; b < batchSize; b++) {
      const slot = f * batchSize + b;
      if (f === feature) newValues.push(typeof replacement === 'number' ? replacement : replacement[b]);
      else for (let t = offsets[slot]; t < offsets[slot + 1]; t++) newValues.push(values[t]);
      newOffsets[slot + 1] = newValues.length;
    }
  }
  return { ...batch, sparse: { numFeatures, batchSize, values: Int32Array.from(newValues), offsets: newOffsets } };
}

/** A copy of the batch with every dense input set to 0 (the preprocessed value of a missing integer). */
export function withDenseZeroed(batch: Batch): Batch {
  return { ...batch, dense: new Float32Array(batch.dense.length) };
}

/**
 * Example `index` of a batch repeated `times` times, with feature `feature` set to the given table
 * rows, [times] (item substitution for recommendations). Bags are reduced to their first row.
 */
export function repeatWithFeature(batch: Batch, index: number, feature: number, rows: ArrayLike<number>): Batch {
  const times = rows.length;
  const numFeatures = batch.sparse.numFeatures;
  const width = denseWidth(batch);
  const context = firstRows(batch).subarray(index * numFeatures, (index + 1) * numFeatures);
  const categorical = new Int32Array(times * numFeatures);
  const dense = new Float32Array(times * width);
  const labels = new Float32Array(times).fill(batch.labels[index]);
  for (let b = 0; b < times; b++) {
    categorical.set(context, b * numFeatures);
    categorical[b * numFeatures + feature] = rows[b];
    dense.set(batch.dense.subarray(index * width, (index + 1) * width), b * width);
  }
  return { size: times, dense, sparse: oneHotIndices(categorical, times, numFeatures), labels };
}

export { sliceBatch } from '../data/batch';
