import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataset } from './prepare';
import { CachedBatchSource } from './sources';
import { SAMPLES_DIR, temporaryDirectory } from './testing';

const tmp = temporaryDirectory();
afterAll(tmp.remove);
const kaggle = join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt');

describe('prepareDataset with a shuffle window', () => {
  it('gives the training split (only) the window, and its batches cover every training row once', async () => {
    const prepared = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir: tmp.dir, hashSize: 1000, shuffleWindow: 100 });
    expect(prepared.train).toBeInstanceOf(CachedBatchSource);
    expect((prepared.train as CachedBatchSource).shuffleWindow).toBe(100);
    expect((prepared.valid as CachedBatchSource).shuffleWindow).toBeNull();
    let rows = 0;
    for (const batch of prepared.train.batches(0, 32, 1)) rows += batch.size;
    expect(rows).toBe(prepared.train.numRows);
    const plain = await prepareDataset({ kind: 'file', path: kaggle, split: 'days7' }, { cacheDir: tmp.dir, hashSize: 1000 });
    expect((plain.train as CachedBatchSource).shuffleWindow).toBeNull();
  });
});
