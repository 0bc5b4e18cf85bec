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
    counter.addBlock(block, block.length / NUM_CATEGORICAL);
    expect(counter.counts()).toEqual({ values: expected, exact: expected.map(() => true) });
    expect(expected.some((n) => n > 100)).toBe(true);
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
