import { describe, expect, it } from 'vitest';
import { parseTrainSpec } from './inputs';

const train = { batchSize: 64, epochs: 1 };

describe('train.shuffleWindow', () => {
  it('is kept when a positive integer, absent by default', () => {
    expect(parseTrainSpec({ ...train, shuffleWindow: 100_000 }).shuffleWindow).toBe(100_000);
    expect(parseTrainSpec(train).shuffleWindow).toBeUndefined();
  });

  it('refuses anything else, naming the field', () => {
    for (const bad of [0, -5, 2.5, 'many']) expect(() => parseTrainSpec({ ...train, shuffleWindow: bad })).toThrow(/train\.shuffleWindow/);
  });
});
