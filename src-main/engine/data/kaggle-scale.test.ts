import { join } from 'node:path';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAGGLE_CARDINALITIES, kaggleScaleRaw, writeKaggleScaleFile } from './kaggle-scale';
import { readCriteoFile } from './reader';
import { temporaryDirectory } from './testing';
import { NUM_CATEGORICAL } from './types';

describe('Kaggle-scale generator', () => {
  it('has the 26 published cardinalities (33,762,577 values in all)', () => {
    expect(KAGGLE_CARDINALITIES).toHaveLength(NUM_CATEGORICAL);
    expect(KAGGLE_CARDINALITIES.reduce((a, b) => a + b, 0)).toBe(33_762_577);
    expect(Math.max(...KAGGLE_CARDINALITIES)).toBe(10_131_227);
  });

  it('writes rows the reader accepts, with exactly min(K_f, rows) distinct values per feature', async () => {
    const { dir, remove } = temporaryDirectory();
    try {
      const cardinalities = KAGGLE_CARDINALITIES.map((k) => Math.max(1, Math.round(k / 2000)));
      const rows = 3000;
      const path = join(dir, 'kaggle.txt');
      const progress: number[] = [];
      const bytes = await writeKaggleScaleFile(path, { rows, cardinalities, seed: 3, onProgress: (n) => progress.push(n) });
      expect(statSync(path).size).toBe(bytes);
      expect(progress.at(-1)).toBe(rows);
      const distinct = Array.from({ length: NUM_CATEGORICAL }, () => new Set<number>());
      let clicks = 0;
      const summary = await readCriteoFile(path, (row) => {
        clicks += row.label;
        for (let f = 0; f < NUM_CATEGORICAL; f++) if (row.categorical[f] >= 0) distinct[f].add(row.categorical[f]);
      });
      expect(summary.rows).toBe(rows);
      expect(summary.badRows).toBe(0);
      for (let f = 0; f < NUM_CATEGORICAL; f++) expect(distinct[f].size).toBe(Math.min(cardinalities[f], rows));
      expect(clicks / rows).toBeGreaterThan(0.03);
      expect(clicks / rows).toBeLessThan(0.5);
    } finally {
      remove();
    }
  });

  it('maps distinct value indices to distinct raw values (10^6 of the largest feature)', () => {
    const seen = new Set<number>();
    for (let v = 0; v < 1_000_000; v++) seen.add(kaggleScaleRaw(2, v, 1));
    expect(seen.size).toBe(1_000_000);
  });

  it('refuses a cardinality above 2^24 and a bad row count', async () => {
    const cardinalities = [...KAGGLE_CARDINALITIES];
    cardinalities[2] = 2 ** 24 + 1;
    await expect(writeKaggleScaleFile('/nonexistent/x.txt', { rows: 10, cardinalities })).rejects.toThrow(/2\^24/);
    await expect(writeKaggleScaleFile('/nonexistent/x.txt', { rows: 0 })).rejects.toThrow(/rows/);
  });
});
