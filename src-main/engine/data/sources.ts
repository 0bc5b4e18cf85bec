/**
 * Batch sources: what the trainer iterates. Batches use the keyed-jagged layout of types.ts with
 * exactly one value per (feature, row): values[f * B + b] = table row of feature f in batch row b.
 *
 * Order is a pure function of (seed, epoch): the same arguments give the same batches, and
 * `startBatch = k` yields exactly the batches that iterating from 0 yields after skipping k.
 * The last batch of an epoch may be smaller than batchSize (nothing is dropped).
 */
import { readCachedRows } from './cache';
import { DatasetError } from './errors';
import { Random, combineSeeds, permutation } from './random';
import { NUM_CATEGORICAL, NUM_DENSE } from './types';
import type { Batch, PreparedSplit } from './types';

/** What the trainer reads data through. */
export interface BatchSourceLike {
  numRows: number;
  /**
   * The batches of epoch `epoch`, in an order fixed by (seed, epoch), starting at batch `startBatch`
   * (for resuming). ceil(numRows / batchSize) batches; the last one may be smaller.
   */
  batches(epoch: number, batchSize: number, seed: number, startBatch?: number): Iterable<Batch>;
  /** Batches in stored row order (no shuffle), when the source offers it (evaluation uses it). */
  inOrder?(batchSize: number): Iterable<Batch>;
}

/** A batch source with row access for evaluation, prediction and explore views. */
export interface BatchSource extends BatchSourceLike {
  /** Batches in row order (no shuffle), e.g. for evaluation and prediction. */
  inOrder(batchSize: number): Iterable<Batch>;
  /** Rows [start, start + count) as a PreparedSplit (copies). */
  readRows(start: number, count: number): PreparedSplit;
}

function checkBatchArguments(batchSize: number, startBatch: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DatasetError(`batch size must be a positive integer, got ${batchSize}`, { field: 'batchSize' });
  if (!Number.isInteger(startBatch) || startBatch < 0) throw new DatasetError(`startBatch must be a non-negative integer, got ${startBatch}`, { field: 'startBatch' });
}

/** Allocates an empty batch of `size` rows (offsets 0..F*size, one value per feature and row). */
export function allocateBatch(size: number): Batch {
  const offsets = new Int32Array(NUM_CATEGORICAL * size + 1);
  for (let i = 0; i < offsets.length; i++) offsets[i] = i;
  return {
    size,
    dense: new Float32Array(size * NUM_DENSE),
    labels: new Float32Array(size),
    sparse: { numFeatures: NUM_CATEGORICAL, batchSize: size, values: new Int32Array(NUM_CATEGORICAL * size), offsets },
  };
}

/** Copies row `row` of a split into batch position b of a batch of capacity `capacity`. */
function copyRow(split: PreparedSplit, row: number, batch: Batch, b: number, capacity: number): void {
  batch.labels[b] = split.labels[row];
  const denseSource = row * NUM_DENSE;
  const denseTarget = b * NUM_DENSE;
  for (let i = 0; i < NUM_DENSE; i++) batch.dense[denseTarget + i] = split.dense[denseSource + i];
  const categoricalSource = row * NUM_CATEGORICAL;
  const values = batch.sparse.values;
  for (let f = 0; f < NUM_CATEGORICAL; f++) values[f * capacity + b] = split.categorical[categoricalSource + f];
}

/** A full batch allocated for `capacity` rows but holding only `size`: re-laid out to size. */
function shrinkBatch(batch: Batch, size: number, capacity: number): Batch {
  const out = allocateBatch(size);
  out.labels.set(batch.labels.subarray(0, size));
  out.dense.set(batch.dense.subarray(0, size * NUM_DENSE));
  for (let f = 0; f < NUM_CATEGORICAL; f++) out.sparse.values.set(batch.sparse.values.subarray(f * capacity, f * capacity + size), f * size);
  return out;
}

/** Emits batches from a stream of (split, row) pairs. */
class BatchAssembler {
  private batch: Batch;
  private filled = 0;

  constructor(private readonly batchSize: number) {
    this.batch = allocateBatch(batchSize);
  }

  /** Adds a row; returns a full batch when one is complete. */
  add(split: PreparedSplit, row: number): Batch | null {
    copyRow(split, row, this.batch, this.filled, this.batchSize);
    this.filled++;
    if (this.filled < this.batchSize) return null;
    const full = this.batch;
    this.batch = allocateBatch(this.batchSize);
    this.filled = 0;
    return full;
  }

  /** The last, partial batch, or null. */
  finish(): Batch | null {
    if (this.filled === 0) return null;
    const last = shrinkBatch(this.batch, this.filled, this.batchSize);
    this.filled = 0;
    return last;
  }
}

/** Rows [start, start + count) of an in-memory split as views (no copy). */
export function sliceSplit(split: PreparedSplit, start: number, count: number): PreparedSplit {
  const out: PreparedSplit = {
    numRows: count,
    labels: split.labels.subarray(start, start + count),
    dense: split.dense.subarray(start * NUM_DENSE, (start + count) * NUM_DENSE),
    categorical: split.categorical.subarray(start * NUM_CATEGORICAL, (start + count) * NUM_CATEGORICAL),
  };
  if (split.trueProbability) out.trueProbability = split.trueProbability.subarray(start, start + count);
  return out;
}

/** Copies rows [start, start + count) of an in-memory split. */
function copySplit(split: PreparedSplit, start: number, count: number): PreparedSplit {
  const view = sliceSplit(split, start, count);
  const out: PreparedSplit = { numRows: count, labels: view.labels.slice(), dense: view.dense.slice(), categorical: view.categorical.slice() };
  if (view.trueProbability) out.trueProbability = view.trueProbability.slice();
  return out;
}

/**
 * Batches of a split held in memory. Each epoch is a full seeded Fisher-Yates permutation of the N rows
 * (seed, epoch) -> order.
 */
export class InMemoryBatchSource implements BatchSource {
  readonly numRows: number;

  constructor(readonly split: PreparedSplit) {
    this.numRows = split.numRows;
  }

  /** The permutation of epoch `epoch`, [N]. */
  epochOrder(epoch: number, seed: number): Int32Array {
    return permutation(this.numRows, new Random(combineSeeds(seed, epoch, 0x5eed)));
  }

  *batches(epoch: number, batchSize: number, seed: number, startBatch = 0): Iterable<Batch> {
    checkBatchArguments(batchSize, startBatch);
    const order = this.epochOrder(epoch, seed);
    const assembler = new BatchAssembler(batchSize);
    for (let i = Math.min(startBatch * batchSize, this.numRows); i < this.numRows; i++) {
      const full = assembler.add(this.split, order[i]);
      if (full) yield full;
    }
    const last = assembler.finish();
    if (last) yield last;
  }

  *inOrder(batchSize: number): Iterable<Batch> {
    checkBatchArguments(batchSize, 0);
    const assembler = new BatchAssembler(batchSize);
    for (let i = 0; i < this.numRows; i++) {
      const full = assembler.add(this.split, i);
      if (full) yield full;
    }
    const last = assembler.finish();
    if (last) yield last;
  }

  readRows(start: number, count: number): PreparedSplit {
    checkRange(start, count, this.numRows);
    return copySplit(this.split, start, count);
  }
}

function checkRange(start: number, count: number, numRows: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > numRows) {
    throw new DatasetError(`rows ${start}..${start + count} are outside the split of ${numRows} rows`);
  }
}

/** Default rows per chunk of the cached source's windowed shuffle (~10 MB of rows). */
export const DEFAULT_CHUNK_ROWS = 65_536;

/**
 * Batches of rows [rangeStart, rangeEnd) of a cache part, read in chunks of `chunkRows` rows with
 * positioned reads, so memory stays at about one chunk whatever the file size.
 *
 * Windowed shuffle: each epoch visits the chunks in a seeded random order and the rows of each chunk
 * in a seeded random order (seed, epoch, chunk). Rows from different chunks never mix inside one
 * window, which is weaker than a full permutation but needs no random access to single rows.
 */
export class CachedBatchSource implements BatchSource {
  readonly numRows: number;

  /**
   * @param shuffleWindow when set (rows, >= 1), `batches` keeps the stored order (the reference's day
   *   order: days / chunks in sequence) and shuffles only within consecutive windows of W rows, W the
   *   window rounded up to a multiple of the batch size (so a batch never spans two windows, and two
   *   rows of one batch are fewer than W apart). One window is read and held at a time.
   */
  constructor(
    readonly entryDir: string,
    readonly part: string,
    readonly rangeStart: number,
    readonly rangeEnd: number,
    readonly chunkRows = DEFAULT_CHUNK_ROWS,
    readonly shuffleWindow: number | null = null,
  ) {
    if (rangeEnd < rangeStart) throw new DatasetError(`bad cache range ${rangeStart}..${rangeEnd}`);
    if (shuffleWindow !== null && (!Number.isInteger(shuffleWindow) || shuffleWindow < 1)) {
      throw new DatasetError(`shuffleWindow must be a positive integer, got ${shuffleWindow}`, { field: 'shuffleWindow' });
    }
    this.numRows = rangeEnd - rangeStart;
  }

  /** Rows of each shuffle window at batch size B: the window rounded up to a multiple of B. */
  static windowRows(shuffleWindow: number, batchSize: number): number {
    return Math.ceil(shuffleWindow / batchSize) * batchSize;
  }

  /** Stored order, shuffled within windows of windowRows(W, B) rows, seeded by (seed, epoch, window). */
  private *windowedBatches(epoch: number, batchSize: number, seed: number, startBatch: number, shuffleWindow: number): Iterable<Batch> {
    const windowRows = CachedBatchSource.windowRows(shuffleWindow, batchSize);
    const assembler = new BatchAssembler(batchSize);
    let skip = startBatch * batchSize;
    for (let start = 0, window = 0; start < this.numRows; start += windowRows, window++) {
      const length = Math.min(windowRows, this.numRows - start);
      if (skip >= length) {
        skip -= length;
        continue;
      }
      const rows = readCachedRows(this.entryDir, this.part, this.rangeStart + start, length);
      const rowOrder = permutation(length, new Random(combineSeeds(seed, epoch, window, 0x3d1e)));
      for (let i = skip; i < length; i++) {
        const full = assembler.add(rows, rowOrder[i]);
        if (full) yield full;
      }
      skip = 0;
    }
    const last = assembler.finish();
    if (last) yield last;
  }

  private chunkLength(chunk: number): number {
    return Math.min(this.chunkRows, this.numRows - chunk * this.chunkRows);
  }

  *batches(epoch: number, batchSize: number, seed: number, startBatch = 0): Iterable<Batch> {
    checkBatchArguments(batchSize, startBatch);
    if (this.shuffleWindow !== null) {
      yield* this.windowedBatches(epoch, batchSize, seed, startBatch, this.shuffleWindow);
      return;
    }
    const numChunks = Math.ceil(this.numRows / this.chunkRows);
    const chunkOrder = permutation(numChunks, new Random(combineSeeds(seed, epoch, 0xc4a2)));
    let skip = startBatch * batchSize;
    const assembler = new BatchAssembler(batchSize);
    for (let k = 0; k < numChunks; k++) {
      const chunk = chunkOrder[k];
      const length = this.chunkLength(chunk);
      if (skip >= length) {
        skip -= length;
        continue;
      }
      const rows = readCachedRows(this.entryDir, this.part, this.rangeStart + chunk * this.chunkRows, length);
      const rowOrder = permutation(length, new Random(combineSeeds(seed, epoch, chunk, 0x70e5)));
      for (let i = skip; i < length; i++) {
        const full = assembler.add(rows, rowOrder[i]);
        if (full) yield full;
      }
      skip = 0;
    }
    const last = assembler.finish();
    if (last) yield last;
  }

  *inOrder(batchSize: number): Iterable<Batch> {
    checkBatchArguments(batchSize, 0);
    const assembler = new BatchAssembler(batchSize);
    for (let start = 0; start < this.numRows; start += this.chunkRows) {
      const length = Math.min(this.chunkRows, this.numRows - start);
      const rows = readCachedRows(this.entryDir, this.part, this.rangeStart + start, length);
      for (let i = 0; i < length; i++) {
        const full = assembler.add(rows, i);
        if (full) yield full;
      }
    }
    const last = assembler.finish();
    if (last) yield last;
  }

  readRows(start: number, count: number): PreparedSplit {
    checkRange(start, count, this.numRows);
    return readCachedRows(this.entryDir, this.part, this.rangeStart + start, count);
  }
}
