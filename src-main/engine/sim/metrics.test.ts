import { describe, expect, it } from 'vitest';
import { gini, intraListDiversity, jaccardBits, normalizedEntropy } from './metrics';
import { setBit } from './select';

describe('gini', () => {
  it('is 0 for equal values and (n-1)/n when one value holds everything', () => {
    expect(gini([3, 3, 3, 3])).toBe(0);
    expect(gini([0, 0, 0, 8])).toBeCloseTo(3 / 4, 12);
    expect(gini([0, 0, 0, 0])).toBe(0);
  });

  it('matches the mean-absolute-difference definition on [1, 2, 3, 4]', () => {
    // sum over ordered pairs |xi - xj| = 2 * (1+2+3+1+2+1) = 20; G = 20 / (2 * n^2 * mean) = 20 / (2 * 16 * 2.5) = 0.25
    expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12);
  });
});

describe('normalizedEntropy', () => {
  it('is 1 for uniform, 0 for a point mass, and normalises unnormalised input', () => {
    expect(normalizedEntropy([1, 1, 1, 1])).toBeCloseTo(1, 12);
    expect(normalizedEntropy([0, 5, 0])).toBe(0);
    // H(1/2, 1/2, 0, 0) / log 4 = log 2 / log 4 = 0.5
    expect(normalizedEntropy([2, 2, 0, 0])).toBeCloseTo(0.5, 12);
  });
});

describe('intraListDiversity', () => {
  it('is 0 for identical topic vectors and 1 for orthogonal ones', () => {
    // Three items, T = 2: items 0 and 1 on topic 0, item 2 on topic 1 (unit vectors).
    const unit = Float32Array.of(1, 0, 1, 0, 0, 1);
    expect(intraListDiversity(Int32Array.of(0, 1), 2, unit, 2)).toBe(0);
    expect(intraListDiversity(Int32Array.of(0, 2), 2, unit, 2)).toBe(1);
    // Pairs (0,1)=0, (0,2)=1, (1,2)=1 -> 2/3.
    expect(intraListDiversity(Int32Array.of(0, 1, 2), 3, unit, 2)).toBeCloseTo(2 / 3, 12);
    expect(intraListDiversity(Int32Array.of(0), 1, unit, 2)).toBe(0);
  });
});

describe('jaccardBits', () => {
  it('is |A and B| / |A or B| over bitset rows', () => {
    const words = 2;
    const bits = new Uint32Array(2 * words);
    for (const item of [1, 5, 40]) setBit(bits, 0, item);
    for (const item of [5, 40, 63, 2]) setBit(bits, words, item);
    // Intersection {5, 40} = 2, union {1, 2, 5, 40, 63} = 5.
    expect(jaccardBits(bits, 0, words, words)).toBeCloseTo(2 / 5, 12);
    expect(jaccardBits(new Uint32Array(4), 0, 2, 2)).toBe(0);
  });
});
