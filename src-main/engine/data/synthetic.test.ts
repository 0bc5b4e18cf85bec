import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exactAuc } from './auc';
import { generateSyntheticSplit, prepareDataset } from './prepare';
import { readCriteoFile } from './reader';
import { Preprocessor, categoryHex } from './preprocess';
import { SYNTHETIC_FEATURE_ROLES, defaultSyntheticWorld, writeSyntheticTsv } from './synthetic';
import { temporaryDirectory } from './testing';

const hash = { categorical: 'hash', hashSize: 100_000, minCount: 1 } as const;
const tmp = temporaryDirectory();
afterAll(tmp.remove);

describe('exact AUC', () => {
  it('counts ties as one half', () => {
    // positives {0.35, 0.8} vs negatives {0.1, 0.4}: 3 of 4 pairs ordered -> 0.75
    expect(exactAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // positives {0.5, 0.9} vs negatives {0.5, 0.5}: 0.5 + 0.5 + 1 + 1 = 3 of 4 -> 0.75
    expect(exactAuc([0.5, 0.5, 0.5, 0.9], [0, 1, 0, 1])).toBe(0.75);
    expect(exactAuc([0.3, 0.3], [0, 1])).toBe(0.5);
    expect(exactAuc([0.3, 0.4], [1, 1])).toBeNaN();
  });
});

describe('synthetic generator', () => {
  it('is deterministic by seed', async () => {
    const a = await generateSyntheticSplit(2000, 3, hash);
    const b = await generateSyntheticSplit(2000, 3, hash);
    const c = await generateSyntheticSplit(2000, 4, hash);
    expect(b.split.categorical).toEqual(a.split.categorical);
    expect(b.split.dense).toEqual(a.split.dense);
    expect(b.split.labels).toEqual(a.split.labels);
    expect(b.split.trueProbability).toEqual(a.split.trueProbability);
    expect(c.split.categorical).not.toEqual(a.split.categorical);
  });

  it('looks like Criteo: base CTR 0.2-0.3, Bayes AUC 0.77-0.83, missing values, skewed categories', async () => {
    const prepared = await prepareDataset({ kind: 'synthetic', rows: 70_000, seed: 1 }, { cacheDir: tmp.dir, hashSize: 100_000 });
    const { train, description, stats } = prepared;
    expect(description.testRows).toBe(5000); // 70000 / 7 = 10000 rows a day, half of the last day
    expect(description.trainRows).toBe(60_000);
    const bayes = description.bayesAuc!;
    // measured 0.80 on 100,000 rows (intercept -1.4, effect scale 0.72); 5,000 test rows give +-0.01
    expect(bayes).toBeGreaterThan(0.77);
    expect(bayes).toBeLessThan(0.83);
    const ctr = stats.clicks / stats.rows;
    expect(ctr).toBeGreaterThan(0.2);
    expect(ctr).toBeLessThan(0.3);
    // the mean planted probability matches the sampled click rate
    const rows = train.readRows(0, 20_000);
    const meanProbability = rows.trueProbability!.reduce((s, p) => s + p, 0) / rows.numRows;
    const clickRate = rows.labels.reduce((s, y) => s + y, 0) / rows.numRows;
    expect(Math.abs(meanProbability - clickRate)).toBeLessThan(0.015);
    // missing: I1 is missing in 45% of rows -> dense 0; C22 in 76% -> row 0
    let denseZero = 0;
    let c22Missing = 0;
    for (let i = 0; i < rows.numRows; i++) {
      if (rows.dense[i * 13] === 0) denseZero++;
      if (rows.categorical[i * 26 + 21] === 0) c22Missing++;
    }
    expect(denseZero / rows.numRows).toBeGreaterThan(0.4);
    expect(c22Missing / rows.numRows).toBeGreaterThan(0.7);
    // skew: C3 has 9,000 values drawn from Zipf(1.1) and is missing in 3% of rows, so its most
    // frequent value has share 0.97 / sum_{v=1..9000} v^-1.1 (about 0.148), not 1/9000
    const top = stats.topRows(2, 3);
    let harmonic = 0;
    for (let v = 1; v <= 9000; v++) harmonic += Math.pow(v, -1.1);
    expect(top[0].count / stats.rows).toBeCloseTo(0.97 / harmonic, 2);
    expect(top[1].count / top[0].count).toBeCloseTo(Math.pow(2, -1.1), 1);
    expect(top[0].value).toMatch(/^[0-9a-f]{8}$/);
    expect(top[0].group).not.toBeNull();
    // the most frequent value is the world's Zipf rank-1 value of C3, in its planted group
    const world = defaultSyntheticWorld();
    expect(top[0].value).toBe(categoryHex(world.valueRaw[2][0]));
    expect(top[0].group).toBe(world.valueGroup[2][0]);
  });

  it('documents which features are noise', () => {
    const noise = SYNTHETIC_FEATURE_ROLES.filter((r) => r.role === 'noise').map((r) => r.feature);
    expect(noise).toEqual(['I10', 'I11', 'I12', 'I13', 'C17', 'C18', 'C19', 'C20', 'C21', 'C22', 'C23', 'C24', 'C25', 'C26']);
    expect(SYNTHETIC_FEATURE_ROLES.find((r) => r.feature === 'I2')!.role).toBe('interaction');
    expect(SYNTHETIC_FEATURE_ROLES.find((r) => r.feature === 'C3')!.role).toBe('main+interaction');
  });

  it('writes a TSV that parses back to exactly the rows generated in memory', async () => {
    const path = join(tmp.dir, 'synthetic.tsv');
    const summary = await writeSyntheticTsv(path, 3000, 11);
    const memory = await generateSyntheticSplit(3000, 11, hash);
    expect(summary.rows).toBe(3000);
    expect(summary.clicks).toBe(memory.split.labels.reduce((s, y) => s + y, 0));
    expect(summary.bayesAuc).toBeCloseTo(exactAuc(memory.split.trueProbability!, memory.split.labels), 12);
    const preprocessor = new Preprocessor(hash);
    const dense = new Float32Array(3000 * 13);
    const categorical = new Int32Array(3000 * 26);
    const labels = new Uint8Array(3000);
    let i = 0;
    const read = await readCriteoFile(path, (row) => {
      labels[i] = row.label;
      preprocessor.apply(row, i++, dense, categorical);
    });
    expect(read.badRows).toBe(0);
    expect(read.rows).toBe(3000);
    expect(labels).toEqual(memory.split.labels);
    expect(dense).toEqual(memory.split.dense);
    expect(categorical).toEqual(memory.split.categorical);
    // gzip when the name says so
    const gz = await writeSyntheticTsv(join(tmp.dir, 'synthetic.tsv.gz'), 500, 11);
    expect(gz.bytes).toBeLessThan(summary.bytes / 3);
  });
});
