import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetCancelledError, DatasetError } from './errors';
import { prepareDataset, prepareScoringFile } from './prepare';
import { Preprocessor } from './preprocess';
import { readCriteoFile } from './reader';
import { days7Ranges } from './split';
import { FeatureStats } from './stats';
import { SAMPLES_DIR, temporaryDirectory } from './testing';
import type { PreparedSplit } from './types';

const tmp = temporaryDirectory();
afterAll(tmp.remove);
const kaggle = join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt');

/** The whole file preprocessed in memory, independently of the cache. */
async function inMemory(path: string, hashSize: number): Promise<PreparedSplit> {
  const preprocessor = new Preprocessor({ categorical: 'hash', hashSize, minCount: 1 });
  const labels: number[] = [];
  const dense: number[] = [];
  const categorical: number[] = [];
  const d = new Float32Array(13);
  const c = new Int32Array(26);
  await readCriteoFile(path, (row) => {
    labels.push(row.label);
    preprocessor.apply(row, 0, d, c);
    dense.push(...d);
    categorical.push(...c);
  });
  return { numRows: labels.length, labels: Uint8Array.from(labels), dense: Float32Array.from(dense), categorical: Int32Array.from(categorical) };
}

describe('7-day split', () => {
  it('cuts like np.array_split into 7 days, then the last day into test and validation halves', () => {
    // np.array_split(np.arange(1000), 7) sizes: 143 x 6, 142 -> train 858; last day 142 -> test 71, valid 71
    expect(days7Ranges(1000)).toEqual({ train: { start: 0, end: 858 }, test: { start: 858, end: 929 }, valid: { start: 929, end: 1000 } });
    // 1001 = 7 x 143: train 858; last day 143 -> test 72 (first half gets the extra), valid 71
    expect(days7Ranges(1001)).toEqual({ train: { start: 0, end: 858 }, test: { start: 858, end: 930 }, valid: { start: 930, end: 1001 } });
    // 100: sizes 15, 15, 14 x 5 -> train 86; last 14 -> 7 + 7
    expect(days7Ranges(100)).toEqual({ train: { start: 0, end: 86 }, test: { start: 86, end: 93 }, valid: { start: 93, end: 100 } });
  });
});

describe('prepareDataset on a file', () => {
  it('parses into the cache once, with values equal to an in-memory reading, then reads the cache', async () => {
    const cacheDir = join(tmp.dir, 'cache-a');
    const messages: string[] = [];
    const first = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir, hashSize: 1000, onProgress: (_f, m) => messages.push(m) });
    expect(first.fromCache).toBe(false);
    expect(first.description).toMatchObject({ kind: 'file', rows: 1000, badRows: 0, trainRows: 858, validRows: 71, testRows: 71, bytes: 240110 });
    expect(first.tableSizes).toEqual(new Array(26).fill(1000));
    expect(messages[messages.length - 1]).toMatch(/parsed 1,000 rows/);
    const expected = await inMemory(kaggle, 1000);
    const train = first.train.readRows(0, 858);
    const test = first.test.readRows(0, 71);
    const valid = first.valid.readRows(0, 71);
    expect(train.categorical).toEqual(expected.categorical.subarray(0, 858 * 26));
    expect(train.dense).toEqual(expected.dense.subarray(0, 858 * 13));
    expect(train.labels).toEqual(expected.labels.subarray(0, 858));
    expect(test.categorical).toEqual(expected.categorical.subarray(858 * 26, 929 * 26));
    expect(valid.labels).toEqual(expected.labels.subarray(929));
    // stats cover every row: counts of each feature sum to 1000, clicks to 205
    expect(first.stats.rows).toBe(1000);
    expect(first.stats.clicks).toBe(205);
    const top = first.stats.topRows(0, 1000);
    expect(top.reduce((s, r) => s + r.count, 0)).toBe(1000);
    // C1 of the first row is 68fd1e64 -> row 1761418852 % 1000 = 852, its first-seen value
    expect(first.stats.rowInfo(0, 852).value).toBe('68fd1e64');

    const second = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir, hashSize: 1000 });
    expect(second.fromCache).toBe(true);
    expect(second.train.readRows(0, 858).categorical).toEqual(train.categorical);
    expect(second.stats.rowInfo(0, 852)).toEqual(first.stats.rowInfo(0, 852));
    // another hash size is another cache entry
    const third = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir, hashSize: 999 });
    expect(third.fromCache).toBe(false);
  });

  it('re-parses when the file changes (mtime)', async () => {
    const path = join(tmp.dir, 'changing.tsv');
    writeFileSync(path, Array.from({ length: 50 }, (_, i) => `${i % 2}\t${i}`).join('\n'));
    const cacheDir = join(tmp.dir, 'cache-b');
    expect((await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 10 })).fromCache).toBe(false);
    expect((await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 10 })).fromCache).toBe(true);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect((await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 10 })).fromCache).toBe(false);
  });

  it('splits at random by seed, the same way every time', async () => {
    const cacheDir = join(tmp.dir, 'cache-c');
    const spec = { kind: 'file', path: kaggle, split: 'random', validFraction: 0.2, testFraction: 0.1 } as const;
    const a = await prepareDataset(spec, { cacheDir, hashSize: 1000, splitSeed: 3 });
    const { trainRows, validRows, testRows } = a.description;
    expect(trainRows + validRows + testRows).toBe(1000);
    // binomial(1000, 0.2) and (1000, 0.1): within 5 standard deviations
    expect(Math.abs(validRows - 200)).toBeLessThan(65);
    expect(Math.abs(testRows - 100)).toBeLessThan(50);
    const b = await prepareDataset(spec, { cacheDir: join(tmp.dir, 'cache-c2'), hashSize: 1000, splitSeed: 3 });
    expect(b.test.readRows(0, testRows).categorical).toEqual(a.test.readRows(0, testRows).categorical);
    const c = await prepareDataset(spec, { cacheDir, hashSize: 1000, splitSeed: 4 });
    expect(c.description.testRows === testRows && c.test.readRows(0, testRows).categorical.every((v, i) => v === a.test.readRows(0, testRows).categorical[i])).toBe(false);
  });

  it('reads separate files, taking validation from the end of training when none is given', async () => {
    const cacheDir = join(tmp.dir, 'cache-d');
    const train = join(SAMPLES_DIR, 'paddlerec_dnn_sample_train.txt');
    const test = join(SAMPLES_DIR, 'deepctr_criteo_sample.txt');
    const prepared = await prepareDataset({ kind: 'files', train, test }, { cacheDir, hashSize: 500 });
    expect(prepared.description).toMatchObject({ kind: 'files', rows: 300, trainRows: 95, validRows: 5, testRows: 200 });
    const withValid = await prepareDataset({ kind: 'files', train, valid: join(SAMPLES_DIR, 'paddlerec_dnn_sample_test.txt'), test }, { cacheDir, hashSize: 500 });
    expect(withValid.description).toMatchObject({ rows: 400, trainRows: 100, validRows: 100, testRows: 200 });
    expect(withValid.valid.readRows(0, 100).labels.reduce((s, y) => s + y, 0)).toBe(36);
  });

  it('builds a vocabulary with a minimum count (two passes)', async () => {
    const cacheDir = join(tmp.dir, 'cache-e');
    const prepared = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir, hashSize: 100_000, categorical: 'vocab', minCount: 5 });
    // C9 (a73ee510 and a few others) has few distinct values; C1 has fewer than 1000
    const sizes = prepared.tableSizes;
    expect(sizes.every((size) => size >= 1 && size < 1000)).toBe(true);
    // row 1 of each table is its most frequent value, seen at least 5 times
    const top = prepared.stats.topRows(8, 2);
    expect(top[0].row === 1 || top[0].row === 0).toBe(true);
    const state = prepared.preprocessing;
    expect(state.vocabulary![8][0]).toBe(prepared.stats.rowInfo(8, 1).value);
    expect(prepared.stats.rowInfo(8, 1).count).toBeGreaterThanOrEqual(5);
    const again = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir, hashSize: 100_000, categorical: 'vocab', minCount: 5 });
    expect(again.fromCache).toBe(true);
    expect(again.tableSizes).toEqual(sizes);
  });

  it('stops when too many rows are bad, and leaves no cache entry behind', async () => {
    const path = join(tmp.dir, 'bad.tsv');
    writeFileSync(path, Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `x\t1` : `1\t${i}`)).join('\n'));
    const cacheDir = join(tmp.dir, 'cache-f');
    const error = await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 10, maxBadShare: 0.1, minRowsForBadShare: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/malformed/);
    expect((error as DatasetError).line).toBe(1);
    expect(readdirSync(cacheDir)).toEqual([]); // the half-built entry was removed
    const lenient = await prepareDataset({ kind: 'file', path, split: 'days7' }, { cacheDir, hashSize: 10, maxBadShare: 0.5 });
    expect(lenient.description.badRows).toBe(67);
    expect(lenient.badRowReports[0]).toMatchObject({ line: 1, field: 'label' });
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir: join(tmp.dir, 'cache-g'), hashSize: 10, signal: controller.signal })).rejects.toBeInstanceOf(DatasetCancelledError);
    const late = new AbortController();
    const promise = prepareDataset({ kind: 'synthetic', rows: 300_000, seed: 1 }, { cacheDir: tmp.dir, hashSize: 10, signal: late.signal, onProgress: () => late.abort() });
    await expect(promise).rejects.toBeInstanceOf(DatasetCancelledError);
  });

  it('names a missing file', async () => {
    await expect(prepareDataset({ kind: 'file', path: join(tmp.dir, 'nope.tsv'), split: 'days7' }, { cacheDir: tmp.dir, hashSize: 10 })).rejects.toThrow(/nope\.tsv/);
  });
});

describe('feature stats', () => {
  it('round-trip through the stats file and a snapshot, dense and lossy tables alike', () => {
    const sizes = [10, 5_000_000];
    const stats = new FeatureStats(sizes, null, 64);
    const rows = new Int32Array(2);
    const raw = new Float64Array(2);
    // feature 0: row r seen r+1 times; feature 1: rows 0..999 once, then row 7 100 more times
    for (let r = 0; r < 10; r++) for (let k = 0; k <= r; k++) {
      rows[0] = r;
      raw[0] = r === 3 ? -1 : 0xabc0 + r;
      rows[1] = 4_000_000 + r;
      raw[1] = 5;
      stats.record(rows, 0, raw, 0, k % 2);
    }
    for (let r = 0; r < 1000; r++) {
      rows[0] = 0;
      rows[1] = r;
      raw[1] = r;
      stats.record(rows, 0, raw, 0, 0);
    }
    for (let k = 0; k < 100; k++) {
      rows[1] = 7;
      raw[1] = 7;
      stats.record(rows, 0, raw, 0, 1);
    }
    expect(stats.rowInfo(0, 9)).toEqual({ row: 9, count: 10, clicks: 5, ctr: 0.5, value: '0000abc9', group: null });
    expect(stats.rowInfo(0, 3).value).toBeNull(); // first seen missing
    // the lossy table (capacity 64) keeps the frequent row 7 among 1000 distinct rows
    const top = stats.topRows(1, 1)[0];
    expect(top.row).toBe(7);
    expect(top.count).toBeGreaterThanOrEqual(100);
    const file = join(tmp.dir, 'stats.bin');
    stats.writeFile(file);
    const read = FeatureStats.readFile(file);
    expect(read.rowInfo(0, 9)).toEqual(stats.rowInfo(0, 9));
    expect(read.topRows(1, 1)).toEqual(stats.topRows(1, 1));
    const snapshot = JSON.parse(JSON.stringify(stats.toSnapshot(5)));
    const restored = FeatureStats.fromSnapshot(snapshot);
    expect(restored.topRows(0, 5)).toEqual(stats.topRows(0, 5));
    expect(restored.rows).toBe(stats.rows);
  });
});

describe('scoring files', () => {
  it('preprocesses a file with a saved preprocessing, in file order, with or without labels', async () => {
    const cacheDir = join(tmp.dir, 'cache-s');
    const trained = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir, hashSize: 100_000, categorical: 'vocab', minCount: 2 });
    const state = JSON.parse(JSON.stringify(trained.preprocessing));
    const scored = await prepareScoringFile(kaggle, state, { cacheDir });
    expect(scored.rows).toBe(1000);
    // file order: the first 858 rows equal the training split of the same preprocessing
    expect(scored.source.readRows(0, 858).categorical).toEqual(trained.train.readRows(0, 858).categorical);
    expect((await prepareScoringFile(kaggle, state, { cacheDir })).fromCache).toBe(true);
    // the same rows without their label column (39 fields)
    const unlabelled = join(tmp.dir, 'unlabelled.tsv');
    writeFileSync(unlabelled, readFileSync(kaggle, 'utf8').split('\n').map((line) => line.slice(line.indexOf('\t') + 1)).join('\n'));
    const noLabels = await prepareScoringFile(unlabelled, state, { cacheDir, hasLabel: false });
    expect(noLabels.badRows).toBe(0);
    expect(noLabels.source.readRows(0, 1000).categorical).toEqual(scored.source.readRows(0, 1000).categorical);
    expect(noLabels.source.readRows(0, 1000).dense).toEqual(scored.source.readRows(0, 1000).dense);
  });
});
