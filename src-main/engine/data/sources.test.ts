import { afterAll, describe, expect, it } from 'vitest';
import { CacheEntryBuilder, readCachedRows } from './cache';
import { createRawRow } from './parse';
import { Preprocessor } from './preprocess';
import { CachedBatchSource, InMemoryBatchSource } from './sources';
import type { BatchSource } from './sources';
import { temporaryDirectory } from './testing';
import type { Batch, PreparedSplit } from './types';

/** A split whose row i has label i % 2, dense[0] = i, categorical[f] = i * 26 + f: rows are recognisable. */
function numberedSplit(n: number): PreparedSplit {
  const split: PreparedSplit = { numRows: n, labels: new Uint8Array(n), dense: new Float32Array(n * 13), categorical: new Int32Array(n * 26) };
  for (let i = 0; i < n; i++) {
    split.labels[i] = i % 2;
    split.dense[i * 13] = i;
    for (let f = 0; f < 26; f++) split.categorical[i * 26 + f] = i * 26 + f;
  }
  return split;
}

/** Row ids of a batch, checking that every field of each row belongs to the same row. */
function rowIds(batch: Batch): number[] {
  const ids: number[] = [];
  expect(batch.sparse.offsets.length).toBe(26 * batch.size + 1);
  expect(batch.sparse.offsets[26 * batch.size]).toBe(26 * batch.size);
  for (let b = 0; b < batch.size; b++) {
    const id = batch.dense[b * 13];
    expect(batch.labels[b]).toBe(id % 2);
    for (let f = 0; f < 26; f++) expect(batch.sparse.values[f * batch.size + b]).toBe(id * 26 + f);
    ids.push(id);
  }
  return ids;
}

const tmp = temporaryDirectory();
afterAll(tmp.remove);

/** Writes the numbered split into a cache part through the real writer. */
function cachedNumbered(n: number, chunkRows: number, rangeStart = 0, rangeEnd = n): CachedBatchSource {
  const builder = new CacheEntryBuilder(tmp.dir, `numbered-${n}-${chunkRows}-${rangeStart}`);
  const writer = builder.openPart('all', null, 37); // odd block size: blocks straddle everything
  // the writer takes raw rows: with hashSize 2^31-1, raw value = table row and dense x = e^v - 1
  const preprocessor = new Preprocessor({ categorical: 'hash', hashSize: 2 ** 31 - 1, minCount: 1 });
  const row = createRawRow();
  for (let i = 0; i < n; i++) {
    row.label = i % 2;
    row.dense.fill(NaN);
    row.dense[0] = i; // stored as log(i + 1)
    for (let f = 0; f < 26; f++) row.categorical[f] = i * 26 + f;
    writer.push(row, preprocessor);
  }
  writer.close();
  const dir = builder.commit({ version: 1, key: 'k', createdAt: '', preprocessing: preprocessor.config, layout: 'single', tableSizes: [], parts: [{ name: 'all', rows: n }], files: [], parseSeconds: 0 });
  // decode dense back to ids for rowIds(): wrap readRows
  return new CachedBatchSource(dir, 'all', rangeStart, rangeEnd, chunkRows);
}

/** Undo the log transform the writer applied to dense[0], so rowIds() sees row ids. */
function decode(batch: Batch): Batch {
  for (let b = 0; b < batch.size; b++) batch.dense[b * 13] = Math.round(Math.exp(batch.dense[b * 13]) - 1);
  return batch;
}

function epochIds(source: BatchSource, epoch: number, batchSize: number, seed: number, startBatch = 0, cached = false): number[][] {
  return Array.from(source.batches(epoch, batchSize, seed, startBatch), (batch) => rowIds(cached ? decode(batch) : batch));
}

describe.each([
  ['in memory', false],
  ['cached, chunks of 40 rows', true],
])('%s', (_name, cached) => {
  const n = 203;
  const source: BatchSource = cached ? cachedNumbered(n, 40) : new InMemoryBatchSource(numberedSplit(n));

  it('visits every row once per epoch, last batch partial', () => {
    const batches = epochIds(source, 0, 16, 7, 0, cached);
    expect(batches.length).toBe(Math.ceil(n / 16));
    expect(batches[batches.length - 1].length).toBe(n % 16);
    const all = batches.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(batches.flat()).not.toEqual(Array.from({ length: n }, (_, i) => i)); // shuffled
  });

  it('is deterministic for (seed, epoch) and differs across epochs and seeds', () => {
    const a = epochIds(source, 3, 16, 7, 0, cached);
    expect(epochIds(source, 3, 16, 7, 0, cached)).toEqual(a);
    expect(epochIds(source, 4, 16, 7, 0, cached)).not.toEqual(a);
    expect(epochIds(source, 3, 16, 8, 0, cached)).not.toEqual(a);
  });

  it('startBatch gives exactly the batches after skipping', () => {
    const all = epochIds(source, 2, 16, 5, 0, cached);
    for (const start of [1, 2, 3, 5, 12, 13, 20]) {
      expect(epochIds(source, 2, 16, 5, start, cached)).toEqual(all.slice(start));
    }
  });

  it('reads rows in order', () => {
    const ordered = Array.from(source.inOrder(50), (batch) => rowIds(cached ? decode(batch) : batch)).flat();
    expect(ordered).toEqual(Array.from({ length: n }, (_, i) => i));
    const rows = source.readRows(100, 3);
    expect(Array.from(rows.categorical.subarray(0, 2))).toEqual([2600, 2601]);
    expect(Array.from(rows.labels)).toEqual([0, 1, 0]);
    expect(() => source.readRows(200, 10)).toThrow(/outside/);
  });
});

describe('cached source', () => {
  it('round-trips every value through the cache files', () => {
    const source = cachedNumbered(100, 64);
    const rows = readCachedRows(source.entryDir, 'all', 0, 100);
    for (let i = 0; i < 100; i++) {
      expect(rows.labels[i]).toBe(i % 2);
      expect(rows.dense[i * 13]).toBe(Math.fround(Math.log(i + 1)));
      expect(rows.dense[i * 13 + 1]).toBe(0);
      expect(rows.categorical[i * 26 + 25]).toBe(i * 26 + 25);
    }
  });

  it('serves a sub-range of a part', () => {
    const source = cachedNumbered(100, 16, 30, 70);
    expect(source.numRows).toBe(40);
    const ids = epochIds(source, 0, 7, 1, 0, true).flat().sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => 30 + i));
  });
});
