import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRawRow } from './parse';
import type { RawRow } from './parse';
import { VocabularyCounter } from './preprocess';
import { readCriteoFile } from './reader';
import { SAMPLES_DIR } from './testing';
import { NUM_CATEGORICAL } from './types';

/** Reference: exact counts per feature in plain JS Maps, and the vocabulary rule written out again. */
function exactCounts(rows: RawRow[]): Map<number, number>[] {
  const maps = Array.from({ length: NUM_CATEGORICAL }, () => new Map<number, number>());
  for (const row of rows) {
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      const raw = row.categorical[f];
      if (raw >= 0) maps[f].set(raw, (maps[f].get(raw) ?? 0) + 1);
    }
  }
  return maps;
}

function referenceVocabulary(counts: Map<number, number>, minCount: number, maxRows: number): number[] {
  return [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, maxRows - 1)
    .map(([value]) => value);
}

async function sampleRows(): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  await readCriteoFile(join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt'), (row) => {
    const copy = createRawRow();
    copy.dense.set(row.dense);
    copy.categorical.set(row.categorical);
    copy.label = row.label;
    rows.push(copy);
  });
  return rows;
}

describe('bounded vocabulary counting', () => {
  it('equals exact counting on a real Criteo sample where the cap is not hit', async () => {
    const rows = await sampleRows();
    expect(rows.length).toBeGreaterThan(900);
    const counter = new VocabularyCounter();
    for (const row of rows) counter.add(row);
    expect(counter.undercount.every((u) => u === 0)).toBe(true);
    const exact = exactCounts(rows);
    for (const [minCount, maxRows] of [[1, 1_000_000], [2, 1_000_000], [3, 50]]) {
      const vocabulary = counter.build(minCount, maxRows);
      for (let f = 0; f < NUM_CATEGORICAL; f++) expect(Array.from(vocabulary.valuesByRow[f])).toEqual(referenceVocabulary(exact[f], minCount, maxRows));
    }
  });

  it('with a small cap: features under it stay exact, pruned ones keep the stated bounds', async () => {
    const rows = await sampleRows();
    const cap = 40;
    const counter = new VocabularyCounter(cap);
    for (const row of rows) counter.add(row);
    const exact = exactCounts(rows);
    const vocabulary = counter.build(2, 1_000_000);
    let pruned = 0;
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      expect(counter.counts[f].size).toBeLessThanOrEqual(cap);
      if (exact[f].size <= cap) {
        expect(counter.undercount[f]).toBe(0);
        expect(Array.from(vocabulary.valuesByRow[f])).toEqual(referenceVocabulary(exact[f], 2, 1_000_000));
        continue;
      }
      pruned++;
      const n = [...exact[f].values()].reduce((a, b) => a + b, 0);
      const under = counter.undercount[f];
      expect(under).toBeGreaterThan(0);
      expect(under).toBeLessThanOrEqual((2 * n) / cap);
      // stored <= true <= stored + undercount, and every value with true count >= minCount + undercount is kept
      exact[f].forEach((trueCount, value) => {
        const stored = counter.counts[f].get(value);
        expect(stored).toBeLessThanOrEqual(trueCount);
        expect(trueCount).toBeLessThanOrEqual(stored + under);
        if (trueCount >= 2 + under) expect(vocabulary.row(f, value)).toBeGreaterThan(0);
      });
      // every kept value truly reaches minCount
      for (const value of vocabulary.valuesByRow[f]) expect(exact[f].get(value)).toBeGreaterThanOrEqual(2);
    }
    expect(pruned).toBeGreaterThan(0);
  });

  it('never holds more than the cap on a generated stream of 2 million distinct values, and keeps the heavy ones', () => {
    const cap = 1024;
    const counter = new VocabularyCounter(cap);
    const row = createRawRow();
    const heavy = [0xdead0001, 0xdead0002, 0xdead0003];
    const rowsCount = 80_000;
    let state = 1;
    let largest = 0;
    let largestBytes = 0;
    for (let i = 0; i < rowsCount; i++) {
      for (let f = 0; f < NUM_CATEGORICAL; f++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        // one row in 4: one of 3 heavy values; otherwise a fresh value (about 1.56 million distinct in all)
        row.categorical[f] = i % 4 === 0 ? heavy[(i >> 2) % 3] : state;
      }
      counter.add(row);
      if (i % 997 === 0) {
        largest = Math.max(largest, counter.largestSize());
        largestBytes = Math.max(largestBytes, counter.bytes());
      }
    }
    expect(largest).toBeLessThanOrEqual(cap);
    expect(counter.largestSize()).toBeLessThanOrEqual(cap);
    // 2 x cap slots of 4 + 4 bytes per feature (cap is a power of two)
    expect(largestBytes).toBeLessThanOrEqual(NUM_CATEGORICAL * 2 * cap * 8);
    expect(counter.prunes.every((p) => p > 0)).toBe(true);
    const vocabulary = counter.build(1000, 1_000_000);
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      expect(counter.undercount[f]).toBeLessThanOrEqual((2 * rowsCount) / cap);
      // each heavy value occurs rowsCount / 12 = 6,667 times, far above minCount + undercount
      expect(new Set(vocabulary.valuesByRow[f])).toEqual(new Set(heavy));
    }
  });

  it('ranks by count then value, counts of 2^21 and more included (the packed sort key and the frequent values)', () => {
    const counter = new VocabularyCounter();
    const counts: [number, number][] = [[0xffffffff, 5], [7, 2 ** 21 - 1], [0x10, 3_000_000], [0x20, 2 ** 21], [0x0, 5], [0x30, 2_500_000], [0x31, 2_500_000], [9, 1]];
    for (const [value, count] of counts) counter.counts[4].add(value, count);
    const reference = new Map(counts);
    expect(Array.from(counter.build(2, 1000).valuesByRow[4])).toEqual(referenceVocabulary(reference, 2, 1000));
    expect(Array.from(counter.build(2, 1000).valuesByRow[4])).toEqual([0x10, 0x30, 0x31, 0x20, 7, 0x0, 0xffffffff]);
    expect(Array.from(counter.build(1, 4).valuesByRow[4])).toEqual([0x10, 0x30, 0x31]);
  });

  it('refuses a cap below 2', () => {
    expect(() => new VocabularyCounter(1)).toThrow(/maxDistinctPerFeature/);
  });
});
