import { describe, expect, it } from 'vitest';
import { compareRecommenders, randomLog, recommenderComparisonTables } from './recommender-comparison';
import { DEFAULT_SIMULATION, validateSimulationSpec } from './spec';

describe('recommender comparison on the simulator log', () => {
  it('the random log shows random slates and never repeats a consumed item', () => {
    const spec = validateSimulationSpec({ ...DEFAULT_SIMULATION, users: 30, items: 60, rounds: 5, slateSize: 5, newItemsPerRound: 2, policies: [{ kind: 'random' }] });
    const { log } = randomLog(spec);
    expect(log.length).toBe(30 * 5 * 5);
    const consumed = new Set<string>();
    for (let row = 0; row < log.length; row++) {
      const key = `${log.users[row]}:${log.items[row]}`;
      expect(consumed.has(key)).toBe(false);
      if (log.clicked[row] === 1) consumed.add(key);
    }
  });

  it('ranks held-out clicks: every model between the random floor and the true-utility ceiling is measured, popularity and MF above the floor', async () => {
    const result = await compareRecommenders({ closedLoop: false });
    const ndcg = Object.fromEntries(result.ranking.map((r) => [r.model, r.ndcg]));
    expect(Object.keys(ndcg)).toEqual([
      'random ranking', 'oracle (true utility)', 'popularity', 'user-user CF', 'item-item CF', 'ALS implicit', 'ALS explicit (impressions)', 'MF by SGD (logistic)',
    ]);
    for (const row of result.ranking) {
      expect(row.users).toBeGreaterThan(100);
      for (const value of [row.ndcg, row.precision, row.recall]) expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(ndcg['oracle (true utility)']!).toBeGreaterThan(2 * ndcg['random ranking']!);
    expect(ndcg['popularity']!).toBeGreaterThan(ndcg['random ranking']!);
    expect(ndcg['MF by SGD (logistic)']!).toBeGreaterThan(ndcg['random ranking']!);
    expect(ndcg['ALS implicit']!).toBeGreaterThan(ndcg['random ranking']!);
    expect(recommenderComparisonTables(result)).toContain('| ALS implicit |');
  }, 60_000);
});
