import { describe, expect, it } from 'vitest';
import { learningRateAt } from './schedule';

describe('learning-rate schedule', () => {
  const base = { learningRate: 1, warmupSteps: 4 };
  it('warms up linearly: lr * (step + 1) / warmup', () => {
    expect([0, 1, 2, 3].map((s) => learningRateAt(s, 100, { ...base, decay: 'none' }))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(learningRateAt(50, 100, { ...base, decay: 'none' })).toBe(1);
  });
  it('decays after the warm-up (progress = (step - 4) / 96)', () => {
    // step 52: progress 0.5
    expect(learningRateAt(52, 100, { ...base, decay: 'linear' })).toBeCloseTo(0.5, 12);
    expect(learningRateAt(52, 100, { ...base, decay: 'cosine' })).toBeCloseTo(0.5, 12);
    expect(learningRateAt(4, 100, { ...base, decay: 'cosine' })).toBeCloseTo(1, 12);
    expect(learningRateAt(51, 100, { ...base, decay: 'step' })).toBe(1);
    expect(learningRateAt(52, 100, { ...base, decay: 'step' })).toBeCloseTo(0.1, 12);
    expect(learningRateAt(76, 100, { ...base, decay: 'step' })).toBeCloseTo(0.01, 12);
  });
});
