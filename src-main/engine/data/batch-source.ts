/**
 * Minibatches from an in-memory PreparedSplit, and views of any BatchSourceLike (./sources.ts declares
 * it; the trainer only knows that interface).
 */
import type { Batch, PreparedSplit } from './types';
import { deriveSeed, Rng } from '../random/rng';
import type { BatchSourceLike } from './sources';

export type { BatchSourceLike };

/** The source's batches in stored order: inOrder when offered, else epoch 0 of batches(). */
export function orderedBatches(source: BatchSourceLike, batchSize: number): Iterable<Batch> {
  return source.inOrder ? source.inOrder(batchSize) : source.batches(0, batchSize, 0);
}

/**
 * A view of a source that trains in stored row order every epoch (as torch_dlrm.py train does),
 * for sources that shuffle in batches().
 */
export function inStoredOrder(source: BatchSourceLike & { inOrder(batchSize: number): Iterable<Batch> }): BatchSourceLike {
  return {
    numRows: source.numRows,
    *batches(_epoch: number, batchSize: number, _seed: number, startBatch = 0): Iterable<Batch> {
      let index = 0;
      for (const batch of source.inOrder(batchSize)) if (index++ >= startBatch) yield batch;
    },
    inOrder: (batchSize: number) => source.inOrder(batchSize),
  };
}

export interface SplitBatchSourceOptions {
  /** Shuffle the rows each epoch (default true); false keeps file order, as torch_dlrm.py train does. */
  shuffle?: boolean;
}

/**
 * Batches of an in-memory one-hot split. Row order of epoch e is a Fisher-Yates shuffle seeded by
 * (seed, e), so it is the same on every run and after resuming.
 */
export function splitBatchSource(split: PreparedSplit, options: SplitBatchSourceOptions = {}): BatchSourceLike {
  const shuffle = options.shuffle ?? true;
  const N = split.numRows;
  const numDense = N > 0 ? split.dense.length / N : 0;
  const F = N > 0 ? split.categorical.length / N : 0;
  if (!Number.isInteger(numDense) || !Number.isInteger(F)) throw new Error('split arrays do not match numRows');
  const source: BatchSourceLike = {
    numRows: N,
    inOrder: (batchSize: number) => splitBatchSource(split, { shuffle: false }).batches(0, batchSize, 0),
    *batches(epoch: number, batchSize: number, seed: number, startBatch = 0): Iterable<Batch> {
      if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
      let order: Uint32Array | null = null;
      if (shuffle) {
        order = new Uint32Array(N);
        for (let i = 0; i < N; i++) order[i] = i;
        new Rng(deriveSeed(seed, epoch)).shuffle(order);
      }
      for (let start = startBatch * batchSize; start < N; start += batchSize) {
        const B = Math.min(batchSize, N - start);
        const dense = new Float32Array(B * numDense);
        const values = new Int32Array(B * F);
        const labels = new Float32Array(B);
        for (let b = 0; b < B; b++) {
          const row = order ? order[start + b] : start + b;
          dense.set(split.dense.subarray(row * numDense, (row + 1) * numDense), b * numDense);
          for (let f = 0; f < F; f++) values[f * B + b] = split.categorical[row * F + f];
          labels[b] = split.labels[row];
        }
        const offsets = new Int32Array(F * B + 1);
        for (let i = 0; i <= F * B; i++) offsets[i] = i;
        yield { size: B, dense, sparse: { numFeatures: F, batchSize: B, values, offsets }, labels };
      }
    },
  };
  return source;
}

/** Number of batches per epoch. */
export function batchesPerEpoch(numRows: number, batchSize: number): number {
  return Math.ceil(numRows / batchSize);
}
