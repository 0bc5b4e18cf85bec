import { describe, expect, it } from 'vitest';
import { evaluateRanking, rankingAtK, topK } from './ranking';

describe('ranking metrics', () => {
  it('precision, recall and NDCG at k by hand', () => {
    // ranked [7, 3, 9, 1], relevant {3, 1, 5}, k = 4: hits at ranks 2 and 4
    // precision 2/4, recall 2/3, DCG = 1/log2(3) + 1/log2(5), ideal = 1 + 1/log2(3) + 1/log2(4)
    const m = rankingAtK([7, 3, 9, 1], new Set([3, 1, 5]), 4);
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.ndcg).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 0.5), 12);
    expect(rankingAtK([1, 2], new Set([1]), 2).ndcg).toBe(1);
  });

  it('topK skips excluded items and breaks ties by the lower id', () => {
    expect(topK([0.5, 0.9, 0.5, 0.9, NaN], 5, 3, new Set([1]))).toEqual([3, 0, 2]);
  });

  it('evaluateRanking averages over users with held-out items only', () => {
    const scores = [
      [3, 2, 1, 0],
      [0, 1, 2, 3],
      [1, 1, 1, 1],
    ];
    const result = evaluateRanking(
      (user, out) => out.set(scores[user]!),
      4,
      [new Set([0]), new Set(), new Set()],
      [new Set([1]), new Set([0]), new Set()],
      1,
    );
    // user 0: item 0 excluded, top-1 is item 1 (hit); user 1: top-1 is item 3 (miss); user 2 has nothing held out
    expect(result).toEqual({ precision: 0.5, recall: 0.5, ndcg: 0.5, users: 2 });
  });
});
