import { copyFileSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheEntryDir, preparedDistinctCounts } from './cache';
import type { CacheHeader } from './cache';
import { DistinctCounter } from './distinct';
import { prepareDataset } from './prepare';
import { readCriteoFile } from './reader';
import { SAMPLES_DIR, temporaryDirectory } from './testing';
import { NUM_CATEGORICAL } from './types';

const SAMPLE = join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt');

/** Distinct non-missing values per feature of a file, in plain JS Sets. */
async function exactDistinct(path: string): Promise<number[]> {
  const sets = Array.from({ length: NUM_CATEGORICAL }, () => new Set<number>());
  await readCriteoFile(path, (row) => {
    for (let f = 0; f < NUM_CATEGORICAL; f++) if (row.categorical[f] >= 0) sets[f].add(row.categorical[f]);
  });
  return sets.map((set) => set.size);
}

/** n distinct 32-bit values spread over the range (multiples of an odd constant), each given twice. */
function countSpread(counter: DistinctCounter, f: number, n: number): void {
  for (let repeat = 0; repeat < 2; repeat++) for (let i = 0; i < n; i++) counter.addValue(f, Math.imul(i, 0x2545f491) >>> 0);
}

describe('distinct values per feature', () => {
  it('are exact on a real file below the exact limit', async () => {
    const expected = await exactDistinct(SAMPLE);
    const counter = new DistinctCounter();
    const block: number[] = [];
    await readCriteoFile(SAMPLE, (row) => block.push(...row.categorical));
    counter.addBlock(Float64Array.from(block), block.length / NUM_CATEGORICAL);
    expect(counter.counts()).toEqual({ values: expected, exact: expected.map(() => true) });
    expect(expected.some((n) => n > 100)).toBe(true);
  });

  it('count a block as they count value by value, across the exact limit, with 0, repeats and missing values', () => {
    const rows = 5000;
    const block = new Float64Array(rows * NUM_CATEGORICAL).fill(-1);
    for (let i = 0; i < rows; i++) {
      block[i * NUM_CATEGORICAL + 0] = Math.imul(i, 0x2545f491) >>> 0; // 5000 distinct, 0 included (i = 0)
      block[i * NUM_CATEGORICAL + 2] = i % 7 === 0 ? 0 : Math.floor(i / 3); // runs of repeats
      block[i * NUM_CATEGORICAL + 5] = (i * 7919) % 2500; // 2500 distinct: crosses the limit too
    }
    const byBlock = new DistinctCounter(2000);
    byBlock.addBlock(block.subarray(0, 1234 * NUM_CATEGORICAL), 1234);
    byBlock.addBlock(block.subarray(1234 * NUM_CATEGORICAL), rows - 1234);
    const byValue = new DistinctCounter(2000);
    for (let i = 0; i < rows; i++) for (let f = 0; f < NUM_CATEGORICAL; f++) if (block[i * NUM_CATEGORICAL + f] >= 0) byValue.addValue(f, block[i * NUM_CATEGORICAL + f]);
    expect(byBlock.counts()).toEqual(byValue.counts());
    const exactC3 = new Set(Array.from({ length: rows }, (_, i) => block[i * NUM_CATEGORICAL + 2])).size;
    expect(byBlock.counts().values[2]).toBe(exactC3);
    expect(exactC3).toBeLessThan(2000);
    expect(byBlock.counts().exact.slice(0, 6)).toEqual([false, true, true, true, true, false]);
    expect(Math.abs(byBlock.counts().values[5] - 2500)).toBeLessThan(50);
  });

  it('past the exact limit, estimate within 2% (HyperLogLog, 2^14 registers, ~0.8% standard error)', () => {
    const counter = new DistinctCounter(1000);
    const sizes = [999, 1001, 5000, 60_000, 400_000];
    sizes.forEach((n, f) => countSpread(counter, f, n));
    const { values, exact } = counter.counts();
    expect(values[0]).toBe(999);
    expect(exact.slice(0, sizes.length)).toEqual([true, false, false, false, false]);
    sizes.forEach((n, f) => expect(Math.abs(values[f] - n) / n).toBeLessThan(0.02));
    // features never given a value count 0, exactly
    expect(values.slice(sizes.length)).toEqual(new Array(NUM_CATEGORICAL - sizes.length).fill(0));
  });

  it('are kept in the cache header and found for the same files, whatever the preprocessing; old entries and changed files give none', async () => {
    const { dir, remove } = temporaryDirectory();
    try {
      const path = join(dir, 'sample.txt');
      copyFileSync(SAMPLE, path);
      const cacheDir = join(dir, 'cache');
      expect(preparedDistinctCounts(cacheDir, [path])).toBeNull(); // nothing prepared yet
      await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 1000 });
      const expected = await exactDistinct(path);
      expect(preparedDistinctCounts(cacheDir, [path])).toEqual({ values: expected, exact: expected.map(() => true) });
      // an entry of the same file with another preprocessing (a vocabulary) counts the same values
      const vocab = await prepareDataset({ kind: 'file', path, split: 'random' }, { cacheDir, hashSize: 50, categorical: 'vocab', minCount: 2 });
      expect(vocab.fromCache).toBe(false);
      expect(preparedDistinctCounts(cacheDir, [path])?.values).toEqual(expected);
      // another file list: none
      expect(preparedDistinctCounts(cacheDir, [path, path])).toBeNull();
      // an entry written before the counts were kept (no `distinct` in header.json) is read as unknown
      for (const key of readdirSync(cacheDir)) {
        const headerPath = join(cacheEntryDir(cacheDir, key), 'header.json');
        const header = JSON.parse(readFileSync(headerPath, 'utf8')) as CacheHeader;
        delete header.distinct;
        writeFileSync(headerPath, JSON.stringify(header));
      }
      expect(preparedDistinctCounts(cacheDir, [path])).toBeNull();
      // and the old entry still serves its rows
      expect((await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 1000 })).fromCache).toBe(true);
      // a file changed since: its old counts are not used
      await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 999 });
      expect(preparedDistinctCounts(cacheDir, [path])?.values).toEqual(expected);
      utimesSync(path, new Date(), new Date(Date.now() + 5000));
      expect(preparedDistinctCounts(cacheDir, [path])).toBeNull();
      expect(preparedDistinctCounts(cacheDir, [join(dir, 'missing.txt')])).toBeNull();
    } finally {
      remove();
    }
  });
});
