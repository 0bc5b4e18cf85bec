import { afterAll, describe, expect, it } from 'vitest';
import { CacheEntryBuilder } from './cache';
import { DatasetError } from './errors';
import { createRawRow } from './parse';
import { Preprocessor } from './preprocess';
import { CachedBatchSource } from './sources';
import { temporaryDirectory } from './testing';
import type { Batch } from './types';

const tmp = temporaryDirectory();
afterAll(tmp.remove);

/** A cache part whose row i has label i % 2, dense[0] = log(i + 1) and categorical[f] = i * 26 + f. */
function numberedCache(n: number): string {
  const builder = new CacheEntryBuilder(tmp.dir, `window-${n}`);
  const writer = builder.openPart('all', null, 37);
  const preprocessor = new Preprocessor({ categorical: 'hash', hashSize: 2 ** 31 - 1, minCount: 1 });
  const row = createRawRow();
  for (let i = 0; i < n; i++) {
    row.label = i % 2;
    row.dense.fill(NaN);
    row.dense[0] = i;
    for (let f = 0; f < 26; f++) row.categorical[f] = i * 26 + f;
    writer.push(row, preprocessor);
  }
  writer.close();
  return builder.commit({ version: 1, key: 'k', createdAt: '', preprocessing: preprocessor.config, layout: 'single', tableSizes: [], parts: [{ name: 'all', rows: n }], files: [], parseSeconds: 0 });
}

/** Row ids of a batch (from C1), checking every field of each row belongs to that row. */
function rowIds(batch: Batch): number[] {
  const ids: number[] = [];
  for (let b = 0; b < batch.size; b++) {
    const id = batch.sparse.values[b] / 26;
    expect(batch.labels[b]).toBe(id % 2);
    expect(Math.round(Math.exp(batch.dense[b * 13]) - 1)).toBe(id);
    for (let f = 0; f < 26; f++) expect(batch.sparse.values[f * batch.size + b]).toBe(id * 26 + f);
    ids.push(id);
  }
  return ids;
}

const n = 503;
const dir = numberedCache(n);
const epoch = (source: CachedBatchSource, e: number, batchSize: number, seed: number, startBatch = 0) => Array.from(source.batches(e, batchSize, seed, startBatch), rowIds);

describe('cached source with a user-set shuffle window', () => {
  for (const [window, batchSize] of [[50, 16], [64, 16], [1, 8], [1000, 32]]) {
    it(`window ${window}, batch ${batchSize}: every row once per epoch, in window order, no batch wider than the window`, () => {
      const source = new CachedBatchSource(dir, 'all', 0, n, 40, window);
      const windowRows = CachedBatchSource.windowRows(window, batchSize);
      expect(windowRows % batchSize).toBe(0);
      expect(windowRows).toBeGreaterThanOrEqual(window);
      expect(windowRows).toBeLessThan(window + batchSize);
      const batches = epoch(source, 0, batchSize, 7);
      const ids = batches.flat();
      expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(batches.length).toBe(Math.ceil(n / batchSize));
      // windows come in stored (day) order: the k-th windowRows rows visited are exactly window k
      for (let start = 0; start < n; start += windowRows) {
        const visited = ids.slice(start, start + windowRows).sort((a, b) => a - b);
        expect(visited).toEqual(Array.from({ length: visited.length }, (_, i) => start + i));
      }
      for (const batch of batches) expect(Math.max(...batch) - Math.min(...batch)).toBeLessThan(windowRows);
      // shuffled inside a window when it holds more than one batch row
      if (windowRows > 1 && windowRows < n) expect(ids).not.toEqual(Array.from({ length: n }, (_, i) => i));
    });
  }

  it('is deterministic for (seed, epoch), differs across seeds and epochs, and resumes at startBatch', () => {
    const source = new CachedBatchSource(dir, 'all', 0, n, 40, 100);
    expect(epoch(source, 0, 16, 3)).toEqual(epoch(new CachedBatchSource(dir, 'all', 0, n, 40, 100), 0, 16, 3));
    expect(epoch(source, 0, 16, 3)).not.toEqual(epoch(source, 0, 16, 4));
    expect(epoch(source, 0, 16, 3)).not.toEqual(epoch(source, 1, 16, 3));
    for (const startBatch of [1, 7, 8, 31, 32]) expect(epoch(source, 2, 16, 3, startBatch)).toEqual(epoch(source, 2, 16, 3).slice(startBatch));
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new CachedBatchSource(dir, 'all', 0, n, 40, 0)).toThrow(DatasetError);
    expect(() => new CachedBatchSource(dir, 'all', 0, n, 40, 2.5)).toThrow(/shuffleWindow/);
  });
});
