/** Helpers over minibatches (pure: no IO, no tensors). */
import type { Batch } from './types';

/**
 * Examples [start, end) of a batch as a new batch (bags kept, arrays copied).
 * @throws when the range is outside the batch.
 */
export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= batch.size)) {
    throw new Error(`slice [${start}, ${end}) is outside the batch of ${batch.size}`);
  }
  const size = end - start;
  const width = batch.size > 0 ? batch.dense.length / batch.size : 0;
  const { numFeatures, batchSize, values, offsets } = batch.sparse;
  let nnz = 0;
  for (let f = 0; f < numFeatures; f++) nnz += offsets[f * batchSize + end] - offsets[f * batchSize + start];
  const newValues = new Int32Array(nnz);
  const newOffsets = new Int32Array(numFeatures * size + 1);
  let at = 0;
  for (let f = 0; f < numFeatures; f++) {
    for (let b = start; b < end; b++) {
      for (let t = offsets[f * batchSize + b]; t < offsets[f * batchSize + b + 1]; t++) newValues[at++] = values[t];
      newOffsets[f * size + (b - start) + 1] = at;
    }
  }
  return {
    size,
    dense: batch.dense.slice(start * width, end * width),
    sparse: { numFeatures, batchSize: size, values: newValues, offsets: newOffsets },
    labels: batch.labels.slice(start, end),
  };
}
