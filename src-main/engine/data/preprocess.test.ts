import { describe, expect, it } from 'vitest';
import { createRawRow } from './parse';
import { Preprocessor, U32Map, VocabularyCounter, categoryHex, denseValue, hashedRow, preprocessFieldText } from './preprocess';

describe('dense transform', () => {
  it('is log(max(x, 0) + 1) with missing -> 0, rounded to float32 in the block', () => {
    // python3: [math.log(max(v, 0) + 1.0) for v in (0, 1, 5, 1382, -1, 70000)]
    // -> 0.0, 0.6931471805599453, 1.791759469228055, 7.232010331664759, 0.0, 11.156264806643742
    expect(denseValue(0)).toBe(0);
    expect(denseValue(1)).toBeCloseTo(0.6931471805599453, 15);
    expect(denseValue(-1)).toBe(0);
    expect(denseValue(NaN)).toBe(0);
    const row = createRawRow();
    row.dense.set([0, 1, 5, 1382, -1, 70000, NaN, 65535, 65536, 2, 3, 4, 0]);
    row.categorical.fill(-1);
    const dense = new Float32Array(13);
    const categorical = new Int32Array(26);
    new Preprocessor({ categorical: 'hash', hashSize: 10, minCount: 1 }).apply(row, 0, dense, categorical);
    const expected = [0, 0.6931471805599453, 1.791759469228055, 7.232010331664759, 0, 11.156264806643742, 0, Math.log(65536), Math.log(65537), Math.log(3), Math.log(4), Math.log(5), 0];
    expect(Array.from(dense)).toEqual(expected.map((v) => Math.fround(v)));
  });
});

describe('hashing', () => {
  it('maps hex to value mod hashSize, missing to 0, as int(hex, 16) % n', () => {
    // python3: int('68fd1e64', 16) = 1761418852; % 100000 -> 18852; int('ffffffff', 16) % 100000 -> 67295
    expect(hashedRow(0x68fd1e64, 100000)).toBe(18852);
    expect(hashedRow(0xffffffff, 100000)).toBe(67295);
    expect(hashedRow(-1, 100000)).toBe(0);
    const row = createRawRow();
    row.dense.fill(NaN);
    row.categorical.fill(-1);
    row.categorical[0] = 0x68fd1e64;
    row.categorical[1] = 0xffffffff;
    row.categorical[2] = 200000;
    const categorical = new Int32Array(26);
    new Preprocessor({ categorical: 'hash', hashSize: 100000, minCount: 1 }).apply(row, 0, new Float32Array(13), categorical);
    expect(Array.from(categorical.subarray(0, 4))).toEqual([18852, 67295, 0, 0]);
  });

  it('the fast modulo equals % for random 32-bit values and odd sizes', () => {
    const p = new Preprocessor({ categorical: 'hash', hashSize: 999_983, minCount: 1 });
    const row = createRawRow();
    row.dense.fill(NaN);
    const out = new Int32Array(26);
    let x = 12345;
    for (let n = 0; n < 200; n++) {
      for (let f = 0; f < 26; f++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        row.categorical[f] = x;
      }
      p.apply(row, 0, new Float32Array(13), out);
      for (let f = 0; f < 26; f++) expect(out[f]).toBe(row.categorical[f] % 999_983);
    }
  });

  it('formats values as 8 hex digits', () => {
    expect(categoryHex(0x0a)).toBe('0000000a');
    expect(categoryHex(0xffffffff)).toBe('ffffffff');
  });
});

describe('vocabulary', () => {
  it('gives frequent values rows 1..k by frequency, rare and missing row 0, capped by hashSize', () => {
    const counter = new VocabularyCounter();
    const row = createRawRow();
    // feature 0: value 0xa three times, 0xb twice, 0xc once, one missing; other features missing
    for (const value of [0xa, 0xb, 0xa, 0xc, 0xb, 0xa, -1]) {
      row.categorical.fill(-1);
      row.categorical[0] = value;
      counter.add(row);
    }
    const vocabulary = counter.build(2, 1000);
    expect(Array.from(vocabulary.valuesByRow[0])).toEqual([0xa, 0xb]);
    expect(vocabulary.row(0, 0xa)).toBe(1);
    expect(vocabulary.row(0, 0xb)).toBe(2);
    expect(vocabulary.row(0, 0xc)).toBe(0);
    expect(vocabulary.row(0, -1)).toBe(0);
    expect(vocabulary.tableSizes()[0]).toBe(3);
    expect(vocabulary.tableSizes()[1]).toBe(1);
    // minCount 1 keeps 0xc too; a cap of 2 rows keeps only the most frequent value
    expect(Array.from(counter.build(1, 1000).valuesByRow[0])).toEqual([0xa, 0xb, 0xc]);
    expect(Array.from(counter.build(1, 2).valuesByRow[0])).toEqual([0xa]);
    // round trip through JSON (saved with a model)
    const preprocessor = new Preprocessor({ categorical: 'vocab', hashSize: 1000, minCount: 2 }, vocabulary);
    const state = preprocessor.toJSON();
    expect(state.vocabulary![0]).toEqual(['0000000a', '0000000b']);
    const restored = Preprocessor.fromJSON(JSON.parse(JSON.stringify(state)));
    expect(restored.categoryRow(0, 0xb)).toBe(2);
    expect(restored.tableSizes).toEqual(preprocessor.tableSizes);
  });

  it('U32Map counts many keys, including 0 and 2^32 - 1', () => {
    const map = new U32Map(4);
    for (let k = 0; k < 5000; k++) map.add(k * 7919, 1);
    map.add(0, 1);
    map.add(0xffffffff, 3);
    expect(map.size).toBe(5001);
    expect(map.get(0)).toBe(2);
    expect(map.get(7919 * 4999)).toBe(1);
    expect(map.get(0xffffffff)).toBe(3);
    expect(map.get(5)).toBe(0);
  });
});

describe('field edits', () => {
  it('preprocesses one field given as text', () => {
    const p = new Preprocessor({ categorical: 'hash', hashSize: 100000, minCount: 1 });
    expect(preprocessFieldText(p, 'I5', '260.0')).toEqual({ kind: 'dense', index: 4, value: Math.fround(Math.log(261)) });
    expect(preprocessFieldText(p, 'I13', '')).toEqual({ kind: 'dense', index: 12, value: 0 });
    expect(preprocessFieldText(p, 'C1', '68fd1e64')).toEqual({ kind: 'categorical', index: 0, row: 18852 });
    expect(preprocessFieldText(p, 'C26', '')).toEqual({ kind: 'categorical', index: 25, row: 0 });
    expect(() => preprocessFieldText(p, 'C3', 'xyz')).toThrow(/C3 must be 1 to 8 hexadecimal digits/);
    expect(() => preprocessFieldText(p, 'I14', '1')).toThrow(/unknown field/);
  });
});
