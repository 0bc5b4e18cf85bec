import { describe, expect, it } from 'vitest';
import { debiasedEma } from './smoothing';

describe('debiasedEma', () => {
  it('matches the debiased EMA computed by hand', () => {
    // weight 0.5 on [1, 3, 5]:
    //   ema1 = 0.5*0 + 0.5*1 = 0.5   -> 0.5 / (1 - 0.5)   = 1
    //   ema2 = 0.5*0.5 + 0.5*3 = 1.75 -> 1.75 / (1 - 0.25) = 2.3333...
    //   ema3 = 0.5*1.75 + 0.5*5 = 3.375 -> 3.375 / (1 - 0.125) = 3.857142...
    const smoothed = debiasedEma([1, 3, 5], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeCloseTo(7 / 3, 12);
    expect(smoothed[2]).toBeCloseTo(27 / 7, 12);
  });

  it('starts at the first value (no pull towards zero)', () => {
    expect(debiasedEma([0.7, 0.69, 0.68], 0.99)[0]).toBeCloseTo(0.7, 12);
  });

  it('returns the values unchanged for weight 0 and for a constant series', () => {
    expect(debiasedEma([1, 2, 3], 0)).toEqual([1, 2, 3]);
    expect(debiasedEma([0.3, 0.3, 0.3], 0.9)).toEqual([0.3, 0.3, 0.3]);
  });

  it('passes non-finite values through without updating the average', () => {
    const smoothed = debiasedEma([1, Number.NaN, 3], 0.5);
    expect(Number.isNaN(smoothed[1])).toBe(true);
    // The NaN is skipped, so the third value is the second finite one: 7/3 as above.
    expect(smoothed[2]).toBeCloseTo(7 / 3, 12);
  });
});
