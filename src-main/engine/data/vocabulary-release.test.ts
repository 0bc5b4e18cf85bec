import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { Vocabulary, VocabularyCounter } from './preprocess';
import { readCriteoFile } from './reader';
import { SAMPLES_DIR } from './testing';
import { NUM_CATEGORICAL } from './types';

async function countSample(cap?: number): Promise<VocabularyCounter> {
  const counter = new VocabularyCounter(cap);
  await readCriteoFile(join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt'), (row) => counter.add(row));
  return counter;
}

describe('vocabulary built one feature at a time, freeing each feature\'s counts', () => {
  for (const cap of [undefined, 40]) {
    it(`gives the same vocabulary as building with every count kept (cap ${cap ?? 'default'})`, async () => {
      const kept = await countSample(cap);
      const released = await countSample(cap);
      for (const [minCount, maxRows] of [[1, 1_000_000], [2, 30]]) {
        const expected = kept.build(minCount, maxRows);
        // a fresh counter each time: releaseCounts consumes it
        const counter = minCount === 1 ? released : await countSample(cap);
        const actual = counter.build(minCount, maxRows, { releaseCounts: true });
        expect(actual.tableSizes()).toEqual(expected.tableSizes());
        for (let f = 0; f < NUM_CATEGORICAL; f++) {
          expect(Array.from(actual.valuesByRow[f])).toEqual(Array.from(expected.valuesByRow[f]));
          // the lookups built feature by feature map every kept value (and a value never seen) alike
          const reference = new Vocabulary(expected.valuesByRow, minCount);
          for (const value of expected.valuesByRow[f]) expect(actual.row(f, value)).toBe(reference.row(f, value));
          expect(actual.row(f, 0xfffffffe)).toBe(reference.row(f, 0xfffffffe));
        }
        // every feature's counts are gone, and the counter refuses to count or build again
        expect(counter.counts.every((map) => map.size === 0)).toBe(true);
        expect(counter.bytes()).toBeLessThanOrEqual(NUM_CATEGORICAL * 32 * 8);
        expect(() => counter.build(minCount, maxRows)).toThrow(DatasetError);
        expect(() => counter.addValue(0, 1)).toThrow(DatasetError);
      }
    });
  }
});
