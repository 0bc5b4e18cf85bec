import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readVocabularyFile, writeVocabularyFile } from './cache';
import { DatasetError } from './errors';
import { Random } from './random';
import { Preprocessor, U32Map, Vocabulary, VocabularyCounter, VocabularyLookup } from './preprocess';
import { readCriteoFile } from './reader';
import { SAMPLES_DIR, temporaryDirectory } from './testing';
import { NUM_CATEGORICAL } from './types';

/** The lookup as it was before the compact one: a U32Map of value -> row, set in row order. */
function mapLookup(values: Uint32Array): U32Map {
  const map = new U32Map(values.length);
  for (let r = 0; r < values.length; r++) map.set(values[r], r + 1);
  return map;
}

function randomValues(n: number, seed: number): Uint32Array {
  const random = new Random(seed);
  const seen = new Set<number>();
  const values = new Uint32Array(n);
  for (let i = 0; i < n; ) {
    const v = random.nextUint32();
    if (seen.has(v)) continue;
    seen.add(v);
    values[i++] = v;
  }
  return values;
}

describe('compact vocabulary lookup', () => {
  it('maps every kept value to the row the value -> row map gave, and unseen values to row 0', () => {
    for (const [n, seed] of [[0, 1], [1, 2], [12, 3], [13, 4], [5000, 5], [200_000, 6]]) {
      const values = randomValues(n, seed);
      // the extremes and values that collide in the slot hash (multiples of a large power of two)
      const extra = n > 100 ? [0, 0xffffffff, 1 << 31, 3 << 30, 5 << 28, 7 << 28] : [];
      const all = Uint32Array.from([...values.subarray(0, Math.max(0, n - extra.length)), ...extra]);
      const compact = new VocabularyLookup(all);
      const reference = mapLookup(all);
      for (let r = 0; r < all.length; r++) {
        expect(compact.row(all[r])).toBe(r + 1);
        expect(compact.row(all[r])).toBe(reference.get(all[r]));
      }
      const kept = new Set(all);
      const unseen = randomValues(2000, seed + 100).filter((v) => !kept.has(v));
      expect(unseen.length).toBeGreaterThan(1900);
      for (const v of unseen) expect(compact.row(v)).toBe(0);
      // at most 3/4 of the slots used, 4 bytes a slot
      expect(compact.bytes()).toBeLessThanOrEqual(Math.max(64, Math.ceil((all.length / 0.75) * 2) * 4));
      if (all.length > 1000) expect(compact.bytes()).toBeLessThanOrEqual(reference.capacityBytes() / 2);
    }
  });

  it('keeps the last row of a value listed twice, as the map did', () => {
    const values = Uint32Array.from([7, 9, 7, 11]);
    expect(new VocabularyLookup(values).row(7)).toBe(mapLookup(values).get(7));
    expect(new VocabularyLookup(values).row(7)).toBe(3);
  });

  it('gives a real file the same table rows as exact counting with JS Maps (counted, built, saved and read back)', async () => {
    const path = join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt');
    const counter = new VocabularyCounter();
    const exact = Array.from({ length: NUM_CATEGORICAL }, () => new Map<number, number>());
    await readCriteoFile(path, (row) => {
      counter.add(row);
      for (let f = 0; f < NUM_CATEGORICAL; f++) if (row.categorical[f] >= 0) exact[f].set(row.categorical[f], (exact[f].get(row.categorical[f]) ?? 0) + 1);
    });
    const minCount = 2;
    const built = counter.build(minCount, 1_000_000, { releaseCounts: true });
    const { dir, remove } = temporaryDirectory();
    try {
      writeVocabularyFile(join(dir, 'vocabulary.bin'), built);
      const readBack = readVocabularyFile(join(dir, 'vocabulary.bin'), minCount);
      const preprocessor = new Preprocessor({ categorical: 'vocab', hashSize: 1_000_000, minCount }, readBack);
      let keptValues = 0;
      for (let f = 0; f < NUM_CATEGORICAL; f++) {
        // the rule written out: count >= minCount, most frequent first, ties by value; rows 1..k
        const ranked = [...exact[f].entries()].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
        expect(built.tableSizes()[f]).toBe(ranked.length + 1);
        ranked.forEach(([value], r) => {
          expect(built.row(f, value)).toBe(r + 1);
          expect(preprocessor.categoryRow(f, value)).toBe(r + 1);
        });
        keptValues += ranked.length;
        for (const [value, count] of exact[f]) if (count < minCount) expect(preprocessor.categoryRow(f, value)).toBe(0);
        expect(preprocessor.categoryRow(f, -1)).toBe(0); // missing
      }
      expect(keptValues).toBeGreaterThan(100);
      expect(new Vocabulary(readBack.valuesByRow, minCount).tableSizes()).toEqual(built.tableSizes());
    } finally {
      remove();
    }
  });

  it('refuses a truncated or corrupt vocabulary file with a DatasetError, allocating nothing for a corrupt count', () => {
    const { dir, remove } = temporaryDirectory();
    try {
      const path = join(dir, 'vocabulary.bin');
      const values = Array.from({ length: NUM_CATEGORICAL }, (_, f) => Uint32Array.from({ length: 50 }, (_, r) => f * 1000 + r));
      writeVocabularyFile(path, new Vocabulary(values, 1));
      expect(readVocabularyFile(path, 1).valuesByRow.map((v) => Array.from(v))).toEqual(values.map((v) => Array.from(v)));
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, bytes.length - 10));
      expect(() => readVocabularyFile(path, 1)).toThrow(DatasetError);
      const corrupt = Buffer.from(bytes);
      corrupt.writeUInt32LE(0xffffffff, 0); // a first count of 4 billion values
      writeFileSync(path, corrupt);
      expect(() => readVocabularyFile(path, 1)).toThrow(/shorter than its counts say/);
    } finally {
      remove();
    }
  });

  it('counts alike with the count maps\' 3/4 load (U32Map maxLoad 0.75) and the default 1/2', () => {
    const half = new U32Map(4);
    const threeQuarters = new U32Map(4, 0.75);
    const random = new Random(9);
    for (let i = 0; i < 50_000; i++) {
      const key = Math.imul(random.nextUint32() % 30_000, 65_537) >>> 0;
      half.add(key, 1);
      threeQuarters.add(key, 1);
    }
    expect(threeQuarters.size).toBe(half.size);
    half.forEach((key, count) => expect(threeQuarters.get(key)).toBe(count));
    expect(threeQuarters.capacityBytes()).toBeLessThanOrEqual(half.capacityBytes());
    expect(threeQuarters.size).toBeLessThanOrEqual((threeQuarters.capacityBytes() / 8) * 0.75);
    expect(() => new U32Map(4, 1)).toThrow(/maxLoad/);
  });
});
