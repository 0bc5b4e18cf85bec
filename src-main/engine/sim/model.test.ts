import { describe, expect, it } from 'vitest';
import { ImpressionLog } from './log';
import { MatrixFactorizationTrainer } from './model';
import { Random } from './random';

/**
 * Planted structure: users 0-19 click items 0-19 with probability 0.5 and items 20-39 with 0.05;
 * users 20-39 the other way round. A personalised model must rank each user's own block first.
 */
function plantedLog(): ImpressionLog {
  const users = 40;
  const items = 40;
  const log = new ImpressionLog(1000, {
    userCount: users,
    itemCount: items,
    topicCount: 1,
    itemTopics: new Float32Array(items),
    itemExtremeness: new Float32Array(items),
    userHistoryTopics: new Float32Array(users),
  });
  const random = new Random(9);
  for (let round = 0; round < 30; round++) {
    for (let user = 0; user < users; user++) {
      for (let position = 0; position < 10; position++) {
        const item = random.int(items);
        const sameBlock = user < 20 === item < 20;
        log.append(user, item, position, round, random.next() < (sameBlock ? 0.5 : 0.05));
      }
    }
  }
  return log;
}

describe('MatrixFactorizationTrainer', () => {
  it('learns a planted two-block preference structure', () => {
    const log = plantedLog();
    const trainer = new MatrixFactorizationTrainer({ seed: 1, epochs: 10 });
    const scorer = trainer.fit(log);
    expect(scorer.cacheable).toBe(true);
    const items = Int32Array.from({ length: 40 }, (_, i) => i);
    const scores = new Float32Array(40);
    let correct = 0;
    for (let user = 0; user < 40; user++) {
      scorer.score(user, items, scores);
      let own = 0;
      let other = 0;
      for (let item = 0; item < 40; item++) {
        if (user < 20 === item < 20) own += scores[item]! / 20;
        else other += scores[item]! / 20;
        expect(scores[item]! > 0 && scores[item]! < 1).toBe(true);
      }
      if (own > other + 0.1) correct++;
    }
    expect(correct).toBe(40);
  });

  it('is deterministic for a seed and scores unknown items by the global and user bias', () => {
    const a = new MatrixFactorizationTrainer({ seed: 3 }).fit(plantedLog());
    const b = new MatrixFactorizationTrainer({ seed: 3 }).fit(plantedLog());
    const items = Int32Array.of(0, 5, 39, 1000);
    const outA = new Float32Array(4);
    const outB = new Float32Array(4);
    a.score(7, items, outA);
    b.score(7, items, outB);
    expect(outB).toEqual(outA);
    expect(Number.isFinite(outA[3])).toBe(true);
  });
});
