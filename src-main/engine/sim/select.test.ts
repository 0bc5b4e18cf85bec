import { describe, expect, it } from 'vitest';
import { Random } from './random';
import { popcount32, selectTopK, setBit } from './select';

describe('selectTopK', () => {
  it('matches a full sort (score descending, then index ascending) with exclusions and ties', () => {
    const random = new Random(5);
    for (let trial = 0; trial < 50; trial++) {
      const count = 1 + random.int(300);
      const k = 1 + random.int(20);
      // Scores on a coarse grid so ties are common.
      const scores = Float32Array.from({ length: count }, () => random.int(10) / 10);
      const excluded = new Uint32Array(Math.ceil(count / 32) + 1);
      for (let i = 0; i < count; i++) if (random.next() < 0.3) setBit(excluded, 0, i);
      const expected = Array.from({ length: count }, (_, i) => i)
        .filter((i) => (excluded[i >>> 5]! & (1 << (i & 31))) === 0)
        .sort((a, b) => scores[b]! - scores[a]! || a - b)
        .slice(0, k);
      const out = new Int32Array(k);
      const length = selectTopK(scores, count, k, excluded, 0, out, new Float32Array(k));
      expect(Array.from(out.subarray(0, length))).toEqual(expected);
    }
  });

  it('ranks NaN last and returns fewer than k when few are eligible', () => {
    const scores = Float32Array.of(Number.NaN, 0.5, 0.9);
    const out = new Int32Array(5);
    expect(selectTopK(scores, 3, 5, null, 0, out, new Float32Array(5))).toBe(3);
    expect(Array.from(out.subarray(0, 3))).toEqual([2, 1, 0]);
  });
});

describe('popcount32', () => {
  it('counts bits', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff | 0)).toBe(32);
    expect(popcount32(0b1011_0001)).toBe(4);
    expect(popcount32(1 << 31)).toBe(1);
  });
});
