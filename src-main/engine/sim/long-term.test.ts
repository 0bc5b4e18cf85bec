import { describe, expect, it } from 'vitest';
import { ImpressionLog } from './log';
import { estimateValues } from './long-term';

function logOf(rows: [user: number, item: number, round: number, clicked: boolean][]): ImpressionLog {
  const log = new ImpressionLog(16, {
    userCount: 2, itemCount: 3, topicCount: 1, itemTopics: new Float32Array(3), itemExtremeness: new Float32Array(3), userHistoryTopics: new Float32Array(2),
  });
  for (const [user, item, round, clicked] of rows) log.append(user, item, 0, round, clicked);
  return log;
}

describe('long-term value estimate', () => {
  it('discounted clicks over the horizon after a click on each item, and after no click, by hand', () => {
    // user 0 clicks item 0 in round 0, then clicks in rounds 1 and 2; user 1 sees item 1 in round 0
    // without clicking, clicks item 2 in round 2. Horizon 2, gamma 0.5, rounds logged 4: slates of
    // rounds 0 and 1 have complete horizons.
    const log = logOf([
      [0, 0, 0, true], [1, 1, 0, false],
      [0, 1, 1, true], [1, 0, 1, false],
      [0, 2, 2, true], [1, 2, 2, true],
      [0, 1, 3, false], [1, 0, 3, false],
    ]);
    const values = estimateValues(log, 2, 3, 4, { horizon: 2, discount: 0.5, priorCount: 1 });
    // after user 0's click on item 0 (round 0): 0.5 * 1 + 0.25 * 1 = 0.75; after the click on item 1 (round 1): 0.5 * 1 + 0.25 * 0 = 0.5
    // mean after a click = 0.625; shrunk with prior 1: item 0 (0.75 + 0.625) / 2, item 1 (0.5 + 0.625) / 2, item 2 0.625
    expect(values.afterClick[0]).toBeCloseTo((0.75 + 0.625) / 2, 12);
    expect(values.afterClick[1]).toBeCloseTo((0.5 + 0.625) / 2, 12);
    expect(values.afterClick[2]).toBeCloseTo(0.625, 12);
    // user 1 without a click in round 0: 0.5 * 0 + 0.25 * 1 = 0.25; in round 1: 0.5 * 1 + 0.25 * 0 = 0.5
    expect(values.afterNoClick).toBeCloseTo(0.375, 12);
    expect(values.slates).toBe(4);
  });
});
